"""utils.checkpoint against PyTorch: gradients equal to the un-checkpointed ones, the
graph it leaves (op nodes, or CheckpointFunctionBackward when reentrant), warnings and
errors, RNG replay, and less memory held between forward and backward."""
import gc
import tracemalloc
import warnings

import numpy as np
import pytest

import retrograd
from conftest import REAL_TORCH, raises_exact

USE_REENTRANT_WARNING = ("torch.utils.checkpoint: the use_reentrant parameter should be passed "
                         "explicitly. Starting in PyTorch 2.9, calling checkpoint without "
                         "use_reentrant will raise an exception.")


def _checkpoint(m):
    import importlib
    return importlib.import_module(m.__name__ + ".utils.checkpoint")


def _inputs(m, seed=0, shape=(4, 5)):
    rng = np.random.default_rng(seed)
    x = m.tensor(rng.standard_normal(shape), requires_grad=True)
    w = m.tensor(rng.standard_normal((shape[-1], 3)), requires_grad=True)
    return x, w


def block(x, w, scale=1.0):
    h = (x @ w).tanh() * scale
    return (h * h).sin() + h.exp()


@pytest.mark.parametrize("reentrant", [False, True])
def test_gradients_match_uncheckpointed(m, reentrant):
    cp = _checkpoint(m)
    x, w = _inputs(m)
    block(x, w).sum().backward()
    expected = x.grad.numpy().copy(), w.grad.numpy().copy()
    x.grad = w.grad = None
    y = cp.checkpoint(block, x, w, use_reentrant=reentrant)
    (y * y).sum().backward()
    x2, w2 = _inputs(m)
    (block(x2, w2) * block(x2, w2)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), w2.grad.numpy(), rtol=1e-12)
    assert expected[0].shape == x.grad.shape


def test_graph_left_behind(m):
    cp = _checkpoint(m)
    x, w = _inputs(m)
    y = cp.checkpoint(block, x, w, use_reentrant=False)
    assert type(y.grad_fn).__name__ == "AddBackward0"
    assert [type(n).__name__ for n, _ in y.grad_fn.next_functions] == ["SinBackward0",
                                                                       "ExpBackward0"]
    z = cp.checkpoint(block, x, w, use_reentrant=True)
    assert type(z.grad_fn).__name__ == "CheckpointFunctionBackward"
    assert repr(z.grad_fn).startswith(
        "<torch.autograd.function.CheckpointFunctionBackward object at 0x")
    assert [type(n).__name__ for n, _ in z.grad_fn.next_functions] == ["AccumulateGrad"] * 2
    with m.no_grad():
        assert cp.checkpoint(block, x, w, use_reentrant=False).grad_fn is None


def test_several_outputs_kwargs_and_non_tensor_args(m):
    cp = _checkpoint(m)
    x, w = _inputs(m)

    def f(a, b, k, scale=1.0):
        h = block(a, b, scale)
        return h * k, h.sum()

    y, s = cp.checkpoint(f, x, w, 3.0, use_reentrant=False, scale=0.5)
    (y.sum() + s * 2).backward()
    x2, w2 = _inputs(m)
    y2, s2 = f(x2, w2, 3.0, scale=0.5)
    (y2.sum() + s2 * 2).backward()
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-12)
    x.grad = None
    y, s = cp.checkpoint(lambda a, b, k: f(a, b, k), x, w, 3.0, use_reentrant=True)
    s.backward()  # only one of the outputs gets a gradient
    x3, w3 = _inputs(m)
    f(x3, w3, 3.0)[1].backward()
    np.testing.assert_allclose(x.grad.numpy(), x3.grad.numpy(), rtol=1e-12)


def test_warnings_and_errors(m):
    cp = _checkpoint(m)
    x, w = _inputs(m)
    with pytest.warns(UserWarning, match="^" + USE_REENTRANT_WARNING.replace(".", r"\.")):
        y = cp.checkpoint(block, x, w)
    assert type(y.grad_fn).__name__ == "CheckpointFunctionBackward"  # the default: reentrant
    with raises_exact(ValueError, "Unexpected keyword arguments: scale"):
        cp.checkpoint(block, x, w, use_reentrant=True, scale=2.0)
    with pytest.warns(UserWarning, match="^None of the inputs have requires_grad=True. "
                      "Gradients will be None$"):
        cp.checkpoint(block, x.detach(), w.detach(), use_reentrant=True)
    for reentrant in (False, True):
        y = cp.checkpoint(block, x, w, use_reentrant=reentrant).sum()
        y.backward()
        with raises_exact(RuntimeError, "Trying to backward through the graph a second time"):
            y.backward()


def test_retain_graph_allows_a_second_backward(m):
    cp = _checkpoint(m)
    x, w = _inputs(m)
    y = cp.checkpoint(block, x, w, use_reentrant=False).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)


def test_forward_reruns_once_in_backward():
    cp = _checkpoint(retrograd)
    calls = []

    def f(a, b):
        calls.append(1)
        return block(block(a, b), b.t()[:3, :3].contiguous() if False else b[:3])

    x, w = _inputs(retrograd)
    y = cp.checkpoint(f, x, w, use_reentrant=False)
    assert len(calls) == 1
    y.sum().backward()
    assert len(calls) == 2


def test_rng_state_replayed(m):
    cp = _checkpoint(m)

    def dropout_block(a, b):
        h = (a @ b).tanh()
        return h * (m.rand(h.shape, dtype=h.dtype) > 0.5)

    x, w = _inputs(m)
    m.manual_seed(3)
    dropout_block(x, w).sum().backward()
    expected = x.grad.numpy().copy()
    for reentrant in (False, True):
        x.grad = None
        m.manual_seed(3)
        y = cp.checkpoint(dropout_block, x, w, use_reentrant=reentrant)
        m.rand(100)  # moves the stream on before backward
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), expected)


def test_determinism_check():
    cp = _checkpoint(retrograd)
    calls = []

    def changing(a):
        calls.append(1)
        return a.exp() if len(calls) == 1 else a.sin().cos()

    x = retrograd.ones(3, requires_grad=True)
    y = cp.checkpoint(changing, x, use_reentrant=False)
    with raises_exact(cp.CheckpointError, "torch.utils.checkpoint: A different number of "
                      "tensors was saved during the original forward and recomputation."):
        y.sum().backward()


def test_checkpoint_sequential(m):
    cp = _checkpoint(m)
    fns = [lambda t: t.tanh(), lambda t: t * 2, lambda t: t.sin(), lambda t: t.exp(),
           lambda t: t * t]
    x, _ = _inputs(m)
    out = cp.checkpoint_sequential(fns, 2, x, use_reentrant=False)
    out.sum().backward()
    x2, _ = _inputs(m)
    ref = x2
    for f in fns:
        ref = f(ref)
    ref.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-12)


def test_inplace_and_views_inside_checkpoint():
    cp = _checkpoint(retrograd)

    def f(a):
        h = a * 2
        h[1:].mul_(a[:-1])
        return h.exp()

    x = retrograd.tensor([0.1, 0.2, 0.3, 0.4], dtype=retrograd.float64, requires_grad=True)
    cp.checkpoint(f, x, use_reentrant=False).sum().backward()
    got = x.grad.numpy().copy()
    x.grad = None
    f(x).sum().backward()
    np.testing.assert_allclose(got, x.grad.numpy())


# ----- memory held between forward and backward
def _saved_bytes(t):
    """Bytes of the arrays the graph behind ``t`` holds for backward (leaves excluded)."""
    seen, total, stack = set(), 0, [t.grad_fn]
    leaves = set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if type(node).__name__ == "AccumulateGrad":
            leaves.add(id(node.variable._data))
            continue
        saved = getattr(node, "_saved", None)
        if type(saved) is tuple:
            for v in saved:
                arr = v[0] if type(v) is tuple else getattr(v, "_data", None)
                if isinstance(arr, np.ndarray):
                    total += arr.nbytes
        stack.extend(n for n, _ in node.next_functions)
    return total


def _deep(x, w):
    h = x
    for _ in range(8):
        h = (h @ w).tanh()
    return h


def test_checkpoint_holds_fewer_saved_bytes():
    cp = _checkpoint(retrograd)
    x = retrograd.randn(256, 64, dtype=retrograd.float64, requires_grad=True)
    w = retrograd.randn(64, 64, dtype=retrograd.float64, requires_grad=True) * 0.1
    w = w.detach().requires_grad_()
    plain = _deep(x, w).sum()
    ckpt = cp.checkpoint(_deep, x, w, use_reentrant=False).sum()
    plain_bytes, ckpt_bytes = _saved_bytes(plain), _saved_bytes(ckpt)
    assert plain_bytes >= 8 * 256 * 64 * 8  # every layer's input and tanh output
    assert ckpt_bytes < plain_bytes / 8
    plain.backward()
    g = x.grad.numpy().copy()
    x.grad = None
    ckpt.backward()
    np.testing.assert_allclose(x.grad.numpy(), g)


def test_checkpoint_lowers_memory_held_after_forward():
    cp = _checkpoint(retrograd)
    x = retrograd.randn(512, 128, dtype=retrograd.float64, requires_grad=True)
    w = (retrograd.randn(128, 128, dtype=retrograd.float64) * 0.1).requires_grad_()

    def held(run):
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            out = run()
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        out.backward()
        return after - before

    plain = held(lambda: _deep(x, w).sum())
    for reentrant in (False, True):
        ckpt = held(lambda: cp.checkpoint(_deep, x, w, use_reentrant=reentrant).sum())
        assert ckpt < plain / 4, (ckpt, plain)


@pytest.mark.skipif(REAL_TORCH is None, reason="compares with PyTorch")
def test_signatures_match_pytorch():
    import inspect
    import torch.utils.checkpoint as theirs
    ours = _checkpoint(retrograd)
    for name in ("checkpoint", "checkpoint_sequential"):
        a = [(p.name, p.kind) for p in inspect.signature(getattr(ours, name)).parameters.values()]
        b = [(p.name, p.kind) for p in
             inspect.signature(getattr(theirs, name)).parameters.values()]
        assert a == b


def test_nested_checkpoints():
    cp = _checkpoint(retrograd)
    x = retrograd.randn(3, 4, dtype=retrograd.float64, requires_grad=True)

    def inner(a):
        return (a * a).sin().exp()

    (inner(x.tanh()).cos() * x).sum().backward()
    expected = x.grad.numpy().copy()
    for reentrant in (False, True):
        x.grad = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the inner reentrant one sees no grad inputs
            y = cp.checkpoint(lambda a: cp.checkpoint(inner, a.tanh(), use_reentrant=reentrant)
                              .cos() * a, x, use_reentrant=reentrant)
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), expected)
