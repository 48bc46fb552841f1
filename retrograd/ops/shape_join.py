"""Joining and splitting (part of the shape family, listed in shape.py's METHODS): cat and
stack with their h/v/d/column variants, split, chunk, unbind, tensor_split, meshgrid."""
import numpy as np

from .primitive import primitive, Primitive, REGISTRY, PROMOTE, LINEAR
from ..tensor import Tensor, _wrap_dim
from .shape import slice_p, select_p, expand_p, view, reshape
from .shape_views import atleast_1d, atleast_2d, atleast_3d, _warn_once


# ----- cat and stack take any number of tensors: one primitive per count of inputs (the
# formulas name each input, so that the node saves nothing it does not read)
def _zeros(shape, like):
    return Tensor._make(np.zeros(shape, dtype=like._data.dtype))


def _cat_kernel(xp, *args):
    dim, parts = args[-2], args[-1]
    arrays = [a for a, p in zip(args, parts) if p is not None]
    if not arrays:  # only legacy empty tensors
        return xp.empty((0,), dtype=args[0].dtype)
    out = xp.concatenate(arrays, axis=dim)
    return out if out.flags.c_contiguous else xp.ascontiguousarray(out)


def _cat_part(g, dim, parts, i):
    if parts[i] is None:  # a skipped legacy empty tensor: an empty gradient
        return g.reshape(-1)[:0]
    start, length = parts[i]
    return slice_p(g, dim, start, start + length, 1, g.shape)


def _cat_jvp(tangents, out, dim, parts):
    ts = []
    for t, p in zip(tangents, parts):
        if t is None:
            shape = (0,) if p is None else out.shape[:dim] + (p[1],) + out.shape[dim + 1:]
            t = _zeros(shape, out)
        ts.append(t)
    return _cat_prim(len(ts))(*ts, dim, parts)


def _stack_jvp(tangents, out, dim):
    shape = out.shape[:dim] + out.shape[dim + 1:]
    ts = [_zeros(shape, out) if t is None else t for t in tangents]
    return _stack_prim(len(ts))(*ts, dim)


class _Nary(Primitive):
    """A primitive of many tensor inputs whose formulas share one code object: what each
    formula reads is worked out once, not once per input (cat of 10,000 rows)."""
    __slots__ = ()
    _uses_by_code = {}

    def _inputs_used_by(self, fn):
        code = fn.__code__  # (keyed by identity: hashing a code object hashes its names)
        hit = self._uses_by_code.get(id(code))
        if hit is None or hit[0] is not code:
            hit = self._uses_by_code[id(code)] = (code, Primitive._inputs_used_by(self, fn))
        return hit[1]


def _nary(name, node, k, forward, part, jvp, params):
    """A primitive of ``k`` tensor inputs: formula i is ``part(g, *params, i)``. Every
    input is named in the formulas' signature (so the node saves none of them: the
    formulas read only the gradient), and the k formulas share one compiled code object."""
    xs = ", ".join(f"x{i}" for i in range(k))
    ts = ", ".join(f"t{i}" for i in range(k))
    ps = ", ".join(params)
    env = {"part": part, "jvp": jvp}
    exec(f"def formula(i):\n    return lambda g, {xs}, out, {ps}: part(g, {ps}, i)\n"
         f"def tangent({ts}, {xs}, out, {ps}):\n    return jvp(({ts},), out, {ps})\n", env)
    vjp = tuple(env["formula"](i) for i in range(k))
    name = name if k == 2 else f"{name}[{k}]"
    p = _Nary(name, node, forward, vjp, env["tangent"], dtypes=PROMOTE)
    if k == 2:  # the registry lists one count of each
        if name in REGISTRY:
            raise ValueError(f"primitive {name!r} declared twice")
        REGISTRY[name] = p
    return p


_CAT, _STACK = {}, {}


def _cat_prim(k):
    p = _CAT.get(k)
    if p is None:
        p = _CAT[k] = _nary("cat", "CatBackward0", k, _cat_kernel, _cat_part, _cat_jvp,
                            ("dim", "parts"))
    return p


def _stack_prim(k):
    p = _STACK.get(k)
    if p is None:
        p = _STACK[k] = _nary("stack", "StackBackward0", k,
                              lambda xp, *args: xp.stack(args[:-1], axis=args[-1]),
                              lambda g, dim, i: select_p(g, dim, i, g.shape), _stack_jvp,
                              ("dim",))
    return p


for _k in range(1, 5):  # the common counts exist from the start (the registry lists k=2)
    _cat_prim(_k)
    _stack_prim(_k)


def _tensor_list(tensors, fn):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fn}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tuple(tensors)


def cat(tensors, dim=0, *, axis=None):
    tensors = _tensor_list(tensors, "cat")
    if axis is not None:
        dim = axis
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    # PyTorch skips 1-D empty tensors (legacy), except for the result's dtype
    kept = [i for i, t in enumerate(tensors) if t._data.shape != (0,)]
    if not kept:
        return _cat_prim(len(tensors))(*tensors, 0, (None,) * len(tensors))
    ref = tensors[kept[0]]._data.shape
    dim = _wrap_dim(dim, len(ref))
    parts, offset = [None] * len(tensors), 0
    for i in kept:
        shp = tensors[i]._data.shape
        if len(shp) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} "
                               f"and {len(shp)}")
        for d, (x, y) in enumerate(zip(ref, shp)):
            if d != dim and x != y:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. "
                                   f"Expected size {x} but got size {y} for tensor number {i} "
                                   "in the list.")
        parts[i] = (offset, shp[dim])
        offset += shp[dim]
    return _cat_prim(len(tensors))(*tensors, dim, tuple(parts))


def stack(tensors, dim=0):
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shp = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shp:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got "
                f"[{', '.join(map(str, shp))}] at entry 0 and "
                f"[{', '.join(map(str, t._data.shape))}] at entry {i}")
    return _stack_prim(len(tensors))(*tensors, _wrap_dim(dim, len(shp) + 1))


def _nonempty(tensors, fn):
    tensors = _tensor_list(tensors, fn)
    if not tensors:
        raise RuntimeError(f"{fn} expects a non-empty TensorList")
    return tensors


def hstack(tensors):
    ts = atleast_1d(_nonempty(tensors, "hstack"))
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1)


def vstack(tensors):
    return cat(atleast_2d(_nonempty(tensors, "vstack")), 0)


def dstack(tensors):
    return cat(atleast_3d(_nonempty(tensors, "dstack")), 2)


def column_stack(tensors):
    ts = _nonempty(tensors, "column_stack")
    return cat([reshape(t, t._data.size, 1) if t._data.ndim <= 1 else t for t in ts], 1)


# ----- splitting: views of the input whose pieces share one node (output_nr 0, 1, ...):
# one primitive per count of pieces; a single piece is a plain view under the same name
def _multi(name, node, k, forward, vjp):
    if k == 1:
        return None
    return primitive(name if k == 2 else f"{name}[{k}]", node, forward, (vjp,), LINEAR,
                     view=True, nout=k, register=k == 2)


def _split_kernel(xp, a, dim, bounds):
    lead = (slice(None),) * dim
    return tuple(a[lead + (slice(s, e),)] for s, e in zip(bounds, bounds[1:]))


def _unbind_kernel(xp, a, dim):
    lead = (slice(None),) * dim
    return tuple(a[lead + (i, Ellipsis)] for i in range(a.shape[dim]))  # (0-d: views too)


_SPLIT_KINDS = {  # name -> (node, kernel, vjp)
    "split": ("SplitBackward0", _split_kernel,
              lambda grads, a, outs, dim, bounds: cat(grads, dim)),
    "split_with_sizes": ("SplitWithSizesBackward0", _split_kernel,
                         lambda grads, a, outs, dim, bounds: cat(grads, dim)),
    "unbind": ("UnbindBackward0", _unbind_kernel,
               lambda grads, a, outs, dim: stack(grads, dim)),
}
_MULTI = {}
_ONE_PIECE = {"split": slice_p.variant("SplitBackward0"),
              "split_with_sizes": slice_p.variant("SplitWithSizesBackward0"),
              "unbind": select_p.variant("UnbindBackward0")}


def _multi_prim(name, k):
    p = _MULTI.get((name, k))
    if p is None:
        node, kernel, vjp = _SPLIT_KINDS[name]
        p = _MULTI[name, k] = _multi(name, node, k, kernel, vjp)
    return p


for _name in _SPLIT_KINDS:
    for _k in range(2, 5):
        _multi_prim(_name, _k)


def _pieces(name, a, dim, sizes):
    shp = a._data.shape
    if len(sizes) == 1:
        return (_ONE_PIECE[name](a, dim, 0, sizes[0], 1, shp),)
    bounds = [0]
    for n in sizes:
        bounds.append(bounds[-1] + n)
    return _multi_prim(name, len(sizes))(a, dim, tuple(bounds))


def split(tensor, split_size_or_sections=None, dim=0, *, split_size=None):
    if split_size_or_sections is None:  # the method names its argument split_size
        split_size_or_sections = split_size
    shp = tensor._data.shape
    if not shp:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = _wrap_dim(dim, len(shp))
    size = shp[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {dim}), but got "
                               f"split_sizes={sizes}")
        return _pieces("split_with_sizes", tensor, dim, sizes)
    n = int(split_size_or_sections)
    if n < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={n}")
    if n == 0 and size != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                           f"dimension size of {size}")
    count = max(-(-size // n), 1) if n else 1
    return _pieces("split", tensor, dim, [min(n, size - i * n) for i in range(count)])


def chunk(input, chunks, dim=0):
    shp = input._data.shape
    if not shp:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    dim = _wrap_dim(dim, len(shp))
    size = shp[dim]
    n = -(-size // chunks)
    if n == 0 and size == 0:
        return _pieces("split_with_sizes", input, dim, [0] * chunks)
    return split(input, n, dim)


def unbind(input, dim=0):
    shp = input._data.shape
    if not shp:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    dim = _wrap_dim(dim, len(shp))
    n = shp[dim]
    if n < 2:
        return tuple(_ONE_PIECE["unbind"](input, dim, i, shp) for i in range(n))
    return _multi_prim("unbind", n)(input, dim)


def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None,
                 tensor_indices_or_sections=None):
    for given in (sections, indices, tensor_indices_or_sections):
        if given is not None:
            indices_or_sections = given
    shp = input._data.shape
    if not shp:
        raise RuntimeError(f"tensor_split expected at least a 1-dimensional tensor, but got a "
                           f"tensor with {len(shp)} dims")
    arg = indices_or_sections
    if isinstance(arg, Tensor):
        if arg._data.dtype != np.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have "
                               f"dtype of long, but got {arg.dtype._legacy}")
        if arg._data.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {arg._data.ndim} dims")
        arg = arg.item() if arg._data.ndim == 0 else arg._data.tolist()
    dim = _wrap_dim(dim, len(shp))
    size = shp[dim]
    if isinstance(arg, (list, tuple)):
        bounds = [0] + [min(max(int(i) + size if i < 0 else int(i), 0), size) for i in arg]
        bounds.append(size)
    else:
        k = int(arg)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(size, k)
        bounds = [0]
        for i in range(k):
            bounds.append(bounds[-1] + q + (i < r))
    return tuple(slice_p(input, dim, s, max(s, e), 1, shp) for s, e in zip(bounds, bounds[1:]))


def _hvd_split(name, dim_of, min_dims):
    def fn(input, indices_or_sections=None, *, sections=None, indices=None):
        for given in (sections, indices):
            if given is not None:
                indices_or_sections = given
        nd = input._data.ndim
        if nd < min_dims:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} "
                               f"dimension, but got a tensor with {nd} dimensions!")
        dim = dim_of(nd)
        if isinstance(indices_or_sections, int) and (
                not indices_or_sections or input._data.shape[dim] % indices_or_sections):
            raise RuntimeError(
                f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                f"dimension {input._data.shape[dim]} is not divisible by the split_size "
                f"{indices_or_sections}!")
        return tensor_split(input, indices_or_sections, dim)
    fn.__name__ = name
    return fn


hsplit = _hvd_split("hsplit", lambda nd: 0 if nd == 1 else 1, 1)
vsplit = _hvd_split("vsplit", lambda nd: 0, 2)
dsplit = _hvd_split("dsplit", lambda nd: 2, 3)


# ----- meshgrid: each input viewed along its own axis, expanded to the grid
def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        _warn_once("torch.meshgrid: in an upcoming release, it will be required to pass the "
                   "indexing argument.")
        indexing = "ij"
    elif indexing not in ("xy", "ij"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f'received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
    if any(t._data.dtype != tensors[0]._data.dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t._data.size for t in ts)
    grids = []
    for i, t in enumerate(ts):
        v = view(t, tuple(-1 if j == i else 1 for j in range(len(ts))))
        grids.append(expand_p(v, shape, v._data.shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


concat = concatenate = cat
row_stack = vstack
__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack",
           "dstack", "column_stack", "split", "chunk", "unbind", "tensor_split", "hsplit",
           "vsplit", "dsplit", "meshgrid"]
METHODS = {"split": split, "chunk": chunk, "unbind": unbind, "tensor_split": tensor_split,
           "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit}
