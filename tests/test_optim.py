"""torch.optim against PyTorch: optimizer steps, state dicts, errors, LBFGS, lr schedulers."""
import math
import warnings

import numpy as np
import pytest

import retrograd
from conftest import REAL_TORCH, raises_exact

needs_torch = pytest.mark.skipif(REAL_TORCH is None, reason="PyTorch (the oracle) is not installed")

_rng = np.random.default_rng(0)
X = _rng.standard_normal((8, 3)).astype(np.float32)
Y = _rng.standard_normal((8, 2)).astype(np.float32)
W0 = _rng.standard_normal((3, 2)).astype(np.float32)
B0 = _rng.standard_normal((2,)).astype(np.float32)


def _params(lib):
    w = lib.tensor(W0.copy(), requires_grad=True)
    b = lib.tensor(B0.copy(), requires_grad=True)
    return w, b


def _loss(lib, w, b):
    x, y = lib.tensor(X), lib.tensor(Y)
    return ((x @ w + b - y) ** 2).mean() + (w.sin() * 0.1).sum()


def _numpy_grads(w, b):
    """The loss's gradient computed in float32 NumPy, the same bits for both libraries, so a
    comparison sees only the optimizer's own arithmetic."""
    r = (X @ w + b - Y) * np.float32(2 / Y.size)
    return X.T @ r + np.float32(0.1) * np.cos(w), r.sum(0)


def _trajectory(lib, make_opt, steps=10, groups=False, closure=False, fed=False):
    w, b = _params(lib)
    params = [{"params": [w]}, {"params": [b], "lr": 0.05}] if groups else [w, b]
    opt = make_opt(lib, params)
    out = []
    for _ in range(steps):
        def fn():
            opt.zero_grad()
            loss = _loss(lib, w, b)
            if fed:
                gw, gb = _numpy_grads(w.detach().numpy(), b.detach().numpy())
                w.grad, b.grad = lib.tensor(gw), lib.tensor(gb)
            else:
                loss.backward()
            return loss
        if closure:
            loss = opt.step(fn)
            assert loss is not None
        else:
            fn()
            assert opt.step() is None
        out.append((w.detach().numpy().copy(), b.detach().numpy().copy()))
    return out, opt, (w, b)


def _compare(make_opt, steps=10, groups=False, closure=False, fed=True, rtol=1e-6, atol=1e-7):
    ours, _, _ = _trajectory(retrograd, make_opt, steps, groups, closure, fed)
    theirs, _, _ = _trajectory(REAL_TORCH, make_opt, steps, groups, closure, fed)
    for i, ((w1, b1), (w2, b2)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(w1, w2, rtol=rtol, atol=atol, err_msg=f"step {i}")
        np.testing.assert_allclose(b1, b2, rtol=rtol, atol=atol, err_msg=f"step {i}")


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.5, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, weight_decay=0.1, momentum=0.8)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, eps=1e-5, maximize=True)),
]


@needs_torch
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_steps_match_torch(name, kwargs):
    make = lambda lib, params: getattr(lib.optim, name)(params, **kwargs)  # noqa: E731
    _compare(make)  # same gradient bits: float32 agreement step for step
    _compare(make, fed=False, rtol=1e-5, atol=1e-6)  # each library's own autograd


@needs_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_param_groups_and_closure(name):
    kw = {"momentum": 0.9} if name == "SGD" else {}
    _compare(lambda lib, params: getattr(lib.optim, name)(params, lr=0.01, **kw), groups=True, closure=True)
