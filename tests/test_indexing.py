"""Indexing scenarios beyond the op table, each run with retrograd and compared with
PyTorch: the full ``x[index]`` grammar (values, shapes, node graphs, view-or-copy,
gradients with repeated indices), ``x[index] = value`` (values, gradients to the old
history and to the value, node names, version bumps, leaf errors, broadcasting, dtype
casts, writes seen through views), the in-place ops, and error texts."""
import warnings

import numpy as np
import pytest

import retrograd as rt
from conftest import REAL_TORCH, raises_exact


@pytest.fixture
def torch():
    if REAL_TORCH is None:
        pytest.skip("PyTorch is not installed")
    return REAL_TORCH


def _graph(fn):
    names, seen, queue = [], set(), [fn]
    while queue:
        node = queue.pop(0)
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.append(node.name())
        queue.extend(n for n, _ in node.next_functions)
    return names


def _arr(t):
    return None if t is None else t.detach().numpy().copy()


# ----- x[index]: every form, vs PyTorch

def _t(m, v, dtype="int64"):
    return m.tensor(np.asarray(v), dtype=getattr(m, dtype))


GETITEM = {
    "int_list": lambda m: [0, 2, 0, 0],
    "negative_list": lambda m: [-1, -3],
    "tensor": lambda m: _t(m, [[0, 1], [2, 2]]),
    "int32_tensor": lambda m: _t(m, [2, 0], "int32"),
    "numpy_array": lambda m: np.array([1, 1]),
    "slice_then_list": lambda m: (slice(None), [3, 0, 3]),
    "step_slice_and_list": lambda m: (slice(None, None, 2), [1, 2]),
    "int_slice_list": lambda m: (1, slice(None), [0, 4]),
    "list_slice_int": lambda m: ([0, 2], slice(1, 3), 0),
    "two_lists_adjacent": lambda m: (slice(None), [0, 1], [2, 3]),
    "two_lists_separated": lambda m: ([0, 1], slice(None), [2, 3]),
    "broadcast_lists": lambda m: ([[0], [2]], [1, 3]),
    "list_none_list": lambda m: ([0, 1], None, [1, 2]),
    "ellipsis_list": lambda m: (Ellipsis, [4, 0]),
    "list_ellipsis_list": lambda m: ([0, 1], Ellipsis, [1, 2]),
    "none_list": lambda m: (None, [0, 1]),
    "mask": lambda m: _t(m, np.arange(60).reshape(3, 4, 5) % 3 == 0, "bool"),
    "mask_2d": lambda m: _t(m, np.eye(3, 4) > 0, "bool"),
    "mask_after_int": lambda m: (0, _t(m, np.eye(4, 5) > 0, "bool")),
    "mask_after_slice": lambda m: (slice(None), _t(m, np.eye(4, 5) > 0, "bool")),
    "mask_and_list": lambda m: (_t(m, [True, False, True], "bool"), [0, 1]),
    "bool_list": lambda m: [True, False, True],
    "true": lambda m: True,
    "false": lambda m: False,
    "true_tensor": lambda m: _t(m, True, "bool"),
    "int_tensor_0d": lambda m: _t(m, 1),
    "int_tensor_0d_in_tuple": lambda m: (_t(m, 1), [0, 3]),
    "empty_list": lambda m: [],
    "empty_tensor": lambda m: _t(m, np.zeros(0, np.int64)),
    "all_false_mask": lambda m: _t(m, np.zeros(3, bool), "bool"),
    "repeated": lambda m: ([1, 1, 1], slice(None), [2, 2, 2]),
    "nested_list_as_tuple": lambda m: [[0, 1], [1, 2]],
    "numpy_0d_int": lambda m: np.array(1),
    "numpy_0d_bool": lambda m: np.array(True),
    "numpy_ints_in_list": lambda m: [np.int64(1), 2],
    "range": lambda m: range(2),
    "floats_in_list": lambda m: [0, 1.7],
    "mask_after_int_1d": lambda m: (1, _t(m, [True, False, True, True], "bool")),
}


@pytest.mark.filterwarnings("ignore:Using a non-tuple sequence")
@pytest.mark.parametrize("case", list(GETITEM))
def test_getitem_matches_torch(case, torch):
    base = np.random.default_rng(0).standard_normal((3, 4, 5))
    g = None
    res = []
    for m in (rt, torch):
        x = m.tensor(base, requires_grad=True)
        y = x[GETITEM[case](m)]
        if g is None:
            g = np.random.default_rng(1).standard_normal(tuple(y.shape))
        y.backward(m.tensor(g))
        res.append((tuple(y.shape), str(y.dtype), _graph(y.grad_fn), y._base is not None,
                    y.is_contiguous(), _arr(y), _arr(x.grad)))
    assert res[0][:5] == res[1][:5]
    np.testing.assert_allclose(res[0][5], res[1][5])
    np.testing.assert_allclose(res[0][6], res[1][6])


def test_getitem_of_a_0d_tensor(torch):
    for index in [True, False, None, Ellipsis, (None, True)]:
        out = []
        for m in (rt, torch):
            x = m.tensor(2.0, requires_grad=True)
            y = x[index]
            y.sum().backward()
            out.append((tuple(y.shape), _graph(y.grad_fn), x.grad.item()))
        assert out[0] == out[1], index


def test_advanced_result_is_a_copy(m):
    x = m.arange(6.0).reshape(2, 3)
    y = x[[0, 1]]
    y[0, 0] = 100.0
    assert x[0, 0].item() == 0.0 and y._base is None


def test_repeated_indices_accumulate(m):
    x = m.ones(4, requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0, 0.0]
    x.grad = None
    (x[m.tensor([[1, 1], [1, 3]])] * m.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert x.grad.tolist() == [0.0, 6.0, 0.0, 4.0]


def test_double_backward_through_advanced_index(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x[[0, 0, 2]] ** 3).sum()
    (g,) = m.autograd.grad(y, x, create_graph=True)
    assert g.tolist() == [6.0, 0.0, 27.0]
    g.sum().backward()
    assert x.grad.tolist() == [12.0, 0.0, 18.0]


def test_index_warnings(m):
    x = m.zeros(3, 4)
    with pytest.warns(UserWarning, match="indexing with dtype torch.uint8 is now deprecated"):
        assert tuple(x[m.tensor([1, 0, 1], dtype=m.uint8)].shape) == (2, 4)
    with pytest.warns(UserWarning, match="Using a non-tuple sequence for multidimensional"):
        assert tuple(x[[[0, 1], [1, 2]]].shape) == (2,)


GETITEM_ERRORS = {
    "out_of_range": lambda m, x: x[[5]],
    "out_of_range_negative": lambda m, x: x[:, [-5]],
    "out_of_range_second": lambda m, x: x[[0], [9]],
    "out_of_range_after_slice": lambda m, x: x[[0], :, [9]],
    "broadcast": lambda m, x: x[[0, 1], [0, 1, 2]],
    "mask_shape": lambda m, x: x[m.ones(4, 5, dtype=m.bool)],
    "mask_shape_after_int": lambda m, x: x[m.ones(4, 5, dtype=m.bool), 0],
    "mask_and_list_broadcast": lambda m, x: x[m.tensor([True, False, True]), [0, 1, 3]],
    "float_tensor": lambda m, x: x[m.tensor([0.0])],
    "float_0d_tensor": lambda m, x: x[m.tensor(1.0)],
    "int16_tensor": lambda m, x: x[m.tensor([0], dtype=m.int16)],
    "float": lambda m, x: x[1.0],
    "too_many": lambda m, x: x[:, :, :, [0]],
    "too_many_lists": lambda m, x: x[[0], [0], [0], [0]],
    "0d_list": lambda m, x: x[0, 0, 0][[0]],
    "int_out_of_range_with_list": lambda m, x: x[[0], 7],
}


@pytest.mark.parametrize("case", list(GETITEM_ERRORS))
def test_getitem_errors_match_torch(case, torch):
    got = []
    for m in (rt, torch):
        x = m.zeros(3, 4, 5)
        with pytest.raises(Exception) as info:
            GETITEM_ERRORS[case](m, x)
        got.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert got[0] == got[1]


# ----- x[index] = value

SETITEM = {
    "int_number": (lambda m: 0, lambda m: 5.0),
    "int_int": (lambda m: (0, 1), lambda m: -2.0),
    "row_tensor": (lambda m: 1, lambda m: "v4"),
    "row_broadcast_leading_ones": (lambda m: 1, lambda m: "v114"),
    "slice_broadcast": (lambda m: slice(1, None), lambda m: "v4"),
    "column_0d": (lambda m: (slice(None), 2), lambda m: "v0d"),
    "none_int": (lambda m: (None, 0), lambda m: "v4"),
    "ellipsis_number": (lambda m: Ellipsis, lambda m: 3.0),
    "ellipsis_tensor": (lambda m: Ellipsis, lambda m: "v4"),
    "full_slice_number": (lambda m: slice(None), lambda m: 3.0),
    "list_number": (lambda m: [0, 2], lambda m: 7.0),
    "list_tensor": (lambda m: [0, 2], lambda m: "v4"),
    "list_leading_ones": (lambda m: [2], lambda m: "v114"),
    "repeated_list": (lambda m: [1, 1], lambda m: "v4"),
    "slice_and_list": (lambda m: (slice(1, None), [0, 3]), lambda m: "v2"),
    "list_and_slice": (lambda m: ([0, 2], slice(None, None, 2)), lambda m: "v2"),
    "mask": (lambda m: "mask", lambda m: 0.0),
    "mask_tensor": (lambda m: "mask", lambda m: "vmask"),
    "true": (lambda m: True, lambda m: "v4"),
    "tensor_index": (lambda m: m.tensor([[0], [2]]), lambda m: "v4"),
}


def _value(m, spec, n_mask):
    if not isinstance(spec, str):
        return spec
    shape = {"v4": (4,), "v114": (1, 1, 4), "v0d": (), "v2": (2,), "vmask": (n_mask,)}[spec]
    vals = np.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape)
    return m.tensor(vals, requires_grad=True)


@pytest.mark.parametrize("case", list(SETITEM))
def test_setitem_matches_torch(case, torch):
    base = np.arange(12.0).reshape(3, 4) / 4
    mask = (np.arange(12).reshape(3, 4) % 5) == 1
    g = np.random.default_rng(2).standard_normal((3, 4))
    res = []
    for m in (rt, torch):
        w = m.tensor(base, requires_grad=True)
        x = w * 2
        index = SETITEM[case][0](m)
        if isinstance(index, str):
            index = m.tensor(mask)
        v = _value(m, SETITEM[case][1](m), int(mask.sum()))
        version = x._version
        x[index] = v
        (x * m.tensor(g)).sum().backward()
        res.append((_graph(x.grad_fn), x._version - version, _arr(x), _arr(w.grad),
                    _arr(v.grad) if isinstance(v, m.Tensor) else None))
    assert res[0][:2] == res[1][:2]
    for a, b in zip(res[0][2:], res[1][2:]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b)


def test_setitem_value_requires_grad_into_plain_tensor(m):
    x = m.zeros(2, 3)
    v = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[1] = v
    assert x.requires_grad and not x.is_leaf
    assert type(x.grad_fn).__name__ == "CopySlices"
    (x * m.tensor([[1.0, 1.0, 1.0], [2.0, 3.0, 4.0]])).sum().backward()
    assert v.grad.tolist() == [2.0, 3.0, 4.0]


def test_setitem_grad_value_into_integer_tensor_records_nothing(m):
    x = m.zeros(3, dtype=m.int64)
    x[0] = m.tensor(1.5, requires_grad=True)
    assert x.tolist() == [1, 0, 0] and not x.requires_grad and x.grad_fn is None


def test_setitem_on_a_leaf_requires_grad_raises_before_writing(m):
    w = m.ones(2, 3, requires_grad=True)
    view_msg = ("a view of a leaf Variable that requires grad is being used in an in-place "
                "operation.")
    leaf_msg = "a leaf Variable that requires grad is being used in an in-place operation."
    for index, msg in [(0, view_msg), ((0, 1), view_msg), ([0], leaf_msg), (Ellipsis, leaf_msg),
                       (slice(None), leaf_msg), (w > 0, leaf_msg)]:
        with raises_exact(RuntimeError, msg):
            w[index] = 5.0
    assert w.tolist() == [[1.0] * 3] * 2 and w._version == 0
    with m.no_grad():  # an optimizer-style write is fine
        w[0, 0] = 2.0
    assert w[0, 0].item() == 2.0 and w.is_leaf and w._version == 1


def test_setitem_writes_are_seen_through_views(m):
    x = m.zeros(3, 4)
    row = x[1]
    t = x.t()
    x[1, 2] = 5.0
    assert row.tolist() == [0.0, 0.0, 5.0, 0.0] and t[2, 1].item() == 5.0
    x[[0, 2], 0] = 7.0  # advanced writes go into the same memory
    assert t[0].tolist() == [7.0, 0.0, 7.0]
    row[3] = 9.0  # and writing into a view changes its base
    assert x[1, 3].item() == 9.0
    assert x._version == row._version == 3


def test_setitem_casts_and_broadcasts(m):
    x = m.zeros(2, 3, dtype=m.int64)
    x[0] = 2.7
    x[1] = m.tensor([1.9, -1.9, 3.5])
    assert x.tolist() == [[2, 2, 2], [1, -1, 3]] and x.dtype == m.int64
    y = m.zeros(2, 3, dtype=m.int32)
    y[1:] = m.tensor([True, False, True])
    assert y.tolist() == [[0, 0, 0], [1, 0, 1]]
    b = m.zeros(2, 3, dtype=m.bool)
    b[:, 1] = 2
    assert b.tolist() == [[False, True, False], [False, True, False]]
    z = m.zeros(2, 3)
    z[[0, 1]] = m.tensor([[1.0], [2.0]])
    assert z.tolist() == [[1.0] * 3, [2.0] * 3]


def test_setitem_false_writes_nothing(m):
    x = m.zeros(3)
    x[False] = 1.0
    assert x.tolist() == [0.0] * 3 and x._version == 0
    x[True] = 1.0
    assert x.tolist() == [1.0] * 3 and x._version == 1


def test_augmented_assignment_through_an_index(m):
    x = m.zeros(2, 3)
    x[0, :2] += 1  # a view, changed in place, then written back
    x[[1, 1]] += 1  # a copy, changed, then written once (no accumulation)
    x[0, 2] = np.float64(2.5)
    assert x.tolist() == [[1.0, 1.0, 2.5], [1.0, 1.0, 1.0]]


def test_setitem_repeated_indices_last_write_wins(m):
    x = m.zeros(3)
    x[[0, 0]] = m.tensor([1.0, 2.0])
    assert x.tolist() == [2.0, 0.0, 0.0]


SETITEM_ERRORS = {
    "basic_shape": lambda m, x: x.__setitem__(0, m.ones(3)),
    "basic_too_many_dims": lambda m, x: x.__setitem__(0, m.ones(2, 4)),
    "advanced_shape": lambda m, x: x.__setitem__([0, 1], m.ones(3)),
    "advanced_shape_leading_ones": lambda m, x: x.__setitem__([0, 1], m.ones(1, 3)),
    "advanced_dtype": lambda m, x: x.__setitem__([0], m.ones(4, dtype=m.float64)),
    "advanced_int_value": lambda m, x: x.__setitem__([0], m.ones(4, dtype=m.int64)),
    "mask_count": lambda m, x: x.__setitem__(x > -1, m.ones(3)),
    "out_of_range": lambda m, x: x.__setitem__([5], 1.0),
    "int_out_of_range": lambda m, x: x.__setitem__(5, 1.0),
    "list_value": lambda m, x: x.__setitem__(0, [1.0]),
    "str_value": lambda m, x: x.__setitem__([0], "a"),
    "numpy_value": lambda m, x: x.__setitem__(0, np.ones(4)),
    "numpy_float32_value": lambda m, x: x.__setitem__([0], np.float32(3)),
    "none_value": lambda m, x: x.__setitem__(0, None),
}


@pytest.mark.parametrize("case", list(SETITEM_ERRORS))
def test_setitem_errors_match_torch(case, torch):
    got = []
    for m in (rt, torch):
        x = m.zeros(3, 4)
        with pytest.raises(Exception) as info:
            SETITEM_ERRORS[case](m, x)
        got.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert got[0] == got[1]


# ----- in-place index ops

INPLACE = {
    "index_add_": lambda m, x, v: x.index_add_(0, m.tensor([0, 0, 2]), v, alpha=2),
    "index_copy_": lambda m, x, v: x.index_copy_(0, m.tensor([2, 0, 1]), v),
    "index_fill_": lambda m, x, v: x.index_fill_(1, m.tensor([0, 3]), -1.0),
    "index_fill_tensor_": lambda m, x, v: x.index_fill_(1, m.tensor([0, 3]), v[0, 0]),
    "scatter_": lambda m, x, v: x.scatter_(1, m.tensor([[0, 1], [2, 3], [1, 0]]), v[:, :2]),
    "scatter_value_": lambda m, x, v: x.scatter_(1, m.tensor([[0, 1], [2, 3], [1, 0]]), 2.5),
    "scatter_add_": lambda m, x, v: x.scatter_add_(1, m.tensor([[0, 0], [3, 3], [1, 0]]), v[:, :2]),
    "scatter_reduce_": lambda m, x, v: x.scatter_reduce_(
        1, m.tensor([[0, 0], [3, 3], [1, 0]]), v[:, :2], "amax", include_self=False),
    "index_put_": lambda m, x, v: x.index_put_((m.tensor([0, 0]),), v[0], accumulate=True),
}


@pytest.mark.parametrize("case", list(INPLACE))
def test_inplace_index_ops_match_torch(case, torch):
    base = np.random.default_rng(3).standard_normal((3, 4))
    vals = np.random.default_rng(4).standard_normal((3, 4))
    res = []
    for m in (rt, torch):
        w = m.tensor(base, requires_grad=True)
        v = m.tensor(vals, requires_grad=True)
        x = w * 1
        out = INPLACE[case](m, x, v)
        assert out is x and x._version == 1
        (x * m.tensor(base)).sum().backward()
        res.append((_graph(x.grad_fn), _arr(x), _arr(w.grad), _arr(v.grad)))
        with raises_exact(RuntimeError, "a leaf Variable that requires grad is being used in "
                                        "an in-place operation."):
            INPLACE[case](m, m.tensor(base, requires_grad=True), v)
    assert res[0][0] == res[1][0]
    for a, b in zip(res[0][1:], res[1][1:]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


# ----- nonzero, argwhere, scatter(reduce=) and errors of the function forms

def test_nonzero_forms(torch):
    for values in ([[0.0, 1.0], [2.0, 0.0]], 3.0, 0.0, [[0, 0]], np.zeros((0, 2))):
        a, b = rt.tensor(values), torch.tensor(values)
        assert a.nonzero().tolist() == b.nonzero().tolist()
        assert tuple(a.nonzero().shape) == tuple(b.nonzero().shape)
        ta, tb = rt.nonzero(a, as_tuple=True), torch.nonzero(b, as_tuple=True)
        assert type(ta) is tuple and len(ta) == len(tb)
        assert [t.tolist() for t in ta] == [t.tolist() for t in tb]
        assert str(a.argwhere().dtype) == str(b.argwhere().dtype) == "torch.int64"


def test_scatter_legacy_reduce(m):
    x = m.ones(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = x.scatter(1, m.tensor([[0, 0], [2, 1]]), m.full((2, 2), 2.0), reduce="multiply")
        z = x.scatter(1, m.tensor([[0, 0], [2, 1]]), 3.0, reduce="add")
    assert y.tolist() == [[4.0, 1.0, 1.0], [1.0, 2.0, 2.0]]
    assert z.tolist() == [[7.0, 1.0, 1.0], [1.0, 4.0, 4.0]]


def test_scatter_legacy_reduce_has_no_derivative(m):
    x = m.ones(2, 3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = x.scatter(1, m.tensor([[0]]), 2.0, reduce="add")
        z = (x * 1).scatter(1, m.tensor([[0]]), x * 1, reduce="multiply")
    assert y.requires_grad and y.grad_fn.name() == "torch::autograd::NotImplemented"
    assert [type(n).__name__ for n, _ in y.grad_fn.next_functions] == ["AccumulateGrad"]
    assert [type(n).__name__ for n, _ in z.grad_fn.next_functions] == ["MulBackward0"] * 2
    with raises_exact(RuntimeError, "derivative for aten::scatter is not implemented"):
        y.sum().backward()


def test_scatter_reduce_ties_share_the_gradient(m):
    x = m.tensor([1.0, 5.0], requires_grad=True)
    s = m.tensor([5.0, 5.0, 0.0], requires_grad=True)
    y = x.scatter_reduce(0, m.tensor([1, 1, 0]), s, "amax")
    y.backward(m.tensor([1.0, 3.0]))
    assert x.grad.tolist() == [1.0, 1.0] and s.grad.tolist() == [1.0, 1.0, 0.0]


FUNCTION_ERRORS = {
    "gather_dims": lambda m, x: x.gather(1, m.tensor([0, 1])),
    "gather_dtype": lambda m, x: x.gather(1, m.tensor([[0.0]])),
    "scatter_index_dtype": lambda m, x: x.scatter_add(1, m.tensor([[0]], dtype=m.int16), x),
    "gather_range": lambda m, x: x.gather(1, m.tensor([[5]])),
    "gather_negative": lambda m, x: x.gather(1, m.tensor([[-1]])),
    "gather_size": lambda m, x: x.gather(0, m.zeros(3, 5, dtype=m.int64)),
    "gather_dim": lambda m, x: x.gather(2, m.tensor([[0]])),
    "scatter_src_size": lambda m, x: x.scatter(1, m.tensor([[0, 1], [2, 3]]), m.ones(1, 1)),
    "scatter_dtype": lambda m, x: x.scatter(1, m.tensor([[0]]), x.double()),
    "scatter_reduce_arg": lambda m, x: x.scatter(1, m.tensor([[0]]), x, reduce="mean"),
    "scatter_add_range": lambda m, x: x.scatter_add(1, m.tensor([[7]]), x),
    "scatter_reduce_dtype": lambda m, x: x.scatter_reduce(1, m.tensor([[0]]), x.double(), "sum"),
    "index_select_matrix": lambda m, x: x.index_select(0, m.tensor([[0]])),
    "index_select_float": lambda m, x: x.index_select(0, m.tensor([0.0])),
    "index_select_range": lambda m, x: x.index_select(0, m.tensor([5])),
    "index_select_negative": lambda m, x: x.index_select(0, m.tensor([-1])),
    "index_add_shape": lambda m, x: x.index_add(0, m.tensor([0, 0]), m.ones(2, 3)),
    "index_add_range": lambda m, x: x.index_add(0, m.tensor([0, 5]), m.ones(2, 4)),
    "index_add_dtype": lambda m, x: x.index_add(0, m.tensor([0]), m.ones(1, 4, dtype=m.float64)),
    "index_fill_value_dims": lambda m, x: x.index_fill(1, m.tensor([0]), m.tensor([1.0])),
    "index_fill_range": lambda m, x: x.index_fill(1, m.tensor([0, 9]), 1.0),
    "masked_select_mask_dtype": lambda m, x: x.masked_select(m.tensor([1, 0, 1, 0])),
    "masked_select_broadcast": lambda m, x: x.masked_select(m.ones(5, dtype=m.bool)),
    "take_range": lambda m, x: x.take(m.tensor([12])),
    "take_dtype": lambda m, x: x.take(m.tensor([1], dtype=m.int32)),
    "take_along_dim_broadcast": lambda m, x: m.take_along_dim(x, m.tensor([[0, 1]]), 0),
    "take_along_dim_dims": lambda m, x: m.take_along_dim(x, m.tensor([0]), 0),
    "take_along_dim_dtype": lambda m, x: m.take_along_dim(x, m.tensor([[0]], dtype=m.int32), 0),
    "index_add_matrix": lambda m, x: x.index_add(0, m.tensor([[0]]), m.ones(1, 4)),
    "index_add_count": lambda m, x: x.index_add(0, m.tensor([0, 1]), m.ones(1, 4)),
    "index_add_dims": lambda m, x: x.index_add(0, m.tensor([0]), m.ones(1, 4, 1)),
    "index_add_0d_index": lambda m, x: x.index_add(0, m.tensor(0), m.ones(4)),
    "index_add_int16": lambda m, x: x.index_add(0, m.tensor([0], dtype=m.int16), m.ones(1, 4)),
    "index_fill_int32": lambda m, x: x.index_fill(0, m.tensor([0], dtype=m.int32), 2.0),
    "index_fill_matrix": lambda m, x: x.index_fill(0, m.tensor([[0]]), 2.0),
    "index_copy_int32": lambda m, x: x.index_copy(0, m.tensor([0], dtype=m.int32), m.ones(1, 4)),
    "index_copy_matrix": lambda m, x: x.index_copy(0, m.tensor([[0]]), m.ones(1, 4)),
    "index_copy_count": lambda m, x: x.index_copy(0, m.tensor([0]), m.ones(2, 4)),
    "index_copy_slice": lambda m, x: x.index_copy(0, m.tensor([0]), m.ones(1, 3)),
    "index_copy_dims": lambda m, x: x.index_copy(0, m.tensor([0]), m.ones(1, 4, 1)),
    "index_copy_range": lambda m, x: x.index_copy(0, m.tensor([7]), m.ones(1, 4)),
    "index_copy_0d_index": lambda m, x: x.index_copy(0, m.tensor(0), m.ones(4)),
    "scatter_reduce_name": lambda m, x: x.scatter_reduce(0, m.tensor([[0]]), x, "foo"),
    "scatter_reduce_max_backward": lambda m, x: x.requires_grad_().scatter_reduce(
        0, m.tensor([[0]]), x, "max").sum().backward(),
    "index_put_shape": lambda m, x: x.index_put((m.tensor([0, 0]),), m.ones(1, 1, 1, 4)),
    "index_put_dtype": lambda m, x: x.index_put((m.tensor([0]),), m.ones(4, dtype=m.float64)),
    "index_put_none": lambda m, x: x.index_put((m.tensor([0]), None), m.tensor(1.0)),
}


@pytest.mark.filterwarnings("ignore:The reduce argument")
@pytest.mark.parametrize("case", list(FUNCTION_ERRORS))
def test_function_errors_match_torch(case, torch):
    got = []
    for m in (rt, torch):
        x = m.arange(12.0).reshape(3, 4)
        with pytest.raises(Exception) as info:
            FUNCTION_ERRORS[case](m, x)
        got.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert got[0] == got[1]


def test_names_exist():
    for n in ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
              "index_fill", "index_copy", "masked_select", "take", "take_along_dim", "nonzero",
              "argwhere", "index_put"]:
        assert callable(getattr(rt, n)) and hasattr(rt.Tensor, n), n
    for n in ["index_add_", "scatter_", "scatter_add_", "scatter_reduce_", "index_fill_",
              "index_copy_", "index_put_", "__setitem__"]:
        assert hasattr(rt.Tensor, n), n
