"""Reduction primitives: sum and mean over all elements or over dims (keepdim)."""
import numpy as np

from .primitive import primitive, LINEAR
from ..tensor import _wrap_dim


def _grad_to_input(g, dims, keepdim, in_shape):
    """Spread a reduced gradient back over the reduced dims: reinsert them, then expand."""
    if not keepdim and dims:
        kept = tuple(1 if i in dims else s for i, s in enumerate(in_shape))
        g = g.reshape(kept)
    return g.expand(in_shape)


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
    for d in dims:
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


# ----- what this family adds to the namespace (``retrograd.X``) and to Tensor's methods;
# ops/__init__.py merges every family's (the entries in its own _METHODS table came first)
__all__ = []
METHODS = {}
