"""The shape family beyond the op table: which results are views (memory, ``_base`` and the
version counter shared with the base, writes seen through them), PyTorch's error texts,
dtype promotion in cat/stack, warnings of T/mT/H/mH and meshgrid, multi-output nodes."""
import warnings

import numpy as np
import pytest

import retrograd as rt
from retrograd.ops import shape_views as _shape

from conftest import REAL_TORCH


@pytest.fixture
def torch():
    if REAL_TORCH is None:
        pytest.skip("PyTorch (the oracle) is not installed")
    return REAL_TORCH


def _base_of(m):
    return m.tensor(np.arange(24.0).reshape(2, 3, 4))


# ----- views: (op on a (2, 3, 4) tensor, is it a view in PyTorch)
VIEWS = {
    "view": lambda m, x: x.view(6, 4), "reshape": lambda m, x: x.reshape(-1),
    "flatten": lambda m, x: x.flatten(1), "unflatten": lambda m, x: x.unflatten(2, (2, 2)),
    "transpose": lambda m, x: x.transpose(0, 2), "swapaxes": lambda m, x: x.swapaxes(1, 2),
    "swapdims": lambda m, x: m.swapdims(x, 0, 1), "movedim": lambda m, x: x.movedim(0, -1),
    "moveaxis": lambda m, x: m.moveaxis(x, (0, 1), (1, 0)), "permute": lambda m, x: x.permute(2, 0, 1),
    "mT": lambda m, x: x.mT, "mH": lambda m, x: x.mH, "H": lambda m, x: x[0].H,
    "T2": lambda m, x: x[1].T, "t": lambda m, x: x[0].t(), "adjoint": lambda m, x: x.adjoint(),
    "squeeze": lambda m, x: x[:1].squeeze(0), "unsqueeze": lambda m, x: x.unsqueeze(1),
    "narrow": lambda m, x: x.narrow(2, 1, 2), "select": lambda m, x: x.select(1, 2),
    "getitem": lambda m, x: x[1, ::2], "diagonal": lambda m, x: x.diagonal(1, 1, 2),
    "diagonal_neg": lambda m, x: m.diagonal(x, -1, -1, 0),
    "split": lambda m, x: x.split(2, 2)[1], "split_sizes": lambda m, x: x.split([1, 3], 2)[1],
    "chunk": lambda m, x: x.chunk(2, 1)[0], "unbind": lambda m, x: x.unbind(1)[2],
    "tensor_split": lambda m, x: x.tensor_split(3, 2)[1], "hsplit": lambda m, x: x.hsplit(3)[1],
    "iter": lambda m, x: list(x)[1], "iter_1d": lambda m, x: list(x[1, 2])[3],
    "squeeze_0d": lambda m, x: x[0, 0, 1:2].squeeze(), "view_0d": lambda m, x: x[0, 0, 1:2].view(()),
    "T_0d": lambda m, x: x[0, 0, 1:2].squeeze().T, "movedim_0d": lambda m, x: x[0, 1, 2].movedim(0, 0),
    "unbind_1d": lambda m, x: x[0, 1].unbind()[2], "select_0d": lambda m, x: x[1, 1].select(0, 1), "atleast_3d": lambda m, x: m.atleast_3d(x[0]),
    "view_as": lambda m, x: x.view_as(m.ones(4, 6)),
    "alias_movedim": lambda m, x: x.movedim((), ()),
}
EXPANDED = {  # views that PyTorch refuses to write through (overlapping memory)
    "expand": lambda m, x: x[:, :1].expand(2, 5, 4),
    "broadcast_to": lambda m, x: m.broadcast_to(x[0], (2, 3, 4)),
    "expand_as": lambda m, x: x[0].expand_as(x),
    "broadcast_tensors": lambda m, x: m.broadcast_tensors(x[0, 0], m.ones(3, 1))[0],
    "meshgrid": lambda m, x: m.meshgrid(x[0, 0], x[0, 1], indexing="xy")[1],
}
COPIES = {
    "flip": lambda m, x: x.flip(0), "fliplr": lambda m, x: x.fliplr(),
    "roll": lambda m, x: x.roll(1, 2), "repeat": lambda m, x: x.repeat(1, 1, 1),
    "tile": lambda m, x: x.tile(1),
    "cat": lambda m, x: m.cat([x]), "stack": lambda m, x: m.stack([x]),
    "tril": lambda m, x: x.tril(), "triu": lambda m, x: x.triu(1),
    "diag": lambda m, x: x[0].diag(), "diag_embed": lambda m, x: x.diag_embed(),
    "trace": lambda m, x: x[0].trace(), "hstack": lambda m, x: m.hstack([x]),
    "reshape_copy": lambda m, x: x.transpose(0, 1).reshape(-1),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_view_shares_memory_version_and_writes(name):
    x = _base_of(rt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (T of a 0-d tensor)
        v = VIEWS[name](rt, x)
    assert v._base is x, "a view's _base is its base"
    assert np.shares_memory(v._data, x._data)
    before = v._version
    x.add_(1)  # the version counter is shared
    assert v._version == before + 1
    v.fill_(-7)
    assert (x._data == -7).sum() == v._data.size and x._version == before + 2


@pytest.mark.parametrize("name", list(VIEWS) + list(EXPANDED) + list(COPIES))
def test_views_and_copies_match_torch(name, torch):
    table = {**VIEWS, **EXPANDED, **COPIES}
    results = []
    for m in (rt, torch):
        x = _base_of(m)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = table[name](m, x)
        row = [tuple(v.shape), v._base is not None, v.detach().numpy().tolist()]
        if name in VIEWS:
            v.fill_(-7)
            row.append(x.numpy().tolist())
        results.append(row)
    assert results[0] == results[1]
    assert results[0][1] == (name not in COPIES)


@pytest.mark.parametrize("name", list(EXPANDED))
def test_expanded_views_refuse_writes_as_torch(name, torch):
    outcomes = []
    for m in (rt, torch):
        v = EXPANDED[name](m, _base_of(m))
        with pytest.raises(RuntimeError) as info:
            v.add_(1)
        outcomes.append(str(info.value).splitlines()[0])
    assert outcomes[0] == outcomes[1]


def test_diagonal_write_idiom(m):
    x = m.ones(3, 3)
    x.diagonal().zero_()
    assert x.tolist() == [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    y = m.zeros(2, 3)
    y.diagonal(1).fill_(5)
    assert y.tolist() == [[0.0, 5.0, 0.0], [0.0, 0.0, 5.0]]


def test_split_pieces_share_one_node(m):
    x = m.arange(10.0, requires_grad=True)
    for pieces, node in [(x.split(3), "SplitBackward0"), (x.split([2, 8]), "SplitWithSizesBackward0"),
                         (x.chunk(4), "SplitBackward0"), (x.view(2, 5).unbind(1), "UnbindBackward0")]:
        assert len({id(p.grad_fn) for p in pieces}) == 1
        assert type(pieces[0].grad_fn).__name__ == node
        assert [p.output_nr for p in pieces] == list(range(len(pieces)))
    a, b, c, d = x.split(3)
    (a.sum() + 2 * d.sum()).backward()  # pieces that got no gradient count as zeros
    assert x.grad.tolist() == [1.0] * 3 + [0.0] * 6 + [2.0]


def test_split_double_backward():
    x = rt.tensor(np.linspace(-1, 1, 6), requires_grad=True)
    assert rt.autograd.gradgradcheck(lambda x: [p ** 2 for p in x.split(4)][1], (x,))
    assert rt.autograd.gradgradcheck(lambda x: x.view(2, 3).unbind(1)[2] ** 3, (x,))


# ----- errors: PyTorch's type and first line
ERRORS = {
    "cat_tensor": lambda m: m.cat(m.ones(2)),
    "cat_empty_list": lambda m: m.cat([]),
    "cat_0d": lambda m: m.cat([m.ones(2), m.tensor(1.0)]),
    "cat_ndim": lambda m: m.cat([m.ones(2, 3), m.ones(3)]),
    "cat_sizes": lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]),
    "cat_sizes_dim1": lambda m: m.cat([m.ones(2, 3), m.ones(3, 4)], 1),
    "cat_dim": lambda m: m.cat([m.ones(2, 3)], 2),
    "cat_empty2d_sizes": lambda m: m.cat([m.ones(0, 4), m.ones(2, 3)]),
    "stack_empty": lambda m: m.stack([]),
    "stack_type": lambda m: m.stack(m.ones(2)),
    "stack_shapes": lambda m: m.stack([m.ones(2, 3), m.ones(3, 2)]),
    "stack_dim": lambda m: m.stack([m.ones(2)], 2),
    "hstack_empty": lambda m: m.hstack([]), "vstack_empty": lambda m: m.vstack([]),
    "dstack_empty": lambda m: m.dstack([]),
    "column_stack_empty": lambda m: m.column_stack([]),
    "split_0d": lambda m: m.tensor(1.0).split(1),
    "split_zero": lambda m: m.ones(3).split(0),
    "split_negative": lambda m: m.ones(3).split(-1),
    "split_sizes_sum": lambda m: m.ones(2, 3).split([1, 1], 1),
    "split_sizes_negative": lambda m: m.ones(3).split([4, -1]),
    "chunk_zero": lambda m: m.ones(3).chunk(0), "chunk_0d": lambda m: m.tensor(1.0).chunk(1),
    "unbind_0d": lambda m: m.tensor(1.0).unbind(),
    "unbind_dim": lambda m: m.ones(2).unbind(1),
    "iter_0d": lambda m: list(m.tensor(1.0)),
    "tensor_split_zero": lambda m: m.ones(3).tensor_split(0),
    "tensor_split_0d": lambda m: m.tensor(1.0).tensor_split(1),
    "tensor_split_float": lambda m: m.ones(3).tensor_split(m.tensor([1.0])),
    "tensor_split_2d": lambda m: m.ones(3).tensor_split(m.tensor([[1]])),
    "hsplit_0d": lambda m: m.tensor(1.0).hsplit(1),
    "hsplit_divisible": lambda m: m.ones(2, 3).hsplit(2),
    "vsplit_1d": lambda m: m.ones(3).vsplit(1),
    "dsplit_2d": lambda m: m.ones(2, 2).dsplit(1),
    "movedim_count": lambda m: m.ones(2, 3).movedim((0, 1), (1,)),
    "movedim_repeated": lambda m: m.ones(2, 3).movedim((0, -2), (1, 0)),
    "movedim_repeated_dst": lambda m: m.ones(2, 3).movedim((0, 1), (1, -1)),
    "movedim_range": lambda m: m.ones(2, 3).movedim(0, 2),
    "unflatten_sizes": lambda m: m.ones(2, 3).unflatten(1, (2, 2)),
    "unflatten_inferred": lambda m: m.ones(2, 4).unflatten(1, (-1, 3)),
    "unflatten_empty": lambda m: m.ones(2, 3).unflatten(1, ()),
    "unflatten_0d": lambda m: m.tensor(1.0).unflatten(0, (1,)),
    "unflatten_two_inferred": lambda m: m.ones(2, 4).unflatten(1, (-1, -1)),
    "unflatten_invalid_size": lambda m: m.ones(2, 3).unflatten(1, (-2, -1, -1)),
    "unflatten_ambiguous": lambda m: m.ones(2, 0).unflatten(1, (-1, 0)),
    "unflatten_dim_range": lambda m: m.ones(2, 3).unflatten(5, (1,)),
    "unflatten_0d_empty": lambda m: m.tensor(1.0).unflatten(0, ()),
    "view_ambiguous": lambda m: m.ones(0, 3).view(-1, 0),
    "view_inferred_zero": lambda m: m.ones(2, 3).view(-1, 0),
    "reshape_invalid_order": lambda m: m.ones(2, 3).reshape(-1, -2, -1),
    "vsplit_zero": lambda m: m.ones(4, 2).vsplit(0),
    "narrow_0d": lambda m: m.tensor(1.0).narrow(0, 0, 1),
    "narrow_length": lambda m: m.ones(3).narrow(0, 0, -1),
    "narrow_start": lambda m: m.ones(3).narrow(0, 4, 0),
    "narrow_exceeds": lambda m: m.ones(3).narrow(0, 2, 2),
    "narrow_negative_exceeds": lambda m: m.ones(3).narrow(0, -1, 2),
    "mT_1d": lambda m: m.ones(3).mT, "mH_1d": lambda m: m.ones(3).mH,
    "H_1d": lambda m: m.ones(3).H, "H_3d": lambda m: m.ones(2, 2, 2).H,
    "adjoint_1d": lambda m: m.ones(3).adjoint(),
    "broadcast_to": lambda m: m.ones(2, 3).broadcast_to((3, 3)),
    "broadcast_tensors": lambda m: m.broadcast_tensors(m.ones(2, 3), m.ones(4)),
    "broadcast_tensors_list": lambda m: m.broadcast_tensors([m.ones(2)], m.ones(2)),
    "repeat_few": lambda m: m.ones(2, 3).repeat(2),
    "repeat_negative": lambda m: m.ones(2, 3).repeat(-1, 2),
    "repeat_interleave_negative": lambda m: m.ones(3).repeat_interleave(-1),
    "repeat_interleave_tensor_negative": lambda m: m.ones(2).repeat_interleave(m.tensor([1, -1])),
    "repeat_interleave_float": lambda m: m.ones(2).repeat_interleave(m.tensor([1.0, 2.0])),
    "repeat_interleave_sizes": lambda m: m.ones(2, 4).repeat_interleave(m.tensor([1, 2]), 1),
    "repeat_interleave_2d": lambda m: m.ones(2).repeat_interleave(m.tensor([[1, 2]]), 0),
    "repeat_interleave_output_size": lambda m: m.ones(3).repeat_interleave(2, 0, output_size=5),
    "repeat_interleave_only_2d": lambda m: m.repeat_interleave(m.tensor([[1]])),
    "repeat_interleave_only_negative": lambda m: m.repeat_interleave(m.tensor([1, -1])),
    "repeat_interleave_0d_dim": lambda m: m.tensor(1.0).repeat_interleave(2, 1),
    "flip_repeated": lambda m: m.ones(2, 3).flip(0, -2),
    "flip_range": lambda m: m.ones(2, 3).flip(2),
    "flip_int": lambda m: m.flip(m.ones(2), 0),
    "fliplr_1d": lambda m: m.ones(3).fliplr(), "flipud_0d": lambda m: m.tensor(1.0).flipud(),
    "roll_align": lambda m: m.ones(2, 3).roll((1, 2), (0,)),
    "roll_no_dims": lambda m: m.ones(2, 3).roll((1, 2)),
    "roll_empty": lambda m: m.ones(2, 3).roll((), ()),
    "roll_0d_dim": lambda m: m.tensor(1.0).roll(1, 0),
    "roll_range": lambda m: m.ones(2, 3).roll(1, 2),
    "tril_1d": lambda m: m.ones(3).tril(), "triu_0d": lambda m: m.tensor(1.0).triu(),
    "diag_3d": lambda m: m.ones(2, 2, 2).diag(), "diag_0d": lambda m: m.tensor(1.0).diag(),
    "diagonal_identical": lambda m: m.ones(2, 3).diagonal(0, -1, 1),
    "diagonal_1d": lambda m: m.ones(3).diagonal(),
    "diag_embed_0d": lambda m: m.tensor(1.0).diag_embed(),
    "diag_embed_identical": lambda m: m.ones(3).diag_embed(0, 1, 1),
    "trace_3d": lambda m: m.ones(2, 2, 2).trace(), "trace_1d": lambda m: m.ones(2).trace(),
    "trace_bool": lambda m: m.ones(2, 2, dtype=m.bool).trace(),
    "cat_element": lambda m: m.cat([m.ones(2), [1.0]]),
    "stack_element": lambda m: m.stack([m.ones(2), 1]),
    "hstack_tensor": lambda m: m.hstack(m.ones(2)),
    "rot90_dims": lambda m: m.rot90(m.ones(2, 3), 1, [0]),
    "rot90_1d": lambda m: m.rot90(m.ones(3)),
    "rot90_identical": lambda m: m.rot90(m.ones(2, 3), 1, [0, 0]),
    "rot90_identical_negative": lambda m: m.rot90(m.ones(2, 3), 1, [0, -2]),
    "rot90_range": lambda m: m.rot90(m.ones(2, 3), 1, [0, 2]),
    "view_dtype_divisible": lambda m: m.zeros(2, 3).view(m.float64),
    "view_dtype_stride": lambda m: m.zeros(4, 2).t().view(m.float64),
    "view_dtype_0d": lambda m: m.tensor(1.0).view(m.float16),
    "meshgrid_empty": lambda m: m.meshgrid(indexing="ij"),
    "meshgrid_indexing": lambda m: m.meshgrid(m.ones(2), indexing="foo"),
    "meshgrid_dtypes": lambda m: m.meshgrid(m.ones(2), m.ones(2, dtype=m.int64), indexing="ij"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_error_matches_torch(case, torch):
    results = []
    for m in (rt, torch):
        with pytest.raises(Exception) as info:
            ERRORS[case](m)
        results.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert results[0] == results[1]


def test_meshgrid_2d_input_error_starts_like_torch(torch):
    for m in (rt, torch):
        with pytest.raises(RuntimeError, match="^torch.meshgrid: Expected 0D or 1D tensor in "
                                               "the tensor list but got: "):
            m.meshgrid(m.ones(2, 2), indexing="ij")


# ----- dtype promotion across the inputs of cat and stack (legacy empties included)
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
JOINS = {
    "cat": lambda m, ts: m.cat(ts), "stack": lambda m, ts: m.stack(ts),
    "hstack": lambda m, ts: m.hstack(ts), "vstack": lambda m, ts: m.vstack(ts),
    "dstack": lambda m, ts: m.dstack(ts), "column_stack": lambda m, ts: m.column_stack(ts),
}


@pytest.mark.parametrize("join", list(JOINS))
def test_join_dtype_promotion_matches_torch(join, torch):
    rng = np.random.default_rng(0)
    combos = [(a, b) for a in DTYPES for b in DTYPES] + \
        [("bool", "int8", "uint8"), ("int64", "float16", "bool"), ("float16", "float32", "int32")]
    for combo in combos:
        arrays = [(rng.random(3) * 4).astype(d) for d in combo]
        outs = [JOINS[join](m, [m.tensor(a) for a in arrays]) for m in (rt, torch)]
        assert str(outs[0].dtype) == str(outs[1].dtype), combo
        np.testing.assert_array_equal(outs[0].numpy(), outs[1].numpy())


def test_cat_legacy_empty_tensors_as_torch(torch):
    cases = [lambda m: [m.tensor([], dtype=m.float64), m.ones(2, 3)],
             lambda m: [m.ones(2, 3), m.tensor([]), m.ones(2, 3, dtype=m.int32)],
             lambda m: [m.tensor([], dtype=m.int32), m.tensor([])]]
    for make in cases:
        for dim in (0, -1):
            res = []
            for m in (rt, torch):
                ts = make(m)
                leaves = [t.requires_grad_() if t.is_floating_point() else t for t in ts]
                out = m.cat(leaves, dim)
                row = [str(out.dtype), tuple(out.shape)]
                if out.requires_grad:
                    out.backward(m.ones(out.shape, dtype=out.dtype))
                    row.append([None if t.grad is None else tuple(t.grad.shape) for t in leaves
                                if t.requires_grad])
                res.append(row)
            assert res[0] == res[1]


# ----- the transposing properties' warnings (PyTorch warns once per process)
def _warnings(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(x.message) for x in w]


@pytest.fixture
def fresh_warnings():
    saved = set(_shape._WARNED)
    _shape._WARNED.clear()
    yield
    _shape._WARNED.clear()
    _shape._WARNED.update(saved)


def test_T_warns_once_for_other_than_2d(fresh_warnings):
    out, w = _warnings(lambda: rt.ones(2, 3, 4).T)
    assert tuple(out.shape) == (4, 3, 2) and len(w) == 1 and w[0].startswith(
        "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
        "deprecated")
    assert _warnings(lambda: rt.ones(3).T)[1] == []  # once
    assert _warnings(lambda: rt.ones(2, 3).T)[1] == []
    out, w = _warnings(lambda: rt.tensor(2.0).T)
    assert w == ["Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                 "these cases."]
    assert out.grad_fn is None and out._base is not None


def test_zero_d_matrix_properties(fresh_warnings, torch):
    for name, text in [("mT", "This function is the identity in these cases."),
                       ("mH", "Consider using x.conj()."), ("H", "Consider using x.conj().")]:
        x = rt.tensor(2.0, requires_grad=True)
        out, w = _warnings(lambda: getattr(x, name))
        assert out is x and w == [f"Tensor.{name} is deprecated on 0-D tensors. {text}"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tx = torch.tensor(2.0, requires_grad=True)
            assert getattr(tx, name) is tx


def test_T_graph_and_message_match_torch(torch):
    for shape in [(3, 4), (4,), (2, 3, 4), ()]:
        res = []
        for m in (rt, torch):
            x = m.ones(shape, requires_grad=True)
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                y = x.T
            res.append((tuple(y.shape), y.grad_fn.name(), y._base is x))
        assert res[0] == res[1]


def test_meshgrid_warns_without_indexing(fresh_warnings, torch):
    a, b = rt.ones(2), rt.ones(3)
    (x, y), w = _warnings(lambda: rt.meshgrid(a, b))
    assert tuple(x.shape) == (2, 3)  # 'ij'
    assert w == ["torch.meshgrid: in an upcoming release, it will be required to pass the "
                 "indexing argument."]
    assert _warnings(lambda: rt.meshgrid(a, b))[1] == []
    assert _warnings(lambda: rt.meshgrid(a, b, indexing="ij"))[1] == []
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        torch.meshgrid(torch.ones(2), torch.ones(3), indexing="xy")
    assert not tw


def test_meshgrid_forms_match_torch(torch):
    for args, kw in [((0, 1), {"indexing": "xy"}), ([0, 1, 2], {"indexing": "ij"}),
                     ((2,), {"indexing": "xy"}), ((1, 0, 2), {"indexing": "xy"})]:
        res = []
        for m in (rt, torch):
            vs = [m.arange(1.0, 3.0), m.tensor(5.0), m.arange(3.0, requires_grad=True)]
            ts = [vs[i] for i in args]
            grids = m.meshgrid(ts if isinstance(args, list) else tuple(ts), **kw) \
                if isinstance(args, list) else m.meshgrid(*ts, **kw)
            res.append([(g.tolist(), [s for s, n in zip(g.stride(), g.shape) if n > 1],
                         g.grad_fn and g.grad_fn.name()) for g in grids])
        assert res[0] == res[1]


# ----- other call forms against PyTorch
FORMS = {
    "repeat_interleave_indices": lambda m: m.repeat_interleave(m.tensor([2, 0, 1])),
    "repeat_interleave_output_size": lambda m: m.arange(3.0).repeat_interleave(2, output_size=6),
    "repeat_interleave_scalar_tensor": lambda m: m.ones(2, 3).repeat_interleave(m.tensor(2), 1),
    "repeat_interleave_int32": lambda m: m.arange(3.0).repeat_interleave(m.tensor([1, 0, 2], dtype=m.int32)),
    "repeat_interleave_fn": lambda m: m.repeat_interleave(m.arange(4.0).view(2, 2), 2, dim=0),
    "tile_list": lambda m: m.tile(m.arange(3.0), [2]), "repeat_list": lambda m: m.ones(2).repeat([2, 1]),
    "flip_method_tuple": lambda m: m.arange(6.0).view(2, 3).flip((0, 1)),
    "roll_fn": lambda m: m.roll(m.arange(6.0).view(2, 3), shifts=(1, -1), dims=(1, 0)),
    "cat_tuple": lambda m: m.cat((m.ones(1, 2), m.zeros(1, 2)), dim=1),
    "cat_kw": lambda m: m.cat(tensors=[m.ones(1), m.zeros(2)]),
    "concat": lambda m: m.concat([m.ones(1, 2), m.zeros(1, 2)], dim=-1),
    "concatenate_axis": lambda m: m.concatenate([m.ones(1, 2), m.zeros(1, 2)], axis=0),
    "row_stack": lambda m: m.row_stack([m.ones(2), m.zeros(2)]),
    "stack_kw": lambda m: m.stack(tensors=[m.ones(2), m.zeros(2)], dim=1),
    "hsplit_list": lambda m: m.stack(m.arange(8.0).view(2, 4).hsplit([1, 3])[1:2]),
    "vsplit": lambda m: m.arange(8.0).view(4, 2).vsplit(2)[1],
    "dsplit": lambda m: m.arange(8.0).view(1, 2, 4).dsplit([1])[1],
    "hsplit_fn": lambda m: m.hsplit(m.arange(6.0), 3)[2],
    "tensor_split_tensor": lambda m: m.arange(6.0).tensor_split(m.tensor([1, 4]))[1],
    "tensor_split_0d_tensor": lambda m: m.arange(6.0).tensor_split(m.tensor(4))[3],
    "tensor_split_dim": lambda m: m.tensor_split(m.arange(6.0).view(2, 3), [2], dim=1)[1],
    "split_kw": lambda m: m.split(m.arange(6.0), split_size_or_sections=4)[1],
    "chunk_fn": lambda m: m.chunk(m.arange(6.0), chunks=4)[2],
    "unbind_fn": lambda m: m.unbind(m.arange(6.0).view(2, 3), dim=1)[2],
    "broadcast_tensors_same": lambda m: m.broadcast_tensors(m.ones(2))[0],
    "atleast_1d_many": lambda m: m.stack(m.atleast_1d(m.tensor(1.0), m.ones(1))),
    "atleast_2d_list": lambda m: m.cat(m.atleast_2d([m.tensor(1.0), m.ones(2)]), 1),
    "diag_fn": lambda m: m.diag(m.arange(3.0), diagonal=-1),
    "diagonal_kw": lambda m: m.diagonal(m.arange(6.0).view(2, 3), offset=1, dim1=1, dim2=0),
    "diag_embed_kw": lambda m: m.diag_embed(m.ones(2), offset=-1, dim1=0, dim2=1),
    "tril_kw": lambda m: m.ones(3, 3).tril(diagonal=-1), "triu_fn": lambda m: m.triu(m.ones(2, 3), 1),
    "trace_int": lambda m: m.arange(9).view(3, 3).trace(),
    "trace_half": lambda m: m.ones(3, 3, dtype=m.float16).trace(),
    "narrow_tensor_start": lambda m: m.arange(5.0).narrow(0, m.tensor(1), 2),
    "movedim_fn": lambda m: m.movedim(m.ones(2, 3, 4), (0, 2), (2, 0)),
    "movedim_0d": lambda m: m.tensor(1.0).movedim(0, -1),
    "unflatten_kw": lambda m: m.ones(2, 6).unflatten(dim=1, sizes=(3, 2)),
    "permute_kw": lambda m: m.permute(m.ones(2, 3), dims=(1, 0)),
    "expand_kw": lambda m: m.ones(3).expand(size=(2, 3)),
    "reshape_kw": lambda m: m.reshape(m.arange(6.0), shape=(3, 2)),
    "view_kw": lambda m: m.arange(6.0).view(size=(3, 2)),
    "split_size_kw": lambda m: m.arange(6.0).split(split_size=4)[1],
    "tensor_split_sections": lambda m: m.arange(6.0).tensor_split(sections=4)[3],
    "tensor_split_indices": lambda m: m.tensor_split(m.arange(6.0), indices=[1], dim=0)[1],
    "repeat_kw": lambda m: m.ones(2).repeat(repeats=(2, 1)),
    "tile_kw": lambda m: m.tile(m.ones(2), dims=(2,)),
    "flip_kw": lambda m: m.arange(3.0).flip(dims=(0,)),
    "hsplit_kw": lambda m: m.arange(6.0).view(2, 3).hsplit(sections=3)[1],
    "swapaxes_kw": lambda m: m.ones(2, 3).swapaxes(axis0=0, axis1=1),
    "swapdims_kw": lambda m: m.ones(2, 3).swapdims(dim0=0, dim1=1),
    "view_dtype_same_size": lambda m: m.arange(4.0).view(m.int32),
    "view_dtype_smaller": lambda m: m.arange(4.0).view(m.float16),
    "view_dtype_larger": lambda m: m.arange(4.0).view(m.float64),
    "view_dtype_bool": lambda m: m.tensor([1, 0], dtype=m.uint8).view(m.bool),
}


@pytest.mark.parametrize("name", list(FORMS))
def test_call_forms_match_torch(name, torch):
    outs = [FORMS[name](m) for m in (rt, torch)]
    assert str(outs[0].dtype) == str(outs[1].dtype)
    assert outs[0].tolist() == outs[1].tolist()


def test_view_dtype_shares_storage_not_history(m):
    x = m.zeros(2, 4, requires_grad=True)
    y = x.view(m.int32)
    assert y._base is None and not y.requires_grad and y.grad_fn is None
    z = x.detach()
    w = z.view(m.int32)
    z.add_(1)
    assert w._version == z._version == 1 and w[0, 0].item() == 1065353216


def test_broadcast_tensors_returns_inputs_already_of_the_shape(m):
    x = m.ones(2, 3)
    a, b = m.broadcast_tensors(x, m.ones(3))
    assert a is x and tuple(b.shape) == (2, 3)
    assert m.broadcast_shapes((2, 1), (3,)) == (2, 3)


def test_atleast_returns_higher_tensors_themselves(m):
    x = m.ones(2, 3, 4)
    assert m.atleast_1d(x) is x and m.atleast_2d(x) is x and m.atleast_3d(x) is x
    assert m.atleast_1d() == ()


def test_iteration_rows_are_views_of_one_node(m):
    x = m.arange(6.0).view(3, 2).detach().requires_grad_()
    rows = list(x)
    assert all(r._base is not None for r in rows)
    assert len({id(r.grad_fn) for r in rows}) == 1


# ----- random shapes (sizes 0..3, up to 3 dims) and arguments, against PyTorch
from hypothesis import given, settings, strategies as st  # noqa: E402

RANDOM_OPS = {
    "split": lambda m, x, d, n: m.cat([p * (i + 1) for i, p in enumerate(x.split(n + 1, d))], d),
    "chunk": lambda m, x, d, n: m.cat(x.chunk(n + 1, d), d),
    "tensor_split": lambda m, x, d, n: m.cat(x.tensor_split(n + 1, d), d),
    "unbind": lambda m, x, d, n: m.stack([r * (i + 1) for i, r in enumerate(x.unbind(d))], d)
    if x.shape[d] else x * 1,
    "roll": lambda m, x, d, n: x.roll(n - 1, d),
    "flip": lambda m, x, d, n: x.flip(d),
    "repeat": lambda m, x, d, n: x.repeat(*([1] * x.dim()), n),
    "repeat_interleave": lambda m, x, d, n: x.repeat_interleave(n, d),
    "narrow": lambda m, x, d, n: x.narrow(d, min(n, x.shape[d]), x.shape[d] - min(n, x.shape[d])),
    "movedim": lambda m, x, d, n: x.movedim(d, -1),
    "diagonal": lambda m, x, d, n: x.diagonal(n - 1, d, (d + 1) % x.dim()) if x.dim() > 1 else x * 1,
    "tril": lambda m, x, d, n: x.tril(n - 2) if x.dim() > 1 else x * 1,
    "squeeze": lambda m, x, d, n: x.squeeze(d) * 1,
    "unsqueeze": lambda m, x, d, n: x.unsqueeze(d - n) * 1,
    "transpose": lambda m, x, d, n: x.transpose(d, n % x.dim()),
    "flatten": lambda m, x, d, n: x.flatten(min(d, n % x.dim()), max(d, n % x.dim())),
    "unflatten": lambda m, x, d, n: x.unflatten(d, (1, -1, 1)) if x.shape[d] else x * 1,
    "expand": lambda m, x, d, n: x.narrow(d, 0, min(1, x.shape[d])).expand(n, *x.shape[:d], -1,
                                                                            *x.shape[d + 1:]),
    "permute": lambda m, x, d, n: x.permute(*reversed(range(x.dim()))),
    "select": lambda m, x, d, n: x.select(d, n % x.shape[d]) if x.shape[d] else x * 1,
    "reshape": lambda m, x, d, n: x.transpose(0, d).reshape(-1) * 1,
    "tile": lambda m, x, d, n: x.tile((n, 1)),
    "rot90": lambda m, x, d, n: m.rot90(x, n, (d, d - 1)) if x.dim() > 1 else x * 1,
    "diag_embed": lambda m, x, d, n: x.diag_embed(n - 1),
    "hstack": lambda m, x, d, n: m.hstack([x, x]),
    "dstack": lambda m, x, d, n: m.dstack([x, x]),
    "meshgrid": lambda m, x, d, n: m.stack(m.meshgrid(x.flatten(), x.flatten()[:n], indexing="xy")),
    "cat": lambda m, x, d, n: m.cat([x, x * 2], d),
    "stack": lambda m, x, d, n: m.stack([x, x * 2], d),
}


@pytest.mark.parametrize("name", list(RANDOM_OPS))
@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(0, 3), min_size=1, max_size=3), dim=st.integers(-3, 2),
       n=st.integers(0, 3), seed=st.integers(0, 2 ** 16))
def test_random_shapes_match_torch(name, shape, dim, n, seed):
    if REAL_TORCH is None:
        pytest.skip("PyTorch (the oracle) is not installed")
    dim = dim % len(shape)
    a = np.random.default_rng(seed).standard_normal(shape)
    res = []
    for m in (rt, REAL_TORCH):
        x = m.tensor(a, requires_grad=True)
        try:
            y = RANDOM_OPS[name](m, x, dim, n)
        except (RuntimeError, IndexError) as e:  # then both raise the same
            res.append((type(e).__name__, str(e).splitlines()[0]))
            continue
        g = np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape))
        y.backward(m.tensor(g))
        res.append((tuple(y.shape), y.detach().numpy().tolist(), x.grad.numpy().tolist(),
                    y.grad_fn.name() if y.grad_fn else None))
    assert res[0] == res[1]
