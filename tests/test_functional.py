"""autograd.functional against PyTorch: vjp, jvp, jacobian, hessian, hvp, vhp with tuple and
single inputs/outputs (the nesting of the results), create_graph, strict mode's errors,
vectorize, and the forward-mode strategies."""
import numpy as np
import pytest

import retrograd as rt

from conftest import REAL_TORCH


@pytest.fixture(autouse=True)
def no_transform_left_active():
    """Every dual level and vmap must be closed after a test (the dispatcher off again)."""
    yield
    from retrograd.ops import primitive
    assert primitive._hook is None, "a dual level or vmap was left active"

torch = REAL_TORCH
RNG = np.random.default_rng(3)
X = RNG.standard_normal((2, 3))
W = RNG.standard_normal(3)


def _flat(x):
    if isinstance(x, (tuple, list)):
        return [y for e in x for y in _flat(e)]
    return [x]


def _structure(x):
    if isinstance(x, (tuple, list)):
        return (type(x).__name__,) + tuple(_structure(e) for e in x)
    return tuple(x.shape)


def both(fn, *arrays):
    r = fn(rt, *[rt.tensor(a) for a in arrays])
    if torch is not None:
        t = fn(torch, *[torch.tensor(a) for a in arrays])
        assert _structure(r) == _structure(t)
        for a, b in zip(_flat(r), _flat(t)):
            assert a.requires_grad == b.requires_grad
            assert str(a.dtype) == str(b.dtype)
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10,
                                       atol=1e-12)
    return r


def F(m):
    return m.autograd.functional


def f_multi(a, b):
    return a.exp() @ b.sin(), a.sum() * b


def f_scalar(a, b):
    return ((a @ b).tanh() ** 2).sum() + (b ** 3).sum()


def f_single(a):
    return (a.sin() * a).sum(0)


def ones(m, *shape):
    return m.ones(*shape, dtype=m.float64)


@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_nesting(vectorize):
    both(lambda m, x, w: F(m).jacobian(f_multi, (x, w), vectorize=vectorize), X, W)
    both(lambda m, x: F(m).jacobian(f_single, x, vectorize=vectorize), X)
    both(lambda m, x: F(m).jacobian(f_single, (x,), vectorize=vectorize), X)
    both(lambda m, x: F(m).jacobian(lambda a: (f_single(a),), x, vectorize=vectorize), X)
    both(lambda m, x, w: F(m).jacobian(lambda a, b: a.sum() * 0 + b, (x, w),
                                       vectorize=vectorize), X, W)  # a unused by the grad
    both(lambda m, x, w: F(m).jacobian(f_multi, (x, w), create_graph=True,
                                       vectorize=vectorize), X, W)


def test_jacobian_forward_mode():
    both(lambda m, x, w: F(m).jacobian(f_multi, (x, w), vectorize=True,
                                       strategy="forward-mode"), X, W)
    both(lambda m, x: F(m).jacobian(f_single, x, vectorize=True, strategy="forward-mode"), X)


@pytest.mark.parametrize("vectorize", [False, True])
def test_hessian(vectorize):
    both(lambda m, x, w: F(m).hessian(f_scalar, (x, w), vectorize=vectorize), X, W)
    both(lambda m, w: F(m).hessian(lambda a: (a.exp() * a).sum(), w, vectorize=vectorize), W)
    both(lambda m, w: F(m).hessian(lambda a: (a ** 3).sum(), w, create_graph=True,
                                   vectorize=vectorize), W)
    if vectorize:
        both(lambda m, x, w: F(m).hessian(f_scalar, (x, w), vectorize=True,
                                          outer_jacobian_strategy="forward-mode"), X, W)


@pytest.mark.parametrize("create_graph", [False, True])
def test_products(create_graph):
    v_out = lambda m: (ones(m, 2), ones(m, 3))  # noqa: E731
    v_in = lambda m: (ones(m, 2, 3), ones(m, 3))  # noqa: E731
    both(lambda m, x, w: F(m).vjp(f_multi, (x, w), v_out(m), create_graph=create_graph), X, W)
    both(lambda m, x, w: F(m).jvp(f_multi, (x, w), v_in(m), create_graph=create_graph), X, W)
    both(lambda m, x, w: F(m).hvp(f_scalar, (x, w), v_in(m), create_graph=create_graph), X, W)
    both(lambda m, x, w: F(m).vhp(f_scalar, (x, w), v_in(m), create_graph=create_graph), X, W)
    both(lambda m, w: F(m).vjp(lambda a: (a ** 2).sum(), w, create_graph=create_graph), W)
    both(lambda m, w: F(m).hvp(lambda a: (a ** 3).sum(), w, ones(m, 3),
                               create_graph=create_graph), W)
    both(lambda m, x: F(m).jvp(f_single, x, ones(m, 2, 3), create_graph=create_graph), X)


def test_grad_mode_and_tracking_inputs():
    for m in [rt] + ([torch] if torch else []):
        x = m.tensor(W, requires_grad=True)
        out, g = F(m).vjp(lambda a: (a ** 3).sum(), x, create_graph=True)
        assert g.requires_grad
        (gg,) = m.autograd.grad(g.sum(), x)
        np.testing.assert_allclose(gg.numpy(), 6 * W)
        with m.no_grad():
            out, g = F(m).vjp(lambda a: (a ** 3).sum(), x)
        assert not g.requires_grad and not out.requires_grad


def _error(m, call):
    try:
        call(m)
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None


ERRORS = [
    lambda m: F(m).vjp(lambda a, b: a.sum(), (m.tensor(W), m.tensor(W)), strict=True),
    lambda m: F(m).vjp(lambda a: a, m.tensor(W)),
    lambda m: F(m).vjp(lambda a: a, m.tensor(W), ones(m, 2)),
    lambda m: F(m).vjp(lambda a: (a, a), m.tensor(W), (ones(m, 3),)),
    lambda m: F(m).vjp(lambda a: (a, a), m.tensor(W), (ones(m, 3), ones(m, 2))),
    lambda m: F(m).vjp(lambda a: a, 3.0),
    lambda m: F(m).vjp(lambda a: a, (m.tensor(W), 3.0)),
    lambda m: F(m).vjp(lambda a: 3, m.tensor(W)),
    lambda m: F(m).jvp(lambda a: a, m.tensor(W)),
    lambda m: F(m).jvp(lambda a: a.detach(), m.tensor(W), ones(m, 3), strict=True),
    lambda m: F(m).jacobian(lambda a, b: a * 2, (m.tensor(W), m.tensor(W)), strict=True),
    lambda m: F(m).jacobian(lambda a: a * 2, m.tensor(W), strict=True, vectorize=True),
    lambda m: F(m).jacobian(lambda a: a * 2, m.tensor(W), strategy="forward-mode"),
    lambda m: F(m).jacobian(lambda a: a * 2, m.tensor(W), strategy="forward-mode", strict=True),
    lambda m: F(m).jacobian(lambda a: a * 2, m.tensor(W), strategy="forward-mode",
                            create_graph=True),
    lambda m: F(m).jacobian(lambda a: a * 2, m.tensor(W), strategy="sideways"),
    lambda m: F(m).hessian(lambda a: a * 2, m.tensor(W)),
    lambda m: F(m).hessian(lambda a: (a, a), m.tensor(W)),
    lambda m: F(m).hessian(lambda a: (a * 2).sum(), m.tensor(W), strict=True),
    lambda m: F(m).hessian(lambda a: a.sum(), m.tensor(W), outer_jacobian_strategy="x"),
    lambda m: F(m).hvp(lambda a: a, m.tensor(W), ones(m, 3)),
    lambda m: F(m).hvp(lambda a: (a * 2).sum(), m.tensor(W), ones(m, 3), strict=True),
    lambda m: F(m).vhp(lambda a: (a, a), m.tensor(W), ones(m, 3)),
]


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("call", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_match_torch(call):
    theirs = _error(torch, call)
    ours = _error(rt, call)
    assert theirs is not None
    assert ours is not None and ours[0] is theirs[0], (ours, theirs)
    assert ours[1].split("\n")[0] == theirs[1].split("\n")[0]


@pytest.mark.parametrize("name", ["vjp", "jvp", "hvp", "vhp", "jacobian", "hessian"])
def test_inside_vmap_matches_a_loop(name):
    """Beyond PyTorch (whose functorch refuses autograd.functional inside vmap): each
    example's result equals the one computed alone."""
    x = rt.tensor(RNG.standard_normal((4, 3)))
    fn = getattr(F(rt), name)
    f = (lambda a: (a ** 3).sum() * a[0]) if name in ("hvp", "vhp", "hessian") else \
        (lambda a: a ** 3 * a.sum())
    extra = (lambda r: (rt.ones_like(r),)) if name in ("vjp", "jvp", "hvp", "vhp") else \
        (lambda r: ())
    pick = (lambda res: res[1]) if name in ("vjp", "jvp", "hvp", "vhp") else (lambda res: res)
    batched = rt.func.vmap(lambda r: pick(fn(f, r, *extra(r))))(x)
    for i in range(4):
        np.testing.assert_allclose(batched[i].numpy(), pick(fn(f, x[i], *extra(x[i]))).numpy(),
                                   rtol=1e-12, atol=1e-12)
