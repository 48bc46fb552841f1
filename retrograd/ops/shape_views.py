"""More views (part of the shape family, listed in shape.py's METHODS): movedim,
unflatten, narrow, the transposing properties T/mT/H/mH, broadcasting, atleast_*, ravel."""
import warnings

from ..tensor import Tensor, _wrap_dim
from .shape import (_infer_shape, alias_p, permute_p, transpose_p, expand_p, slice_p, view,
                    reshape, unsqueeze, expand, transpose)


def _dims_arg(dims):
    """An int or a sequence of ints, as a tuple."""
    return (dims,) if isinstance(dims, int) else tuple(dims)


def movedim(a, source, destination):
    src, dst = _dims_arg(source), _dims_arg(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)")
    nd = a._data.ndim
    s = [_wrap_dim(d, nd) for d in src]
    d = [_wrap_dim(x, nd) for x in dst]
    for name, given, wrapped in (("source", src, s), ("destination", dst, d)):
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    if not s or nd == 0:
        return alias_p(a)
    perm = [-1] * nd
    for i, j in zip(s, d):
        perm[j] = i
    rest = iter(i for i in range(nd) if i not in s)
    perm = tuple(p if p >= 0 else next(rest) for p in perm)
    return permute_p(a, perm)


def unflatten(a, dim, sizes):
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    nd = a._data.ndim
    dim = _wrap_dim(dim, nd)
    shp = a._data.shape
    try:  # PyTorch rewords what the size inference says
        if nd == 0:
            raise RuntimeError(f"Dimension specified as {dim} but tensor has no dimensions")
        sizes = _infer_shape(sizes, shp[dim])
    except RuntimeError as e:
        if str(e).startswith("shape '["):
            raise RuntimeError(f"unflatten: Provided sizes [{', '.join(map(str, sizes))}] don't "
                               f"multiply up to the size of dim {dim} ({shp[dim]}) in the input "
                               "tensor") from None
        raise RuntimeError(f"unflatten got an unexpected error:\n{e}") from None
    return view(a, shp[:dim] + sizes + shp[dim + 1:])


def narrow(a, dim, start, length):
    shp = a._data.shape
    if not shp:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    start, length = int(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    dim = _wrap_dim(dim, len(shp))
    size = shp[dim]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if start > size - length:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return slice_p(a, dim, start, start + length, 1, shp)


_WARNED = set()  # PyTorch's TORCH_WARN_ONCE: each deprecation warns once per process
_T_ND = ("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
         "deprecated and it will throw an error in a future release. Consider `x.mT` to "
         "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to "
         "reverse the dimensions of a tensor.")


def _warn_once(msg):
    if msg not in _WARNED:
        _WARNED.add(msg)
        warnings.warn(msg, UserWarning, stacklevel=3)


def _T(a):
    nd = a._data.ndim
    if nd == 0:
        _warn_once("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                   "these cases.")
    elif nd != 2:
        _warn_once(_T_ND)
    return permute_p(a, tuple(range(nd - 1, -1, -1)))


def _matrix_transpose(name, zero_d):
    def prop(a):
        nd = a._data.ndim
        if nd == 0:
            _warn_once(f"Tensor.{name} is deprecated on 0-D tensors. {zero_d}")
            return a
        if name == "H" and nd != 2:
            extra = ". For batches of matrices, consider using tensor.mH" if nd > 2 else "."
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{nd}-D tensor{extra}")
        if nd < 2:
            raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of "
                               f"matrices. Got {nd}-D tensor.")
        return transpose_p(a, nd - 2, nd - 1)
    prop.__name__ = name
    return prop


_IDENTITY = "This function is the identity in these cases."
_CONJ = "Consider using x.conj()."
_mT, _mH, _H = (_matrix_transpose("mT", _IDENTITY), _matrix_transpose("mH", _CONJ),
                _matrix_transpose("H", _CONJ))  # real tensors: the adjoint is the transpose


def adjoint(a):
    nd = a._data.ndim
    if nd < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {nd}-D tensor.")
    return transpose_p(a, nd - 2, nd - 1)


def ravel(a):
    return view(a if a._data.flags.c_contiguous else a.contiguous(), -1)


def _swapaxes(a, axis0, axis1):
    return transpose(a, axis0, axis1)


def _swapdims(a, dim0, dim1):
    return transpose(a, dim0, dim1)


def broadcast_to(a, size):
    return expand(a, size)


def broadcast_shapes(*shapes):
    from .primitive import broadcast_shapes as _bs
    from ..tensor import Size
    return Size(_bs(*(_dims_arg(s) for s in shapes)))


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    from .primitive import broadcast_shapes as _bs
    shape = _bs(*(t._data.shape for t in tensors))
    return tuple(t if t._data.shape == shape else expand_p(t, shape, t._data.shape)
                 for t in tensors)


def _atleast(fn):
    def many(*tensors):
        if len(tensors) == 1:
            t = tensors[0]
            if isinstance(t, Tensor):
                return fn(t)
            tensors = tuple(t)
        return tuple(fn(t) for t in tensors)
    many.__name__ = fn.__name__.lstrip("_")
    return many


def _atleast_1d(a):
    return reshape(a, 1) if a._data.ndim == 0 else a


def _atleast_2d(a):
    nd = a._data.ndim
    return reshape(a, 1, 1) if nd == 0 else unsqueeze(a, 0) if nd == 1 else a


def _atleast_3d(a):
    nd = a._data.ndim
    if nd == 0:
        return reshape(a, 1, 1, 1)
    if nd == 1:
        return unsqueeze(unsqueeze(a, 0), -1)
    return unsqueeze(a, -1) if nd == 2 else a


atleast_1d, atleast_2d, atleast_3d = map(_atleast, (_atleast_1d, _atleast_2d, _atleast_3d))


def _iter(a):
    if a._data.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    from .shape_join import unbind
    return iter(unbind(a, 0))


__all__ = ["movedim", "moveaxis", "swapdims", "swapaxes", "unflatten", "narrow", "adjoint",
           "ravel", "broadcast_to", "broadcast_shapes", "broadcast_tensors", "atleast_1d",
           "atleast_2d", "atleast_3d"]
moveaxis = movedim
swapaxes, swapdims = _swapaxes, _swapdims
METHODS = {
    "movedim": movedim, "moveaxis": movedim, "swapaxes": _swapaxes, "swapdims": _swapdims,
    "unflatten": unflatten, "narrow": narrow, "adjoint": adjoint, "broadcast_to": broadcast_to,
    "ravel": ravel, "T": property(_T), "mT": property(_mT), "mH": property(_mH),
    "H": property(_H), "__iter__": _iter,
}
