"""Unary elementwise math primitives beyond the core ones: exp/log variants, trigonometric
and hyperbolic functions and their inverses, logit, the error and gamma functions,
rounding, nan_to_num, and the predicates isnan/isinf/isfinite."""
import math

import numpy as np

from .primitive import primitive, ELEMENTWISE, FLOAT
from . import special_kernels as _sk
from .pointwise import _quiet, _zeros_like, where, sign, pow_fn

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0


def _half_in_float(kernel):
    """A kernel PyTorch runs on half tensors in float32, rounding once at the end (NumPy
    would round every intermediate step to half)."""
    def run(xp, a, *params):
        if a.dtype == np.float16:
            return kernel(xp, a.astype(np.float32), *params).astype(np.float16)
        return kernel(xp, a, *params)
    return run


def _unary(name, node, kernel, vjp, dtypes=FLOAT):
    return primitive(name, node, forward=_quiet(kernel), vjp=(vjp,), jvp=ELEMENTWISE,
                     dtypes=dtypes)


def _in_float64(fn):
    """A float64 kernel applied to any float dtype, the result cast back (float32 and
    float16 then round the float64 value once, as PyTorch's float-upcasting kernels do)."""
    def kernel(xp, a, *params):
        out = np.empty_like(a)  # the input's memory layout, as PyTorch's elementwise results
        out[...] = fn(*params, a) if params else fn(a)
        return out
    return kernel


# ----- exponentials and logarithms
exp2 = _unary("exp2", "Exp2Backward0", lambda xp, a: xp.exp2(a),
              lambda g, a, out: g * out * _LN2)
expm1 = _unary("expm1", "Expm1Backward0", lambda xp, a: xp.expm1(a),
               lambda g, a, out: g * (out + 1))
log2 = _unary("log2", "Log2Backward0", lambda xp, a: xp.log2(a),
              lambda g, a, out: g / (a * _LN2))
log10 = _unary("log10", "Log10Backward0", lambda xp, a: xp.log10(a),
               lambda g, a, out: g / (a * _LN10))
log1p = _unary("log1p", "Log1PBackward0", lambda xp, a: xp.log1p(a),
               lambda g, a, out: g / (a + 1))
rsqrt = _unary("rsqrt", "RsqrtBackward0", _half_in_float(lambda xp, a: 1 / xp.sqrt(a)),
               lambda g, a, out: -0.5 * g * out ** 3)

# ----- trigonometric and hyperbolic
tan = _unary("tan", "TanBackward0", lambda xp, a: xp.tan(a),
             lambda g, a, out: g * (1 + out ** 2))
asin = _unary("asin", "AsinBackward0", lambda xp, a: xp.arcsin(a),
              lambda g, a, out: g * rsqrt(-a * a + 1))
acos = _unary("acos", "AcosBackward0", lambda xp, a: xp.arccos(a),
              lambda g, a, out: g * -rsqrt(-a * a + 1))
atan = _unary("atan", "AtanBackward0", lambda xp, a: xp.arctan(a),
              lambda g, a, out: g / (a * a + 1))
sinh = _unary("sinh", "SinhBackward0", lambda xp, a: xp.sinh(a),
              lambda g, a, out: g * cosh(a))
cosh = _unary("cosh", "CoshBackward0", lambda xp, a: xp.cosh(a),
              lambda g, a, out: g * sinh(a))
asinh = _unary("asinh", "AsinhBackward0", lambda xp, a: xp.arcsinh(a),
               lambda g, a, out: g * rsqrt(a ** 2 + 1))
acosh = _unary("acosh", "AcoshBackward0", lambda xp, a: xp.arccosh(a),
               lambda g, a, out: g * rsqrt(a ** 2 - 1))
atanh = _unary("atanh", "AtanhBackward0", lambda xp, a: xp.arctanh(a),
               lambda g, a, out: g / (1 - a ** 2))
deg2rad = _unary("deg2rad", "Deg2RadBackward0",
                  _half_in_float(lambda xp, a: a * np.asarray(math.pi / 180, a.dtype)),
                  lambda g, a, out: g * (math.pi / 180))
rad2deg = _unary("rad2deg", "Rad2DegBackward0",
                  _half_in_float(lambda xp, a: a * np.asarray(180 / math.pi, a.dtype)),
                  lambda g, a, out: g * (180 / math.pi))


# ----- logit: log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given
def _logit_kernel(xp, a, eps=None):
    if eps is not None:
        a = xp.clip(a, eps, 1 - eps)
    return xp.log(a / (1 - a))


def _logit_vjp(g, a, out, eps=None):
    # PyTorch's logit_backward: nan outside [0, 1] without eps, zero outside [eps, 1 - eps]
    # with it (the boundary itself passes the gradient)
    lo, hi = (0.0, 1.0) if eps is None else (eps, 1 - eps)
    return where((a < lo) | (a > hi), math.nan if eps is None else 0.0, g / (a * (1 - a)))


logit_p = _unary("logit", "LogitBackward0", _logit_kernel, _logit_vjp)

# ----- error and gamma functions (NumPy has none: ops/special_kernels.py)
erf = _unary("erf", "ErfBackward0", _in_float64(_sk.erf),
             lambda g, a, out: g * (_TWO_OVER_SQRT_PI * exp_neg_square(a)))
erfc = _unary("erfc", "ErfcBackward0", _in_float64(_sk.erfc),
              lambda g, a, out: g * (-_TWO_OVER_SQRT_PI * exp_neg_square(a)))
erfinv = _unary("erfinv", "ErfinvBackward0", _in_float64(_sk.erfinv),
                lambda g, a, out: g * (_SQRT_PI_OVER_TWO * exp_square(out)))
lgamma = _unary("lgamma", "LgammaBackward0", _in_float64(_sk.lgamma),
                lambda g, a, out: g * digamma(a))
digamma = _unary("digamma", "DigammaBackward0", _in_float64(_sk.digamma),
                 lambda g, a, out: g * polygamma_p(a, 1))
polygamma_p = primitive(  # polygamma(n, x), n >= 1, as (x, n): the order n is a parameter
    "polygamma", "PolygammaBackward0", forward=_quiet(_in_float64(_sk.polygamma)),
    vjp=(lambda g, a, out, n: g * polygamma_p(a, n + 1),), jvp=ELEMENTWISE, dtypes=FLOAT)


def exp_neg_square(a):
    from .pointwise import exp
    return exp(-(a * a))


def exp_square(a):
    from .pointwise import exp
    return exp(a * a)


polygamma_inplace = polygamma_p.variant("PolygammaBackward1")  # x.polygamma_(n)


def polygamma(n, input):
    """``torch.polygamma(n, input)``: the n-th derivative of digamma (n = 0: digamma)."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return polygamma_p(input, n)


def polygamma_method_(self, n):
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return polygamma_inplace(self, n)


def _inplace_refused(prim, base):
    """PyTorch's asinh_/acosh_/atanh_: a node (AsinhBackward1...) whose backward refuses."""
    def refuse(*args):
        raise NotImplementedError(f"the derivative for 'inplace version of {base}' is not "
                                  "implemented.")
    p = primitive(base + "_", prim.node_name[:-1] + "1", forward=prim.forward, vjp=(refuse,),
                  jvp=ELEMENTWISE, dtypes=FLOAT, register=False)
    return lambda self: p(self)


asinh_inplace = _inplace_refused(asinh, "asinh")
acosh_inplace = _inplace_refused(acosh, "acosh")
atanh_inplace = _inplace_refused(atanh, "atanh")


# ----- rounding: a zero gradient; integers pass through unchanged, bool is refused
def _rounding(np_fn, kernel_name):
    def kernel(xp, a):
        if a.dtype.kind == "b":
            raise NotImplementedError(f"\"{kernel_name}\" not implemented for 'Bool'")
        return a.copy() if a.dtype.kind in "iu" else np_fn(a)
    return kernel


floor = _unary("floor", "FloorBackward0", _rounding(np.floor, "floor_vml_cpu"),
               lambda g, a, out: _zeros_like(g), dtypes=None)
ceil = _unary("ceil", "CeilBackward0", _rounding(np.ceil, "ceil_vml_cpu"),
              lambda g, a, out: _zeros_like(g), dtypes=None)
trunc = _unary("trunc", "TruncBackward0", _rounding(np.trunc, "trunc_vml_cpu"),
               lambda g, a, out: _zeros_like(g), dtypes=None)
round_p = _unary("round", "RoundBackward0", _rounding(np.rint, "round_vml_cpu"),
                 lambda g, a, out: _zeros_like(g), dtypes=None)


def _round_decimals_kernel(xp, a, decimals):
    if a.dtype.kind != "f":
        raise NotImplementedError(f"\"round_cpu\" not implemented for "
                                  f"'{_legacy_name(a.dtype)}'")
    # PyTorch's order: scale by 10^|decimals| in the tensor's dtype, round half to even
    ten = np.asarray(10.0 ** abs(decimals), dtype=a.dtype)
    if decimals < 0:
        return np.rint(a / ten) * ten
    return np.rint(a * ten) / ten


round_decimals = primitive(
    "round_decimals", "RoundBackward1", forward=_quiet(_half_in_float(_round_decimals_kernel)),
    vjp=(lambda g, a, out, decimals: _zeros_like(g),), jvp=ELEMENTWISE)


def _legacy_name(np_dtype):
    from .. import dtypes as _dt
    return _dt.from_numpy_dtype(np_dtype)._legacy


def _frac_kernel(xp, a):
    if a.dtype.kind != "f":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_legacy_name(a.dtype)}'")
    return a - np.trunc(a)


frac = _unary("frac", "FracBackward0", _frac_kernel, lambda g, a, out: g, dtypes=None)


def round(input, *, decimals=0):
    """``torch.round``: half to even; ``decimals`` digits (negative: tens, hundreds...)."""
    if not isinstance(decimals, int):
        raise TypeError(f"round() received an invalid combination of arguments - got (Tensor, "
                        f"decimals={type(decimals).__name__}), but expected one of:\n"
                        " * (Tensor input, *, Tensor out = None)\n"
                        " * (Tensor input, *, int decimals, Tensor out = None)")
    if decimals == 0:
        return round_p(input)
    return round_decimals(input, decimals)


# ----- nan_to_num: the gradient flows only where the input was finite
def _nan_to_num_kernel(xp, a, nan, posinf, neginf):
    if a.dtype.kind != "f":
        return a.copy()
    info = np.finfo(a.dtype)
    return np.nan_to_num(a, nan=nan, posinf=info.max if posinf is None else posinf,
                         neginf=info.min if neginf is None else neginf)


nan_to_num_p = primitive(
    "nan_to_num", "NanToNumBackward0", forward=_quiet(_nan_to_num_kernel),
    vjp=(lambda g, a, out, nan, posinf, neginf: g * isfinite(a),), jvp=ELEMENTWISE)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    return nan_to_num_p(input, nan, posinf, neginf)


def logit(input, eps=None):
    return logit_p(input, eps)


def square(input):
    """``input * input`` as PyTorch records it: ``pow(input, 2)`` (PowBackward0)."""
    return pow_fn(input, 2)


def sgn(input):
    return sgn_p(input)


sgn_p = sign.variant("SgnBackward0")


def positive(input):
    if input.dtype.name == "bool":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


# ----- predicates (bool results, no gradient)
def _float_only(fn, other):
    def kernel(xp, a):
        return fn(a) if a.dtype.kind == "f" else np.full(a.shape, other)
    return kernel


isnan = primitive("isnan", None, forward=_float_only(np.isnan, False), nin=1)
isinf = primitive("isinf", None, forward=_float_only(np.isinf, False), nin=1)
isfinite = primitive("isfinite", None, forward=_float_only(np.isfinite, True), nin=1)
isposinf = primitive("isposinf", None, forward=_float_only(np.isposinf, False), nin=1)
isneginf = primitive("isneginf", None, forward=_float_only(np.isneginf, False), nin=1)
