"""Reduction primitives: sum, mean, prod, amax/amin, whole-tensor max/min/median,
logsumexp, var/std, nansum, cumsum/cumprod and vector norms, with the functions built on
them (norm, matrix_norm, all/any, argmax...). Ops that return values with indices (max
over a dim, sort, topk, ...) live in reduction_sort.py."""
import builtins
import warnings

import numpy as np

from .primitive import primitive, LINEAR, FLOAT
from ..autograd.grad_mode import STATE
from ..tensor import Tensor, _wrap_dim
from .. import dtypes as _dt
from .. import return_types  # noqa: F401  (retrograd.return_types: the named result tuples)

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


def _sum_kernel(xp, a, dims, keepdim, in_shape):
    # Integer and bool sums accumulate in int64, as PyTorch's do.
    dt = np.int64 if a.dtype.kind in "biu" else None
    return xp.sum(a, axis=dims, keepdims=keepdim, dtype=dt)


def _mean_kernel(xp, a, dims, keepdim, in_shape):
    with np.errstate(all="ignore"):  # the mean of nothing is nan, silently
        return xp.mean(a, axis=dims, keepdims=keepdim).astype(a.dtype, copy=False)


sum_p = primitive("sum", "SumBackward0", forward=_sum_kernel,
                  vjp=(lambda g, a, out, dims, keepdim, in_shape:
                       _grad_to_input(g, dims, keepdim, in_shape),),
                  jvp=LINEAR)
sum_dim_p = sum_p.variant("SumBackward1")


def _count(dims, in_shape):
    n = 1
    for d in (range(len(in_shape)) if dims is None else dims):
        n *= in_shape[d]
    return n


mean_p = primitive("mean", "MeanBackward0", forward=_mean_kernel,
                   vjp=(lambda g, a, out, dims, keepdim, in_shape:
                        _grad_to_input(g, dims, keepdim, in_shape) / _count(dims, in_shape),),
                   jvp=LINEAR)
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


def sum(a, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        a = a.to(dtype)
    nd = a._data.ndim
    if dim is None and not keepdim:
        return sum_p(a, None, False, a._data.shape)
    dims = _dims(dim, nd)
    return sum_dim_p(a, dims if nd else None, keepdim, a._data.shape)


def mean(a, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        a = a.to(dtype)
    if not a.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {a.dtype._legacy}")
    nd = a._data.ndim
    if dim is None and not keepdim:
        return mean_p(a, tuple(range(nd)), False, a._data.shape)
    dims = _dims(dim, nd)
    return mean_dim_p(a, dims if nd else (), keepdim, a._data.shape)  # 0-d: dim 0 is itself


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


# ----- prod: PyTorch's gradient, exact with zeros (the product of the other elements)
def _prod_kernel(xp, a, dim, keepdim, dtype):
    if dtype is not None:
        a = a.astype(dtype)
    return xp.prod(a, axis=dim, keepdims=keepdim,
                   dtype=np.int64 if a.dtype.kind in "biu" else None)


def _flip(t, dim):
    n = t.shape[dim]
    idx = np.broadcast_to(n - 1 - _positions(n, dim, t.ndim), t.shape)
    return _take_p(t, idx, dim, False)


def _shift_in_one(t, dim):
    """[1, t0, t1, ..., t(n-2)] along dim: an exclusive running product from an inclusive."""
    n = t.shape[dim]
    pos = _positions(n, dim, t.ndim)
    shifted = _take_p(t, np.broadcast_to(np.maximum(pos - 1, 0), t.shape), dim, False)
    return where(_make(np.broadcast_to(pos == 0, t.shape)), 1.0, shifted)


def _prod_of_others(a, dim):
    """prod_{j != i} a_j along dim, without dividing (PyTorch's prod_safe_zeros_backward:
    exclusive running products from both ends)."""
    left = _shift_in_one(cumprod_p(a, dim, None), dim)
    right = _flip(_shift_in_one(cumprod_p(_flip(a, dim), dim, None), dim), dim)
    return left * right


def _prod_vjp(g, a, out, dim, keepdim, dtype):
    if a.ndim == 0:
        return g
    zeros = (a._data == 0).any()
    if dim is None:
        if not zeros:
            return g * (out / a)
        return (g * _prod_of_others(a.reshape(-1), 0)).reshape(a.shape)
    if not keepdim:
        g, out = g.unsqueeze(dim), out.unsqueeze(dim)
    if not zeros:
        return g * (out / a)
    return g * _prod_of_others(a, dim)


def _prod_jvp(t, a, out, dim, keepdim, dtype):
    """sum_i t_i * prod_{j != i} a_j over the reduced dim."""
    if a.ndim == 0:
        return t
    if dim is None:
        return sum(t * _prod_of_others(a.reshape(-1), 0).reshape(a.shape))
    return sum(t * _prod_of_others(a, dim), dim, keepdim)


prod_p = primitive("prod", "ProdBackward0", forward=_quiet(_prod_kernel), vjp=(_prod_vjp,),
                   jvp=_prod_jvp)
prod_dim_p = prod_p.variant("ProdBackward1")


def _int_or_tuple_error(name, dim):
    raise TypeError(f"{name}() received an invalid combination of arguments - got "
                    f"({type(dim).__name__}), but expected one of:")


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """The product of the elements (all, or along one dim); integers multiply in int64."""
    npdt = None if dtype is None else dtype.np
    if dim is None:
        return prod_p(input, None, False, npdt)
    if isinstance(dim, (tuple, list)):
        _int_or_tuple_error("prod", dim)
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    return prod_dim_p(input, d if nd else None, keepdim, npdt)


# ----- cumsum / cumprod
def _cum_kernel(ufunc):
    def kernel(xp, a, dim, *params):
        dtype = params[-1]
        if dtype is not None:
            a = a.astype(dtype)
        elif a.dtype.kind in "biu":
            a = a.astype(np.int64)
        if a.ndim == 0:
            return a.copy()
        if params[:-1] and params[0]:  # reverse: accumulate from the end
            return np.ascontiguousarray(xp.flip(ufunc.accumulate(xp.flip(a, dim), axis=dim), dim))
        return np.ascontiguousarray(ufunc.accumulate(a, axis=dim))
    return kernel


def in_layout_of(a, r):
    """r (of a's shape) laid out in memory as a is: PyTorch's results keep the input's
    strides (a permuted input gives a permuted result)."""
    if a.flags.c_contiguous or r.shape != a.shape:
        return r
    out = np.empty_like(a, dtype=r.dtype)
    out[...] = r
    return out


cumsum_p = primitive("cumsum", "CumsumBackward0", forward=_cum_kernel(np.add),
                     vjp=(lambda g, a, out, dim, reverse, dtype:
                          cumsum_p(g, dim, not reverse, None),),
                     jvp=lambda t, a, out, dim, reverse, dtype:
                     cumsum_p(t, dim, reverse, dtype))


def _cumprod_grad_with_zeros(g, x, out, dim):
    """The first derivative of cumprod where x has zeros, in O(n) (PyTorch's mask
    gymnastics): before the first zero the quotient form holds; at the first zero the
    products of the others; after it nothing."""
    g, x, out = (np.moveaxis(v, dim, -1) for v in (g, x, out))
    cz = np.cumsum(x == 0, axis=-1)
    before = cz == 0
    first = (x == 0) & (cz == 1)
    with np.errstate(all="ignore"):
        w = np.where(before, g * out, 0)
        quotient = np.flip(np.cumsum(np.flip(w, -1), axis=-1), -1) / x
        res = np.where(before, quotient, 0)
        head = np.prod(np.where(before, x, 1), axis=-1, keepdims=True)
        tail = np.cumprod(np.where(cz >= 1, np.where(first, 1, x), 1), axis=-1)
        at_first = head * np.sum(np.where(cz >= 1, g * tail, 0), axis=-1, keepdims=True)
        res = np.where(first, at_first, res)
    return np.moveaxis(res.astype(g.dtype, copy=False), -1, dim)


def _cumprod_grad_quadratic(g, a, dim):
    """The same derivative as Tensor ops, differentiable again (what create_graph needs):
    C[i, k] = prod_{j <= k, j != i} a_j, by a cumprod of n copies of a with a_i set to 1."""
    x, gl = a.transpose(dim, -1), g.transpose(dim, -1)
    n = x.shape[-1]
    others = cumprod_p(where(_make(np.eye(n, dtype=bool)), 1.0, x.unsqueeze(-2)), x.ndim, None)
    later = _make(np.triu(np.ones((n, n), dtype=bool)))  # k >= i
    return sum(where(later, gl.unsqueeze(-2) * others, 0.0), -1).transpose(dim, -1)


def _cumprod_vjp(g, a, out, dim, dtype):
    if a.ndim == 0 or a.shape[dim] <= 1:
        return g
    if not (a._data == 0).any():
        return cumsum_p(g * out, dim, True, None) / a
    if not STATE.enabled:  # first order only: the O(n) form
        return _make(_cumprod_grad_with_zeros(g._data, a._data, out._data, dim))
    return _cumprod_grad_quadratic(g, a, dim)


def _cumprod_jvp(t, a, out, dim, dtype):
    """d out_k = sum_{i <= k} t_i prod_{j <= k, j != i} a_j."""
    if a.ndim == 0 or a.shape[dim] <= 1:
        return t if dtype is None else t.to(_dt.from_numpy_dtype(np.dtype(dtype)))
    if not (a._data == 0).any():
        return cumsum_p(t / a, dim, False, None) * out
    x, tl = a.transpose(dim, -1), t.transpose(dim, -1)
    n = x.shape[-1]
    others = cumprod_p(where(_make(np.eye(n, dtype=bool)), 1.0, x.unsqueeze(-2)), x.ndim, None)
    later = _make(np.triu(np.ones((n, n), dtype=bool)))
    return sum(where(later, tl.unsqueeze(-1) * others, 0.0), -2).transpose(dim, -1)


cumprod_p = primitive("cumprod", "CumprodBackward0", forward=_quiet(_cum_kernel(np.multiply)),
                      vjp=(_cumprod_vjp,), jvp=_cumprod_jvp)


def _cum_dim(input, dim, name):
    if dim is None:
        raise TypeError(f"{name}() missing 1 required positional arguments: \"dim\"")
    return _wrap_dim(dim, input._data.ndim)


def cumsum(input, dim=None, *, dtype=None):
    """Running sums along dim; integers and bools accumulate in int64."""
    return cumsum_p(input, _cum_dim(input, dim, "cumsum"), False, None if dtype is None else dtype.np)


def cumprod(input, dim=None, *, dtype=None):
    """Running products along dim; the gradient is exact where elements are zero."""
    return cumprod_p(input, _cum_dim(input, dim, "cumprod"), None if dtype is None else dtype.np)


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
        if not nd or len(dims) == nd:
            if input._data.size == 0:
                _whole_empty_error(name)
            dims = None
        else:
            _nonempty(input, dims, name)
        return prim(input, dims, keepdim)
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
    if flat.size == 0:
        return np.array(np.nan, a.dtype)
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
    if how in ("median", "nanmedian") and input._data.dtype.kind == "b":
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


# ----- var / std
def _var_kernel(xp, a, dims, correction, keepdim):
    w = _wide(a)
    n = _count(dims, w.shape)
    with np.errstate(all="ignore"):
        mu = np.mean(w, axis=dims, keepdims=True)
        d = w - mu
        r = np.sum(d * d, axis=dims, keepdims=keepdim) / builtins.max(0, n - correction)
    return r.astype(a.dtype, copy=False)


def _var_vjp(g, a, out, dims, correction, keepdim):
    n = _count(dims, a.shape)
    dof = n - correction
    if dims is None and dof <= 0:  # 2 / 0 is inf; and inf * 0 is nan where a is its mean
        return g * where(a == a.mean(), float("nan"), float("inf"))
    scale = 2.0 / dof if dof != 0 else float("inf")
    if dims is None:
        return scale * g * (a - a.mean())
    return scale * _restore(g, dims, keepdim, a.ndim) * (a - a.mean(dims, keepdim=True))


def _std_vjp(g, a, out, dims, correction, keepdim):
    return _var_vjp(where(out == 0, 0.0, g / (out * 2)), a, None, dims, correction, keepdim)


def _var_jvp(t, a, out, dims, correction, keepdim):
    ones = _make(np.ones(out.shape, out._data.dtype))
    return sum(_var_vjp(ones, a, out, dims, correction, keepdim) * t,
               dims, keepdim) if dims is not None else sum(_var_vjp(ones, a, out, None,
                                                                    correction, False) * t)


var_p = primitive("var", "VarBackward0", forward=_var_kernel, vjp=(_var_vjp,), jvp=_var_jvp)
std_p = primitive("std", "StdBackward0",
                  forward=lambda xp, a, dims, correction, keepdim:
                  np.sqrt(_var_kernel(xp, a, dims, correction, keepdim)),
                  vjp=(_std_vjp,),
                  jvp=lambda t, a, out, dims, correction, keepdim:
                  where(out == 0, 0.0, _var_jvp(t, a, out, dims, correction, keepdim) / (out * 2)))


def _var_args(name, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{'std and var' if name in ('std', 'var') else name} only "
                           "support floating point and complex dtypes")
    if correction is None:
        correction = 0 if unbiased is False else 1
    nd = input._data.ndim
    dims = None if dim is None else _axis(dim, nd)
    if dims is not None and len(dims) == 0:
        dims = None
    if _count(dims, input._data.shape) - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    return dims, correction, keepdim


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The variance over dims, with Bessel's correction (``correction=1``) by default."""
    return var_p(input, *_var_args("var", input, dim, unbiased, keepdim, correction))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The standard deviation over dims; its gradient is 0 where it is 0."""
    return std_p(input, *_var_args("std", input, dim, unbiased, keepdim, correction))


def _mean_vjp(g, a, dims, keepdim):
    return _grad_to_input(_restore(g, dims, keepdim, a.ndim), (), True, a.shape) / \
        _count(dims, a.shape)


def _var_mean_kernel(xp, a, dims, correction, keepdim, root):
    v = _var_kernel(xp, a, dims, correction, keepdim)
    with np.errstate(all="ignore"):
        m = np.mean(_wide(a), axis=dims, keepdims=keepdim).astype(a.dtype, copy=False)
    return (np.sqrt(v) if root else v), m


def _var_mean_vjp(grads, a, outs, dims, correction, keepdim, root):
    first = (_std_vjp if root else _var_vjp)(grads[0], a, outs[0], dims, correction, keepdim)
    return first + _mean_vjp(grads[1], a, dims, keepdim)


def _var_mean_jvp(t, a, outs, dims, correction, keepdim, root):
    first = (std_p if root else var_p).jvp(t, a, outs[0], dims, correction, keepdim)
    m = sum(t, dims, keepdim) / _count(dims, a.shape) if dims is not None else t.mean()
    return first, m


var_mean_p = primitive("var_mean", "VarMeanBackward0", forward=_var_mean_kernel,
                       vjp=(_var_mean_vjp,), jvp=_var_mean_jvp, nout=2)
std_mean_p = var_mean_p.variant("StdMeanBackward0")


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) in one node, as PyTorch's VarMeanBackward0."""
    args = _var_args("var_mean", input, dim, unbiased, keepdim, correction)
    return var_mean_p(input, *args, False)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) in one node, as PyTorch's StdMeanBackward0."""
    args = _var_args("std_mean", input, dim, unbiased, keepdim, correction)
    return std_mean_p(input, *args, True)


# ----- nansum / nanmean
def _nansum_kernel(xp, a, dims, keepdim):
    return xp.nansum(a, axis=dims, keepdims=keepdim,
                     dtype=np.int64 if a.dtype.kind in "biu" else None)


nansum_p = primitive("nansum", "NansumBackward0", forward=_nansum_kernel,
                     vjp=(lambda g, a, out, dims, keepdim:
                          _restore(g, dims, keepdim, a.ndim) * (a == a),),
                     jvp=lambda t, a, out, dims, keepdim: nansum_p(where(a == a, t, 0.0),
                                                                   dims, keepdim))


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum, treating NaN as zero."""
    if dtype is not None:
        input = input.to(dtype)
    return nansum_p(input, None if dim is None else _axis(dim, input._data.ndim), keepdim)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """mean of the elements that are not NaN (nansum / their count)."""
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError("nanmean(): expected input to have floating point or complex "
                           f"dtype but got {input.dtype._legacy}")
    dims = None if dim is None else _axis(dim, input._data.ndim)
    count = np.sum(~np.isnan(input._data), axis=dims, keepdims=keepdim)
    return nansum(input, dim, keepdim) / _make(np.asarray(count))


# ----- norms
def _fmt_ord(p):
    return str(int(p)) if float(p).is_integer() else ("inf" if p == np.inf else
                                                      "-inf" if p == -np.inf else repr(p))


def _norm_kernel(xp, a, ord, dims, keepdim, dtype):
    if dtype is not None:
        a = a.astype(dtype)
    w = np.abs(_wide(a))
    with np.errstate(all="ignore"):
        if ord == 2:
            r = np.sqrt(np.sum(w * w, axis=dims, keepdims=keepdim))
        elif ord == np.inf:
            r = np.amax(w, axis=dims, keepdims=keepdim)
        elif ord == -np.inf:
            r = np.amin(w, axis=dims, keepdims=keepdim)
        elif ord == 0:
            r = np.sum(w != 0, axis=dims, keepdims=keepdim).astype(w.dtype)
        elif ord == 1:
            r = np.sum(w, axis=dims, keepdims=keepdim)
        else:
            r = np.sum(w ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)
    return np.asarray(r).astype(a.dtype, copy=False)


def _norm_vjp(g, a, out, ord, dims, keepdim, dtype):
    """PyTorch's norm_backward, case by case (its choices at zero included)."""
    nd = a.ndim
    g, out = _restore(g, dims, keepdim, nd), _restore(out, dims, keepdim, nd)
    if ord == 0:
        return None  # PyTorch's gradient is undefined (no .grad), not zeros
    if ord == 1:
        return sign(a) * g
    if ord == 2:
        return g * where(out == 0, 0.0, a / out)
    if ord in (np.inf, -np.inf):
        mask = (abs(a) == out) | (a != a)
        return sign(a) * ((g / mask.sum(dims, keepdim=True)) * mask)
    if ord < 1:
        scaled = sign(a) * where(a == 0, 0.0, abs(a) ** (ord - 1))
        return scaled * g * out ** (1 - ord)
    scale = where(out == 0, 0.0, g / out ** (ord - 1))
    if ord < 2:
        return sign(a) * abs(a) ** (ord - 1) * scale
    return a * abs(a) ** (ord - 2) * scale


def _norm_jvp(t, a, out, ord, dims, keepdim, dtype):
    if ord == 0:
        return out * 0.0
    ones = _make(np.ones(out.shape, out._data.dtype))
    return sum(_norm_vjp(ones, a, out, ord, dims, keepdim, dtype) * t, dims, keepdim)


vector_norm_p = primitive("linalg_vector_norm", "LinalgVectorNormBackward0",
                          forward=_norm_kernel, vjp=(_norm_vjp,), jvp=_norm_jvp)


def linalg_vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The ord-norm of x as a vector (all of it, or over dims): sum(|x|^ord)^(1/ord), the
    max/min of |x| for ord = +-inf, the count of nonzeros for ord = 0."""
    if not x.dtype.is_floating_point:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {x.dtype._legacy}")
    if dtype is not None and not dtype.is_floating_point:
        raise RuntimeError("linalg.vector_norm: dtype should be floating point or complex, "
                           f"but got {dtype._legacy}")
    ord = float(ord)
    nd = x._data.ndim
    dims = None if dim is None else _axis(dim, nd)
    if ord < 0 or ord == np.inf:
        shape = x._data.shape
        if dims is None and x._data.size == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_fmt_ord(ord)} norm on "
                               "an empty tensor because the operation does not have an identity")
        for d in dims or ():
            if shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {_fmt_ord(ord)} norm "
                                   f"on the dimension {d}because this dimension is empty and "
                                   "the operation does not have an identity")
    return vector_norm_p(x, ord, dims, keepdim, None if dtype is None else dtype.np)


def linalg_matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Matrix norms: 'fro', and the max/min absolute column (ord=+-1) or row (ord=+-inf)
    sums. 'nuc' and +-2 need singular values: those are linalg's."""
    nd = A._data.ndim
    if nd < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if not A.dtype.is_floating_point:
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as "
                           f"input. Got {A.dtype._legacy}")
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(map(str, dim))}")
    d0, d1 = (_wrap_dim(d, nd) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})")
    if ord == "fro":
        return linalg_vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord == "nuc" or ord in (2, -2):
        from . import linalg
        fn = getattr(linalg, "matrix_norm", None)
        if fn is None or fn is linalg_matrix_norm:
            raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs the singular "
                                      "values (retrograd.linalg)")
        return fn(A, ord, dim, keepdim, dtype=dtype)
    if ord not in (1, -1, np.inf, -np.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if abs_(ord) == np.inf:
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    col = linalg_vector_norm(A, 1.0, (d0,), keepdim, dtype=dtype)
    return (amax if ord > 0 else amin)(col, d1, keepdim)


abs_ = builtins.abs


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: the Frobenius / p-norm over all elements or dims ('nuc' is linalg's)."""
    if p == "nuc":
        return linalg_matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim,
                                  dtype=dtype)
    if isinstance(dim, int):
        dim = (dim,)
    if p == "fro":
        if dim is not None and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                               f"{' '.join(map(str, dim))}")
        p = 2
    return linalg_vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)


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

from .pointwise import where, exp, sign, abs  # noqa: E402  (Tensor ops for the formulas)
from .reduction_sort import (_take_p, max, min, sort, argsort, msort, topk, kthvalue,  # noqa: E402
                             median, nanmedian, mode, cummax, cummin, aminmax)
from .inplace import inplace_method as _inplace  # noqa: E402


# ----- what this family adds to the namespace (``retrograd.X``) and to Tensor's methods;
# ops/__init__.py merges every family's (the entries in its own _METHODS table came first)
__all__ = ["prod", "amax", "amin", "max", "min", "argmax", "argmin", "var", "std", "var_mean",
           "std_mean", "norm", "logsumexp", "cumsum", "cumprod", "cummax", "cummin", "all",
           "any", "count_nonzero", "median", "nanmedian", "nansum", "nanmean", "sort",
           "argsort", "msort", "topk", "kthvalue", "aminmax", "mode"]
METHODS = {name: globals()[name] for name in __all__
           if name not in ("var_mean", "std_mean")}
METHODS.update({"cumsum_": _inplace(cumsum), "cumprod_": _inplace(cumprod)})
