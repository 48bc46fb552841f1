"""The engine: dependency counting, accumulation along several paths, execution order,
saved-tensor release, version checks, retain_graph, create_graph, no recursion (a
1,000,000-node chain), no reference cycles, grad mode per thread."""
import gc
import threading
import weakref

import numpy as np
import pytest

import retrograd as rg

try:
    import torch
except ImportError:  # the oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch (the oracle) not installed")


def _peak_rss_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def test_million_node_chain_runs_backward_in_bounded_memory():
    x = rg.tensor(1.0, dtype=rg.float64, requires_grad=True)
    y = x
    n = 1_000_000
    for _ in range(n):
        y = y * 1.0000001
    before = _peak_rss_mb()
    y.backward()
    grown = _peak_rss_mb() - before
    assert x.grad.item() == pytest.approx(1.0000001 ** n, rel=1e-9)
    # The engine's own bookkeeping (dependency counts, one pending gradient at a time) is
    # ~60 MB here; keeping every intermediate gradient alive would add ~200 MB more.
    assert grown < 150, f"backward of a {n}-node chain grew the peak RSS by {grown:.0f} MB"
    del y  # freeing the chain must not recurse either
    gc.collect()


def test_deep_chain_of_saving_ops_and_grad():
    # each sin saves its input: the engine walks and frees 200,000 of them iteratively
    x = rg.tensor([0.5, 1.0], dtype=rg.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = (y * 1.0).sin()
    (g,) = rg.autograd.grad(y.sum(), x)
    expect = np.array([0.5, 1.0])
    d = np.ones(2)
    for _ in range(100_000):
        d *= np.cos(expect)
        expect = np.sin(expect)
    np.testing.assert_allclose(g.numpy(), d, rtol=1e-9)


def test_diamond_accumulates_both_paths():
    x = rg.tensor(2.0, requires_grad=True)
    a = x * 3
    y = a * a + a.exp() + a  # a is used by three consumers
    y.backward()
    a_val = 6.0
    assert x.grad.item() == pytest.approx(3 * (2 * a_val + np.exp(a_val) + 1), rel=1e-5)


def test_same_leaf_twice_shares_one_accumulate_grad():
    x = rg.ones(2, requires_grad=True)
    y = x * x
    (e0, _), (e1, _) = y.grad_fn.next_functions
    assert e0 is e1 and type(e0).__name__ == "AccumulateGrad" and e0.variable is x


def test_multiple_roots_one_reachable_from_the_other():
    x = rg.tensor(3.0, requires_grad=True)
    a = x * 2
    b = a * a
    rg.autograd.backward([a, b], [rg.tensor(1.0), rg.tensor(1.0)])
    assert x.grad.item() == pytest.approx(2 + 8 * 3.0)


@needs_torch
def test_execution_order_matches_pytorch_through_retained_grads():
    # Two branches from one node: PyTorch runs the later-created one first. Observe the
    # order through the values .grad holds as each retained non-leaf is reached.
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a = x * 2
        b = a.exp()
        c = a.sin()
        out = (b + c).sum()
        for t in (a, b, c):
            t.retain_grad()
        out.backward()
        return [t.grad.tolist() for t in (x, a, b, c)]
    np.testing.assert_allclose(run(rg), run(torch), rtol=1e-6)


def test_saved_tensors_released_after_backward():
    x = rg.randn(3, requires_grad=True)
    a = x * 2
    y = a.sin()  # saves a
    ref = weakref.ref(a)
    del a
    assert ref() is not None  # held by the graph
    y.sum().backward()
    gc.collect()
    assert ref() is None
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        y.sum().backward()


def test_retain_graph_keeps_saved_tensors():
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_graph_that_saved_nothing_can_run_twice():
    x = rg.tensor([1.0], requires_grad=True)
    y = x + 1
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0]


def test_no_reference_cycles_in_a_training_loop():
    gc.collect()
    gc.disable()
    try:
        w = rg.randn(4, 3, requires_grad=True)
        refs = []
        for _ in range(1000):
            x = rg.randn(8, 4)
            h = (x @ w).tanh()
            loss = (h * h).mean()
            loss.backward()
            with rg.no_grad():
                w -= 0.01 * w.grad
            w.grad = None
            refs.append(weakref.ref(loss.grad_fn))
            refs.append(weakref.ref(h))
        del x, h, loss
        alive = sum(r() is not None for r in refs)
        assert alive == 0, f"{alive} graph objects outlived their step without gc"
    finally:
        gc.enable()


def test_create_graph_gives_higher_derivatives():
    x = rg.tensor(1.5, dtype=rg.float64, requires_grad=True)
    y = x ** 4
    (g1,) = rg.autograd.grad(y, x, create_graph=True)
    (g2,) = rg.autograd.grad(g1, x, create_graph=True)
    (g3,) = rg.autograd.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == pytest.approx((4 * 1.5 ** 3, 12 * 1.5 ** 2,
                                                              24 * 1.5))


def test_backward_create_graph_warns_and_builds_grad_graph(monkeypatch):
    monkeypatch.setattr(rg.autograd, "_warned_cycle", False)  # warned once per process
    x = rg.tensor(2.0, requires_grad=True)
    with pytest.warns(UserWarning, match="create a reference cycle"):
        (x ** 3).backward(create_graph=True)
    assert x.grad.grad_fn is not None
    assert x.grad.item() == pytest.approx(12.0)


def test_grad_runs_only_the_part_leading_to_inputs():
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    w = rg.tensor([3.0, 4.0], requires_grad=True)
    a = x * 2
    b = w.sin()  # not on any path to x
    out = (a * 1 + b).sum()
    (gx,) = rg.autograd.grad(out, x, retain_graph=True)
    assert gx.tolist() == [2.0, 2.0]
    assert w.grad is None and x.grad is None
    # b's node did not run, so its saved input is still there for a later backward
    out.backward()
    np.testing.assert_allclose(w.grad.numpy(), np.cos([3.0, 4.0]), rtol=1e-6)


def test_backward_inputs_accumulates_only_into_those():
    x = rg.tensor([1.0], requires_grad=True)
    w = rg.tensor([2.0], requires_grad=True)
    y = (x * w).sum()
    y.backward(inputs=[w])
    assert x.grad is None and w.grad.tolist() == [1.0]
    with pytest.raises(RuntimeError, match="`inputs` argument to `backward\\(\\)` cannot be empty"):
        (x * w).sum().backward(inputs=[])


def test_broadcast_gradients_reduced_to_input_shape():
    a = rg.ones(3, 1, dtype=rg.float64, requires_grad=True)
    b = rg.ones(1, 4, dtype=rg.float64, requires_grad=True)
    c = rg.tensor(2.0, dtype=rg.float64, requires_grad=True)
    (a * b * c).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[8.0]] * 3
    assert b.grad.shape == (1, 4) and b.grad.tolist() == [[6.0] * 4]
    assert c.grad.shape == () and c.grad.item() == 12.0


def test_gradient_dtype_follows_each_input():
    a = rg.ones(2, dtype=rg.float32, requires_grad=True)
    b = rg.tensor(2.0, dtype=rg.float64, requires_grad=True)  # 0-d: does not widen a
    y = a * b
    assert y.dtype is rg.float32
    y.sum().backward()
    assert a.grad.dtype is rg.float32 and b.grad.dtype is rg.float64


def test_modified_saved_tensor_raises_pytorch_error():
    a = rg.ones(3, requires_grad=True)
    b = a.sigmoid()
    c = b * b
    b.mul_(2)
    with pytest.raises(RuntimeError) as e:
        c.sum().backward()
    assert str(e.value).startswith(
        "one of the variables needed for gradient computation has been modified by an "
        "inplace operation: [torch.FloatTensor [3]], which is output 0 of Mul, is at "
        "version 1; expected version 0 instead. Hint: enable anomaly detection")


def test_modified_saved_output_raises():
    x = rg.ones(1, requires_grad=True)
    y = x.exp()
    with rg.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[1\]\], which is output 0 "
                                           r"of Exp, is at version 1; expected version 0"):
        y.backward()


def test_inplace_on_nonleaf_keeps_gradients_right():
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.mul_(x)  # y = 3x * x
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]
    assert y.grad_fn.name() == "MulBackward0"


def test_grad_mode_is_per_thread():
    seen = []
    with rg.no_grad():
        t = threading.Thread(target=lambda: seen.append(rg.is_grad_enabled()))
        t.start()
        t.join()
        assert not rg.is_grad_enabled()
    assert seen == [True]


def test_sum_to_reports_a_wrong_gradient_shape():
    from retrograd.autograd.engine import sum_to
    with pytest.raises(RuntimeError, match="returned an invalid gradient at index 0 - got "
                                           r"\[3\] but expected shape compatible with \[2\]"):
        sum_to(rg.ones(3), (2,))
