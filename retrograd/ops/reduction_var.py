"""Variance and standard deviation (correction / unbiased, dims, keepdim), alone or with
the mean in one node (var_mean, std_mean), with PyTorch's gradients and warnings."""
import builtins
import warnings

import numpy as np

from .primitive import primitive
from .pointwise import where
from .reduction import sum, _make, _restore, _count, _dims, _wide, _grad_to_input


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
    return sum(_var_vjp(ones, a, out, dims, correction, keepdim) * t, dims, keepdim)


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
    # dims None is PyTorch's "no dim given" (its own gradient case); a 0-d tensor too
    dims = None if dim is None or nd == 0 else _dims(dim, nd)
    # PyTorch's reduction factor: input numel / output numel (0 for an empty input)
    size = input._data.size
    if size // builtins.max(1, size // builtins.max(1, _count(dims, input._data.shape))) \
            - correction <= 0:
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
    m = sum(t, dims, keepdim) / _count(dims, a.shape)
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
