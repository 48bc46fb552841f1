"""The engine's array formulas (a primitive's ``vjp_data``, run by a plain backward) give
the bits its Tensor formulas give: every op-table case in float32 and float64, the layouts
and options of the linear layer's products, the loss's options, non-finite gradients, and
the places where an array gradient meets Tensor code (hooks, retain_grad, autograd.grad,
a gradient shared with a Tensor formula); they read only what the Tensor formulas saved."""
import numpy as np
import pytest

import retrograd as rt
from retrograd.autograd import engine
from retrograd.ops.primitive import INSTANCES, _loaded_names

from opinfo import OPS, make_arrays, to_module

F = rt.nn.functional
WITH_ARRAYS = sorted({p.name.split("[")[0] for p in INSTANCES if p.vjp_data is not None})


def _both_paths(run):
    """``run()``'s gradients (a list of arrays) with the array formulas, then without."""
    results = []
    for on in (True, False):
        engine.ARRAY_FORMULAS = on
        try:
            results.append(run())
        finally:
            engine.ARRAY_FORMULAS = True
    return results


def _assert_same_bits(with_arrays, with_tensors):
    assert len(with_arrays) == len(with_tensors)
    for a, t in zip(with_arrays, with_tensors):
        if t is None:
            assert a is None
            continue
        a, t = np.asarray(a), np.asarray(t)
        assert (a.dtype, a.shape, a.strides) == (t.dtype, t.shape, t.strides)
        assert a.tobytes() == t.tobytes()


def test_the_primitives_with_array_formulas():
    # (the MLP's training step: a list to extend, each with the tests below)
    assert WITH_ARRAYS == ["add", "addmm", "exp", "log_softmax", "mean", "mm", "mul", "neg",
                           "nll_loss", "permute", "relu", "sigmoid", "squeeze", "sub", "sum",
                           "t", "tanh", "transpose", "unsafe_view", "unsqueeze", "view"]


@pytest.mark.parametrize("prim", [p for p in INSTANCES if p.vjp_data is not None],
                         ids=lambda p: p.name)
def test_array_formulas_read_only_what_is_saved(prim):
    """An array formula for input i may read only the inputs (and output) its Tensor
    formula reads: only those are saved."""
    for i, (formula, (used, uses_out)) in enumerate(zip(prim.vjp_data, prim._uses)):
        code = formula.__code__
        names = code.co_varnames[:code.co_argcount]
        loaded = _loaded_names(formula)
        reads = {k for k in range(prim.nin) if names[1 + k] in loaded}
        assert reads <= set(used), (prim.name, i, reads, used)
        if names[1 + prim.nin] in loaded:
            assert uses_out, (prim.name, i)


def _table_cases():
    for op in OPS:
        for i, sample in enumerate(op.samples):
            for dtype in ("float32", "float64"):
                if op.differentiable and dtype in op.dtypes:
                    yield pytest.param(op, sample, dtype, id=f"{op.name}-{i}-{dtype}")


@pytest.mark.parametrize("op, sample, dtype", list(_table_cases()))
def test_table_gradients_are_the_same_bits(op, sample, dtype):
    """Every op-table case, backward and autograd.grad, with a random upstream gradient:
    only cases whose graph holds a primitive with array formulas can differ, but all run
    (a formula reached through a composite counts too)."""
    arrays = make_arrays(sample, op.domain, dtype, seed=len(op.name))

    def run():
        args = to_module(rt, sample, arrays)
        out = op.op(rt, *args)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        outs = [o for o in outs if isinstance(o, rt.Tensor) and o.requires_grad]
        if not outs:
            pytest.skip("no differentiable output for this sample")
        rng = np.random.default_rng(1)
        gs = [rt.tensor(rng.standard_normal(o.shape).astype(o._data.dtype)) for o in outs]
        leaves = [a for a in args if isinstance(a, rt.Tensor) and a.requires_grad]
        grads = rt.autograd.grad(outs, leaves, gs, retain_graph=True, allow_unused=True)
        rt.autograd.backward(outs, gs)
        return [None if g is None else g._data for g in grads] + \
            [None if a.grad is None else a.grad._data for a in leaves]

    _assert_same_bits(*_both_paths(run))


LAYOUTS = ["contiguous", "transposed"]


def _matrix(rng, shape, layout, dtype):
    a = rng.standard_normal(shape).astype(dtype)
    if layout == "transposed":  # column-major memory, the same values
        return rt.tensor(np.ascontiguousarray(a.T)).t().detach()
    return rt.tensor(a)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("la", LAYOUTS)
@pytest.mark.parametrize("lb", LAYOUTS)
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 1), (1, -2.0), (0, 3)])
def test_addmm_and_mm_in_every_layout(dtype, la, lb, beta, alpha):
    def run():
        rng = np.random.default_rng(0)
        a = _matrix(rng, (5, 4), la, dtype).requires_grad_()
        b = _matrix(rng, (4, 3), lb, dtype).requires_grad_()
        c = rt.tensor(rng.standard_normal(3).astype(dtype), requires_grad=True)
        y = rt.addmm(c, a, b, beta=beta, alpha=alpha) + rt.mm(a, b) * 2
        y.backward(rt.tensor(rng.standard_normal((5, 3)).astype(dtype)))
        return [a.grad._data, b.grad._data, c.grad._data]

    _assert_same_bits(*_both_paths(run))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("input_grad", [True, False])
def test_linear_layers(dtype, bias, input_grad):
    def run():
        rng = np.random.default_rng(0)
        x = rt.tensor(rng.standard_normal((6, 4)).astype(dtype), requires_grad=input_grad)
        w1 = rt.tensor(rng.standard_normal((5, 4)).astype(dtype), requires_grad=True)
        w2 = rt.tensor(rng.standard_normal((3, 5)).astype(dtype), requires_grad=True)
        b1 = rt.tensor(rng.standard_normal(5).astype(dtype), requires_grad=True) if bias else None
        h = F.relu(F.linear(x, w1, b1))
        loss = F.cross_entropy(F.linear(h, w2), rt.tensor([0, 2, 1, 1, 0, 2]))
        loss.backward()
        return [t.grad._data if t.grad is not None else None for t in (x, w1, w2, b1)
                if t is not None]

    _assert_same_bits(*_both_paths(run))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", [{}, {"ignore_index": 1}, {"weight": True},
                                     {"ignore_index": 0, "weight": True}])
@pytest.mark.parametrize("rank", [1, 2, 4])
def test_nll_and_log_softmax_options(dtype, reduction, options, rank):
    def run():
        rng = np.random.default_rng(0)
        shape = {1: (4,), 2: (6, 4), 4: (2, 4, 3, 2)}[rank]
        x = rt.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
        tshape = () if rank == 1 else (shape[0],) + shape[2:]
        t = rt.tensor(rng.integers(0, 4, tshape))
        kw = dict(options)
        if kw.pop("weight", False):
            kw["weight"] = rt.tensor(rng.uniform(0.5, 2, 4).astype(dtype))
        loss = F.nll_loss(F.log_softmax(x, 1 if rank > 1 else 0), t, reduction=reduction, **kw)
        loss.backward(rt.ones_like(loss) * 0.5)
        return [x.grad._data]

    _assert_same_bits(*_both_paths(run))


def test_non_finite_and_signed_zero_gradients():
    """relu keeps PyTorch's zeros (not NaN * 0) where its output is 0; NaN and inf
    gradients pass through products and log_softmax alike."""
    def run():
        x = rt.tensor([[-1.0, 0.0, -0.0, 2.0], [3.0, np.nan, -np.inf, 1.0]],
                      dtype=rt.float64, requires_grad=True)
        w = rt.tensor(np.eye(4), requires_grad=True)
        y = F.log_softmax(F.relu(x) @ w.t(), 1)
        y.backward(rt.tensor([[np.nan, np.inf, -0.0, 1.0], [-np.inf, 0.0, np.nan, 2.0]],
                             dtype=rt.float64))
        return [x.grad._data, w.grad._data]

    _assert_same_bits(*_both_paths(run))


@pytest.mark.parametrize("shape", [(), (0, 3), (3,), (2, 3)])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_relu_shapes_and_dtypes(shape, dtype):
    def run():
        x = rt.tensor(np.random.default_rng(0).standard_normal(shape).astype(dtype),
                      requires_grad=True)
        y = F.relu(x)
        y.backward(rt.ones_like(y) * 3)
        return [x.grad._data]

    _assert_same_bits(*_both_paths(run))


def test_relu_gradient_of_another_dtype_takes_the_tensor_formula():
    x = rt.tensor([-1.0, 2.0], dtype=rt.float32, requires_grad=True)
    y = F.relu(x)
    node = y.grad_fn
    engine.run_backward([(node, 0)], [rt.tensor([5.0, 7.0], dtype=rt.float64)], False, False)
    assert x.grad.dtype is rt.float32 and x.grad.tolist() == [0.0, 7.0]


def test_where_array_gradients_meet_tensor_code():
    """An intermediate's hook sees a Tensor (and may replace it), retain_grad stores one,
    autograd.grad returns Tensors for intermediates, and a gradient that an array formula
    and a Tensor formula both add to is summed with Tensor addition's bits."""
    def run():
        rng = np.random.default_rng(0)
        x = rt.tensor(rng.standard_normal((3, 4)), requires_grad=True)
        w = rt.tensor(rng.standard_normal((2, 4)), requires_grad=True)
        h = x @ w.t()  # feeds relu (array formula) and exp (Tensor formula) both
        h.retain_grad()
        seen = []
        r = F.relu(h)
        r.register_hook(lambda g: seen.append(type(g)) or g * 2)
        loss = (r.sum() + h.exp().sum()) * 1.5
        gh, gr = rt.autograd.grad(loss, [h, r], retain_graph=True)
        assert type(gh) is rt.Tensor and type(gr) is rt.Tensor
        loss.backward()
        assert seen == [rt.Tensor, rt.Tensor]
        return [gh._data, gr._data, h.grad._data, x.grad._data, w.grad._data]

    _assert_same_bits(*_both_paths(run))


def test_backward_twice_still_says_the_graph_was_freed():
    x = rt.tensor([[1.0, -2.0]], requires_grad=True)
    y = F.relu(x @ x.t()).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        y.backward()


def test_a_saved_tensor_modified_in_place_is_still_reported():
    w = rt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = rt.tensor([[1.0, -1.0]], requires_grad=True)
    a = x * 1
    y = (a @ w).sum()
    a.add_(1)  # mm saved a for w's gradient
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    r = rt.tensor([1.0, -1.0], requires_grad=True)
    out = F.relu(r * 1)
    out.mul_(2)  # relu saved its output
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_saved_tensor_hooks_are_honoured():
    packed = []

    def pack(t):
        packed.append(t.shape)
        return t

    def run():
        x = rt.tensor([[1.0, -2.0, 3.0]], requires_grad=True)
        w = rt.tensor([[0.5, 1.0, -1.0], [2.0, 0.0, 1.0]], requires_grad=True)
        with rt.autograd.graph.saved_tensors_hooks(pack, lambda t: t * 1):
            y = F.log_softmax(F.relu(F.linear(x, w)), 1)
        y.sum().backward()
        return [x.grad._data, w.grad._data]

    _assert_same_bits(*_both_paths(run))
    assert packed
