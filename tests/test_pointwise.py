"""Pointwise scenarios beyond the op table, compared with PyTorch: gradients at kinks, ties
and special values, NaN through where, integer division and shift semantics, in-place
variants (values, versions, nodes, gradients), copy_, uniform_/normal_, error texts, the
accuracy of the special-function kernels, and the namespace's aliases."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import retrograd as rt
from retrograd.ops import special_kernels as sk
from conftest import REAL_TORCH

needs_torch = pytest.mark.skipif(REAL_TORCH is None, reason="PyTorch (the oracle) not installed")
NAN, INF = math.nan, math.inf


def _np(t):
    if t is None:
        return None
    t = t.detach()
    try:
        return t.numpy()
    except RuntimeError:  # PyTorch's ZeroTensor (a gradient it knows to be zero)
        return t.numpy(force=True)


def _same(a, b, what, rtol=1e-12, atol=1e-15):
    assert (a is None) == (b is None), what
    if a is None:
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, what
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol,
                                   atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def run_both(fn, *inputs, grad=None, dtype="float64", **kw):
    """Run ``fn(m, *leaves)`` in both libraries; compare values, dtypes, node names and the
    inputs' gradients (after backward with ``grad``, ones by default)."""
    results = []
    for m in (rt, REAL_TORCH):
        leaves = [m.tensor(np.asarray(x, dtype=dtype), requires_grad=True)
                  if isinstance(x, (list, float, np.ndarray)) else x for x in inputs]
        out = fn(m, *leaves)
        name = out.grad_fn.name() if out.grad_fn is not None else None
        grads = None
        if out.requires_grad:
            g = np.ones(tuple(out.shape)) if grad is None else np.asarray(grad)
            out.backward(m.tensor(g.astype(dtype)))
            grads = [_np(x.grad) if hasattr(x, "grad") else None for x in leaves]
        results.append((_np(out), str(out.dtype), name, grads))
    (v0, d0, n0, g0), (v1, d1, n1, g1) = results
    _same(v0, v1, "value", **kw)
    assert (d0, n0) == (d1, n1)
    assert (g0 is None) == (g1 is None)
    for k, (a, b) in enumerate(zip(g0 or [], g1 or [])):
        _same(a, b, f"grad of input {k}", **kw)
    return results[0]


# ----- gradients at kinks, ties and special values

KINKS = {
    "abs_at_zero": (lambda m, x: x.abs(), [[-1.0, 0.0, 2.0]]),
    "sign_nan_grad": (lambda m, x: x.sign(), [[-1.0, 0.0, 2.0]]),
    "sgn": (lambda m, x: m.sgn(x), [[-1.0, 0.0, 2.0]]),
    "relu_at_zero": (lambda m, x: m.relu(x), [[-1.0, 0.0, 2.0]]),
    "clamp_bounds_pass": (lambda m, x: x.clamp(0.0, 1.0), [[-1.0, 0.0, 0.5, 1.0, 2.0]]),
    "clamp_min_only": (lambda m, x: m.clamp(x, min=0.0), [[-1.0, 0.0, 2.0]]),
    "clamp_max_only": (lambda m, x: m.clip(x, max=0.0), [[-1.0, 0.0, 2.0]]),
    "clamp_nan": (lambda m, x: x.clamp(0.0, 1.0), [[NAN, 0.5]]),
    "clamp_min_above_max": (lambda m, x: x.clamp(1.0, 0.0), [[-1.0, 0.5, 2.0]]),
    "clamp_tensor_bounds": (lambda m, x, lo, hi: m.clamp(x, lo, hi),
                            [[-1.0, 0.0, 0.5, 1.0, 2.0, 0.7]], [[0.0, 0.0, 0.0, 0.0, 0.0, 0.8]],
                            [[1.0, 1.0, 1.0, 1.0, 1.0, 0.6]]),
    "clamp_tensor_min": (lambda m, x, lo: m.clamp(x, min=lo), [[-1.0, 0.0, 2.0]], [[0.0] * 3]),
    "clamp_min_fn": (lambda m, x: m.clamp_min(x, 0.0), [[-1.0, 0.0, 2.0]]),
    "clamp_max_tensor": (lambda m, x, hi: m.clamp_max(x, hi), [[-1.0, 0.0, 2.0]], [[0.0] * 3]),
    "maximum_ties": (lambda m, x, y: m.maximum(x, y), [[0.0, 1.0, 2.0]], [[0.0, 2.0, 1.0]]),
    "minimum_ties": (lambda m, x, y: m.minimum(x, y), [[0.0, 1.0, 2.0]], [[0.0, 2.0, 1.0]]),
    "maximum_nan": (lambda m, x, y: m.maximum(x, y), [[NAN, 1.0]], [[1.0, NAN]]),
    "fmax_ties_nan": (lambda m, x, y: m.fmax(x, y), [[0.0, NAN, 1.0]], [[0.0, 1.0, NAN]]),
    "fmin_ties_nan": (lambda m, x, y: m.fmin(x, y), [[0.0, NAN, 1.0]], [[0.0, 1.0, NAN]]),
    "hypot_origin": (lambda m, x, y: m.hypot(x, y), [[0.0, 3.0]], [[0.0, 4.0]]),
    "atan2_origin": (lambda m, x, y: m.atan2(x, y), [[0.0, 1.0, -0.0]], [[0.0, -1.0, -1.0]]),
    "copysign_zero": (lambda m, x, y: m.copysign(x, y), [[0.0, 1.0, -2.0]], [[-1.0, -0.0, 3.0]]),
    "copysign_scalar": (lambda m, x: m.copysign(x, -1.0), [[0.0, 1.0, -2.0]]),
    "xlogy_zero": (lambda m, x, y: m.xlogy(x, y), [[0.0, 0.0, 2.0, 0.0]],
                   [[0.0, 2.0, 0.0, NAN]]),
    "xlogy_scalar_self": (lambda m, y: m.xlogy(2.0, y), [[0.5, 2.0]]),
    "xlogy_scalar_other": (lambda m, x: m.xlogy(x, 3.0), [[0.0, 2.0]]),
    "logit_outside": (lambda m, x: m.logit(x), [[-0.5, 0.0, 0.5, 1.0, 1.5]]),
    "logit_eps": (lambda m, x: m.logit(x, eps=0.25), [[0.1, 0.25, 0.5, 0.75, 0.9]]),
    "sqrt_zero": (lambda m, x: x.sqrt(), [[0.0, 4.0]]),
    "rsqrt_zero": (lambda m, x: x.rsqrt(), [[0.0, 4.0]]),
    "log_zero": (lambda m, x: m.log2(x), [[0.0, 4.0]]),
    "floor_zero_grad": (lambda m, x: m.floor(x) + m.ceil(x) + m.trunc(x) + m.round(x),
                        [[-1.5, 0.5, 2.5]]),
    "round_decimals": (lambda m, x: m.round(x, decimals=1), [[1.25, -0.35, 2.0]]),
    "frac": (lambda m, x: m.frac(x), [[-1.5, 0.25, 3.0]]),
    "nan_to_num_specials": (lambda m, x: m.nan_to_num(x), [[NAN, INF, -INF, 1.0]]),
    "nan_to_num_values": (lambda m, x: x.nan_to_num(0.5, 9.0, -9.0), [[NAN, INF, -INF, 1.0]]),
    "div_modes": (lambda m, x, y: m.div(x, y, rounding_mode="floor") +
                  m.div(x, y, rounding_mode="trunc"), [[-7.0, 7.0, 5.5]], [[2.0, -2.0, 0.0]]),
    "div_floor_scalar": (lambda m, x: x.div(-2, rounding_mode="floor"), [[-7.0, 7.0]]),
    "remainder_signs": (lambda m, x, y: x % y, [[-7.0, 7.0, -7.0, 5.5]], [[2.0, -2.0, -2.0, 1.5]]),
    "remainder_scalar": (lambda m, x: m.remainder(x, 2.5), [[-7.0, 7.0]]),
    "fmod_signs": (lambda m, x, y: m.fmod(x, y), [[-7.0, 7.0, -7.0]], [[2.0, -2.0, -2.0]]),
    "fmod_scalar": (lambda m, x: x.fmod(-2), [[-7.0, 7.0]]),
    "erfinv_ends": (lambda m, x: m.erfinv(x), [[-1.0, 1.0, 0.0, 1.5]]),
    "erf_tails": (lambda m, x: m.erf(x) + m.erfc(x), [[-30.0, -3.0, 3.0, 30.0, INF]]),
    "lgamma_poles": (lambda m, x: m.lgamma(x), [[0.0, -1.0, -2.5, 1.0, 2.0, INF, -INF]]),
    "digamma_specials": (lambda m, x: m.digamma(x), [[0.0, -0.0, -1.0, -2.5, 1.0, INF]]),
    "polygamma_specials": (lambda m, x: m.polygamma(2, x), [[0.0, -2.5, 1.0, INF, -INF]]),
    "lerp_ends": (lambda m, x, y: m.lerp(x, y, 1.0) + m.lerp(x, y, 0.0), [[1.0, 2.0]],
                  [[3.0, 5.0]]),
    "lerp_tensor_weight": (lambda m, x, y, w: m.lerp(x, y, w), [[1.0, 2.0]], [[3.0, 5.0]],
                           [[0.25, 0.75]]),
    "addcdiv_zero": (lambda m, x, y, z: m.addcdiv(x, y, z, value=2), [[1.0, 2.0]],
                     [[1.0, 0.0]], [[0.0, 0.0]]),
    "logaddexp_inf": (lambda m, x, y: m.logaddexp(x, y), [[-INF, INF, 1.0]], [[-INF, INF, 2.0]]),
    "masked_fill_tensor_value": (lambda m, x, v: x.masked_fill(x > 0.5, v), [[0.0, 1.0, 2.0]],
                                 0.5),
    "exp2_expm1_log1p": (lambda m, x: m.exp2(x) * m.expm1(x) + m.log1p(x), [[0.0, 1e-10, 1.0]]),
    "acosh_at_one": (lambda m, x: m.acosh(x), [[1.0, 2.0]]),
    "atanh_at_one": (lambda m, x: m.atanh(x), [[1.0, 0.5]]),
    "square": (lambda m, x: m.square(x), [[-3.0, 0.5]]),
}


@needs_torch
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # (inf - inf in a formula)
@pytest.mark.parametrize("case", list(KINKS))
def test_special_points_match_torch(case):
    fn, *inputs = KINKS[case]
    inputs = [np.asarray(x) if isinstance(x, list) else x for x in inputs]
    inputs = [x[0] if isinstance(x, np.ndarray) and x.ndim == 2 and len(x) == 1 else x
              for x in inputs]
    # (PyTorch's float64 trigamma, digamma's derivative, is good to ~1e-9 only)
    run_both(fn, *inputs, rtol=1e-8 if "gamma" in case else 1e-10, atol=1e-12)


@needs_torch
def test_allclose_and_equal_match_torch():
    pairs = [([1.0, 2.0, NAN, INF], [1.0 + 1e-6, 2.1, NAN, INF]), ([1.0, NAN], [1.0, NAN]),
             ([1.0, 2.0], [1.0, 2.0]), ([[1.0, 2.0]], [1.0, 2.0]), ([-INF], [INF])]
    for a, b in pairs:
        for kw in ({}, {"equal_nan": True}, {"rtol": 0.1}, {"atol": 0.5}):
            res = [m.allclose(m.tensor(a), m.tensor(b), **kw) for m in (rt, REAL_TORCH)]
            assert res[0] is res[1], (a, b, kw)
        res = [(m.equal(m.tensor(a), m.tensor(b)), m.tensor(a).equal(m.tensor(b)))
               for m in (rt, REAL_TORCH)]
        assert res[0] == res[1], (a, b)
    for m in (rt, REAL_TORCH):
        assert m.equal(m.ones(2), m.ones(2, dtype=m.int64)) is True
        assert m.ones(2, requires_grad=True).isclose(m.ones(2)).requires_grad is False


def test_maximum_splits_ties():
    x = rt.tensor([0.0, 1.0, 2.0], requires_grad=True)
    y = rt.tensor([0.0, 2.0, 1.0], requires_grad=True)
    rt.maximum(x, y).sum().backward()
    assert x.grad.tolist() == [0.5, 0.0, 1.0] and y.grad.tolist() == [0.5, 1.0, 0.0]


@needs_torch
def test_where_nan_in_untaken_branch_matches_torch():
    # the famous one: where() masks the value, not the gradient of the untaken branch
    run_both(lambda m, x: m.where(x > 0, x.sqrt(), 0.0), [-1.0, 4.0])
    run_both(lambda m, x: m.where(x > 0, m.log(x), x), [-1.0, 0.0, 4.0])
    # ...and the safe pattern, which has no NaN
    run_both(lambda m, x: m.where(x > 0, m.where(x > 0, x, 1.0).sqrt(), 0.0), [-1.0, 4.0])


def test_where_nan_gradient_is_pytorch_s():
    x = rt.tensor([-1.0, 4.0], requires_grad=True)
    rt.where(x > 0, x.sqrt(), 0.0).sum().backward()
    assert math.isnan(x.grad[0].item()) and x.grad[1].item() == 0.25


# ----- integer semantics

INT_CASES = {
    "floor_divide": lambda m, a, b: a // b,
    "div_floor": lambda m, a, b: m.div(a, b, rounding_mode="floor"),
    "div_trunc": lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
    "remainder": lambda m, a, b: a % b,
    "fmod": lambda m, a, b: m.fmod(a, b),
    "true_div": lambda m, a, b: a / b,
    "rfloordiv": lambda m, a, b: 7 // b,
    "rmod": lambda m, a, b: -7 % b,
    "clamp_float_bound": lambda m, a, b: a.clamp(-1.5, 2),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "masked_fill_float": lambda m, a, b: a.masked_fill(b > 0, 2.7),
    "addcmul_float_value": lambda m, a, b: m.addcmul(a, a, b, value=0.5),
    "square": lambda m, a, b: m.square(a),
    "floor": lambda m, a, b: m.floor(a),
    "nan_to_num": lambda m, a, b: m.nan_to_num(a),
    "sign_bool": lambda m, a, b: m.sign(a > 0),
    "isfinite": lambda m, a, b: m.isfinite(a),
    "logical_xor": lambda m, a, b: m.logical_xor(a, b),
    "bitwise_fn": lambda m, a, b: m.bitwise_xor(a, b) | m.bitwise_and(a, 3),
    "gcd_lcm": lambda m, a, b: m.gcd(a, b) + m.lcm(a, b),
    "heaviside": lambda m, a, b: m.heaviside(a, b),
    "float_power": lambda m, a, b: m.float_power(a, b),
}


@needs_torch
@pytest.mark.parametrize("dtype", ["int8", "int32", "int64"])
@pytest.mark.parametrize("case", list(INT_CASES))
def test_integer_semantics_match_torch(case, dtype):
    a = np.array([-7, 7, -7, 7, 0, 5, -128 if dtype == "int8" else -9], dtype=dtype)
    b = np.array([2, -2, -2, 2, 3, 5, 3], dtype=dtype)
    outs = [INT_CASES[case](m, m.tensor(a), m.tensor(b)) for m in (rt, REAL_TORCH)]
    assert str(outs[0].dtype) == str(outs[1].dtype)
    _same(outs[0].numpy(), outs[1].numpy(), case)


SHIFT_DTYPES = ["uint8", "int8", "int16", "int32", "int64"]


@needs_torch
@pytest.mark.parametrize("dtype", SHIFT_DTYPES)
def test_shifts_match_torch(dtype):
    a = np.array([1, -3, 5, 7, -128, 100, 1], dtype=np.int64).astype(dtype)
    s = np.array([0, 1, 3, 7, 8, 63, 64], dtype=np.int64).astype(dtype)
    for op in (lambda x, y: x << y, lambda x, y: x >> y, lambda x, y: x << 2,
               lambda x, y: 3 >> y, lambda x, y: x >> 70):
        outs = [op(m.tensor(a), m.tensor(s)) for m in (rt, REAL_TORCH)]
        assert str(outs[0].dtype) == str(outs[1].dtype)
        _same(outs[0].numpy(), outs[1].numpy(), dtype)


# ----- in-place variants: the value, the same tensor, a bumped version, the node, grads

INPLACE = {
    **{n: (lambda n: lambda x: getattr(x, n + "_")())(n) for n in (
        "abs neg negative reciprocal exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square "
        "sin cos tan asin arcsin acos atan sinh cosh tanh sigmoid logit erf erfc "
        "erfinv lgamma digamma floor ceil round trunc fix frac nan_to_num relu sign sgn "
        "deg2rad rad2deg").split()},
    "clamp_": lambda x: x.clamp_(0.2, 0.6), "clip_": lambda x: x.clip_(max=0.5),
    "clamp_min_": lambda x: x.clamp_min_(0.3), "mul_": lambda x: x.mul_(x.detach() + 1),
    "div_": lambda x: x.div_(0.3), "div_floor_": lambda x: x.div_(0.3, rounding_mode="floor"),
    "remainder_": lambda x: x.remainder_(0.3), "fmod_": lambda x: x.fmod_(0.3),
    "lerp_": lambda x: x.lerp_(x * 2, 0.25),
    "addcmul_": lambda x: x.addcmul_(x * 1, x * 2, value=2),
    "addcdiv_": lambda x: x.addcdiv_(x * 1, x + 1), "atan2_": lambda x: x.atan2_(x + 1),
    "hypot_": lambda x: x.hypot_(x + 1), "xlogy_": lambda x: x.xlogy_(2.0),
    "copysign_": lambda x: x.copysign_(-1.0), "pow_": lambda x: x.pow_(3),
    "masked_fill_": lambda x: x.masked_fill_(x > 0.5, 0.0), "polygamma_": lambda x: x.polygamma_(1),
    "sub_": lambda x: x.sub_(x * 3, alpha=2), "polygamma0_": lambda x: x.polygamma_(0),
    "imod": lambda x: x.__imod__(0.3), "ipow": lambda x: x.__ipow__(2),
    "float_power_": lambda x: x.float_power_(x * 0 + 1.5), "sinc_": lambda x: x.sinc_(),
    "ldexp_": lambda x: x.ldexp_(x.detach() * 2), "nextafter_": lambda x: x.nextafter_(x * 2),
}


@needs_torch
@pytest.mark.parametrize("case", list(INPLACE))
def test_inplace_matches_torch(case):
    res = []
    for m in (rt, REAL_TORCH):
        leaf = m.tensor([0.1, 0.45, 0.7, 0.9], dtype=m.float64, requires_grad=True)
        x = leaf * 1
        v = x._version
        y = INPLACE[case](x)
        assert y is x and x._version > v, case
        x.backward(m.ones(4, dtype=m.float64))
        res.append((_np(x), x.grad_fn.name(), _np(leaf.grad)))
        with m.no_grad():  # without autograd, on a plain tensor
            plain = m.tensor([0.1, 0.45, 0.7, 0.9], dtype=m.float64)
            INPLACE[case](plain)
            res[-1] += (_np(plain),)
    # (PyTorch's float64 trigamma is good to ~1e-9: polygamma_(1) and digamma_'s grad show it)
    _same(res[0][0], res[1][0], "value", rtol=1e-8)
    assert res[0][1] == res[1][1]
    _same(res[0][2], res[1][2], "grad", rtol=1e-8)
    _same(res[0][3], res[1][3], "no-grad value", rtol=1e-8)


@needs_torch
def test_inplace_with_keyword_tensor_argument_matches_torch():
    # the bound is a keyword: the in-place op must still compute from a snapshot of self
    res = []
    for m in (rt, REAL_TORCH):
        t = m.tensor([0.3, 0.3, 0.3], requires_grad=True)
        x = m.tensor([0.1, 0.5, 0.9])
        x.clamp_(min=t, max=t + 0.4)
        (x * m.tensor([1.0, 2.0, 3.0])).sum().backward()
        res.append((x.tolist(), x.grad_fn.name(), t.grad.tolist()))
    assert res[0][1] == res[1][1]
    np.testing.assert_allclose(res[0][0], res[1][0])
    np.testing.assert_allclose(res[0][2], res[1][2])


def test_inplace_on_leaf_and_int_tensor_refused():
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        rt.ones(2, requires_grad=True).exp_()
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        rt.tensor([1, 2]).exp_()


# ----- copy_

@needs_torch
def test_inverse_hyperbolic_inplace_nodes_match_torch():
    for name in ("asinh_", "acosh_", "atanh_", "arcsinh_"):
        names = [getattr(m.tensor([1.5], requires_grad=True) * (0.5 if "t" in name[2:] else 1),
                         name)().grad_fn.name() for m in (rt, REAL_TORCH)]
        assert names[0] == names[1], name
    x = rt.tensor([0.3])
    assert x.asinh_() is x and abs(x.item() - math.asinh(0.3)) < 1e-7


@needs_torch
def test_copy_broadcasts_casts_and_routes_gradients():
    res = []
    for m in (rt, REAL_TORCH):
        a = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        src = m.tensor([7.0, 8.0, 9.0], dtype=m.float64, requires_grad=True)
        x = a * 2
        x.copy_(src)
        (x * m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
        res.append((_np(x), str(x.dtype), x.grad_fn.name(),
                    [n.name() if n else None for n, _ in x.grad_fn.next_functions],
                    _np(a.grad), _np(src.grad), str(src.grad.dtype), x._version))
        y = m.zeros(2, 3, dtype=m.int64).copy_(m.tensor([1.7, -2.5, 3.2]))  # cast truncates
        res[-1] += (_np(y),)
    assert res[0][1:4] == res[1][1:4] and res[0][6:8] == res[1][6:8]
    for k in (0, 4, 5, 8):
        _same(res[0][k], res[1][k], f"item {k}")


# ----- uniform_ / normal_

def test_uniform_and_normal_fill_in_place():
    x = rt.empty(1000)
    v = x._version
    assert x.uniform_(-2, 3) is x and x._version == v + 1
    assert -2 <= x.min().item() if hasattr(x, "min") else True
    assert np.all((x.numpy() >= -2) & (x.numpy() < 3))
    g = rt.Generator().manual_seed(5)
    a = rt.empty(5).normal_(1.0, 0.5, generator=g)
    b = rt.empty(5).normal_(1.0, 0.5, generator=rt.Generator().manual_seed(5))
    assert a.tolist() == b.tolist()
    rt.manual_seed(3)
    c = rt.empty(4).uniform_()
    rt.manual_seed(3)
    assert c.tolist() == rt.empty(4).uniform_().tolist()
    with rt.no_grad():  # nn.init's way: a parameter filled under no_grad
        w = rt.empty(3, requires_grad=True)
        w.normal_()
    assert w.requires_grad and w.is_leaf


@needs_torch
def test_mixed_dtype_operands_are_cast_inside_the_kernel():
    # no ToCopyBackward0 in PyTorch's graphs: the promotion happens in the kernel
    cases = [lambda m, x, d: m.clamp(x, d, None), lambda m, x, d: m.clamp(x, d[0], d),
             lambda m, x, d: m.lerp(x, x * 2, d[0]), lambda m, x, d: x.masked_fill(x > 0.5, d[0]),
             lambda m, x, d: m.addcmul(x, x, d), lambda m, x, d: m.maximum(x, d)]
    for k, case in enumerate(cases):
        res = []
        for m in (rt, REAL_TORCH):
            x = m.tensor([0.25, 0.5, 0.75], requires_grad=True)
            d = m.tensor([0.5, 0.25, 0.6], dtype=m.float64, requires_grad=True)
            y = case(m, x, d)
            y.backward(m.ones_like(y))
            res.append((str(y.dtype), [n.name() if n else None
                                       for n, _ in y.grad_fn.next_functions],
                        x.grad.tolist(), str(x.grad.dtype), d.grad.tolist()))
        assert res[0][:2] == res[1][:2] and res[0][3] == res[1][3], k
        np.testing.assert_allclose(res[0][2], res[1][2], err_msg=str(k))
        np.testing.assert_allclose(res[0][4], res[1][4], err_msg=str(k))


@needs_torch
def test_random_fill_of_a_tensor_with_history_matches_torch():
    for name in ("uniform_", "normal_"):
        res = []
        for m in (rt, REAL_TORCH):
            a = m.ones(3, requires_grad=True)
            x = a * 2
            getattr(x, name)()
            x.sum().backward()
            res.append((x.grad_fn.name(), a.grad.tolist(), x.requires_grad))
        assert res[0] == res[1], name


# ----- error texts: PyTorch's type and first line

ERRORS = {
    "int_floor_divide_by_zero": lambda m: m.tensor([1, 2]) // 0,
    "int_remainder_by_zero": lambda m: m.tensor([1, 2]) % m.tensor([1, 0]),
    "int_fmod_by_zero": lambda m: m.fmod(m.tensor([1, 2]), 0),
    "int_div_trunc_by_zero": lambda m: m.div(m.tensor([1]), 0, rounding_mode="trunc"),
    "bad_rounding_mode": lambda m: m.div(m.ones(2), 2, rounding_mode="round"),
    "floor_divide_backward": lambda m: (m.ones(2, requires_grad=True) // 2).sum().backward(),
    "rmod_backward": lambda m: (2 % m.ones(2, requires_grad=True)).sum().backward(),
    "clamp_no_bounds": lambda m: m.clamp(m.ones(2)),
    "clamp_mixed_bounds": lambda m: m.clamp(m.ones(2), m.zeros(2), 0.5),
    "clamp_bool_both": lambda m: m.clamp(m.ones(2, dtype=m.bool), m.zeros(2, dtype=m.bool),
                                         m.ones(2, dtype=m.bool)),
    "masked_fill_mask_dtype": lambda m: m.ones(3).masked_fill(m.ones(3), 1.0),
    "masked_fill_value_dims": lambda m: m.ones(3).masked_fill(m.ones(3) > 0, m.ones(3)),
    "masked_fill_inplace_broadcast": lambda m: m.ones(3).masked_fill_(
        m.ones(2, 3, dtype=m.bool), 1.0),
    "lerp_dtypes": lambda m: m.lerp(m.ones(2), m.ones(2, dtype=m.float64), 0.5),
    "lerp_weight_dtype": lambda m: m.lerp(m.ones(2), m.ones(2), m.ones(2, dtype=m.float64)),
    "lerp_int": lambda m: m.lerp(m.ones(2, dtype=m.int64), m.ones(2, dtype=m.int64), 0.5),
    "addcdiv_int": lambda m: m.addcdiv(m.ones(2), m.ones(2, dtype=m.int64),
                                       m.ones(2, dtype=m.int64)),
    "addcmul_bool": lambda m: m.addcmul(*[m.ones(2, dtype=m.bool)] * 3),
    "lshift_float": lambda m: m.ones(2) << 1,
    "rshift_bool": lambda m: m.ones(2, dtype=m.bool) >> m.ones(2, dtype=m.bool),
    "bitwise_and_float": lambda m: m.bitwise_and(m.ones(2), 1),
    "bitwise_not_float": lambda m: m.bitwise_not(m.ones(2)),
    "invert_float": lambda m: ~m.ones(2),
    "logical_and_number": lambda m: m.logical_and(m.ones(2), 1),
    "maximum_number": lambda m: m.maximum(m.ones(2), 0.5),
    "atan2_number_first": lambda m: m.atan2(0.5, m.ones(2)),
    "hypot_int": lambda m: m.hypot(m.ones(2, dtype=m.int64), m.ones(2, dtype=m.int64)),
    "logaddexp_int": lambda m: m.logaddexp(m.ones(2, dtype=m.int64), m.ones(2, dtype=m.int64)),
    "polygamma_negative": lambda m: m.polygamma(-1, m.ones(2)),
    "round_decimals_int": lambda m: m.round(m.ones(2, dtype=m.int64), decimals=1),
    "frac_int": lambda m: m.frac(m.ones(2, dtype=m.int64)),
    "floor_bool": lambda m: m.floor(m.ones(2, dtype=m.bool)),
    "remainder_bool": lambda m: m.ones(2, dtype=m.bool) % m.ones(2, dtype=m.bool),
    "exp_int_inplace": lambda m: m.ones(2, dtype=m.int64).exp_(),
    "copy_shapes": lambda m: m.zeros(2, 3).copy_(m.ones(4)),
    "copy_wider_src": lambda m: m.zeros(3).copy_(m.ones(2, 3)),
    "uniform_bounds": lambda m: m.zeros(3).uniform_(2, 1),
    "uniform_int": lambda m: m.zeros(3, dtype=m.int64).uniform_(),
    "normal_std": lambda m: m.zeros(3).normal_(0, -1),
    "normal_leaf": lambda m: m.zeros(3, requires_grad=True).normal_(),
    "sqrt_leaf_inplace": lambda m: m.ones(3, requires_grad=True).sqrt_(),
    "asinh_inplace_backward": lambda m: (m.ones(3, requires_grad=True) * 1).asinh_().sum()
    .backward(),
    "atanh_inplace_backward": lambda m: (m.ones(3, requires_grad=True) * .5).arctanh_().sum()
    .backward(),
    "int_floor_divide_inplace": lambda m: m.ones(3, dtype=m.int64).__ifloordiv__(0),
    "positive_bool": lambda m: m.positive(m.ones(2, dtype=m.bool)),
    "round_float_decimals": lambda m: m.round(m.ones(2), decimals=1.5),
    "exp_fn_inplace_leaf": lambda m: m.exp_(m.ones(2, requires_grad=True)),
    "heaviside_backward": lambda m: m.heaviside(m.ones(2, requires_grad=True), m.ones(2)).sum()
    .backward(),
    "heaviside_dtypes": lambda m: m.heaviside(m.ones(2), m.ones(2, dtype=m.float64)),
    "float_power_inplace_float": lambda m: m.ones(2).float_power_(2),
    "gcd_float": lambda m: m.gcd(m.ones(2), m.ones(2)),
    "isclose_dtypes": lambda m: m.isclose(m.ones(2), m.ones(2, dtype=m.float64)),
    "isclose_number": lambda m: m.isclose(m.ones(2), 1.0),
    "isclose_rtol": lambda m: m.allclose(m.ones(2), m.ones(2), rtol=-1),
    "isclose_broadcast": lambda m: m.isclose(m.ones(2, 3), m.ones(4)),
    "nextafter_int": lambda m: m.nextafter(m.ones(2, dtype=m.int64), m.ones(2, dtype=m.int64)),
}


@needs_torch
@pytest.mark.parametrize("case", list(ERRORS))
def test_error_matches_torch(case):
    results = []
    for m in (rt, REAL_TORCH):
        with pytest.raises(Exception) as info:
            ERRORS[case](m)
        results.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert results[0] == results[1]


# ----- the special-function kernels: whole-array, float64-accurate

def _rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


def test_erf_erfc_lgamma_against_math():
    x = np.concatenate([np.linspace(-6, 6, 2001), [1e-300, -1e-20, 1.5, 2.9999, 3.0, 26.0]])
    assert _rel(sk.erf(x), [math.erf(v) for v in x]) < 1e-14
    assert _rel(sk.erfc(x), [math.erfc(v) for v in x]) < 1e-12
    g = np.concatenate([np.linspace(0.01, 30, 3000), np.linspace(-9.99, -0.01, 999),
                        [1e-300, 1 + 1e-9, 2 - 1e-9, 1e10, 1e300]])
    g = g[np.abs(g - np.round(g)) > 1e-6]
    ref = np.array([math.lgamma(v) for v in g])
    away = np.abs(ref) > 1e-3  # (near lgamma's zeros only the absolute error is meaningful)
    assert _rel(sk.lgamma(g)[away], ref[away]) < 1e-12
    assert np.max(np.abs(sk.lgamma(g) - ref)) < 1e-13 * np.max(np.abs(ref))


def test_erfinv_inverts_erf():
    y = np.concatenate([np.linspace(-0.999, 0.999, 1999), 1 - np.logspace(-15, -1, 50)])
    x = sk.erfinv(y)
    assert _rel(sk.erf(x), y) < 1e-14
    tail = y > 0.9
    assert _rel(sk.erfc(x[tail]), 1 - y[tail]) < 1e-12  # the tails stay relative-accurate


def test_trigamma_exact_values():
    assert abs(sk.polygamma(1, np.array(1.0)) - math.pi ** 2 / 6) < 1e-15
    assert abs(sk.polygamma(1, np.array(0.5)) - math.pi ** 2 / 2) < 1e-14
    assert abs(sk.digamma(np.array(1.0)) + 0.5772156649015329) < 1e-15


def test_digamma_polygamma_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    x = np.concatenate([np.linspace(0.05, 25, 250), np.linspace(-4.95, -0.05, 99)])
    x = x[np.abs(x - np.round(x)) > 1e-3]
    ref = np.array([float(mpmath.digamma(v)) for v in x])
    away = np.abs(ref) > 1e-2
    assert _rel(sk.digamma(x)[away], ref[away]) < 1e-12
    for n in (1, 2, 3):
        ref = np.array([float(mpmath.polygamma(n, v)) for v in x])
        assert _rel(sk.polygamma(n, x), ref) < 1e-11, n


@needs_torch
def test_special_functions_match_torch_float64():
    t = REAL_TORCH
    rng = np.random.default_rng(0)
    x = rng.uniform(-8, 8, 4000)
    u = rng.uniform(-1, 1, 4000)
    for ours, theirs, arg in [(rt.erf, t.erf, x), (rt.erfc, t.erfc, x),
                              (rt.erfinv, t.erfinv, u), (rt.lgamma, t.lgamma, x),
                              (rt.digamma, t.digamma, x)]:
        a, b = ours(rt.tensor(arg)).numpy(), theirs(t.tensor(arg)).numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b))
        ok = np.isfinite(b) & (np.abs(b) > 1e-6)
        assert _rel(a[ok], b[ok]) < 1e-9, ours.__name__


# ----- the namespace: aliases and methods PyTorch has

ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
           "arccosh": "acosh", "arctanh": "atanh", "arctan2": "atan2", "absolute": "abs",
           "clip": "clamp", "fix": "trunc", "greater": "gt", "greater_equal": "ge",
           "less": "lt", "less_equal": "le", "not_equal": "ne", "negative": "neg"}


def test_aliases_are_the_same_ops():
    for alias, name in ALIASES.items():
        assert getattr(rt, alias) is getattr(rt, name), alias
        assert hasattr(rt.Tensor, alias) and hasattr(rt.Tensor, alias + "_") or \
            alias.startswith(("greater", "less", "not_equal")), alias
    for name in ("multiply", "subtract", "divide", "true_divide"):
        assert callable(getattr(rt, name)) and hasattr(rt.Tensor, name + "_"), name


@needs_torch
def test_namespace_covers_torch_names():
    names = ("abs sign sgn neg reciprocal exp exp2 expm1 log log2 log10 log1p sqrt rsqrt "
             "square sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh sigmoid logit "
             "erf erfc erfinv lgamma digamma polygamma floor ceil round trunc frac clamp clip "
             "nan_to_num add sub mul div true_divide floor_divide remainder fmod pow atan2 "
             "arctan2 hypot maximum minimum fmax fmin copysign xlogy logaddexp logaddexp2 "
             "lerp addcmul addcdiv where masked_fill logical_and logical_or logical_xor "
             "logical_not isnan isinf isfinite isposinf isneginf bitwise_and bitwise_or "
             "bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift deg2rad "
             "rad2deg clamp_min clamp_max positive float_power sinc ldexp nextafter heaviside "
             "gcd lcm isclose allclose equal").split()
    missing = [n for n in names if not hasattr(rt, n)]
    missing += [f"Tensor.{n}" for n in names if hasattr(REAL_TORCH.Tensor, n) and
                not hasattr(rt.Tensor, n)]
    missing += [f"Tensor.{n}_" for n in names if hasattr(REAL_TORCH.Tensor, n + "_") and
                not hasattr(rt.Tensor, n + "_")]
    missing += [f"{n}_" for n in names if hasattr(REAL_TORCH, n + "_") and
                not hasattr(rt, n + "_")]
    assert not missing, missing


# ----- Hypothesis: broadcasting shapes for the binary and ternary ops, vs PyTorch

BROADCAST_OPS = {
    "atan2": lambda m, a, b: m.atan2(a, b), "hypot": lambda m, a, b: m.hypot(a, b),
    "maximum": lambda m, a, b: m.maximum(a, b), "fmin": lambda m, a, b: m.fmin(a, b),
    "xlogy": lambda m, a, b: m.xlogy(a, b.abs() + 0.5),
    "remainder": lambda m, a, b: a % (b.abs() + 0.5),
    "logaddexp": lambda m, a, b: m.logaddexp(a, b), "copysign": lambda m, a, b: m.copysign(a, b),
    "lerp": lambda m, a, b: m.lerp(a, b, 0.3), "clamp": lambda m, a, b: m.clamp(a, max=b),
}


@needs_torch
@pytest.mark.parametrize("name", list(BROADCAST_OPS))
@settings(max_examples=10, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       seed=st.integers(0, 2 ** 16))
def test_broadcasting_matches_torch(name, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.uniform(-2, 2, s) for s in shapes.input_shapes)
    run_both(BROADCAST_OPS[name], a, b, grad=rng.standard_normal(shapes.result_shape),
             rtol=1e-10, atol=1e-12)


# ----- reduced precision: PyTorch's float32 opmath and fused multiply-adds, bit for bit

BITWISE_F32 = {
    "lerp": lambda m, a, b, p: m.lerp(a, b, 0.3), "lerp_hi": lambda m, a, b, p: m.lerp(a, b, 0.7),
    "lerp_tensor": lambda m, a, b, p: m.lerp(a, b, p),
    "addcmul": lambda m, a, b, p: m.addcmul(a, b, p, value=0.7),
    "addcdiv": lambda m, a, b, p: m.addcdiv(a, b, p, value=0.7),
    "rsqrt": lambda m, a, b, p: m.rsqrt(b),
    "round_decimals": lambda m, a, b, p: m.round(a, decimals=2),
    "deg2rad": lambda m, a, b, p: m.deg2rad(a), "sigmoid_half": lambda m, a, b, p: m.sigmoid(a),
}


@needs_torch
@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("case", list(BITWISE_F32))
def test_reduced_precision_is_bitwise_torch(case, dtype):
    if case == "sigmoid_half" and dtype == "float32":
        pytest.skip("float32 sigmoid: PyTorch's vectorized exp differs from NumPy's in the "
                    "last bit")
    if case == "rsqrt" and dtype == "float16":
        pytest.skip("half rsqrt: PyTorch's scalar loop over the last elements rounds differently "
                    "from its vectorized loop over the rest")
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(-3, 3, 2000), rng.uniform(0.3, 3, 2000), rng.uniform(0.01, 0.99, 2000)]
    outs = [BITWISE_F32[case](m, *(m.tensor(x.astype(dtype)) for x in arrays)).numpy()
            for m in (rt, REAL_TORCH)]
    np.testing.assert_array_equal(outs[0], outs[1])


# ----- every in-place method on integer, bool and float tensors: result or refusal as PyTorch

_BINARY_INPLACE = set(
    "add sub mul div true_divide floor_divide remainder fmod pow atan2 arctan2 hypot copysign "
    "xlogy logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor "
    "bitwise_left_shift bitwise_right_shift eq ne lt le gt ge greater greater_equal less "
    "less_equal not_equal ldexp nextafter heaviside gcd lcm multiply subtract divide".split())
_INPLACE_ARGS = {"clamp_": (0, 2), "clip_": (0, 2), "clamp_min_": (1,), "clamp_max_": (1,),
                 "polygamma_": (1,), "float_power_": (2,)}


def _inplace_outcome(m, name, dtype):
    x = m.tensor(np.array([1, 2, 3]).astype(dtype))
    other = m.tensor(np.array([2, 1, 2]).astype(dtype))
    args = _INPLACE_ARGS.get(name, (other,) if name[:-1] in _BINARY_INPLACE else ())
    args = {"lerp_": (other, 0.5), "addcmul_": (other, other), "addcdiv_": (other, other),
            "copy_": (other,), "masked_fill_": (m.tensor([True, False, True]), 5)}.get(name, args)
    try:
        r = getattr(x, name)(*args)
    except Exception as e:  # noqa: BLE001  (the refusal is the outcome)
        return type(e).__name__, str(e).splitlines()[0]
    return str(r.dtype), None if name in ("uniform_", "normal_") else r.numpy(), r is x


@needs_torch
@pytest.mark.parametrize("dtype", ["int64", "bool", "float32"])
def test_every_inplace_method_matches_torch(dtype):
    from retrograd.ops.pointwise import METHODS
    names = [n for n in METHODS if n.endswith("_") and not n.startswith("_") and
             hasattr(REAL_TORCH.Tensor, n)]
    assert len(names) > 100
    bad = []
    for name in names:
        ours, theirs = (_inplace_outcome(m, name, dtype) for m in (rt, REAL_TORCH))
        if isinstance(ours[1], np.ndarray) and isinstance(theirs[1], np.ndarray):
            same = ours[0] == theirs[0] and ours[2] == theirs[2] and np.allclose(
                ours[1].astype(float), theirs[1].astype(float), rtol=1e-5, equal_nan=True)
        else:
            same = ours == theirs
        if not same:
            bad.append(f"{name}: {ours} vs {theirs}")
    assert not bad, "\n".join(bad)


# ----- special values through every unary op: NaN, infinities, signed zeros, extremes

SPECIAL_VALUES = [NAN, INF, -INF, 0.0, -0.0, 1e-310, 1e308, -1e308, 0.5, -0.5, 1.0, -1.0, 2.5,
                  -3.0, 700.0, -700.0]
UNARY_NAMES = ("abs sign sgn neg reciprocal exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square "
               "sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh sigmoid logit erf "
               "erfc erfinv lgamma digamma floor ceil round trunc frac nan_to_num deg2rad "
               "rad2deg relu sinc isnan isinf isfinite isposinf isneginf").split()


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_special_values_match_torch(dtype):
    bad = []
    with np.errstate(over="ignore"):  # (1e308 is inf in float32)
        x = np.array(SPECIAL_VALUES, dtype=dtype)
    for name in UNARY_NAMES:
        ours = getattr(rt, name)(rt.tensor(x)).numpy().astype(np.float64)
        theirs = getattr(REAL_TORCH, name)(REAL_TORCH.tensor(x)).numpy().astype(np.float64)
        if name == "digamma" and dtype == "float32":  # (PyTorch's float32 digamma: ~1e-6)
            theirs[x == -0.5] = ours[x == -0.5]
        nan = np.isnan(theirs)
        same = np.array_equal(np.isnan(ours), nan) and np.allclose(
            ours[~nan], theirs[~nan], rtol=1e-6, atol=0) and np.array_equal(
            np.signbit(ours[~nan]), np.signbit(theirs[~nan]))  # (-0.0 too; NaN's sign aside)
        if not same:
            bad.append(f"{name}: {ours} vs {theirs}")
    assert not bad, "\n".join(bad)


BINARY_SPECIALS = [NAN, INF, -INF, 0.0, -0.0, 1.0, -1.0, 2.5, -3.0]
BINARY_SWEEP = {
    "add": lambda m, a, b: a + b, "sub": lambda m, a, b: a - b, "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "div_floor": lambda m, a, b: m.div(a, b, rounding_mode="floor"),
    "div_trunc": lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
    "floordiv": lambda m, a, b: a // b, "remainder": lambda m, a, b: a % b,
    "remainder_scalar": lambda m, a, b: a % -2.5, "fmod": lambda m, a, b: m.fmod(a, b),
    "pow": lambda m, a, b: a ** b, "atan2": lambda m, a, b: m.atan2(a, b),
    "hypot": lambda m, a, b: m.hypot(a, b), "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b), "fmax": lambda m, a, b: m.fmax(a, b),
    "fmin": lambda m, a, b: m.fmin(a, b), "copysign": lambda m, a, b: m.copysign(a, b),
    "xlogy": lambda m, a, b: m.xlogy(a, b), "logaddexp": lambda m, a, b: m.logaddexp(a, b),
    "nextafter": lambda m, a, b: m.nextafter(a, b),
    "float_power": lambda m, a, b: m.float_power(a, b),
    "lerp": lambda m, a, b: m.lerp(a, b, 0.3),
    "lerp_hi": lambda m, a, b: m.lerp(a, b, 0.7),
    "clamp_min": lambda m, a, b: m.clamp(a, b, None),
    "clamp_max": lambda m, a, b: m.clamp(a, None, b),
    "clamp_nan": lambda m, a, b: a.clamp(NAN, 1.0),
    "addcmul": lambda m, a, b: m.addcmul(a, a, b), "addcdiv": lambda m, a, b: m.addcdiv(a, a, b),
    "heaviside": lambda m, a, b: m.heaviside(a, b), "isclose": lambda m, a, b: m.isclose(a, b),
    "nan_to_num": lambda m, a, b: m.nan_to_num(a, nan=2.0),
    "xlogy_zero": lambda m, a, b: m.xlogy(a, 0.0),
}


@needs_torch
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_special_values_match_torch(dtype):
    pairs = [(a, b) for a in BINARY_SPECIALS for b in BINARY_SPECIALS]
    a, b = (np.array(v, dtype=dtype) for v in zip(*pairs))
    bad = []
    for name, fn in BINARY_SWEEP.items():
        ours, theirs = (fn(m, m.tensor(a), m.tensor(b)).numpy().astype(np.float64)
                        for m in (rt, REAL_TORCH))
        nan = np.isnan(theirs)
        ok = np.isnan(ours) == nan
        ok[~nan] &= np.isclose(ours[~nan], theirs[~nan], rtol=1e-6, atol=0) & (
            np.signbit(ours[~nan]) == np.signbit(theirs[~nan]))
        if not ok.all():
            bad.append(f"{name}: {[(pairs[i], ours[i], theirs[i]) for i in np.where(~ok)[0]]}")
    assert not bad, "\n".join(bad)


@needs_torch
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_unary_gradients_at_special_values_match_torch():
    values = [NAN, INF, -INF, 0.0, 1e-300, 0.5, -0.5, 1.0, -1.0, 2.5, -3.0, 30.0, -30.0]
    bad = []
    for name in UNARY_NAMES[:-5]:  # (the predicates have no gradient)
        grads = []
        for m in (rt, REAL_TORCH):
            x = m.tensor(values, dtype=m.float64, requires_grad=True)
            getattr(m, name)(x).backward(m.ones(len(values), dtype=m.float64))
            grads.append(_np(x.grad))
        ours, theirs = grads
        nan = np.isnan(theirs)
        ok = np.isnan(ours) == nan
        ok[~nan] &= np.isclose(ours[~nan], theirs[~nan], rtol=1e-8, atol=0)
        if not ok.all():
            bad.append(f"{name}: {[(values[i], ours[i], theirs[i]) for i in np.where(~ok)[0]]}")
    assert not bad, "\n".join(bad)
