"""retrograd.func (torch.func) against PyTorch: grad, grad_and_value, vjp, jvp, jacrev,
jacfwd, hessian, functional_call, vmap (in_dims/out_dims, nesting, chunks, errors), the
compositions (per-sample gradients, vmap of jacrev, hessian), and, driven by the op table,
vmap of every op (and vmap of grad of every differentiable op) against a per-example loop."""
import zlib

import numpy as np
import pytest

import retrograd as rt
from retrograd.func._batching import BatchedTensor

from conftest import REAL_TORCH, raises_exact


@pytest.fixture(autouse=True)
def no_transform_left_active():
    """Every dual level and vmap must be closed after a test (the dispatcher off again)."""
    yield
    from retrograd.ops import primitive
    assert primitive._hook is None, "a dual level or vmap was left active"
from opinfo import OPS, T, make_arrays, to_module

torch = REAL_TORCH
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")


def _flat(x):
    if isinstance(x, (tuple, list)):
        return [y for e in x for y in _flat(e)]
    if isinstance(x, dict):
        return [y for k in sorted(x) for y in _flat(x[k])]
    return [x]


def _same(r, t, rtol=1e-10, atol=1e-12):
    fr, ft = _flat(r), _flat(t)
    assert len(fr) == len(ft)
    for a, b in zip(fr, ft):
        if not hasattr(b, "shape"):
            assert a == b
            continue
        assert tuple(a.shape) == tuple(b.shape)
        assert str(a.dtype) == str(b.dtype)
        assert a.requires_grad == b.requires_grad
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


def both(fn, *arrays):
    """fn(m, *tensors) under retrograd and (when installed) PyTorch: the same results."""
    r = fn(rt, *[rt.tensor(a) for a in arrays])
    if torch is not None:
        _same(r, fn(torch, *[torch.tensor(a) for a in arrays]))
    return r


RNG = np.random.default_rng(7)
X = RNG.standard_normal((4, 3))
W = RNG.standard_normal(3)
Y = RNG.standard_normal(4)
M = RNG.standard_normal((3, 3))


def _loss(w, x, y):
    return ((x @ w).tanh() - y) ** 2


# ----- grad and friends

def test_grad_argnums_has_aux():
    f = lambda w, x: ((w * x).sin().sum(), x.exp())  # noqa: E731
    both(lambda m, w, x: m.func.grad(lambda a: (a.sin() * a).sum())(w), W, X[0])
    both(lambda m, w, x: m.func.grad(f, argnums=(0, 1), has_aux=True)(w, x), W, X[0])
    both(lambda m, w, x: m.func.grad_and_value(f, argnums=1, has_aux=True)(w, x), W, X[0])
    both(lambda m, w, x: m.func.grad(lambda d: (d["a"] * d["b"][0]).sum())(
        {"a": w, "b": (x,)}), W, X[0])


def test_grad_of_grad_and_outer_tracking():
    both(lambda m, w: m.func.grad(lambda a: m.func.grad(lambda b: (b ** 3).sum())(a).sum())(w), W)
    # an input that requires grad outside: the result is differentiable
    for m in [rt] + ([torch] if torch else []):
        w = m.tensor(W, requires_grad=True)
        g = m.func.grad(lambda a: (a ** 3).sum())(w)
        assert g.requires_grad
        (gg,) = m.autograd.grad(g.sum(), w)
        np.testing.assert_allclose(gg.numpy(), 6 * W)
        assert not m.func.grad(lambda a: (a ** 3).sum())(w.detach()).requires_grad


def test_vjp_jvp():
    f = lambda a, b: (a.exp() * b, (a * b).sum())  # noqa: E731
    both(lambda m, a, b: (lambda o, fn: (o, fn((m.ones(3, dtype=m.float64), m.tensor(2.0, dtype=m.float64)))))(
        *m.func.vjp(f, a, b)), W, X[0])
    both(lambda m, a, b: m.func.jvp(f, (a, b), (m.ones_like(a), b)), W, X[0])
    both(lambda m, a: m.func.jvp(lambda x: m.func.jvp(lambda y: (y.sin() * y), (x,), (x,))[1],
                                 (a,), (m.ones_like(a),)), W)


def test_jacobians_and_hessian():
    f = lambda x, w: (x @ w).sin() * w.sum()  # noqa: E731
    both(lambda m, x, w: m.func.jacrev(f, argnums=(0, 1))(x, w), X, W)
    both(lambda m, x, w: m.func.jacfwd(f, argnums=(0, 1))(x, w), X, W)
    both(lambda m, x, w: m.func.jacrev(f)(x, w), X, W)
    both(lambda m, x, w: m.func.jacfwd(lambda a: (a.exp(), a.sum()), has_aux=False)(w), X, W)
    both(lambda m, w: m.func.hessian(lambda a: (a.exp() * a).sum() + a[0] * a[1] * a[2])(w), W)
    both(lambda m, x, w: m.func.hessian(lambda a, b: ((a @ b) ** 2).sum(), argnums=1)(x, w), X, W)
    both(lambda m, w: m.func.jacrev(m.func.jacrev(lambda a: a.sin() * a.sum()))(w), W)
    both(lambda m, w: m.func.jacfwd(m.func.jacfwd(lambda a: a.sin() * a.sum()))(w), W)


def test_functional_call_swaps_by_dotted_name():
    class Lin:
        def __init__(self, m):
            self.weight = m.tensor(M)
            self.inner = type("Inner", (), {})()
            self.inner.bias = m.tensor(W)

        def named_parameters(self):
            return [("weight", self.weight), ("inner.bias", self.inner.bias)]

        def named_buffers(self):
            return []

        def __call__(self, x):
            return x @ self.weight + self.inner.bias

    def run(m, x):
        mod = Lin(m)
        w2 = m.ones(3, 3, dtype=m.float64)
        out = m.func.functional_call(mod, {"weight": w2, "inner.bias": mod.inner.bias * 0}, (x,))
        assert mod.weight.tolist() == M.tolist()  # restored
        grads = m.func.grad(lambda p, x: m.func.functional_call(mod, p, x).sum())(
            {"weight": w2, "inner.bias": mod.inner.bias}, x)
        return out, grads

    r = run(rt, rt.tensor(X))
    np.testing.assert_allclose(r[0].numpy(), X @ np.ones((3, 3)))
    np.testing.assert_allclose(r[1]["weight"].numpy(), np.tile(X.sum(0)[:, None], (1, 3)))
    with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
        rt.func.functional_call(Lin(rt), ({"weight": rt.ones(3, 3)}, {"weight": rt.ones(3, 3)}),
                                (rt.tensor(X),))


# ----- vmap

def test_per_sample_gradients():
    """vmap(grad(loss), in_dims=(None, 0, 0)): per-example gradients as whole-array work."""
    r = both(lambda m, w, x, y: m.func.vmap(m.func.grad(_loss), in_dims=(None, 0, 0))(w, x, y),
             W, X, Y)
    manual = [rt.func.grad(_loss)(rt.tensor(W), rt.tensor(X[i]), rt.tensor(Y[i])) for i in range(4)]
    np.testing.assert_allclose(r.numpy(), np.stack([g.numpy() for g in manual]))
    both(lambda m, w, x, y: m.func.vmap(m.func.grad_and_value(_loss, argnums=(0, 1)),
                                        in_dims=(None, 0, 0))(w, x, y), W, X, Y)
    from retrograd.func import _batching
    before = dict(_batching.fallback_hits)
    rt.func.vmap(rt.func.grad(_loss), in_dims=(None, 0, 0))(rt.tensor(W), rt.tensor(X),
                                                            rt.tensor(Y))
    assert _batching.fallback_hits == before  # no per-example loop anywhere


def test_vmap_compositions():
    both(lambda m, x: m.func.vmap(m.func.jacrev(lambda r: r.sin() * r.sum()))(x), X)
    both(lambda m, x: m.func.vmap(m.func.jacfwd(lambda r: r.sin() * r.sum()))(x), X)
    both(lambda m, x: m.func.vmap(m.func.hessian(lambda r: (r.exp() * r).sum()))(x), X)
    both(lambda m, x, w: m.func.grad(lambda a: m.func.vmap(lambda r: (r @ a).tanh())(x).sum())(w),
         X, W)
    both(lambda m, x: m.func.vmap(lambda r: m.func.jvp(lambda a: a.exp(), (r,), (r,)))(x), X)
    both(lambda m, x, w: m.func.vmap(m.func.vmap(m.func.grad(lambda a, b: (a * b).sin().sum()),
                                                 in_dims=(None, 0)), in_dims=(0, None))(x, w), X, W)


def test_vmap_in_dims_out_dims_nesting():
    both(lambda m, x, w: m.func.vmap(lambda r, v: r @ v, in_dims=(1, None))(x, w[:1].expand(4)), X, W)
    both(lambda m, x: m.func.vmap(lambda r: r * 2, out_dims=1)(x), X)
    both(lambda m, x: m.func.vmap(lambda r: (r, r.sum()), out_dims=(1, 0))(x), X)
    both(lambda m, x: m.func.vmap(lambda ab: ab[0] * ab[1].sum(), in_dims=((0, 1),))((x, x.t())), X)
    both(lambda m, x: m.func.vmap(m.func.vmap(lambda a: a * a.sum()))(x), X)
    both(lambda m, x, w: m.func.vmap(m.func.vmap(lambda a, b: a * b, in_dims=(0, None)),
                                     in_dims=(None, 0))(x[0], w), X, W)
    both(lambda m, x, y: m.func.vmap(lambda d: d["a"].sum() * d["b"])({"a": x, "b": y}), X, Y)
    both(lambda m, x: m.func.vmap(lambda r: m.ones(2, dtype=m.float64))(x), X)  # unbatched out
    both(lambda m, x: m.func.vmap(lambda r: r.sum(), chunk_size=3)(x), X)
    both(lambda m, x: m.func.vmap(lambda r: r.sum(0), in_dims=1, chunk_size=2)(x), X)
    both(lambda m, x: m.func.vmap(lambda r: r.sum())(x[:0]), X)
    # shapes, views and reductions inside
    both(lambda m, x: m.func.vmap(lambda r: (r.view(3, 1) @ r.view(1, 3)).t()[1:].reshape(-1))(x), X)
    both(lambda m, x: m.func.vmap(lambda r: r.unsqueeze(0).expand(2, 3).mean(0, keepdim=True))(x), X)
    both(lambda m, x, mm: m.func.vmap(lambda r: (mm @ r, r @ mm, m.matmul(r, r), r[None] @ mm,
                                                 mm.mv(r)))(x), X, M)


def test_vmap_dims_and_views_more():
    X3 = RNG.standard_normal((4, 3, 2))
    both(lambda m, x: m.func.vmap(lambda r: r.sum(-1), in_dims=-1, out_dims=-1)(x), X3)
    both(lambda m, x: m.func.vmap(lambda r: (r.t(), 3), out_dims=(-2, None))(x), X3)
    both(lambda m, x: m.func.vmap(m.func.vmap(lambda r: r * r.sum(), in_dims=1, out_dims=1),
                                  in_dims=2, out_dims=0)(x), X3)
    both(lambda m, x: m.func.vmap(lambda r: r.permute(1, 0).reshape(-1)[1:5:2], in_dims=1)(x), X3)
    both(lambda m, x: m.func.vmap(lambda r: r.squeeze().unsqueeze(-1).expand(3, 2, 5).sum((0, 2)))(
        x[:, :, :1].expand(4, 3, 2)), X3)
    both(lambda m, x: m.func.vmap(lambda r: r[..., None, 0] @ r[None, 1])(x), X3)
    both(lambda m, x: m.func.vmap(lambda r: m.bmm(r.unsqueeze(0), r.t().unsqueeze(0)))(x), X3)
    both(lambda m, x: m.func.vmap(lambda r, s: m.where(r > 0, r, s), in_dims=(0, None))(x, x[0]),
         X3)
    both(lambda m, x: m.func.vmap(lambda r: r.mean() - r.mean(0, keepdim=True), in_dims=2)(x), X3)
    both(lambda m, x: m.func.vmap(lambda r: (r > 0.1).to(m.float64) * r.clone(), in_dims=2)(x),
         X3)


def test_batched_tensor_inside_vmap():
    seen = {}

    def f(r):
        seen["shape"], seen["dim"], seen["type"] = tuple(r.shape), r.dim(), type(r)
        return r

    rt.func.vmap(f)(rt.tensor(X))
    assert seen == {"shape": (3,), "dim": 1, "type": BatchedTensor}
    assert isinstance(rt.func.vmap(lambda r: r)(rt.tensor(X)), rt.Tensor)
    with raises_exact(RuntimeError, "vmap: It looks like you're calling .item() on a Tensor."):
        rt.func.vmap(lambda r: r.sum().item())(rt.tensor(X))


def add(a, b):  # (retrograd.add's __name__ is add_fn: vmap's messages name the function)
    return a + b


@needs_torch
@pytest.mark.parametrize("call", [
    lambda m, f, x: f.vmap(add, in_dims=(0, 0))(x, x.t()),
    lambda m, f, x: f.vmap(add, in_dims=(0,))(x, x),
    lambda m, f, x: f.vmap(add, in_dims=[0, 0])(x, x),
    lambda m, f, x: f.vmap(add, in_dims=(0, 5))(x, x),
    lambda m, f, x: f.vmap(add, in_dims=(0, -3))(x, x),
    lambda m, f, x: f.vmap(add, in_dims=(None, None))(x, x),
    lambda m, f, x: f.vmap(add, in_dims=(0, "a"))(x, x),
    lambda m, f, x: f.vmap(add, in_dims=1.5)(x, x),
    lambda m, f, x: f.vmap(lambda a: 3)(x),
    lambda m, f, x: f.vmap(lambda a: a, out_dims=None)(x),
    lambda m, f, x: f.vmap(lambda a: a)(),
    lambda m, f, x: f.vmap(lambda a, b: a + b, in_dims=(0, 0))(x, 2.0),
    lambda m, f, x: f.vmap(lambda a: a, randomness="foo")(x),
    lambda m, f, x: f.vmap(lambda a: a, chunk_size=0)(x),
    lambda m, f, x: f.grad(lambda a: a)(x),
    lambda m, f, x: f.grad(lambda a: 3)(x),
    lambda m, f, x: f.grad(lambda a: a.sum(), has_aux=True)(x),
    lambda m, f, x: f.grad(lambda a: a.sum(), argnums=2)(x),
    lambda m, f, x: f.grad(lambda a: a.sum(), argnums=1.0)(x),
    lambda m, f, x: f.grad(lambda a: a.sum(), argnums=())(x),
    lambda m, f, x: f.jvp(lambda a: a, x, x),
    lambda m, f, x: f.jvp(lambda a: a, (x,), (x[:2],)),
    lambda m, f, x: f.jvp(lambda a: 3, (x,), (x,)),
    lambda m, f, x: f.vjp(lambda a: 3, x),
    lambda m, f, x: f.vjp(lambda a: a, x)[1](x[:2]),
], ids=lambda c: "")
def test_errors_match_torch(call):
    def outcome(m):
        try:
            call(m, m.func, m.tensor(X))
        except Exception as e:  # noqa: BLE001  (the point is to compare them)
            return type(e), str(e).split("\n")[0]
        return None
    ours, theirs = outcome(rt), outcome(torch)
    assert theirs is not None
    assert ours is not None and ours[0] is theirs[0]
    if "structure" in theirs[1]:  # PyTorch prints its pytree TreeSpec; we print our own
        assert ours[1].split("structure")[0] == theirs[1].split("structure")[0]
    else:
        assert ours[1] == theirs[1]


def test_fallback_list_exposed():
    ops = rt.func._fallback_ops
    assert isinstance(ops, list)
    assert not {"add", "mul", "sum", "view", "mm", "bmm", "select", "exp"} & set(ops)


# ----- the op table: vmap of every op against a per-example loop

CASES = [pytest.param(o, i, s, id=f"{o.name}-{i}") for o in OPS for i, s in enumerate(o.samples)
         if any(isinstance(a, T) for a in s.args)]
B = 3


def _seed(*parts):
    return zlib.crc32("-".join(map(str, parts)).encode())


def _batched_arrays(op, sample, i):
    dtype = "float64" if "float64" in op.dtypes else op.dtypes[-1]
    per = [make_arrays(sample, op.domain, dtype, _seed(op.name, i, b)) for b in range(B)]
    return per


DATA_DEPENDENT = {"nonzero", "argwhere"}


@pytest.mark.filterwarnings("ignore:vmap")
@pytest.mark.parametrize("op,i,sample", CASES)
def test_vmap_matches_loop(op, i, sample):
    per = _batched_arrays(op, sample, i)
    is_t = [isinstance(a, T) for a in sample.args]
    stacked = [rt.tensor(np.stack([p[k] for p in per])) if t else per[0][k]
               for k, t in enumerate(is_t)]
    in_dims = tuple(0 if t else None for t in is_t)
    if op.name in DATA_DEPENDENT:
        # output shapes depend on values: a loop (as PyTorch's argwhere), refused when the
        # examples' shapes differ (PyTorch refuses nonzero outright)
        try:
            got = rt.func.vmap(lambda *a: op.op(rt, *a), in_dims=in_dims)(*stacked)
        except RuntimeError as e:
            assert str(e).startswith("vmap: ")
            return
        expected = [op.op(rt, *to_module(rt, sample, p, requires_grad=False)) for p in per]
        np.testing.assert_array_equal(got.numpy(), np.stack([e.numpy() for e in expected]))
        return
    expected = [op.op(rt, *to_module(rt, sample, p, requires_grad=False)) for p in per]
    # (an op whose Python wrapper reads tensor values makes vmap call the function once per
    # example, with a warning: the results must be the same)
    got = rt.func.vmap(lambda *a: op.op(rt, *a), in_dims=in_dims)(*stacked)
    for k, g in enumerate(_flat(got)):
        exp = np.stack([_flat(e)[k].numpy() for e in expected])
        assert g.shape == exp.shape and g.dtype == _flat(expected[0])[k].dtype
        np.testing.assert_allclose(g.numpy(), exp, rtol=1e-12, atol=1e-12)
    if not op.differentiable or not any(t and np.asarray(per[0][k]).dtype.kind == "f"
                                        for k, t in enumerate(is_t)):
        return
    # vmap of grad: the per-example gradients of a scalar function of the op's output
    first = next(k for k, t in enumerate(is_t) if t and per[0][k].dtype.kind == "f")

    def scalar(*a):
        return sum(((o * o).sum() for o in _flat(op.op(rt, *a)) if o.is_floating_point()),
                   rt.zeros((), dtype=rt.float64))
    g = rt.func.vmap(rt.func.grad(scalar, argnums=first), in_dims=in_dims)(*stacked)
    for b, p in enumerate(per):
        args = to_module(rt, sample, p, requires_grad=False)
        args[first] = args[first].requires_grad_()
        out = scalar(*args)
        ref = rt.autograd.grad(out, args[first], allow_unused=True)[0] if out.requires_grad \
            else None
        ref = np.zeros(args[first].shape) if ref is None else ref.numpy()
        np.testing.assert_allclose(g[b].numpy(), ref, rtol=1e-10, atol=1e-12)


# ----- the per-example fallback, for primitives without a batching rule

from retrograd.ops.primitive import primitive  # noqa: E402

# test-only primitives (not in the registry): a row-wise cumulative sum (no rule: its dim
# and shape params would need one) and a two-output one
_cumsum = primitive(
    "test_cumsum_last", "CumsumBackward0",
    forward=lambda xp, a: xp.cumsum(a, axis=-1),
    vjp=(lambda g, a, out: _cumsum(g.flip(-1) if hasattr(g, "flip") else
                                   rt.tensor(g.numpy()[..., ::-1].copy())),),
    jvp=lambda t, a, out: _cumsum(t), register=False)
_sincos = primitive(
    "test_sincos_fb", "SinCosBackward0", nout=2,
    forward=lambda xp, a: (xp.sin(a), xp.cos(a)),
    vjp=(lambda grads, a, outs: grads[0] * outs[1] - grads[1] * outs[0],),
    jvp=lambda t, a, outs: (t * outs[1], -t * outs[0]), register=False)


def test_fallback_loop_forward_and_forward_ad():
    from retrograd.func import _batching
    x = rt.tensor(X)
    before = _batching.fallback_hits.get("test_cumsum_last", 0)
    out = rt.func.vmap(lambda r: _cumsum(r * 2))(x)
    np.testing.assert_allclose(out.numpy(), np.cumsum(X * 2, axis=-1))
    assert _batching.fallback_hits["test_cumsum_last"] == before + 1
    # the loop's results carry tangents and gradients like any other op's
    primal, tangent = rt.func.jvp(rt.func.vmap(_cumsum), (x,), (rt.ones_like(x),))
    np.testing.assert_allclose(tangent.numpy(), np.cumsum(np.ones_like(X), axis=-1))
    s, c = rt.func.vmap(_sincos, in_dims=1, out_dims=(0, 1))(x)
    np.testing.assert_allclose(s.numpy(), np.sin(X).T)
    np.testing.assert_allclose(c.numpy(), np.cos(X))
    g = rt.func.vmap(rt.func.grad(lambda r: sum(o.sum() for o in _sincos(r * r))))(x)
    np.testing.assert_allclose(g.numpy(), 2 * X * (np.cos(X * X) - np.sin(X * X)))
    jac = rt.func.jacfwd(lambda r: _sincos(r)[0])(rt.tensor(W))
    np.testing.assert_allclose(jac.numpy(), np.diag(np.cos(W)))


def test_inplace_inside_vmap():
    both(lambda m, y: m.func.vmap(lambda r: r.add_(m.ones(2, dtype=m.float64)))(y.clone()), X[:, :2])
    both(lambda m, y: m.func.vmap(lambda r: r.zero_())(y.clone()), X)
    both(lambda m, y: m.func.vmap(lambda r, o: r.mul_(o))(y.clone(), y[:, 0].clone()), X)
    both(lambda m, y: m.func.vmap(m.func.grad(lambda r: r.clone().mul_(r).sum()))(y), X)

    def written(m, y):
        z = y.clone()
        m.func.vmap(lambda r: r.sub_(1))(z)
        return z
    both(written, X)
    if torch is not None:
        for m in (rt, torch):
            with pytest.raises(RuntimeError, match=r"^output with shape \[3\] doesn't match the "
                               r"broadcast shape \[4, 3\]"):
                m.func.vmap(lambda r, o: r.add_(o), in_dims=(None, 0))(
                    m.zeros(3, dtype=m.float64), m.tensor(X))
            with raises_exact(RuntimeError, "backward() called inside a functorch transform."):
                m.func.vmap(lambda r: r.sum().backward())(m.tensor(X))


def test_randomness_flag():
    x = rt.tensor(X)
    with raises_exact(RuntimeError, "vmap: called random operation while in randomness error "
                      "mode."):
        rt.vmap(lambda r: r + rt.randn(3))(x)
    out = rt.vmap(lambda r: r * 0 + rt.rand(3), randomness="same")(x)
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(out.numpy()[0], (4, 3)))
    with pytest.raises(NotImplementedError, match="randomness='different'"):
        rt.vmap(lambda r: r + rt.randn(3), randomness="different")(x)
    assert rt.randn(2).shape == (2,)  # outside vmap: no check
    if torch is not None:
        with raises_exact(RuntimeError, "vmap: called random operation while in randomness "
                          "error mode."):
            torch.vmap(lambda r: r + torch.randn(3))(torch.tensor(X))


def test_data_dependent_reads_fall_back_to_a_loop():
    """A Python-level read of a batched tensor's values (what a wrapper computing indices
    does) never sees one example only: vmap calls the function once per example instead,
    with a warning; outputs whose shapes differ per example are refused."""
    x = rt.tensor(X)
    with pytest.warns(UserWarning, match="calling the function once per example"):
        out = rt.vmap(lambda r: rt.tensor(r._data * 2) + r)(x)
    np.testing.assert_allclose(out.numpy(), 3 * X)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="different shapes"):
        rt.vmap(lambda r: rt.tensor(np.nonzero(r._data > 0)[0]))(x)
    y = x.clone()
    with pytest.raises(RuntimeError, match="read the values"):  # wrote first: no second run
        rt.vmap(lambda r: r.add_(1) + rt.tensor(r._data))(y)


def _square_functions(m):
    class Sq(m.autograd.Function):
        @staticmethod
        def forward(x):
            return x ** 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class SqRule(Sq):
        generate_vmap_rule = True

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])
            ctx.x = inputs[0]

        @staticmethod
        def jvp(ctx, t):
            return 2 * ctx.x * t

    class SqOwnVmap(Sq):
        @staticmethod
        def vmap(info, in_dims, x):
            return x ** 2, in_dims[0]

    return Sq, SqRule, SqOwnVmap


def test_autograd_function_under_vmap_and_forward_mode():
    both(lambda m, x: m.vmap(_square_functions(m)[1].apply)(x), X)
    both(lambda m, x: m.vmap(_square_functions(m)[2].apply, in_dims=1)(x), X)
    both(lambda m, x: m.vmap(m.func.grad(lambda r: _square_functions(m)[1].apply(r).sum()))(x), X)
    both(lambda m, w: m.func.jvp(_square_functions(m)[1].apply, (w,), (m.ones_like(w),)), W)
    both(lambda m, w: m.func.hessian(lambda r: _square_functions(m)[1].apply(r).sum())(w), W)
    for m in [rt] + ([torch] if torch is not None else []):
        Sq = _square_functions(m)[0]
        with raises_exact(RuntimeError, "You tried to vmap over Sq, but it does not have vmap "
                          "support. Please override and implement the vmap staticmethod or set "
                          "generate_vmap_rule=True."):
            m.vmap(Sq.apply)(m.tensor(X))
        with raises_exact(NotImplementedError, "You must implement the jvp function for custom "
                          "autograd.Function to use it with forward mode AD."):
            m.func.jvp(Sq.apply, (m.tensor(W),), (m.tensor(W),))


def test_per_example_helper_for_value_reading_functions():
    """func._batching.per_example: what a function that reads an index tensor's values can
    call when given a batched one (here by hand: x[y] with y batched)."""
    from retrograd.func._batching import per_example, has_batched
    x = rt.tensor(X)
    y = rt.tensor([0, 2, 1, 1])

    def pick(r, k):
        assert has_batched((r, k))
        return per_example(lambda a, i: a[i], r, k)
    got = rt.vmap(pick)(x, y)
    np.testing.assert_allclose(got.numpy(), X[np.arange(4), [0, 2, 1, 1]])
    g = rt.vmap(rt.func.grad(lambda r, k: per_example(lambda a, i: a[i], r, k) * 3))(x, y)
    expected = np.zeros_like(X)
    expected[np.arange(4), [0, 2, 1, 1]] = 3
    np.testing.assert_allclose(g.numpy(), expected)


@pytest.mark.filterwarnings("ignore:There is a performance drop")  # (PyTorch's own)
def test_batched_index_tensors():
    """Per-sample losses that index with per-example targets: x[y], gather, take_along_dim,
    index_select, take with a batched index run once per example, differentiably."""
    def nll(m):
        return lambda logits, y: -(logits - logits.exp().sum().log())[y]
    Y = np.array([0, 2, 1, 1])
    for fn in (nll,
               lambda m: lambda r, y: r.gather(0, y.unsqueeze(0)).sum() * 2,
               lambda m: lambda r, y: m.take_along_dim(r, y.unsqueeze(0), 0).sum(),
               lambda m: lambda r, y: m.index_select(r, 0, y.unsqueeze(0)).sum(),
               lambda m: lambda r, y: m.take(r, y).sum()):
        r = rt.vmap(rt.func.grad(fn(rt)))(rt.tensor(X), rt.tensor(Y))
        loop = [rt.func.grad(fn(rt))(rt.tensor(X[i]), rt.tensor(Y[i])) for i in range(4)]
        np.testing.assert_allclose(r.numpy(), np.stack([g.numpy() for g in loop]), rtol=1e-12)
        v = rt.vmap(fn(rt))(rt.tensor(X), rt.tensor(Y))
        np.testing.assert_allclose(v.numpy(), [fn(rt)(rt.tensor(X[i]), rt.tensor(Y[i])).item()
                                               for i in range(4)], rtol=1e-12)
        if torch is not None:
            try:  # (PyTorch refuses one: x[y] with a batched y under grad reads .item())
                t = torch.vmap(torch.func.grad(fn(torch)))(torch.tensor(X), torch.tensor(Y))
            except RuntimeError:
                continue
            np.testing.assert_allclose(r.numpy(), t.numpy(), rtol=1e-12)


def test_like_functions_are_batched_inside_vmap():
    both(lambda m, x: m.vmap(lambda r: m.zeros_like(r).add_(r * 2))(x), X)
    both(lambda m, x: m.vmap(lambda r: m.full_like(r, 3.0).mul_(r))(x), X)
    both(lambda m, x: m.vmap(lambda r: (m.ones_like(r), m.empty_like(r).shape[0] * r))(x), X)


def test_batched_integer_index_is_whole_array():
    """x[y] and gather with per-example targets run without the per-example loop."""
    from retrograd.func import _batching
    before = dict(_batching.fallback_hits)
    x, y = rt.tensor(X), rt.tensor([0, 2, 1, 1])
    a = rt.vmap(lambda r, k: r[k])(x, y)
    b = rt.vmap(lambda r, k: r.gather(0, k.unsqueeze(0)))(x, y)
    c = rt.vmap(rt.func.grad(lambda r, k: r[k] * 2))(x, y)
    np.testing.assert_allclose(a.numpy(), X[np.arange(4), [0, 2, 1, 1]])
    np.testing.assert_allclose(b.numpy()[:, 0], X[np.arange(4), [0, 2, 1, 1]])
    expected = np.zeros_like(X)
    expected[np.arange(4), [0, 2, 1, 1]] = 2
    np.testing.assert_allclose(c.numpy(), expected)
    m2 = rt.vmap(lambda r, k: r[k], in_dims=(None, 0))(x, rt.tensor([[0, 1], [3, 3]]))
    np.testing.assert_allclose(m2.numpy(), X[[[0, 1], [3, 3]]])
    assert _batching.fallback_hits == before
