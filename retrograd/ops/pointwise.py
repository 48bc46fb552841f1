"""Elementwise primitives (arithmetic, exp/log/trig, activations, comparisons, casts) and
the functions that pick among their PyTorch overloads."""
import math

import numpy as np

from .primitive import (primitive, operand, broadcast_shapes, ELEMENTWISE, LINEAR, PROMOTE,
                        FLOAT, COMPARE)
from .. import dtypes as _dt


def _quiet(fn):
    """Run a kernel with NumPy's floating-point warnings off: PyTorch returns nan/inf
    silently (log(-1), 1/0, exp(1000))."""
    def kernel(xp, *args):
        with np.errstate(all="ignore"):
            return fn(xp, *args)
    return kernel


def _times(g, x):
    """``g * x`` for an array formula (engine.py): what mul's kernel computes when there is
    nothing to promote, an array of g's dtype or a Python float or int (NumPy keeps it
    weak, as PyTorch does a wrapped number); anything else is left to the Tensor formula."""
    tx = type(x)
    if g.ndim == 0 and g.dtype.kind == "f":  # (as mul's call: NumPy scalars compute
        g = g[()]                                 # ~10x faster than 0-d arrays)
    if tx is np.ndarray:
        return g * x if x.dtype is g.dtype else NotImplemented
    if tx is float or tx is int and -(1 << 62) < x < 1 << 62:
        return g * x
    return NotImplemented


def _same_dtype(prim, g, y):
    """An array formula calling ``prim``'s kernel on (g, y), as its call does when both
    have one dtype (0-d ones as NumPy scalars, which its elementwise call passes); other
    dtypes take the Tensor formula, whose call promotes."""
    if g.dtype is not y.dtype:
        return NotImplemented
    if g.ndim == 0 and g.dtype.kind == "f":
        return prim.forward(np, g[()], y[()])
    return prim.forward(np, g, y)


# ----- arithmetic
add = primitive(
    "add", "AddBackward0",
    forward=lambda xp, a, b, alpha=1: a + b if alpha == 1 else a + b * alpha,
    vjp=(lambda g, a, b, out, alpha=1: g,
         lambda g, a, b, out, alpha=1: g if alpha == 1 else g * alpha),
    jvp=ELEMENTWISE, dtypes=PROMOTE,
    vjp_data=(lambda g, a, b, out, alpha=1: g,
              lambda g, a, b, out, alpha=1: g if alpha == 1 else _times(g, alpha)))

sub = primitive(
    "sub", "SubBackward0",
    forward=lambda xp, a, b, alpha=1: a - b if alpha == 1 else a - b * alpha,
    vjp=(lambda g, a, b, out, alpha=1: g,
         lambda g, a, b, out, alpha=1: -g if alpha == 1 else g * -alpha),
    jvp=ELEMENTWISE, dtypes=PROMOTE,
    vjp_data=(lambda g, a, b, out, alpha=1: g,
              lambda g, a, b, out, alpha=1: -g if alpha == 1 else _times(g, -alpha)))

rsub = primitive(  # other - alpha * a, for a Python number `other` (1 - x)
    "rsub", "RsubBackward1",
    forward=lambda xp, a, other, alpha: xp.subtract(other, a if alpha == 1 else a * alpha),
    vjp=(lambda g, a, out, other, alpha: -g if alpha == 1 else g * -alpha,),
    jvp=ELEMENTWISE)

mul = primitive(
    "mul", "MulBackward0",
    forward=lambda xp, a, b: a * b,  # operators: fast on NumPy scalars too
    vjp=(lambda g, a, b, out: g * b,
         lambda g, a, b, out: g * a),
    jvp=ELEMENTWISE, dtypes=PROMOTE,
    vjp_data=(lambda g, a, b, out: _times(g, b),
              lambda g, a, b, out: _times(g, a)))
# x * number as PyTorch records it inside its formulas and C++ (Tensor, Scalar) overloads
# (a Python number in user code is wrapped into a tensor: MulBackward0)
mul_scalar = mul.variant("MulBackward1")

div = primitive(
    "div", "DivBackward0",
    forward=_quiet(lambda xp, a, b: xp.true_divide(a, b)),
    vjp=(lambda g, a, b, out: g / b,
         lambda g, a, b, out: -g * ((a / b) / b)),  # PyTorch's grouping: its rounding, and
    jvp=ELEMENTWISE, dtypes=FLOAT)                   # a MulBackward0 on double backward

_NEG_BOOL = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
             "to invert a mask, use the `~` or `logical_not()` operator instead.")


def _neg_kernel(xp, a):
    if a.dtype.kind == "b":  # NumPy raises a TypeError in its own words
        raise RuntimeError(_NEG_BOOL)
    return xp.negative(a)


neg = primitive(
    "neg", "NegBackward0",
    forward=_neg_kernel,
    vjp=(lambda g, a, out: -g,),
    jvp=LINEAR, vjp_data=(lambda g, a, out: -g,))

reciprocal = primitive(
    "reciprocal", "ReciprocalBackward0",
    forward=_quiet(lambda xp, a: xp.reciprocal(a)),
    vjp=(lambda g, a, out: -g * (out * out),),
    jvp=ELEMENTWISE, dtypes=FLOAT)


# PyTorch's C++ names of the integer types, as its overflow message prints them
_INT_CNAMES = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int",
               "int64": "int64_t"}


def _pow_kernel(xp, a, b):
    """tensor ** Python number: PyTorch refuses a negative integer power of an integer
    tensor, and an exponent out of its range (where other ops wrap the number around)."""
    if a.dtype.kind in "iu":
        if type(b) is int and not np.iinfo(a.dtype).min <= b <= np.iinfo(a.dtype).max \
                and b >= 0:
            raise RuntimeError(f"value cannot be converted to type "
                               f"{_INT_CNAMES[a.dtype.name]} without overflow")
        if np.any(np.asarray(b) < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return xp.power(a, b)


def _int_power(xp, a, b, dtype):
    """Integer powers where an exponent may be negative (a tensor of exponents): PyTorch
    gives 1 ** -k = 1, (-1) ** -k = +-1 and 0 otherwise, where NumPy raises."""
    neg = b < 0
    if not xp.any(neg):
        return xp.power(a, b)
    out = xp.power(a, xp.where(neg, 0, b))
    frac = xp.where(a == 1, 1, xp.where(a == -1, xp.where(b % 2 == 0, 1, -1), 0))
    return xp.where(neg, frac, out).astype(dtype)


def _pow_tensor_kernel(xp, a, b):
    if a.dtype.kind == "b":  # both are bool after promotion
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if a.dtype.kind in "iu":
        return _int_power(xp, a, b, a.dtype)
    return xp.power(a, b)


def _pow_scalar_kernel(xp, a, base):
    if a.dtype.kind in "iu" and isinstance(base, int):
        return _int_power(xp, base, a, a.dtype)
    return xp.power(base, a)


pow_tensor_scalar = primitive(  # x ** 2
    "pow_tensor_scalar", "PowBackward0",
    forward=_quiet(lambda xp, a, exponent: _pow_kernel(xp, a, exponent)),
    vjp=(lambda g, a, out, exponent:
         g * 0 if exponent == 0 else g * (exponent * a ** (exponent - 1)),),
    jvp=ELEMENTWISE)

pow_tensor_tensor = primitive(  # x ** y
    "pow_tensor_tensor", "PowBackward1",
    forward=_quiet(_pow_tensor_kernel),
    vjp=(lambda g, a, b, out: where(b == 0, 0.0, g * (b * a ** (b - 1))),
         lambda g, a, b, out: where((a == 0) & (b >= 0), 0.0, g * (out * log(a)))),
    jvp=ELEMENTWISE, dtypes=PROMOTE)

pow_scalar_tensor = primitive(  # 2 ** x
    "pow_scalar_tensor", "PowBackward2",
    forward=_quiet(_pow_scalar_kernel),
    vjp=(lambda g, a, out, base:
         where(a >= 0, 0.0, g * (out * math.log(base))) if base == 0
         else g * (out * math.log(base)),),
    jvp=ELEMENTWISE)

# ----- unary math (integer inputs compute in the default float dtype, as PyTorch's do)
exp = primitive("exp", "ExpBackward0", forward=_quiet(lambda xp, a: xp.exp(a)),
                vjp=(lambda g, a, out: g * out,), jvp=ELEMENTWISE, dtypes=FLOAT,
                vjp_data=(lambda g, a, out: _times(g, out),))
log = primitive("log", "LogBackward0", forward=_quiet(lambda xp, a: xp.log(a)),
                vjp=(lambda g, a, out: g / a,), jvp=ELEMENTWISE, dtypes=FLOAT)
sin = primitive("sin", "SinBackward0", forward=_quiet(lambda xp, a: xp.sin(a)),
                vjp=(lambda g, a, out: g * cos(a),), jvp=ELEMENTWISE, dtypes=FLOAT)
cos = primitive("cos", "CosBackward0", forward=_quiet(lambda xp, a: xp.cos(a)),
                vjp=(lambda g, a, out: g * -sin(a),), jvp=ELEMENTWISE, dtypes=FLOAT)
tanh = primitive("tanh", "TanhBackward0", forward=lambda xp, a: xp.tanh(a),
                 vjp=(lambda g, a, out: tanh_backward(g, out),), jvp=ELEMENTWISE, dtypes=FLOAT,
                 vjp_data=(lambda g, a, out: _same_dtype(tanh_backward, g, out),))


def _tanh_backward_kernel(xp, g, y):
    # PyTorch forms 1 - y*y as one fused multiply-add; for float32 (and float16) computing
    # it in float64 rounds the same way. float64 stays float64: an 80-bit long double
    # would cost far more than the last bit it buys.
    if y.dtype.itemsize < 8:
        return g * (1 - y.astype(np.float64) ** 2).astype(y.dtype)
    return g * (1 - y * y)


# tanh's, sigmoid's and relu's backward are primitives of their own, as in PyTorch: a
# gradient taken with create_graph=True then shows TanhBackwardBackward0 (and relu's
# gradient stays in the graph, through the output it reads)
tanh_backward = primitive(
    "tanh_backward", "TanhBackwardBackward0",
    forward=_tanh_backward_kernel,
    vjp=(lambda gg, g, y, out: tanh_backward(gg, y),
         lambda gg, g, y, out: gg * (-2 * y * g)),
    jvp=ELEMENTWISE, dtypes=PROMOTE)
sqrt = primitive("sqrt", "SqrtBackward0", forward=_quiet(lambda xp, a: xp.sqrt(a)),
                 vjp=(lambda g, a, out: g / (2 * out),), jvp=ELEMENTWISE, dtypes=FLOAT)


def _sigmoid_kernel(xp, a):
    if a.dtype == np.float16:  # PyTorch computes half in float32, rounding once
        return _sigmoid_kernel(xp, a.astype(np.float32)).astype(np.float16)
    # exp(-|a|) never overflows; pick the algebraically equal form that keeps precision.
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


sigmoid = primitive("sigmoid", "SigmoidBackward0", forward=_sigmoid_kernel,
                    vjp=(lambda g, a, out: sigmoid_backward(g, out),), jvp=ELEMENTWISE,
                    dtypes=FLOAT,
                    vjp_data=(lambda g, a, out: _same_dtype(sigmoid_backward, g, out),))
sigmoid_backward = primitive(
    "sigmoid_backward", "SigmoidBackwardBackward0",
    forward=lambda xp, g, y: g * (1 - y) * y,  # PyTorch's order of the products, its rounding
    vjp=(lambda gg, g, y, out: sigmoid_backward(gg, y),
         lambda gg, g, y, out: gg * g * (-2 * y + 1)),
    jvp=ELEMENTWISE, dtypes=PROMOTE)

_SAME_SIZE_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def _zero_where(mask, a):
    """``where(mask, 0, a)`` for a float array: +0.0 where mask holds, a's exact bits (NaN,
    -0.0) elsewhere, by integer arithmetic on the bits, about 3x faster than np.where, whose
    per-element branch mispredicts on random signs. ``mask`` must be a fresh comparison
    result: it is overwritten."""
    if type(a) is not np.ndarray or a.dtype.kind != "f" or type(mask) is not np.ndarray:
        return np.where(mask, 0, a).astype(a.dtype, copy=False)  # (0-d: NumPy scalars)
    if a.dtype.itemsize == 4:  # bits * 1 or * 0: one mixed-type multiply, 3 passes in all
        np.logical_not(mask, out=mask)
        return np.multiply(a.view(np.uint32), mask).view(a.dtype)
    # else AND with a mask of all-ones/zero words (a 64-bit multiply has no SIMD loop)
    word = _SAME_SIZE_UINT[a.dtype.itemsize]
    keep = mask.astype(word)
    keep -= 1  # True -> 0, False -> all ones (unsigned wrap-around)
    return np.bitwise_and(a.view(word), keep).view(a.dtype)


def _max_zero_first(a):
    """maximum(+0, a) into a fresh array: one contiguous SIMD pass (with a full zeros
    operand: NumPy's array-with-scalar maximum loop is ~3x slower)."""
    z = np.zeros(a.shape, a.dtype)
    return np.maximum(z, a, out=z)


def _probe_max_relu(candidate=_max_zero_first):
    """The float dtypes for which ``candidate`` is PyTorch's relu bit for bit on this machine.
    On a tie (+0 vs -0.0) NumPy's maximum returns whichever operand its loop (scalar or
    SIMD: that depends on the CPU, the length and the alignment) picks, and which NaN it
    returns is not specified either; so it is checked once, at import, against the bitwise
    kernel on every length up to 70 and a few longer ones, at several alignments, with
    -0.0, NaNs of both signs with payloads, infinities and subnormals in every lane. A dtype
    failing any case keeps the bitwise kernel. (float16 is not tried: its maximum has no
    SIMD loop, the bitwise kernel is faster there.)"""
    ok = []
    for dt in (np.dtype(np.float32), np.dtype(np.float64)):
        word = _SAME_SIZE_UINT[dt.itemsize]
        fi = np.finfo(dt)
        vals = np.array([-0.0, 0.0, -1.5, 2.5, -np.inf, np.inf, np.nan, -np.nan,
                         -fi.smallest_subnormal, fi.smallest_subnormal, -fi.max], dt)
        vals.view(word)[6:8] |= word(5)  # NaN payloads
        base = np.resize(vals, 4110)  # (11 values: each lands in every SIMD lane)
        cases = [base[off:off + n] for n in list(range(71)) + [127, 128, 129, 257, 1025, 4099]
                 for off in (0, 1, 3)]
        cases += [np.array(-0.0, dt), np.array(np.nan, dt), np.zeros((0, 3), dt)]
        if all(candidate(a).tobytes() == _zero_where(a < 0, a).tobytes() and
               candidate(a).shape == a.shape for a in cases):
            ok.append(dt)
    return tuple(ok)


_MAX_RELU = _probe_max_relu()


def _relu_kernel(xp, a):
    if type(a) is np.ndarray and a.dtype in _MAX_RELU and a.flags.c_contiguous:
        return _max_zero_first(a)  # the probe showed it equal to the general path below
    if a.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    # (a < 0, not maximum: PyTorch keeps -0.0 and NaN as they are)
    return _zero_where(a < 0, a)


def _sign_kernel(xp, a):
    if a.dtype.kind == "b":
        return a.copy()  # PyTorch: a bool is its own sign
    if a.dtype.kind == "f":  # PyTorch's (0 < x) - (x < 0): the sign of NaN is 0
        return ((a > 0).astype(a.dtype) - (a < 0)).astype(a.dtype, copy=False)
    return xp.sign(a)


def _abs_kernel(xp, a):
    if a.dtype.kind == "b":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return xp.abs(a)


relu = primitive("relu", "ReluBackward0", forward=_relu_kernel,
                 vjp=(lambda g, a, out: threshold_backward(g, out, 0),), jvp=ELEMENTWISE,
                 # (threshold_backward's kernel; mixed dtypes take its promotion)
                 vjp_data=(lambda g, a, out: _zero_where(out <= 0, g)
                           if g.dtype is out.dtype else NotImplemented,))
threshold_backward = primitive(  # the gradient where x > threshold, else 0
    "threshold_backward", "ThresholdBackwardBackward0",
    forward=lambda xp, g, x, threshold: _zero_where(x <= threshold, g),
    vjp=(lambda gg, g, x, out, threshold: threshold_backward(gg, x, threshold),
         lambda gg, g, x, out, threshold: _zeros_like(gg)),
    jvp=ELEMENTWISE, dtypes=PROMOTE)


def _zeros_like(t):
    from .._creation import zeros_like
    return zeros_like(t)


sign = primitive("sign", "SignBackward0", forward=_sign_kernel,
                 vjp=(lambda g, a, out: _zeros_like(g),), jvp=ELEMENTWISE)

abs = primitive("abs", "AbsBackward0", forward=_abs_kernel,
                vjp=(lambda g, a, out: g * sign(a),), jvp=ELEMENTWISE)

# ----- selection
where_p = primitive(  # where(condition, a, b); the condition is a parameter, not an input
    "where", "WhereBackward0",
    forward=lambda xp, a, b, cond: xp.where(cond._data, a, b),
    vjp=(lambda g, a, b, out, cond: where(cond, g, 0.0),
         lambda g, a, b, out, cond: where(cond, 0.0, g)),
    jvp=ELEMENTWISE, dtypes=PROMOTE)

# ----- copies and casts
# order "K" keeps the input's strides (PyTorch's preserve_format); "C" is .contiguous()
clone_p = primitive("clone", "CloneBackward0",
                    forward=lambda xp, a, order="K": xp.array(a, copy=True, order=order),
                    vjp=(lambda g, a, out, order="K": g,), jvp=LINEAR)
copy_p = clone_p.variant("CopyBackwards")  # the engine's copy of a create_graph gradient
to_dtype = primitive(  # the engine casts the gradient back to the input's dtype
    "to_dtype", "ToCopyBackward0", forward=lambda xp, a, dtype: a.astype(dtype.np),
    vjp=(lambda g, a, out, dtype: g,), jvp=LINEAR)

# ----- comparisons and logic: no gradient
eq = primitive("eq", None, forward=lambda xp, a, b: xp.equal(a, b), nin=2, dtypes=COMPARE)
ne = primitive("ne", None, forward=lambda xp, a, b: xp.not_equal(a, b), nin=2, dtypes=COMPARE)
lt = primitive("lt", None, forward=lambda xp, a, b: xp.less(a, b), nin=2, dtypes=COMPARE)
le = primitive("le", None, forward=lambda xp, a, b: xp.less_equal(a, b), nin=2, dtypes=COMPARE)
gt = primitive("gt", None, forward=lambda xp, a, b: xp.greater(a, b), nin=2, dtypes=COMPARE)
ge = primitive("ge", None, forward=lambda xp, a, b: xp.greater_equal(a, b), nin=2, dtypes=COMPARE)
bitwise_and = primitive("bitwise_and", None, forward=lambda xp, a, b: xp.bitwise_and(a, b),
                        nin=2, dtypes=PROMOTE)
bitwise_or = primitive("bitwise_or", None, forward=lambda xp, a, b: xp.bitwise_or(a, b),
                       nin=2, dtypes=PROMOTE)
bitwise_xor = primitive("bitwise_xor", None, forward=lambda xp, a, b: xp.bitwise_xor(a, b),
                        nin=2, dtypes=PROMOTE)


def _invert_kernel(xp, a):
    if a.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return xp.invert(a)


bitwise_not = primitive("bitwise_not", None, forward=_invert_kernel, nin=1)


# ----- the public functions: pick the overload, normalize operands
_operand = operand


def _cast_for(a, *scalars, floating=False):
    """Cast a tensor to the result type of an op with Python-number parameters, before a
    primitive that sees only the tensor (only integer tensors ever need it, and those
    never require grad, so no node is recorded)."""
    rdt = _dt.result_type(a, *scalars)
    if floating and not rdt.is_floating_point:
        rdt = _dt.get_default_dtype()
    return a if rdt is a.dtype else to(a, rdt)


def _check_bool_sub(a, b):
    # PyTorch refuses a bool (tensor or Python bool) on either side, in two wordings.
    n = (a._data.dtype.kind == "b") + (
        b is True or b is False or hasattr(b, "_data") and b._data.dtype.kind == "b")
    if n == 2:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if n == 1:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def _check_alpha(a, b, alpha):
    """PyTorch's rules for add/sub's ``alpha`` against the result dtype."""
    rdt = _dt.result_type(a, b)
    if isinstance(alpha, bool):
        if rdt is not _dt.bool_:
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
    elif isinstance(alpha, float) and not rdt.is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")


def add_fn(a, b, *, alpha=1):
    # alpha=1 is left out of the call: the common case skips parameter passing
    if alpha == 1 and alpha is not True:
        return add.call(a, b)  # the common case: no alpha to pass or check
    b = _operand(b)
    _check_alpha(a, b, alpha)
    return add(a, b, alpha)


def radd_fn(a, b):
    return add(a, b)


def sub_fn(a, b, *, alpha=1):
    b = _operand(b)
    _check_bool_sub(a, b)
    if alpha == 1 and alpha is not True:
        return sub(a, b)
    _check_alpha(a, b, alpha)
    return sub(a, b, alpha)


def rsub_fn(a, b, *, alpha=1):
    b = _operand(b)
    if hasattr(b, "_data"):
        return sub_fn(b, a, alpha=alpha)
    _check_bool_sub(a, b)
    if alpha != 1 or alpha is True:
        _check_alpha(a, b, alpha)
    return rsub(_cast_for(a, b), b, alpha)


def mul_fn(a, b):
    return mul.call(a, b)  # (``*`` itself is bound to mul's call: see ops/__init__.py)


def div_fn(a, b, *, rounding_mode=None):
    b = _operand(b)
    if rounding_mode is not None:
        if rounding_mode not in ("trunc", "floor"):
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or "
                               f"'floor' but found '{rounding_mode}'")
        return _binary.div_mode(a, b, rounding_mode)  # DivBackward2, a number divisor too
    return div(a, b)


def rdiv_fn(a, b):
    b = _operand(b)
    if hasattr(b, "_data"):
        return div(b, a)
    return mul(reciprocal(a), b)


def pow_fn(a, exponent):
    exponent = _operand(exponent)
    if hasattr(exponent, "_data"):
        return pow_tensor_tensor(a, exponent)
    return pow_tensor_scalar(_cast_for(a, exponent), exponent)


def rpow_fn(a, base):
    base = _operand(base)
    if hasattr(base, "_data"):
        return pow_tensor_tensor(base, a)
    return pow_scalar_tensor(_cast_for(a, base), base)


def pow(input, exponent):
    """``torch.pow``: ``input ** exponent``, where either may be a Python number."""
    if hasattr(input, "_data"):
        return pow_fn(input, exponent)
    return rpow_fn(exponent, input)


def where(condition, input, other):
    """Elements of ``input`` where ``condition`` holds, else of ``other``."""
    from ..tensor import Tensor
    if not isinstance(condition, Tensor):
        got = ", ".join("Tensor" if isinstance(x, Tensor) else type(x).__name__
                        for x in (condition, input, other))
        raise TypeError(f"where() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n * (Tensor condition, Tensor input, Tensor other)"
                        "\n * (Tensor condition, Number self, Tensor other)"
                        "\n * (Tensor condition, Tensor input, Number other)"
                        "\n * (Tensor condition, Number self, Number other)")
    if condition.dtype is not _dt.bool_:
        raise RuntimeError("where expected condition to be a boolean tensor, but got a "
                           f"tensor with dtype {condition.dtype._legacy}")
    input, other = _operand(input), _operand(other)
    try:
        return where_p(input, other, condition)
    except ValueError:  # the condition broadcasts too: PyTorch's message names it first
        broadcast_shapes(*(getattr(x, "_data", np.empty(())).shape
                           for x in (condition, input, other)))
        raise


def to(a, dtype):
    """``a`` in another dtype; a cast to a non-float dtype leaves the graph, as in PyTorch."""
    if dtype is a.dtype:
        return a
    if not dtype.is_floating_point:
        return to_dtype(a.detach(), dtype)
    return to_dtype(a, dtype)


def clone(a, *, memory_format=None):
    return clone_p(a)


def sigmoid_fn(a):
    return sigmoid(a)


# ----- the rest of the family, in modules of their own
from . import pointwise_binary as _binary  # noqa: E402
from .pointwise_math import (exp2, expm1, log2, log10, log1p, rsqrt, tan, asin, acos, atan,  # noqa: E402
                             sinh, cosh, asinh, acosh, atanh, deg2rad, rad2deg, logit, erf, erfc,
                             erfinv, lgamma, digamma, polygamma, floor, ceil, trunc, frac, round,
                             nan_to_num, square, sgn, positive, isnan, isinf, isfinite,
                             isposinf, isneginf, polygamma_method_, asinh_inplace,
                             acosh_inplace, atanh_inplace)
from .pointwise_api import (floor_divide, rfloordiv, remainder, rmod, fmod, atan2, hypot,  # noqa: E402
                            maximum, minimum, fmax, fmin, logaddexp, logaddexp2, copysign,
                            xlogy, lerp, addcmul, addcdiv, clamp, clamp_min, clamp_max,
                            masked_fill, logical_and, logical_or, logical_xor, logical_not,
                            bitwise_and_fn, bitwise_or_fn, bitwise_xor_fn, bitwise_not_fn,
                            bitwise_left_shift, bitwise_right_shift, rlshift, rrshift, copy_,
                            uniform_, normal_, isclose, allclose, equal)
from .pointwise_extra import (float_power, float_power_, sinc, ldexp, nextafter,  # noqa: E402
                              heaviside, gcd, lcm)
from .inplace import inplace_method as _inplace, DIRECT as _INPLACE_DIRECT  # noqa: E402


# ----- what this family adds to the namespace (``retrograd.X``) and to Tensor's methods;
# ops/__init__.py merges every family's (the entries in its own _METHODS table came first)
_UNARY = dict(
    abs=abs, absolute=abs, sign=sign, sgn=sgn, neg=neg, negative=neg, reciprocal=reciprocal,
    exp=exp, exp2=exp2, expm1=expm1, log=log, log2=log2, log10=log10, log1p=log1p, sqrt=sqrt,
    rsqrt=rsqrt, square=square, sin=sin, cos=cos, tan=tan, asin=asin, arcsin=asin, acos=acos,
    arccos=acos, atan=atan, arctan=atan, sinh=sinh, cosh=cosh, tanh=tanh, asinh=asinh,
    arcsinh=asinh, acosh=acosh, arccosh=acosh, atanh=atanh, arctanh=atanh, sigmoid=sigmoid,
    logit=logit, erf=erf, erfc=erfc, erfinv=erfinv, lgamma=lgamma, digamma=digamma,
    floor=floor, ceil=ceil, round=round, trunc=trunc, fix=trunc, frac=frac,
    nan_to_num=nan_to_num, deg2rad=deg2rad, rad2deg=rad2deg, relu=relu, sinc=sinc,
)
_BINARY = dict(
    add=add_fn, sub=sub_fn, subtract=sub_fn, mul=mul_fn, multiply=mul_fn, div=div_fn,
    divide=div_fn, true_divide=div_fn, floor_divide=floor_divide, remainder=remainder,
    fmod=fmod, pow=pow_fn, atan2=atan2, arctan2=atan2, hypot=hypot, copysign=copysign,
    xlogy=xlogy, lerp=lerp, addcmul=addcmul, addcdiv=addcdiv, clamp=clamp, clip=clamp,
    clamp_min=clamp_min, clamp_max=clamp_max, masked_fill=masked_fill,
    logical_and=logical_and, logical_or=logical_or, logical_xor=logical_xor,
    logical_not=logical_not, bitwise_and=bitwise_and_fn, bitwise_or=bitwise_or_fn,
    bitwise_xor=bitwise_xor_fn, bitwise_not=bitwise_not_fn,
    bitwise_left_shift=bitwise_left_shift, bitwise_right_shift=bitwise_right_shift,
    eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, polygamma=lambda self, n: polygamma(n, self),
    float_power=float_power, ldexp=ldexp, nextafter=nextafter, heaviside=heaviside, gcd=gcd,
    lcm=lcm,
)
# functions only (no in-place twin, or a different Tensor method signature)
_FUNCTIONS_ONLY = dict(
    maximum=maximum, minimum=minimum, fmax=fmax, fmin=fmin, logaddexp=logaddexp,
    logaddexp2=logaddexp2, isnan=isnan, isinf=isinf, isfinite=isfinite, isposinf=isposinf,
    isneginf=isneginf, positive=positive, where=where, isclose=isclose, allclose=allclose,
    equal=equal,
    greater=gt, greater_equal=ge, less=lt, less_equal=le, not_equal=ne,
)
# in-place twins of the ops above: the ones PyTorch has
_INPLACE = ("abs absolute sign sgn neg negative reciprocal exp exp2 expm1 log log2 log10 log1p "
            "sqrt rsqrt square sin cos tan asin arcsin acos arccos atan arctan sinh cosh tanh "
            "asinh arcsinh acosh arccosh atanh arctanh sigmoid logit erf erfc erfinv lgamma "
            "digamma floor ceil round trunc fix frac nan_to_num deg2rad rad2deg relu "
            "add sub subtract mul multiply div divide true_divide floor_divide remainder fmod "
            "pow atan2 arctan2 hypot copysign xlogy lerp addcmul addcdiv clamp clip clamp_min "
            "clamp_max masked_fill logical_and logical_or logical_xor logical_not bitwise_and "
            "bitwise_or bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift "
            "eq ne lt le gt ge polygamma greater greater_equal less less_equal "
            "not_equal sinc ldexp nextafter heaviside gcd lcm").split()
_ALL_FNS = {**_UNARY, **_BINARY, **_FUNCTIONS_ONLY}

# The bitwise names become the checking functions (PyTorch's error for float operands);
# the primitives stay reachable for ``~`` (whose float error differs) and the table.
bitwise_and_p, bitwise_or_p, bitwise_xor_p, bitwise_not_p = (bitwise_and, bitwise_or,
                                                             bitwise_xor, bitwise_not)
bitwise_and, bitwise_or, bitwise_xor, bitwise_not = (bitwise_and_fn, bitwise_or_fn,
                                                     bitwise_xor_fn, bitwise_not_fn)
# ``retrograd.X`` for every name (add/sub/mul/div/pow come from retrograd/__init__.py, and
# polygamma's module form is polygamma(n, input), its method form input.polygamma(n))
_NAMESPACE = {n: f for n, f in _ALL_FNS.items()
              if n not in ("add", "sub", "mul", "div", "pow", "polygamma")}
globals().update(_NAMESPACE)
__all__ = list(_NAMESPACE) + ["polygamma"]

# (the comparison methods stay ops/__init__.py's, which also answer ``x.eq(None)``)
METHODS = {n: f for n, f in _ALL_FNS.items()
           if n not in ("where", "positive", "eq", "ne", "lt", "le", "gt", "ge")}
METHODS.update({
    "positive": positive, "__pos__": positive,
    "__floordiv__": floor_divide, "__rfloordiv__": rfloordiv, "__mod__": remainder,
    "__rmod__": rmod, "__lshift__": bitwise_left_shift, "__rlshift__": rlshift,
    "__rshift__": bitwise_right_shift, "__rrshift__": rrshift,
    "copy_": copy_, "uniform_": uniform_, "normal_": normal_,
    "arctan2": atan2, "greater": gt, "greater_equal": ge, "less": lt, "less_equal": le,
    "not_equal": ne, "isnan": isnan, "isinf": isinf, "isfinite": isfinite,
    "isposinf": isposinf, "isneginf": isneginf, "maximum": maximum, "minimum": minimum,
    "fmax": fmax, "fmin": fmin, "logaddexp": logaddexp, "logaddexp2": logaddexp2,
    "__invert__": bitwise_not_p, "isclose": isclose, "allclose": allclose, "equal": equal,
})
_DIRECT_NAMES = {"add": "add", "sub": "sub", "subtract": "sub", "mul": "mul",
                 "multiply": "mul", "div": "div", "divide": "div", "true_divide": "div"}
for _name in _INPLACE:
    METHODS[_name + "_"] = _inplace(_ALL_FNS.get(_name) or METHODS[_name],
                                    _INPLACE_DIRECT.get(_DIRECT_NAMES.get(_name)))
METHODS["float_power_"] = float_power_


def _precheck(inplace, fn, message, numbers_only=True):
    """An in-place method whose refusal of a result dtype PyTorch words its own way (for
    clamp_, only with Python-number bounds)."""
    def method(self, *args, **kwargs):
        tensors = numbers_only and any(hasattr(a, "_data") for a in (*args, *kwargs.values()))
        rdt = fn(self.detach(), *args, **kwargs).dtype \
            if self.dtype.category < 2 and not tensors else None
        if rdt is not None and rdt is not self.dtype and rdt.category > self.dtype.category:
            raise RuntimeError(message.format(rdt=rdt, dt=self.dtype))
        return inplace(self, *args, **kwargs)
    method.__name__ = inplace.__name__
    return method


for _name in ("clamp", "clip", "clamp_min", "clamp_max"):  # (number bounds: C++ type names)
    METHODS[_name + "_"] = _precheck(METHODS[_name + "_"], METHODS[_name],
                                     "result type {rdt._legacy} can't be cast to the desired "
                                     "output type {dt._cname}")
METHODS["ldexp_"] = _precheck(METHODS["ldexp_"], ldexp, "ldexp can't be cast to the desired "
                              "output type {dt._legacy}", numbers_only=False)
for _name, _fn in [("polygamma", polygamma_method_), ("asinh", asinh_inplace),
                   ("arcsinh", asinh_inplace), ("acosh", acosh_inplace),
                   ("arccosh", acosh_inplace), ("atanh", atanh_inplace),
                   ("arctanh", atanh_inplace)]:
    METHODS[_name + "_"] = _inplace(_fn)
# the in-place functions PyTorch's namespace has too (torch.exp_(x), torch.relu_(x), ...)
_NAMESPACE_INPLACE = ("sinc ldexp gcd lcm abs neg negative reciprocal exp exp2 expm1 log log2 "
                      "log10 log1p sqrt rsqrt square sin cos tan asin arcsin acos arccos atan "
                      "arctan sinh cosh tanh asinh arcsinh acosh arccosh atanh arctanh sigmoid logit erf erfc "
                      "floor ceil round trunc fix frac nan_to_num deg2rad rad2deg relu xlogy "
                      "clamp clip clamp_min clamp_max").split()
for _name in _NAMESPACE_INPLACE:
    globals()[_name + "_"] = METHODS[_name + "_"]
    __all__.append(_name + "_")
for _dunder, _name in [("__iadd__", "add"), ("__isub__", "sub"), ("__imul__", "mul"),
                       ("__itruediv__", "div"), ("__ifloordiv__", "floor_divide"),
                       ("__imod__", "remainder"), ("__ipow__", "pow"),
                       ("__iand__", "bitwise_and"), ("__ior__", "bitwise_or"),
                       ("__ixor__", "bitwise_xor"), ("__ilshift__", "bitwise_left_shift"),
                       ("__irshift__", "bitwise_right_shift")]:
    METHODS[_dunder] = METHODS[_name + "_"]
