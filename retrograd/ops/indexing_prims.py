"""The indexing family's primitives: advanced indexing (``index``/``index_put``, which
``__getitem__``/``__setitem__`` in ops/advindex.py are built on), gather/scatter and
scatter_reduce, index_select/index_add/index_fill/index_copy, masked_select, take. Kernels
are whole-array NumPy; VJPs are written in Tensor ops (scatter-adds into zeros, gathers)."""
import numpy as np

from .primitive import primitive, LINEAR
from ..tensor import Tensor
from ..autograd.graph import node_class
from . import shape as _shape

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
# scatter(..., reduce='add'/'multiply'): PyTorch records it under a node whose backward
# raises; so do we (unregistered: there is no derivative for the table to check)
node_class("NotImplemented").name = lambda self: "torch::autograd::NotImplemented"


def _no_derivative(*args):
    raise RuntimeError("derivative for aten::scatter is not implemented")


scatter_legacy_p = primitive(
    "scatter_legacy_reduce", "NotImplemented", forward=_scatter_kernel,
    vjp=(_no_derivative, _no_derivative), jvp=_no_derivative, register=False)
scatter_legacy_value_p = primitive(
    "scatter_legacy_reduce", "NotImplemented", forward=_scatter_value_kernel,
    vjp=(_no_derivative,), jvp=_no_derivative, register=False)
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
