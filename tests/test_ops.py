"""The operators in scope, driven by tests/opinfo.py: forward vs NumPy, gradcheck and
gradgradcheck, JVP/VJP agreement per registry primitive, nothing recorded under no_grad,
values/gradients/dtypes/node names/error texts vs PyTorch, and registry coverage."""
import itertools
import zlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import retrograd as rt
from retrograd.autograd import gradcheck, gradgradcheck
from retrograd.ops.primitive import REGISTRY

from opinfo import OPS, OPS_BY_NAME, PRIM_SAMPLES, REAL, T, S, make_arrays, to_module


from conftest import REAL_TORCH as _TORCH


@pytest.fixture
def torch():
    if _TORCH is None:
        pytest.importorskip("torch")
        pytest.skip("`import torch` resolves to retrograd in this process")
    return _TORCH


TOL = {"float64": (1e-9, 1e-12), "float32": (1e-5, 1e-6), "float16": (1e-2, 1e-3)}
GRAD_TOL = {"float64": (1e-7, 1e-10), "float32": (1e-4, 1e-5)}
CASES = [pytest.param(o, i, s, id=f"{o.name}-{i}") for o in OPS for i, s in enumerate(o.samples)]
DIFF_CASES = [c for c in CASES if c.values[0].differentiable]
# gradgradcheck: every sample where the second derivative is nonzero, else the first two
GRADGRAD_CASES = [c for c in DIFF_CASES if c.values[0].second_order or c.values[1] < 2]


def _with_dtypes(dtypes_of):
    return [pytest.param(*c.values, d, id=f"{c.id}-{d}") for c in CASES
            for d in dtypes_of(c.values[0])]


FORWARD_CASES = _with_dtypes(lambda o: o.dtypes)
# float32 and float64 where the op takes floats, else its own dtypes (bitwise ops)
TORCH_CASES = _with_dtypes(lambda o: [d for d in ("float32", "float64") if d in o.dtypes] or
                           o.dtypes)


def _seed(*parts):
    return zlib.crc32("-".join(map(str, parts)).encode())


def _assert_close(actual, expected, dtype, what=""):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what} shape {actual.shape} != {expected.shape}"
    if actual.dtype.kind == "f" or expected.dtype.kind == "f":
        rtol, atol = TOL.get(str(dtype), TOL["float32"])
        np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


def _dtype_for(op):
    return "float64" if "float64" in op.dtypes else op.dtypes[-1]


def _dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def _run(m, op, sample, arrays, requires_grad=True):
    args = to_module(m, sample, arrays, requires_grad)
    return args, op.op(m, *args)


def _strides(t):
    return tuple(st for st, n in zip(t.stride(), t.shape) if n > 1)


def _graph_names(fn):
    """The names of the nodes reachable from ``fn``, breadth first in next_functions order
    (a loop, not recursion)."""
    names, seen, queue = [], set(), [fn]
    while queue:
        node = queue.pop(0)
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.append(node.name())
        queue.extend(n for n, _ in node.next_functions)
    return names


# ----- forward vs the NumPy reference

@pytest.mark.parametrize("op,i,sample,dtype", FORWARD_CASES)
def test_forward_matches_numpy(op, i, sample, dtype):
    arrays = make_arrays(sample, op.domain, dtype, _seed(op.name, i))
    _, out = _run(rt, op, sample, arrays)
    _, fast = _run(rt, op, sample, arrays, requires_grad=False)
    expected = np.asarray(op.ref(*arrays))
    _assert_close(out._data, expected, dtype, f"{op.name}{sample}")
    # fast path == recording path (matmul may fold differently: last-bit differences)
    _assert_close(fast._data, out._data, dtype, "fast path")


# ----- gradients: gradcheck, gradgradcheck (float64 central differences)

@pytest.mark.parametrize("op,i,sample", DIFF_CASES)
def test_gradcheck(op, i, sample):
    args = to_module(rt, sample, make_arrays(sample, op.domain, "float64", _seed(op.name, i)))
    assert gradcheck(lambda *a: op.op(rt, *a), args, **op.check)


@pytest.mark.filterwarnings("ignore:Input #")  # `to`: its grad_outputs are float32
@pytest.mark.parametrize("op,i,sample", GRADGRAD_CASES)
def test_gradgradcheck(op, i, sample):
    args = to_module(rt, sample, make_arrays(sample, op.domain, "float64", _seed(op.name, i)))
    assert gradgradcheck(lambda *a: op.op(rt, *a), args, **op.check)


# ----- recording: nothing under no_grad; a node exactly when differentiable

@pytest.mark.parametrize("op,i,sample", CASES)
def test_graph_recording(op, i, sample):
    arrays = make_arrays(sample, op.domain, _dtype_for(op), _seed(op.name, i))
    with rt.no_grad():
        args, out = _run(rt, op, sample, arrays)
    if not any(out is a for a in args):  # an op that returns its input records nothing
        assert out.grad_fn is None and not out.requires_grad
    args, out = _run(rt, op, sample, arrays)
    wants = op.differentiable and any(getattr(a, "requires_grad", False) for a in args)
    assert out.requires_grad == wants
    if not any(out is a for a in args):
        assert (out.grad_fn is not None) == wants


# ----- values, dtypes, node names, graphs and gradients vs PyTorch

@pytest.mark.parametrize("op,i,sample,dtype", TORCH_CASES)
def test_matches_torch(op, i, sample, dtype, torch):
    rng = np.random.default_rng(_seed(op.name, i, dtype))
    arrays = make_arrays(sample, op.domain, dtype, _seed(op.name, i))
    ra, ro = _run(rt, op, sample, arrays)
    ta, to = _run(torch, op, sample, arrays)
    assert str(ro.dtype) == str(to.dtype)
    assert tuple(ro.shape) == tuple(to.shape)
    _assert_close(ro._data, to.detach().numpy(), dtype, "value")
    assert ro.requires_grad == to.requires_grad
    assert ro.is_contiguous() == to.is_contiguous(), "contiguity"
    if to.numel() > 1:  # strides of size-1 dims are arbitrary (NumPy and PyTorch differ)
        assert _strides(ro) == _strides(to), "strides"
    assert (ro._base is not None) == (to._base is not None), "is a view"
    names = [_graph_names(x.grad_fn) if x.grad_fn else None for x in (ro, to)]
    assert names[0] == names[1], "graph differs from PyTorch's"
    if not to.requires_grad:
        return
    g = rng.standard_normal(tuple(to.shape)).astype(_dtype_name(to))
    ro.backward(rt.tensor(g))
    to.backward(torch.tensor(g))
    for k, (x, y) in enumerate(zip(ra, ta)):
        if hasattr(y, "grad") and y.requires_grad:
            assert (x.grad is None) == (y.grad is None), f"grad of input {k}"
            if y.grad is not None:
                assert str(x.grad.dtype) == str(y.grad.dtype)
                rtol, atol = GRAD_TOL[dtype]
                np.testing.assert_allclose(x.grad._data, y.grad.numpy(), rtol=rtol, atol=atol,
                                           err_msg=f"grad of input {k}")



# ----- result dtypes over a grid of input dtypes, vs PyTorch

def _outcome(m, op, sample, arrays):
    try:
        _, out = _run(m, op, sample, arrays, requires_grad=False)
    except Exception as e:  # noqa: BLE001  (the exception itself is the outcome)
        return type(e).__name__, str(e).splitlines()[0]
    return out


def _compare_outcomes(r, t, label, bad):
    if isinstance(t, tuple) or isinstance(r, tuple):
        if r != t:  # the same exception type and first line
            bad.append(f"{label}: retrograd {r if isinstance(r, tuple) else r.dtype} "
                       f"vs torch {t if isinstance(t, tuple) else t.dtype}")
        return
    if str(r.dtype) != str(t.dtype) or tuple(r.shape) != tuple(t.shape):
        bad.append(f"{label}: retrograd {r.dtype}{tuple(r.shape)} vs torch "
                   f"{t.dtype}{tuple(t.shape)}")
        return
    try:
        _assert_close(r._data, t.numpy(), _dtype_name(t))
    except AssertionError as e:
        bad.append(f"{label}: values differ {str(e)[:200]}")


@pytest.mark.parametrize("op", [o for o in OPS if o.grid], ids=lambda o: o.name)
def test_dtype_grid_matches_torch(op, torch):
    bad = []
    for i, sample in enumerate(op.samples):
        free = [k for k, a in enumerate(sample.args) if isinstance(a, T) and a.dtype is None]
        combos = itertools.product(op.grid, repeat=len(free)) if i == 0 else \
            ((d,) * len(free) for d in op.grid)
        for combo in combos:
            pinned = S(*(T(*a.shape, nc=a.nc, domain=a.domain, dtype=combo[free.index(k)])
                         if k in free else a for k, a in enumerate(sample.args)))
            arrays = make_arrays(pinned, op.domain, None, _seed(op.name, i))
            _compare_outcomes(_outcome(rt, op, pinned, arrays),
                              _outcome(torch, op, pinned, arrays), f"{op.name}{pinned}", bad)
    assert not bad, "\n".join(bad)


def test_integer_and_bool_dtype_rules():
    ints = rt.tensor([1, 2, 3])
    for name in ["exp", "log", "sin", "cos", "tanh", "sigmoid", "sqrt", "reciprocal"]:
        assert getattr(rt, name)(ints).dtype is rt.float32, name
        assert (ints / 2).dtype is rt.float32
    assert ints.sum().dtype is rt.int64
    assert rt.tensor([1, 2], dtype=rt.int32).sum(0).dtype is rt.int64
    assert rt.tensor([True, True, False]).sum().dtype is rt.int64
    assert rt.tensor([True, True, False]).sum().item() == 2
    for cmp in ["eq", "ne", "lt", "le", "gt", "ge"]:
        assert getattr(ints, cmp)(2).dtype is rt.bool
    with pytest.raises(RuntimeError) as info:  # PyTorch 2.13's words (the grid compares live)
        ints.mean()
    assert str(info.value) == ("mean(): could not infer output dtype. Input dtype must be either "
                               "a floating point or complex dtype. Got: Long")
    old = rt.get_default_dtype()
    try:
        rt.set_default_dtype(rt.float64)
        assert rt.exp(ints).dtype is rt.float64 and (ints / 2).dtype is rt.float64
    finally:
        rt.set_default_dtype(old)


# ----- forward mode: <u, J v> == <J^T u, v> for every registry primitive

PRIM_CASES = [pytest.param(n, k, id=f"{n}-{k}") for n, ss in PRIM_SAMPLES.items()
              for k in range(len(ss))]


@pytest.mark.parametrize("name,k", PRIM_CASES)
def test_jvp_agrees_with_vjp(name, k):
    prim = REGISTRY[name]
    specs, params = PRIM_SAMPLES[name][k]
    rng = np.random.default_rng(_seed(name, k))
    inputs = [rt.tensor((s.domain or REAL).sample(rng, s.shape, "float64")) for s in specs]
    params = params(rt, rng) if callable(params) else params
    out = prim(*inputs, *params)
    multi = isinstance(out, tuple)  # a multi-output primitive (nout): one tangent each
    outs = out if multi else (out,)
    for mask in itertools.product([False, True], repeat=len(inputs)):
        if not any(mask):
            continue
        v = [rt.tensor(rng.standard_normal(x.shape)) if on else None for x, on in zip(inputs, mask)]
        jv = prim.jvp_apply(v, inputs, out, params)
        jvs = jv if multi else (jv,)
        leaves = [x.detach().requires_grad_(on) for x, on in zip(inputs, mask)]
        y = prim(*leaves, *params)
        ys = y if multi else (y,)
        lhs, pairs = 0.0, []
        for o, t, yk in zip(outs, jvs, ys):
            if not yk.requires_grad:  # an integer output (indices): no tangent
                continue
            assert tuple(t.shape) == tuple(o.shape) and t.dtype is o.dtype
            u = rng.standard_normal(o.shape).astype(o._data.dtype)
            lhs += float(np.sum(u.astype(np.float64) * t._data))
            pairs.append((yk, rt.tensor(u)))
        grads = rt.autograd.grad([p for p, _ in pairs],
                                 [x for x, on in zip(leaves, mask) if on], [u for _, u in pairs])
        rhs = sum(float(np.sum(g._data * t._data))
                  for g, t in zip(grads, [t for t in v if t is not None]))
        assert np.isclose(lhs, rhs, rtol=1e-5, atol=1e-8), (mask, lhs, rhs)


def test_every_differentiable_primitive_has_jvp_samples():
    missing = sorted(n for n, p in REGISTRY.items() if p.differentiable and n not in PRIM_SAMPLES)
    assert not missing, f"primitives without JVP samples in opinfo.PRIM_SAMPLES: {missing}"
    assert all(p.jvp is None for p in REGISTRY.values() if not p.differentiable)


# ----- the table covers the registry, and each entry exercises what it claims

def test_table_covers_registry():
    from retrograd.ops import bind_methods
    from retrograd.ops.primitive import INSTANCES
    used, current = {}, []

    def traced(prim, call):
        def run(*args):
            used.setdefault(current[0], set()).add(prim.name.split("[")[0])
            return call(*args)
        return run

    originals = [(p, p.call) for p in INSTANCES]
    for p, call in originals:  # operators bind each primitive's call: swap, then rebind
        p.call = traced(p, call)
    bind_methods()
    try:
        _trace_table(current)
    finally:
        for p, call in originals:
            p.call = call
        bind_methods()
    everything = set().union(*used.values())
    missing = sorted(set(REGISTRY) - everything)
    assert not missing, f"registry primitives no opinfo entry exercises: {missing}"
    false_claims = {o.name: sorted(set(o.prims) - used.get(o.name, set())) for o in OPS}
    assert not any(false_claims.values()), {k: v for k, v in false_claims.items() if v}


def _trace_table(current):
    for op in OPS:
        current[:] = [op.name]
        for i, sample in enumerate(op.samples):
            arrays = make_arrays(sample, op.domain, _dtype_for(op), _seed(op.name, i))
            args, out = _run(rt, op, sample, arrays)
            if out.requires_grad:  # (recorded: a plain backward runs array formulas)
                leaves = [a for a in args if isinstance(a, rt.Tensor) and a.requires_grad]
                rt.autograd.grad(out.sum(), leaves, create_graph=True, allow_unused=True)


# ----- Hypothesis: random broadcasting pairs for the binary arithmetic ops

@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
@settings(max_examples=30, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       seed=st.integers(0, 2 ** 16))
def test_broadcasting_binary_ops(name, shapes, seed):
    op = OPS_BY_NAME[name]
    sample = S(T(*shapes.input_shapes[0]), T(*shapes.input_shapes[1]))
    arrays = make_arrays(sample, op.domain, "float64", seed)
    args, out = _run(rt, op, sample, arrays)
    _assert_close(out._data, op.ref(*arrays), "float64")
    if _TORCH is None:
        assert gradcheck(lambda *a: op.op(rt, *a), args)
        return
    targs, tout = _run(_TORCH, op, sample, arrays)
    g = np.random.default_rng(seed).standard_normal(shapes.result_shape)
    out.backward(rt.tensor(g))
    tout.backward(_TORCH.tensor(g))
    for x, y in zip(args, targs):
        np.testing.assert_allclose(x.grad._data, y.grad.numpy(), rtol=1e-7, atol=1e-10)


# ----- shape errors: PyTorch's type and first line

ERRORS = {
    "view_noncontiguous": lambda m: m.zeros(3, 4).t().view(12),
    "view_invalid": lambda m: m.zeros(3, 4).view(5, -1),
    "reshape_invalid": lambda m: m.zeros(3, 4).reshape(5),
    "reshape_two_inferred": lambda m: m.zeros(3, 4).reshape(-1, -1),
    "reshape_negative": lambda m: m.zeros(3, 4).reshape(-2, 6),
    "expand_mismatch": lambda m: m.zeros(3, 2).expand(3, 4),
    "expand_too_few": lambda m: m.zeros(3, 2).expand(2),
    "expand_negative_lead": lambda m: m.zeros(3).expand(-1, 3),
    "permute_length": lambda m: m.zeros(2, 3).permute(0),
    "permute_duplicate": lambda m: m.zeros(2, 3).permute(0, 0),
    "permute_range": lambda m: m.zeros(2, 3).permute(0, 2),
    "squeeze_range": lambda m: m.zeros(2, 3).squeeze(2),
    "unsqueeze_range": lambda m: m.zeros(2, 3).unsqueeze(3),
    "unsqueeze_range_negative": lambda m: m.zeros(2, 3).unsqueeze(-4),
    "transpose_range": lambda m: m.zeros(2, 3).transpose(0, 2),
    "t_3d": lambda m: m.zeros(2, 3, 4).t(),
    "flatten_order": lambda m: m.zeros(2, 3, 4).flatten(2, 0),
    "select_range": lambda m: m.zeros(2, 3).select(1, 5),
    "select_0d": lambda m: m.zeros(()).select(0, 0),
    "index_range": lambda m: m.zeros(2, 3)[2],
    "index_range_negative": lambda m: m.zeros(2, 3)[-3],
    "index_range_dim1": lambda m: m.zeros(2, 3)[:, 3],
    "index_too_many": lambda m: m.zeros(2, 3)[0, 0, 0],
    "index_0d": lambda m: m.zeros(())[0],
    "slice_negative_step": lambda m: m.zeros(5)[::-1],
    "sum_dim_range": lambda m: m.zeros(2, 3).sum(2),
    "sum_dim_repeated": lambda m: m.zeros(2, 3).sum((0, -2)),
    "mean_int": lambda m: m.zeros(2, dtype=m.int64).mean(),
    "broadcast": lambda m: m.zeros(2, 3) + m.zeros(4),
    "matmul_2d": lambda m: m.zeros(2, 3) @ m.zeros(2, 3),
    "matmul_1d": lambda m: m.zeros(3) @ m.zeros(4),
    "matmul_mv": lambda m: m.zeros(2, 3) @ m.zeros(4),
    "matmul_vm": lambda m: m.zeros(3) @ m.zeros(4, 2),
    "matmul_batched": lambda m: m.zeros(2, 2, 3) @ m.zeros(2, 4, 2),
    "matmul_batch_broadcast": lambda m: m.zeros(2, 2, 3) @ m.zeros(3, 3, 2),
    "matmul_0d": lambda m: m.zeros(()) @ m.zeros(3),
    "matmul_dtypes": lambda m: m.zeros(2, 3) @ m.zeros(3, 2, dtype=m.float64),
    "mm_3d": lambda m: m.mm(m.zeros(2, 3, 4), m.zeros(4, 2)),
    "mm_shapes": lambda m: m.mm(m.zeros(2, 3), m.zeros(4, 2)),
    "bmm_2d": lambda m: m.bmm(m.zeros(2, 3), m.zeros(3, 2)),
    "bmm_shapes": lambda m: m.bmm(m.zeros(2, 2, 3), m.zeros(2, 4, 2)),
    "mv_shapes": lambda m: m.mv(m.zeros(2, 3), m.zeros(4)),
    "dot_2d": lambda m: m.dot(m.zeros(2, 3), m.zeros(3)),
    "dot_dtypes": lambda m: m.dot(m.zeros(3), m.zeros(3, dtype=m.float64)),
    "int_negative_power": lambda m: m.tensor([1, 2]) ** -1,
    "bool_sub": lambda m: m.tensor([True]) - m.tensor([False]),
    "where_condition": lambda m: m.where(m.zeros(2), m.zeros(2), m.zeros(2)),
    "where_condition_not_tensor": lambda m: m.where(True, m.zeros(2), 1.5),
    "where_broadcast": lambda m: m.where(m.zeros(2, 3) > 0, m.zeros(4), 0.0),
    "compare_broadcast": lambda m: m.zeros(2, 3) < m.zeros(4),
    "view_negative": lambda m: m.zeros(3, 4).view(3, -2),
    "flatten_range": lambda m: m.zeros(2, 3).flatten(0, 2),
    "select_dim_range": lambda m: m.zeros(2, 3).select(2, 0),
    "squeeze_tuple_range": lambda m: m.zeros(2, 1).squeeze((1, 2)),
    "unsqueeze_0d_range": lambda m: m.zeros(()).unsqueeze(2),
    "mean_dim_range": lambda m: m.zeros(2, 3).mean(-3),
    "mv_dtypes": lambda m: m.mv(m.zeros(2, 3), m.zeros(3, dtype=m.float64)),
    "bmm_dtypes": lambda m: m.bmm(m.zeros(1, 2, 3), m.zeros(1, 3, 2, dtype=m.float64)),
    "bmm_bool": lambda m: m.bmm(m.ones(1, 2, 3, dtype=m.bool), m.ones(1, 3, 2)),
    "mm_bool": lambda m: m.mm(m.ones(2, 3, dtype=m.bool), m.ones(3, 2, dtype=m.bool)),
    "dot_bool": lambda m: m.dot(m.ones(0, dtype=m.bool), m.ones(0, dtype=m.bool)),
    "neg_bool": lambda m: -m.ones(2, dtype=m.bool),
    "relu_bool": lambda m: m.relu(m.ones(2, dtype=m.bool)),
    "abs_bool": lambda m: m.ones(2, dtype=m.bool).abs(),
    "pow_bool": lambda m: m.ones(2, dtype=m.bool) ** m.ones(2, dtype=m.bool),
    "sub_bool_float": lambda m: m.ones(2) - m.ones(2, dtype=m.bool),
    "rsub_bool": lambda m: 1 - m.ones(2, dtype=m.bool),
    "alpha_float_for_ints": lambda m: m.add(m.ones(2, dtype=m.int64), 1, alpha=0.5),
    "alpha_bool_for_floats": lambda m: m.sub(m.ones(2), m.ones(2), alpha=True),
    "bitwise_float": lambda m: m.ones(2, dtype=m.int32) & m.ones(2, dtype=m.float16),
    "invert_float": lambda m: ~m.ones(2),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_error_matches_torch(case, torch):
    results = []
    for m in (rt, torch):
        with pytest.raises(Exception) as info:
            ERRORS[case](m)
        results.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert results[0] == results[1]


# ----- the Tensor methods and module functions of the ops in scope, as in PyTorch

def _mat(m):
    return m.ones(4, 2)


METHOD_CALLS = {
    "add": lambda m, x: x.add(2), "sub": lambda m, x: x.sub(2), "mul": lambda m, x: x.mul(2),
    "div": lambda m, x: x.div(2), "true_divide": lambda m, x: x.true_divide(2),
    "pow": lambda m, x: x.pow(2), "neg": lambda m, x: x.neg(),
    "negative": lambda m, x: x.negative(),
    "matmul": lambda m, x: x.matmul(_mat(m)), "mm": lambda m, x: x.mm(_mat(m)),
    "bmm": lambda m, x: x[None].bmm(_mat(m)[None]), "mv": lambda m, x: x.mv(m.ones(4)),
    "dot": lambda m, x: x[0].dot(m.ones(4)), "where": lambda m, x: x.where(x > 0.5, 0.0),
    "sum": lambda m, x: x.sum(), "mean": lambda m, x: x.mean(1),
    "reshape": lambda m, x: x.reshape(4, 3), "view": lambda m, x: x.view(-1),
    "flatten": lambda m, x: x.flatten(), "transpose": lambda m, x: x.transpose(0, 1),
    "swapaxes": lambda m, x: x.swapaxes(0, 1), "swapdims": lambda m, x: x.swapdims(1, 0),
    "t": lambda m, x: x.t(), "permute": lambda m, x: x.permute(1, 0),
    "unsqueeze": lambda m, x: x.unsqueeze(1), "squeeze": lambda m, x: x[None].squeeze(0),
    "expand": lambda m, x: x.expand(2, 3, 4), "select": lambda m, x: x.select(1, 2),
    "view_as": lambda m, x: x.view_as(m.ones(12)),
    "reshape_as": lambda m, x: x.reshape_as(m.ones(12)),
    "expand_as": lambda m, x: x[0].expand_as(x), "to": lambda m, x: x.to(m.float64),
    "double": lambda m, x: x.double(), "half": lambda m, x: x.half(), "long": lambda m, x: x.long(),
    "int": lambda m, x: x.int(), "bool": lambda m, x: x.bool(), "float": lambda m, x: x.float(),
    "clone": lambda m, x: x.clone(), "contiguous": lambda m, x: x.t().contiguous(),
    "logical_not": lambda m, x: x.logical_not(),
    **{n: (lambda n: lambda m, x: getattr(x, n)())(n) for n in
       "exp log sin cos tanh sigmoid relu sqrt abs reciprocal sign".split()},
    **{n: (lambda n: lambda m, x: getattr(x, n)(0.5))(n) for n in "eq ne lt le gt ge".split()},
}
FUNCTIONS = ("add sub mul div true_divide pow neg negative matmul mm bmm mv dot exp log sin "
             "cos tanh sigmoid relu sqrt abs reciprocal sign where sum mean reshape flatten "
             "transpose swapaxes t permute unsqueeze squeeze select clone eq ne lt le gt "
             "ge").split()
DUNDERS = ("__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ "
           "__pow__ __rpow__ __neg__ __matmul__ __getitem__ __eq__ __ne__ __lt__ __le__ "
           "__gt__ __ge__").split()


def test_methods_and_functions_exist():
    missing = [f"Tensor.{n}" for n in list(METHOD_CALLS) + DUNDERS if not hasattr(rt.Tensor, n)]
    missing += [f"retrograd.{n}" for n in FUNCTIONS if not hasattr(rt, n)]
    assert not missing, missing


@pytest.mark.parametrize("name", list(METHOD_CALLS))
def test_method_matches_torch(name, torch):
    outs = []
    for m in (rt, torch):
        x = m.tensor(np.linspace(-0.6, 1.2, 12, dtype=np.float32).reshape(3, 4),
                     requires_grad=True)
        out = METHOD_CALLS[name](m, x)
        outs.append((out.detach().numpy(), str(out.dtype), tuple(out.shape),
                     out.grad_fn and out.grad_fn.name(), out is x))
    _assert_close(outs[0][0], outs[1][0], _dtype_name(out))
    assert outs[0][1:] == outs[1][1:]


# ----- matmul picks PyTorch's kernels (fold into mm/mv, or broadcast bmm), so its graph,
# strides and gradients match, for every requires_grad pattern and memory layout

MATMUL_SHAPES = [((4,), (2, 4, 3)), ((3, 4), (2, 4, 2)), ((1, 3, 4), (2, 4, 2)),
                 ((2, 3, 4), (1, 4, 2)), ((1, 3, 4), (1, 4, 2)), ((1, 3, 4), (4, 2)),
                 ((2, 1, 3, 4), (3, 4, 2)), ((2, 3, 4), (4,)), ((4,), (1, 4, 3)),
                 ((1, 1, 3, 4), (2, 4, 2)), ((3, 4), (2, 2, 4, 2)), ((1, 4), (2, 4, 2)),
                 ((2, 3, 1), (1, 1, 2)), ((1, 3, 4), (0, 4, 2)), ((2, 2, 3, 4), (4,))]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_matmul_dispatch_matches_torch(sa, sb, torch):
    rng = np.random.default_rng(_seed(sa, sb))
    A, B = rng.standard_normal(sa), rng.standard_normal(sb)
    for nca, ncb, rga, rgb in itertools.product([False, True], [False, True],
                                                [False, True], [False, True]):
        if not (rga or rgb):
            continue
        sample = S(T(*sa, nc=nca), T(*sb, nc=ncb))
        res = []
        for m in (rt, torch):
            a, b = to_module(m, sample, [A, B], requires_grad=False)
            a.requires_grad_(rga)
            b.requires_grad_(rgb)
            out = a @ b
            g = np.ones(tuple(out.shape))
            out.backward(m.tensor(g))
            res.append((_graph_names(out.grad_fn), _strides(out) if out.numel() > 1 else None,
                        out.detach().numpy(), [x.grad for x in (a, b)]))
        label = f"nc={nca, ncb} requires_grad={rga, rgb}"
        assert res[0][:2] == res[1][:2], label
        _assert_close(res[0][2], res[1][2], "float64", label)
        for x, y in zip(res[0][3], res[1][3]):
            assert (x is None) == (y is None), label
            if x is not None:
                _assert_close(x._data, y.numpy(), "float64", label)


# ----- indexing beyond the table: several ellipses, clamped slices, index forms

INDICES = [(Ellipsis, Ellipsis), (0, Ellipsis, Ellipsis), (Ellipsis, 0, Ellipsis),
           (Ellipsis, None, Ellipsis), (slice(-10, 1),), (slice(5, None),), (slice(1, 0),),
           (None, None, 1), (slice(None), slice(None), None), (np.int64(1),)]


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_getitem_matches_torch(index, torch):
    a = np.arange(12.0).reshape(3, 4)
    res = []
    for m in (rt, torch):
        x = m.tensor(a, requires_grad=True)
        y = x[index]
        y.backward(m.tensor(np.ones(tuple(y.shape))))
        res.append((tuple(y.shape), y.grad_fn.name(), _graph_names(y.grad_fn),
                    y.detach().numpy().tolist(), x.grad.numpy().tolist()))
    assert res[0] == res[1]


def test_logical_not_is_not_bitwise_not(torch):
    for values in ([0, 2, -1], [0.0, 0.5, float("nan")], [True, False]):
        ours, theirs = rt.tensor(values).logical_not(), torch.tensor(values).logical_not()
        assert ours.tolist() == theirs.tolist() and str(ours.dtype) == str(theirs.dtype)


def test_integer_powers_match_torch(torch):
    base, exp = [0, 1, -1, 2, -2, 3, 1, -1], [-1, -1, -1, -2, -3, 0, -4, -4]
    cases = [lambda m: m.tensor(base) ** m.tensor(exp), lambda m: 2 ** m.tensor(exp),
             lambda m: m.tensor([True, False]) ** 2, lambda m: 2 ** m.tensor([True, False]),
             lambda m: m.tensor(base, dtype=m.int32) ** m.tensor(exp, dtype=m.int32)]
    for case in cases:
        ours, theirs = case(rt), case(torch)
        assert ours.tolist() == theirs.tolist() and str(ours.dtype) == str(theirs.dtype)


def test_accumulate_grad_name():
    x = rt.ones(2, requires_grad=True)
    assert x.sum().grad_fn.next_functions[0][0].name() == "torch::autograd::AccumulateGrad"


# ----- dtype names in PyTorch's C++ messages

def test_half_in_cpp_messages():
    with pytest.raises(RuntimeError) as info:
        rt.mm(rt.ones(2, 2, dtype=rt.float16), rt.ones(2, 2))
    assert str(info.value) == ("expected m1 and m2 to have the same dtype, but got: "
                               "c10::Half != float")
