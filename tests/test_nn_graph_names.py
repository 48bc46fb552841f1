"""nn.functional's activations, softmax family and losses record PyTorch's autograd graph:
the node names reachable from ``out.grad_fn`` (and, for the softmax family and nll, from a
create_graph gradient) are PyTorch 2.x's, with the same values and gradients; gradcheck and
gradgradcheck in float64."""
import warnings

import numpy as np
import pytest

import retrograd as rt
from retrograd.autograd import gradcheck, gradgradcheck

from conftest import REAL_TORCH

RNG = np.random.default_rng(13)


def R(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape)


class Const(np.ndarray):
    """A float input that does not require grad (targets, class weights)."""


def C(a):
    return np.asarray(a, dtype=np.float64).view(Const)


def I(*vals):
    return np.array(vals, dtype=np.int64)


X = R(3, 5)
Y = I(1, 0, 4)
P = RNG.uniform(0.05, 0.95, (3, 5))
TP = RNG.uniform(0.0, 1.0, (3, 5))
TSOFT = RNG.dirichlet(np.ones(5), 3)
W5 = RNG.uniform(0.2, 1.5, 5)
X4 = R(2, 3, 2, 3)
Y4 = RNG.integers(0, 3, (2, 2, 3))
X3 = R(2, 3, 4)
Y3 = RNG.integers(0, 3, (2, 4))
X5 = R(2, 3, 2, 1, 2)
Y5 = RNG.integers(0, 3, (2, 2, 1, 2))
ACT_X = R(3, 4, lo=-4.0, hi=4.0)

ACTS = [
    ("relu", lambda F, x: F.relu(x)), ("relu6", lambda F, x: F.relu6(x * 4)),
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.2)), ("elu", lambda F, x: F.elu(x, 0.7)),
    ("selu", lambda F, x: F.selu(x)), ("celu", lambda F, x: F.celu(x, 1.5)),
    ("gelu", lambda F, x: F.gelu(x)), ("gelu_tanh", lambda F, x: F.gelu(x, approximate="tanh")),
    ("silu", lambda F, x: F.silu(x)), ("mish", lambda F, x: F.mish(x)),
    ("softplus", lambda F, x: F.softplus(x)), ("softplus_beta", lambda F, x: F.softplus(x, 2., 3.)),
    ("softsign", lambda F, x: F.softsign(x)), ("hardtanh", lambda F, x: F.hardtanh(x, -1.5, 2.)),
    ("hardsigmoid", lambda F, x: F.hardsigmoid(x)), ("hardswish", lambda F, x: F.hardswish(x)),
    ("logsigmoid", lambda F, x: F.logsigmoid(x)),
    ("softmax", lambda F, x: F.softmax(x, 1)), ("softmax_dim0", lambda F, x: F.softmax(x, 0)),
    ("log_softmax", lambda F, x: F.log_softmax(x, -1)), ("softmin", lambda F, x: F.softmin(x, 1)),
]
CASES = [(n, (lambda f: lambda F, L, x: f(F, x))(f), [ACT_X]) for n, f in ACTS] + [
    ("torch.softmax", lambda F, L, x: L.softmax(x, 1), [X]),
    ("torch.log_softmax", lambda F, L, x: L.log_softmax(x, 0), [X]),
    ("Tensor.softmax", lambda F, L, x: x.softmax(-1), [X]),
    ("Tensor.log_softmax", lambda F, L, x: x.log_softmax(1), [X]),
    ("log_softmax_3d", lambda F, L, x: F.log_softmax(x, 1), [X3]),
    ("softmax_0d", lambda F, L, x: F.softmax(x, 0), [np.array(0.7)]),
]
for red in ("mean", "sum", "none"):
    CASES += [
        (f"mse_loss-{red}", lambda F, L, x, t, r=red: F.mse_loss(x, t, reduction=r), [X, R(3, 5)]),
        (f"l1_loss-{red}", lambda F, L, x, t, r=red: F.l1_loss(x, t, reduction=r), [X, R(3, 5)]),
        (f"smooth_l1_loss-{red}",
         lambda F, L, x, t, r=red: F.smooth_l1_loss(x, t, reduction=r, beta=0.5), [X, R(3, 5)]),
        (f"huber_loss-{red}",
         lambda F, L, x, t, r=red: F.huber_loss(x, t, reduction=r, delta=0.7), [X, R(3, 5)]),
        (f"cross_entropy-{red}", lambda F, L, x, y, r=red: F.cross_entropy(x, y, reduction=r),
         [X, Y]),
        (f"cross_entropy_weight-{red}",
         lambda F, L, x, y, w, r=red: F.cross_entropy(x, y, w, reduction=r), [X, Y, C(W5)]),
        (f"cross_entropy_ignore-{red}",
         lambda F, L, x, y, r=red: F.cross_entropy(x, y, ignore_index=0, reduction=r), [X, Y]),
        (f"cross_entropy_smoothing-{red}",
         lambda F, L, x, y, r=red: F.cross_entropy(x, y, reduction=r, label_smoothing=0.2),
         [X, Y]),
        (f"cross_entropy_smoothing_weight_ignore-{red}",
         lambda F, L, x, y, w, r=red: F.cross_entropy(x, y, w, ignore_index=4, reduction=r,
                                                      label_smoothing=0.3), [X, Y, C(W5)]),
        (f"cross_entropy_probs-{red}",
         lambda F, L, x, t, r=red: F.cross_entropy(x, t, reduction=r), [X, C(TSOFT)]),
        (f"cross_entropy_probs_weight_smoothing-{red}",
         lambda F, L, x, t, w, r=red: F.cross_entropy(x, t, w, reduction=r, label_smoothing=0.1),
         [X, C(TSOFT), C(W5)]),
        (f"cross_entropy_4d-{red}", lambda F, L, x, y, r=red: F.cross_entropy(x, y, reduction=r),
         [X4, Y4]),
        (f"nll_loss-{red}", lambda F, L, x, y, r=red: F.nll_loss(x, y, reduction=r), [X, Y]),
        (f"nll_loss_weight_ignore-{red}",
         lambda F, L, x, y, w, r=red: F.nll_loss(x, y, w, ignore_index=1, reduction=r),
         [X, Y, C(W5)]),
        (f"nll_loss_4d-{red}", lambda F, L, x, y, r=red: F.nll_loss(x, y, reduction=r), [X4, Y4]),
        (f"nll_loss_4d_weight-{red}",
         lambda F, L, x, y, w, r=red: F.nll_loss(x, y, w[:3], ignore_index=2, reduction=r),
         [X4, Y4, C(W5)]),
        (f"nll_loss_3d-{red}", lambda F, L, x, y, r=red: F.nll_loss(x, y, reduction=r), [X3, Y3]),
        (f"nll_loss_5d-{red}", lambda F, L, x, y, r=red: F.nll_loss(x, y, reduction=r), [X5, Y5]),
        (f"binary_cross_entropy-{red}",
         lambda F, L, p, t, r=red: F.binary_cross_entropy(p, t, reduction=r), [P, C(TP)]),
        (f"binary_cross_entropy_weight-{red}",
         lambda F, L, p, t, w, r=red: F.binary_cross_entropy(p, t, w, reduction=r),
         [P, C(TP), C(W5)]),
        (f"bce_with_logits-{red}",
         lambda F, L, x, t, r=red: F.binary_cross_entropy_with_logits(x, t, reduction=r),
         [X, C(TP)]),
        (f"bce_with_logits_weights-{red}",
         lambda F, L, x, t, w, r=red: F.binary_cross_entropy_with_logits(
             x, t, w[:3, None], reduction=r, pos_weight=w), [X, C(TP), C(W5)]),
        (f"kl_div-{red}", lambda F, L, x, t, r=red: F.kl_div(x, t, reduction=r), [X, C(TP)]),
        (f"mse_loss_weight-{red}",
         lambda F, L, x, t, w, r=red: F.mse_loss(x, t, reduction=r, weight=w), [X, R(3, 5), C(TP)]),
        (f"l1_loss_weight-{red}",
         lambda F, L, x, t, w, r=red: F.l1_loss(x, t, reduction=r, weight=w), [X, R(3, 5), C(TP)]),
        (f"huber_loss_weight-{red}",
         lambda F, L, x, t, w, r=red: F.huber_loss(x, t, reduction=r, weight=w), [X, R(3, 5), C(TP)]),
        (f"kl_div_log_target-{red}",
         lambda F, L, x, t, r=red: F.kl_div(x, t, reduction=r, log_target=True), [X, R(3, 5)]),
    ]
CASES += [
    ("cross_entropy_1d", lambda F, L, x, y: F.cross_entropy(x, y), [R(5), np.array(3)]),
    ("cross_entropy_3d", lambda F, L, x, y: F.cross_entropy(x, y), [X3, Y3]),
    ("nll_loss_1d", lambda F, L, x, y: F.nll_loss(x, y), [R(5), np.array(2)]),
    ("smooth_l1_loss_beta0", lambda F, L, x, t: F.smooth_l1_loss(x, t, beta=0.0), [X, R(3, 5)]),
    ("kl_div_batchmean", lambda F, L, x, t: F.kl_div(x, t, reduction="batchmean"), [X, C(TP)]),
    ("mse_loss_broadcast", lambda F, L, x, t: F.mse_loss(x, t), [R(3, 1), R(3, 5)]),
]
CASES += [  # in place: the node takes over the input's history (EluBackward1, ...)
    (f"{n}_inplace", (lambda n, a: lambda F, L, x: getattr(F, n)(x * 1, *a, inplace=True))(n, a),
     [ACT_X])
    for n, a in (("relu", ()), ("relu6", ()), ("leaky_relu", (0.1,)), ("elu", (0.5,)),
                 ("selu", ()), ("celu", (1.5,)), ("silu", ()), ("mish", ()), ("hardtanh", ()),
                 ("hardsigmoid", ()), ("hardswish", ()))]
IDS = [c[0] for c in CASES]
# Double backward: the gradient's own graph (PyTorch's *BackwardBackward0 nodes)
SECOND = {"softmax", "log_softmax", "softmin", "cross_entropy-mean", "cross_entropy_4d-sum",
          "nll_loss-none", "nll_loss_4d-mean", "nll_loss_weight_ignore-mean", "gelu",
          "gelu_tanh", "elu", "celu", "selu", "leaky_relu", "relu6", "hardtanh", "softplus",
          "hardswish", "logsigmoid", "mse_loss-mean", "smooth_l1_loss-sum", "huber_loss-none",
          "binary_cross_entropy-mean"}


def graph_names(fn):
    """Names of the nodes reachable from ``fn``, breadth first (a loop, no recursion)."""
    names, seen, queue, k = [], set(), [fn], 0
    while k < len(queue):
        node = queue[k]
        k += 1
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.append(node.name().replace("torch::autograd::", ""))
        queue.extend(n for n, _ in node.next_functions)
    return names


def build(L, fn, arrays, dtype):
    ts = []
    for a in arrays:
        if np.asarray(a).dtype.kind == "f":
            t = L.tensor(np.asarray(a), dtype=dtype)
            ts.append(t if isinstance(a, Const) else t.requires_grad_())
        else:
            ts.append(L.tensor(a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ts, fn(L.nn.functional, L, *ts)


def _torch():
    if REAL_TORCH is None:
        pytest.skip("PyTorch not installed")
    return REAL_TORCH


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=IDS)
def test_graph_names_match_torch(name, fn, arrays):
    torch = _torch()
    _, ro = build(rt, fn, arrays, rt.float64)
    _, to = build(torch, fn, arrays, torch.float64)
    assert graph_names(ro.grad_fn) == graph_names(to.grad_fn)


@pytest.mark.parametrize("name,fn,arrays", [c for c in CASES if c[0] in SECOND],
                         ids=[i for i in IDS if i in SECOND])
def test_double_backward_graph_names_match_torch(name, fn, arrays):
    torch = _torch()
    names = []
    for L in (rt, torch):
        ts, out = build(L, fn, arrays, L.float64)
        x = ts[0]
        g = L.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
        gx, = L.autograd.grad(out, x, g, create_graph=True)
        names.append(graph_names(gx.grad_fn))
    assert names[0] == names[1]


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=IDS)
def test_values_and_gradients_match_torch_float32(name, fn, arrays):
    torch = _torch()
    results = []
    for L in (rt, torch):
        ts, out = build(L, fn, arrays, L.float32)
        g = np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(np.float32)
        out.backward(L.tensor(g))
        results.append((str(out.dtype), out.detach().numpy(),
                        [t.grad.numpy() for t in ts if t.requires_grad]))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-6)
    for a, b in zip(results[0][2], results[1][2]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=IDS)
def test_gradcheck_and_gradgradcheck(name, fn, arrays):
    ts, _ = build(rt, fn, arrays, rt.float64)
    free = [k for k, t in enumerate(ts) if t.requires_grad]

    def f(*xs):
        args = list(ts)
        for k, x in zip(free, xs):
            args[k] = x
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(rt.nn.functional, rt, *args)

    xs = tuple(ts[k].detach().requires_grad_() for k in free)
    assert gradcheck(f, xs)
    assert gradgradcheck(f, xs)


def test_cross_entropy_costs_two_primitives_each_way():
    """The common case (2-d logits, 1-d labels, mean) is log_softmax + nll_loss forward and
    one backward primitive each when the backward is recorded (no composite of many small
    ops); a plain backward runs those primitives' kernels as array formulas, no call."""
    from retrograd.ops.primitive import INSTANCES
    calls = []
    originals = [(p, p.call) for p in INSTANCES]

    def traced(p, call):
        def run(*args):
            calls.append(p.name)
            return call(*args)
        return run

    x = rt.tensor(X, requires_grad=True)
    y = rt.tensor(Y)
    for p, call in originals:
        p.call = traced(p, call)
    try:
        loss = rt.nn.functional.cross_entropy(x, y)
        forward = list(calls)
        calls.clear()
        rt.autograd.grad(loss, x, create_graph=True)
        recorded = list(calls)
        calls.clear()
        loss.backward()
    finally:
        for p, call in originals:
            p.call = call
    assert forward == ["log_softmax", "nll_loss"]
    assert recorded == ["nll_loss_backward", "log_softmax_backward_data"]
    assert calls == []  # (the engine's copy into x.grad is a plain array copy too)


def test_nll_loss_all_ignored_is_nan_with_zero_gradient():
    for L in filter(None, (rt, REAL_TORCH)):
        x = L.tensor(X, requires_grad=True)
        loss = L.nn.functional.cross_entropy(x, L.tensor(I(2, 2, 2)), ignore_index=2)
        loss.backward()
        assert np.isnan(loss.item())
        assert np.all(x.grad.numpy() == 0)


def test_nll_loss_target_out_of_bounds():
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        rt.nn.functional.nll_loss(rt.tensor(X), rt.tensor(I(1, 5, 0)))
    with pytest.raises(IndexError, match="Target -1 is out of bounds."):
        rt.nn.functional.cross_entropy(rt.tensor(X4), rt.tensor(-np.ones((2, 2, 3), np.int64)))


def test_new_primitives_have_vmap_rules():
    """The activation, softmax and loss primitives batch as whole arrays under vmap (none is
    in the per-example fallback list)."""
    from retrograd.nn import _act_prims, _loss_prims, _softmax_prims
    from retrograd.ops.primitive import Primitive
    ours = {p.name for mod in (_act_prims, _loss_prims, _softmax_prims)
            for p in vars(mod).values() if isinstance(p, Primitive)}
    assert {"log_softmax", "nll_loss", "mse_loss", "gelu_backward"} <= ours
    assert not ours & set(rt.func._fallback_ops)


@pytest.mark.filterwarnings("error")  # (PyTorch is silent about inf and nan here)
def test_softmax_family_non_finite_rows_match_torch():
    torch = _torch()
    inf, nan = float("inf"), float("nan")
    rows = [[inf, 1.0, 2.0], [-inf, 0.0, 1.0], [nan, 1.0, 2.0], [-inf, -inf, -inf]]
    got = []
    for L in (rt, torch):
        x = L.tensor(rows, requires_grad=True)
        outs = [L.log_softmax(x, 1), L.softmax(x, 1)]
        (outs[0].sum() + outs[1][:, 0].sum()).backward()
        got.append([o.detach().numpy() for o in outs] + [x.grad.numpy()])
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-6, equal_nan=True)
