"""torch.optim against PyTorch: optimizer steps, state dicts, errors, LBFGS, lr schedulers."""
import copy
import importlib
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


def _rosen(lib, x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def _lbfgs_run(lib, dtype, line_search_fn, max_iter, steps):
    x = lib.tensor([-1.5, 2.0, 0.5, -0.3], dtype=getattr(lib, dtype), requires_grad=True)
    opt = lib.optim.LBFGS([x], lr=1, max_iter=max_iter, history_size=5, line_search_fn=line_search_fn)

    def closure():
        opt.zero_grad()
        loss = _rosen(lib, x)
        loss.backward()
        return loss

    traj, losses = [], []
    for _ in range(steps):
        losses.append(opt.step(closure).item())
        traj.append(x.detach().numpy().copy())
    st = opt.state[x]
    return np.array(traj), losses, (st["func_evals"], st["n_iter"], len(st["old_dirs"]))


@needs_torch
@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_rosenbrock_matches_torch(line_search_fn):
    # float64: the same algorithm, branch for branch (evaluation counts, history, iterates).
    ours = _lbfgs_run(retrograd, "float64", line_search_fn, 20, 4)
    theirs = _lbfgs_run(REAL_TORCH, "float64", line_search_fn, 20, 4)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10)
    assert ours[2] == theirs[2]
    # float32: quasi-Newton steps amplify one-ulp differences, so compare the first iterations.
    ours = _lbfgs_run(retrograd, "float32", line_search_fn, 1, 8)
    theirs = _lbfgs_run(REAL_TORCH, "float32", line_search_fn, 1, 8)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    assert ours[2] == theirs[2]


def test_lbfgs_converges_and_needs_closure():
    x = retrograd.tensor([-1.2, 1.0], dtype=retrograd.float64, requires_grad=True)
    opt = retrograd.optim.LBFGS([x], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = _rosen(retrograd, x)
        loss.backward()
        return loss

    for _ in range(10):
        opt.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-4)
    with pytest.raises(TypeError):
        opt.step()
    with raises_exact(ValueError, "LBFGS doesn't support per-parameter options (parameter groups)"):
        retrograd.optim.LBFGS([{"params": [x]}, {"params": [retrograd.zeros(1, requires_grad=True)]}])
    bad = retrograd.optim.LBFGS([x], line_search_fn="armijo")
    with raises_exact(RuntimeError, "only 'strong_wolfe' is supported"):
        bad.step(closure)


def _state_arrays(sd):
    return {k: {n: (v.detach().numpy() if hasattr(v, "detach") else v) for n, v in st.items()}
            for k, st in sd["state"].items()}


@needs_torch
@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                                         ("AdamW", dict(lr=0.01)), ("RMSprop", dict(lr=0.01, centered=True, momentum=0.1)),
                                         ("Adagrad", dict(lr=0.1))])
def test_state_dict_matches_torch_and_round_trips(name, kwargs):
    make = lambda lib, params: getattr(lib.optim, name)(params, **kwargs)  # noqa: E731
    _, ours, (w, b) = _trajectory(retrograd, make, 3, fed=True)
    _, theirs, _ = _trajectory(REAL_TORCH, make, 3, fed=True)
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert sd["param_groups"] == tsd["param_groups"]
    assert list(sd["state"]) == list(tsd["state"]) == [0, 1]
    ours_arr, theirs_arr = _state_arrays(sd), _state_arrays(tsd)
    for k in ours_arr:
        assert ours_arr[k].keys() == theirs_arr[k].keys()
        for n in ours_arr[k]:
            t_val = tsd["state"][k][n]
            if isinstance(t_val, REAL_TORCH.Tensor):
                assert sd["state"][k][n].dtype.__repr__() == repr(t_val.dtype).replace("torch.", "torch.")
                assert tuple(sd["state"][k][n].shape) == tuple(t_val.shape)
            np.testing.assert_allclose(ours_arr[k][n], theirs_arr[k][n], rtol=1e-6, atol=1e-7)
    if name == "Adam":
        assert sd["state"][0]["step"].shape == () and float(sd["state"][0]["step"]) == 3.0

    # A fresh optimizer on fresh params continues exactly where the saved one left off.
    w2 = retrograd.tensor(w.detach().numpy().copy(), requires_grad=True)
    b2 = retrograd.tensor(b.detach().numpy().copy(), requires_grad=True)
    fresh = make(retrograd, [w2, b2])
    fresh.load_state_dict(copy.deepcopy(sd))  # (loading shares the tensors, as in torch)
    assert fresh.state[w2].keys() == ours.state[w].keys()
    for opt, (p, q) in ((ours, (w, b)), (fresh, (w2, b2))):
        opt.zero_grad()
        gw, gb = _numpy_grads(p.detach().numpy(), q.detach().numpy())
        p.grad, q.grad = retrograd.tensor(gw), retrograd.tensor(gb)
        opt.step()
    np.testing.assert_array_equal(w.detach().numpy(), w2.detach().numpy())
    np.testing.assert_array_equal(b.detach().numpy(), b2.detach().numpy())


def test_load_state_dict_errors():
    w = retrograd.zeros(2, requires_grad=True)
    b = retrograd.zeros(3, requires_grad=True)
    opt = retrograd.optim.SGD([w, b], lr=0.1)
    two = retrograd.optim.SGD([{"params": [w]}, {"params": [b]}], lr=0.1)
    with raises_exact(ValueError, "loaded state dict has a different number of parameter groups"):
        opt.load_state_dict(two.state_dict())
    one = retrograd.optim.SGD([w], lr=0.1)
    with raises_exact(ValueError, "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"):
        one.load_state_dict(opt.state_dict())


@pytest.mark.parametrize("lib", ["retrograd", "torch"])
def test_constructor_errors(lib):
    if lib == "torch" and REAL_TORCH is None:
        pytest.skip("PyTorch (the oracle) is not installed")
    m = retrograd if lib == "retrograd" else REAL_TORCH
    w = m.zeros(2, requires_grad=True)
    with raises_exact(ValueError, "Invalid learning rate: -1"):
        m.optim.SGD([w], lr=-1)
    with raises_exact(ValueError, "Invalid momentum value: -0.5"):
        m.optim.SGD([w], lr=0.1, momentum=-0.5)
    with raises_exact(ValueError, "Nesterov momentum requires a momentum and zero dampening"):
        m.optim.SGD([w], lr=0.1, nesterov=True)
    with raises_exact(ValueError, "Invalid beta parameter at index 1: 1.0"):
        m.optim.Adam([w], betas=(0.9, 1.0))
    with raises_exact(ValueError, "Invalid epsilon value: -1.0"):
        m.optim.RMSprop([w], eps=-1.0)
    with raises_exact(ValueError, "Invalid lr_decay value: -1"):
        m.optim.Adagrad([w], lr_decay=-1)
    with raises_exact(TypeError, "optimizer can only optimize Tensors, but one of the params is int"):
        m.optim.SGD([w, 3], lr=0.1)
    with raises_exact(TypeError, "params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.FloatTensor"):
        m.optim.SGD(w, lr=0.1)
    with raises_exact(ValueError, "optimizer got an empty parameter list"):
        m.optim.SGD([], lr=0.1)
    with raises_exact(ValueError, "can't optimize a non-leaf Tensor"):
        m.optim.SGD([w * 2], lr=0.1)
    opt = m.optim.SGD([w], lr=0.1)
    with raises_exact(ValueError, "some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [w]})
    with raises_exact(TypeError, "optimizer parameters need to be organized in ordered collections"):
        opt.add_param_group({"params": {m.zeros(1, requires_grad=True)}})
    v = m.zeros(1, requires_grad=True)
    opt.add_param_group({"params": v, "lr": 0.5})
    assert opt.param_groups[1]["params"] == [v] and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["momentum"] == 0


def test_zero_grad_step_identity_and_no_grad():
    w = retrograd.tensor([1.0, 2.0], requires_grad=True)
    opt = retrograd.optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    version = w._version
    opt.step()
    assert w.is_leaf and w.requires_grad and w.grad_fn is None and w._version > version
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None
    opt.step()  # parameters without a gradient are skipped
    x = retrograd.zeros(1, requires_grad=True)
    assert retrograd.optim.SGD([x], lr=0.1).step(lambda: 5) == 5
    assert "SGD (\nParameter Group 0\n    dampening: 0\n" in repr(retrograd.optim.SGD([x], lr=0.1))


def _lr_sequence(lib, make_sched, steps=30, opt_name="SGD", n_groups=2, metrics=None):
    ps = [lib.zeros(1, requires_grad=True) for _ in range(n_groups)]
    groups = [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(ps)]
    kw = {"momentum": 0.9} if opt_name == "SGD" else {}
    opt = getattr(lib.optim, opt_name)(groups, **kw)
    sched = make_sched(lib.optim.lr_scheduler, opt)
    seq = [list(sched.get_last_lr())]
    moms = []
    for i in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        seq.append(list(sched.get_last_lr()))
        assert [g["lr"] for g in opt.param_groups] == seq[-1]
        moms.append([g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups])
    return seq, moms, sched


_PLATEAU = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.9, 0.9, 0.9, 0.9, 0.7, 0.7, 0.7, 0.7, 0.7,
            0.71, 0.72, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]

SCHEDULERS = [
    ("StepLR", lambda S, o: S.StepLR(o, step_size=4, gamma=0.5), {}),
    ("MultiStepLR", lambda S, o: S.MultiStepLR(o, milestones=[3, 7, 7, 20], gamma=0.3), {}),
    ("ExponentialLR", lambda S, o: S.ExponentialLR(o, gamma=0.93), {}),
    ("CosineAnnealingLR", lambda S, o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.001), {}),
    ("LambdaLR", lambda S, o: S.LambdaLR(o, lr_lambda=lambda e: 0.95 ** e + 0.01 * e), {}),
    ("LambdaLR-list", lambda S, o: S.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]), {}),
    ("LinearLR", lambda S, o: S.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=9), {}),
    ("OneCycleLR", lambda S, o: S.OneCycleLR(o, max_lr=[0.5, 1.0], total_steps=30), {}),
    ("OneCycleLR-linear-3phase-adam", lambda S, o: S.OneCycleLR(
        o, max_lr=0.3, total_steps=31, anneal_strategy="linear", three_phase=True), {"opt_name": "Adam"}),
    ("SequentialLR", lambda S, o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                                     S.ExponentialLR(o, gamma=0.9),
                                                     S.CosineAnnealingLR(o, T_max=6)], milestones=[5, 12]), {}),
    ("ReduceLROnPlateau", lambda S, o: S.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1, min_lr=[0.01, 0.02]),
     {"metrics": _PLATEAU}),
    ("ReduceLROnPlateau-max-abs", lambda S, o: S.ReduceLROnPlateau(
        o, mode="max", threshold_mode="abs", threshold=0.05, patience=1), {"metrics": [-v for v in _PLATEAU]}),
]


@needs_torch
@pytest.mark.parametrize("name,make,kw", SCHEDULERS, ids=[s[0] for s in SCHEDULERS])
def test_scheduler_lrs_match_torch(name, make, kw):
    ours, our_moms, sched = _lr_sequence(retrograd, make, **kw)
    theirs, their_moms, tsched = _lr_sequence(REAL_TORCH, make, **kw)
    assert ours == theirs  # the same float operations in the same order: equal, not close
    assert our_moms == their_moms
    sd, tsd = sched.state_dict(), tsched.state_dict()
    skip = {"_schedulers", "lr_lambdas", "anneal_func"}
    assert {k: v for k, v in sd.items() if k not in skip} == {k: v for k, v in tsd.items() if k not in skip}


def test_scheduler_state_dict_round_trip_and_closed_form():
    S = retrograd.optim.lr_scheduler
    seq, _, sched = _lr_sequence(retrograd, lambda S, o: S.StepLR(o, step_size=3, gamma=0.5), steps=10)
    p = retrograd.zeros(1, requires_grad=True)
    opt = retrograd.optim.SGD([{"params": [p], "lr": 0.1}, {"params": [retrograd.zeros(1, requires_grad=True)], "lr": 0.2}])
    fresh = S.StepLR(opt, step_size=100)
    fresh.load_state_dict(sched.state_dict())
    assert fresh.step_size == 3 and fresh.last_epoch == 10 and fresh.get_last_lr() == seq[-1]
    with pytest.warns(UserWarning, match="The epoch parameter"):
        fresh.step(12)
    assert fresh.get_last_lr() == [0.1 * 0.5**4, 0.2 * 0.5**4]
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        S.StepLR(retrograd.optim.SGD([retrograd.zeros(1, requires_grad=True)]), 3, last_epoch=5)
    with raises_exact(TypeError, "int is not an Optimizer"):
        S.StepLR(3, 3)


def test_scheduler_warns_when_stepped_before_optimizer():
    p = retrograd.zeros(1, requires_grad=True)
    opt = retrograd.optim.SGD([p], lr=0.1)
    sched = retrograd.optim.lr_scheduler.StepLR(opt, 1)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)`"):
        sched.step()
    opt2 = retrograd.optim.SGD([p], lr=0.1)
    sched2 = retrograd.optim.lr_scheduler.StepLR(opt2, 1)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched2.get_lr()


@pytest.mark.parametrize("lib", ["retrograd", "torch"])
def test_step_hooks_order_and_removal(lib):
    if lib == "torch" and REAL_TORCH is None:
        pytest.skip("PyTorch (the oracle) is not installed")
    m = retrograd if lib == "retrograd" else REAL_TORCH
    w = m.ones(2, requires_grad=True)
    opt = m.optim.SGD([w], lr=0.5)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", w[0].item())))
    h2 = opt.register_step_post_hook(lambda o, a, k: calls.append(("post", w[0].item())))
    mod = importlib.import_module(m.__name__ + ".optim.optimizer")
    g1 = mod.register_optimizer_step_pre_hook(lambda o, a, k: calls.append(("gpre", o is opt)))
    g2 = mod.register_optimizer_step_post_hook(lambda o, a, k: calls.append(("gpost", o is opt)))
    try:
        w.grad = m.ones(2)
        opt.step()
    finally:
        g1.remove()
        g2.remove()
    h1.remove()
    opt.step()
    h2.remove()
    opt.step()
    assert calls == [("gpre", True), ("pre", 1.0), ("post", 0.5), ("gpost", True), ("post", 0.0)]


@pytest.mark.parametrize("lib", ["retrograd", "torch"])
def test_state_dict_hooks_and_repr(lib):
    if lib == "torch" and REAL_TORCH is None:
        pytest.skip("PyTorch (the oracle) is not installed")
    m = retrograd if lib == "retrograd" else REAL_TORCH
    w = m.ones(2, requires_grad=True)
    opt = m.optim.SGD([w], lr=0.5, momentum=0.9)
    calls = []
    opt.register_state_dict_pre_hook(lambda o: calls.append("pre"))
    opt.register_state_dict_pre_hook(lambda o: calls.append("pre-first"), prepend=True)
    opt.register_state_dict_post_hook(lambda o, sd: dict(sd, extra=1))
    sd = opt.state_dict()
    assert sd["extra"] == 1 and calls == ["pre-first", "pre"]
    opt.register_load_state_dict_pre_hook(lambda o, sd: calls.append("lpre") or {k: v for k, v in sd.items() if k != "extra"})
    h = opt.register_load_state_dict_post_hook(lambda o: calls.append("lpost"))
    opt.load_state_dict(sd)
    h.remove()
    opt.load_state_dict(sd)
    assert calls == ["pre-first", "pre", "lpre", "lpost", "lpre"]
    if REAL_TORCH is not None:
        t = REAL_TORCH.zeros(2, requires_grad=True)
        r = retrograd.zeros(2, requires_grad=True)
        for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "LBFGS"):
            assert repr(getattr(retrograd.optim, name)([r])) == repr(getattr(REAL_TORCH.optim, name)([t]))


CLOSED_FORM = [
    lambda S, o: S.StepLR(o, step_size=3, gamma=0.5),
    lambda S, o: S.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.5),
    lambda S, o: S.ExponentialLR(o, gamma=0.9),
    lambda S, o: S.CosineAnnealingLR(o, T_max=6, eta_min=0.01),
    lambda S, o: S.LinearLR(o, start_factor=0.5, total_iters=4),
    lambda S, o: S.LambdaLR(o, lambda e: 1 / (1 + e)),
]


@needs_torch
@pytest.mark.parametrize("make", CLOSED_FORM)
def test_scheduler_epoch_argument_uses_closed_form_like_torch(make):
    seqs = []
    for lib in (retrograd, REAL_TORCH):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.3)
        sched = make(lib.optim.lr_scheduler, opt)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in [3, 1, 7, 7, 2, 10]:
                opt.step()
                sched.step(epoch)
                seq.append(sched.get_last_lr()[0])
                sched.step()
                seq.append(sched.get_last_lr()[0])
        seqs.append(seq)
    assert seqs[0] == seqs[1]


@needs_torch
def test_sequential_lr_resumes_from_state_dict_like_torch():
    def build(lib):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.2)
        S = lib.optim.lr_scheduler
        return opt, S.SequentialLR(opt, [S.ExponentialLR(opt, 0.8), S.StepLR(opt, 2, 0.5)], milestones=[4])

    seqs = []
    for lib in (retrograd, REAL_TORCH):
        opt, sched = build(lib)
        for _ in range(6):
            opt.step()
            sched.step()
        sd = sched.state_dict()
        opt2, sched2 = build(lib)
        opt2.load_state_dict(opt.state_dict())
        sched2.load_state_dict(sd)
        seq = []
        for _ in range(6):
            opt2.step()
            sched2.step()
            seq.append(sched2.get_last_lr()[0])
        seqs.append(seq)
    assert seqs[0] == seqs[1]


def test_duplicate_parameters_warn_like_torch():
    w = retrograd.zeros(1, requires_grad=True)
    with pytest.warns(UserWarning, match="optimizer contains a parameter group with duplicate parameters"):
        retrograd.optim.SGD([w, w], lr=0.1)
