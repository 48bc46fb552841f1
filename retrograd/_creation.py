"""Tensor factories: tensor, as_tensor, from_numpy, zeros/ones/full/empty (+ _like),
arange, linspace, eye, with PyTorch's dtype inference and argument errors."""
import math
import numbers

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like", "arange", "linspace", "eye",
           "scalar_tensor"]


def _check_device(device):
    if device is not None and str(device).split(":")[0] not in ("cpu",):
        if str(device).split(":")[0] == "cuda":
            raise AssertionError("Torch not compiled with CUDA enabled")
        raise RuntimeError(f"Expected one of cpu, cuda device type at start of device "
                           f"string: {device}")


def _finish(data, requires_grad):
    t = Tensor._make(data)
    if requires_grad:
        if data.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad = True
    return t


def _nested(data):
    """(shape, flat list of Python numbers) of nested sequences, walked without recursion,
    with PyTorch's errors for ragged input and for element types it does not take."""
    shape = []
    level = [data]
    while level and isinstance(level[0], (list, tuple)):
        n = len(level[0])
        for x in level:
            if not isinstance(x, (list, tuple)) or len(x) != n:
                got = len(x) if isinstance(x, (list, tuple)) else 0
                raise ValueError(f"expected sequence of length {n} at dim {len(shape)} "
                                 f"(got {got})")
        shape.append(n)
        level = [y for x in level for y in x]
    flat = []
    for x in level:
        if isinstance(x, (list, tuple)):
            raise ValueError(f"expected sequence of length 0 at dim {len(shape)} "
                             f"(got {len(x)})")
        if isinstance(x, (Tensor, np.ndarray, np.generic)):
            arr = x._data if isinstance(x, Tensor) else np.asarray(x)
            if arr.size != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
            x = arr.reshape(()).item()
        elif not isinstance(x, numbers.Number) or isinstance(x, complex):
            raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
        flat.append(x)
    return shape, flat


def _infer(data):
    """The array ``torch.tensor(data)`` would make: Python floats take the default
    dtype, ints int64, bools bool; arrays and tensors keep their dtype."""
    if isinstance(data, Tensor):
        return data._data.copy()
    if isinstance(data, np.ndarray):
        _dt.from_numpy_dtype(data.dtype)
        return data.copy()
    if isinstance(data, (list, tuple)):
        shape, flat = _nested(data)
        arr = np.array(flat).reshape(shape)
    elif isinstance(data, np.generic):
        return np.array(data)
    elif isinstance(data, numbers.Number) and not isinstance(data, complex):
        arr = np.array(data)
    else:
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")
    kind = arr.dtype.kind
    if kind == "f":
        return arr.astype(_dt.get_default_dtype().np)
    if kind in "iu":
        return arr.astype(np.int64)
    return arr  # bool


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying ``data`` (numbers, nested lists, arrays, tensors), with
    PyTorch's dtype inference: Python floats take the default dtype, ints int64."""
    _check_device(device)
    arr = _infer(data)
    if dtype is not None:
        arr = arr.astype(dtype.np)
    return _finish(np.ascontiguousarray(arr) if arr.ndim else arr, requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return tensor(s, dtype=dtype or _dt.get_default_dtype(), device=device,
                  requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array or tensor of the same dtype."""
    _check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or dtype is data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray):
        _dt.from_numpy_dtype(data.dtype)
        if dtype is None or dtype.np == data.dtype:
            return Tensor._make(data)
        return Tensor._make(data.astype(dtype.np))
    return tensor(data, dtype=dtype)


def from_numpy(array):
    """A tensor sharing memory with ``array``: writes to either show in both."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dt.from_numpy_dtype(array.dtype)
    return Tensor._make(array)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(size)
    for s in size:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"zeros(): argument 'size' must be tuple of ints, but found "
                            f"element of type {type(s).__name__}")
    if any(s < 0 for s in size):
        neg = next(s for s in size if s < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {neg}: "
                           f"[{', '.join(map(str, size))}]")
    return tuple(int(s) for s in size)


def _factory(np_fn):
    def make(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
             pin_memory=False, memory_format=None):
        _check_device(device)
        arr = np_fn(_size(size), dtype=(dtype or _dt.get_default_dtype()).np)
        return _finish(arr, requires_grad)
    return make


zeros = _factory(np.zeros)
ones = _factory(np.ones)
empty = _factory(np.zeros)  # PyTorch leaves it uninitialized; zeros are one valid content


def _fill_dtype(value):
    if isinstance(value, bool):
        return _dt.bool_
    if isinstance(value, numbers.Integral):
        return _dt.int64
    return _dt.get_default_dtype()


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None,
         layout=None, pin_memory=False):
    _check_device(device)
    if hasattr(fill_value, "_data"):
        fill_value = fill_value.item()
    dtype = dtype or _fill_dtype(fill_value)
    return _finish(np.full(_size((size,)), fill_value, dtype=dtype.np), requires_grad)


def _like(np_fn):
    def make(input, *, dtype=None, device=None, requires_grad=False, layout=None,
             memory_format=None):
        _check_device(device)
        return _finish(np_fn(input._data.shape, dtype=(dtype or input.dtype).np), requires_grad)
    return make


zeros_like = _like(np.zeros)
ones_like = _like(np.ones)
empty_like = _like(np.zeros)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              layout=None, memory_format=None):
    _check_device(device)
    return _finish(np.full(input._data.shape, fill_value, dtype=(dtype or input.dtype).np),
                   requires_grad)


def _num(x):
    return x.item() if hasattr(x, "_data") else x


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False,
           out=None, layout=None, pin_memory=False):
    """Values from start (inclusive) to end (exclusive) by step; int64 when all three are
    integers, else the default float dtype."""
    _check_device(device)
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = _dt.int64 if ints else _dt.get_default_dtype()
    n = max(0, math.ceil((end - start) / step))
    # Computed in double and cast, as PyTorch does, so float32 endpoints match.
    arr = (start + np.arange(n, dtype=np.float64) * step) if not dtype is _dt.int64 or \
        not isinstance(start, numbers.Integral) else start + np.arange(n, dtype=np.int64) * step
    return _finish(arr.astype(dtype.np), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None,
             layout=None, pin_memory=False):
    _check_device(device)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or _dt.get_default_dtype()
    arr = np.linspace(_num(start), _num(end), steps, dtype=np.float64)
    return _finish(arr.astype(dtype.np), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None,
        pin_memory=False):
    _check_device(device)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    return _finish(np.eye(n, m, dtype=(dtype or _dt.get_default_dtype()).np), requires_grad)
