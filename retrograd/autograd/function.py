"""Custom differentiable operations: autograd.Function (forward/backward, setup_context),
its ctx (saved tensors, mark_dirty, mark_non_differentiable, set_materialize_grads), the
``<Name>Backward`` node the engine runs through its general path, once_differentiable."""
import functools
import inspect
import itertools
import warnings

from .grad_mode import STATE
from .anomaly_mode import ANOMALY, record as _anomaly_record
from .graph import (Node, NodeHooks, FREED, FREED_MSG, _modified_msg, _next_seq, hooks_active,
                    pack, unpack, _tensor_cls)

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable",
           "InplaceFunction"]

_function_ids = itertools.count()


class FunctionCtx:
    """What ``forward``/``setup_context`` tell ``backward``: the ``ctx`` argument."""

    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, _tensor_cls[0]):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} "
                                f"is of type {type(t).__name__}")
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        for t in tensors:
            if not (isinstance(t, _tensor_cls[0]) or t is None):
                raise AssertionError("save_for_forward expects all arguments to be tensors; "
                                     "you should save non-tensors as attributes on ctx.")
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        self.dirty_tensors = args

    def mark_shared_storage(self, *pairs):
        warnings.warn("mark_shared_storage is deprecated. Tensors with shared storages are "
                      "automatically tracked. Note that calls to `set_()` are not tracked",
                      stacklevel=2)

    def mark_non_differentiable(self, *args):
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        self.materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """The node of one call of a custom Function; it is also that call's ``ctx``."""
    __module__ = "torch.autograd.function"

    def __init__(self):
        self.next_functions = ()
        self._seq = _next_seq()
        self._hooks = NodeHooks()  # always the engine's general path
        self.materialize_grads = True
        self.needs_input_grad = ()
        self.to_save = ()
        self.dirty_tensors = None
        self.non_differentiable = None
        self._saved = None
        self._tensor_args = ()
        self._in_meta = ()
        self._out_meta = ()

    __repr__ = object.__repr__  # <torch.autograd.function.MyFnBackward object at 0x...>

    def _num_outputs(self):
        return len(self._out_meta)

    def apply(self, *args):
        """Run the user's backward (what the engine calls, with one gradient per output)."""
        cls = self._forward_cls
        backward, vjp = cls.backward, cls.vjp
        if backward is not Function.backward and vjp is not Function.vjp:
            raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function "
                               "is not allowed. You should only implement one of them.")
        fn = vjp if vjp is not Function.vjp else backward
        return fn(self, *args)

    def apply_jvp(self, *args):
        return self._forward_cls.jvp(self, *args)

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is FREED:
            raise RuntimeError(FREED_MSG)
        if saved is None:  # nothing saved yet (PyTorch shows nothing during forward either)
            return ()
        return tuple(_unpack_saved(entry, self) for entry in saved)

    saved_variables = saved_tensors

    @property
    def _saved_tensors_released(self):
        return self._saved is FREED

    def _release(self):
        if self._saved:
            self._saved = FREED

    def _apply(self, grads):
        """The engine's call: the user's backward on the output gradients (zeros for
        missing ones unless materialize_grads is off), its results checked and conformed
        to the inputs' shapes and dtypes, one per next_functions entry."""
        if self.materialize_grads:
            grads = [_zeros(meta) if g is None and meta is not None else g
                     for g, meta in zip(grads, self._out_meta)]
        result = self.apply(*grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_in = len(self.needs_input_grad)
        if len(result) > n_in and all(r is None for r in result[n_in:]):
            result = result[:n_in]
        if len(result) != n_in:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                               f"gradients (expected {n_in}, got {len(result)})")
        tensor_args = self._tensor_args
        grads_in = []
        for i, r in enumerate(result):
            if i in tensor_args:
                grads_in.append(r)
            elif r is not None:
                raise RuntimeError(
                    f"function {self.name()} returned a gradient different than None at "
                    f"position {i + 1}, but the corresponding forward input was not a Variable")
        Tensor = _tensor_cls[0]
        out = []
        for i, ((nxt, _), meta, g) in enumerate(zip(self.next_functions, self._in_meta,
                                                    grads_in)):
            if g is not None and not isinstance(g, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            if nxt is None or g is None:
                out.append(None)
                continue
            from .engine import _conform
            out.append(_conform(g, meta, self, i))
        return out


def _zeros(meta):
    import numpy as np
    shape, dtype = meta
    return _tensor_cls[0]._make(np.zeros(shape, dtype))


def _unpack_saved(entry, node):
    """One saved tensor, version-checked; a saved output is rebuilt around its array so
    that the node does not hold its own output (no reference cycle)."""
    kind = entry[0]
    if kind is None:
        return None
    if kind == "packed":
        return unpack(entry[1], node)
    if kind == "input":
        _, t, version = entry
        if t._version != version:
            raise RuntimeError(_modified_msg(t, t._version, version, t.grad_fn))
        return t
    _, data, vc, version, nr, requires_grad = entry
    Tensor = _tensor_cls[0]
    t = Tensor._make(data, requires_grad, node if requires_grad else None)
    t._output_nr = nr
    t._vc = vc
    if vc[0] != version:
        raise RuntimeError(_modified_msg(t, vc[0], version, node))
    return t


class FunctionMeta(type):
    """Gives each Function subclass its node class, ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        backward_cls = type(name + "Backward", (BackwardCFunction,),
                            {"_forward_cls": cls, "__module__": "torch.autograd.function"})
        backward_cls._autograd_function_id = next(_function_ids)
        cls._backward_cls = backward_cls
        super().__init__(name, bases, attrs)


class _SingleLevelFunction(FunctionCtx, metaclass=FunctionMeta):
    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")


class Function(_SingleLevelFunction):
    """Base class of custom differentiable operations: subclass it with static
    ``forward`` and ``backward`` and call ``YourFunction.apply(...)``."""
    __module__ = "torch.autograd.function"
    generate_vmap_rule = False

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{self.__class__} should not be instantiated. Methods on autograd "
                      "functions are all static, so you should invoke them on the class "
                      "itself. Instantiating an autograd function will raise an error in a "
                      "future version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please "
            "use new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def vmap(info, in_dims, *args):
        raise NotImplementedError("To use autograd.Function with vmap, you must either "
                                  "override the vmap staticmethod or set "
                                  "generate_vmap_rule=True.")

    @classmethod
    def apply(cls, *args, **kwargs):
        setup = cls.setup_context is not _SingleLevelFunction.setup_context
        if setup:
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        return _apply(cls, setup, args, kwargs)


# set by autograd/forward_ad.py while a dual level or a vmap is active: it routes the call
# (the Function's jvp, its vmap rule) and comes back to _apply with ctx_out
_route = [None]


def _apply(cls, setup, args, kwargs, ctx_out=None):
    if _route[0] is not None and ctx_out is None:
        return _route[0](cls, setup, args, kwargs, _apply, Function)
    Tensor = _tensor_cls[0]
    ctx = cls._backward_cls()
    if ctx_out is not None:
        ctx_out.append(ctx)
    tensor_args = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    executable = STATE.enabled and any(args[i]._requires_grad for i in tensor_args)
    ctx.needs_input_grad = tuple(executable and isinstance(a, Tensor) and a._requires_grad
                                 for a in args)
    ctx._tensor_args = frozenset(tensor_args)
    prev = STATE.enabled
    STATE.enabled = False
    try:
        if setup:
            output = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, output)
        else:
            output = cls.forward(ctx, *args, **kwargs)
    finally:
        STATE.enabled = prev
    single = not isinstance(output, tuple)
    outputs = (output,) if single else output
    outputs = _wrap_outputs(ctx, args, tensor_args, outputs, executable)
    if executable:
        _save(ctx, outputs)
        if ANOMALY.enabled:
            _anomaly_record(ctx)
    return outputs[0] if single else outputs


def _wrap_outputs(ctx, args, tensor_args, outputs, executable):
    """Connect the outputs to the node: output i gets output_nr i; an input returned
    unchanged becomes a new tensor sharing its memory; a dirty input takes the node as
    its history; non-differentiable outputs (marked, or not floating) do not require grad."""
    Tensor = _tensor_cls[0]
    inputs = {id(args[i]): args[i] for i in tensor_args}
    dirty = {id(t) for t in (ctx.dirty_tensors or ())}
    non_diff = {id(t) for t in (ctx.non_differentiable or ())}
    if dirty:
        returned = {id(o) for o in outputs}
        if not dirty <= returned:
            raise RuntimeError("Some elements marked as dirty during the forward method were not "
                               "returned as output. The inputs that are modified inplace must "
                               "all be outputs of the Function.")
    if executable:
        ctx.next_functions = tuple(
            ((a.grad_fn, a._output_nr) if a.grad_fn is not None else (a._accumulator(), 0))
            if a._requires_grad else (None, 0) for a in (args[i] for i in tensor_args))
        ctx._in_meta = tuple((args[i]._data.shape, args[i]._data.dtype) for i in tensor_args)
    result, out_meta = [], []
    for nr, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            result.append(out)
            out_meta.append(None)
            continue
        out_meta.append((out._data.shape, out._data.dtype))
        marked_nd = id(out) in non_diff
        if id(out) in dirty:
            if executable and out._requires_grad and out.grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
            out._bump_version()
        elif id(out) in inputs:
            alias = Tensor._make(out._data)
            alias._vc = out._version_counter()
            if executable:
                alias._base = out._base if out._base is not None else out
            out = alias
        if executable:
            if not marked_nd and out._data.dtype.kind == "f":
                old_fn = out.grad_fn
                out.grad_fn = ctx
                out._output_nr = nr
                out._requires_grad = True
                if old_fn is not None:  # a dirty input: its hooks start afresh
                    out._grad_fn_changed(old_fn)
                if id(out) in dirty and out._base is not None:  # a view changed in place:
                    from ..ops.inplace import rebase_dirty_view  # its base's history too
                    rebase_dirty_view(out)
            elif id(out) in dirty or marked_nd:
                out.grad_fn = None
                out._output_nr = 0
                out._requires_grad = False
        result.append(out)
    ctx._out_meta = tuple(out_meta)
    # as PyTorch, forget them: a dirty output held by its own node would be a cycle
    ctx.dirty_tensors = ctx.non_differentiable = None
    return tuple(result)


def _save(ctx, outputs):
    """Turn ctx.to_save into version-checked entries (packed when saved_tensors_hooks are
    active); outputs are kept as arrays, so the node never holds its own outputs."""
    to_save = ctx.to_save
    if not to_save:
        return
    out_nr = {id(o): i for i, o in enumerate(outputs) if isinstance(o, _tensor_cls[0])}
    entries = []
    for t in to_save:
        if t is None:
            entries.append((None,))
        elif hooks_active():
            entries.append(("packed", pack(t, is_output=id(t) in out_nr)))
        elif id(t) in out_nr:
            vc = t._version_counter()
            entries.append(("output", t._data, vc, vc[0], out_nr[id(t)], t._requires_grad))
        else:
            entries.append(("input", t, t._version))
    ctx._saved = tuple(entries)
    ctx.to_save = ()


class InplaceFunction(Function):
    """Kept for backward compatibility, as PyTorch's."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class _DelayedErrorNode(Node):
    """The node ``once_differentiable`` puts on a backward's results: differentiating
    through it raises."""
    __module__ = "builtins"

    def __init__(self, msg, edges):
        self.next_functions = edges
        self._seq = _next_seq()
        self._hooks = NodeHooks()
        self.msg = msg
        self.n = len(edges)

    def name(self):
        return "torch::autograd::Error"

    def _num_outputs(self):
        return self.n

    def _apply(self, grads):
        raise RuntimeError(self.msg)


_DelayedErrorNode.__name__ = _DelayedErrorNode.__qualname__ = "Error"


def once_differentiable(fn):
    """Run a backward without recording it; differentiating its results again raises."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = STATE.enabled
        STATE.enabled = False
        try:
            outputs = fn(ctx, *args)
        finally:
            STATE.enabled = prev
        if not STATE.enabled:
            return outputs
        Tensor = _tensor_cls[0]
        if not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        fakes = []
        for o in outs:
            if isinstance(o, Tensor):
                o = o.detach()
                o._requires_grad = True
            fakes.append(o)
        edges = tuple((f._accumulator(), 0) if isinstance(f, Tensor) else (None, 0)
                      for f in fakes)
        node = _DelayedErrorNode("trying to differentiate twice a function that was marked "
                                 "with @once_differentiable", edges)
        wrapped = []
        for nr, f in enumerate(fakes):
            if isinstance(f, Tensor):
                t = Tensor._make(f._data, True, node)
                t._output_nr = nr
                t._vc = f._version_counter()
                f = t
            wrapped.append(f)
        return wrapped[0] if len(wrapped) == 1 else tuple(wrapped)
    return wrapper
