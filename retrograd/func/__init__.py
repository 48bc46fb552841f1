"""torch.func: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, functional_call and
vmap. Reverse mode runs the ordinary engine (on physical tensors when inside vmap, where
the examples are independent: each input is expanded to every active vmap level, so the
gradient of the batched output's sum is the per-example gradient); forward mode uses
internal dual levels (nestable, unlike the public API); vmap batches (func/_batching.py)."""
import functools

from ..tensor import Tensor
from ..autograd import forward_ad as _fw
from ..autograd.grad_mode import enable_grad, no_grad
from .. import _creation
from .. import random as _random
from ..ops import shape as _shape
from . import _batching as _b
from ._batching import BatchedTensor, wrap, unwrap, expand_to, fallback_hits

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian",
           "functional_call", "vmap"]

_fallback_ops = _b.fallback_ops()  # primitives with no batching rule (per-example loop)


# ----- small pytrees: tuples, lists and dicts of leaves

def _flatten(x):
    if isinstance(x, (tuple, list)):
        leaves, specs = [], []
        for v in x:
            lv, sp = _flatten(v)
            leaves += lv
            specs.append(sp)
        return leaves, (type(x), specs)
    if isinstance(x, dict):
        leaves, specs = [], []
        for k, v in x.items():
            lv, sp = _flatten(v)
            leaves += lv
            specs.append((k, sp))
        return leaves, (dict, specs)
    return [x], None


def _unflatten(leaves, spec):
    it = iter(leaves)

    def build(sp):
        if sp is None:
            return next(it)
        kind, subs = sp
        if kind is dict:
            return {k: build(s) for k, s in subs}
        return kind(build(s) for s in subs)
    return build(spec)


def _spec_str(spec):
    if spec is None:
        return "*"
    kind, subs = spec
    if kind is dict:
        return "{" + ", ".join(f"{k!r}: {_spec_str(s)}" for k, s in subs) + "}"
    inner = ", ".join(_spec_str(s) for s in subs)
    return f"({inner},)" if kind is tuple and len(subs) == 1 else \
        (f"({inner})" if kind is tuple else f"[{inner}]")


def _broadcast_dims(dims, spec):
    """in_dims/out_dims given for a (sub)tree: one value per leaf, or None on mismatch."""
    if spec is None:
        return [dims] if not isinstance(dims, (tuple, list, dict)) else None
    if not isinstance(dims, (tuple, list, dict)):
        return [dims] * _count_leaves(spec)
    kind, subs = spec
    if kind is dict:
        if not isinstance(dims, dict) or set(dims) != {k for k, _ in subs}:
            return None
        parts = [_broadcast_dims(dims[k], s) for k, s in subs]
    else:
        if isinstance(dims, dict) or len(dims) != len(subs):
            return None
        parts = [_broadcast_dims(d, s) for d, s in zip(dims, subs)]
    if any(p is None for p in parts):
        return None
    return [d for p in parts for d in p]


def _count_leaves(spec):
    if spec is None:
        return 1
    return sum(_count_leaves(s if spec[0] is not dict else s[1]) for s in spec[1])


def _name(func):
    return getattr(func, "__name__", repr(func))


# ----- vmap

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
    return _vmap_level(func, leaves, spec, dims, out_dims, size, kwargs)


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


# ----- reverse mode

def _active():
    return tuple(lv for lv, _ in _b.LEVELS), dict(_b.LEVELS)


def _peel(t, levels, bs):
    """``t`` batched at ``levels`` (expanded where it is not), those levels turned into
    leading logical dims: what the engine sees as the gradient of a physical output."""
    p, tlv = unwrap(t)
    full = tuple(sorted(set(tlv) | set(levels)))
    if tlv != full:
        p = expand_to(t, full, bs)
    rest = tuple(x for x in full if x not in levels)
    order = [full.index(x) for x in rest] + [full.index(x) for x in levels]
    order += list(range(len(full), p.dim()))
    if order != list(range(p.dim())):
        p = _shape.permute_p(p, tuple(order))
    return wrap(p, rest)


def _unpeel(t, levels):
    """The inverse of _peel: ``t``'s leading logical dims become the batch dims of
    ``levels``."""
    p, tlv = unwrap(t)
    have = tlv + tuple(levels)
    full = tuple(sorted(have))
    order = [have.index(x) for x in full] + list(range(len(full), p.dim()))
    if order != list(range(p.dim())):
        p = _shape.permute_p(p, tuple(order))
    return wrap(p, full)


def _diff_inputs(xs, levels, bs):
    """Each differentiated input as a fresh node of the engine's graph, expanded to every
    active vmap level (so its gradient is per example), and the physical tensors."""
    inner, phys = [], []
    tracking = False
    for x in xs:
        if not isinstance(x, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(x)}")
        p, lv = unwrap(x)
        if lv != levels:
            p = expand_to(x, levels, bs)
        if p.requires_grad:
            tracking = True
            p = _shape.alias_p(p)
        else:
            p = _detach(p).requires_grad_()
        phys.append(p)
        inner.append(wrap(p, levels))
    return inner, phys, tracking


def _vjp_phys(outs, phys_in, cts, levels, bs, create_graph):
    """Gradients of outputs (batched at ``levels`` or fewer) w.r.t. the physical inputs,
    given cotangents (which may be batched at later, outer-to-this vjp, levels)."""
    from ..autograd import grad as _agrad
    o_phys, g_out = [], []
    for o, ct in zip(outs, cts):
        p, lv = unwrap(o)
        if not p.requires_grad:
            continue
        o_phys.append(p)
        g_out.append(_peel(ct, lv, bs))
    if o_phys:
        grads = _agrad(o_phys, phys_in, g_out, retain_graph=True, create_graph=create_graph,
                       allow_unused=True)
    else:
        grads = [None] * len(phys_in)
    res = []
    for g, p in zip(grads, phys_in):
        if g is None:
            g = _creation.zeros_like(p)
        elif not create_graph:
            g = _detach(g)
        res.append(_unpeel(g, levels))
    return res


def _batched_grad(outputs, inputs, grad_outputs, create_graph, retain_graph):
    """autograd.grad for outputs/inputs that are BatchedTensors: the engine runs on their
    physical tensors, the gradients given for the outputs (and returned for the inputs)
    moved between batch dims and logical dims. Each input must be batched at least at the
    levels of the outputs (the examples are then independent)."""
    from ..autograd import grad as _agrad
    bs = _b.sizes()
    o_phys, g_phys = [], []
    for o, g in zip(outputs, grad_outputs):
        p, lv = unwrap(o)
        if g is None:
            if o.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = _creation.ones_like(o)
        o_phys.append(p)
        g_phys.append(_peel(g, lv, bs))
    in_phys = [unwrap(t)[0] for t in inputs]
    grads = _agrad(o_phys, in_phys, g_phys, retain_graph=retain_graph,
                   create_graph=create_graph, allow_unused=True)
    return tuple(None if g is None else _unpeel(g, unwrap(t)[1])
                 for g, t in zip(grads, inputs))


def _detach(t):
    """detach(), keeping forward-mode tangents (forward-over-reverse: jacfwd(jacrev))."""
    p, lv = unwrap(t)
    if p._fw and _fw._live_tangents(p):
        with no_grad():
            p = _shape.alias_p(p)
    else:
        p = p.detach()
    return wrap(p, lv)


def _detach_tree(x):
    leaves, spec = _flatten(x)
    return _unflatten([_detach(v) if isinstance(v, Tensor) else v for v in leaves], spec)


def _argnums_check(argnums, n):
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        nums = (argnums,)
    elif isinstance(argnums, tuple) and all(isinstance(a, int) for a in argnums):
        if not argnums:
            raise RuntimeError("argnums must be non-empty")
        nums = argnums
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
    return tuple(a % n for a in nums)


def grad_and_value(func, argnums=0, has_aux=False):
    """(gradient, value) of a scalar function, as torch.func.grad_and_value."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums_check(argnums, len(args))
        levels, bs = _active()
        args = list(args)
        flat_specs = []
        all_phys = []
        tracking = False
        for a in nums:
            leaves, spec = _flatten(args[a])
            inner, phys, tr = _diff_inputs(leaves, levels, bs)
            tracking = tracking or tr
            args[a] = _unflatten(inner, spec)
            flat_specs.append((spec, len(phys)))
            all_phys += phys
        create_graph = tracking
        with enable_grad():
            out = func(*args, **kwargs)
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("grad_and_value(f)(*args): output of function f should be "
                                   "a tuple: (output, aux) if has_aux is True")
            out, aux = out
        if not isinstance(out, Tensor):
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                               f"Tensor, got {type(out)}")
        if out.dim() != 0:
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                               f"scalar Tensor, got tensor with {out.dim()} dims. Maybe you "
                               "wanted to use the vjp or jacrev APIs instead?")
        grads = _vjp_phys([out], all_phys, [_creation.ones_like(out)], levels, bs,
                          create_graph)
        res, k = [], 0
        for spec, n in flat_specs:
            res.append(_unflatten(grads[k:k + n], spec))
            k += n
        g = res[0] if isinstance(argnums, int) else tuple(res)
        if not create_graph:
            out = _detach(out)
            aux = _detach_tree(aux)
        return (g, (out, aux)) if has_aux else (g, out)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of a scalar function w.r.t. its ``argnums`` inputs (torch.func.grad)."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn): vjp_fn(cotangents) gives the gradients w.r.t. primals."""
    levels, bs = _active()
    leaves, spec = _flatten(primals)
    inner, phys, tracking = _diff_inputs(leaves, levels, bs)
    with enable_grad():
        out = func(*_unflatten(inner, spec))
    aux = None
    if has_aux:
        if not (isinstance(out, tuple) and len(out) == 2):
            raise RuntimeError("vjp(f, *primals): output of function f should be a tuple: "
                               "(output, aux) if has_aux is True")
        out, aux = out
    outs, ospec = _flatten(out)
    for o in outs:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"vjp(f, *primals): expected f(*primals) to return only "
                               f"tensors, got unsupported type {type(o)}")

    def vjp_fn(*cotangents):
        cts = cotangents[0] if len(cotangents) == 1 else cotangents
        ct_leaves, ct_spec = _flatten(cts)
        if ct_spec != ospec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure "
                f"of outputs to the function. cotangents: {_spec_str(ct_spec)}, primal "
                f"output: {_spec_str(ospec)}")
        for i, (o, ct) in enumerate(zip(outs, ct_leaves)):
            if tuple(ct.shape) != tuple(o.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of "
                    f"torch.Size([{', '.join(map(str, ct.shape))}]) and output[{i}] has a "
                    f"shape of torch.Size([{', '.join(map(str, o.shape))}]).")
        all_bs = dict(bs)
        all_bs.update(_b.sizes())
        grads = _vjp_phys(outs, phys, ct_leaves, levels, all_bs,
                          tracking)
        return _unflatten(grads, spec)

    if not tracking:
        out = _unflatten([_detach(o) for o in outs], ospec)
        aux = _detach_tree(aux)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


# ----- forward mode

def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J tangents), by forward-mode AD (torch.func.jvp)."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. "
                           "it should be valid to call f(*primals).")
    p_leaves, p_spec = _flatten(primals)
    t_leaves, t_spec = _flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected primals and tangents to have the same python "
            "structure. For example, if primals is a tuple of 3 tensors, tangents also must "
            f"be. Got primals with structure {_spec_str(p_spec)} and tangents with structure "
            f"{_spec_str(t_spec)}")
    level = _fw._new_level()
    try:
        duals = [_fw._make_dual(p, t, level) for p, t in zip(p_leaves, t_leaves)]
        out = func(*_unflatten(duals, p_spec))
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("jvp(f, primals, tangents): output of function f should be "
                                   "a tuple: (output, aux) if has_aux is True")
            out, aux = out
        outs, ospec = _flatten(out)
        prim_out, tan_out = [], []
        for o in outs:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"jvp(f, primals, tangents): expected f(*primals) to return "
                                   f"only tensors, got unsupported type {type(o)}")
            p, t = _fw._unpack(o, level)
            prim_out.append(p)
            tan_out.append(_creation.zeros_like(p) if t is None else t)
    finally:
        _fw._drop_level(level)
    res = (_unflatten(prim_out, ospec), _unflatten(tan_out, ospec))
    return res + (aux,) if has_aux else res


def _basis(n, dtype, offsets, shapes):
    eye = _creation.eye(n, dtype=dtype)
    return [eye[:, off:off + k].reshape((n,) + tuple(s))
            for off, k, s in zip(offsets, [_numel(s) for s in shapes], shapes)]


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _offsets(shapes):
    offs, k = [], 0
    for s in shapes:
        offs.append(k)
        k += _numel(s)
    return offs, k


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """The Jacobian by reverse mode: vmap of vjp over the outputs' standard basis."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums_check(argnums, len(args))

        def f(*diff):
            full = list(args)
            for a, d in zip(nums, diff):
                full[a] = d
            return func(*full, **kwargs)
        res = vjp(f, *(args[a] for a in nums), has_aux=has_aux)
        out, vjp_fn = res[0], res[1]
        outs, ospec = _flatten(out)
        shapes = [tuple(o.shape) for o in outs]
        offs, n = _offsets(shapes)
        basis = _basis(n, outs[0].dtype, offs, shapes)
        grads = vmap(lambda *b: vjp_fn(_unflatten(list(b), ospec)),
                     chunk_size=chunk_size)(*basis)
        # grads: per diff arg (a pytree), each leaf [n, *in.shape]
        per_out = []
        for o, off, shp in zip(outs, offs, shapes):
            k = _numel(shp)
            per_arg = []
            for g in grads:
                gl, gspec = _flatten(g)
                per_arg.append(_unflatten([x[off:off + k].reshape(shp + tuple(x.shape[1:]))
                                           for x in gl], gspec))
            per_out.append(per_arg[0] if isinstance(argnums, int) else tuple(per_arg))
        jac = _unflatten(per_out, ospec)
        return (jac, res[2]) if has_aux else jac
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian by forward mode: vmap of jvp over the inputs' standard basis."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums_check(argnums, len(args))
        diff = [args[a] for a in nums]
        leaves, dspec = _flatten(tuple(diff))
        shapes = [tuple(x.shape) for x in leaves]
        offs, n = _offsets(shapes)
        basis = _basis(n, leaves[0].dtype, offs, shapes)

        def push(*tans):
            def f(*d):
                full = list(args)
                for a, x in zip(nums, _unflatten(list(d), dspec)):
                    full[a] = x
                return func(*full, **kwargs)
            r = jvp(f, tuple(leaves), tuple(tans), has_aux=has_aux)
            return r[1], r[0], (r[2] if has_aux else None)
        tan, prim, aux = vmap(push, out_dims=(0, 0, None) if not has_aux else 0,
                              randomness=randomness)(*basis)
        touts, ospec = _flatten(tan)
        per_out = []
        for t in touts:
            oshape = tuple(t.shape[1:])
            per_in = []
            for off, shp in zip(offs, shapes):
                k = _numel(shp)
                piece = t[off:off + k]
                piece = piece.permute(*range(1, piece.dim()), 0) if piece.dim() > 1 else piece
                per_in.append(piece.reshape(oshape + shp))
            per_in = _unflatten(per_in, dspec)
            per_out.append(per_in[0] if isinstance(argnums, int) else per_in)
        jac = _unflatten(per_out, ospec)
        if has_aux:
            aux_leaves, aspec = _flatten(aux)
            return jac, _unflatten([a[0] if isinstance(a, Tensor) else a
                                    for a in aux_leaves], aspec)
        return jac
    return wrapper


def hessian(func, argnums=0):
    """The Hessian: jacfwd of jacrev (forward-over-reverse), as torch.func.hessian."""
    return jacfwd(jacrev(func, argnums), argnums)


# ----- modules

def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """Call ``module`` with its parameters and buffers replaced by the given tensors (by
    dotted name), restoring them afterwards (torch.func.functional_call)."""
    if isinstance(parameter_and_buffer_dicts, dict):
        merged = dict(parameter_and_buffer_dicts)
    else:
        merged = {}
        for d in parameter_and_buffer_dicts:
            for k, v in d.items():
                if k in merged:
                    raise ValueError(f"{k} appeared in multiple dictionaries; behavior of "
                                     "functional call is ambiguous")
                merged[k] = v
    if strict:
        names = set()
        for getter in ("named_parameters", "named_buffers"):
            if hasattr(module, getter):
                names.update(n for n, _ in getattr(module, getter)())
        missing = sorted(names - set(merged))
        unexpected = sorted(set(merged) - names)
        if missing or unexpected:
            msg = [f"Error(s) in reparametrizing for {type(module).__name__}:"]
            if unexpected:
                msg.append("\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
            if missing:
                msg.append("\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
            raise RuntimeError("\n".join(msg))
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    saved = []
    try:
        for name, value in merged.items():
            *path, last = name.split(".")
            obj = module
            for p in path:
                obj = getattr(obj, p)
            saved.append((obj, last, obj.__dict__.get(last, _MISSING) if hasattr(obj, "__dict__")
                          else _MISSING, getattr(obj, last, _MISSING)))
            _setattr(obj, last, value)
        return module(*args, **(kwargs or {}))
    finally:
        for obj, last, own, old in reversed(saved):
            if old is _MISSING:
                try:
                    delattr(obj, last)
                except AttributeError:
                    pass
            else:
                _setattr(obj, last, old)


_MISSING = object()


def _setattr(obj, name, value):
    # a module's own containers (nn.Module's _parameters/_buffers) take precedence
    for store in ("_parameters", "_buffers"):
        d = getattr(obj, "__dict__", {}).get(store)
        if isinstance(d, dict) and name in d:
            d[name] = value
            return
    object.__setattr__(obj, name, value) if not hasattr(type(obj), "__setattr__") or \
        type(obj).__setattr__ is object.__setattr__ else setattr(obj, name, value)
