"""Norms: linalg's vector_norm (any ord) as one primitive with PyTorch's gradient at
zero, matrix_norm ('fro', +-1, +-inf) and torch.norm built on it."""
import builtins

import numpy as np

from .primitive import primitive
from ..tensor import _wrap_dim
from .pointwise import where, sign, abs
from .reduction import sum, amax, amin, _make, _restore, _axis, _dims, _wide


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
    _check_narrowing("vector_norm", x, dtype)
    ord = float(ord)
    nd = x._data.ndim
    dims = None if dim is None else _axis(dim, nd)
    if ord < 0 or ord == np.inf:
        shape = x._data.shape
        named = () if dim is None or not nd else _dims(dim, nd)
        if not named and x._data.size == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_fmt_ord(ord)} norm on "
                               "an empty tensor because the operation does not have an identity")
        for d in named:
            if shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {_fmt_ord(ord)} norm "
                                   f"on the dimension {d}because this dimension is empty and "
                                   "the operation does not have an identity")
    return vector_norm_p(x, ord, dims, keepdim, None if dtype is None else dtype.np)


def _check_narrowing(name, x, dtype):
    if dtype is not None and dtype.is_floating_point and \
            x._data.dtype.itemsize > dtype.np.itemsize:
        raise RuntimeError(f"linalg.{name}: the dtype of the input ({x.dtype._legacy}) should "
                           "be convertible without narrowing to the specified dtype "
                           f"({dtype._legacy})")


def linalg_matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Matrix norms: 'fro', the max/min absolute column (ord=+-1) or row (ord=+-inf) sums,
    and through linalg's svdvals (once linalg has it) 'nuc' and +-2."""
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
    _check_narrowing("matrix_norm", A, dtype)
    if ord == "fro":
        return linalg_vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord == "nuc" or ord in (2, -2):
        return _singular_value_norm(A, ord, d0, d1, keepdim, dtype)
    if ord not in (1, -1, np.inf, -np.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if abs_(ord) == np.inf:
        d0, d1 = d1, d0
    if ord > 0 and A._data.shape[d1] == 0:  # PyTorch gives zeros here, outside the graph
        shape = [1 if i in (d0, d1) else n for i, n in enumerate(A._data.shape)]
        if not keepdim:
            shape = [n for i, n in enumerate(shape) if i not in (d0, d1)]
        return _make(np.zeros(shape, (A.dtype if dtype is None else dtype).np))
    if not keepdim and d0 < d1:
        d1 -= 1
    col = linalg_vector_norm(A, 1.0, (d0,), keepdim, dtype=dtype)
    return (amax if ord > 0 else amin)(col, d1, keepdim)


abs_ = builtins.abs


def _svdvals():
    """linalg's singular values (the linalg family owns them)."""
    from . import linalg
    fn = getattr(linalg, "svdvals", None) or getattr(linalg, "linalg_svdvals", None)
    if fn is None:
        import retrograd
        fn = getattr(getattr(retrograd, "linalg", None), "svdvals", None)
    if fn is None:
        raise NotImplementedError("linalg.matrix_norm: ord='nuc' and ord=+-2 need "
                                  "linalg.svdvals, which this build of retrograd lacks")
    return fn


def _singular_value_norm(A, ord, d0, d1, keepdim, dtype):
    """PyTorch's way: the two dims moved to the end, then the sum ('nuc'), max (2) or min
    (-2) of the singular values, the dims put back for keepdim."""
    if A._data.dtype.itemsize < 4 and A._data.dtype.kind == "f":
        raise RuntimeError("linalg.matrix_norm: Low precision dtypes not supported. "
                           f"Got {A.dtype._legacy}")
    nd = A._data.ndim
    perm = [i for i in range(nd) if i not in (d0, d1)] + [d0, d1]
    if dtype is not None:
        A = A.to(dtype)
    sv = _svdvals()(A.permute(perm))
    if ord == "nuc":
        result = sum(sv, -1, keepdim)
    else:
        result = (amax if ord > 0 else amin)(sv, -1, keepdim)
    if keepdim:
        result = result.unsqueeze(-1).permute([perm.index(i) for i in range(nd)])
    return result


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: the Frobenius / p-norm over all elements or dims ('nuc' is linalg's)."""
    if out is not None:
        raise NotImplementedError("norm(out=...): retrograd's ops do not write into out= "
                                  "tensors; use the returned tensor")
    if p == "nuc":
        if dim is not None and not isinstance(dim, (tuple, list)):
            dim = (dim,)
        return linalg_matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim,
                                  dtype=dtype)
    if dim is not None and not isinstance(dim, (tuple, list)):
        dim = (dim,)
    if p == "fro":
        if dim is not None and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                               f"{' '.join(map(str, dim))}")
        p = 2
    return linalg_vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)
