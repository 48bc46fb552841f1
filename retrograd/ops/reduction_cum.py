"""prod and the cumulative reductions (cumsum, cumprod), with PyTorch's gradients that
stay exact where elements are zero (products of the other elements, never a division)."""
import numpy as np

from .primitive import primitive
from ..autograd.grad_mode import STATE
from ..tensor import _wrap_dim
from .. import dtypes as _dt
from .pointwise import where
from .reduction import sum, _make, _quiet, _positions, _accumulator
from .reduction_sort import _take_p


# ----- prod: PyTorch's gradient, exact with zeros (the product of the other elements)
def _prod_kernel(xp, a, dim, keepdim, dtype):
    a, dt = _accumulator(a, dtype)
    return xp.prod(a, axis=dim, keepdims=keepdim, dtype=dt)


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
        acc = np.float32 if a.dtype == np.float16 else a.dtype  # PyTorch's accumulator
        reverse = params[:-1] and params[0]  # accumulate from the end (cumsum's backward)
        if reverse:
            a = xp.flip(a, dim)
        r = ufunc.accumulate(a, axis=dim, dtype=acc).astype(a.dtype, copy=False)
        return np.ascontiguousarray(xp.flip(r, dim) if reverse else r)
    return kernel


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


def _check_cum_dtype(name, dtype):
    if dtype is not None and dtype.np.kind == "b":
        raise NotImplementedError(f"\"{name}_out_cpu\" not implemented for 'Bool'")


def cumsum(input, dim=None, *, dtype=None):
    """Running sums along dim; integers and bools accumulate in int64."""
    _check_cum_dtype("cumsum", dtype)
    return cumsum_p(input, _cum_dim(input, dim, "cumsum"), False,
                    None if dtype is None else dtype.np)


def cumprod(input, dim=None, *, dtype=None):
    """Running products along dim; the gradient is exact where elements are zero."""
    _check_cum_dtype("cumprod", dtype)
    return cumprod_p(input, _cum_dim(input, dim, "cumprod"), None if dtype is None else dtype.np)
