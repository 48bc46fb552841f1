"""The training step's fast paths give exactly what the general paths give, and what
PyTorch gives: F.linear's fused addmm node, in-place arithmetic written straight into the
tensor's memory when nothing records, AccumulateGrad's plain copy, the bias-gradient sum
and relu's bitwise masking."""
import numpy as np
import pytest

import retrograd
from retrograd.ops.pointwise import add_fn, sub_fn, mul_fn, div_fn

torch = pytest.importorskip("torch")


def graph(fn):
    """The grad_fn graph as (depth, node name) in depth-first order (no recursion)."""
    out, stack = [], [(fn, 0)]
    while stack:
        f, d = stack.pop()
        if f is not None:
            out.append((d, type(f).__name__))
            stack.extend((g, d + 1) for g, _ in reversed(f.next_functions))
    return out


LINEAR_CASES = [  # input, weight, bias shapes (None: no bias)
    ((4,), (5, 4), (5,)), ((3, 4), (5, 4), (5,)), ((2, 3, 4), (5, 4), (5,)),
    ((0, 4), (5, 4), (5,)), ((2, 0, 4), (5, 4), (5,)), ((3, 0), (5, 0), (5,)),
    ((2, 3, 0), (5, 0), (5,)), ((2, 3, 4), (5, 6), (5,)), ((4,), (5, 6), (5,)),
    ((2, 3, 4), (5, 4), (1,)), ((2, 3, 4), (5, 4), (3,)), ((2, 3, 4), (5, 4), ()),
    ((3, 4), (5, 4), ()), ((3, 4), (5, 4), (3, 5)), ((3, 4), (5, 4), (3, 1)),
    ((4,), (5, 4), ()), ((), (5, 4), (5,)), ((4,), (4,), ()), ((2, 4), (4,), ()),
    ((3, 4), (2, 5, 4), (5,)), ((2, 3, 4), (4,), ()), ((2, 3, 4), (4,), None),
    ((2, 3, 4), (5, 4), None), ((4,), (5, 4), None), ((3, 4), (5, 4), None),
]


def _linear_run(lib, xs, ws, bs, transpose_input=False):
    gen = np.random.default_rng(0)
    x = lib.tensor(gen.standard_normal(xs))
    if transpose_input:
        x = x.transpose(0, 1)
    x.requires_grad_()
    w = lib.tensor(gen.standard_normal(ws), requires_grad=True)
    b = None if bs is None else lib.tensor(gen.standard_normal(bs), requires_grad=True)
    try:
        y = lib.nn.functional.linear(x, w, b)
        y.sum().backward()
    except (RuntimeError, ValueError) as e:
        return str(e).splitlines()[0]
    grads = [t.grad.detach().numpy() for t in (x, w, b) if t is not None]
    return tuple(y.shape), graph(y.grad_fn), y.detach().numpy(), grads


@pytest.mark.parametrize("xs,ws,bs", LINEAR_CASES, ids=str)
def test_linear_graph_values_and_errors_match_pytorch(xs, ws, bs):
    ours, theirs = _linear_run(retrograd, xs, ws, bs), _linear_run(torch, xs, ws, bs)
    if isinstance(theirs, str):
        assert ours == theirs
        return
    assert ours[:2] == theirs[:2]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12, atol=1e-12)
    for a, b in zip(ours[3], theirs[3]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_linear_non_contiguous_input_takes_matmul_as_pytorch_does():
    ours = _linear_run(retrograd, (3, 2, 4), (5, 4), (5,), transpose_input=True)
    theirs = _linear_run(torch, (3, 2, 4), (5, 4), (5,), transpose_input=True)
    assert ours[:2] == theirs[:2]


@pytest.mark.parametrize("xs,bs", [((3, 4), (5,)), ((2, 3, 4), (5,)), ((4,), (5,))])
def test_linear_second_derivatives(xs, bs):
    gen = np.random.default_rng(1)
    args = [retrograd.tensor(gen.standard_normal(s), requires_grad=True)
            for s in (xs, (5, 4), bs)]
    f = retrograd.nn.functional.linear
    assert retrograd.autograd.gradcheck(f, args)
    assert retrograd.autograd.gradgradcheck(f, args)


# ----- in-place arithmetic: the direct write against the general path and PyTorch
OPERANDS = {
    "same_shape": lambda lib, dt: lib.tensor(np.linspace(-2, 3, 12).reshape(3, 4), dtype=dt),
    "row": lambda lib, dt: lib.tensor(np.linspace(0.5, 2, 4), dtype=dt),
    "zero_d": lambda lib, dt: lib.tensor(1.75, dtype=dt),
    "float": lambda lib, dt: 0.3,
    "int": lambda lib, dt: 3,
}
METHODS = {"add_": dict(), "sub_": dict(), "mul_": None, "div_": None,
           "add_alpha": dict(alpha=-0.05), "sub_alpha": dict(alpha=2)}


def _self(lib, dt, layout):
    base = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4) ** 3, dtype=dt)
    if layout == "transposed":
        return lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3) ** 3, dtype=dt).t()
    if layout == "view":
        return base[:, :]
    return base


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "view"])
@pytest.mark.parametrize("operand", list(OPERANDS))
@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_inplace_arithmetic_is_bitwise_pytorch(dtype, method, operand, layout):
    results = []
    for lib in (retrograd, torch):
        dt = getattr(lib, dtype)
        x = _self(lib, dt, layout)
        other = OPERANDS[operand](lib, dt)
        name = method.split("_")[0] + "_"
        kwargs = METHODS[method] or {}
        v0 = x._version
        out = getattr(x, name)(other, **kwargs)
        assert out is x and x._version == v0 + 1
        results.append(x.numpy().copy())
    assert results[0].dtype == results[1].dtype
    if "alpha" in method:  # PyTorch fuses other * alpha + self (one rounding); we round twice
        np.testing.assert_allclose(results[0], results[1], rtol=4 * np.finfo(dtype).eps)
    else:
        np.testing.assert_array_equal(results[0].view(np.uint8), results[1].view(np.uint8))


@pytest.mark.parametrize("fn,name", [(add_fn, "add_"), (sub_fn, "sub_"), (mul_fn, "mul_"),
                                     (div_fn, "div_")])
def test_inplace_direct_write_equals_out_of_place(fn, name):
    gen = np.random.default_rng(2)
    for dt in (retrograd.float32, retrograd.float64):
        for kwargs in ([{}, {"alpha": -0.05}, {"alpha": 3}] if name in ("add_", "sub_")
                       else [{}]):
            x = retrograd.tensor(gen.standard_normal((5, 6)), dtype=dt)
            o = retrograd.tensor(gen.standard_normal(6), dtype=dt)
            expected = fn(x, o, **kwargs)
            view = x[1:3]
            getattr(x, name)(o, **kwargs)
            np.testing.assert_array_equal(x.numpy(), expected.numpy())
            np.testing.assert_array_equal(view.numpy(), expected.numpy()[1:3])  # views see it


def test_inplace_aliasing_operands_read_before_the_write():
    for lib in (retrograd, torch):
        x = lib.arange(6.0)
        x.add_(x.flip(0))
        y = lib.arange(6.0)
        y.mul_(y)
        assert x.tolist() == [5.0] * 6 and y.tolist() == [0.0, 1.0, 4.0, 9.0, 16.0, 25.0]


@pytest.mark.parametrize("call", [
    lambda lib: lib.ones(3).add_(lib.ones(2, 3)),           # not broadcastable into self
    lambda lib: lib.ones(3, dtype=lib.int64).add_(1.5),     # float result into integers
    lambda lib: lib.ones(3, dtype=lib.int64).mul_(lib.ones(3)),
    lambda lib: lib.ones(3).add_(lib.ones(3), alpha=True),  # bool alpha
    lambda lib: lib.ones(3).expand(2, 3).add_(1.0),         # overlapping memory
    lambda lib: lib.ones(3, requires_grad=True).add_(1.0),  # leaf that requires grad
])
def test_inplace_refusals_keep_pytorch_text(call):
    msgs = []
    for lib in (retrograd, torch):
        with pytest.raises(RuntimeError) as info:
            call(lib)
        msgs.append(str(info.value).splitlines()[0])
    assert msgs[0] == msgs[1]


def test_inplace_under_no_grad_leaves_the_graph_alone():
    w = retrograd.ones(3, requires_grad=True)
    with retrograd.no_grad():
        w.add_(retrograd.ones(3), alpha=-0.5)
        w.mul_(2.0)
    assert w.grad_fn is None and w.requires_grad and w.is_leaf
    assert w.tolist() == [1.0, 1.0, 1.0]
    (w * w).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0, 2.0]


def test_inplace_with_grad_still_records():
    x = retrograd.ones(3, requires_grad=True) * 1
    x.mul_(retrograd.tensor([1.0, 2.0, 3.0]))
    assert type(x.grad_fn).__name__ == "MulBackward0"
    x.sum().backward()


def test_inplace_on_forward_ad_dual_keeps_the_tangent_path():
    import retrograd.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        x = fwAD.make_dual(retrograd.ones(3), retrograd.tensor([1.0, 2.0, 3.0]))
        with retrograd.no_grad():
            x.mul_(2.0)
        assert fwAD.unpack_dual(x).tangent.tolist() == [2.0, 4.0, 6.0]


def test_sgd_update_on_dual_tensors_keeps_the_tangent_path():
    # inside a dual level the update runs on Tensors, so the tangents follow it
    import retrograd.autograd.forward_ad as fwAD
    from retrograd.optim import sgd
    with fwAD.dual_level(), retrograd.no_grad():
        p = fwAD.make_dual(retrograd.ones(3), retrograd.tensor([1.0, 1.0, 1.0]))
        g = fwAD.make_dual(retrograd.tensor([1.0, 2.0, 3.0]), retrograd.tensor([2.0, 4.0, 8.0]))
        b = retrograd.zeros(3)
        sgd._sgd_update(p, g, b, weight_decay=0, momentum=0.9, lr=0.5, dampening=0,
                        nesterov=False, maximize=False)
        np.testing.assert_allclose(fwAD.unpack_dual(p).primal.numpy(), [0.5, 0.0, -0.5])
        np.testing.assert_allclose(fwAD.unpack_dual(p).tangent.numpy(), [0.0, -1.0, -3.0])


# ----- the backward pass's own fast paths
@pytest.mark.parametrize("make", [
    lambda lib: lib.randn(4, 3).t().detach(),        # transposed: grad keeps that layout
    lambda lib: lib.randn(4, 3)[:, :2].detach(),     # not dense: grad is contiguous
    lambda lib: lib.randn(3, 4).detach(),
])
def test_accumulated_grad_layout_follows_pytorch(make):
    strides = []
    for lib in (retrograd, torch):
        lib.manual_seed(0)
        w = make(lib).requires_grad_()
        (w * 2).sum().backward()
        g = w.grad
        strides.append((w.stride(), g.stride()))
        assert g.grad_fn is None and not g.requires_grad
        g.add_(1)  # the grad owns its memory: nothing else sees the write
    assert strides[0] == strides[1]


def test_first_grad_is_a_copy_not_an_alias():
    w = retrograd.ones(3, requires_grad=True)
    g = retrograd.tensor([1.0, 2.0, 3.0])
    w.backward(g)
    g.add_(10)
    assert w.grad.tolist() == [1.0, 2.0, 3.0]


def test_bias_gradient_sum_and_its_double_backward():
    x = retrograd.randn(5, 3, dtype=retrograd.float64)
    b = retrograd.randn(3, dtype=retrograd.float64, requires_grad=True)
    (g,) = retrograd.autograd.grad(((x + b) ** 2).sum(), b, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), (2 * (x + b)).sum(0).detach().numpy())
    (gg,) = retrograd.autograd.grad(g.sum(), b)
    np.testing.assert_allclose(gg.numpy(), np.full(3, 10.0))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_relu_and_its_gradient_keep_pytorch_bits(dtype):
    vals = [-0.0, 0.0, -1.0, 2.0, float("nan"), float("-inf"), float("inf"), -3e-8]
    grads = [float("nan"), float("inf"), -1.0, 2.0, 5.0, -0.0, 3.0, 4.0]
    out = []
    for lib in (retrograd, torch):
        dt = getattr(lib, dtype)
        x = lib.tensor(vals, dtype=dt, requires_grad=True)
        y = lib.relu(x)
        y.backward(lib.tensor(grads, dtype=dt))
        out.append((y.detach().numpy(), x.grad.numpy()))
    for a, b in zip(out[0], out[1]):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


# ----- SGD's update on the arrays themselves against its update through Tensor methods
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weight_decay", [0, 0.01])
@pytest.mark.parametrize("dampening,nesterov", [(0, False), (0.1, False), (0, True)])
@pytest.mark.parametrize("maximize", [False, True])
def test_sgd_array_update_equals_the_tensor_update(monkeypatch, dtype, weight_decay,
                                                   dampening, nesterov, maximize):
    from retrograd.optim import sgd
    gen = np.random.default_rng(3)
    p0, g0, b0 = (gen.standard_normal((5, 3)).astype(dtype) for _ in range(3))
    results = []
    for arrays in (True, False):
        if not arrays:
            monkeypatch.setattr(sgd, "_plain_arrays", lambda *tensors: False)
        p = retrograd.nn.Parameter(retrograd.tensor(p0.copy()))
        g, b = retrograd.tensor(g0.copy()), retrograd.tensor(b0.copy())
        with retrograd.no_grad():
            sgd._sgd_update(p, g, b, weight_decay=weight_decay, momentum=0.9, lr=0.05,
                            dampening=dampening, nesterov=nesterov, maximize=maximize)
        results.append((p.detach().numpy().copy(), b.numpy().copy(), p._version, b._version))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert results[0][2:] == results[1][2:]
    np.testing.assert_array_equal(g.numpy(), g0)  # the gradient is not written to


def test_sgd_steps_match_pytorch_in_float32():
    gen = np.random.default_rng(4)
    w0 = gen.standard_normal((4, 3)).astype(np.float32)
    x = gen.standard_normal((6, 3)).astype(np.float32)
    finals = []
    for lib in (retrograd, torch):
        w = lib.nn.Parameter(lib.tensor(w0.copy()))
        opt = lib.optim.SGD([w], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)
        for _ in range(5):
            opt.zero_grad()
            (lib.tensor(x) @ w.t()).tanh().pow(2).sum().backward()
            opt.step()
        finals.append(w.detach().numpy().copy())
    np.testing.assert_allclose(finals[0], finals[1], rtol=1e-5, atol=1e-6)  # float32


# ----- a product's gradients come out in the layout of the matrix they are for
def _product_case(lib, kind, a_column_major, b_column_major):
    gen = np.random.default_rng(5)
    a0, b0 = gen.standard_normal((4, 3)), gen.standard_normal((3, 5))
    a = lib.tensor(a0.T.copy()).t() if a_column_major else lib.tensor(a0)
    b = lib.tensor(b0.T.copy()).t() if b_column_major else lib.tensor(b0)
    a.requires_grad_()
    b.requires_grad_()
    c = lib.tensor(gen.standard_normal(5), requires_grad=True)
    y = {"mm": lambda: lib.mm(a, b), "matmul": lambda: a @ b,
         "addmm": lambda: lib.addmm(c, a, b, beta=0.5, alpha=2.0)}[kind]()
    ga, gb = lib.autograd.grad(y.sin().sum(), (a, b), create_graph=True)
    (gga,) = lib.autograd.grad(ga.sum() + gb.pow(2).sum(), (a,))
    return [(g.stride(), graph(g.grad_fn), np.round(g.detach().numpy(), 12).tolist())
            for g in (ga, gb)] + [np.round(gga.numpy(), 10).tolist()]


@pytest.mark.parametrize("kind", ["mm", "matmul", "addmm"])
@pytest.mark.parametrize("a_column_major", [False, True])
@pytest.mark.parametrize("b_column_major", [False, True])
def test_product_gradients_have_pytorch_layout_and_graphs(kind, a_column_major,
                                                          b_column_major):
    ours = _product_case(retrograd, kind, a_column_major, b_column_major)
    theirs = _product_case(torch, kind, a_column_major, b_column_major)
    assert ours == theirs


def test_linear_weight_grad_is_contiguous_as_pytorch():
    strides = []
    for lib in (retrograd, torch):
        lib.manual_seed(0)
        x = lib.randn(6, 3, requires_grad=True)
        w = lib.randn(4, 3, requires_grad=True)
        b = lib.randn(4, requires_grad=True)
        (gw,) = lib.autograd.grad(lib.nn.functional.linear(x, w, b).sum(), w,
                                  create_graph=True)
        lib.nn.functional.linear(x, w, b).sum().backward()
        strides.append((gw.stride(), w.grad.stride(), x.grad.stride(),
                        graph(gw.grad_fn)))
    assert strides[0] == strides[1]
