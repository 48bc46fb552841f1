"""The op table's pointwise entries (see tests/opinfo.py, which assembles every family)."""
import math

import numpy as np

from opinfo_base import (Domain, T, S, OpInfo, REAL, POS, NONZERO, BOOL, TIES, UNARY,  # noqa: F401
                         BINARY, CMP, INT_DOMAIN, unary)

try:
    import mpmath
except ImportError:  # (torch's own dependency; without it the kernels are their own reference)
    mpmath = None

UNIT = Domain(-0.9, 0.9)            # asin, atanh, erfinv
PROB = Domain(0.05, 0.95, ints=(0, 1))  # logit
ABOVE_ONE = Domain(1.2, 3.0, ints=(2, 4))  # acosh
GAMMA = Domain(0.2, 4.0, ints=(1, 4))    # lgamma, digamma: away from the poles
NEG_GAMMA = Domain(-2.9, -0.1, ints=(1, 3))  # the reflected side (poles at the integers)
SHIFT = Domain(0, 1, ints=(-1, 40))      # shift amounts, some negative or past the width

# Python numbers on either side; scalar-first dropped where PyTorch takes none (or where
# the result's node refuses a gradient: 2 % x)
TENSORS = BINARY[:7]
NO_SCALAR_FIRST = [s for s in BINARY if not isinstance(s.args[0], (int, float))]
# as BINARY, with a nonzero tensor divisor when the Python number comes first
DIVISION = [S(2, T(3, 4, domain=NONZERO)) if isinstance(s.args[0], int) else s for s in BINARY]
_TIES = [S(T(3, 4, domain=REAL), T(3, 4, domain=REAL)), S(T(2, domain=REAL), T(2, domain=REAL)),
         *TENSORS[:3]]
TERNARY = [S(T(3, 4), T(3, 4), T(3, 4)), S(T(3, 1), T(4), T(2, 1, 1)), S(T(), T(2, 3), T(3)),
           S(T(4, 3, nc=True), T(3), T(4, 1)), S(T(0, 3), T(3), T(1))]


def _vec(fn, out=np.float64):
    """A scalar math function over an array (the reference, not the kernel: loops are fine)."""
    def ref(a):
        a = np.asarray(a)
        return np.vectorize(fn, otypes=[out])(a.astype(np.float64)).astype(
            a.dtype if a.dtype.kind == "f" else np.float32)
    return ref


def _erfinv(y):
    x = 0.0
    for _ in range(100):  # Newton on math.erf
        x -= (math.erf(x) - y) / (2 / math.sqrt(math.pi) * math.exp(-x * x))
    return x


def _digamma(x):
    return float(mpmath.digamma(x)) if mpmath else _kernel("digamma", x)


def _polygamma(n):
    return lambda x: float(mpmath.polygamma(n, x)) if mpmath else _kernel("polygamma", n, x)


def _kernel(name, *args):
    from retrograd.ops import special_kernels
    return float(getattr(special_kernels, name)(*args))


def _clamp(a, lo, hi):
    if lo is not None:
        a = np.maximum(a, lo)
    if hi is not None:
        a = np.minimum(a, hi)
    return a


def _lerp(a, b, w):
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


def _int_trunc_div(a, b):
    return np.trunc(np.true_divide(a, b)).astype(np.result_type(a, b))


def _shift(left):
    def ref(a, b):
        dt = np.result_type(a, b)
        a, b = np.asarray(a, dt), np.asarray(b, dt)
        bits = dt.itemsize * 8
        bad = (b < 0) | (b >= bits)
        s = np.where(bad, 0, b)
        if left:
            return np.where(bad, 0, np.left_shift(a, s)).astype(dt)
        return np.where(bad, np.right_shift(a, bits - 1), np.right_shift(a, s)).astype(dt)
    return ref


def _xlogy(a, b):
    with np.errstate(invalid="ignore"):
        return a * np.log(b)


def _fn(name, **kw):
    return lambda m, *a: getattr(m, name)(*a, **kw)


def _binary(name, ref, samples=TENSORS, domain=REAL, prims=None, **kw):
    return OpInfo(name, _fn(name), ref, samples, prims or (name,), domain=domain, **kw)


OPS = [
    # ----- exponentials, logarithms, powers
    unary("exp2", np.exp2), unary("expm1", np.expm1),
    unary("log2", np.log2, POS), unary("log10", np.log10, POS), unary("log1p", np.log1p, POS),
    unary("rsqrt", lambda a: 1 / np.sqrt(a), POS),
    OpInfo("square", _fn("square"), np.square, UNARY, ("pow_tensor_scalar",)),
    # ----- trigonometric and hyperbolic, and their numpy-style aliases
    unary("tan", np.tan, UNIT), unary("asin", np.arcsin, UNIT, prims=("asin", "rsqrt")),
    unary("acos", np.arccos, UNIT, prims=("acos", "rsqrt")), unary("atan", np.arctan),
    unary("sinh", np.sinh), unary("cosh", np.cosh), unary("asinh", np.arcsinh),
    unary("acosh", np.arccosh, ABOVE_ONE), unary("atanh", np.arctanh, UNIT),
    OpInfo("arcsin", _fn("arcsin"), np.arcsin, UNARY[:2], ("asin",), domain=UNIT),
    OpInfo("arctan2", _fn("arctan2"), np.arctan2, TENSORS[:2], ("atan2",)),
    unary("deg2rad", np.deg2rad, second_order=False),
    unary("rad2deg", np.rad2deg, second_order=False),
    # ----- logit, error and gamma functions
    OpInfo("logit", _fn("logit"), lambda a: np.log(a / (1 - a)), UNARY, ("logit",),
           domain=PROB),
    OpInfo("logit_eps", lambda m, a: m.logit(a, 0.25),
           lambda a: np.log(np.clip(a, .25, .75) / (1 - np.clip(a, .25, .75))),
           UNARY[:4], ("logit",), domain=PROB),
    unary("erf", _vec(math.erf)), unary("erfc", _vec(math.erfc)),
    unary("erfinv", _vec(_erfinv), UNIT),
    unary("lgamma", _vec(math.lgamma), GAMMA, prims=("lgamma", "digamma")),
    OpInfo("lgamma_negative", _fn("lgamma"), _vec(math.lgamma), UNARY[:2], ("lgamma",),
           domain=NEG_GAMMA),
    unary("digamma", _vec(_digamma), GAMMA, prims=("digamma", "polygamma")),
    OpInfo("polygamma", lambda m, a, n: m.polygamma(n, a),
           lambda a, n: _vec(_polygamma(n))(a),
           [S(T(3, 4), 1), S(T(), 2), S(T(4, 3, nc=True), 3), S(T(0, 3), 1)], ("polygamma",),
           domain=GAMMA),
    OpInfo("polygamma_method", lambda m, a: a.polygamma(1), _vec(_polygamma(1)), UNARY[:2],
           ("polygamma",), domain=NEG_GAMMA),
    # ----- rounding: zero gradients; integers unchanged
    unary("floor", np.floor, second_order=False), unary("ceil", np.ceil, second_order=False),
    unary("trunc", np.trunc, second_order=False), unary("round", np.round, second_order=False),
    unary("fix", np.trunc, second_order=False, prims=("trunc",)),
    unary("frac", lambda a: a - np.trunc(a), second_order=False),
    OpInfo("round_decimals", lambda m, a, d: m.round(a, decimals=d),
           lambda a, d: np.round(a, d), [S(T(3, 4), 2), S(T(), -1), S(T(4, 3, nc=True), 1)],
           ("round_decimals",), domain=Domain(-300.0, 300.0), second_order=False),
    # ----- sign-like and identity-like
    # (sgn: PyTorch's gradient is a ZeroTensor, which the table cannot read; see
    # tests/test_pointwise.py)
    OpInfo("positive", _fn("positive"), lambda a: a, UNARY[:2], (), second_order=False),
    OpInfo("nan_to_num", _fn("nan_to_num"), np.nan_to_num, UNARY, ("nan_to_num",),
           second_order=False),
    OpInfo("nan_to_num_args", lambda m, a: m.nan_to_num(a, nan=1.0, posinf=2.0, neginf=-2.0),
           np.nan_to_num, UNARY[:2], ("nan_to_num",), second_order=False),
    *[OpInfo(n, _fn(n), getattr(np, n), UNARY, (n,), differentiable=False)
      for n in ("isnan", "isinf", "isfinite", "isposinf", "isneginf")],
    # ----- division with rounding, remainder, fmod
    OpInfo("div_trunc", _fn("div", rounding_mode="trunc"), _int_trunc_div, NO_SCALAR_FIRST,
           ("div_mode",), domain=(REAL, NONZERO), second_order=False),
    OpInfo("div_floor", _fn("div", rounding_mode="floor"), np.floor_divide, NO_SCALAR_FIRST,
           ("div_mode",), domain=(REAL, NONZERO), second_order=False),
    OpInfo("floor_divide", lambda m, a, b: a // b, np.floor_divide, DIVISION, (),
           domain=(REAL, NONZERO), differentiable=False, dtypes=("int32", "int64")),
    OpInfo("remainder", lambda m, a, b: a % b, np.remainder, NO_SCALAR_FIRST,
           ("remainder", "div_mode"), domain=(REAL, NONZERO), second_order=False),
    OpInfo("remainder_int", lambda m, a, b: m.remainder(a, b), np.remainder, DIVISION,
           (), domain=(REAL, NONZERO), differentiable=False, dtypes=("int32", "int64")),
    OpInfo("fmod", _fn("fmod"), np.fmod, NO_SCALAR_FIRST, ("fmod", "div_mode"),
           domain=(REAL, NONZERO), second_order=False),
    # ----- two-tensor math
    _binary("atan2", np.arctan2),
    _binary("hypot", np.hypot),
    _binary("logaddexp", np.logaddexp), _binary("logaddexp2", np.logaddexp2),
    _binary("maximum", np.maximum, second_order=False),
    _binary("minimum", np.minimum, second_order=False),
    # (ties: the first two samples, which gradgradcheck takes, have none)
    OpInfo("maximum_ties", _fn("maximum"), np.maximum, _TIES, ("maximum",), domain=TIES,
           second_order=False, grid=()),
    OpInfo("minimum_ties", _fn("minimum"), np.minimum, _TIES, ("minimum",), domain=TIES,
           second_order=False, grid=()),
    _binary("fmax", np.fmax, second_order=False), _binary("fmin", np.fmin, second_order=False),
    _binary("copysign", np.copysign, NO_SCALAR_FIRST, domain=(NONZERO, NONZERO),
            second_order=False),
    _binary("xlogy", _xlogy, [S(2, T(3, 4, domain=POS)) if isinstance(s.args[0], int) else s
                              for s in BINARY[:-1]] + [S(T(2, 3), 3)], domain=(REAL, POS)),
    # ----- lerp, addcmul, addcdiv
    OpInfo("lerp", _fn("lerp"), _lerp,
           [S(T(3, 4), T(3, 4), 0.3), S(T(3, 1), T(4), 0.7), S(T(), T(2, 3), -0.5),
            S(T(0, 3), T(3), 0.5), S(T(3, 4), T(3, 4), T(3, 4)), S(T(3, 1), T(1, 4), T(4)),
            S(T(4, 3, nc=True), T(3), T()), S(T(2, 3), T(2, 3), T(1, 3))],
           ("lerp_scalar", "lerp_tensor")),
    OpInfo("addcmul", _fn("addcmul"), lambda a, b, c: a + b * c, TERNARY, ("addcmul",)),
    OpInfo("addcmul_value", _fn("addcmul", value=0.5), lambda a, b, c: a + 0.5 * b * c,
           TERNARY[:2], ("addcmul",)),
    OpInfo("addcdiv", _fn("addcdiv"), lambda a, b, c: a + b / c, TERNARY, ("addcdiv",),
           domain=(REAL, REAL, NONZERO)),
    OpInfo("addcdiv_value", _fn("addcdiv", value=-2), lambda a, b, c: a - 2 * b / c,
           TERNARY[:2], ("addcdiv",), domain=(REAL, REAL, NONZERO)),
    # ----- clamp / clip: Python-number bounds or tensor bounds, either may be None
    OpInfo("clamp", lambda m, a, lo, hi: m.clamp(a, lo, hi), _clamp,
           [S(T(3, 4), -0.5, 0.5), S(T(3, 4), None, 0.3), S(T(3, 4), -0.2, None),
            S(T(), 0.1, 0.2), S(T(4, 3, nc=True), 0, 1), S(T(0, 3), -1, 1),
            S(T(3, 4), 0.5, -0.5)],
           ("clamp",), second_order=False),
    OpInfo("clamp_tensor", lambda m, a, lo, hi: m.clamp(a, lo, hi), _clamp,
           [S(T(3, 4), T(3, 4), T(3, 4)), S(T(3, 4), T(4), None), S(T(3, 4), None, T(3, 1)),
            S(T(2, 3), T(), T(2, 3)), S(T(4, 3, nc=True), T(3), T(4, 1))],
           ("clamp_tensor",), second_order=False),
    OpInfo("clip", lambda m, a: a.clip(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5),
           UNARY[:2], ("clamp",), second_order=False),
    OpInfo("clamp_min", lambda m, a: m.clamp_min(a, 0.1), lambda a: np.maximum(a, 0.1),
           UNARY, ("clamp_min",), second_order=False),
    OpInfo("clamp_max", lambda m, a: m.clamp_max(a, 0.1), lambda a: np.minimum(a, 0.1),
           UNARY, ("clamp_max",), second_order=False),
    OpInfo("clamp_min_tensor", _fn("clamp_min"), np.maximum, TENSORS, ("clamp_min_tensor",),
           second_order=False),
    OpInfo("clamp_max_tensor", _fn("clamp_max"), np.minimum, TENSORS, ("clamp_max_tensor",),
           second_order=False),
    # ----- masked_fill: a Python number or a 0-d tensor; the mask broadcasts
    OpInfo("masked_fill", lambda m, a, mask, v: a.masked_fill(mask, v),
           lambda a, mask, v: np.where(mask, v, a),
           [S(T(3, 4), T(3, 4, dtype="bool"), 0.5), S(T(3, 4), T(4, dtype="bool"), -1.0),
            S(T(), T(dtype="bool"), 2.0), S(T(4, 3, nc=True), T(3, dtype="bool"), 0.0),
            S(T(3), T(2, 3, dtype="bool"), 1.5), S(T(3, 4), T(3, 4, dtype="bool"), T()),
            S(T(2, 3), T(3, dtype="bool"), T())],
           ("masked_fill", "masked_fill_tensor"), domain=(REAL, BOOL, REAL),
           second_order=False),
    # ----- less common: float_power, sinc, ldexp, nextafter, heaviside, gcd, lcm
    OpInfo("float_power", _fn("float_power"), lambda a, b: np.power(np.float64(a), b),
           [S(T(3, 4), T(3, 4)), S(T(3, 1), T(4)), S(T(2, 3), 2), S(2.5, T(2, 3)),
            S(T(4, 3, nc=True), -1.5)],
           ("pow_tensor_tensor", "pow_tensor_scalar", "pow_scalar_tensor"),
           domain=(POS, REAL)),
    unary("sinc", np.sinc),
    # (same shapes and dtypes only: PyTorch's ldexp computes 2 ** other in other's dtype, and
    # its gradient for a broadcast input is off, a resized out= tensor in its kernel)
    OpInfo("ldexp", _fn("ldexp"), lambda a, e: a * np.exp2(e),
           [S(T(3, 4), T(3, 4)), S(T(), T()), S(T(4, 3, nc=True), T(4, 3))], ("ldexp",),
           grid=()),
    OpInfo("nextafter", _fn("nextafter"), np.nextafter, TENSORS, ("nextafter",),
           second_order=False),
    OpInfo("heaviside", _fn("heaviside"), lambda a, v: np.where(a == 0, v, a > 0),
           TENSORS, (), domain=TIES, differentiable=False, dtypes=("int32", "int64")),
    *[OpInfo(n, _fn(n), getattr(np, n), TENSORS[:4] + [S(T(3, 4), T(3, 4, dtype="int32"))],
             (n,), domain=Domain(0, 1, ints=(-12, 12)), differentiable=False,
             dtypes=("int32", "int64")) for n in ("gcd", "lcm")],
    # ----- copy_: src broadcast and cast into self; the gradient goes to src only
    OpInfo("copy_", lambda m, a, b: a.clone().copy_(b), lambda a, b: np.broadcast_to(b, a.shape),
           [S(T(3, 4), T(3, 4)), S(T(3, 4), T(4)), S(T(2, 3), T(2, 1)), S(T(), T()),
            S(T(4, 3, nc=True), T(3, dtype="float64")), S(T(0, 3), T(3))],
           ("copy_", "clone"), second_order=False),
    # ----- logic (bool results, no gradient) and shifts
    *[OpInfo(n, _fn(n), getattr(np, n), TENSORS, (n,), domain=TIES, differentiable=False)
      for n in ("logical_and", "logical_or", "logical_xor")],
    OpInfo("isclose", _fn("isclose"), np.isclose, TENSORS, ("isclose",), domain=TIES,
           differentiable=False),
    OpInfo("isclose_tols", _fn("isclose", rtol=0.3, atol=0.2, equal_nan=True),
           lambda a, b: np.isclose(a, b, rtol=0.3, atol=0.2, equal_nan=True), TENSORS[:3],
           ("isclose",), differentiable=False),
    OpInfo("logical_not_fn", _fn("logical_not"), np.logical_not, UNARY, ("eq",), domain=TIES,
           differentiable=False),
    *[OpInfo(n + "_fn", _fn(n), getattr(np, n), [S(T(3, 4), T(3, 4)), S(T(3, 1), T(4)),
                                                  S(T(2, 3), 1)], (n,),
             differentiable=False, dtypes=INT_DOMAIN)
      for n in ("bitwise_and", "bitwise_or", "bitwise_xor")],
    OpInfo("lshift", lambda m, a, b: a << b, _shift(True),
           [S(T(3, 4), T(3, 4)), S(T(3, 1), T(4)), S(T(2, 3), 3), S(3, T(2, 3))],
           ("bitwise_left_shift",), domain=(REAL, SHIFT), differentiable=False,
           dtypes=("int32", "int64")),
    OpInfo("rshift", lambda m, a, b: a >> b, _shift(False),
           [S(T(3, 4), T(3, 4)), S(T(3, 1), T(4)), S(T(2, 3), 1), S(-9, T(2, 3))],
           ("bitwise_right_shift",), domain=(REAL, SHIFT), differentiable=False,
           dtypes=("int32", "int64")),
]


def _mask(m, rng):
    return (m.tensor(rng.random((3, 4)) < 0.5),)


PRIM_SAMPLES = {  # primitive name -> [(tensor input specs, params or params(m, rng))]
    **{n: [([T(3, 4, domain=d)], ())] for n, d in [
        ("exp2", REAL), ("expm1", REAL), ("log2", POS), ("log10", POS), ("log1p", POS),
        ("rsqrt", POS), ("tan", UNIT), ("asin", UNIT), ("acos", UNIT), ("atan", REAL),
        ("sinh", REAL), ("cosh", REAL), ("asinh", REAL), ("acosh", ABOVE_ONE),
        ("atanh", UNIT), ("deg2rad", REAL), ("rad2deg", REAL), ("erf", REAL), ("erfc", REAL),
        ("erfinv", UNIT), ("lgamma", GAMMA), ("digamma", GAMMA), ("floor", REAL),
        ("ceil", REAL), ("trunc", REAL), ("round", REAL), ("frac", REAL), ("sinc", REAL)]},
    "ldexp": [([T(3, 4), T(4)], ())],
    "nextafter": [([T(3, 4), T(4)], ())],
    "logit": [([T(3, 4, domain=PROB)], (None,)), ([T(3, 4, domain=PROB)], (0.2,))],
    "polygamma": [([T(3, 4, domain=GAMMA)], (1,)), ([T(3, 4, domain=GAMMA)], (2,))],
    "round_decimals": [([T(3, 4)], (2,))],
    "nan_to_num": [([T(3, 4)], (0.0, None, None))],
    "div_mode": [([T(3, 4), T(4, domain=NONZERO)], ("floor",)),
                 ([T(3, 4), T(4, domain=NONZERO)], ("trunc",))],
    **{n: [([T(3, 4), T(4, domain=NONZERO)], ())] for n in ("remainder", "fmod", "copysign")},
    **{n: [([T(3, 4), T(4)], ()), ([T(1, 4), T(3, 1)], ())]
       for n in ("atan2", "hypot", "logaddexp", "logaddexp2", "maximum", "minimum", "fmax",
                 "fmin")},
    "xlogy": [([T(3, 4), T(4, domain=POS)], ())],
    "lerp_scalar": [([T(3, 4), T(4)], (0.3,)), ([T(3, 4), T(3, 4)], (0.8,))],
    "lerp_tensor": [([T(3, 4), T(4), T(3, 1)], ())],
    "addcmul": [([T(3, 4), T(4), T(3, 1)], (0.5,))],
    "addcdiv": [([T(3, 4), T(4), T(3, 1, domain=NONZERO)], (2.0,))],
    "clamp": [([T(3, 4)], (-0.5, 0.5)), ([T(3, 4)], (None, 0.2)), ([T(3, 4)], (0.1, None))],
    "clamp_tensor": [([T(3, 4), T(4), T(3, 1)], (np.dtype("float64"),))],
    "clamp_min": [([T(3, 4)], (0.1,))],
    "clamp_max": [([T(3, 4)], (0.1,))],
    "clamp_min_tensor": [([T(3, 4), T(4)], ())],
    "clamp_max_tensor": [([T(3, 4), T(4)], ())],
    "masked_fill": [([T(3, 4)], lambda m, rng: _mask(m, rng) + (0.5,))],
    "masked_fill_tensor": [([T(3, 4), T()], _mask)],
    "copy_": [([T(3, 4), T(4)], ()), ([T(3, 4), T(3, 4)], ())],
}
