"""Reduction primitives: sum, mean, amax/amin, whole-tensor max/min/median, logsumexp,
nansum, the no-gradient reductions (all/any, argmax...), the helpers the family shares, and
the family's exports. prod and the cumulative ops are in reduction_cum.py, var/std in
reduction_var.py, norms in reduction_norm.py, values-with-indices ops (max over a dim,
sort, topk, ...) in reduction_sort.py."""
import functools

import numpy as np

from .primitive import primitive, LINEAR, FLOAT
from ..tensor import Tensor, _wrap_dim
from .. import return_types  # noqa: F401  (makes retrograd.return_types, the named tuples)

_make = Tensor._make


def _grad_to_input(g, dims, keepdim, in_shape):
    """Spread a reduced gradient back over the reduced dims: reinsert them, then expand."""
    if not keepdim and dims:
        kept = tuple(1 if i in dims else s for i, s in enumerate(in_shape))
        g = g.reshape(kept)
    return g.expand(in_shape)


def _restore(t, dims, keepdim, nd):
    """A reduced tensor with its reduced dims back as size 1, so that it broadcasts
    against the input (PyTorch's unsqueeze_multiple); dims None means all of them."""
    if keepdim or dims is None or nd == 0 or t.ndim == nd:
        return t
    shape = list(t.shape)
    for d in sorted(dims):
        shape.insert(d, 1)
    return t.reshape(shape)


# ``dtype`` (sum(x, dtype=...)) is cast inside the node, as PyTorch does: no ToCopy node,
# and the engine casts the gradient back to the input's dtype.
def _accumulator(a, dtype):
    """The dtype a sum or product runs in: the one asked for, else int64 for integers and
    bools (as PyTorch's), else the input's."""
    if dtype is not None:
        return a.astype(dtype), dtype
    return a, (np.int64 if a.dtype.kind in "biu" else None)


def _sum_kernel(xp, a, dims, keepdim, in_shape, dtype=None):
    a, dt = _accumulator(a, dtype)
    # the array's own method: NumPy's np.sum wrapper costs as much again on small arrays
    return a.sum(axis=dims, keepdims=keepdim, dtype=dt)


def _mean_kernel(xp, a, dims, keepdim, in_shape, dtype=None):
    if dtype is not None:
        a = a.astype(dtype)
    with np.errstate(all="ignore"):  # the mean of nothing is nan, silently
        return xp.mean(a, axis=dims, keepdims=keepdim).astype(a.dtype, copy=False)


def _grad_to_input_data(g, dims, keepdim, in_shape):
    """_grad_to_input on arrays (the engine's array formulas): the same reshape and
    broadcast."""
    if not keepdim and dims:
        g = np.reshape(g, tuple(1 if i in dims else s for i, s in enumerate(in_shape)))
    return np.broadcast_to(g, in_shape)


def _mean_grad_data(g, dims, keepdim, in_shape):
    """mean's formula on arrays: the spread gradient over the count (a count of 0, the
    mean of nothing, is left to the Tensor formula, whose division is silent)."""
    n = _count(dims, in_shape)
    if not n:
        return NotImplemented
    spread = _grad_to_input_data(g, dims, keepdim, in_shape)
    if spread.ndim == 0 and spread.dtype.kind == "f":  # (as div's call: a NumPy scalar)
        spread = spread[()]
    return np.true_divide(spread, n)


sum_p = primitive("sum", "SumBackward0", forward=_sum_kernel,
                  vjp=(lambda g, a, out, dims, keepdim, in_shape, dtype=None:
                       _grad_to_input(g, dims, keepdim, in_shape),),
                  jvp=LINEAR,
                  vjp_data=(lambda g, a, out, dims, keepdim, in_shape, dtype=None:
                            _grad_to_input_data(g, dims, keepdim, in_shape),))
sum_dim_p = sum_p.variant("SumBackward1")


def _count(dims, in_shape):
    n = 1
    for d in (range(len(in_shape)) if dims is None else dims):
        n *= in_shape[d]
    return n


mean_p = primitive("mean", "MeanBackward0", forward=_mean_kernel,
                   vjp=(lambda g, a, out, dims, keepdim, in_shape, dtype=None:
                        _grad_to_input(g, dims, keepdim, in_shape) / _count(dims, in_shape),),
                   jvp=LINEAR,
                   vjp_data=(lambda g, a, out, dims, keepdim, in_shape, dtype=None:
                             _mean_grad_data(g, dims, keepdim, in_shape),))
mean_dim_p = mean_p.variant("MeanBackward1")


def _dims(dim, nd):
    """Normalize dim (int, sequence, or None/() for all) to a sorted tuple."""
    if dim is None:
        return tuple(range(nd))
    if isinstance(dim, (tuple, list)):
        if not dim:
            return tuple(range(nd))
        dims = [_wrap_dim(d, nd) for d in dim]
        if len(set(dims)) != len(dims):
            d = next(d for d in dims if dims.count(d) > 1)
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        return tuple(sorted(dims))
    return (_wrap_dim(dim, nd),)


def _axis(dim, nd):
    """dims as a NumPy axis: None for all of them (and for a 0-d tensor's dim 0)."""
    dims = _dims(dim, nd)
    return None if nd == 0 or len(dims) == nd else dims


class _Unset:
    """The default of ``dim`` in sum/mean: PyTorch picks another overload (SumBackward1)
    when dim=None is passed explicitly."""
    __slots__ = ()

    def __repr__(self):
        return "None"


_UNSET = _Unset()


def sum(input, dim=_UNSET, keepdim=False, *, dtype=None, axis=_UNSET, keepdims=None):
    """The sum over all elements or dims; integers and bools add up in int64 (``axis`` and
    ``keepdims`` are NumPy's names, which PyTorch accepts too)."""
    a = input
    if axis is not _UNSET:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    nd = a._data.ndim
    extra = () if dtype is None else (dtype.np,)
    if dim is _UNSET:
        if not keepdim:
            return sum_p(a, None, False, a._data.shape, *extra)
        dim = None
    dims = _dims(dim, nd)
    return sum_dim_p(a, dims if nd else None, keepdim, a._data.shape, *extra)


def mean(input, dim=_UNSET, keepdim=False, *, dtype=None, axis=_UNSET, keepdims=None):
    """The mean over all elements or dims (floating point only, or with dtype=)."""
    a = input
    if axis is not _UNSET:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    rdt = a.dtype if dtype is None else dtype
    if not rdt.is_floating_point:
        raise RuntimeError(
            f"mean(): could not infer output dtype. {'Input' if dtype is None else 'Optional'}"
            f" dtype must be either a floating point or complex dtype. Got: {rdt._legacy}")
    nd = a._data.ndim
    extra = () if dtype is None else (dtype.np,)
    if dim is _UNSET:
        if not keepdim:
            return mean_p(a, tuple(range(nd)), False, a._data.shape, *extra)
        dim = None
    dims = _dims(dim, nd)
    # (0-d: its dim 0 is itself)
    return mean_dim_p(a, dims if nd else (), keepdim, a._data.shape, *extra)


def _quiet(fn):
    def kernel(xp, *args):
        with np.errstate(all="ignore"):
            return fn(xp, *args)
    return kernel


def _wide(a):
    """float16 computes in float32, as PyTorch accumulates it."""
    return a.astype(np.float32) if a.dtype == np.float16 else a


def _positions(n, dim, nd):
    """0..n-1 laid along ``dim`` of an nd-dim array (broadcastable against it)."""
    return np.arange(n).reshape([n if i == dim else 1 for i in range(nd)])


def in_layout_of(a, r):
    """r (of a's shape) laid out in memory as a is: PyTorch's results keep the input's
    strides (a permuted input gives a permuted result)."""
    if a.flags.c_contiguous or r.shape != a.shape:
        return r
    out = np.empty_like(a, dtype=r.dtype)
    out[...] = r
    return out


# ----- amax / amin, and the whole-tensor max / min / median that split ties evenly
def _amax_vjp(g, a, out, dims, keepdim):
    nd = a.ndim
    mask = a == _restore(out, dims, keepdim, nd)
    return (_restore(g, dims, keepdim, nd) / mask.sum(dims, keepdim=True)) * mask


amax_p = primitive("amax", "AmaxBackward0",
                   forward=lambda xp, a, dims, keepdim: xp.amax(a, axis=dims, keepdims=keepdim),
                   vjp=(_amax_vjp,),
                   jvp=lambda t, a, out, dims, keepdim: sum(
                       _amax_vjp(_make(np.ones(out.shape, out._data.dtype)), a, out, dims,
                                 keepdim) * t, dims, keepdim))
amin_p = primitive("amin", "AminBackward0",
                   forward=lambda xp, a, dims, keepdim: xp.amin(a, axis=dims, keepdims=keepdim),
                   vjp=(_amax_vjp,), jvp=amax_p.jvp)


aminmax_p = primitive(
    "aminmax", "AminmaxBackward0", nout=2,
    forward=lambda xp, a, dims, keepdim: (xp.amin(a, axis=dims, keepdims=keepdim),
                                          xp.amax(a, axis=dims, keepdims=keepdim)),
    vjp=(lambda grads, a, outs, dims, keepdim: _amax_vjp(grads[0], a, outs[0], dims, keepdim)
         + _amax_vjp(grads[1], a, outs[1], dims, keepdim),),
    jvp=lambda t, a, outs, dims, keepdim: (amax_p.jvp(t, a, outs[0], dims, keepdim),
                                           amax_p.jvp(t, a, outs[1], dims, keepdim)))


def _nonempty(input, dims, name, sep="():"):
    shape = input._data.shape
    for d in (dims if dims is not None else range(len(shape))):
        if shape and shape[d] == 0:
            raise IndexError(f"{name}{sep} Expected reduction dim {d} to have non-zero size.")


def _whole_empty_error(name):
    raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                       "== 0. Specify the reduction dim with the 'dim' argument.")


def _amax_like(prim, name):
    def op(input, dim=(), keepdim=False):
        nd = input._data.ndim
        dims = _dims(dim, nd)
        if dim is None or (isinstance(dim, (tuple, list)) and not dim) or not nd:
            if input._data.size == 0:
                _whole_empty_error(name)
        else:  # dims named explicitly: PyTorch names the first empty one
            _nonempty(input, dims, name)
        return prim(input, None if not nd or len(dims) == nd else dims, keepdim)
    op.__name__ = op.__qualname__ = name
    return op


amax = _amax_like(amax_p, "amax")
amin = _amax_like(amin_p, "amin")


def _lower_median(a, skip_nan):
    flat = a.reshape(-1)
    if skip_nan and flat.dtype.kind == "f":
        flat = flat[~np.isnan(flat)]
    elif flat.dtype.kind == "f" and np.isnan(flat).any():
        return flat[np.isnan(flat)][0]
    if flat.size == 0:  # NaN, as PyTorch casts it to the dtype (int64: its minimum)
        with np.errstate(all="ignore"):
            return np.array(np.nan).astype(a.dtype)
    k = (flat.size - 1) // 2
    return np.partition(flat, k)[k]


_WHOLE = {"max": lambda a: np.max(a), "min": lambda a: np.min(a),
          "median": lambda a: _lower_median(a, False),
          "nanmedian": lambda a: _lower_median(a, True)}


def _evenly_vjp(g, a, out, how):
    """PyTorch's evenly_distribute_backward: the gradient shared by the elements equal to
    the result (the NaNs when the result is NaN)."""
    mask = (a != a) if np.isnan(out._data).any() else (a == out)
    return where(mask, g / mask.sum(), 0.0)


select_all_p = primitive("select_all", "MaxBackward1",
                         forward=lambda xp, a, how: np.asarray(_WHOLE[how](a), a.dtype),
                         vjp=(_evenly_vjp,),
                         jvp=lambda t, a, out, how: sum(
                             _evenly_vjp(_make(np.ones((), out._data.dtype)), a, out, how) * t))
_WHOLE_NODES = {"max": select_all_p, "min": select_all_p.variant("MinBackward1"),
                "median": select_all_p.variant("MedianBackward0"),
                "nanmedian": select_all_p.variant("NanmedianBackward0")}


def whole(input, how):
    """max()/min()/median()/nanmedian() of all elements."""
    if how in ("max", "min") and input._data.size == 0:
        _whole_empty_error(how)
    if how in ("median", "nanmedian") and input._data.dtype.kind == "b" and input._data.size:
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'")
    return _WHOLE_NODES[how](input, how)


# ----- logsumexp
def _logsumexp_kernel(xp, a, dims, keepdim):
    w = _wide(a)
    with np.errstate(all="ignore"):
        if w.size:
            m = np.amax(w, axis=dims, keepdims=True)
            m = np.where(np.isinf(m), 0, m)
        else:
            m = np.zeros([1] * w.ndim, w.dtype)
        r = np.log(np.sum(np.exp(w - m), axis=dims, keepdims=True)) + m
    if not keepdim:
        r = r.reshape(() if dims is None else
                      tuple(n for i, n in enumerate(w.shape) if i not in dims))
    return r.astype(a.dtype, copy=False)


def _logsumexp_vjp(g, a, out, dims, keepdim):
    nd = a.ndim
    return _restore(g, dims, keepdim, nd) * exp(a - _restore(out, dims, keepdim, nd))


logsumexp_p = primitive("logsumexp", "LogsumexpBackward0", forward=_logsumexp_kernel,
                        vjp=(_logsumexp_vjp,),
                        jvp=lambda t, a, out, dims, keepdim:
                        sum(t * exp(a - _restore(out, dims, keepdim, a.ndim)), dims, keepdim),
                        dtypes=FLOAT)


def logsumexp(input, dim=None, keepdim=False):
    """log(sum(exp(input))) over dims, computed stably (the max is taken out first)."""
    if dim is None:
        raise TypeError("logsumexp() missing 1 required positional arguments: \"dim\"")
    return logsumexp_p(input, _axis(dim, input._data.ndim), keepdim)


# ----- nansum / nanmean
def _nansum_kernel(xp, a, dims, keepdim, dtype=None):
    a, dt = _accumulator(a, dtype)
    return xp.nansum(a, axis=dims, keepdims=keepdim, dtype=dt)


nansum_p = primitive("nansum", "NansumBackward0", forward=_nansum_kernel,
                     vjp=(lambda g, a, out, dims, keepdim, dtype=None:
                          _restore(g, dims, keepdim, a.ndim) * (a == a),),
                     jvp=lambda t, a, out, dims, keepdim, dtype=None:
                     nansum_p(where(a == a, t, 0.0), dims, keepdim, dtype))


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum, treating NaN as zero."""
    return nansum_p(input, None if dim is None else _axis(dim, input._data.ndim), keepdim,
                    None if dtype is None else dtype.np)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """mean of the elements that are not NaN (nansum / their count)."""
    if not input.dtype.is_floating_point:
        raise RuntimeError("nanmean(): expected input to have floating point or complex "
                           f"dtype but got {input.dtype._legacy}")
    dims = None if dim is None else _axis(dim, input._data.ndim)
    count = np.sum(~np.isnan(input._data), axis=dims, keepdims=keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / _make(np.asarray(count))


# ----- no gradient: all, any, count_nonzero, argmax, argmin
def _logical(np_fn):
    def op(input, dim=None, keepdim=False):
        a = input._data
        nd = a.ndim
        if dim is None:
            axis = None
        elif isinstance(dim, (tuple, list)):
            axis = tuple(_wrap_dim(d, nd) for d in dim) if nd else ()
        else:
            axis = _wrap_dim(dim, nd) if nd else None
        r = np_fn(a, axis=axis, keepdims=keepdim)
        return _make(np.asarray(r).astype(np.uint8 if a.dtype == np.uint8 else np.bool_))
    op.__name__ = op.__qualname__ = np_fn.__name__
    return op


all = _logical(np.all)
any = _logical(np.any)


def count_nonzero(input, dim=None):
    nd = input._data.ndim
    axis = None if dim is None else _axis(dim, nd)
    return _make(np.asarray(np.count_nonzero(input._data, axis=axis), dtype=np.int64))


def _arg(np_fn, name):
    def op(input, dim=None, keepdim=False):
        a = input._data
        if a.dtype.kind == "b":
            raise RuntimeError(f"{name}(): does not support bool input")
        if dim is None:
            if a.size == 0:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                                 "input.numel() == 0.")
            r = np_fn(a.reshape(-1))
            return _make(np.asarray(r, np.int64).reshape((1,) * a.ndim if keepdim else ()))
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not "
                            f"{type(dim).__name__}")
        d = _wrap_dim(dim, a.ndim)
        if a.ndim == 0:
            return _make(np.zeros((), np.int64))
        if a.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        return _make(np.asarray(np_fn(a, axis=d, keepdims=keepdim), np.int64))
    op.__name__ = op.__qualname__ = name
    return op


argmax = _arg(np.argmax, "argmax")
argmin = _arg(np.argmin, "argmin")

from .pointwise import where, exp  # noqa: E402  (Tensor ops for the formulas)
# the rest of the family, in modules of their own (each imports this one's helpers)
from .reduction_sort import (max, min, sort, argsort, msort, topk, kthvalue,  # noqa: E402
                             median, nanmedian, mode, cummax, cummin, aminmax)
from .reduction_cum import prod, cumsum, cumprod  # noqa: E402
from .reduction_var import var, std, var_mean, std_mean  # noqa: E402
from .reduction_norm import norm, linalg_vector_norm, linalg_matrix_norm  # noqa: E402,F401
from .inplace import inplace_method as _inplace  # noqa: E402


def _numpy_names(fn):
    """``fn`` also taking NumPy's ``axis=`` and ``keepdims=``, as PyTorch's argument parser
    accepts them for ``dim`` and ``keepdim`` (``x.max(axis=0)``)."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)
    return call


# ----- what this family adds to the namespace (``retrograd.X``) and to Tensor's methods;
# ops/__init__.py merges every family's (the entries in its own _METHODS table came first)
__all__ = ["prod", "amax", "amin", "max", "min", "argmax", "argmin", "var", "std", "var_mean",
           "std_mean", "norm", "logsumexp", "cumsum", "cumprod", "cummax", "cummin", "all",
           "any", "count_nonzero", "median", "nanmedian", "nansum", "nanmean", "sort",
           "argsort", "msort", "topk", "kthvalue", "aminmax", "mode"]
globals().update({name: _numpy_names(globals()[name]) for name in __all__})
METHODS = {name: globals()[name] for name in __all__
           if name not in ("var_mean", "std_mean")}
METHODS.update({"cumsum_": _inplace(cumsum), "cumprod_": _inplace(cumprod)})
