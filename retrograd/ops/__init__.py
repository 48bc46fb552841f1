"""The ops package: primitives by family, the in-place mechanism, and the binding of
Python operators and Tensor methods to them."""
import numpy as np

from . import primitive as _primitive
from ..tensor import Tensor
from .. import dtypes as _dt
from ..autograd.grad_mode import STATE

_primitive.bind_tensor(Tensor)  # the primitives' isinstance checks and result wrapping

from . import pointwise, shape, reduction, linalg  # noqa: E402  (needs Tensor bound)
from .pointwise import (add_fn, sub_fn, rsub_fn, mul_fn, div_fn, rdiv_fn, pow_fn, rpow_fn,  # noqa: E402
                        where, to, clone, exp, log, sin, cos, tanh, sigmoid, relu, sqrt, abs,
                        neg, reciprocal, sign, eq, ne, lt, le, gt, ge, _operand,
                        bitwise_and, bitwise_or, bitwise_xor, bitwise_not)
from .shape import (view, reshape, flatten, transpose, t, permute, unsqueeze, squeeze,  # noqa: E402
                    expand, select, getitem)
from .reduction import sum, mean  # noqa: E402
from .linalg import matmul, mm, bmm, mv, dot  # noqa: E402


# ----- in-place: compute out of place, then write back and take over the history
_LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_OF_LEAF_INPLACE = ("a view of a leaf Variable that requires grad is being used in an "
                         "in-place operation.")


def _check_inplace(self):
    if STATE.enabled:
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(_LEAF_INPLACE)
        base = self._base
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError(_VIEW_OF_LEAF_INPLACE)


def apply_inplace(self, result):
    """Make ``self`` hold ``result`` (an out-of-place result of the same op): its values are
    written into self's memory (so views see them), the version counter is bumped, and
    self's history becomes result's."""
    if result._data.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the "
            f"broadcast shape [{', '.join(map(str, result._data.shape))}]")
    if not np.can_cast(result._data.dtype, self._data.dtype, "same_kind") and \
            result.dtype.category > self.dtype.category:
        raise RuntimeError(f"result type {result.dtype._legacy} can't be cast to the desired "
                           f"output type {self.dtype._legacy}")
    if result._requires_grad and self._base is not None and STATE.enabled:
        raise RuntimeError(
            "in-place operation on a view of a tensor that is part of a graph: retrograd does "
            "not rebase view histories yet (PyTorch's CopySlices); use the out-of-place op")
    if not self._data.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to "
            "a single memory location. Please clone() the tensor before performing the "
            "operation.")
    self._data[...] = result._data
    self._bump_version()
    if result._requires_grad and STATE.enabled:
        self.grad_fn = result.grad_fn
        self._output_nr = result._output_nr
        self._requires_grad = True
    return self


def _snapshot(self):
    """A copy of self's values that carries self's history: what an in-place op computes
    from, so the values its node saves are not the ones it then overwrites."""
    snap = Tensor._make(self._data.copy(), self._requires_grad, self.grad_fn)
    snap._output_nr = self._output_nr
    return snap


def _inplace(fn):
    def method(self, *args, **kwargs):
        _check_inplace(self)
        if STATE.enabled and (self._requires_grad or
                              any(getattr(a, "_requires_grad", False) for a in args)):
            snap = _snapshot(self)
            args = tuple(snap if a is self else a for a in args)
            return apply_inplace(self, fn(snap, *args, **kwargs))
        return apply_inplace(self, fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    return method


def zero_(self):
    _check_inplace(self)
    self._data[...] = 0
    self._bump_version()
    return self


def fill_(self, value):
    _check_inplace(self)
    self._data[...] = value.item() if hasattr(value, "_data") else value
    self._bump_version()
    return self


def _type(self, dtype=None):
    if dtype is None:
        return f"torch.{self.dtype._legacy}Tensor"
    return to(self, dtype)


def _to(self, *args, **kwargs):
    """``to(dtype)``, ``to(device)``, ``to(other)`` and keyword forms; cpu only here."""
    dtype = kwargs.get("dtype")
    dev = kwargs.get("device")
    for a in args:
        if isinstance(a, _dt.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
        elif a is not None:
            dev = a
    if dev is not None and str(dev).split(":")[0] != "cpu":
        raise AssertionError("Torch not compiled with CUDA enabled")
    out = self if dtype is None else to(self, dtype)
    if kwargs.get("copy") and out is self:
        out = clone(self)
    return out


def _contiguous(self, memory_format=None):
    return self if self._data.flags.c_contiguous else pointwise.clone_p(self, "C")


def _cmp(prim):
    def method(self, other):
        if other is None:
            return False if prim is eq else True
        try:
            other = _operand(other)
        except TypeError:
            return NotImplemented
        return prim(self, other)
    return method


def _bitwise(prim):
    def method(self, other):
        other = _operand(other)
        rdt = _dt.result_type(self, other)  # PyTorch names the promoted dtype
        if rdt.is_floating_point:
            raise NotImplementedError(f"\"{prim.name}_cpu\" not implemented for '{rdt._legacy}'")
        return prim(self, other)
    return method


_METHODS = {
    "__add__": add_fn, "__radd__": lambda a, b: add_fn(a, b), "add": add_fn,
    "__sub__": sub_fn, "__rsub__": rsub_fn, "sub": sub_fn,
    "__mul__": pointwise.mul, "__rmul__": pointwise.mul, "mul": mul_fn,
    "__truediv__": div_fn, "__rtruediv__": rdiv_fn, "div": div_fn, "true_divide": div_fn,
    "__pow__": pow_fn, "__rpow__": rpow_fn, "pow": pow_fn,
    "__neg__": neg, "neg": neg, "negative": neg, "__pos__": lambda a: a,
    "__matmul__": matmul, "__rmatmul__": lambda a, b: matmul(b, a), "matmul": matmul,
    "mm": mm, "bmm": bmm, "mv": mv, "dot": dot,
    "exp": exp, "log": log, "sin": sin, "cos": cos, "tanh": tanh, "sigmoid": sigmoid,
    "relu": relu, "sqrt": sqrt, "abs": abs, "__abs__": abs, "reciprocal": reciprocal,
    "sign": sign,
    "sum": sum, "mean": mean,
    "view": view, "reshape": reshape, "flatten": flatten, "transpose": transpose, "t": t,
    "swapaxes": transpose, "swapdims": transpose,
    "permute": permute, "unsqueeze": unsqueeze, "squeeze": squeeze, "expand": expand,
    "select": select, "__getitem__": getitem,
    "view_as": lambda a, other: view(a, other.shape),
    "reshape_as": lambda a, other: reshape(a, other.shape),
    "expand_as": lambda a, other: expand(a, other.shape),
    "__eq__": _cmp(eq), "__ne__": _cmp(ne), "__lt__": _cmp(lt), "__le__": _cmp(le),
    "__gt__": _cmp(gt), "__ge__": _cmp(ge),
    "eq": _cmp(eq), "ne": _cmp(ne), "lt": _cmp(lt), "le": _cmp(le), "gt": _cmp(gt),
    "ge": _cmp(ge),
    "to": _to, "type": _type, "clone": clone, "contiguous": _contiguous,
    "float": lambda a: to(a, _dt.float32), "double": lambda a: to(a, _dt.float64),
    "half": lambda a: to(a, _dt.float16), "long": lambda a: to(a, _dt.int64),
    "int": lambda a: to(a, _dt.int32), "short": lambda a: to(a, _dt.int16),
    "bool": lambda a: to(a, _dt.bool_), "byte": lambda a: to(a, _dt.uint8),
    "char": lambda a: to(a, _dt.int8),
    "cpu": lambda a: a,
    "add_": _inplace(add_fn), "sub_": _inplace(sub_fn), "mul_": _inplace(mul_fn),
    "div_": _inplace(div_fn), "pow_": _inplace(pow_fn),
    "__iadd__": _inplace(add_fn), "__isub__": _inplace(sub_fn), "__imul__": _inplace(mul_fn),
    "__itruediv__": _inplace(div_fn),
    "__and__": _bitwise(bitwise_and), "__rand__": _bitwise(bitwise_and),
    "__or__": _bitwise(bitwise_or), "__ror__": _bitwise(bitwise_or),
    "__xor__": _bitwise(bitwise_xor), "__rxor__": _bitwise(bitwise_xor),
    "__invert__": bitwise_not, "bitwise_not": bitwise_not,
    "logical_not": lambda a: eq(a, 0),  # not ~a: logical_not(2) is False, and a bool result
    "zero_": zero_, "fill_": fill_, "where": lambda a, cond, other: where(cond, a, other),
}

def _as_method(fn):
    """Primitives are callable objects, which don't bind as methods; their ``call``
    function does."""
    return fn.call if isinstance(fn, _primitive.Primitive) else fn


def bind_methods():
    """Install the operators and methods on Tensor. Run again after swapping primitives'
    ``call`` (tests that trace which primitives run do)."""
    for name, fn in _METHODS.items():
        setattr(Tensor, name, _as_method(fn))


bind_methods()
