"""The backward engine's fast paths against its general paths: the same gradients, bit for
bit, the same errors, the same graph freeing. Each test runs one computation twice, once
through the fast path (``loss.backward()``) and once through a call the fast path does not
take (an explicit gradient, a list of roots), and compares."""
import warnings

import numpy as np
import pytest

import retrograd as torch
from retrograd.autograd import engine
from retrograd.autograd.graph import FREED_MSG


def _leaves(seed, dtype=torch.float32):
    rng = np.random.default_rng(seed)
    w = torch.tensor(rng.standard_normal((3, 4)), dtype=dtype, requires_grad=True)
    b = torch.tensor(rng.standard_normal(4), dtype=dtype, requires_grad=True)
    x = torch.tensor(rng.standard_normal((5, 3)), dtype=dtype)
    return w, b, x


def _loss(w, b, x, shape=()):
    h = torch.relu(x @ w + b)
    return (h * h).sum().log1p().reshape(shape)


def _grads(general, dtype=torch.float32, shape=(), seed=0):
    w, b, x = _leaves(seed, dtype)
    loss = _loss(w, b, x, shape)
    if general == "explicit":
        loss.backward(torch.ones_like(loss))
    elif general == "list":
        torch.autograd.backward([loss])
    else:
        loss.backward()
    return w.grad, b.grad


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
@pytest.mark.parametrize("general", ["explicit", "list"])
def test_implicit_scalar_root_matches_general_path(dtype, shape, general):
    fast = _grads(None, dtype, shape)
    slow = _grads(general, dtype, shape)
    for f, s in zip(fast, slow):
        assert f.dtype is s.dtype and f.shape == s.shape
        assert f.grad_fn is None and not f.requires_grad
        np.testing.assert_array_equal(f.numpy(), s.numpy())


def test_leaf_root():
    a = torch.tensor(3.0, requires_grad=True)
    a.backward()
    assert a.grad.item() == 1.0 and a.grad.dtype is torch.float32
    a.backward()
    assert a.grad.item() == 2.0


def test_graph_freed_unless_retained():
    w, b, x = _leaves(1)
    loss = _loss(w, b, x)
    loss.backward(retain_graph=True)
    first = w.grad.clone()
    loss.backward()
    np.testing.assert_array_equal(w.grad.numpy(), 2 * first.numpy())
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()
    assert "retain_graph=True" in FREED_MSG


def test_errors_as_general_path():
    w, b, x = _leaves(2)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x @ w).backward()
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        x.sum().backward()


def test_create_graph_takes_general_path():
    a = torch.tensor([1.5, -2.0], dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():  # (the reference-cycle warning, once per process)
        warnings.simplefilter("ignore")
        (a ** 3).sum().backward(create_graph=True)
    assert a.grad.grad_fn is not None
    (ga,) = torch.autograd.grad(a.grad.sum(), a)
    np.testing.assert_array_equal(ga.numpy(), 6 * a.detach().numpy())


def test_root_hooks_and_retain_grad_see_the_implicit_gradient():
    w, b, x = _leaves(3)
    loss = _loss(w, b, x)
    loss.retain_grad()
    seen = []
    loss.register_hook(lambda g: seen.append(g.clone()))
    loss.backward()
    assert loss.grad.item() == 1.0 and seen[0].item() == 1.0
    assert seen[0].dtype is torch.float32


def test_matches_torch():
    t = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    wn, bn, xn = (rng.standard_normal(s) for s in ((3, 4), (4,), (5, 3)))
    ours = [torch.tensor(v, requires_grad=True) for v in (wn, bn)]
    theirs = [t.tensor(v, requires_grad=True) for v in (wn, bn)]
    (torch.relu(torch.tensor(xn) @ ours[0] + ours[1]) ** 2).sum().backward()
    (t.relu(t.tensor(xn) @ theirs[0] + theirs[1]) ** 2).sum().backward()
    for o, r in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), r.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("transposed_grad", [False, True])
def test_accumulated_grad_is_its_own_array_with_the_leafs_layout(order, transposed_grad):
    # AccumulateGrad's first gradient: an array of its own (never one anything else holds),
    # laid out as the leaf (PyTorch's gradient layout contract), whatever the incoming layout
    data = np.asarray(np.arange(6.0).reshape(2, 3), order=order)
    leaf = torch.from_numpy(data).requires_grad_()
    other = torch.tensor(np.arange(6.0).reshape(3, 2) + 1)
    y = leaf * other.t() if transposed_grad else leaf * 2.0
    y.sum().backward()
    g = leaf.grad._data
    assert g.flags.c_contiguous == (order == "C") and g.flags.f_contiguous == (order == "F")
    assert g.base is None and not np.shares_memory(g, other._data)
    expected = other.t().numpy() if transposed_grad else np.full((2, 3), 2.0)
    np.testing.assert_array_equal(g, expected)
    t = pytest.importorskip("torch")
    tl = t.from_numpy(data.copy(order=order)).requires_grad_()
    ty = tl * t.from_numpy(other.numpy()).t() if transposed_grad else tl * 2.0
    ty.sum().backward()
    assert leaf.grad.stride() == tl.grad.stride()


def test_accumulated_grad_other_shape_or_later_grads():
    a = torch.ones(3, requires_grad=True)
    (a * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    first = a.grad
    (a * 2.0).sum().backward()  # later gradients are added in place
    assert a.grad is first
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0, 5.0])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_broadcast_grad_reduced_over_the_batch_dim_as_the_primitive_does(dtype, shape):
    # sum_to's lead-dim case outside grad mode runs sum's kernel directly; with
    # create_graph it calls the primitive: the same values, bit for bit
    rng = np.random.default_rng(5)
    p = torch.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True)
    x = torch.tensor(rng.standard_normal((37,) + shape), dtype=dtype)
    (fast,) = torch.autograd.grad(((x + p) ** 2).sum(), p)
    (slow,) = torch.autograd.grad(((x + p) ** 2).sum(), p, create_graph=True)
    assert fast.shape == p.shape and fast.dtype is dtype and fast.grad_fn is None
    assert type(fast._data) is np.ndarray
    np.testing.assert_array_equal(fast.numpy(), slow.detach().numpy())
    np.testing.assert_array_equal(fast.numpy(), (2 * (x + p)).detach().numpy().sum(0))


def test_broadcast_grad_reduction_under_forward_ad_and_vmap():
    import retrograd.autograd.forward_ad as fwAD
    p = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    x = torch.tensor([[1.0, -1.0], [0.5, 3.0], [2.0, 2.0]], dtype=torch.float64)
    with fwAD.dual_level():
        xd = fwAD.make_dual(x, torch.ones_like(x))
        (g,) = torch.autograd.grad(((xd * p) ** 2).sum(), p, create_graph=True)
        primal, tangent = fwAD.unpack_dual(g)
    np.testing.assert_allclose(primal.detach().numpy(), (2 * x * x * p.detach()).sum(0).numpy())
    np.testing.assert_allclose(tangent.detach().numpy(), (4 * x * p.detach()).sum(0).numpy())

    def grad_of(v):
        return torch.func.grad(lambda w: ((x * w) ** 2).sum())(v)
    vs = torch.tensor([[1.0, 2.0], [3.0, -1.0]], dtype=torch.float64)
    out = torch.func.vmap(grad_of)(vs)
    expected = np.stack([(2 * x * x * v).sum(0).numpy() for v in vs.detach()])
    np.testing.assert_allclose(out.detach().numpy(), expected)


# ----- AccumulateGrad keeps a gradient nobody else holds (PyTorch steals it) rather than
# copying it; anything else holding it (another edge's buffer, the caller, a retained
# grad, a read-only broadcast) gets a copy

def _mlp_grads():
    rng = np.random.default_rng(0)
    w = torch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    b = torch.tensor(rng.standard_normal(4), requires_grad=True)
    x = torch.tensor(rng.standard_normal((5, 3)))
    loss = torch.nn.functional.linear(x, w, b).relu().sum(1).mean()
    return w, b, loss


def test_a_gradient_nobody_else_holds_is_kept_not_copied():
    w, b, loss = _mlp_grads()
    loss.backward()
    # W.grad is the weight product itself (a transposed view of it, in W's layout)
    assert not w.grad._data.flags.owndata and w.grad._data.flags.c_contiguous
    assert w.grad.stride() == w.stride() and w.grad._data.flags.writeable
    ref_w, ref_b, ref_loss = _mlp_grads()
    engine_steal = engine._stealable
    engine._stealable = lambda g, v: False
    try:
        ref_loss.backward()
    finally:
        engine._stealable = engine_steal
    assert ref_w.grad._data.flags.owndata
    for ours, ref in ((w, ref_w), (b, ref_b)):
        assert ours.grad._data.tobytes() == ref.grad._data.tobytes()
    w.grad.mul_(0)  # the kept array is the gradient's alone: writing it is safe
    assert not np.shares_memory(w.grad._data, w._data)


def test_one_gradient_for_two_leaves_is_copied_for_one_of_them():
    a = torch.tensor([[1.0, 2.0]], requires_grad=True)
    b = torch.tensor([[3.0, 4.0]], requires_grad=True)
    w = torch.tensor([[1.0, -1.0], [0.5, 2.0]])
    ((a + b) @ w).sum().backward()  # add passes one fresh array to both leaves
    assert not np.shares_memory(a.grad._data, b.grad._data)
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    a.grad.add_(1)
    np.testing.assert_array_equal(b.grad.numpy(), [[0.0, 2.5]])
    ((a + b) @ w).sum().backward()  # later gradients add into each one's own array
    np.testing.assert_array_equal(a.grad.numpy(), [[1.0, 6.0]])
    np.testing.assert_array_equal(b.grad.numpy(), [[0.0, 5.0]])


def test_a_gradient_the_caller_holds_is_copied():
    a = torch.zeros(2, 3, requires_grad=True)
    b = torch.zeros(2, 3, requires_grad=True)
    g = torch.ones(2, 3)
    (a + b).backward(g)
    for leaf in (a, b):
        assert not np.shares_memory(leaf.grad._data, g._data)
    a.grad.add_(5)
    np.testing.assert_array_equal(g.numpy(), np.ones((2, 3)))
    a2 = torch.zeros(2, 3, requires_grad=True)
    a2.backward(g)  # a leaf root: its gradient is the caller's tensor
    assert not np.shares_memory(a2.grad._data, g._data)


def test_broadcast_and_retained_gradients_are_copied():
    a = torch.zeros(2, 3, requires_grad=True)
    b = torch.zeros(2, 3, requires_grad=True)
    (a + b).sum().backward()  # sum's gradient is a read-only broadcast of one value
    for leaf in (a, b):
        assert leaf.grad._data.flags.writeable
        leaf.grad.add_(1)
    np.testing.assert_array_equal(a.grad.numpy(), np.full((2, 3), 2.0))
    x = torch.tensor([[1.0, -2.0]], requires_grad=True)
    w = torch.tensor([[2.0], [3.0]], requires_grad=True)
    h = x @ w.t().t()
    h.retain_grad()
    (h * 3).sum().backward()
    assert not np.shares_memory(h.grad._data, w.grad._data)
    assert not np.shares_memory(h.grad._data, x.grad._data)


def test_autograd_grad_results_are_not_kept_by_leaves():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    y = (a * b).sum() * 2
    (ga,) = torch.autograd.grad(y, [a], retain_graph=True)
    y.backward(inputs=[a, b])
    assert not np.shares_memory(ga._data, a.grad._data)
    np.testing.assert_array_equal(a.grad.numpy(), ga.numpy())


def test_the_engine_reference_count_is_measured_on_this_interpreter():
    # (-1, never keeping a gradient, only where the count cannot be relied on)
    import sys
    if getattr(sys, "_is_gil_enabled", lambda: True)():
        assert engine._ENGINE_REFS > 0
    else:
        assert engine._ENGINE_REFS == -1
