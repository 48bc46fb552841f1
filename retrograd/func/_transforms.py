"""grad, grad_and_value, vjp (reverse mode) and jvp, jacrev, jacfwd, hessian. Reverse mode
runs the ordinary engine on physical tensors: inside vmap each differentiated input is
expanded to every active level, so the gradient of the batched output is per example."""
import functools

from ..tensor import Tensor
from ..autograd import forward_ad as _fw
from ..autograd.grad_mode import enable_grad, no_grad
from .. import _creation
from ..ops import shape as _shape
from . import _batching as _b
from ._batching import wrap, unwrap, expand_to
from ._pytree import _flatten, _unflatten, _spec_str
from ._vmap import vmap


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
    out_lv = set(x for o in outputs for x in unwrap(o)[1])
    for t in inputs:
        if not out_lv <= set(unwrap(t)[1]):
            raise RuntimeError(
                "vmap: autograd.grad with respect to a tensor that is not batched like the "
                "outputs would sum the examples' gradients; differentiate with "
                "retrograd.func.grad/vjp inside vmap instead")
    in_phys = [unwrap(t)[0] for t in inputs]
    grads = _agrad(o_phys, in_phys, g_phys, retain_graph=retain_graph,
                   create_graph=create_graph, allow_unused=True)
    return tuple(None if g is None else _unpeel(g, unwrap(t)[1])
                 for g, t in zip(grads, inputs))


def _detach(t):
    """detach(), keeping forward-mode tangents (forward-over-reverse: jacfwd(jacrev))."""
    p, lv = unwrap(t)
    if getattr(p, "_fw", None) and _fw._live_tangents(p):
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


def _basis(n, dtypes, offsets, shapes):
    """The standard basis of n directions, split into one chunk per tensor (its dtype)."""
    eye = _creation.eye(n, dtype=dtypes[0])
    return [eye[:, off:off + k].reshape((n,) + tuple(s)).to(dt)
            for off, k, s, dt in zip(offsets, [_numel(s) for s in shapes], shapes, dtypes)]


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
        basis = _basis(n, [o.dtype for o in outs], offs, shapes)
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
        basis = _basis(n, [x.dtype for x in leaves], offs, shapes)

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
