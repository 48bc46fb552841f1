"""The public pointwise functions that pick among primitive overloads (a Python number or
a tensor on either side, optional bounds, rounding modes), check arguments PyTorch's way,
and the in-place-only ops copy_, uniform_ and normal_."""
import numpy as np

from .primitive import operand, primitive, ELEMENTWISE
from . import pointwise_binary as _b
from .pointwise import (_cast_for, _zeros_like, eq, bitwise_and, bitwise_or, bitwise_xor,
                        bitwise_not)
from .inplace import _check_inplace, apply_inplace, _snapshot, needs_generic_path, _OVERLAP
from ..autograd.grad_mode import STATE
from .. import dtypes as _dt

def _is_tensor(x):
    return hasattr(x, "_data")


def _type_name(x):
    return "Tensor" if _is_tensor(x) else type(x).__name__


def _both_tensors(fn, input, other):
    _b._tensor_arg(fn, input, "input", 1)
    _b._tensor_arg(fn, other, "other", 2)


# ----- division and modulo
def floor_divide(input, other):
    other = operand(other)
    return _b.floor_divide_p(input, other)


def rfloordiv(self, other):
    return _b.floor_divide_p(operand(other), self)


def remainder(input, other):
    if not _is_tensor(input):
        return _b.rremainder_p(input, other)
    other = operand(other)
    return (_b.remainder_p if _is_tensor(other) else _b.remainder_scalar)(input, other)


def rmod(self, other):
    return _b.rremainder_p(operand(other), self)


def fmod(input, other):
    other = operand(other)
    return (_b.fmod_p if _is_tensor(other) else _b.fmod_scalar)(input, other)


# ----- two-tensor math (PyTorch takes no Python number here)
def _two_tensor(fn_name, prim):
    def fn(input, other):
        _both_tensors(fn_name, input, other)
        return prim(input, other)
    fn.__name__ = fn_name
    return fn


atan2 = _two_tensor("atan2", _b.atan2_p)
hypot = _two_tensor("hypot", _b.hypot_p)
maximum = _two_tensor("maximum", _b.maximum_p)
minimum = _two_tensor("minimum", _b.minimum_p)
fmax = _two_tensor("fmax", _b.fmax_p)
fmin = _two_tensor("fmin", _b.fmin_p)
logaddexp = _two_tensor("logaddexp", _b.logaddexp_p)
logaddexp2 = _two_tensor("logaddexp2", _b.logaddexp2_p)


def copysign(input, other):
    other = operand(other)
    return (_b.copysign_p if _is_tensor(other) else _b.copysign_scalar)(input, other)


def xlogy(input, other):
    if not _is_tensor(input):
        return _b.xlogy_scalar_self(input, other)
    other = operand(other)
    return (_b.xlogy_p if _is_tensor(other) else _b.xlogy_scalar_other)(input, other)


# ----- lerp, addcmul, addcdiv
def lerp(input, end, weight):
    if input.dtype is not end.dtype:
        raise RuntimeError(f"expected dtype {input.dtype._cname} for `end` but got dtype "
                           f"{end.dtype._cname}")
    if _is_tensor(weight):
        if not input.dtype.is_floating_point:
            raise NotImplementedError(f"\"lerp_kernel_tensor\" not implemented for "
                                      f"'{input.dtype._legacy}'")
        if weight.dtype is not input.dtype:
            if weight.ndim:
                raise RuntimeError(f"expected dtype {input.dtype._cname} for `weight` but got "
                                   f"dtype {weight.dtype._cname}")
        return _b.lerp_tensor(input, end, weight)  # (a 0-d weight is cast in the kernel)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for "
                                  f"'{input.dtype._legacy}'")
    return _b.lerp_scalar(input, end, weight)


def addcmul(input, tensor1, tensor2, *, value=1):
    return _b.addcmul_p(input, tensor1, tensor2, value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    if not tensor1.dtype.is_floating_point and not tensor2.dtype.is_floating_point:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
            "for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    return _b.addcdiv_p(input, tensor1, tensor2, value)


# ----- clamp
def clamp(input, min=None, max=None):
    """Bounds are Python numbers (ClampBackward1) or tensors (ClampBackward0), not mixed."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    lo_t, hi_t = _is_tensor(min), _is_tensor(max)
    if (lo_t and max is not None and not hi_t) or (hi_t and min is not None and not lo_t):
        got = ", ".join(_type_name(x) for x in (input, min, max))
        raise TypeError(f"clamp() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n * (Tensor input, Tensor min = None, Tensor max "
                        "= None, *, Tensor out = None)\n * (Tensor input, Number min = None, "
                        "Number max = None, *, Tensor out = None)")
    if lo_t or hi_t:
        bounds = [x for x in (min, max) if x is not None]
        return _b.clamp_tensor(input, min, max, _dt.result_type(input, *bounds).np)
    bounds = [operand(x) for x in (min, max) if x is not None]
    return _b.clamp_scalar(_cast_for(input, *bounds), min, max)


def clamp_min(input, min):
    if _is_tensor(min):
        return _b.clamp_min_tensor(input, min)
    return _b.clamp_min_p(_cast_for(input, operand(min)), min)


def clamp_max(input, max):
    if _is_tensor(max):
        return _b.clamp_max_tensor(input, max)
    return _b.clamp_max_p(_cast_for(input, operand(max)), max)


# ----- masked_fill
def masked_fill(input, mask, value):
    if mask.dtype is not _dt.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype._cname}")
    if _is_tensor(value):
        if value.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s).")
        return _b.masked_fill_tensor(input, value, mask)
    return _b.masked_fill_scalar(input, mask, operand(value))


# ----- logic and bits (two tensors too)
logical_and = _two_tensor("logical_and", _b.logical_and_p)
logical_or = _two_tensor("logical_or", _b.logical_or_p)
logical_xor = _two_tensor("logical_xor", _b.logical_xor_p)


def logical_not(input):
    return eq(input, 0)  # not ~x: logical_not(2) is False, and the result is bool


def _bitwise_fn(prim, kernel):
    def fn(input, other):
        other = operand(other)
        rdt = _dt.result_type(input, other)  # PyTorch names the promoted dtype
        if rdt.is_floating_point:
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{rdt._legacy}'")
        return prim(input, other)
    fn.__name__ = fn.name = prim.name  # (ops/__init__.py's operators read ``name``)
    return fn


bitwise_and_fn = _bitwise_fn(bitwise_and, "bitwise_and_cpu")
bitwise_or_fn = _bitwise_fn(bitwise_or, "bitwise_or_cpu")
bitwise_xor_fn = _bitwise_fn(bitwise_xor, "bitwise_xor_cpu")


def bitwise_not_fn(input):
    if input.dtype.is_floating_point:
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for "
                                  f"'{input.dtype._legacy}'")
    return bitwise_not(input)


def bitwise_left_shift(input, other):
    return _b.left_shift_p(input, operand(other))


def bitwise_right_shift(input, other):
    return _b.right_shift_p(input, operand(other))


def rlshift(self, other):
    return _b.left_shift_p(operand(other), self)


def rrshift(self, other):
    return _b.right_shift_p(operand(other), self)


# ----- closeness (no gradient)
def _close_kernel(xp, a, b, rtol, atol, equal_nan):
    if a.dtype.kind == "b":
        return xp.equal(a, b)
    if a.dtype.kind in "iu":
        a, b = a.astype(np.float64), b.astype(np.float64)
    return xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


isclose_p = primitive("isclose", None, forward=_close_kernel, nin=2)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    _b._tensor_arg("isclose", other, "other", 2)
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype._legacy} did not match {other.dtype._legacy}")
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if tol < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {tol:g}")
    return isclose_p(input, other, rtol, atol, equal_nan)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """A Python bool: whether every element is close (``isclose(...).all()``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    """A Python bool: the same shape and the same values (NaN is never equal)."""
    _b._tensor_arg("equal", other, "other", 2)
    if input.shape != other.shape:
        return False
    return bool(np.array_equal(input._data, other._data))


# ----- in-place-only ops
def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast to self's shape, cast to its dtype) into self; the gradient
    goes to src (CopyBackwards), none to self's old values."""
    src = operand(src)
    if not _is_tensor(src):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    from .primitive import broadcast_shapes
    shape = broadcast_shapes(self._data.shape, src._data.shape)
    if shape != self._data.shape:
        raise RuntimeError(f"output with shape [{', '.join(map(str, self._data.shape))}] "
                           f"doesn't match the broadcast shape [{', '.join(map(str, shape))}]")
    _check_inplace(self, (src,))  # (src counts: a no_grad view written from a graph)
    if STATE.enabled and (self._requires_grad or src._requires_grad) or \
            needs_generic_path(self, src):  # (forward-mode tangents, vmap's batched tensors)
        return apply_inplace(self, _b.copy_into(_snapshot(self), src))
    self._data[...] = src._data
    self._bump_version()
    return self


def _random_node(node):
    """A tensor with history overwritten by samples: a node that gives its old values a
    zero gradient (PyTorch's UniformBackward0, NormalBackward0). Not registered: random
    values have no table entry to check them against."""
    return primitive(node, node, forward=lambda xp, a, values: values.astype(a.dtype),
                     vjp=(lambda g, a, out, values: _zeros_like(g),), jvp=ELEMENTWISE,
                     register=False)


_RANDOM_NODES = {"check_uniform_bounds": _random_node("UniformBackward0"),
                 "normal_kernel_cpu": _random_node("NormalBackward0")}


def _fill_random(self, kernel_name, draw):
    if not self.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel_name}\" not implemented for "
                                  f"'{self.dtype._legacy}'")
    _check_inplace(self)
    if not self._data.flags.writeable:  # an expanded tensor: NumPy's views are read-only
        raise RuntimeError(_OVERLAP)
    values = draw(self._data.shape)
    if STATE.enabled and self._requires_grad:
        return apply_inplace(self, _RANDOM_NODES[kernel_name](_snapshot(self), values))
    self._data[...] = values
    self._bump_version()
    return self


def uniform_(self, *args, generator=None, **kwargs):
    """Fill with uniform samples on [from, to) (``uniform_(from=0, to=1)``)."""
    from ..random import _rng
    bounds = list(args) + [kwargs.pop(k) for k in ("from", "to") if k in kwargs]
    lo, hi = (bounds + [0.0, 1.0][len(bounds):])[:2]
    if lo > hi:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={lo:g} > to={hi:g}")
    rng = _rng(generator)
    return _fill_random(self, "check_uniform_bounds",
                        lambda shape: lo + (hi - lo) * rng.random(shape))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    from ..random import _rng
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    rng = _rng(generator)
    return _fill_random(self, "normal_kernel_cpu",
                        lambda shape: mean + std * rng.standard_normal(shape))
