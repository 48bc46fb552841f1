"""nn.functional against PyTorch: values and gradients (float32 and float64) of activations,
softmax, linear layers, embedding, normalisation, distances, attention and losses; gradcheck
in float64; kinks; dropout; running statistics; warnings and error texts."""
import warnings

import numpy as np
import pytest

import retrograd as rt
import retrograd.nn.functional as RF
from retrograd.autograd import gradcheck

from conftest import REAL_TORCH, raises_exact

torch = REAL_TORCH
RNG = np.random.default_rng(5)


def R(*shape, lo=None, hi=None):
    if lo is not None:
        return RNG.uniform(lo, hi, shape)
    return RNG.standard_normal(shape)


class Const(np.ndarray):
    """A float input that does not require grad (weights, targets)."""


def C(a):
    return np.asarray(a, dtype=np.float64).view(Const)


def I(*vals):
    return np.array(vals, dtype=np.int64)


KINKS = np.array([-30., -6., -3., -1., -0.5, -0.25, 0., 0.25, 0.5, 1., 3., 6., 20., 30.])
X = R(3, 5)
X4 = R(2, 3, 4, 5)
T5 = I(1, 0, 4)

# id, fn(F, lib, *tensors), inputs (float arrays get requires_grad; int arrays are targets)
CASES = [
    *[(n, (lambda n: lambda F, L, x: getattr(F, n)(x))(n), [KINKS]) for n in (
        "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish",
        "softplus", "softsign", "hardtanh", "hardsigmoid", "hardswish", "logsigmoid",
        "tanhshrink", "softshrink", "hardshrink", "sigmoid", "tanh")],
    ("gelu_tanh", lambda F, L, x: F.gelu(x, approximate="tanh"), [KINKS]),
    ("leaky_relu_slope", lambda F, L, x: F.leaky_relu(x, 0.2), [KINKS]),
    ("elu_alpha", lambda F, L, x: F.elu(x, 0.5), [KINKS]),
    ("celu_alpha", lambda F, L, x: F.celu(x, 2.0), [KINKS]),
    ("softplus_beta", lambda F, L, x: F.softplus(x, 2.0, 10.0), [KINKS]),
    ("hardtanh_range", lambda F, L, x: F.hardtanh(x, -0.5, 1.0), [KINKS]),
    ("softshrink_l", lambda F, L, x: F.softshrink(x, 1.0), [KINKS]),
    ("hardshrink_l", lambda F, L, x: F.hardshrink(x, 1.0), [KINKS]),
    ("threshold", lambda F, L, x: F.threshold(x, 0.5, -2.0), [KINKS]),
    ("rrelu_eval", lambda F, L, x: F.rrelu(x), [KINKS]),
    ("prelu", lambda F, L, x, w: F.prelu(x, w), [R(2, 3, 4), R(3)]),
    ("prelu_scalar", lambda F, L, x, w: F.prelu(x, w), [KINKS, R(1)]),
    ("glu", lambda F, L, x: F.glu(x, 1), [R(3, 6, 2)]),
    ("softmax", lambda F, L, x: F.softmax(x, dim=1), [X]),
    ("softmax_neg", lambda F, L, x: F.softmax(x, -1), [X4]),
    ("softmax_0d", lambda F, L, x: F.softmax(x, 0), [np.array(1.5)]),
    ("softmax_large", lambda F, L, x: F.softmax(x * 100, 1), [X]),
    ("log_softmax", lambda F, L, x: F.log_softmax(x, dim=0), [X]),
    ("log_softmax_4d", lambda F, L, x: F.log_softmax(x, 1), [X4]),
    ("softmin", lambda F, L, x: F.softmin(x, 1), [X]),
    ("softmax_dtype", lambda F, L, x: F.softmax(x.float(), 1, dtype=L.float64), [X]),
    ("linear", lambda F, L, x, w, b: F.linear(x, w, b), [R(4, 3), R(5, 3), R(5)]),
    ("linear_nobias_3d", lambda F, L, x, w: F.linear(x, w), [R(2, 4, 3), R(5, 3)]),
    ("linear_1d", lambda F, L, x, w, b: F.linear(x, w, b), [R(3), R(5, 3), R(5)]),
    ("bilinear", lambda F, L, a, b, w, c: F.bilinear(a, b, w, c),
     [R(4, 3), R(4, 2), R(5, 3, 2), R(5)]),
    ("embedding", lambda F, L, w, i: F.embedding(i, w), [R(6, 3), I(1, 5, 1, 0)]),
    ("embedding_pad", lambda F, L, w, i: F.embedding(i, w, padding_idx=1),
     [R(6, 3), np.array([[1, 5], [1, 2]])]),
    ("embedding_negpad", lambda F, L, w, i: F.embedding(i, w, padding_idx=-1),
     [R(6, 3), I(5, 0, 5)]),
    ("embedding_freq", lambda F, L, w, i: F.embedding(i, w, scale_grad_by_freq=True),
     [R(6, 3), np.array([[1, 5, 1], [1, 2, 5]])]),
    ("embedding_freq_pad", lambda F, L, w, i: F.embedding(
        i, w, padding_idx=5, scale_grad_by_freq=True), [R(6, 3), I(1, 5, 1, 0)]),
    ("layer_norm", lambda F, L, x, w, b: F.layer_norm(x, (5,), w, b), [X4, R(5), R(5)]),
    ("layer_norm_2d", lambda F, L, x: F.layer_norm(x, [4, 5], eps=1e-3), [X4]),
    ("batch_norm_train", lambda F, L, x, w, b: F.batch_norm(
        x, None, None, w, b, training=True), [X4, R(3), R(3)]),
    ("batch_norm_eval", lambda F, L, x, m, v, w, b: F.batch_norm(
        x, m.detach(), v.detach(), w, b), [X4, R(3), R(3, lo=0.5, hi=2), R(3), R(3)]),
    ("batch_norm_2d", lambda F, L, x: F.batch_norm(x, None, None, training=True), [X]),
    ("group_norm", lambda F, L, x, w, b: F.group_norm(x, 3, w, b), [R(2, 6, 4), R(6), R(6)]),
    ("group_norm_1", lambda F, L, x: F.group_norm(x, 1), [X4]),
    ("instance_norm", lambda F, L, x, w, b: F.instance_norm(x, weight=w, bias=b),
     [X4, R(3), R(3)]),
    ("rms_norm", lambda F, L, x, w: F.rms_norm(x, (5,), w), [X4, R(5)]),
    ("normalize", lambda F, L, x: F.normalize(x), [X]),
    ("normalize_p1", lambda F, L, x: F.normalize(x, p=1.0, dim=-1), [X4]),
    ("cosine_similarity", lambda F, L, a, b: F.cosine_similarity(a, b), [X, R(3, 5)]),
    ("cosine_similarity_bc", lambda F, L, a, b: F.cosine_similarity(a, b, dim=-1),
     [R(4, 3), R(1, 3)]),
    ("pairwise_distance", lambda F, L, a, b: F.pairwise_distance(a, b), [X, R(3, 5)]),
    ("pairwise_distance_p1", lambda F, L, a, b: F.pairwise_distance(a, b, 1.0, keepdim=True),
     [X, R(5)]),
    ("sdpa", lambda F, L, q, k, v: F.scaled_dot_product_attention(q, k, v),
     [R(2, 3, 4), R(2, 5, 4), R(2, 5, 6)]),
    ("sdpa_causal", lambda F, L, q, k, v: F.scaled_dot_product_attention(
        q, k, v, is_causal=True, scale=0.3), [R(2, 2, 4, 3), R(2, 2, 4, 3), R(2, 2, 4, 3)]),
    ("sdpa_boolmask", lambda F, L, q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=L.tensor([[True, False, True], [False, True, True]])),
     [R(2, 2, 4), R(2, 3, 4), R(2, 3, 4)]),
    ("sdpa_dead_row", lambda F, L, q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=L.tensor([[True, False, True], [False, False, False]])),
     [R(2, 2, 4), R(2, 3, 4), R(2, 3, 4)]),
    ("sdpa_floatmask", lambda F, L, q, k, v, m: F.scaled_dot_product_attention(
        q, k, v, attn_mask=m), [R(2, 2, 4), R(2, 3, 4), R(2, 3, 4), R(2, 3)]),
    ("mse", lambda F, L, a, b: F.mse_loss(a, b), [X, R(3, 5)]),
    ("mse_sum", lambda F, L, a, b: F.mse_loss(a, b, reduction="sum"), [X, R(3, 5)]),
    ("mse_none", lambda F, L, a, b: F.mse_loss(a, b, reduction="none"), [X, R(3, 5)]),
    ("mse_weight", lambda F, L, a, b, w: F.mse_loss(a, b, weight=w), [X, R(3, 5), R(3, 5)]),
    ("l1", lambda F, L, a, b: F.l1_loss(a, b), [X, R(3, 5)]),
    ("l1_kink", lambda F, L, a, b: F.l1_loss(a, b.detach(), reduction="sum"),
     [KINKS, np.zeros_like(KINKS)]),
    ("smooth_l1", lambda F, L, a, b: F.smooth_l1_loss(a, b.detach(), reduction="none"),
     [KINKS, np.zeros_like(KINKS)]),
    ("smooth_l1_beta", lambda F, L, a, b: F.smooth_l1_loss(a, b.detach(), beta=0.5),
     [KINKS, np.zeros_like(KINKS)]),
    ("smooth_l1_beta0", lambda F, L, a, b: F.smooth_l1_loss(a, b, beta=0.0), [X, R(3, 5)]),
    ("huber", lambda F, L, a, b: F.huber_loss(a, b.detach(), reduction="none", delta=0.5),
     [KINKS, np.zeros_like(KINKS)]),
    ("huber_weight", lambda F, L, a, b, w: F.huber_loss(a, b, delta=2.0, weight=w),
     [X * 3, R(3, 5), R(3, 5)]),
    ("nll", lambda F, L, x, t: F.nll_loss(x, t), [X, T5]),
    ("nll_1d", lambda F, L, x, t: F.nll_loss(x, t), [R(5), np.array(3)]),
    ("nll_weight_ignore", lambda F, L, x, w, t: F.nll_loss(
        x, t, weight=w.detach(), ignore_index=0), [X, R(5, lo=0.2, hi=2), T5]),
    ("nll_none_ignore", lambda F, L, x, t: F.nll_loss(x, t, ignore_index=4, reduction="none"),
     [X, T5]),
    ("nll_kdim", lambda F, L, x, t: F.nll_loss(x, t, reduction="sum"),
     [R(2, 3, 4), I(0, 1, 2, 2, 1, 0, 0, 1).reshape(2, 4)]),
    ("ce", lambda F, L, x, t: F.cross_entropy(x, t), [X, T5]),
    ("ce_weight", lambda F, L, x, w, t: F.cross_entropy(x, t, weight=w.detach()),
     [X, R(5, lo=0.2, hi=2), T5]),
    ("ce_ignore", lambda F, L, x, t: F.cross_entropy(x, t, ignore_index=1), [X, T5]),
    ("ce_smooth", lambda F, L, x, t: F.cross_entropy(x, t, label_smoothing=0.2), [X, T5]),
    ("ce_smooth_weight_ignore", lambda F, L, x, w, t: F.cross_entropy(
        x, t, weight=w.detach(), ignore_index=0, label_smoothing=0.3),
     [X, R(5, lo=0.2, hi=2), T5]),
    ("ce_smooth_none", lambda F, L, x, t: F.cross_entropy(
        x, t, label_smoothing=0.1, reduction="none", ignore_index=4), [X, T5]),
    ("ce_smooth_sum_weight", lambda F, L, x, w, t: F.cross_entropy(
        x, t, weight=w.detach(), label_smoothing=0.1, reduction="sum"),
     [X, R(5, lo=0.2, hi=2), T5]),
    ("ce_kdim", lambda F, L, x, t: F.cross_entropy(x, t),
     [R(2, 3, 2, 2), I(0, 1, 2, 2, 1, 0, 0, 1).reshape(2, 2, 2)]),
    ("ce_1d", lambda F, L, x, t: F.cross_entropy(x, t), [R(5), np.array(2)]),
    ("ce_probs_1d_smooth", lambda F, L, x, p: F.cross_entropy(
        x, F.softmax(p, 0), label_smoothing=0.1), [R(5), R(5)]),
    ("ce_empty_sum", lambda F, L, x, t: F.cross_entropy(x, t, reduction="sum"),
     [R(2, 3, 0), np.zeros((2, 0), dtype=np.int64)]),
    ("ce_probs", lambda F, L, x, p: F.cross_entropy(x, F.softmax(p, 1)), [X, R(3, 5)]),
    ("ce_probs_smooth_weight", lambda F, L, x, p, w: F.cross_entropy(
        x, F.softmax(p, 1), weight=w.detach(), label_smoothing=0.2, reduction="sum"),
     [X, R(3, 5), R(5, lo=0.2, hi=2)]),
    ("ce_probs_kdim", lambda F, L, x, p: F.cross_entropy(x, p.softmax(1) if hasattr(
        p, "softmax") else F.softmax(p, 1)), [R(2, 3, 4), R(2, 3, 4)]),
    ("bce", lambda F, L, x, t: F.binary_cross_entropy(x, t),
     [R(3, 4, lo=0.05, hi=0.95), R(3, 4, lo=0, hi=1)]),
    ("bce_weight_none", lambda F, L, x, t, w: F.binary_cross_entropy(
        x, t, weight=w.detach(), reduction="none"),
     [R(3, 4, lo=0.05, hi=0.95), R(3, 4, lo=0, hi=1), R(4, lo=0, hi=1)]),
    ("bce_logits", lambda F, L, x, t: F.binary_cross_entropy_with_logits(x, t),
     [R(3, 4) * 5, R(3, 4, lo=0, hi=1)]),
    ("bce_logits_pos_weight", lambda F, L, x, t, p, w: F.binary_cross_entropy_with_logits(
        x, t, weight=w.detach(), pos_weight=p, reduction="sum"),
     [R(3, 4) * 30, R(3, 4, lo=0, hi=1), C(R(4, lo=0.5, hi=3)), R(3, 1, lo=0, hi=1)]),
    ("kl_div_batchmean", lambda F, L, x, t: F.kl_div(
        F.log_softmax(x, 1), F.softmax(t, 1), reduction="batchmean"), [X, R(3, 5)]),
    ("kl_div_sum_zero_target", lambda F, L, x, t: F.kl_div(x, t, reduction="sum"),
     [X, C([[0., 0.5, 0.5, 0., 0.]] * 3)]),  # d/dtarget of 0 log 0 is -inf
    ("kl_div_log_target", lambda F, L, x, t: F.kl_div(
        x, t, reduction="none", log_target=True), [X, R(3, 5)]),
    ("margin_ranking", lambda F, L, a, b, t: F.margin_ranking_loss(a, b, t.detach(), 0.1),
     [R(6), R(6), np.array([1., -1, 1, -1, 1, 1])]),
    ("soft_margin", lambda F, L, x, t: F.soft_margin_loss(x, t.detach()),
     [R(6), np.array([1., -1, 1, -1, 1, 1])]),
    ("hinge_embedding", lambda F, L, x, t: F.hinge_embedding_loss(x, t.detach()),
     [R(6), np.array([1., -1, 1, -1, 1, 1])]),
    ("cosine_embedding", lambda F, L, a, b, t: F.cosine_embedding_loss(
        a, b, t.detach(), margin=0.1), [R(4, 3), R(4, 3), np.array([1., -1, 1, -1])]),
    ("triplet", lambda F, L, a, p, n: F.triplet_margin_loss(a, p, n), [R(4, 3), R(4, 3),
                                                                       R(4, 3)]),
    ("triplet_swap_p1", lambda F, L, a, p, n: F.triplet_margin_loss(
        a, p, n, margin=0.5, p=1, swap=True, reduction="none"), [R(4, 3), R(4, 3), R(4, 3)]),
    ("multilabel_soft_margin", lambda F, L, x, t, w: F.multilabel_soft_margin_loss(
        x, t.detach(), weight=w.detach()), [X, R(3, 5, lo=0, hi=1), R(5)]),
    ("multi_margin", lambda F, L, x, t: F.multi_margin_loss(x, t), [X, T5]),
    ("multi_margin_p2_weight", lambda F, L, x, w, t: F.multi_margin_loss(
        x, t, p=2, margin=0.7, weight=w.detach(), reduction="none"), [X, R(5), T5]),
    ("poisson_nll", lambda F, L, x, t: F.poisson_nll_loss(x, t.detach()),
     [R(3, 4), R(3, 4, lo=0, hi=4)]),
    ("poisson_nll_full", lambda F, L, x, t: F.poisson_nll_loss(
        x, t.detach(), log_input=False, full=True), [R(3, 4, lo=0.1, hi=3), R(3, 4, lo=0, hi=4)]),
    ("gaussian_nll", lambda F, L, x, t, v: F.gaussian_nll_loss(x, t, v),
     [R(3, 4), R(3, 4), R(3, 4, lo=0.1, hi=2)]),
    ("gaussian_nll_full_vec", lambda F, L, x, t, v: F.gaussian_nll_loss(
        x, t, v, full=True, reduction="sum"), [R(3, 4), R(3, 4), R(3, lo=0.1, hi=2)]),
]


def _run(lib, fn, arrays, dtype):
    ts = [lib.tensor(np.asarray(a), dtype=dtype, requires_grad=not isinstance(a, Const))
          if a.dtype.kind == "f" else lib.tensor(a) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(lib.nn.functional, lib, *ts)
    cot = lib.tensor(np.cos(np.arange(out.numel()) + 1.0).reshape(tuple(out.shape)),
                     dtype=out.dtype)
    grads = []
    if out.requires_grad:
        (out * cot).sum().backward()
        grads = [None if t.grad is None else t.grad.numpy().copy() for t in ts
                 if t.is_floating_point()]
    return out, grads


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("precision", ["float32", "float64"])
@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, fn, arrays, precision):
    tol = dict(rtol=2e-4, atol=2e-5) if precision == "float32" else dict(rtol=1e-7, atol=1e-9)
    ours, ours_g = _run(rt, fn, arrays, getattr(rt, precision))
    ref, ref_g = _run(torch, fn, arrays, getattr(torch, precision))
    assert tuple(ours.shape) == tuple(ref.shape)
    assert str(ours.dtype) == str(ref.dtype)
    np.testing.assert_allclose(ours.detach().numpy(), ref.detach().numpy(), **tol)
    assert len(ours_g) == len(ref_g)
    for a, b in zip(ours_g, ref_g):
        if b is None:
            assert a is None or not a.any()
        else:
            np.testing.assert_allclose(a, b, **tol)


# evaluated at kinks / a float32 round trip / padding rows deliberately without gradient
GRADCHECK_SKIP = {"l1_kink", "smooth_l1", "smooth_l1_beta", "huber", "softmax_dtype",
                  "embedding_pad", "embedding_negpad", "embedding_freq", "embedding_freq_pad"}
GC_CASES = [c for c in CASES if c[2][0] is not KINKS and c[0] not in GRADCHECK_SKIP]


@pytest.mark.parametrize("name,fn,arrays", GC_CASES, ids=[c[0] for c in GC_CASES])
def test_gradcheck(name, fn, arrays):
    # the inputs that get a gradient (weights and targets the case detaches are constants)
    _, grads = _run(rt, fn, arrays, rt.float64)
    candidates = [i for i, a in enumerate(arrays)
                  if a.dtype.kind == "f" and not isinstance(a, Const)]
    floats = [i for i, g in zip(candidates, grads) if g is not None]
    fixed = [rt.tensor(np.asarray(a)) for a in arrays]

    def f(*xs):
        ts = list(fixed)
        for i, x in zip(floats, xs):
            ts[i] = x
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(RF, rt, *ts)

    xs = [rt.tensor(arrays[i], dtype=rt.float64, requires_grad=True) for i in floats]
    assert gradcheck(f, tuple(xs))


SMOOTH = [a for a in KINKS if a not in (-30, -6, -3, -1, -0.5, 0, 0.5, 1, 3, 6, 20, 30)]


@pytest.mark.parametrize("name", ["gelu", "silu", "mish", "softplus", "elu", "selu", "celu",
                                  "logsigmoid", "softsign", "tanhshrink", "hardswish"])
def test_gradcheck_activations(name):
    x = rt.tensor([-4.2, -2.5, -0.7, -0.25, 0.25, 0.9, 2.5, 4.1], dtype=rt.float64,
                  requires_grad=True)
    assert gradcheck(getattr(RF, name), (x,))


# ---- scenarios: error texts, warnings, dropout, running statistics, in-place ----

def _lib_cases(L):
    F = L.nn.functional
    x, t = L.randn(3, 5), L.tensor([1, 0, 4])
    return {
        "ce_float_target": lambda: F.cross_entropy(x, t.float()),
        "ce_int32": lambda: F.cross_entropy(x, t.int()),
        "ce_batch": lambda: F.cross_entropy(x, L.tensor([1, 0])),
        "ce_oob": lambda: F.cross_entropy(x, L.tensor([1, 0, 7])),
        "ce_2d_target": lambda: F.cross_entropy(x, L.tensor([[1], [0], [4]])),
        "ce_kdim_target": lambda: F.cross_entropy(L.randn(2, 3, 4),
                                                  L.tensor([[1, 0, 2], [0, 0, 1]])),
        "ce_probs_long": lambda: F.cross_entropy(x, L.ones(3, 5).long()),
        "ce_smoothing": lambda: F.cross_entropy(x, t, label_smoothing=1.5),
        "nll_float": lambda: F.nll_loss(x, t.float()),
        "nll_0d": lambda: F.nll_loss(L.tensor(1.0), L.tensor(0)),
        "nll_reduction": lambda: F.nll_loss(x, t, reduction="avg"),
        "mse_reduction": lambda: F.mse_loss(x, x, reduction="avg"),
        "bce_shape": lambda: F.binary_cross_entropy(L.rand(3), L.rand(3, 1)),
        "bce_range": lambda: F.binary_cross_entropy(L.tensor([1.5]), L.tensor([1.0])),
        "bce_weight_grad": lambda: F.binary_cross_entropy(
            L.rand(3), L.rand(3), weight=L.rand(3, requires_grad=True)),
        "bcel_shape": lambda: F.binary_cross_entropy_with_logits(L.rand(3), L.rand(3, 1)),
        "one_hot_float": lambda: F.one_hot(L.tensor([1.0])),
        "one_hot_small": lambda: F.one_hot(L.tensor([3]), 2),
        "one_hot_neg": lambda: F.one_hot(L.tensor([-1]), 2),
        "one_hot_empty": lambda: F.one_hot(L.tensor([], dtype=L.int64)),
        "dropout_p": lambda: F.dropout(x, 1.5),
        "bn_one": lambda: F.batch_norm(L.randn(1, 3), None, None, training=True),
        "ln_shape": lambda: F.layer_norm(x, (4,)),
        "gn_div": lambda: F.group_norm(L.randn(2, 6, 3), 4),
        "emb_float": lambda: F.embedding(L.tensor([1.0]), L.randn(3, 2)),
        "softshrink_neg": lambda: F.softshrink(x, -1.0),
        "sdpa_causal_mask": lambda: F.scaled_dot_product_attention(
            L.randn(2, 3), L.randn(2, 3), L.randn(2, 3),
            attn_mask=L.ones(2, 2, dtype=L.bool), is_causal=True),
        "softmax_long": lambda: F.softmax(L.tensor([[1, 2]]), 0),
        "softmax_long_last": lambda: F.softmax(L.tensor([[1, 2]]), -1),
        "log_softmax_bool": lambda: F.log_softmax(L.tensor([True]), 0),
        "softmin_long": lambda: F.softmin(L.tensor(3), 0),
        "softmin_bool": lambda: F.softmin(L.tensor([True]), 0),
        "glu_odd": lambda: F.glu(L.randn(3, 5)),
        "prelu_mismatch": lambda: F.prelu(L.randn(2, 3), L.randn(2)),
        "bn_eval_none": lambda: F.batch_norm(x, None, None),
        "bn_eval_var_none": lambda: F.batch_norm(x, L.zeros(5), None),
        "hardtanh_bad": lambda: F.hardtanh(x, 2.0, 1.0),
        "linear_shape": lambda: F.linear(L.randn(4, 3), L.randn(5, 2)),
        "nll_1d_target": lambda: F.nll_loss(L.randn(5), L.tensor([1, 2])),
        "nll_weight_size": lambda: F.nll_loss(x, t, weight=L.ones(3)),
        "layer_norm_weight": lambda: F.layer_norm(x, (5,), L.ones(4)),
        "layer_norm_bias": lambda: F.layer_norm(x, (5,), None, L.ones(4)),
        "huber_delta": lambda: F.huber_loss(x, x, delta=-1.0),
        "mse_weight_size": lambda: F.mse_loss(L.randn(3), L.randn(3), weight=L.randn(2)),
        "emb_oob": lambda: F.embedding(L.tensor([5]), L.randn(3, 2)),
        "smoothl1_neg": lambda: F.smooth_l1_loss(x, x, beta=-1.0),
        "margin_dim": lambda: F.margin_ranking_loss(L.randn(3), L.randn(3, 1), L.randn(3)),
    }


ERROR_CASES = sorted(_lib_cases(rt))


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("name", ERROR_CASES)
def test_error_texts_match_torch(name):
    with pytest.raises(Exception) as ref:
        _lib_cases(torch)[name]()
    first = str(ref.value).split("\n")[0]
    with raises_exact(type(ref.value), first):
        _lib_cases(rt)[name]()


def _warning_cases(L):
    F = L.nn.functional
    x, t = L.randn(3, 5), L.tensor([1, 0, 4])
    return {
        "mse": lambda: F.mse_loss(L.randn(3), L.randn(3, 1)),
        "l1": lambda: F.l1_loss(L.randn(3), L.randn(3, 1)),
        "smooth_l1": lambda: F.smooth_l1_loss(L.randn(3), L.randn(3, 1)),
        "huber": lambda: F.huber_loss(L.randn(3), L.randn(3, 1)),
        "softmax": lambda: F.softmax(x),
        "log_softmax": lambda: F.log_softmax(L.randn(2, 3, 4)),
        "softmin": lambda: F.softmin(L.randn(2, 3, 4, 5)),
        "softmax_1d": lambda: F.softmax(L.randn(4)),
        "kl_mean": lambda: F.kl_div(x, x),
        "legacy_sum": lambda: F.mse_loss(x, x, size_average=False),
        "legacy_none": lambda: F.nll_loss(x, t, reduce=False),
    }


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("name", sorted(_warning_cases(rt)))
def test_warnings_match_torch(name):
    results = []
    for L in (rt, torch):
        L.manual_seed(0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = _warning_cases(L)[name]()
        results.append((tuple(out.shape), [(w.category, str(w.message)) for w in caught]))
    assert results[0] == results[1]
    assert results[0][1]


def test_softmax_implicit_dim_values():
    x = R(2, 3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = RF.softmax(rt.tensor(x)).numpy()
    e = np.exp(x - x.max(0, keepdims=True))
    np.testing.assert_allclose(got, e / e.sum(0, keepdims=True), rtol=1e-6)


def test_dropout():
    rt.manual_seed(0)
    x = rt.ones(200, 100, requires_grad=True)
    assert RF.dropout(x, training=False) is x
    assert RF.dropout(x, 0.0) is x
    y = RF.dropout(x, 0.3)
    vals = set(np.unique(y.detach().numpy()).tolist())
    assert vals == {0.0, np.float32(1 / 0.7).item()}
    assert abs((y.detach().numpy() == 0).mean() - 0.3) < 0.02
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
    assert not RF.dropout(x, 1.0).detach().numpy().any()
    rt.manual_seed(7)
    a = RF.dropout(x, 0.5).detach().numpy()
    rt.manual_seed(7)
    np.testing.assert_array_equal(a, RF.dropout(x, 0.5).detach().numpy())
    z = rt.ones(10, 10)
    out = RF.dropout(z, 0.5, inplace=True)
    assert out is z and z._version == 1
    # channel-wise: whole channels share the mask
    c = RF.dropout2d(rt.ones(4, 6, 3, 3), 0.5).numpy()
    assert (c.reshape(24, 9).min(1) == c.reshape(24, 9).max(1)).all()
    c = RF.dropout1d(rt.ones(4, 6, 5), 0.5).numpy()
    assert (c.min(-1) == c.max(-1)).all()
    assert RF.alpha_dropout(x, 0.5) is x


def test_alpha_dropout_keeps_moments():
    rt.manual_seed(1)
    x = rt.randn(200000, dtype=rt.float64)
    y = RF.alpha_dropout(x, 0.2, training=True)
    assert abs(float(y.mean())) < 0.01 and abs(float(y.std()) - 1) < 0.01


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("fn", ["batch_norm", "instance_norm"])
def test_running_stats_match_torch(fn):
    x = R(4, 3, 5)
    stats = []
    for L in (rt, torch):
        rm, rv = L.zeros(3), L.ones(3)
        xi = L.tensor(x, dtype=L.float32, requires_grad=True)
        out = getattr(L.nn.functional, fn)(xi, rm, rv, training=True, momentum=0.3) \
            if fn == "batch_norm" else L.nn.functional.instance_norm(xi, rm, rv, momentum=0.3)
        (out * L.tensor(np.cos(np.arange(60.0)).reshape(4, 3, 5), dtype=L.float32)
         ).sum().backward()
        assert rm.grad_fn is None and not rm.requires_grad
        stats.append([rm.numpy(), rv.numpy(), out.detach().numpy(), xi.grad.numpy()])
    for a, b in zip(*stats):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
def test_embedding_max_norm_and_padding_match_torch():
    w = R(5, 3) * 3
    res = []
    for L in (rt, torch):
        wl = L.tensor(w, dtype=L.float32, requires_grad=True)
        i = L.tensor([[0, 2], [2, 4]])
        out = L.nn.functional.embedding(i, wl, padding_idx=2, max_norm=1.0)
        out.pow(2).sum().backward()
        res.append([out.detach().numpy(), wl.detach().numpy(), wl.grad.numpy()])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not res[0][2][2].any()


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
def test_1d_input_with_one_element_target():
    # (PyTorch's own backward refuses this shape pair, so only values are compared)
    x = R(5)
    for fn in ("cross_entropy", "nll_loss"):
        got = getattr(RF, fn)(rt.tensor(x), rt.tensor([3]), reduction="none")
        ref = getattr(torch.nn.functional, fn)(torch.tensor(x), torch.tensor([3]),
                                               reduction="none")
        assert tuple(got.shape) == tuple(ref.shape)
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-7)


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.1},
                                    {"weight": np.array([1.0, 2, 3, 4, 5])}])
def test_all_targets_ignored_gives_nan_with_zero_grads(kwargs):
    x = R(3, 5)
    res = []
    for L in (rt, torch):
        xi = L.tensor(x, requires_grad=True)
        kw = {k: L.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        loss = L.nn.functional.cross_entropy(xi, L.tensor([2, 2, 2]), ignore_index=2, **kw)
        loss.backward()
        res.append((loss.item(), xi.grad.numpy()))
    assert np.isnan(res[0][0]) and np.isnan(res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])


def test_gumbel_softmax():
    rt.manual_seed(3)
    logits = rt.tensor(R(4, 6), requires_grad=True)
    soft = RF.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).detach().numpy(), np.ones(4), rtol=1e-6)
    hard = RF.gumbel_softmax(logits, hard=True, dim=1)
    h = hard.detach().numpy()
    assert set(np.unique(h).tolist()) <= {0.0, 1.0} and (h.sum(1) == 1).all()
    (hard * rt.arange(6.0)).sum().backward()
    assert logits.grad is not None and logits.grad.abs().sum().item() > 0


def test_one_hot():
    got = RF.one_hot(rt.tensor([[0, 2], [1, 0]]))
    assert got.dtype is rt.int64 and tuple(got.shape) == (2, 2, 3)
    np.testing.assert_array_equal(got.numpy(), np.eye(3, dtype=np.int64)[[[0, 2], [1, 0]]])
    assert tuple(RF.one_hot(rt.tensor([1]), 5).shape) == (1, 5)


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "elu", "selu", "celu",
                                  "silu", "mish", "hardtanh", "hardsigmoid", "hardswish",
                                  "threshold"])
def test_inplace_activations_match_torch(name):
    res = []
    for L in (rt, torch):
        a = L.tensor([-4.0, -1.0, 0.5, 2.0, 7.0], requires_grad=True)
        x = a * 1
        args = (0.0, 5.0) if name == "threshold" else ()
        y = getattr(L.nn.functional, name)(x, *args, inplace=True)
        assert y is x and x._version == 1
        (y * L.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
        res.append([x.detach().numpy(), a.grad.numpy()])
    for u, v in zip(*res):
        np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-7)


def test_sdpa_dropout_and_all_masked_probs():
    q = rt.randn(2, 3, 4, requires_grad=True)
    out = RF.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    out.sum().backward()
    assert tuple(out.shape) == (2, 3, 4) and q.grad is not None


def test_cdist_reexport():
    a, b = R(3, 2), R(4, 2)
    got = RF.cdist(rt.tensor(a), rt.tensor(b)).numpy()
    np.testing.assert_allclose(got, np.linalg.norm(a[:, None] - b[None], axis=-1), rtol=1e-6)


def test_functional_namespace():
    import retrograd.nn.functional as F
    from retrograd.nn import _functional_basic
    for name in _functional_basic.__all__:
        assert callable(getattr(F, name)), name
    if torch is not None:
        missing = [n for n in _functional_basic.__all__
                   if n != "cdist" and not hasattr(torch.nn.functional, n)]
        assert not missing


@pytest.mark.parametrize("name", ["ce_smooth_weight_ignore", "ce_probs", "log_softmax_4d",
                                  "layer_norm", "batch_norm_train", "group_norm", "sdpa_causal",
                                  "bce_logits", "kl_div_batchmean", "cosine_similarity"])
def test_gradgradcheck(name):
    from retrograd.autograd import gradgradcheck
    _, fn, arrays = next(c for c in CASES if c[0] == name)
    _, grads = _run(rt, fn, arrays, rt.float64)
    cand = [i for i, a in enumerate(arrays) if a.dtype.kind == "f" and not isinstance(a, Const)]
    floats = [i for i, g in zip(cand, grads) if g is not None]
    fixed = [rt.tensor(np.asarray(a)) for a in arrays]

    def f(*xs):
        ts = list(fixed)
        for i, x in zip(floats, xs):
            ts[i] = x
        return fn(RF, rt, *ts)

    xs = [rt.tensor(np.asarray(arrays[i]), dtype=rt.float64, requires_grad=True)
          for i in floats]
    assert gradgradcheck(f, tuple(xs))


HALF_CASES = [c for c in CASES if not c[0].startswith("multi_margin")]  # PyTorch: no Half


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("name,fn,arrays", HALF_CASES, ids=[c[0] for c in HALF_CASES])
def test_float16_forward_matches_torch(name, fn, arrays):
    outs = []
    for L in (rt, torch):
        ts = [L.tensor(np.asarray(a), dtype=L.float16) if a.dtype.kind == "f"
              else L.tensor(a) for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(L.nn.functional, L, *ts)
        outs.append((str(out.dtype), out.detach().float().numpy()))
    assert outs[0][0] == outs[1][0]
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.1}, {"ignore_index": 2}])
def test_per_example_grads_under_vmap(kwargs):
    """vmap(grad(cross_entropy)) runs without the per-example fallback and agrees with a loop
    (and with torch.func when installed)."""
    w, x, y = R(5, 4), R(6, 4), RNG.integers(0, 5, 6)
    y[1] = 2

    def run(L):
        def loss(w, xi, yi):
            return L.nn.functional.cross_entropy(
                L.nn.functional.linear(xi.unsqueeze(0), w), yi.unsqueeze(0), **kwargs)
        args = (L.tensor(w), L.tensor(x), L.tensor(y))
        return L.func.vmap(L.func.grad(loss), in_dims=(None, 0, 0))(*args).numpy(), \
            np.stack([L.func.grad(loss)(args[0], args[1][i], args[2][i]).numpy()
                      for i in range(6)])

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no per-example fallback
        batched, looped = run(rt)
    np.testing.assert_allclose(batched, looped, rtol=1e-6, atol=1e-7)
    if torch is not None:
        np.testing.assert_allclose(batched, run(torch)[0], rtol=1e-4, atol=1e-6)
