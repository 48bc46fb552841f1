"""The ops package: primitives by family, the in-place mechanism, and the binding of
Python operators and Tensor methods to them."""
from . import primitive as _primitive
from ..tensor import Tensor
from .. import dtypes as _dt

_primitive.bind_tensor(Tensor)  # the primitives' isinstance checks and result wrapping

from . import pointwise, shape, reduction, linalg, indexing, sampling  # noqa: E402  (Tensor bound)

# Each family module lists its public functions in ``__all__`` (re-exported as
# ``retrograd.X``) and its Tensor methods in ``METHODS``; this package merges them.
FAMILIES = (pointwise, shape, reduction, linalg, indexing, sampling)
from .pointwise import (add_fn, sub_fn, rsub_fn, mul_fn, div_fn, rdiv_fn, pow_fn, rpow_fn,  # noqa: E402
                        where, to, clone, exp, log, sin, cos, tanh, sigmoid, relu, sqrt, abs,
                        neg, reciprocal, sign, eq, ne, lt, le, gt, ge, _operand,
                        bitwise_and, bitwise_or, bitwise_xor, bitwise_not)
from .shape import (view, reshape, flatten, transpose, t, permute, unsqueeze, squeeze,  # noqa: E402
                    expand, select, getitem)
from .reduction import sum, mean  # noqa: E402
from .linalg import matmul, mm, bmm, mv, dot  # noqa: E402


from .inplace import inplace_method as _inplace, zero_, fill_  # noqa: E402


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

for _family in FAMILIES:
    _METHODS.update(_family.METHODS)
__all__ = [name for _family in FAMILIES for name in _family.__all__]
_twice = sorted({n for n in __all__ if __all__.count(n) > 1})
assert not _twice, f"public names exported by two op families: {_twice}"
globals().update({name: getattr(_family, name) for _family in FAMILIES for name in _family.__all__})


def _as_method(fn):
    """Primitives are callable objects, which don't bind as methods; their ``call``
    function does."""
    # (properties such as ``T`` are installed as they are)
    return fn.call if isinstance(fn, _primitive.Primitive) else fn


def bind_methods():
    """Install the operators and methods on Tensor. Run again after swapping primitives'
    ``call`` (tests that trace which primitives run do)."""
    for name, fn in _METHODS.items():
        setattr(Tensor, name, _as_method(fn))


bind_methods()
