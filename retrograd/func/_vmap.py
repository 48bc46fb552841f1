"""vmap: in_dims/out_dims handling (PyTorch's checks and messages), the level stack, moving
the mapped dim to the front on entry and to out_dims on exit, chunks, randomness."""
import functools
import warnings

from ..tensor import Tensor
from ..autograd import forward_ad as _fw
from .. import random as _random
from ..ops import shape as _shape
from . import _batching as _b
from ._batching import wrap, unwrap
from ._pytree import _flatten, _unflatten, _spec_str, _broadcast_dims, _name


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Vectorize ``func`` over dim ``in_dims`` of its inputs (PyTorch's torch.func.vmap)."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        _RANDOMNESS.append(randomness)
        _random._vmap_check[0] = _check_randomness
        try:
            return _vmap_call(func, in_dims, out_dims, chunk_size, args, kwargs)
        finally:
            _RANDOMNESS.pop()
            if not _RANDOMNESS:
                _random._vmap_check[0] = None
    return wrapped


_RANDOMNESS = []  # the randomness= of each running vmap, outermost first


def _check_randomness():
    if "error" in _RANDOMNESS:
        raise RuntimeError("vmap: called random operation while in randomness error mode. "
                           "Please either use the 'same' or 'different' randomness flags on "
                           "vmap or perform the randomness operation out of vmap")
    if "different" in _RANDOMNESS:
        raise NotImplementedError(
            "retrograd: vmap(randomness='different') is not supported yet (random values "
            "would have to be drawn per example); use randomness='same', or draw the random "
            "tensor outside vmap with a batch dimension and pass it in")


def _vmap_call(func, in_dims, out_dims, chunk_size, args, kwargs):
    name = _name(func)
    where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
    if not isinstance(in_dims, (int, tuple)) and in_dims is not None:
        raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) "
                         f"tuple matching the structure of inputs, got: {type(in_dims)}.")
    if not args:
        raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add "
                         "inputs, or you are trying to vmap over a function with no inputs. "
                         "The latter is unsupported.")
    leaves, spec = _flatten(args)
    dims = _broadcast_dims(in_dims, spec)
    if dims is None:
        raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`. "
                         f"in_dims has structure {_spec_str(_flatten(in_dims)[1])} but inputs "
                         f"has structure {_spec_str(spec)}.")
    size = None
    seen = []
    for x, d in zip(leaves, dims):
        if d is None:
            continue
        if not isinstance(d, int) or isinstance(d, bool):
            raise ValueError(f"{where}: Got in_dim={d} for an input but in_dim must be either "
                             "an integer dimension or None.")
        if not isinstance(x, Tensor):
            raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type "
                             f"{type(x)}. We cannot vmap over non-Tensor arguments, please use "
                             "None as the respective in_dim")
        n = x.dim()
        if not -n <= d < n:
            raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a "
                             f"Tensor of dimensionality {n} so expected in_dim to satisfy "
                             f"-{n} <= in_dim < {n}.")
        seen.append(x.shape[d])
    if not seen:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if len(set(seen)) > 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {seen} for the mapped dimension")
    size = seen[0]
    if chunk_size is not None and size > chunk_size:
        return _chunked(func, leaves, spec, dims, out_dims, chunk_size, size, kwargs)
    versions = [x._version for x in leaves if isinstance(x, Tensor)]
    try:
        return _vmap_level(func, leaves, spec, dims, out_dims, size, kwargs)
    except _b.DataDependentError as e:
        # an op's Python code read tensor values (argmax-like index computations, sort,
        # ...): call the function once per example, unless the failed attempt already
        # wrote into an input (running it again would write twice)
        if [x._version for x in leaves if isinstance(x, Tensor)] != versions:
            raise
        del e
        warnings.warn(f"vmap({_name(func)}): an operation read the values of a batched tensor "
                      "in Python (no batching rule can see them); calling the function once "
                      "per example instead (a performance drop, not a different result)",
                      UserWarning, stacklevel=3)
        _b.fallback_hits["<per-example call of the vmapped function>"] = \
            _b.fallback_hits.get("<per-example call of the vmapped function>", 0) + 1
        return _loop_call(func, leaves, spec, dims, out_dims, size, kwargs)


def _loop_call(func, leaves, spec, dims, out_dims, size, kwargs):
    """vmap by calling ``func`` on each example and stacking the outputs at out_dims."""
    per = []
    ospec = None
    for i in range(size):
        ex = [x if d is None else x.select(d, i) for x, d in zip(leaves, dims)]
        outs, ospec = _flatten(func(*_unflatten(ex, spec), **kwargs))
        per.append(outs)
    if not per:
        raise RuntimeError("vmap: the function read tensor values and the batch is empty: "
                           "retrograd cannot infer its outputs")
    odims = _broadcast_dims(out_dims, ospec)
    res = []
    for k, d in enumerate(odims):
        vals = [p[k] for p in per]
        if d is None or not isinstance(vals[0], Tensor):
            res.append(vals[0])
            continue
        shapes = {tuple(v.shape) for v in vals}
        if len(shapes) > 1:
            raise RuntimeError("vmap: the examples' outputs have different shapes "
                               f"({' and '.join(map(str, sorted(shapes)[:2]))}): an output "
                               "shape that depends on the values cannot be batched")
        st = _b._stacker(len(vals))(*vals)
        d = d % st.dim()
        if d:
            st = _shape.permute_p(st, tuple(range(1, d + 1)) + (0,) + tuple(range(d + 1, st.dim())))
        res.append(st)
    return _unflatten(res, ospec)


def _vmap_level(func, leaves, spec, dims, out_dims, size, kwargs):
    name = _name(func)
    lvl = _b._next[0]
    _b._next[0] += 1
    _b.LEVELS.append((lvl, size))
    _fw._vmap_depth[0] += 1
    _fw._update_hook()
    try:
        batched = [x if d is None else _enter(x, d, lvl) for x, d in zip(leaves, dims)]
        out = func(*_unflatten(batched, spec), **kwargs)
        outs, ospec = _flatten(out)
        odims = _broadcast_dims(out_dims, ospec)
        if odims is None:
            raise ValueError(
                f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible "
                f"with the structure of `outputs`. out_dims has structure "
                f"{_spec_str(_flatten(out_dims)[1])} but outputs has structure "
                f"{_spec_str(ospec)}.")
        results = [_exit(o, d, lvl, size, name) for o, d in zip(outs, odims)]
    finally:
        _b.LEVELS.pop()
        _fw._vmap_depth[0] -= 1
        if not _b.LEVELS:
            _b._next[0] = 1
        _fw._update_hook()
    return _unflatten(results, ospec)


def _enter(x, d, lvl):
    phys, lv = unwrap(x)
    nb = len(lv)
    d = d % x.dim()
    order = list(range(phys.dim()))
    order.insert(nb, order.pop(nb + d))
    if order != list(range(phys.dim())):
        phys = _shape.permute_p(phys, tuple(order))
    return wrap(phys, lv + (lvl,))


def _exit(o, d, lvl, size, name):
    if not isinstance(o, Tensor):
        if d is None:
            return o
        raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                         f"{type(o)}. Did you mean to set out_dims= to None for output?")
    phys, lv = unwrap(o)
    if lvl not in lv:
        if d is None:
            return o
        r = o.dim()
        from ..tensor import _wrap_dim
        d = _wrap_dim(d, r + 1)
        # an output that does not depend on the batch: the same value for every example
        return o.unsqueeze(d).expand(o.shape[:d] + (size,) + o.shape[d:])
    if d is None:
        raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when "
                         "out_dim is None")
    from ..tensor import _wrap_dim
    nb = len(lv)
    d = _wrap_dim(d, o.dim() + 1)
    i = lv.index(lvl)
    order = [j for j in range(nb) if j != i]
    logical = list(range(nb, phys.dim()))
    logical.insert(d, i)
    order += logical
    if order != list(range(phys.dim())):
        phys = _shape.permute_p(phys, tuple(order))
    return wrap(phys, lv[:i] + lv[i + 1:])


def _chunked(func, leaves, spec, dims, out_dims, chunk, size, kwargs):
    parts = []
    for start in range(0, size, chunk):
        sub = [x if d is None else _narrow(x, d, start, min(start + chunk, size))
               for x, d in zip(leaves, dims)]
        parts.append(_vmap_level(func, sub, spec, dims, out_dims, min(chunk, size - start),
                                 kwargs))
    flat = [_flatten(p)[0] for p in parts]
    ospec = _flatten(parts[0])[1]
    odims = _broadcast_dims(out_dims, ospec)
    res = [pieces[0] if d is None else _b.concat(list(pieces), d)
           for pieces, d in zip(zip(*flat), odims)]
    return _unflatten(res, ospec)


def _narrow(x, d, start, stop):
    d = d % x.dim()
    return x[(slice(None),) * d + (slice(start, stop),)]
