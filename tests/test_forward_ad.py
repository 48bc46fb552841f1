"""Forward-mode AD (autograd.forward_ad): dual levels, make_dual/unpack_dual and their
errors, views, in-place, forward-over-reverse; and, driven by the op table, the JVP of every
differentiable op sample against the reverse-mode Jacobian-vector product and PyTorch."""
import zlib

import numpy as np
import pytest

import retrograd as rt
import retrograd.autograd.forward_ad as fwAD

from conftest import REAL_TORCH, raises_exact


@pytest.fixture(autouse=True)
def no_transform_left_active():
    """Every dual level and vmap must be closed after a test (the dispatcher off again)."""
    yield
    from retrograd.ops import primitive
    assert primitive._hook is None, "a dual level or vmap was left active"
from opinfo import OPS, make_arrays, to_module

CASES = [pytest.param(o, i, s, id=f"{o.name}-{i}") for o in OPS if o.differentiable
         for i, s in enumerate(o.samples)]


def _seed(*parts):
    return zlib.crc32("-".join(map(str, parts)).encode())


def _flat_outputs(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if o.is_floating_point()]


def _forward_tangents(m, op, args, tangents):
    fw = m.autograd.forward_ad
    with fw.dual_level():
        duals = [fw.make_dual(a, t) if t is not None else a for a, t in zip(args, tangents)]
        outs = _flat_outputs(op.op(m, *duals))
        res = []
        for o in outs:
            p, t = fw.unpack_dual(o)
            res.append((p.detach().numpy().copy(),
                        None if t is None else t.detach().numpy().copy()))
    return res


# Where PyTorch's forward AD disagrees with its own reverse mode (checked by hand: torch's
# J v by jacobian != its jvp), ours follows reverse mode and is not compared with it.
# (triangular_solve: PyTorch's tangent uses all of dA, though the solve reads one triangle)
TORCH_FORWARD_AD_DIFFERS = {"cholesky_inverse", "triangular_solve"}


@pytest.mark.parametrize("op,i,sample", CASES)
def test_jvp_matches_reverse_mode_and_torch(op, i, sample):
    """Forward-mode J v of every differentiable op sample equals J v computed in reverse
    mode (the double-backward trick: J v = d/du <J^T u, v>), and PyTorch's forward AD."""
    arrays = make_arrays(sample, op.domain, "float64", _seed(op.name, i))
    rng = np.random.default_rng(_seed("tangent", op.name, i))
    args = to_module(rt, sample, arrays)
    vs = [rng.standard_normal(a.shape) if isinstance(a, rt.Tensor) and a.is_floating_point()
          else None for a in args]
    tangents = [None if v is None else rt.tensor(v) for v in vs]
    try:
        fwd = _forward_tangents(rt, op, [a.detach() if isinstance(a, rt.Tensor) else a
                                         for a in args], tangents)
    except (NotImplementedError, RuntimeError) as e:
        if "implemented" not in str(e) and "not supported" not in str(e):
            raise
        pytest.xfail(f"{op.name}: forward mode refused with a clear error: {e}")
    # reverse mode
    outs = _flat_outputs(op.op(rt, *args))
    diff_in = [a for a, v in zip(args, vs) if v is not None]
    assert len(fwd) == len(outs)
    for (primal, jv), out in zip(fwd, outs):
        np.testing.assert_allclose(primal, out.detach().numpy(), rtol=1e-12, atol=1e-12)
        if not out.requires_grad or not diff_in:
            assert jv is None or not np.any(jv)
            continue
        u = rt.zeros(out.shape, dtype=out.dtype, requires_grad=True)
        gs = rt.autograd.grad(out, diff_in, u, create_graph=True, allow_unused=True)
        inner = sum(((g * rt.tensor(v)).sum() for g, v in zip(gs, [v for v in vs if v is not None])
                     if g is not None), rt.zeros(()))
        expected = np.zeros(out.shape)
        if inner.requires_grad:
            (jv_rev,) = rt.autograd.grad(inner, u, allow_unused=True)
            if jv_rev is not None:
                expected = jv_rev.numpy()
        got = np.zeros(out.shape) if jv is None else jv
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-10, err_msg=op.name)
    if REAL_TORCH is not None:
        targs = to_module(REAL_TORCH, sample, arrays, requires_grad=False)
        ttan = [None if v is None else REAL_TORCH.tensor(v) for v in vs]
        try:
            tfwd = _forward_tangents(REAL_TORCH, op, targs, ttan)
        except (NotImplementedError, RuntimeError) as e:  # no forward AD for it in torch
            pytest.skip(f"torch: {e}")
        if op.name in TORCH_FORWARD_AD_DIFFERS:
            return
        for (p, jv), (tp, tjv) in zip(fwd, tfwd):
            # (PyTorch gives scatter_reduce(reduce='prod') no tangent at all: a gap in its
            # forward AD; ours was checked against reverse mode above)
            if tjv is not None:
                np.testing.assert_allclose(jv, tjv, rtol=1e-9, atol=1e-10)


def test_levels_and_errors(m):
    fw = m.autograd.forward_ad
    x = m.tensor([1.0, 2.0, 3.0], dtype=m.float64)
    with raises_exact(RuntimeError, "Trying to create a dual Tensor for forward AD but no "
                      "level exists, make sure to enter_dual_level() first."):
        fw.make_dual(x, m.ones(3, dtype=m.float64))
    with fw.dual_level() as lvl:
        assert lvl == 0
        with raises_exact(RuntimeError, "Nested forward mode AD is not supported at the moment"):
            with fw.dual_level():
                pass
        with raises_exact(RuntimeError, "Trying to set a forward gradient that has a different "
                          "size than that of the original Tensor, this is not supported. Tensor "
                          "is of size [3] while the given forward gradient is of size [2]."):
            fw.make_dual(x, m.ones(2, dtype=m.float64))
        with raises_exact(ValueError, "Expected primal to be floating point or complex, but "
                          "got: torch.int64"):
            fw.make_dual(m.arange(3), m.ones(3))
        with raises_exact(ValueError, "Expected tangent to be floating point or complex, but "
                          "got: torch.int64"):
            fw.make_dual(x, m.arange(3))
    with raises_exact(RuntimeError, "Dual level must be a positive number."):
        fw.exit_dual_level()
    with fw.dual_level() as lvl:
        assert lvl == 0  # numbering starts over


def test_unpack_dual_and_lifetime(m):
    fw = m.autograd.forward_ad
    x = m.tensor([0.5, -1.0, 2.0], dtype=m.float64)
    t = m.tensor([1.0, 2.0, 3.0], dtype=m.float64)
    assert fw.unpack_dual(x) == (x, None)
    with fw.dual_level():
        d = fw.make_dual(x, t)
        u = fw.unpack_dual(d)
        assert type(u).__name__ == "UnpackedDualTensor"
        assert u.tangent is t and u[1] is t and u.primal is not x
        assert fw.unpack_dual(u.primal).tangent is None
        assert u.primal.tolist() == x.tolist()
        assert d._base is x
        assert fw.unpack_dual(d.detach()).tangent is None
        y = (d * d).exp().sum()
        ty = fw.unpack_dual(y).tangent
        assert abs(ty.item() - (2 * x * (x * x).exp() * t).sum().item()) < 1e-12
        assert fw.unpack_dual(x).tangent is None
    assert fw.unpack_dual(d).tangent is None  # tangents die with their level
    assert fw.unpack_dual(y).tangent is None


def test_views_of_duals_have_view_tangents(m):
    fw = m.autograd.forward_ad
    x = m.arange(12.0, dtype=m.float64).reshape(3, 4)
    t = m.ones(3, 4, dtype=m.float64)
    with fw.dual_level():
        d = fw.make_dual(x, t)
        for v in (d[1:], d.t(), d.view(12), d[:, 2], d.unsqueeze(0)):
            tv = fw.unpack_dual(v).tangent
            assert tv._base is t
            assert tv.shape == v.shape


def test_grad_tracking_and_inplace(m):
    fw = m.autograd.forward_ad
    w = m.tensor([1.0, 2.0, 3.0], dtype=m.float64, requires_grad=True)
    t = m.ones(3, dtype=m.float64)
    with fw.dual_level():
        dw = fw.make_dual(w, t)
        assert type(dw.grad_fn).__name__ == "ViewBackward0"
        z = dw.clone()
        z.mul_(2)
        assert fw.unpack_dual(z).tangent.tolist() == [2.0, 2.0, 2.0]
        q = m.zeros(3, dtype=m.float64)
        q.add_(fw.make_dual(w.detach(), t))
        assert fw.unpack_dual(q).tangent.tolist() == [1.0, 1.0, 1.0]
        # the tangent is differentiable w.r.t. the primal (reverse over forward)
        tan = fw.unpack_dual((dw ** 3).sum()).tangent
        (g,) = m.autograd.grad(tan, w)
        assert g.tolist() == [6.0, 12.0, 18.0]


def test_forward_over_reverse_hvp(m):
    """H v from a backward run inside a dual level: the graph's VJP formulas run on dual
    tensors, so the gradient's tangent is the Hessian-vector product."""
    fw = m.autograd.forward_ad
    x = m.tensor([0.3, -0.7, 1.1], dtype=m.float64, requires_grad=True)
    v = m.tensor([1.0, 0.5, -2.0], dtype=m.float64)

    def f(x):
        return (x.sin() * x.exp()).sum() + (x[0] * x[1] * x[2]) ** 2

    with fw.dual_level():
        xd = fw.make_dual(x, v)
        (g,) = m.autograd.grad(f(xd), xd)
        hvp = fw.unpack_dual(g).tangent
    # reverse over reverse
    (g2,) = m.autograd.grad(f(x), x, create_graph=True)
    (hvp2,) = m.autograd.grad((g2 * v).sum(), x)
    np.testing.assert_allclose(hvp.detach().numpy(), hvp2.numpy(), rtol=1e-12)


def test_multiple_duals_broadcast_and_mixed_dtypes(m):
    fw = m.autograd.forward_ad
    a = m.tensor([[1.0], [2.0]], dtype=m.float64)
    b = m.tensor([0.5, 0.25, 2.0], dtype=m.float32)
    with fw.dual_level():
        da = fw.make_dual(a, m.ones(2, 1, dtype=m.float64))
        db = fw.make_dual(b, m.full((3,), 2.0))
        y = da * db + da / db
        t = fw.unpack_dual(y).tangent
        assert y.dtype == m.float64 and t.shape == (2, 3)
        np.testing.assert_allclose(
            t.numpy(), (1 * b.double() + a * 2 + 1 / b.double() - a * 2 / b.double() ** 2).numpy(),
            rtol=1e-6)
        i = m.tensor([1, 2])
        assert fw.unpack_dual(i * 2).tangent is None
        assert fw.unpack_dual(da > 1).tangent is None


def test_level_misuse_errors(m):
    fw = m.autograd.forward_ad
    assert fw.enter_dual_level() == 0
    with raises_exact(RuntimeError, "Trying to exit a forward AD level that was not the last "
                      "one that was created. This is not supported."):
        fw.exit_dual_level(level=3)
    fw.exit_dual_level()
    x = m.tensor([1.0, 2.0])
    with fw.dual_level():
        with raises_exact(RuntimeError, "Invalid level given to _make_dual"):
            fw.make_dual(x, m.ones(2), level=2)
        assert fw.unpack_dual(x, level=2).tangent is None
        d = fw.make_dual(x, m.ones(2))
        with raises_exact(RuntimeError, "Making a dual Tensor based on a Tensor that already "
                          "has a forward gradient at the same level 0 is not supported."):
            fw.make_dual(d, m.ones(2))


def test_multi_output_primitive_tangents():
    from retrograd.ops.primitive import primitive
    sincos = primitive(
        "test_sincos_fw", "SinCosBackward0", nout=2,
        forward=lambda xp, a: (xp.sin(a), xp.cos(a)),
        vjp=(lambda grads, a, outs: grads[0] * outs[1] - grads[1] * outs[0],),
        jvp=lambda t, a, outs: (t * outs[1], -t * outs[0]), register=False)
    x = rt.tensor([0.3, -1.0], dtype=rt.float64)
    with fwAD.dual_level():
        s, c = sincos(fwAD.make_dual(x, rt.tensor([1.0, 2.0], dtype=rt.float64)))
        np.testing.assert_allclose(fwAD.unpack_dual(s).tangent.numpy(), np.cos(x.numpy()) * [1, 2])
        np.testing.assert_allclose(fwAD.unpack_dual(c).tangent.numpy(), -np.sin(x.numpy()) * [1, 2])


def test_dispatch_off_outside_levels():
    """No dual level and no vmap: primitives run without the dispatcher (one global read)."""
    from retrograd.ops import primitive as pm
    assert pm._hook is None
    with fwAD.dual_level():
        assert pm._hook is not None
    assert pm._hook is None


_UNARY = [lambda x: x.sin(), lambda x: x.exp() * 0.1, lambda x: x.tanh(), lambda x: x.sigmoid(),
          lambda x: (x * x + 1).sqrt(), lambda x: (x * x + 1).log(), lambda x: x.t(),
          lambda x: x.sum(0, keepdim=True) * x, lambda x: x @ x.t(), lambda x: x.abs() + x,
          lambda x: x.transpose(0, 1) * x[1:2],
          lambda x: x.mean(-1, keepdim=True) - x, lambda x: x.relu() ** 2, lambda x: 1 / (x * x + 1)]


@pytest.mark.parametrize("seed", range(12))
def test_random_compositions_forward_equals_reverse(seed):
    """Property: on random chains of ops, the Jacobian by forward mode (jacfwd) equals the one
    by reverse mode (jacrev), and PyTorch's."""
    rng = np.random.default_rng(seed)
    chain = [int(k) for k in rng.integers(0, len(_UNARY), size=4)]
    a = rng.standard_normal((3, 3))

    def f(x):
        for k in chain:
            x = _UNARY[k](x)
        return x
    x = rt.tensor(a)
    jf = rt.func.jacfwd(f)(x)
    jr = rt.func.jacrev(f)(x)
    np.testing.assert_allclose(jf.numpy(), jr.numpy(), rtol=1e-10, atol=1e-12)
    if REAL_TORCH is not None:
        jt = REAL_TORCH.func.jacrev(f)(REAL_TORCH.tensor(a))
        np.testing.assert_allclose(jf.numpy(), jt.numpy(), rtol=1e-10, atol=1e-12)


def test_apply_jvp_for_non_primitive_ops():
    """The hook autograd.Function's jvp uses: tangents attached at every level in use,
    nested func.jvp levels included."""
    def my_square(x):  # an op outside the primitive layer, with its own JVP rule
        with rt.no_grad():
            out = rt.tensor(x.detach().numpy() ** 2)
        fwAD.apply_jvp((x,), out, lambda t: 2 * x * t)
        return out

    x = rt.tensor([1.0, -2.0, 3.0], dtype=rt.float64)
    _, t = rt.func.jvp(my_square, (x,), (rt.ones_like(x),))
    assert t.tolist() == [2.0, -4.0, 6.0]
    _, tt = rt.func.jvp(lambda a: rt.func.jvp(my_square, (a,), (rt.ones_like(a),))[1], (x,),
                        (rt.ones_like(x),))
    assert tt.tolist() == [2.0, 2.0, 2.0]
    assert fwAD.tangent_levels((x,)) == []


def test_forward_over_reverse_graphs_are_freed():
    """The tangents a node keeps for its saved outputs form an ordinary cycle at worst:
    the garbage collector frees the graph."""
    import gc
    import weakref
    x = rt.tensor([0.1, 0.2, 0.3], dtype=rt.float64, requires_grad=True)
    refs = []
    with fwAD.dual_level():
        for _ in range(3):
            y = fwAD.make_dual(x, rt.ones(3, dtype=rt.float64)).exp()
            refs.append(weakref.ref(y.grad_fn))
            del y
    gc.collect()
    assert all(r() is None for r in refs)
