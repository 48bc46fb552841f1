"""Reductions that return values with the indices they came from (max/min over a dim,
sort, topk, kthvalue, median, mode, cummax...): the indices are found in NumPy (never
differentiable), the values are a gather at them, whose gradient scatters back there."""
import numpy as np

from .primitive import primitive, LINEAR
from ..tensor import Tensor, _wrap_dim
from .. import return_types as _rt
from .reduction import aminmax_p, whole, _nonempty, _positions, in_layout_of
from .reduction_select import quickselect, topk_positions

_make = Tensor._make


def _take_kernel(xp, a, idx, dim, squeeze):
    if a.ndim == 0:
        return a.copy()
    out = xp.take_along_axis(a, idx, axis=dim)
    if not idx.flags.c_contiguous and idx.shape == a.shape:  # sort: in the input's layout
        return in_layout_of(idx, out)
    out = out.squeeze(dim) if squeeze else out
    return out if out.flags.c_contiguous else out.copy(order="C")  # (0-d stays 0-d)


def _scatter_kernel(xp, g, idx, dim, squeeze, in_shape):
    """Zeros of in_shape with g added at idx along dim (repeated indices add up)."""
    if not in_shape:
        return g.copy()
    if squeeze:
        g = xp.expand_dims(g, dim)
    idx = np.broadcast_to(idx, g.shape)
    n, k = in_shape[dim], g.shape[dim]
    gm, im = np.moveaxis(g, dim, -1), np.moveaxis(idx, dim, -1)
    rows = gm.size // k if k else int(np.prod(gm.shape[:-1]))
    flat = (np.arange(rows)[:, None] * n + im.reshape(rows, k)).ravel()
    out = np.bincount(flat, weights=gm.reshape(-1), minlength=rows * n)
    moved = out.astype(g.dtype, copy=False).reshape(gm.shape[:-1] + (n,))
    return np.moveaxis(moved, -1, dim)


# values at given indices: the node is named for the op (MaxBackward0, SortBackward0...)
_take_p = primitive("take_values", "GatherBackward0", forward=_take_kernel,
                    vjp=(lambda g, a, out, idx, dim, squeeze:
                         _scatter_p(g, idx, dim, squeeze, a.shape),),
                    jvp=LINEAR)
_scatter_p = primitive("scatter_values", "ScatterAddBackward0", forward=_scatter_kernel,
                       vjp=(lambda g, a, out, idx, dim, squeeze, in_shape:
                            _take_p(g, idx, dim, squeeze),),
                       jvp=LINEAR)
_NODES = {name: _take_p.variant(node) for name, node in [
    ("max", "MaxBackward0"), ("min", "MinBackward0"), ("sort", "SortBackward0"),
    ("sort_stable", "SortBackward1"), ("topk", "TopkBackward0"), ("kthvalue", "KthvalueBackward0"),
    ("median", "MedianBackward1"), ("nanmedian", "NanmedianBackward1"),
    ("mode", "ModeBackward0"), ("cummax", "CummaxBackward0"), ("cummin", "CumminBackward0")]}


def _values_indices(name, input, idx, dim, squeeze):
    """The named tuple: values gathered at idx (differentiable), and the int64 indices."""
    a = input._data
    if a.ndim == 0:
        idx = np.zeros((), np.int64)
        values = _NODES[name](input, idx, 0, False)
    else:
        values = _NODES[name](input, idx, dim, squeeze)
        if squeeze:
            idx = idx.squeeze(dim)
    indices = _make(np.array(idx, dtype=np.int64, order="K"))
    return getattr(_rt, name.split("_")[0])((values, indices))


def _dim_of(input, dim, name, check_empty=True):
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"({type(dim).__name__}), but expected one of:")
    d = _wrap_dim(dim, input._data.ndim)
    if check_empty:
        _nonempty(input, (d,) if input._data.ndim else (), name)
    return d


def _argsort(a, dim, descending=False):
    """A stable argsort (NaN sorts as the largest, as PyTorch's does); descending keeps
    equal elements in their original order too."""
    if not descending:
        return np.argsort(a, axis=dim, kind="stable")
    i = np.argsort(np.flip(a, dim), axis=dim, kind="stable")
    return np.flip(a.shape[dim] - 1 - i, dim)


def _pick(order, pos, dim):
    """order[..., pos, ...] along dim, kept as a size-1 dim (pos broadcasts)."""
    return np.take_along_axis(order, np.broadcast_to(pos, order.shape[:dim] + (1,) +
                                                     order.shape[dim + 1:]), axis=dim)


# ----- max / min
def _extreme(name, np_arg, whole_name, maximum_name):
    def op(input, dim=None, keepdim=False, *, other=None):
        if other is not None or isinstance(dim, Tensor):  # max(input, other): maximum
            from . import pointwise
            return getattr(pointwise, maximum_name)(input, dim if other is None else other)
        if dim is None:
            return whole(input, whole_name)
        d = _dim_of(input, dim, name)
        a = input._data
        if a.ndim == 0:
            return _values_indices(name, input, None, 0, False)
        idx = np_arg(a, axis=d, keepdims=True)
        return _values_indices(name, input, idx, d, not keepdim)
    op.__name__ = op.__qualname__ = name
    return op


max = _extreme("max", np.argmax, "max", "maximum")
min = _extreme("min", np.argmin, "min", "minimum")


def aminmax(input, *, dim=None, keepdim=False):
    """(amin, amax) as the named tuple ``aminmax(min=..., max=...)``."""
    a = input._data
    if dim is None:
        if a.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        dims = None
        if keepdim:
            dims = tuple(range(a.ndim))
    else:
        d = _wrap_dim(dim, a.ndim)
        if a.ndim:
            _nonempty(input, (d,), "aminmax", sep=":")
        dims = (d,) if a.ndim else None
    return _rt.aminmax(aminmax_p(input, dims, keepdim))


# ----- sorting and selection
def sort(input, dim=-1, descending=False, *, stable=False):
    """Sorted values and where they came from (stable: equal elements keep their order)."""
    d = _wrap_dim(dim, input._data.ndim)
    a = input._data
    name = "sort_stable" if stable else "sort"  # PyTorch names the stable overload apart
    if a.ndim == 0:
        return _values_indices(name, input, None, 0, False)
    return _values_indices(name, input, in_layout_of(a, _argsort(a, d, descending)), d, False)


def argsort(input, dim=-1, descending=False, *, stable=False):
    return sort(input, dim, descending, stable=stable).indices


def msort(input):
    return sort(input, 0).values


def _rows(a, d):
    """a as a 2-D array of its lines along dim d."""
    return np.moveaxis(a, d, -1).reshape(int(np.prod(a.shape[:d] + a.shape[d + 1:])),
                                         a.shape[d])


def _has_equal(rows):
    """Which rows hold equal elements (two NaNs count as equal here)."""
    s = np.sort(rows, axis=1)
    same = s[:, 1:] == s[:, :-1]
    if s.dtype.kind == "f":
        same |= np.isnan(s[:, 1:]) & np.isnan(s[:, :-1])
    return same.any(axis=1)


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) elements along dim; among equal elements the ones
    PyTorch's algorithm picks, in its order (sorted, or not)."""
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    size = a.shape[d] if a.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if a.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if a.ndim == 0:
        return _values_indices("topk", input, None, 0, False)
    rows = _rows(a, d)
    pos = _argsort(rows, 1, largest)[:, :k]
    # rows of distinct elements come out sorted the same whatever the algorithm; the rest
    # (and any unsorted result) take PyTorch's algorithm
    need = _has_equal(rows) if sorted else np.ones(rows.shape[0], bool)
    if need.any():
        exact = topk_positions(rows[need], k, largest, sorted)
        if exact is not None:  # (None where PyTorch heap-selects: k * 64 <= n)
            pos[need] = exact
    idx = np.moveaxis(pos.reshape(a.shape[:d] + a.shape[d + 1:] + (k,)), -1, d)
    return _values_indices("topk", input, np.ascontiguousarray(idx), d, False)


def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest element along dim (k counts from 1) and its index."""
    d = _dim_of(input, dim, "kthvalue")
    a = input._data
    size = a.shape[d] if a.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if a.ndim == 0:
        return _values_indices("kthvalue", input, None, 0, False)
    if a.dtype.kind == "b":
        raise NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'")
    rows = _rows(a, d)
    pos = _argsort(rows, 1)[:, k - 1]
    need = _has_equal(rows)  # elsewhere the k-th smallest is one element, found by sorting
    if need.any():
        pos[need] = quickselect(rows[need], k - 1)
    idx = np.expand_dims(pos.reshape(a.shape[:d] + a.shape[d + 1:]), d)
    return _values_indices("kthvalue", input, idx, d, not keepdim)


def _median_dim(name, input, dim, keepdim, skip_nan):
    d = _dim_of(input, dim, "median")  # (nanmedian's errors say median too)
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"median_out\" not implemented for 'Bool'")
    a = input._data
    if a.ndim == 0:
        return _values_indices(name, input, None, 0, False)
    n = a.shape[d]
    valid = np.sum(~np.isnan(a), axis=d, keepdims=True) if a.dtype.kind == "f" else \
        np.full(a.shape[:d] + (1,) + a.shape[d + 1:], n)
    if skip_nan:  # the lower median of the numbers; the first NaN when there are none
        pos = np.maximum(valid - 1, 0) // 2
    else:  # a NaN makes the median NaN: the first NaN (NaN sorts last, stably)
        pos = np.where(valid < n, valid, (n - 1) // 2)
    idx = _pick(_argsort(a, d), pos, d)
    return _values_indices(name, input, idx, d, not keepdim)


def median(input, dim=None, keepdim=False):
    """The lower median: of all elements (the gradient split among equal ones), or along
    dim with the index (the first of equal elements)."""
    if dim is None:
        return whole(input, "median")
    return _median_dim("median", input, dim, keepdim, False)


def nanmedian(input, dim=None, keepdim=False):
    """median, ignoring NaNs."""
    if dim is None:
        return whole(input, "nanmedian")
    return _median_dim("nanmedian", input, dim, keepdim, True)


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along dim (the smallest of equally frequent ones) and the
    index of its last occurrence."""
    d = _dim_of(input, dim, "mode")
    a = input._data
    if a.ndim == 0:
        return _values_indices("mode", input, None, 0, False)
    order = _argsort(a, d)
    s = np.take_along_axis(a, order, axis=d)
    n = a.shape[d]
    pos = _positions(n, d, a.ndim)
    starts = np.ones(a.shape, bool)  # a new run of equal values begins (NaN != NaN)
    ends = np.ones(a.shape, bool)
    lead = [slice(None)] * a.ndim
    cur, prev = list(lead), list(lead)
    cur[d], prev[d] = slice(1, None), slice(None, -1)
    differs = s[tuple(cur)] != s[tuple(prev)]
    starts[tuple(cur)] = differs
    ends[tuple(prev)] = differs
    start = np.maximum.accumulate(np.where(starts, pos, 0), axis=d)
    end = np.flip(np.minimum.accumulate(np.flip(np.where(ends, pos, n - 1), d), axis=d), d)
    best = np.argmax(end - start, axis=d, keepdims=True)  # the first: the smallest value
    idx = np.take_along_axis(order, np.take_along_axis(end, best, axis=d), axis=d)
    return _values_indices("mode", input, idx, d, not keepdim)


# ----- running max / min
def _cumulative(name, ufunc):
    def op(input, dim):
        a = input._data
        d = _wrap_dim(dim, a.ndim)
        if a.ndim == 0:
            return _values_indices(name, input, None, 0, False)
        run = ufunc.accumulate(a, axis=d)
        hit = a == run  # a new (or equal) extreme: PyTorch reports the latest one
        if a.dtype.kind == "f":
            hit |= np.isnan(a)
        idx = np.ascontiguousarray(np.maximum.accumulate(
            np.where(hit, _positions(a.shape[d], d, a.ndim), 0), axis=d))
        return _values_indices(name, input, idx, d, False)
    op.__name__ = op.__qualname__ = name
    return op


cummax = _cumulative("cummax", np.maximum)
cummin = _cumulative("cummin", np.minimum)
