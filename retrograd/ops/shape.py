"""Shape primitives (views that share memory with their input: view, transpose, permute,
unsqueeze, squeeze, expand, select, slice) and basic indexing built from them."""
import numpy as np

from .primitive import primitive, LINEAR
from ..tensor import Tensor, _wrap_dim
from ..dtypes import dtype as _dtype


def _view_kernel(xp, a, shape, in_shape):
    try:
        return xp.reshape(a, shape, copy=False)
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None


view_p = primitive("view", "ViewBackward0", forward=_view_kernel,
                   vjp=(lambda g, a, out, shape, in_shape: g.reshape(in_shape),),
                   jvp=LINEAR, view=True,
                   # (reshape's view or, where none exists, its C-order copy)
                   vjp_data=(lambda g, a, out, shape, in_shape: np.reshape(g, in_shape),))
# reshape of a tensor that cannot be viewed: a copy (PyTorch's clone + _unsafe_view)
unsafe_view_p = primitive("unsafe_view", "UnsafeViewBackward0",
                          forward=lambda xp, a, shape, in_shape: xp.reshape(a, shape),
                          vjp=(lambda g, a, out, shape, in_shape: g.reshape(in_shape),),
                          jvp=LINEAR,
                          vjp_data=(lambda g, a, out, shape, in_shape: np.reshape(g, in_shape),))
# reshape that is a view of a non-contiguous tensor: PyTorch's _reshape_alias, named apart
reshape_alias_p = view_p.variant("ReshapeAliasBackward0")
alias_p = primitive("alias", "AliasBackward0", forward=lambda xp, a: a.view(),
                    vjp=(lambda g, a, out: g,), jvp=LINEAR, view=True)
transpose_p = primitive("transpose", "TransposeBackward0",
                        forward=lambda xp, a, d0, d1:
                        xp.swapaxes(a, d0, d1) if a.ndim else a.view(),  # 0-d: dims 0 and -1
                        vjp=(lambda g, a, out, d0, d1: g.transpose(d0, d1),),
                        jvp=LINEAR, view=True,
                        vjp_data=(lambda g, a, out, d0, d1:
                                  np.swapaxes(g, d0, d1) if g.ndim else g,))
t_p = primitive("t", "TBackward0", forward=lambda xp, a: a.T,
                vjp=(lambda g, a, out: g.t(),), jvp=LINEAR, view=True,
                vjp_data=(lambda g, a, out: g.T,))
permute_p = primitive("permute", "PermuteBackward0",
                      forward=lambda xp, a, dims: xp.transpose(a, dims),
                      vjp=(lambda g, a, out, dims: g.permute(tuple(np.argsort(dims).tolist())),),
                      jvp=LINEAR, view=True,
                      vjp_data=(lambda g, a, out, dims: np.transpose(g, np.argsort(dims)),))
unsqueeze_p = primitive("unsqueeze", "UnsqueezeBackward0",
                        forward=lambda xp, a, dim: xp.expand_dims(a, dim),
                        vjp=(lambda g, a, out, dim: g.squeeze(dim),), jvp=LINEAR, view=True,
                        vjp_data=(lambda g, a, out, dim: np.squeeze(g, dim),))
squeeze_p = primitive("squeeze", "SqueezeBackward0",
                      forward=lambda xp, a, dims, in_shape: xp.squeeze(a, dims),
                      vjp=(lambda g, a, out, dims, in_shape: g.reshape(in_shape),),
                      jvp=LINEAR, view=True,
                      vjp_data=(lambda g, a, out, dims, in_shape: np.reshape(g, in_shape),))
squeeze_dim_p = squeeze_p.variant("SqueezeBackward1")
squeeze_dims_p = squeeze_p.variant("SqueezeBackward2")
# what a 1-D @ 2-D matmul ends with: PyTorch squeezes its own mm result in place, so the
# result is not a view
squeeze_mm_p = primitive("squeeze[SqueezeBackward4]", "SqueezeBackward4", squeeze_p.forward,
                         squeeze_p.vjp, LINEAR, register=False)


def _sum_to_shape(g, in_shape):
    from ..autograd.engine import sum_to
    return sum_to(g, in_shape)


expand_p = primitive("expand", "ExpandBackward0",
                     forward=lambda xp, a, shape, in_shape: xp.broadcast_to(a, shape),
                     vjp=(lambda g, a, out, shape, in_shape: _sum_to_shape(g, in_shape),),
                     jvp=LINEAR, view=True)


def _select_backward_kernel(xp, g, in_shape, dim, index):
    z = xp.zeros(in_shape, dtype=g.dtype)
    z[(slice(None),) * dim + (index,)] = g
    return z


select_p = primitive("select", "SelectBackward0",
                     # (the trailing ... keeps a 0-d result a view, not a NumPy scalar copy)
                     forward=lambda xp, a, dim, index, in_shape:
                     a[(slice(None),) * dim + (index, Ellipsis)],
                     vjp=(lambda g, a, out, dim, index, in_shape:
                          select_backward_p(g, in_shape, dim, index),),
                     jvp=LINEAR, view=True)
select_backward_p = primitive("select_backward", "SelectBackwardBackward0",
                              forward=_select_backward_kernel,
                              vjp=(lambda g, a, out, in_shape, dim, index:
                                   select_p(g, dim, index, in_shape),),
                              jvp=LINEAR)


def _slice_backward_kernel(xp, g, in_shape, dim, start, stop, step):
    z = xp.zeros(in_shape, dtype=g.dtype)
    z[(slice(None),) * dim + (slice(start, stop, step),)] = g
    return z


slice_p = primitive("slice", "SliceBackward0",
                    forward=lambda xp, a, dim, start, stop, step, in_shape:
                    a[(slice(None),) * dim + (slice(start, stop, step),)],
                    vjp=(lambda g, a, out, dim, start, stop, step, in_shape:
                         slice_backward_p(g, in_shape, dim, start, stop, step),),
                    jvp=LINEAR, view=True)
slice_backward_p = primitive("slice_backward", "SliceBackwardBackward0",
                             forward=_slice_backward_kernel,
                             vjp=(lambda g, a, out, in_shape, dim, start, stop, step:
                                  slice_p(g, dim, start, stop, step, in_shape),),
                             jvp=LINEAR)


# ----- the public functions
def _shape_arg(shape):
    """sizes given as varargs or as one sequence, as PyTorch accepts both."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _infer_shape(shape, numel):
    """Resolve one -1 in a requested shape, with PyTorch's errors (in its order: the sizes
    left to right, then the element count)."""
    text = f"[{', '.join(map(str, shape))}]"
    infer, known = None, 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s >= 0:
            known *= s
        else:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {text}")
    if infer is None:
        if known == numel:
            return shape
    elif known == 0 and numel == 0:
        raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {text} because the "
                           "unspecified dimension size -1 can be any value and is ambiguous")
    elif known and numel % known == 0:
        return shape[:infer] + (numel // known,) + shape[infer + 1:]
    raise RuntimeError(f"shape '{text}' is invalid for input of size {numel}")


def _view_dtype(a, dtype):
    """``view(dtype)``: the same memory read as another dtype; PyTorch records no history
    and no _base, but the storage (and its version counter) is shared."""
    d = a._data
    if dtype.itemsize != d.itemsize:
        what = f"to view {a.dtype._legacy} as {dtype._legacy} (different element sizes)"
        if d.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if dtype.itemsize > d.itemsize:
            ratio = dtype.itemsize // d.itemsize
            if d.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but "
                                   f"got {d.shape[-1]}")
        if d.shape[-1] != 1 and d.strides[-1] != d.itemsize:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got "
                               f"{d.strides[-1] // d.itemsize}")
    out = Tensor._make(d.view(dtype.np))
    out._vc = a._version_counter()
    return out


def view(a, *shape, size=None):
    if size is not None:
        shape = (size,)
    if len(shape) == 1 and isinstance(shape[0], _dtype):
        return _view_dtype(a, shape[0])
    shape = _infer_shape(_shape_arg(shape), a._data.size)
    return view_p(a, shape, a._data.shape)


def reshape(a, *args, shape=None):
    shape = _infer_shape(_shape_arg((shape,) if shape is not None else args), a._data.size)
    try:
        np.reshape(a._data, shape, copy=False)
    except ValueError:  # not expressible as a view: copy, as PyTorch does
        return unsafe_view_p(a.clone(), shape, a._data.shape)
    # PyTorch names a view of a non-contiguous tensor ReshapeAliasBackward0
    prim = view_p if a._data.flags.c_contiguous else reshape_alias_p
    return prim(a, shape, a._data.shape)


def flatten(a, start_dim=0, end_dim=-1):
    nd = a._data.ndim
    if nd == 0:
        return reshape(a, 1)
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return a
    shp = a._data.shape
    return reshape(a, shp[:s] + (-1,) + shp[e + 1:]) if a._data.size else \
        reshape(a, shp[:s] + (int(np.prod(shp[s:e + 1])),) + shp[e + 1:])


def transpose(a, dim0, dim1):
    nd = a._data.ndim
    return transpose_p(a, _wrap_dim(dim0, nd), _wrap_dim(dim1, nd))


def t(a):
    if a._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{a._data.ndim}D")
    return t_p.call(a)  # (.call: one Python frame fewer than calling the primitive)


def permute(a, *args, dims=None):
    dims = _shape_arg((dims,) if dims is not None else args)
    nd = a._data.ndim
    if len(dims) != nd:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not "
            f"equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return permute_p(a, dims)


def unsqueeze(a, dim):
    return unsqueeze_p(a, _wrap_dim(dim, a._data.ndim + 1))


def squeeze(a, dim=None):
    shp = a._data.shape
    nd = len(shp)
    if dim is None:
        return squeeze_p(a, tuple(i for i, s in enumerate(shp) if s == 1), shp)
    if isinstance(dim, (tuple, list)):
        dims = tuple(sorted({_wrap_dim(d, nd) for d in dim}))
        prim = squeeze_dims_p
    else:
        dims = (_wrap_dim(dim, nd),)
        prim = squeeze_dim_p
    return prim(a, tuple(d for d in dims if nd and shp[d] == 1), shp)


def expand(a, *args, size=None):
    sizes = _shape_arg((size,) if size is not None else args)
    shp = a._data.shape
    if len(sizes) < len(shp):
        raise RuntimeError(
            f"expand({a.type()}{{[{', '.join(map(str, shp))}]}}, size=[{', '.join(map(str, sizes))}]): "
            f"the number of sizes provided ({len(sizes)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({len(shp)})")
    lead = len(sizes) - len(shp)
    target = list(sizes)
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   "leading, non-existing dimension " + str(i))
            continue
        cur = shp[i - lead]
        if s == -1:
            target[i] = cur
        elif cur != 1 and s != cur:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) "
                f"at non-singleton dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}]."
                f"  Tensor sizes: [{', '.join(map(str, shp))}]")
    return expand_p(a, tuple(target), shp)


def select(a, dim, index, _indexing_pos=None):
    shp = a._data.shape
    if not shp:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = _wrap_dim(dim, len(shp))
    size = shp[dim]
    if not -size <= index < size:
        if _indexing_pos is not None:
            # a[i] words it differently from a.select(dim, i), and names the position of
            # the int in the index (which a None or an earlier int shifts), not a dim
            raise IndexError(f"index {index} is out of bounds for dimension {_indexing_pos} "
                             f"with size {size}")
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"[{', '.join(map(str, shp))}] at dimension {dim}")
    return select_p(a, dim, index % size, shp)


def narrow_slice(a, dim, s):
    """Basic slicing of one dimension, with PyTorch's clamping and positive steps only."""
    if s.step is not None and s.step <= 0:
        raise ValueError("step must be greater than zero")
    start, stop, step = s.indices(a._data.shape[dim])
    return slice_p(a, dim, start, max(stop, start), step, a._data.shape)


def getitem(a, index):
    """``a[index]`` for ints, slices, None and Ellipsis: a chain of view primitives, as
    PyTorch builds it (a full slice in a tuple is skipped; nothing left is an alias)."""
    if not isinstance(index, tuple):
        if isinstance(index, slice):
            if a._data.ndim == 0:
                raise IndexError("slice() cannot be applied to a 0-dim tensor.")
            return narrow_slice(a, 0, index)
        if a._data.ndim == 0 and isinstance(index, int) and not isinstance(index, bool):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        index = (index,)
    if any(isinstance(i, bool) or
           not isinstance(i, (int, slice, type(None), type(Ellipsis))) and
           not (hasattr(i, "__index__") and not hasattr(i, "_data")) for i in index):
        raise IndexError(
            "retrograd supports indexing with ints, slices, None and Ellipsis for now; "
            "tensor and list (advanced) indexing arrive with the operator library")
    index = tuple(i.__index__() if not isinstance(i, (slice, type(None), type(Ellipsis)))
                  else i for i in index)
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    nd = a._data.ndim
    if consumed > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    out, dim, first = a, 0, True
    for pos, i in enumerate(index):
        if i is Ellipsis:  # PyTorch allows several; the first one spans the missing dims
            if first:
                dim += nd - consumed
                first = False
        elif i is None:
            out = unsqueeze(out, dim)
            dim += 1
        elif isinstance(i, int):
            out = select(out, dim, i, _indexing_pos=pos)
        else:
            if i != slice(None):
                out = narrow_slice(out, dim, i)
            dim += 1
    return alias_p(a) if out is a else out


from .shape_views import *  # noqa: E402,F401,F403  (they build on the views above)
from .shape_views import __all__ as _views_all, METHODS as _views_methods  # noqa: E402
from .shape_copy import *  # noqa: E402,F401,F403  (they build on the views above)
from .shape_copy import __all__ as _copy_all, METHODS as _copy_methods  # noqa: E402
from .shape_diag import *  # noqa: E402,F401,F403
from .shape_diag import __all__ as _diag_all, METHODS as _diag_methods  # noqa: E402
from .shape_join import *  # noqa: E402,F401,F403
from .shape_join import __all__ as _join_all, METHODS as _join_methods  # noqa: E402


# ----- what this family adds to the namespace (``retrograd.X``) and to Tensor's methods;
# ops/__init__.py merges every family's (the entries in its own _METHODS table came first)
__all__ = ["select", "squeeze", "unsqueeze", "view", "reshape", "flatten", "transpose", "t",
           "permute"] + _views_all + _copy_all + _diag_all + _join_all
METHODS = {**_views_methods, **_copy_methods, **_diag_methods, **_join_methods}
