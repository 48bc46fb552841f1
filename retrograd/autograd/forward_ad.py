"""Forward-mode AD (torch.autograd.forward_ad): dual levels, make_dual/unpack_dual, and the
dispatcher every primitive call goes through while a dual level or a vmap is active: it
runs the primitive, then each input tangent's JVP formula (the primitive's own stanza)."""
import collections

from ..ops import primitive as _prim_mod
from ..tensor import Tensor
from . import function as _function

__all__ = ["dual_level", "make_dual", "unpack_dual", "enter_dual_level", "exit_dual_level",
           "UnpackedDualTensor"]

_LIVE = []  # live dual levels, innermost last (torch.func.jvp nests them; the public API not)
_current_level = -1  # PyTorch's public level: -1 when none, else 0 (one at a time)
_public = [None]  # the internal id of the public level
_next_level = [0]
_VISIBLE = [float("inf")]  # while level L's JVP formula runs, levels >= L are hidden
_batching = [None]  # func's batched-call handler, and how deep vmaps are nested
_vmap_depth = [0]
_INF = float("inf")


class UnpackedDualTensor(collections.namedtuple("UnpackedDualTensor", ["primal", "tangent"])):
    """What unpack_dual returns: ``.primal`` and ``.tangent`` (None when there is none)."""


def _update_hook():
    active = bool(_LIVE or _vmap_depth[0])
    _prim_mod._hook = _dispatch if active else None
    _function._route[0] = function_apply if active else None


def _new_level():
    lvl = _next_level[0]
    _next_level[0] += 1
    _LIVE.append(lvl)
    _update_hook()
    return lvl


def _drop_level(lvl):
    _LIVE.remove(lvl)  # (ids are never reused: a stale tangent cannot come back to life)
    _update_hook()


def enter_dual_level():
    """Start a new dual level (only one at a time, as in PyTorch) and return its index."""
    global _current_level
    if _current_level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _public[0] = _new_level()
    _current_level = 0
    return _current_level


def exit_dual_level(*, level=None):
    """End the current dual level: every tangent it gave is dropped."""
    global _current_level
    if level is None:
        level = _current_level
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    if level != _current_level:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    _drop_level(_public[0])
    _public[0] = None
    _current_level = -1


class dual_level:
    """Context manager for forward-mode AD: tangents given by make_dual inside it live
    until it exits."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()


def _tangent(t, level):
    fw = getattr(t, "_fw", None)
    if fw is None:
        return None
    return fw.get(level)


def _live_tangents(t):
    """{level: tangent} of the live levels visible now."""
    fw = getattr(t, "_fw", None)
    if not fw:
        return None
    vis = _VISIBLE[0]
    live = {k: v for k, v in fw.items() if k < vis and k in _LIVE}
    return live or None


def _public_tangent(t):
    """The tangent at the public dual level, for printing."""
    return _tangent(t, _public[0]) if _current_level >= 0 else None


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` carrying ``tangent`` as its forward-mode derivative."""
    if level is None:
        level = _current_level
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, "
                           "make sure to enter_dual_level() first.")
    if level != _current_level:
        raise RuntimeError("Invalid level given to _make_dual")
    return _make_dual(tensor, tangent, _public[0])


def _make_dual(tensor, tangent, level):
    if not tensor.is_floating_point():
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not tangent.is_floating_point():
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            f"original Tensor, this is not supported. Tensor is of size "
            f"[{', '.join(map(str, tensor.shape))}] while the given forward gradient is of "
            f"size [{', '.join(map(str, tangent.shape))}].")
    if _tangent(tensor, level) is not None and level in _LIVE:
        raise RuntimeError(
            "Making a dual Tensor based on a Tensor that already has a forward gradient at "
            f"the same level {0 if level == _public[0] else level} is not supported.")
    if hasattr(tensor, "_lv") or hasattr(tangent, "_lv"):
        from ..func._batching import make_dual_batched
        return make_dual_batched(tensor, tangent, level, _set_tangent)
    from ..ops.shape import view_p
    out = view_p(tensor, tensor._data.shape, tensor._data.shape)  # keeps other levels
    _set_tangent(out, level, tangent)
    return out


def _set_tangent(out, level, tangent):
    fw = getattr(out, "_fw", None)
    out._fw = {level: tangent} if fw is None else {**fw, level: tangent}


def unpack_dual(tensor, *, level=None):
    """(primal, tangent) of a dual tensor: the primal is a view without the tangent; the
    tangent is None when the tensor has none at this level."""
    if level is None:
        level = _current_level
    if level < 0 or level != _current_level:
        return UnpackedDualTensor(tensor, None)
    return _unpack(tensor, _public[0])


def _unpack(tensor, level):
    if hasattr(tensor, "_lv"):
        from ..func._batching import unpack_batched
        return UnpackedDualTensor(*unpack_batched(tensor, level, _unpack))
    tangent = _tangent(tensor, level)
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    from ..ops.shape import alias_p
    old = _VISIBLE[0]
    _VISIBLE[0] = min(old, level)  # the primal drops this level's tangent (and inner ones)
    try:
        primal = alias_p(tensor)
    finally:
        _VISIBLE[0] = old
    return UnpackedDualTensor(primal, tangent)


def _raw(prim, args):
    """The primitive's own call, with the dispatcher off (it runs one kernel and records
    one node; it calls no other primitive)."""
    hook = _prim_mod._hook
    _prim_mod._hook = None
    try:
        return prim.call(*args)
    finally:
        _prim_mod._hook = hook


def _dispatch(prim, args):
    handler = _batching[0]
    if handler is not None and _vmap_depth[0]:
        for a in args:
            if hasattr(a, "_lv"):
                return handler(prim, args)
    if not _LIVE:
        return _raw(prim, args)
    nin = prim.nin
    levels = None

    for x in args[:nin]:
        if isinstance(x, Tensor) and getattr(x, "_fw", None):
            live = _live_tangents(x)
            if live:
                levels = set(live) if levels is None else levels | set(live)
    out = _raw(prim, args)
    if levels is None:
        return out
    multi = isinstance(out, tuple)
    inputs, params = args[:nin], args[nin:]
    for lvl in sorted(levels):
        tangents = [_tangent(x, lvl) if isinstance(x, Tensor) else None for x in inputs]
        if prim.jvp is None:
            if not prim.differentiable:
                continue
            raise NotImplementedError(
                f"Trying to use forward AD with {prim.name} that does not support it because "
                "it has not been implemented yet.")
        old = _VISIBLE[0]
        _VISIBLE[0] = lvl
        try:
            result = prim.jvp_apply(tangents, inputs, out, params)
        finally:
            _VISIBLE[0] = old
        if multi:
            for o, t in zip(out, result):
                _attach(o, lvl, t)
        else:
            _attach(out, lvl, result)
    for o in (out if multi else (out,)):
        node = o.grad_fn
        fw = getattr(o, "_fw", None)
        if fw is not None and node is not None and getattr(node, "_saved", None):
            store = getattr(node, "_out_fw", None)
            if store is None:
                store = node._out_fw = {}
            store[o._output_nr] = fw
    return out


def _attach(out, lvl, t):
    if t is None or not out.is_floating_point():
        return
    if tuple(t.shape) != tuple(out.shape):
        t = t.expand(out.shape)
    _set_tangent(out, lvl, t)


def tangent_levels(inputs):
    """The live, visible dual levels at which some of ``inputs`` has a tangent, in the order
    their JVPs must run (outermost first). Empty outside any dual level."""
    if not _LIVE:
        return []
    levels = set()
    for x in inputs:
        if isinstance(x, Tensor) and getattr(x, "_fw", None):
            live = _live_tangents(x)
            if live:
                levels.update(live)
    return sorted(levels)


def apply_jvp(inputs, outputs, jvp):
    """Forward-mode AD for an op that is not a primitive (autograd.Function with a ``jvp``):
    after its forward, call ``jvp(*input_tangents)`` (None for an input without one) at
    each dual level in use and attach the results (one per output, None = zero) to
    ``outputs``, as the primitive dispatcher does."""
    outs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    for lvl in tangent_levels(inputs):
        tangents = [_tangent(x, lvl) if isinstance(x, Tensor) else None for x in inputs]
        old = _VISIBLE[0]
        _VISIBLE[0] = lvl
        try:
            result = jvp(*tangents)
        finally:
            _VISIBLE[0] = old
        results = result if isinstance(result, (tuple, list)) else (result,)
        for o, t in zip(outs, results):
            if isinstance(o, Tensor):
                _attach(o, lvl, t)


def function_apply(cls, setup, args, kwargs, apply, base):
    """autograd.Function.apply while a dual level or a vmap is active. Under vmap: its vmap
    rule (generate_vmap_rule=True: one call per example; or its own vmap staticmethod);
    with tangents: the Function is opaque to forward mode (its forward runs with them
    hidden), its ``jvp`` gives the outputs' tangents, as in PyTorch."""
    if _vmap_depth[0] and any(hasattr(a, "_lv") for a in args):
        from ..func._batching import function_apply_batched
        return function_apply_batched(cls, setup, args, kwargs, apply, base)
    levels = tangent_levels(args)
    ctx_box = []
    old = _VISIBLE[0]
    if levels:
        _VISIBLE[0] = min(old, levels[0])
    try:
        outputs = apply(cls, setup, args, kwargs, ctx_box)
    finally:
        _VISIBLE[0] = old
    if not levels:
        return outputs
    if cls.jvp is base.jvp:
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")
    ctx = ctx_box[0]
    from .._creation import zeros_like

    def jvp(*tangents):
        full = [t if t is not None or not isinstance(a, Tensor) else zeros_like(a)
                for a, t in zip(args, tangents)]
        return cls.jvp(ctx, *full)
    apply_jvp(args, outputs, jvp)
    return outputs
