"""Tensor factories: tensor, as_tensor, from_numpy, zeros/ones/full/empty (+ _like),
arange, linspace, eye, with PyTorch's dtype inference and argument errors."""
import math
import numbers
import warnings

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like", "arange", "linspace", "eye",
           "scalar_tensor"]


_COPY_CONSTRUCT_WARNING = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
    "or sourceTensor.detach().clone().requires_grad_(True), rather than "
    "torch.tensor(sourceTensor).")


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


_PY_SCALARS = (bool, int, float)


def _element_dtype(x):
    """The dtype one leaf of nested data brings to inference; PyTorch's errors otherwise."""
    if isinstance(x, (np.generic, np.ndarray)):  # first: np.float64 is a Python float too
        return _dt.from_numpy_dtype(x.dtype)
    if isinstance(x, bool):
        return _dt.bool_
    if isinstance(x, numbers.Integral):
        return _dt.int64
    if isinstance(x, float):
        return _dt.get_default_dtype()
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    if isinstance(x, numbers.Real):
        return _dt.get_default_dtype()
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def _is_seq(x):
    return isinstance(x, (list, tuple, range)) or (isinstance(x, np.ndarray) and x.ndim > 0)


_NEGATIVE_STRIDES = (
    "At least one stride in the given numpy array is negative, and tensors with negative "
    "strides are not currently supported. (You can probably work around this by making a "
    "copy of your array  with array.copy().) ")


def _check_array(arr):
    """A NumPy array PyTorch would take whole: a dtype it has, and no negative stride
    (arr[::-1] is refused, even where a copy is made)."""
    _dt.from_numpy_dtype(arr.dtype)
    if any(s < 0 for s in arr.strides):
        raise ValueError(_NEGATIVE_STRIDES)


def _walk_dtype(data):
    """The promotion of the dtypes of every leaf of nested data (PyTorch infers it before
    it looks at the shape, so its errors come first)."""
    inferred = None
    stack = [data]
    while stack:
        x = stack.pop()
        if _is_seq(x):
            if len(x) == 0:
                d = _dt.get_default_dtype()  # an empty list counts as a float, as in NumPy
            elif isinstance(x, np.ndarray):
                d = _dt.from_numpy_dtype(x.dtype)
            else:
                stack.extend(x)
                continue
        elif isinstance(x, str):
            continue  # reported later, as 'too many dimensions' or an invalid type
        else:
            d = _element_dtype(x)
        inferred = d if inferred is None else _dt.promote_types(inferred, d)
    return inferred or _dt.get_default_dtype()


def _structure(data):
    """(shape, flat leaves) of nested sequences, level by level, without recursion; the
    shape comes from the first elements, as in PyTorch, then every item is checked."""
    shape = []
    x = data
    while _is_seq(x) or isinstance(x, str):
        if isinstance(x, str):
            raise ValueError(f"too many dimensions '{type(x).__name__}'")
        shape.append(len(x))
        if not len(x):
            break
        x = x[0]
    level = [data]
    for dim, n in enumerate(shape):
        for x in level:
            if isinstance(x, (str, bytes)):
                raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
            if not _is_seq(x):
                raise TypeError("not a sequence")
            if len(x) != n:
                raise ValueError(f"expected sequence of length {n} at dim {dim} "
                                 f"(got {len(x)})")
        level = [y for x in level for y in x]
    return shape, level


def _nested(data, dtype):
    """(shape, flat Python numbers, inferred dtype) of nested sequences, with PyTorch's
    errors for dtypes it cannot infer, ragged input, and misplaced items."""
    try:
        shape, flat = _structure(data)
    except (TypeError, ValueError):
        _walk_dtype(data)  # an inference error is the one PyTorch reports
        raise
    types = set(map(type, flat))
    if types <= {bool, int, float}:  # the common case, without a per-item walk
        inferred = (_dt.get_default_dtype() if float in types or not flat or 0 in shape
                    else _dt.int64 if int in types else _dt.bool_)
    else:
        inferred = _walk_dtype(data)
        target = dtype or inferred
        flat = [_leaf_value(x, target) for x in flat]
    return shape, flat, inferred


def _leaf_value(x, target):
    """One leaf as a Python number, or PyTorch's error for what cannot be one."""
    if _is_seq(x):
        if target.is_floating_point or target is _dt.bool_:
            raise TypeError(f"must be real number, not {type(x).__name__}")
        raise TypeError(f"'{type(x).__name__}' object cannot be interpreted as an integer")
    if isinstance(x, (Tensor, np.ndarray, np.generic)):
        arr = x._data if isinstance(x, Tensor) else np.asarray(x)
        if arr.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return arr.reshape(()).item()
    _element_dtype(x)  # raises for strings and other non-numbers
    return x


def _infer(data, dtype=None):
    """The array ``torch.tensor(data)`` would make: Python floats take the default
    dtype, ints int64, bools bool; arrays, NumPy scalars and tensors keep their dtype,
    and mixed leaves promote as PyTorch's do."""
    if isinstance(data, Tensor):
        return data._data.copy()
    if isinstance(data, np.ndarray):
        _check_array(data)
        return data.copy()
    if isinstance(data, (list, tuple, range)):
        shape, flat, inferred = _nested(data, dtype)
        return np.array(flat, dtype=_build_dtype(inferred, dtype)).reshape(shape)
    if isinstance(data, np.generic):
        _dt.from_numpy_dtype(data.dtype)
        return np.array(data)
    return np.array(data, dtype=_build_dtype(_element_dtype(data), dtype))


def _build_dtype(inferred, dtype):
    """The dtype Python numbers are first stored in. Python floats are doubles: with an
    explicit dtype they are converted once, from float64, so tensor(0.1, dtype=float64)
    is 0.1 itself, not 0.1 rounded to the default float32 first."""
    return np.float64 if dtype is not None and inferred.is_floating_point else inferred.np


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying ``data`` (numbers, nested lists, arrays, tensors), with
    PyTorch's dtype inference: Python floats take the default dtype, ints int64."""
    _check_device(device)
    if isinstance(data, Tensor):
        warnings.warn(_COPY_CONSTRUCT_WARNING, UserWarning, stacklevel=2)
    arr = _infer(data, dtype)
    if dtype is not None:
        with np.errstate(all="ignore"):  # PyTorch converts 1e40 to inf silently
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
        _check_array(data)
        if dtype is None or dtype.np == data.dtype:
            return Tensor._make(data)
        return Tensor._make(data.astype(dtype.np))
    return tensor(data, dtype=dtype)


def from_numpy(array):
    """A tensor sharing memory with ``array``: writes to either show in both."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _check_array(array)
    return Tensor._make(array)


def _as_dim(s):
    """A size entry as an int (ints, NumPy integers, integer tensors), else None."""
    if isinstance(s, (int, np.integer)):
        return int(s)
    if isinstance(s, Tensor) and s._data.dtype.kind in "iub" and s._data.size == 1:
        return int(s._data.reshape(()).item())
    return None


def _size(size, fn="zeros", keyword=None):
    """A factory's sizes, given as varargs (``zeros(2, 3)``), as one sequence
    (``zeros((2, 3))``) or as the keyword (``zeros(size=(2, 3))``, passed as ``keyword``),
    checked with PyTorch's errors for function ``fn``."""
    if keyword is not None:
        if size:
            raise TypeError(f"{fn}() got multiple values for argument 'size'")
        return _size_seq(keyword, fn)
    if len(size) == 1 and not isinstance(size[0], (tuple, list)):
        if _as_dim(size[0]) is None:
            raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, "
                            f"not {type(size[0]).__name__}")
    return _size_seq(size[0] if len(size) == 1 and isinstance(size[0], (tuple, list))
                     else list(size), fn)


def _size_seq(size, fn):
    """A size given as one sequence (``full((2, 3), ...)``), checked as ``_size`` does."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, "
                        f"not {type(size).__name__}")
    dims = []
    for i, s in enumerate(size):
        d = _as_dim(s)
        if d is None:
            name = type(s).__name__
            if isinstance(size, tuple):
                raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, "
                                f"but found element of type {name} at pos {i}")
            raise TypeError(f"{fn}(): argument 'size' failed to unpack the object at pos "
                            f"{i + 1} with error \"type must be tuple of ints,but got {name}\"")
        dims.append(d)
    for d in dims:
        if d < 0:
            if fn == "zeros":  # PyTorch checks zeros' sizes in a kernel of its own
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {d}: "
                               f"[{', '.join(map(str, dims))}]")
    return tuple(dims)


def _factory(np_fn, fn):
    def make(*sizes, size=None, dtype=None, device=None, requires_grad=False, out=None,
             layout=None, pin_memory=False, memory_format=None):
        if not sizes and size is None:
            raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
        _check_device(device)
        arr = np_fn(_size(sizes, fn, size), dtype=(dtype or _dt.get_default_dtype()).np)
        return _finish(arr, requires_grad)
    make.__name__ = make.__qualname__ = fn
    return make


zeros = _factory(np.zeros, "zeros")
ones = _factory(np.ones, "ones")
empty = _factory(np.zeros, "empty")  # PyTorch leaves it uninitialized; zeros are one valid content


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
    return _finish(np.full(_size_seq(size, "full"), fill_value, dtype=dtype.np),
                   requires_grad)


def _like(np_fn):
    def make(input, *, dtype=None, device=None, requires_grad=False, layout=None,
             memory_format=None):
        _check_device(device)
        if type(input) is not Tensor and hasattr(input, "_lv"):  # inside vmap: batched too
            return _batched_like(make(input._phys, dtype=dtype, requires_grad=requires_grad),
                                 input)
        return _finish(np_fn(input._data.shape, dtype=(dtype or input.dtype).np), requires_grad)
    return make


def _batched_like(phys, input):
    from .func._batching import wrap
    return wrap(phys, input._lv)


zeros_like = _like(np.zeros)
ones_like = _like(np.ones)
empty_like = _like(np.zeros)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              layout=None, memory_format=None):
    _check_device(device)
    if type(input) is not Tensor and hasattr(input, "_lv"):  # inside vmap: batched too
        return _batched_like(full_like(input._phys, fill_value, dtype=dtype,
                                       requires_grad=requires_grad), input)
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
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
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
    return _finish(_linspace(_num(start), _num(end), steps, dtype.np), requires_grad)


def _linspace(start, end, steps, out_dtype):
    """PyTorch's linspace points, rounded as its are: the endpoints and the step in the
    output's type (integer outputs: integer endpoints, a double step), the first half
    counted up from start, the rest down from end, each point one fused multiply-add
    (emulated in a wider type). linspace(-5, 5, 7)[3] is then 1.1921e-07, as there."""
    if out_dtype.kind == "f":
        ft = out_dtype.type
    else:
        start, end, ft = int(start), int(end), np.float64
    if steps <= 1:
        return np.full(steps, start, dtype=out_dtype)
    wide = np.longdouble if ft is np.float64 else np.float64
    s, e = ft(start), ft(end)
    with np.errstate(all="ignore"):
        step = (e - s) / ft(steps - 1)
        i = np.arange(steps)
        up = i < steps // 2
        k = np.where(up, i, steps - 1 - i).astype(wide)
        out = np.where(up, wide(s) + wide(step) * k, wide(e) - wide(step) * k)
        return out.astype(ft).astype(out_dtype)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None,
        pin_memory=False):
    _check_device(device)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    return _finish(np.eye(n, m, dtype=(dtype or _dt.get_default_dtype()).np), requires_grad)
