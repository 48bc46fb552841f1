"""The indexing family's public functions and Tensor methods: gather, scatter (src, value,
legacy reduce=), scatter_add, scatter_reduce, index_select, index_add, index_fill,
index_copy, masked_select, take, take_along_dim, nonzero, argwhere, index_put, their
in-place forms, and ``__getitem__``/``__setitem__`` (ops/advindex.py). Each checks its
arguments with PyTorch's error texts, then calls a primitive (ops/indexing_prims.py)."""
import warnings

import numpy as np

from .primitive import broadcast_shapes
from ..tensor import Tensor, _wrap_dim
from .. import dtypes as _dt
from . import shape as _shape
from .inplace import inplace_method
from .indexing_prims import (_sz, _UFUNC, gather_p, scatter_p, scatter_value_p,
                             scatter_add_p, scatter_legacy_p, scatter_legacy_value_p,
                             scatter_reduce_p, index_select_p,
                             index_add_p, index_fill_p, index_fill_tensor_p, index_copy_p,
                             masked_select_p, take_p)


def _index_array(index, fn):
    if not isinstance(index, Tensor):
        raise TypeError(f"{fn}(): argument 'index' (position 3) must be Tensor, not "
                        f"{type(index).__name__}")
    return index._data


def _check_gather_index(fn, a, dim, index, src=None):
    """gather/scatter's rules: int64 index, as many dims as the input, no larger than it
    outside ``dim`` (and no larger than src anywhere), every index in range."""
    idx = _index_array(index, fn)
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{'gather' if fn == 'gather' else 'scatter'}(): Expected dtype "
                           "int32/int64 for index")
    idx = idx.astype(np.int64)
    nd = a._data.ndim
    dim = _wrap_dim(dim, nd)
    if max(idx.ndim, 1) != max(nd, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    shp = a._data.shape
    if idx.size and idx.ndim:
        if src is None:
            for d in range(nd):
                if d != dim and idx.shape[d] > shp[d]:
                    raise RuntimeError(
                        f"Size does not match at dimension {d} expected index {_sz(idx.shape)} "
                        f"to be no larger than self {_sz(shp)} apart from dimension {dim}")
        else:
            ss = np.shape(src._data) if isinstance(src, Tensor) else None
            if any((d != dim and idx.shape[d] > shp[d]) or
                   (ss is not None and idx.shape[d] > ss[d]) for d in range(nd)):
                raise RuntimeError(
                    f"Expected index {_sz(idx.shape)} to be no larger than self {_sz(shp)} "
                    f"apart from dimension {dim}" +
                    (f" and to be no larger size than src {_sz(ss)}" if ss is not None else ""))
    size = shp[dim] if nd else 1
    if idx.size:
        bad = (idx < 0) | (idx >= size)
        if bad.any():
            raise RuntimeError(f"index {idx.reshape(-1)[bad.reshape(-1).argmax()]} is out of "
                               f"bounds for dimension {dim} with size {size}")
    return dim, idx


def _per_example(fn, *args):
    """A batched index tensor inside vmap: its values differ per example, so the function
    runs once per example (func/_batching.py)."""
    from ..func._batching import per_example
    return per_example(fn, *args)


def gather(input, dim, index, *, sparse_grad=False):
    if type(index) is not Tensor and hasattr(index, "_lv"):  # batched, inside vmap
        from ..func._batching import gather_batched
        return gather_batched(gather, input, dim, index)
    dim, idx = _check_gather_index("gather", input, dim, index)
    return gather_p(input, dim, idx, input._data.shape)


def _check_src(fn, a, src):
    if isinstance(src, Tensor) and src._data.dtype != a._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")


_LEGACY = {"add": np.add, "multiply": np.multiply}


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    if src is None:
        src = value
    dim, idx = _check_gather_index("scatter", input, dim, index, src)
    _check_src("scatter", input, src)
    if reduce is not None:
        if reduce not in _LEGACY:
            raise RuntimeError("reduce argument must be either add or multiply.")
        if isinstance(src, Tensor):
            warnings.warn(
                "The reduce argument of torch.scatter with Tensor src is deprecated and will be "
                "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
                "reduction options.", UserWarning, stacklevel=2)
            return scatter_legacy_p(input, src, dim, idx, _LEGACY[reduce])
        return scatter_legacy_value_p(input, dim, idx, src, _LEGACY[reduce])
    if isinstance(src, Tensor):
        return scatter_p(input, src, dim, idx)
    return scatter_value_p(input, dim, idx, src)


def scatter_add(input, dim, index, src):
    dim, idx = _check_gather_index("scatter_add", input, dim, index, src)
    _check_src("scatter_add", input, src)
    return scatter_add_p(input, src, dim, idx)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    if reduce not in _UFUNC:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, "
                           f"got {reduce}")
    dim, idx = _check_gather_index("scatter_reduce", input, dim, index, src)
    _check_src("scatter_reduce", input, src)
    if reduce == "mean" and input._data.dtype == np.bool_:
        raise NotImplementedError(
            "\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'")
    return scatter_reduce_p(input, src, dim, idx, reduce, bool(include_self))


def _legacy_name(idx):
    return _dt._FROM_NP[idx.dtype]._legacy


def _vector(fn, a, dim, index):
    idx = _index_array(index, fn)
    nd = a._data.ndim
    dim = _wrap_dim(dim, nd)
    return dim, idx, (a._data.shape[dim] if nd else 1)


def index_select(input, dim, index):
    if type(index) is not Tensor and hasattr(index, "_lv"):  # batched, inside vmap
        return _per_example(index_select, input, dim, index)
    dim, idx, size = _vector("index_select", input, dim, index)
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    idx = idx.reshape(-1).astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise IndexError("index out of range in self")
    if input._data.ndim == 0 and idx.size != 1:
        raise IndexError(f"index_select(): Index to scalar can have only 1 value, got "
                         f"{idx.size} value(s)")
    return index_select_p(input, dim, idx, input._data.shape)


def _check_in_range(idx, dim, size, error=RuntimeError, prefix=""):
    if idx.size:
        bad = (idx < 0) | (idx >= size)
        if bad.any():
            raise error(f"{prefix}index {idx[bad.argmax()]} is out of bounds for dimension "
                        f"{dim} with size {size}")


def index_add(input, dim, index, source, *, alpha=1):
    dim, idx, size = _vector("index_add", input, dim, index)
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError("index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{_legacy_name(idx)}")
    if idx.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                         f"{idx.ndim} with type: {_legacy_name(idx)} and size: {_sz(idx.shape)}")
    idx = idx.reshape(-1).astype(np.int64)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype._legacy}) and source "
                           f"({source.dtype._legacy}) must have the same scalar type")
    shp, ss = input._data.shape, source._data.shape
    if input._data.ndim:
        n = ss[dim] if len(ss) > dim else 1
        if n != idx.size:
            raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal "
                               f"to source.size(dim): ({n}), for dim: {dim}")
        if len(ss) != len(shp) or any(s != t for d, (s, t) in enumerate(zip(shp, ss))
                                      if d != dim):
            raise RuntimeError(
                "source tensor shape must match self tensor shape, excluding the specified "
                f"dimension. Got self.shape = {_sz(shp)} source.shape = {_sz(ss)}")
    _check_in_range(idx, dim, size)
    return index_add_p(input, source, dim, idx, alpha)


def index_fill(input, dim, index, value):
    dim, idx, size = _vector("index_fill", input, dim, index)
    if idx.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    idx = idx.reshape(-1)
    _check_in_range(idx, dim, size, IndexError)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        return index_fill_tensor_p(input, value, dim, idx)
    return index_fill_p(input, dim, idx, value)


def index_copy(input, dim, index, source):
    dim, idx, size = _vector("index_copy", input, dim, index)
    if idx.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {idx.ndim})")
    if idx.dtype != np.int64:
        raise RuntimeError("index_copy_(): Expected a long tensor for index, but got "
                           f"{_legacy_name(idx)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, "
                           f"but got (self) {input.dtype._legacy} and (source) "
                           f"{source.dtype._legacy}")
    shp, ss = input._data.shape, source._data.shape
    idx = idx.reshape(-1)
    if len(ss) != len(shp) and len(ss) and len(shp):
        raise IndexError("index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({len(ss)}), "
                         f"destination dimensionality ({len(shp)})")
    if len(ss) == len(shp) and len(shp):
        for d in range(len(shp)):
            if d != dim and ss[d] != shp[d]:
                raise RuntimeError(
                    "index_copy_(): Source/destination tensor must have same slice shapes. "
                    f"Destination slice shape: {_slice_str(shp, dim)} at dimension {dim} and "
                    f"source slice shape: {_slice_str(ss, dim)} at dimension 0.")
        if ss[dim] != idx.size:
            raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to "
                             f"source.size(dim) ({ss[dim]})")
    _check_in_range(idx, dim, size, IndexError, "index_copy_(): ")
    return index_copy_p(input, source, dim, idx)


def _slice_str(shape, dim):
    return " ".join(str(s) for d, s in enumerate(shape) if d != dim)


def masked_select(input, mask):
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    bshape = broadcast_shapes(mask._data.shape, input._data.shape)
    return masked_select_p(input, mask._data, bshape)


def take(input, index):
    if type(index) is not Tensor and hasattr(index, "_lv"):  # batched, inside vmap
        return _per_example(take, input, index)
    idx = _index_array(index, "take")
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{_dt._FROM_NP[idx.dtype]._legacy}")
    n = input._data.size
    if idx.size:
        bad = (idx < -n) | (idx >= n)
        if bad.any():
            raise IndexError(f"out of range: tried to access index "
                             f"{idx.reshape(-1)[bad.reshape(-1).argmax()]} on a tensor of {n} "
                             "elements.")
    return take_p(input, idx, input._data.shape)


def take_along_dim(input, indices, dim=None):
    if type(indices) is not Tensor and hasattr(indices, "_lv"):  # batched, inside vmap
        return _per_example(take_along_dim, input, indices, dim)
    idx = _index_array(indices, "take_along_dim")
    if idx.dtype != np.int64:
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_dt._FROM_NP[idx.dtype]._legacy}")
    if dim is None:
        return gather(_shape.view(input, -1), 0, Tensor._make(idx.reshape(-1)))
    nd = input._data.ndim
    if nd != idx.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {nd} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")
    dim = _wrap_dim(dim, nd)
    shp = input._data.shape
    s = list(shp)
    s[dim] = idx.shape[dim]
    idx = np.broadcast_to(idx, broadcast_shapes(tuple(s), idx.shape))
    s = list(idx.shape)
    s[dim] = shp[dim]
    x = _shape.expand(input, broadcast_shapes(tuple(s), shp))
    return gather(x, dim, Tensor._make(np.ascontiguousarray(idx)))


from .advindex import getitem, setitem, index_put, index_put_, nonzero, argwhere  # noqa: E402


__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_fill", "index_copy", "masked_select", "take", "take_along_dim", "nonzero",
           "argwhere", "index_put"]
METHODS = {
    "__getitem__": getitem, "__setitem__": setitem,
    **{n: globals()[n] for n in __all__},  # (input first: each binds as the method)
    **{n + "_": inplace_method(globals()[n]) for n in
       ("scatter", "scatter_add", "scatter_reduce", "index_add", "index_fill", "index_copy")},
    "index_put_": index_put_,
}
