"""Shape ops that copy (part of the shape family, listed in shape.py's METHODS): repeat and
tile, repeat_interleave, flip, roll."""
import numpy as np

from .primitive import primitive, LINEAR
from ..tensor import Tensor, _wrap_dim
from .shape import _shape_arg, unsqueeze, expand, view, flatten
from .shape_views import _dims_arg


def _repeat_kernel(xp, a, reps):
    out = xp.tile(a, reps)  # all-ones reps give a copy in the input's layout: PyTorch's is C
    return out if out.flags.c_contiguous else xp.ascontiguousarray(out)


def _repeat_vjp(g, reps, in_shape):
    """Sum the gradient over the repeated blocks: dims interleaved as (rep, size) pairs."""
    padded = (1,) * (len(reps) - len(in_shape)) + tuple(in_shape)
    pairs = tuple(x for r, s in zip(reps, padded) for x in (r, s))
    return g.reshape(pairs).sum(tuple(range(0, len(pairs), 2))).reshape(in_shape)


repeat_p = primitive("repeat", "RepeatBackward0", forward=_repeat_kernel,
                     vjp=(lambda g, a, out, reps: _repeat_vjp(g, reps, a.shape),), jvp=LINEAR)


def repeat(a, *sizes, repeats=None):
    reps = _shape_arg((repeats,) if repeats is not None else sizes)
    shp = a._data.shape
    if len(reps) < len(shp):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(reps) - len(shp)) + shp
    out_shape = [r * s for r, s in zip(reps, padded)]
    bad = next((s for s in out_shape if s < 0), None)
    if bad is not None:
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: "
                           f"[{', '.join(map(str, out_shape))}]")
    return repeat_p(a, reps)


def tile(a, *args, dims=None):
    reps = _shape_arg((dims,) if dims is not None else args)
    nd = a._data.ndim
    if len(reps) < nd:
        reps = (1,) * (nd - len(reps)) + reps
    return repeat(a, reps)


# ----- repeat_interleave: int repeats are a view-expand-copy (PyTorch's graph); tensor
# repeats select slices by index (index_select: PyTorch's IndexSelectBackward0)
def _repeats_array(repeats):
    r = repeats._data
    if r.dtype.kind not in "iu":
        from ..dtypes import from_numpy_dtype
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for "
                                  f"'{from_numpy_dtype(r.dtype)._legacy}'")
    return r


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:  # torch.repeat_interleave(repeats): the indices it would select
        r = _repeats_array(input)
        if r.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if (r < 0).any():
            raise RuntimeError("repeats can not be negative")
        return Tensor._make(np.repeat(np.arange(r.shape[0], dtype=np.int64), r))
    a = input
    if dim is None:
        a, dim = flatten(a), 0
    nd = a._data.ndim
    dim = _wrap_dim(dim, nd)
    size = a._data.shape[dim]
    if isinstance(repeats, Tensor):
        r = _repeats_array(repeats)
        if r.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if r.size == 1:
            r = np.full(size, r.reshape(()).item(), dtype=np.int64)
        elif r.shape[0] != size:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {r.shape[0]} and input.size({dim}) = {size}")
        if (r < 0).any():
            raise RuntimeError("repeats can not be negative")
        idx = np.repeat(np.arange(size, dtype=np.int64), r)
        _check_output_size(output_size, idx.shape[0])
        from .indexing_prims import index_select_p  # (the indexing family loads after this)
        return index_select_p(a, dim, idx, a._data.shape)
    repeats = int(repeats)
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    _check_output_size(output_size, size * repeats)
    shp = a._data.shape
    x = expand(unsqueeze(a, dim + 1), shp[:dim + 1] + (repeats,) + shp[dim + 1:])
    from .pointwise import clone_p
    return view(clone_p(x, "C"), shp[:dim] + (size * repeats,) + shp[dim + 1:])


def _check_output_size(output_size, n):
    if output_size is not None and output_size != n:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {n} but got "
                           f"{output_size}")


# ----- flip and roll
def _flip_kernel(xp, a, dims):
    out = xp.empty_like(a)  # PyTorch's result keeps the input's memory layout
    out[...] = xp.flip(a, dims) if a.ndim else a
    return out


flip_p = primitive("flip", "FlipBackward0", forward=_flip_kernel,
                   vjp=(lambda g, a, out, dims: flip_p(g, dims),), jvp=LINEAR)


def _unique_dims(dims, nd):
    wrapped = [_wrap_dim(d, nd) for d in dims]
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return tuple(wrapped)


def _flip_method(a, *args, dims=None):
    if dims is not None:
        args = (dims,)
    dims = args
    if len(dims) == 1 and not isinstance(dims[0], int):
        dims = tuple(dims[0])
    return flip_p(a, _unique_dims(dims, a._data.ndim))


def flip(input, dims):  # torch.flip takes a sequence; the method also takes varargs
    if isinstance(dims, int):
        raise TypeError("flip(): argument 'dims' (position 2) must be tuple of ints, not int")
    return _flip_method(input, tuple(dims))


def fliplr(a):
    if a._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip_p(a, (1,))


def flipud(a):
    if a._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip_p(a, (0,))


def _rot90_kernel(xp, a, k, d0, d1):
    if k == 0:
        return xp.array(a, copy=True, order="K")
    if k == 2:
        return _flip_kernel(xp, a, (d0, d1))
    return xp.swapaxes(_flip_kernel(xp, a, (d1,) if k == 1 else (d0,)), d0, d1)


rot90_p = primitive("rot90", "Rot90Backward0", forward=_rot90_kernel,
                    vjp=(lambda g, a, out, k, d0, d1: rot90_p(g, -k % 4, d0, d1),), jvp=LINEAR)


def rot90(input, k=1, dims=(0, 1)):
    dims = tuple(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = _wrap_dim(dims[0], nd), _wrap_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} "
                           f"and dim1 = {dims[1]}")
    return rot90_p(input, int(k) % 4, d0, d1)


def _roll_kernel(xp, a, shifts, dims):
    out = xp.roll(a, shifts, dims).reshape(a.shape)  # (a 0-d roll comes back 1-d)
    return out if out.flags.c_contiguous else out.copy()


roll_p = primitive("roll", "RollBackward0", forward=_roll_kernel,
                   vjp=(lambda g, a, out, shifts, dims:
                        roll_p(g, tuple(-s for s in shifts) if dims is not None else -shifts,
                               dims),),
                   jvp=LINEAR)


def roll(a, shifts, dims=None):
    shifts = _dims_arg(shifts)
    dims = () if dims is None else _dims_arg(dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) == 1:  # roll the flattened tensor
        return roll_p(a, int(shifts[0]), None)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    nd = a._data.ndim
    if nd == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    return roll_p(a, tuple(int(s) for s in shifts), tuple(_wrap_dim(d, nd) for d in dims))


__all__ = ["repeat_interleave", "tile", "flip", "fliplr", "flipud", "roll", "rot90"]
METHODS = {"repeat": repeat, "tile": tile, "repeat_interleave": repeat_interleave,
           "flip": _flip_method, "fliplr": fliplr, "flipud": flipud, "roll": roll,
           "rot90": rot90}
