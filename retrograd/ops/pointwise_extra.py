"""Less common pointwise ops PyTorch code still reaches for: float_power, sinc, ldexp,
nextafter, heaviside, gcd and lcm."""
import math

import numpy as np

from .primitive import primitive, operand, ELEMENTWISE, FLOAT, PROMOTE
from .pointwise import _quiet, _zeros_like, where, to, pow_fn, rpow_fn, cos
from .pointwise_binary import _not_implemented, _legacy, _tensor_arg, torch_layout
from .. import dtypes as _dt

_LN2 = math.log(2.0)


def float_power(input, exponent):
    """``input ** exponent`` in float64, as PyTorch records it: a cast, then pow."""
    if not hasattr(input, "_data"):
        return rpow_fn(to(operand(exponent), _dt.float64), float(input))
    exponent = operand(exponent)
    base = to(input, _dt.float64)
    if hasattr(exponent, "_data"):
        return pow_fn(base, to(exponent, _dt.float64))
    return pow_fn(base, float(exponent))


def float_power_(self, exponent):
    if self.dtype is not _dt.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype._legacy} but "
                           "the operation's result requires dtype Double")
    from .inplace import inplace_method
    return inplace_method(float_power)(self, exponent)


def _sinc_vjp(g, a, out):
    # (cos(pi x) - sinc(x)) / x: no pi^2 x^2 to underflow for tiny x
    return where(a == 0, 0.0, (cos(a * math.pi) - out) / a) * g


sinc = primitive("sinc", "SincBackward0", forward=_quiet(lambda xp, a: xp.sinc(a)),
                 vjp=(_sinc_vjp,), jvp=ELEMENTWISE, dtypes=FLOAT)


def _ldexp_kernel(xp, a, e):
    return torch_layout(a * xp.exp2(e).astype(a.dtype, copy=False), a, e)


ldexp_p = primitive(
    "ldexp", "LdexpBackward0", forward=_quiet(_ldexp_kernel),
    vjp=(lambda g, a, e, out: g * 2.0 ** e, lambda g, a, e, out: g * out * _LN2),
    jvp=ELEMENTWISE, dtypes=FLOAT)


def ldexp(input, other):
    _tensor_arg("ldexp", input, "input", 1)
    _tensor_arg("ldexp", other, "other", 2)
    return ldexp_p(input, other)


def _float_only(np_fn, kernel_name):
    def kernel(xp, a, b):
        dt = np.result_type(a, b)
        if dt.kind != "f":
            raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{_legacy(dt)}'")
        return np_fn(a, b)
    return kernel


nextafter_p = primitive(
    "nextafter", "NextafterBackward0", forward=_float_only(np.nextafter, "nextafter_cpu"),
    vjp=(lambda g, a, b, out: g, lambda g, a, b, out: _zeros_like(g)),
    jvp=ELEMENTWISE, dtypes=PROMOTE)


def nextafter(input, other):
    _tensor_arg("nextafter", input, "input", 1)
    _tensor_arg("nextafter", other, "other", 2)
    return nextafter_p(input, other)


def _heaviside_kernel(xp, a, values):
    return xp.where(a == 0, values, a > 0).astype(a.dtype, copy=False)


heaviside_p = _not_implemented("heaviside", _heaviside_kernel, 2)


def heaviside(input, values):
    _tensor_arg("heaviside", input, "input", 1)
    _tensor_arg("heaviside", values, "values", 2)
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return heaviside_p(input, values)


def _integer_only(np_fn, kernel_name):
    def kernel(xp, a, b):
        dt = np.result_type(a, b)
        if dt.kind not in "iu":
            raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{_legacy(dt)}'")
        return np_fn(a, b)
    return kernel


gcd_p = primitive("gcd", None, forward=_integer_only(np.gcd, "gcd_cpu"), nin=2, dtypes=PROMOTE)
lcm_p = primitive("lcm", None, forward=_integer_only(np.lcm, "lcm_cpu"), nin=2, dtypes=PROMOTE)


def gcd(input, other):
    _tensor_arg("gcd", other, "other", 2)
    return gcd_p(input, other)


def lcm(input, other):
    _tensor_arg("lcm", other, "other", 2)
    return lcm_p(input, other)
