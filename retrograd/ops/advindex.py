"""The full indexing grammar of ``x[index]`` and ``x[index] = value`` (ints, slices, None,
Ellipsis, bools, integer tensors/lists/arrays, bool masks), index_put, nonzero/argwhere.
Basic indices are applied first as views (ops/shape.py getitem), as PyTorch does; the
tensor indices that remain go to the ``index``/``index_put`` primitives."""
import warnings

import numpy as np

from ..tensor import Tensor
from ..autograd.grad_mode import STATE
from . import shape as _shape
from .indexing_prims import index_p, put_p, copy_slices_p, copy_p, fill_p, _sz
from .inplace import (_check_inplace, apply_inplace, needs_generic_path, _LEAF_INPLACE,
                      _VIEW_OF_LEAF_INPLACE, inplace_method)

_SEQ_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be "
    "changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will "
    "be interpreted as tensor index, x[torch.tensor(seq)], which will result either in an "
    "error or a different result")
_UINT8_WARNING = ("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                  "torch.bool instead.")
_INDEX_DTYPES = "tensors used as indices must be long, int, byte or bool tensors"
_SEQ = (list, tuple, range)


def _treat_as_tuple(index):
    """PyTorch's (NumPy's old) heuristic: a short list holding a sequence, tensor, slice,
    Ellipsis or None is a tuple of indices."""
    if len(index) >= 32:
        return False
    return any(isinstance(i, (Tensor, np.ndarray, slice) + _SEQ) or i is None or
               i is Ellipsis for i in index)


def _array_of(item):
    """A list/array index as PyTorch converts it: all bools make a mask, else int64."""
    a = np.asarray(item._data if isinstance(item, Tensor) else item)
    if a.dtype == np.bool_:
        return a
    if a.dtype.kind not in "iuf" and a.size:
        raise IndexError(_INDEX_DTYPES)
    return a.astype(np.int64)


def _classify(item):
    """One index element as (kind, value): 'int', 'slice', 'none', 'ellipsis', 'bool',
    'index' (int64 array) or 'mask' (bool array)."""
    if isinstance(item, bool):
        return "bool", item
    if isinstance(item, int):
        return "int", item
    if isinstance(item, slice):
        return "slice", item
    if item is None:
        return "none", None
    if item is Ellipsis:
        return "ellipsis", None
    if isinstance(item, Tensor):
        d = item._data
        k = d.dtype.kind
        if d.ndim == 0 and k in "iu" and d.dtype != np.uint8:
            return "int", int(d)
        if d.dtype == np.uint8 or k == "b":
            if d.dtype == np.uint8:
                warnings.warn(_UINT8_WARNING, UserWarning, stacklevel=4)
            if d.ndim == 0:
                return "bool", bool(d)
            return "mask", d.astype(np.bool_)
        if d.dtype not in (np.int64, np.int32):
            raise IndexError(_INDEX_DTYPES)
        return "index", d.astype(np.int64)
    if isinstance(item, np.integer):
        return "int", int(item)
    if isinstance(item, np.bool_):
        return "bool", bool(item)
    if isinstance(item, (list, range, np.ndarray)):
        a = _array_of(item)
        if a.ndim == 0 and isinstance(item, np.ndarray):  # as a 0-d tensor would be
            return ("bool", bool(a)) if a.dtype == np.bool_ else ("int", int(a))
        return ("mask", a) if a.dtype == np.bool_ else ("index", a)
    if isinstance(item, tuple):
        return _classify(list(item))
    if hasattr(item, "__index__") and not isinstance(item, float):
        return "int", item.__index__()
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                     f"Variables are valid indices (got {type(item).__name__})")


def _as_items(index):
    if isinstance(index, tuple):
        return index
    if isinstance(index, list) and _treat_as_tuple(index):
        warnings.warn(_SEQ_WARNING, UserWarning, stacklevel=4)
        return tuple(index)
    return (index,)


class _Plan:
    """An index split as PyTorch applies it: ``basic`` (ints, slices, None; Ellipsis
    spelled out) for a view, then ``adv`` (None or an int64 array per dim of the view)."""
    __slots__ = ("basic", "adv", "trivial", "any_adv")


def _plan(x, index):
    items = [_classify(i) for i in _as_items(index)]
    shp = x._data.shape
    nd = len(shp)
    consumed = sum(1 if k in ("int", "slice", "index") else v.ndim if k == "mask" else 0
                   for k, v in items)
    if consumed > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    basic, adv, dim, seen = [], [], 0, False
    for pos, (kind, v) in enumerate(items):
        if kind == "ellipsis":
            if not seen:
                n = nd - consumed
                basic += [slice(None)] * n
                adv += [None] * n
                dim += n
                seen = True
        elif kind == "none":
            basic.append(None)
            adv.append(None)
        elif kind == "bool":
            basic.append(None)
            adv.append(np.zeros(1 if v else 0, dtype=np.int64))
        elif kind == "int":
            size = shp[dim]
            if not -size <= v < size:
                raise IndexError(f"index {v} is out of bounds for dimension {pos} with size "
                                 f"{size}")
            basic.append(v % size)
            dim += 1
        elif kind == "slice":
            if v.step is not None and v.step <= 0:
                raise ValueError("step must be greater than zero")
            basic.append(v)
            adv.append(None)
            dim += 1
        elif kind == "index":
            basic.append(slice(None))
            adv.append(v)
            dim += 1
        else:  # a mask spans mask.ndim dims; checked against the view below
            basic += [slice(None)] * v.ndim
            adv.append(("mask", v))
            dim += v.ndim
    plan = _Plan()
    plan.trivial = all(b == slice(None) for b in basic)
    plan.basic = None if plan.trivial else tuple(basic)
    plan.any_adv = any(a is not None for a in adv)
    if plan.any_adv:
        vshape = shp if plan.trivial else np.shape(x._data[plan.basic + (Ellipsis,)])
        plan.adv = _advanced(adv, vshape)
    else:
        plan.adv = None
    return plan


def _advanced(adv, vshape):
    """The index arrays, masks expanded to their nonzero columns, checked against the
    view's shape with PyTorch's errors; trailing full slices dropped."""
    out = []
    for a in adv:
        if isinstance(a, tuple):
            mask = a[1]
            for j in range(mask.ndim):
                src = len(out) + j
                if src >= len(vshape) or mask.shape[j] != vshape[src]:
                    raise IndexError(
                        f"The shape of the mask {_sz(mask.shape)} at index {j} does not match "
                        f"the shape of the indexed tensor {_sz(vshape)} at index {src}")
            out += np.nonzero(mask)
        else:
            out.append(a)
    arrays = [a for a in out if a is not None]
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                         "with shapes " + ", ".join(_sz(a.shape) for a in arrays)) from None
    k = 0
    for d, a in enumerate(out):
        if a is None:
            continue
        size = vshape[d]
        if a.size:
            bad = (a < -size) | (a >= size)
            if bad.any():
                raise IndexError(f"index {a.reshape(-1)[bad.reshape(-1).argmax()]} is out of "
                                 f"bounds for dimension {k} with size {size}")
        k += 1
    while out and out[-1] is None:
        out.pop()
    return tuple(slice(None) if a is None else a for a in out)


def _basic_items(index):
    """The index for shape.getitem: 0-d integer tensors and NumPy ints as Python ints."""
    return tuple(_classify(i)[1] if isinstance(i, (Tensor, np.integer)) else i
                 for i in _as_items(index))


_BASIC_TYPES = frozenset({int, slice, type(None), type(Ellipsis)})  # (bool is not int here)
_basic_getitem = _shape.getitem


def getitem(x, index):
    t = type(index)
    if t in _BASIC_TYPES or t is tuple and all(type(i) in _BASIC_TYPES for i in index):
        return _basic_getitem(x, index)
    if (hasattr(index, "_lv") if type(index) is not tuple else
            any(type(i) is not Tensor and hasattr(i, "_lv") for i in index)):
        # a batched index tensor inside vmap: its values differ per example
        from ..func._batching import getitem_batched
        return getitem_batched(getitem, x, index)
    plan = _plan(x, index)
    if not plan.any_adv:
        return _shape.getitem(x, _basic_items(index))
    view = x if plan.trivial else _shape.getitem(x, plan.basic)
    return index_p(view, plan.adv, view._data.shape)


# ----- writing: x[index] = value

def _strip_ones(shape):
    i = 0
    while i < len(shape) and shape[i] == 1:
        i += 1
    return tuple(shape[i:])


def _indexed_shape(vshape, adv):
    return np.shape(np.broadcast_to(np.empty((), np.int8), vshape)[adv])


def setitem(x, index, value):
    if index is False:
        return  # PyTorch writes nothing (and bumps no version)
    if index is True:
        index = None  # PyTorch copies into x.unsqueeze(0): a basic write
    if isinstance(value, Tensor):
        v = value
    elif isinstance(value, (int, float)):  # (np.float64 is a float; np.float32 is not)
        v = value
    else:
        tp = type(value)
        name = tp.__qualname__ if tp.__module__ == "builtins" else \
            f"{tp.__module__.split('.')[0]}.{tp.__qualname__}"
        raise TypeError(f"can't assign a {name} to a torch.{x.dtype._legacy}Tensor")
    plan = _plan(x, index)
    # (an integer tensor cannot take a history: a float value is just cast into it)
    recording = STATE.enabled and (x._requires_grad or (
        isinstance(v, Tensor) and v._requires_grad and x._data.dtype.kind == "f"))
    if STATE.enabled and x._requires_grad and x.grad_fn is None:
        raise RuntimeError(_LEAF_INPLACE if plan.trivial else _VIEW_OF_LEAF_INPLACE)
    _check_inplace(x)
    vshape = x._data.shape if plan.trivial else np.shape(x._data[plan.basic + (Ellipsis,)])
    if plan.adv is None:
        prim = (fill_p if not isinstance(v, Tensor) else copy_p) if plan.trivial else \
            copy_slices_p
        # (a 0-d value fills, as PyTorch's copy_to does: no view or expand of it)
        if isinstance(v, Tensor) and v._data.shape != vshape and v._data.ndim:
            v = _shape.view(v, _strip_ones(v._data.shape))
            if v._data.shape != vshape:
                v = _shape.expand(v, vshape)
    else:
        prim = put_p if plan.trivial else copy_slices_p
        target = _indexed_shape(vshape, plan.adv)
        if isinstance(v, Tensor):
            if v._data.dtype != x._data.dtype:
                raise RuntimeError(
                    "Index put requires the source and destination dtypes match, got "
                    f"{x.dtype._legacy} for the destination and {v.dtype._legacy} for the "
                    "source.")
            stripped = _strip_ones(v._data.shape)
            try:
                np.broadcast_shapes(stripped, target)
                if len(stripped) > len(target):
                    raise ValueError
            except ValueError:
                raise RuntimeError(f"shape mismatch: value tensor of shape {_sz(stripped)} "
                                   "cannot be broadcast to indexing result of shape "
                                   f"{_sz(target)}") from None
            if stripped != v._data.shape:
                v = _shape.view(v, stripped)
    if recording or needs_generic_path(x, v):  # (tangents, vmap: the primitive carries them)
        apply_inplace(x, prim(x, v, plan.basic, plan.adv, False))
        return
    if not x._data.flags.writeable:
        apply_inplace(x, x)  # (raises PyTorch's error about overlapping memory)
    data = v._data if isinstance(v, Tensor) else v
    view = x._data if plan.trivial else x._data[plan.basic + (Ellipsis,)]
    if plan.adv is None:
        view[...] = data
    else:
        view[plan.adv] = data
    x._bump_version()


# ----- index_put, nonzero, argwhere

def index_put(input, indices, values, accumulate=False):
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' (position 2) must be tuple of "
                        f"Tensors, not {type(indices).__name__}")
    for k, i in enumerate(indices):
        if not isinstance(i, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 0, but got "
                            f"{type(i).__name__}")
    if len(indices) > input._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input._data.ndim} "
                         f"(got {len(indices)})")
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' (position 3) must be Tensor, not "
                        f"{type(values).__name__}")
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{input.dtype._legacy} for the destination and {values.dtype._legacy} for the "
            "source.")
    entries = []
    for i in indices:
        kind, a = _classify(i)
        if kind == "int":
            a = np.asarray(a, dtype=np.int64)
        elif kind == "bool":
            a = np.asarray(a)
        entries.append(("mask", a) if a.dtype == np.bool_ else a)
    if not entries:
        adv = ()
    else:
        adv = _advanced(entries, input._data.shape)
    target = _indexed_shape(input._data.shape, adv)
    try:
        np.broadcast_to(np.empty(values._data.shape, np.int8), target)
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {_sz(values._data.shape)} "
                           f"cannot be broadcast to indexing result of shape {_sz(target)}") \
            from None
    return put_p(input, values, None, adv, bool(accumulate))


def nonzero(input, *, as_tuple=False):
    a = input._data
    if as_tuple:
        return tuple(Tensor._make(c.astype(np.int64)) for c in np.nonzero(np.atleast_1d(a)))
    return Tensor._make(np.argwhere(a).astype(np.int64))


def argwhere(input):
    return Tensor._make(np.argwhere(input._data).astype(np.int64))


index_put_ = inplace_method(index_put)
