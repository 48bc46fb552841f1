"""Binary and ternary elementwise primitives beyond the core arithmetic: division with
rounding modes, remainder/fmod, atan2, hypot, maximum/minimum, fmax/fmin, copysign, xlogy,
logaddexp, lerp, addcmul/addcdiv, clamp, masked_fill, copy, logical and shift ops."""
import numpy as np

from .primitive import primitive, ELEMENTWISE, PROMOTE, FLOAT
from .pointwise import _quiet, _zeros_like, where
from .. import dtypes as _dt

def _legacy(np_dtype):
    return _dt.from_numpy_dtype(np_dtype)._legacy


def _tensor_arg(fn, x, name, pos):
    """PyTorch's refusal of a Python number where only a Tensor is accepted."""
    if not hasattr(x, "_data"):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


def _check_int_zero(a, b):
    """Integer division by zero: PyTorch raises where C would trap."""
    if np.result_type(a, b).kind in "iub" and np.any(np.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")


def _not_implemented(name, forward, nin):
    """An op PyTorch records with a node whose backward refuses: a gradient through it
    raises (floor_divide, a Python number % tensor). Not registered: nothing to derive."""
    def refuse(*args):
        raise RuntimeError(f"derivative for aten::{name} is not implemented")
    return primitive(name, "torch::autograd::NotImplemented", forward=forward,
                     vjp=(refuse,) * nin, jvp=ELEMENTWISE, dtypes=PROMOTE, register=False)


def torch_layout(out, *inputs):
    """``out`` laid out in memory as PyTorch's TensorIterator lays out the result of an op
    on ``inputs``: dimensions ordered by the inputs' strides, the first input that tells
    two dimensions apart deciding (NumPy's own choice differs once several inputs, or a
    chain of ufuncs, are involved)."""
    nd = out.ndim
    arrays = [x for x in inputs if isinstance(x, np.ndarray) and x.ndim]
    if nd < 2 or all(x.flags.c_contiguous and x.shape == out.shape for x in arrays):
        return out
    strides = [np.broadcast_to(x, out.shape).strides for x in arrays]

    def should_swap(d0, d1):
        for st in strides:
            s0, s1 = st[d0], st[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return 1 if s0 > s1 else -1
            if out.shape[d0] > out.shape[d1]:
                return 1
        return 0

    perm = list(range(nd - 1, -1, -1))  # perm[0]: the fastest-moving dimension
    for i in range(1, nd):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    order = perm[::-1]
    res = np.empty([out.shape[d] for d in order], out.dtype).transpose(np.argsort(order))
    res[...] = out
    return res


# ----- division with a rounding mode; remainder and fmod
def _int_trunc_div(a, b):
    q = np.floor_divide(a, b)
    return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))


def _div_mode_kernel(xp, a, b, mode):
    kind = np.result_type(a, b).kind
    if kind == "b":
        raise NotImplementedError(f"\"div_{mode}_cpu\" not implemented for 'Bool'")
    if kind in "iu":
        _check_int_zero(a, b)
        if mode == "floor":
            return np.floor_divide(a, b)
        return _int_trunc_div(a, b)
    if mode == "floor":
        return np.floor_divide(a, b)  # NumPy's and PyTorch's floor division: the same steps
    return np.trunc(np.true_divide(a, b))


div_mode = primitive(  # div(a, b, rounding_mode="trunc" | "floor"): zero gradients
    "div_mode", "DivBackward2", forward=_quiet(_div_mode_kernel),
    vjp=(lambda g, a, b, out, mode: _zeros_like(g), lambda g, a, b, out, mode: _zeros_like(g)),
    jvp=ELEMENTWISE, dtypes=PROMOTE)


def _floor_divide_kernel(xp, a, b):
    return _div_mode_kernel(xp, a, b, "floor")


floor_divide_p = _not_implemented("floor_divide", _quiet(_floor_divide_kernel), 2)


def _remainder_kernel(xp, a, b):
    if np.result_type(a, b).kind == "b":
        raise NotImplementedError("\"remainder_cpu\" not implemented for 'Bool'")
    _check_int_zero(a, b)
    if np.result_type(a, b).kind != "f":
        return np.remainder(a, b)  # sign of the divisor, as Python's % and PyTorch's
    # PyTorch's steps: fmod, then the divisor added where the signs differ (a zero keeps
    # the dividend's sign, where NumPy's remainder gives it the divisor's)
    mod = np.fmod(a, b)
    return np.where((mod != 0) & ((np.asarray(b) < 0) != (mod < 0)), mod + b, mod).astype(
        mod.dtype, copy=False)


def _fmod_kernel(xp, a, b):
    if np.result_type(a, b).kind == "b":
        raise NotImplementedError("\"fmod_cpu\" not implemented for 'Bool'")
    _check_int_zero(a, b)
    return np.fmod(a, b)  # sign of the dividend, as C's fmod


remainder_p = primitive(
    "remainder", "RemainderBackward1", forward=_quiet(_remainder_kernel),
    vjp=(lambda g, a, b, out: g,
         lambda g, a, b, out: -g * div_mode(a, b, "floor")),
    jvp=ELEMENTWISE, dtypes=PROMOTE)
remainder_scalar = remainder_p.variant("RemainderBackward0")
rremainder_p = _not_implemented("remainder", _quiet(_remainder_kernel), 2)
fmod_p = primitive(
    "fmod", "FmodBackward1", forward=_quiet(_fmod_kernel),
    vjp=(lambda g, a, b, out: g,
         lambda g, a, b, out: -g * div_mode(a, b, "trunc")),
    jvp=ELEMENTWISE, dtypes=PROMOTE)
fmod_scalar = fmod_p.variant("FmodBackward0")


# ----- two-argument math
def _atan2_vjp_self(g, a, b, out):
    d = a * a + b * b
    return g * b * where(d == 0, 0.0, 1 / d)


def _atan2_vjp_other(g, a, b, out):
    d = a * a + b * b
    return g * -a * where(d == 0, 0.0, 1 / d)


atan2_p = primitive("atan2", "Atan2Backward0", forward=_quiet(lambda xp, a, b: xp.arctan2(a, b)),
                    vjp=(_atan2_vjp_self, _atan2_vjp_other), jvp=ELEMENTWISE, dtypes=FLOAT)


def _float_kernel(np_fn, kernel_name):
    def kernel(xp, a, b):
        dt = np.result_type(a, b)
        if dt.kind != "f":
            raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{_legacy(dt)}'")
        return np_fn(a, b)
    return _quiet(kernel)


hypot_p = primitive("hypot", "HypotBackward0", forward=_float_kernel(np.hypot, "hypot_cpu"),
                    vjp=(lambda g, a, b, out: g * a / out, lambda g, a, b, out: g * b / out),
                    jvp=ELEMENTWISE, dtypes=PROMOTE)
logaddexp_p = primitive(
    "logaddexp", "LogaddexpBackward0", forward=_float_kernel(np.logaddexp, "logaddexp_cpu"),
    vjp=(lambda g, a, b, out: g / (1 + (b - a).exp()),
         lambda g, a, b, out: g / (1 + (a - b).exp())),
    jvp=ELEMENTWISE, dtypes=PROMOTE)
logaddexp2_p = primitive(
    "logaddexp2", "Logaddexp2Backward0", forward=_float_kernel(np.logaddexp2, "logaddexp2_cpu"),
    vjp=(lambda g, a, b, out: g / (1 + 2 ** (b - a)),
         lambda g, a, b, out: g / (1 + 2 ** (a - b))),
    jvp=ELEMENTWISE, dtypes=PROMOTE)


# maximum/minimum split a tie's gradient 50/50; a NaN on either side sends it to both
def _max_vjp(g, a, b, out):
    return where(a < b, 0.0, where(a == b, g / 2, g))


def _max_vjp_other(g, a, b, out):
    return where(a > b, 0.0, where(a == b, g / 2, g))


maximum_p = primitive("maximum", "MaximumBackward0", forward=lambda xp, a, b: xp.maximum(a, b),
                      vjp=(_max_vjp, _max_vjp_other), jvp=ELEMENTWISE, dtypes=PROMOTE)
minimum_p = primitive("minimum", "MinimumBackward0", forward=lambda xp, a, b: xp.minimum(a, b),
                      vjp=(_max_vjp_other, _max_vjp), jvp=ELEMENTWISE, dtypes=PROMOTE)


# fmax/fmin: the gradient goes to the side chosen; ties to the first input
def _fmax_pick(a, b):
    return (a >= b) | b.isnan()


def _fmin_pick(a, b):
    return (a <= b) | b.isnan()


# (ties, +0 against -0 included, give the first input, as PyTorch's a >= b ? a : b)
fmax_p = primitive("fmax", "FmaxBackward0",
                   forward=lambda xp, a, b: xp.where((a >= b) | xp.isnan(b), a, b),
                   vjp=(lambda g, a, b, out: where(_fmax_pick(a, b), g, 0.0),
                        lambda g, a, b, out: where(_fmax_pick(a, b), 0.0, g)),
                   jvp=ELEMENTWISE, dtypes=PROMOTE)
fmin_p = primitive("fmin", "FminBackward0",
                   forward=lambda xp, a, b: xp.where((a <= b) | xp.isnan(b), a, b),
                   vjp=(lambda g, a, b, out: where(_fmin_pick(a, b), g, 0.0),
                        lambda g, a, b, out: where(_fmin_pick(a, b), 0.0, g)),
                   jvp=ELEMENTWISE, dtypes=PROMOTE)


def _copysign_vjp(g, a, b, out):
    return g * where(a == 0, 0.0, out / a)


copysign_p = primitive(
    "copysign", "CopysignBackward0", forward=lambda xp, a, b: xp.copysign(a, b),
    vjp=(_copysign_vjp, lambda g, a, b, out: _zeros_like(g)), jvp=ELEMENTWISE, dtypes=FLOAT)
copysign_scalar = copysign_p.variant("CopysignBackward1")


def _xlogy_kernel(xp, a, b):
    out = a * xp.log(b)
    # (np.log of a Python number is a float64 scalar, which would widen a float32 tensor)
    return xp.where((a == 0) & ~xp.isnan(b), 0, out).astype(np.result_type(a, b), copy=False)


def _xlogy_vjp(g, a, b, out):
    # PyTorch's choice at x == 0, y <= 0 (not differentiable there): zero, the derivative
    # along x = 0 (pytorch/pytorch#80770); a positive Python-number y needs no mask
    if not hasattr(b, "_data"):
        return xlogy_p(g, b) if b > 0 else where(a == 0, 0.0, xlogy_p(g, b))
    return where((a == 0) & (b <= 0), 0.0, xlogy_p(g, b))


xlogy_p = primitive(
    "xlogy", "XlogyBackward0", forward=_quiet(_xlogy_kernel),
    vjp=(_xlogy_vjp, lambda g, a, b, out: g * a / b),
    jvp=ELEMENTWISE, dtypes=FLOAT)
xlogy_scalar_self = xlogy_p.variant("XlogyBackward1")
xlogy_scalar_other = xlogy_p.variant("XlogyBackward2")


# ----- lerp, addcmul, addcdiv
def _fused(dt):
    """Whether PyTorch's CPU kernel computes this dtype in float32 with fused multiply-adds
    (its vectorized lerp/addcmul do): float64 products of float32 values are exact, so one
    rounding of ``x * y + z`` in float64 then float32 reproduces the fused result."""
    return dt == np.float32 or dt == np.float16


def _lerp_kernel(xp, a, b, w):
    dt = np.result_type(a, b)
    if _fused(dt):  # (a Python-number weight stays float32, where a half tensor would round it)
        a, b, w = (np.asarray(x, np.float32) for x in (a, b, w))
        d = b - a
        out = np.where(np.abs(w) < 0.5, w.astype(np.float64) * d + a,
                       b - d.astype(np.float64) * (np.float32(1) - w))
        out = out.astype(np.float32).astype(dt, copy=False)
    else:  # PyTorch's two forms: exact at both ends
        out = xp.where(xp.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w)).astype(
            dt, copy=False)
    return torch_layout(out, a, b, w)


lerp_scalar = primitive(
    "lerp_scalar", "LerpBackward0",
    forward=_quiet(lambda xp, a, b, w: _lerp_kernel(xp, a, b, np.asarray(w))),
    vjp=(lambda g, a, b, out, w: g * (1 - w), lambda g, a, b, out, w: g * w),
    jvp=ELEMENTWISE)
lerp_tensor = primitive(
    "lerp_tensor", "LerpBackward1", forward=_quiet(_lerp_kernel),
    vjp=(lambda g, a, b, w, out: g * (1 - w), lambda g, a, b, w, out: g * w,
         lambda g, a, b, w, out: g * (b - a)),
    jvp=ELEMENTWISE)


def _as_dtype(value, dt):
    """A Python number as the op's dtype sees it (PyTorch casts the Scalar: 0.5 -> 0)."""
    return int(value) if dt.kind in "iu" else value


def _addcmul_kernel(xp, a, t1, t2, value):
    if t1.dtype.kind == "b":  # (all three are promoted to one dtype)
        raise NotImplementedError("\"addcmul_cpu_out\" not implemented for 'Bool'")
    dt = t1.dtype
    if _fused(dt):
        vt1 = np.float32(value) * t1.astype(np.float32)
        out = (vt1.astype(np.float64) * t2 + a).astype(np.float32).astype(dt, copy=False)
    else:
        out = a + _as_dtype(value, dt) * t1 * t2
    return torch_layout(out, a, t1, t2)


addcmul_p = primitive(
    "addcmul", "AddcmulBackward0", forward=_addcmul_kernel,
    vjp=(lambda g, a, t1, t2, out, value: g,
         lambda g, a, t1, t2, out, value: g * (t2 * value),
         lambda g, a, t1, t2, out, value: g * (t1 * value)),
    jvp=ELEMENTWISE, dtypes=PROMOTE)
def _addcdiv(a, t1, t2, value):
    if a.dtype == np.float16:  # (PyTorch computes half in float32, rounding once)
        return _addcdiv(*(x.astype(np.float32) for x in (a, t1, t2)), value).astype(a.dtype)
    return a + value * t1 / t2


addcdiv_p = primitive(
    "addcdiv", "AddcdivBackward0",
    forward=_quiet(lambda xp, a, t1, t2, value: torch_layout(_addcdiv(a, t1, t2, value), a, t1,
                                                             t2)),
    vjp=(lambda g, a, t1, t2, out, value: g,
         lambda g, a, t1, t2, out, value: g * (value / t2),
         lambda g, a, t1, t2, out, value: -g * (value * t1 / (t2 * t2))),
    jvp=ELEMENTWISE, dtypes=PROMOTE)


# ----- clamp: Python-number bounds (ClampBackward1) or tensor bounds (ClampBackward0)
def _clamp_kernel(xp, a, lo, hi):
    if a.dtype.kind == "b" and lo is not None and hi is not None:
        # (one bound alone is PyTorch's clamp_min/clamp_max, which takes bools)
        raise NotImplementedError("\"clamp_cpu\" not implemented for 'Bool'")
    out = a
    if lo is not None:
        out = xp.maximum(out, lo)
    if hi is not None:
        out = xp.minimum(out, hi)
    return torch_layout(out, a, lo, hi)


def _clamp_scalar_vjp(g, a, out, lo, hi):
    if lo is not None and hi is not None:
        keep = (a >= lo) & (a <= hi)
    elif lo is not None:
        keep = a >= lo
    else:
        keep = a <= hi
    return where(keep, g, 0.0)


clamp_scalar = primitive("clamp", "ClampBackward1", forward=_clamp_kernel,
                         vjp=(_clamp_scalar_vjp,), jvp=ELEMENTWISE)


def _clamp_tensor_kernel(xp, a, lo, hi, dtype):
    """Tensor bounds: all three cast to the promoted ``dtype`` inside the kernel, as PyTorch's
    TensorIterator does (no cast node in the graph)."""
    a, lo, hi = (None if x is None else x.astype(dtype, copy=False) for x in (a, lo, hi))
    return _clamp_kernel(xp, a, lo, hi)


def _clamp_vjp_self(g, a, lo, hi, out, dtype):
    if lo is not None and hi is not None:
        keep = (a >= lo) & (a <= hi)
    elif lo is not None:
        keep = a >= lo
    else:
        keep = a <= hi
    return where(keep, g, 0.0)


def _clamp_vjp_min(g, a, lo, hi, out, dtype):
    if hi is not None:
        return where((a < lo) & (lo < hi), g, 0.0)  # min > max: the bound is max's
    return where(a < lo, g, 0.0)


def _clamp_vjp_max(g, a, lo, hi, out, dtype):
    if lo is not None:
        return where((a > hi) | (hi < lo), g, 0.0)
    return where(a > hi, g, 0.0)


clamp_tensor = primitive("clamp_tensor", "ClampBackward0", forward=_clamp_tensor_kernel,
                         vjp=(_clamp_vjp_self, _clamp_vjp_min, _clamp_vjp_max),
                         jvp=ELEMENTWISE)
clamp_min_p = primitive("clamp_min", "ClampMinBackward0",
                        forward=lambda xp, a, lo: xp.maximum(a, lo),
                        vjp=(lambda g, a, out, lo: where(a >= lo, g, 0.0),), jvp=ELEMENTWISE)
clamp_max_p = primitive("clamp_max", "ClampMaxBackward0",
                        forward=lambda xp, a, hi: xp.minimum(a, hi),
                        vjp=(lambda g, a, out, hi: where(a <= hi, g, 0.0),), jvp=ELEMENTWISE)
clamp_min_tensor = primitive(
    "clamp_min_tensor", "ClampMinBackward1", forward=lambda xp, a, lo: xp.maximum(a, lo),
    vjp=(lambda g, a, lo, out: where(a >= lo, g, 0.0), lambda g, a, lo, out: where(a < lo, g, 0.0)),
    jvp=ELEMENTWISE, dtypes=PROMOTE)
clamp_max_tensor = primitive(
    "clamp_max_tensor", "ClampMaxBackward1", forward=lambda xp, a, hi: xp.minimum(a, hi),
    vjp=(lambda g, a, hi, out: where(a <= hi, g, 0.0), lambda g, a, hi, out: where(a > hi, g, 0.0)),
    jvp=ELEMENTWISE, dtypes=PROMOTE)


# ----- masked_fill: a Python number (MaskedFillBackward0) or a 0-d tensor (...Backward1)
masked_fill_scalar = primitive(
    "masked_fill", "MaskedFillBackward0",
    # PyTorch fills a contiguous clone of the (broadcast) input
    forward=lambda xp, a, mask, value: xp.asarray(
        xp.where(mask._data, value, a).astype(a.dtype, copy=False), order="C"),
    vjp=(lambda g, a, out, mask, value: where(mask, 0.0, g),), jvp=ELEMENTWISE)
masked_fill_tensor = primitive(
    "masked_fill_tensor", "MaskedFillBackward1",
    forward=lambda xp, a, value, mask: xp.asarray(
        xp.where(mask._data, value.astype(a.dtype), a), order="C"),
    vjp=(lambda g, a, value, out, mask: where(mask, 0.0, g),
         lambda g, a, value, out, mask: where(mask, g, 0.0)),
    jvp=ELEMENTWISE)


# ----- copy_'s out-of-place half: src broadcast and cast to self's shape and dtype
copy_into = primitive(
    "copy_", "CopyBackwards",  # (name() says torch::autograd::CopyBackwards, as PyTorch's)
    forward=lambda xp, a, src: np.array(np.broadcast_to(src, a.shape), dtype=a.dtype),
    vjp=(lambda g, a, src, out: _zeros_like(g), lambda g, a, src, out: g),
    jvp=ELEMENTWISE)


# ----- logic and shifts (no gradient)
logical_and_p = primitive("logical_and", None, forward=lambda xp, a, b: xp.logical_and(a, b),
                          nin=2)
logical_or_p = primitive("logical_or", None, forward=lambda xp, a, b: xp.logical_or(a, b),
                         nin=2)
logical_xor_p = primitive("logical_xor", None, forward=lambda xp, a, b: xp.logical_xor(a, b),
                          nin=2)


def _shift_kernel(kernel_name, left):
    def kernel(xp, a, b):
        dt = np.result_type(a, b)
        if dt.kind not in "iu":
            raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{_legacy(dt)}'")
        a = np.asarray(a, dtype=dt)
        b = np.asarray(b, dtype=dt)
        bits = dt.itemsize * 8
        unsigned = np.dtype(f"u{dt.itemsize}")
        # PyTorch: shifts by a negative amount or past the width give 0 (left) or the sign
        # fill (right), where C leaves them undefined
        bad = (b.astype(np.int64) < 0) | (b.astype(np.int64) >= bits)
        sb = np.where(bad, 0, b).astype(unsigned)
        if left:
            out = np.left_shift(a.astype(unsigned), sb).astype(dt)
            return np.where(bad, 0, out).astype(dt)
        fill = np.right_shift(a, bits - 1) if dt.kind == "i" else np.zeros_like(a)
        return np.where(bad, fill, np.right_shift(a, sb.astype(dt))).astype(dt)
    return kernel


left_shift_p = primitive("bitwise_left_shift", None, forward=_shift_kernel("lshift_cpu", True),
                         nin=2, dtypes=PROMOTE)
right_shift_p = primitive("bitwise_right_shift", None,
                          forward=_shift_kernel("rshift_cpu", False), nin=2, dtypes=PROMOTE)
