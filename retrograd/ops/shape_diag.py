"""Triangles and diagonals (part of the shape family, listed in shape.py's METHODS): tril,
triu, diagonal (a view), diag, diag_embed, trace."""
import numpy as np

from .primitive import primitive, LINEAR
from ..tensor import _wrap_dim


def _tri(name, np_fn):
    def kernel(xp, a, k):
        return xp.ascontiguousarray(np_fn(a, k))
    p = primitive(name, f"{name.capitalize()}Backward0", forward=kernel,
                  vjp=(lambda g, a, out, k: p(g, k),), jvp=LINEAR)

    def fn(input, diagonal=0):
        if input._data.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return p(input, int(diagonal))
    fn.__name__ = name
    return p, fn


tril_p, tril = _tri("tril", np.tril)
triu_p, triu = _tri("triu", np.triu)


def _diagonal_view(xp, a, offset, dim1, dim2):
    d = xp.diagonal(a, offset, dim1, dim2)
    if a.flags.writeable:  # NumPy's diagonal is read-only; PyTorch's view can be written
        d.flags.writeable = True
    return d


def _diagonal_backward_kernel(xp, g, in_shape, offset, dim1, dim2):
    """Zeros of ``in_shape`` with ``g`` written on the diagonal."""
    z = xp.zeros(in_shape, dtype=g.dtype)
    _diagonal_view(xp, z, offset, dim1, dim2)[...] = g
    return z


diagonal_p = primitive(
    "diagonal", "DiagonalBackward0",
    forward=lambda xp, a, offset, dim1, dim2, in_shape: _diagonal_view(xp, a, offset, dim1, dim2),
    vjp=(lambda g, a, out, offset, dim1, dim2, in_shape:
         diagonal_backward_p(g, in_shape, offset, dim1, dim2),),
    jvp=LINEAR, view=True)
diagonal_backward_p = primitive(
    "diagonal_backward", "DiagonalBackwardBackward0", forward=_diagonal_backward_kernel,
    vjp=(lambda g, a, out, in_shape, offset, dim1, dim2:
         diagonal_p(g, offset, dim1, dim2, in_shape),),
    jvp=LINEAR)
# diag of a matrix: a copy of its diagonal (PyTorch's diagonal_copy, named apart)
diagonal_copy_p = primitive(
    "diagonal_copy", "DiagonalBackward0_copy",
    forward=lambda xp, a, offset, dim1, dim2, in_shape: xp.diagonal(a, offset, dim1, dim2).copy(),
    vjp=diagonal_p.vjp, jvp=LINEAR)
diag_embed_p = primitive(
    "diag_embed", "DiagEmbedBackward0",
    forward=lambda xp, a, offset, dim1, dim2, out_shape:
    _diagonal_backward_kernel(xp, a, out_shape, offset, dim1, dim2),
    vjp=(lambda g, a, out, offset, dim1, dim2, out_shape:
         diagonal_p(g, offset, dim1, dim2, out_shape),),
    jvp=LINEAR)


def _two_dims(dim1, dim2, nd):
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input, offset=0, dim1=0, dim2=1):
    shp = input._data.shape
    d1, d2 = _two_dims(dim1, dim2, len(shp))
    return diagonal_p(input, int(offset), d1, d2, shp)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    shp = input._data.shape
    d1, d2 = _two_dims(dim1, dim2, len(shp) + 1)
    n = (shp[-1] if shp else 1) + abs(offset)
    out = list(shp[:-1])
    for d in sorted((d1, d2)):
        out.insert(d, n)
    return diag_embed_p(input, int(offset), d1, d2, tuple(out))


def diag(input, diagonal=0):
    nd = input._data.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        return diagonal_copy_p(input, int(diagonal), 0, 1, input._data.shape)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


def _trace_kernel(xp, a, in_shape):
    if a.dtype.kind in "iu":
        return xp.trace(a, dtype=np.int64)
    if a.dtype == np.float16:  # accumulate in float32, as PyTorch does
        return xp.trace(a, dtype=np.float32).astype(np.float16)
    return xp.trace(a)


trace_p = primitive("trace", "TraceBackward0", forward=_trace_kernel,
                    vjp=(lambda g, a, out, in_shape:
                         diagonal_backward_p(g.expand(min(in_shape)), in_shape, 0, 0, 1),),
                    jvp=LINEAR)


def trace(input):
    a = input._data
    if a.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {a.ndim}")
    if a.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return trace_p(input, a.shape)


__all__ = ["tril", "triu", "diagonal", "diag", "diag_embed", "trace"]
METHODS = {"tril": tril, "triu": triu, "diagonal": diagonal, "diag": diag,
           "diag_embed": diag_embed, "trace": trace}
