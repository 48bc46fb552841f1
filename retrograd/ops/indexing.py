"""Indexing primitives: gather/scatter, index_select/index_add/index_fill/index_copy,
masked_select, take, nonzero, and advanced indexing (``index``/``index_put``) that
``__getitem__``/``__setitem__`` (ops/advindex.py) are built on."""
import warnings

import numpy as np

from .primitive import primitive, LINEAR, broadcast_shapes
from ..tensor import Tensor, _wrap_dim
from ..autograd.graph import node_class
from .. import dtypes as _dt
from . import shape as _shape
from .inplace import inplace_method

# PyTorch's C++ nodes (not generated from derivatives.yaml) name themselves with a namespace
for _name in ("CopySlices", "CopyBackwards"):
    node_class(_name).name = (lambda n: lambda self: f"torch::autograd::{n}")(_name)


def _zeros(shape, g):
    """A constant zero tensor of ``g``'s dtype: what scatter-style gradients start from."""
    return Tensor._make(np.zeros(shape, dtype=g._data.dtype))


def _sz(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


# ----- advanced indexing: index (x[tensors]) and index_put (x[tensors] = v)
# ``adv`` is a NumPy index tuple of slice(None) and integer arrays (PyTorch's index list,
# whose result order NumPy shares); ``basic`` a tuple of ints/slices/None applied first.

def _index_kernel(xp, a, adv, in_shape):
    return np.ascontiguousarray(a[adv])


def _put_kernel(xp, x, v, basic, adv, accumulate):
    out = np.array(x)  # (PyTorch's clone keeps the input's strides)
    view = out if basic is None else out[basic + (Ellipsis,)]
    if adv is None:
        view[...] = v
    elif accumulate:
        np.add.at(view, adv, v)
    else:
        view[adv] = v
    return out


def _put_vjp_x(g, x, v, out, basic, adv, accumulate):
    return g if accumulate else put_p(g, 0, basic, adv, False)


def _put_vjp_v(g, x, v, out, basic, adv, accumulate):
    if basic is not None:
        g = _shape.getitem(g, basic)
    return g if adv is None else index_p(g, adv, tuple(g.shape))


def _put_jvp(tx, tv, x, v, out, basic, adv, accumulate):
    return put_p(tx if tx is not None else _zeros(out.shape, out), 0 if tv is None else tv,
                 basic, adv, accumulate)


index_p = primitive("index", "IndexBackward0", forward=_index_kernel,
                    vjp=(lambda g, a, out, adv, in_shape:
                         put_p(_zeros(in_shape, g), g, None, adv, True),),
                    jvp=LINEAR)
put_p = primitive("index_put", "IndexPutBackward0", forward=_put_kernel,
                  vjp=(_put_vjp_x, _put_vjp_v), jvp=_put_jvp)
# x[basic] = v writes through a view: PyTorch's node is CopySlices; x[...] = v copies or
# fills x itself
copy_slices_p = put_p.variant("CopySlices")
copy_p = put_p.variant("CopyBackwards")
fill_p = put_p.variant("FillBackward3")


# ----- gather / scatter: the index has the input's number of dims; along ``dim`` it picks
# positions, elsewhere it addresses its own leading block of the input

def _block(a, shape):
    return a[tuple(slice(0, s) for s in shape)]


def _along(index, dim):
    pos = list(np.indices(index.shape, sparse=True))
    pos[dim] = index
    return tuple(pos)


def _gather_kernel(xp, a, dim, index, in_shape):
    if a.ndim == 0:
        return np.asarray(a.reshape(1)[index])
    sub = a[tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(index.shape))]
    return np.take_along_axis(sub, index, axis=dim)


def _scatter_into(out, dim, index, src, how):
    """Write ``src`` (array or number) into ``out`` at the gather positions, in place."""
    if out.ndim == 0:
        out, index = out.reshape(1), index.reshape(-1)
        if isinstance(src, np.ndarray):
            src = src.reshape(-1)
    if isinstance(src, np.ndarray):
        src = _block(src, index.shape)
    pos = _along(index, dim)
    if how is None:
        out[pos] = src
    else:
        how.at(out, pos, src)


def _scatter_kernel(xp, a, src, dim, index, how=None):
    out = np.array(a, order="C")
    _scatter_into(out, dim, index, src, how)
    return out


def _scatter_value_kernel(xp, a, dim, index, value, how=None):
    out = np.array(a, order="C")
    _scatter_into(out, dim, index, value, how)
    return out


def _src_grad(g, dim, index, src_shape):
    """The gradient of a scatter's source: the gathered gradient, padded with zeros where
    the source is larger than the index (those elements are not used)."""
    gs = gather_p(g, dim, index, tuple(g.shape))
    if tuple(gs.shape) != tuple(src_shape):
        gs = put_p(_zeros(src_shape, g), gs, tuple(slice(0, s) for s in index.shape) or None,
                   None, False)
    return gs


gather_p = primitive("gather", "GatherBackward0", forward=_gather_kernel,
                     vjp=(lambda g, a, out, dim, index, in_shape:
                          scatter_add_p(_zeros(in_shape, g), g, dim, index),),
                     jvp=LINEAR)
scatter_add_p = primitive(
    "scatter_add", "ScatterAddBackward0",
    forward=lambda xp, a, src, dim, index: _scatter_kernel(xp, a, src, dim, index, np.add),
    vjp=(lambda g, a, src, out, dim, index: g,
         lambda g, a, src, out, dim, index: _src_grad(g, dim, index, src.shape)),
    jvp=lambda ta, ts, a, src, out, dim, index: scatter_add_p(
        ta if ta is not None else _zeros(out.shape, out),
        ts if ts is not None else _zeros(src.shape, out), dim, index))
scatter_p = primitive(
    "scatter", "ScatterBackward0", forward=_scatter_kernel,
    vjp=(lambda g, a, src, out, dim, index: scatter_value_p(g, dim, index, 0),
         lambda g, a, src, out, dim, index: _src_grad(g, dim, index, src.shape)),
    jvp=lambda ta, ts, a, src, out, dim, index: scatter_p(
        ta if ta is not None else _zeros(out.shape, out),
        ts if ts is not None else _zeros(src.shape, out), dim, index))
scatter_value_p = primitive(
    "scatter_value", "ScatterBackward1", forward=_scatter_value_kernel,
    vjp=(lambda g, a, out, dim, index, value: scatter_value_p(g, dim, index, 0),),
    jvp=lambda ta, a, out, dim, index, value: scatter_value_p(ta, dim, index, 0))
# scatter(..., reduce='add'/'multiply'): PyTorch has no derivative for it either
scatter_legacy_p = primitive(
    "scatter_legacy_reduce", None,
    forward=lambda xp, a, src, dim, index, how: (
        _scatter_kernel(xp, a, src, dim, index, how) if isinstance(src, np.ndarray)
        else _scatter_value_kernel(xp, a, dim, index, src, how)), nin=2)

_REDUCES = ("sum", "prod", "mean", "amax", "amin")
_IDENTITY = {"sum": 0, "mean": 0, "prod": 1}
_UFUNC = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
          "amin": np.minimum, "max": np.maximum, "min": np.minimum}


def _scatter_reduce_kernel(xp, a, src, dim, index, reduce, include_self):
    out = np.array(a, order="C")
    if not include_self:
        if reduce in _IDENTITY:
            ident = _IDENTITY[reduce]
        elif out.dtype.kind == "f":
            ident = -np.inf if reduce in ("amax", "max") else np.inf
        elif out.dtype.kind == "b":
            ident = reduce in ("amin", "min")
        else:
            info = np.iinfo(out.dtype)
            ident = info.min if reduce in ("amax", "max") else info.max
        _scatter_into(out, dim, index, ident, None)
    _scatter_into(out, dim, index, src, _UFUNC[reduce])
    if reduce == "mean":
        count = np.full(out.shape, 1 if include_self else 0, dtype=np.int64)
        _scatter_into(count, dim, index, 1, np.add)
        count = np.maximum(count, 1)
        out = (out / count if out.dtype.kind == "f" else out // count).astype(a.dtype)
    return out


def _scatter_reduce_vjp(g, a, src, out, dim, index, reduce, include_self, which):
    """PyTorch's scatter_reduce_backward, in Tensor ops (FunctionsManual.cpp)."""
    if reduce not in _REDUCES:
        raise RuntimeError("Expected 'reduce' to be one of 'sum', 'prod', 'mean', 'amax', "
                           f"'amin' but got {reduce}.")
    if reduce == "sum":
        gx, gs = g, None
    elif reduce == "mean":
        n = _zeros(out.shape, g) + (1.0 if include_self else 0.0)
        n = scatter_add_p(n, _zeros(src.shape, g) + 1.0, dim, index)
        n = _where(n == 0, 1.0, n)
        gx = g / n
        gs = gather_p(g, dim, index, tuple(g.shape)) / gather_p(n, dim, index, tuple(n.shape))
    elif reduce == "prod":
        masked_self = _where(a == 0, 1.0, a)
        masked_result = scatter_reduce_p(masked_self, src, dim, index, reduce, include_self)
        gx = g * masked_result / masked_self
        src_zero = src == 0
        zs = Tensor._make(src_zero._data.astype(g._data.dtype))
        n_zeros = gather_p(scatter_add_p(_zeros(out.shape, g), zs, dim, index), dim, index,
                           tuple(out.shape))
        single = Tensor._make(_block(src_zero._data, index.shape) & (n_zeros._data == 1))
        src_b = _block_t(src, index.shape)
        masked_src = _where(single, 1.0, src_b)
        masked_src_result = scatter_reduce_p(a, masked_src, dim, index, reduce, include_self)
        gs = _where(single, gather_p(g * masked_src_result, dim, index, tuple(g.shape)),
                    gather_p(g * out, dim, index, tuple(g.shape)) /
                    _where(Tensor._make(_block(src_zero._data, index.shape)), 1.0, src_b))
    else:  # amax, amin: the gradient is shared evenly among the elements that attain it
        value = gather_p(out, dim, index, tuple(out.shape))
        self_is = Tensor._make(np.asarray(a._data == out._data).astype(g._data.dtype))
        src_is = Tensor._make((_block(src._data, index.shape) == value._data)
                              .astype(g._data.dtype))
        n = scatter_add_p(self_is, src_is, dim, index)
        gd = g / n
        gx = self_is * gd
        gs = src_is * gather_p(gd, dim, index, tuple(gd.shape))
    if which == 0:
        return gx if include_self else scatter_value_p(gx, dim, index, 0)
    if gs is None:
        gs = gather_p(g, dim, index, tuple(g.shape))
    if tuple(gs.shape) != tuple(src.shape):
        gs = put_p(_zeros(src.shape, g), gs, tuple(slice(0, s) for s in index.shape), None,
                   False)
    return gs


def _block_t(t, shape):
    return t if tuple(t.shape) == tuple(shape) else \
        _shape.getitem(t, tuple(slice(0, s) for s in shape))


def _where(cond, a, b):
    from .pointwise import where
    return where(cond, a, b)


scatter_reduce_p = primitive(
    "scatter_reduce", "ScatterReduceBackward0", forward=_scatter_reduce_kernel,
    vjp=(lambda g, a, src, out, dim, index, reduce, include_self:
         _scatter_reduce_vjp(g, a, src, out, dim, index, reduce, include_self, 0),
         lambda g, a, src, out, dim, index, reduce, include_self:
         _scatter_reduce_vjp(g, a, src, out, dim, index, reduce, include_self, 1)),
    jvp=lambda ta, ts, a, src, out, dim, index, reduce, include_self: _sr_jvp(
        ta, ts, a, src, out, dim, index, reduce, include_self))


def _sr_jvp(ta, ts, a, src, out, dim, index, reduce, include_self):
    """The JVP as the transpose of the VJP: <u, J t> summed over both inputs, by linearity
    the VJP's Jacobian applied forward (every reduce here has a diagonal-per-slot form)."""
    if reduce == "sum":
        return scatter_reduce_p(ta if ta is not None else _zeros(out.shape, out),
                                ts if ts is not None else _zeros(src.shape, out),
                                dim, index, reduce, include_self)
    # d out = sum over contributors of (d out / d contributor) * tangent: the VJP's
    # per-element weights, scattered with sum
    ones = _zeros(out.shape, out) + 1.0
    total = None
    if ta is not None:
        wx = _scatter_reduce_vjp(ones, a, src, out, dim, index, reduce, include_self, 0)
        total = wx * ta
    if ts is not None:
        ws = _scatter_reduce_vjp(ones, a, src, out, dim, index, reduce, include_self, 1)
        term = scatter_add_p(_zeros(out.shape, out), _block_t(ws * ts, index.shape), dim, index)
        total = term if total is None else total + term
    return total


# ----- index_select / index_add / index_fill / index_copy: whole slices along one dim

def _at(dim, index):
    return (slice(None),) * dim + (index,)


def _index_select_kernel(xp, a, dim, index, in_shape):
    if a.ndim == 0:
        return a.copy()
    return np.take(a, index.reshape(-1), axis=dim)


def _index_add_kernel(xp, a, src, dim, index, alpha):
    out = np.array(a, order="C")
    if out.ndim == 0:
        out = out.reshape(1)
        src = src.reshape(1)
    pos = _at(dim, index.reshape(-1))
    if out.dtype == np.bool_:  # bool addition is `or` (any nonzero alpha counts as True)
        np.logical_or.at(out, pos, src & bool(alpha))
    else:  # alpha in the tensor's dtype: an integer tensor truncates it, as PyTorch does
        np.add.at(out, pos, src if alpha == 1 else src * np.asarray(alpha).astype(out.dtype))
    return out.reshape(a.shape)


def _index_fill_kernel(xp, a, dim, index, value):
    out = np.array(a)
    (out.reshape(1) if out.ndim == 0 else out)[_at(dim, index.reshape(-1))] = value
    return out


def _index_copy_kernel(xp, a, src, dim, index):
    out = np.array(a, order="C")
    if out.ndim == 0:
        out.reshape(1)[index.reshape(-1)] = src.reshape(-1)
    else:
        out[_at(dim, index.reshape(-1))] = src
    return out


def _select_grad(g, dim, index, shape):
    gs = index_select_p(g, dim, index, tuple(g.shape))
    return gs.reshape(shape) if tuple(gs.shape) != tuple(shape) else gs


index_select_p = primitive(
    "index_select", "IndexSelectBackward0", forward=_index_select_kernel,
    vjp=(lambda g, a, out, dim, index, in_shape:
         index_add_p(_zeros(in_shape, g), g.reshape(in_shape) if not in_shape else g,
                     dim, index, 1),),
    jvp=LINEAR)
index_add_p = primitive(
    "index_add", "IndexAddBackward0", forward=_index_add_kernel,
    vjp=(lambda g, a, src, out, dim, index, alpha: g,
         lambda g, a, src, out, dim, index, alpha:
         _select_grad(g, dim, index, src.shape) * alpha if alpha != 1 else
         _select_grad(g, dim, index, src.shape)),
    jvp=lambda ta, ts, a, src, out, dim, index, alpha: index_add_p(
        ta if ta is not None else _zeros(out.shape, out),
        ts if ts is not None else _zeros(src.shape, out), dim, index, alpha))
index_fill_p = primitive(
    "index_fill", "IndexFillBackward0", forward=_index_fill_kernel,
    vjp=(lambda g, a, out, dim, index, value: index_fill_p(g, dim, index, 0),),
    jvp=lambda ta, a, out, dim, index, value: index_fill_p(ta, dim, index, 0))
index_fill_tensor_p = primitive(
    "index_fill_tensor", "IndexFillBackward1",
    forward=lambda xp, a, v, dim, index: _index_fill_kernel(xp, a, dim, index, v),
    vjp=(lambda g, a, v, out, dim, index: index_fill_p(g, dim, index, 0),
         lambda g, a, v, out, dim, index:
         index_select_p(g, dim, np.unique(index), tuple(g.shape)).sum()),
    jvp=lambda ta, tv, a, v, out, dim, index: index_fill_tensor_p(
        ta if ta is not None else _zeros(out.shape, out),
        tv if tv is not None else _zeros((), out), dim, index))
index_copy_p = primitive(
    "index_copy", "IndexCopyBackward0", forward=_index_copy_kernel,
    vjp=(lambda g, a, src, out, dim, index: index_fill_p(g, dim, index, 0),
         lambda g, a, src, out, dim, index: _select_grad(g, dim, index, src.shape)),
    jvp=lambda ta, ts, a, src, out, dim, index: index_copy_p(
        ta if ta is not None else _zeros(out.shape, out),
        ts if ts is not None else _zeros(src.shape, out), dim, index))


# ----- masked_select, take

def _masked_select_kernel(xp, a, mask, bshape):
    return np.broadcast_to(a, bshape)[np.broadcast_to(mask, bshape)]


masked_select_p = primitive(
    "masked_select", "MaskedSelectBackward0", forward=_masked_select_kernel,
    vjp=(lambda g, a, out, mask, bshape:
         put_p(_zeros(bshape, g), g, None, (np.broadcast_to(mask, bshape),), False),),
    jvp=LINEAR)
take_p = primitive(
    "take", "TakeBackward0", forward=lambda xp, a, index, in_shape: a.reshape(-1)[index],
    vjp=(lambda g, a, out, index, in_shape:
         put_p(_zeros((int(np.prod(in_shape)),), g), g, None, (index,), True)
         .reshape(in_shape),),
    jvp=LINEAR)


# ----- the public functions: argument checks with PyTorch's errors, then a primitive

def _index_array(index, fn, kinds="i"):
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


def gather(input, dim, index, *, sparse_grad=False):
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
        return scatter_legacy_p(input, src if isinstance(src, Tensor) else src, dim, idx,
                                _LEGACY[reduce])
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


def _method(fn):
    """Tensor methods take ``dim`` etc. after self, as the functions do."""
    return lambda self, *args, **kwargs: fn(self, *args, **kwargs)


__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_fill", "index_copy", "masked_select", "take", "take_along_dim", "nonzero",
           "argwhere", "index_put"]
METHODS = {
    "__getitem__": getitem, "__setitem__": setitem,
    **{n: _method(globals()[n]) for n in __all__},
    **{n + "_": inplace_method(globals()[n]) for n in
       ("scatter", "scatter_add", "scatter_reduce", "index_add", "index_fill", "index_copy")},
    "index_put_": index_put_,
}
