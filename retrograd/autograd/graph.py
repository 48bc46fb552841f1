"""The graph's nodes: Node (a recorded op's backward), AccumulateGrad (a leaf's sink), the
saved-tensor checks (freed after backward, modified in place); node hooks (see hooks.py for
the hook machinery and saved_tensors_hooks)."""
import itertools
import re
import weakref

__all__ = ["Node", "AccumulateGrad", "node_class", "saved_tensors_hooks", "save_on_cpu",
           "disable_saved_tensors_hooks", "register_multi_grad_hook", "GradientEdge",
           "get_gradient_edge", "increment_version"]

# PyTorch runs ready nodes highest sequence number first; AccumulateGrad goes first of all.
# Every AccumulateGrad has the same number (UINT64_MAX), so ready leaves tie and run in the
# order its binary heap gives them; heapq, the same algorithm, gives the same order when
# ties compare equal (Node.__lt__).
_next_seq = itertools.count().__next__
_ACCUMULATE_SEQ = (1 << 64) - 1

FREED = object()  # marks a node whose saved tensors were released by a backward pass

FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class Node:
    """A node of the backward graph: PyTorch's ``grad_fn`` objects are instances of its
    subclasses (``AddBackward0``, ``AccumulateGrad``, ...)."""
    # _hooks: None, or a NodeHooks holding the hooks and retained grads of this node (and of
    # the tensors it made); the engine's one check for "anything beyond the plain formulas"
    __slots__ = ("next_functions", "_seq", "_hooks", "__weakref__")

    def name(self):
        return type(self).__name__

    def __lt__(self, other):  # only reached by the engine's heap on a tie: equal
        return False

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` after the node ran; may return new grad_inputs."""
        return _add_hook(node_hooks(self), "post", fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` before the node runs; may return new grad_outputs."""
        return _add_hook(node_hooks(self), "pre", fn)

    def _register_hook_dict(self, tensor):
        hooks = node_hooks(self)
        if hooks.tensor_pre is None:
            hooks.tensor_pre = {}
        hooks.tensor_pre[tensor._output_nr] = tensor._backward_hooks

    def _sequence_nr(self):
        return self._seq

    def _release(self):
        """Free what the node saved for backward (nothing, unless a subclass saves)."""

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def metadata(self):
        return _metadata.setdefault(self, {})


def _modified_input(value, version):
    """The error for a saved input modified in place since it was saved (its version
    counter rides along for anomaly mode's report)."""
    err = RuntimeError(_modified_msg(value, value._version, version, value.grad_fn))
    err._version_counter = value._vc
    return err


def _modified_output(node, array, counter, version, nr):
    """The error for a saved output modified in place since."""
    err = RuntimeError(_modified_msg_array(array, counter[0], version, node, nr))
    err._version_counter = counter
    return err


# Node.metadata is rarely used; keep it out of every node's slots.
_metadata = weakref.WeakKeyDictionary()


class PrimitiveNode(Node):
    """The backward of one call of a primitive: what its VJP formulas need, saved at
    forward time (inputs only when another input's formula uses them, the output as a
    bare array plus its version counter so no reference cycle forms)."""
    __slots__ = ("_prim", "_saved", "_versions", "_params", "_meta", "_out_meta",
                 # forward-mode AD: the outputs' tangents {output_nr: {level: tangent}}, set
                 # only inside a dual level (autograd/forward_ad.py), so that a saved output
                 # unpacked by a backward run there is dual (forward-over-reverse)
                 "_out_fw")

    def _unpack(self):
        """The saved inputs and output as Tensors, after the version checks."""
        saved = self._saved
        if saved is None:  # nothing was needed (add, or no input needing it)
            return self._prim._nothing_saved, None
        if saved is FREED:
            raise RuntimeError(FREED_MSG)
        if type(saved) is not tuple:  # to be recomputed first (utils.checkpoint)
            saved.materialize()
            saved = self._saved
            if saved is None or saved is FREED:
                return self._unpack()
        versions = self._versions
        if versions is not None:
            if versions is PACKED:
                return _unpack_packed(saved, self)
            for value, version in zip(saved, versions):
                if version is not None and value._version != version:
                    raise _modified_input(value, version)
        out = saved[-1]
        if out is not None:
            if self._prim.nout != 1:
                return saved[:-1], tuple(self._unpack_output(o, nr) for nr, o in enumerate(out))
            out = self._unpack_output(out, 0)
        return saved[:-1], out

    def _unpack_data(self):
        """``_unpack``'s arrays: the saved inputs' arrays (other saved values as they are)
        and the output's array, after the same checks, without wrapping the output (the
        engine's array formulas read these)."""
        saved, versions = self._saved, self._versions
        if saved is None:
            return self._prim._nothing_saved, None
        tensor = _tensor_cls[0]
        if versions is PACKED or type(saved) is not tuple:  # (FREED, hooks, checkpoints)
            values, out = self._unpack()
            return ([v._data if isinstance(v, tensor) else v for v in values],
                    None if out is None else out._data)
        if versions is not None:
            for value, version in zip(saved, versions):
                if version is not None and value._version != version:
                    raise _modified_input(value, version)
        out = saved[-1]
        if out is not None:
            out, counter, version = out
            if counter[0] != version:
                raise _modified_output(self, out, counter, version, 0)
        # (a tensor's array; other saved values, Python numbers, as they are)
        return [v._data if isinstance(v, tensor) else v for v in saved[:-1]], out

    def _unpack_output(self, saved_output, nr):
        array, counter, version = saved_output
        if counter[0] != version:
            raise _modified_output(self, array, counter, version, nr)
        floating = array.dtype.kind in "fc"
        t = _tensor_cls[0]._make(array, floating, self if floating else None)
        t._output_nr = nr
        fw = getattr(self, "_out_fw", None)
        if fw is not None:
            t._fw = fw.get(nr)
        return t

    def __call__(self, *grads):
        """The node's gradients for its inputs given its outputs' (recorded when grad mode
        is on), as calling a PyTorch node does."""
        from .general_path import _apply_primitive
        results = _apply_primitive(self, list(grads), None)
        return results[0] if len(results) == 1 else tuple(results)

    def _release(self):
        if self._saved is not None:
            self._saved = FREED

    def _num_outputs(self):
        return self._prim.nout

    @property
    def _saved_tensors_released(self):
        return self._saved is FREED


class AccumulateGrad(Node):
    """The sink of a leaf that requires grad: adds what reaches it into ``variable.grad``."""
    __slots__ = ("variable",)
    __module__ = "builtins"  # type(...) prints <class 'AccumulateGrad'>, as PyTorch's

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()
        self._seq = _ACCUMULATE_SEQ
        # a leaf's own hooks live on the leaf (this node is only weakly held by it)
        self._hooks = NodeHooks() if _LEAF_HOOKS[0] and _leaf_has_hooks(variable) else None

    def __call__(self, grad):
        from .engine import _accumulate
        _accumulate(self, grad, False)
        return ()

    def name(self):
        return "torch::autograd::AccumulateGrad"  # PyTorch's name; the repr keeps the class name


_classes = {}
_tensor_cls = [None]  # set by tensor.py; graph.py must not import it (cycle)


def node_class(name):
    """The one Node subclass per PyTorch node name, so ``type(y.grad_fn).__name__`` and
    ``isinstance`` behave as in PyTorch."""
    cls = _classes.get(name)
    if cls is None:
        # PyTorch's node types are module-less C++ classes: type(y.grad_fn) prints
        # <class 'MulBackward0'>, which the module "builtins" gives too
        cls = _classes[name] = type(name, (PrimitiveNode,),
                                    {"__slots__": (), "__module__": "builtins"})
    return cls


def _short_name(node):
    return re.sub(r"Backward\d*$", "", node.name())


def _describe(shape, dtype_legacy):
    return f"[torch.{dtype_legacy}Tensor [{', '.join(map(str, shape))}]]"


def _hint():
    return ("Hint: enable anomaly detection to find the operation that failed to compute "
            "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _modified_msg(tensor, now, expected, grad_fn):
    which = f", which is output {tensor._output_nr} of {_short_name(grad_fn)}," \
        if grad_fn is not None else ""
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {_describe(tensor.shape, tensor.dtype._legacy)}{which} is "
            f"at version {now}; expected version {expected} instead. {_hint()}")


def _modified_msg_array(array, now, expected, node, nr=0):
    from ..dtypes import from_numpy_dtype
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {_describe(array.shape, from_numpy_dtype(array.dtype)._legacy)}"
            f", which is output {nr} of {_short_name(node)}, is at version {now}; expected "
            f"version {expected} instead. {_hint()}")


# ----- hooks


class HookDict(dict):
    """Hooks by handle id, in registration order; weakly referenced by their handles."""
    __slots__ = ("__weakref__",)


class RemovableHandle:
    """The handle a ``register_*hook`` returns: ``remove()`` takes the hook out."""
    __module__ = "torch.utils.hooks"  # printed as PyTorch's handle is
    next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        self.extra_dict_ref = ()

    def remove(self):
        hooks = self.hooks_dict_ref()
        if hooks is not None and self.id in hooks:
            del hooks[self.id]

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.remove()


class NodeHooks:
    """What the engine runs around one node besides its formulas, in PyTorch's order:
    tensor pre-hooks (per output), retained grads, node pre-hooks, then post-hooks."""
    __slots__ = ("tensor_pre", "retained", "pre", "post")

    def __init__(self):
        self.tensor_pre = self.retained = self.pre = self.post = None


def node_hooks(node):
    hooks = node._hooks
    if hooks is None:
        hooks = node._hooks = NodeHooks()
    return hooks


def _add_hook(hooks, field, fn):
    d = getattr(hooks, field)
    if d is None:
        d = HookDict()
        setattr(hooks, field, d)
    handle = RemovableHandle(d)
    d[handle.id] = fn
    return handle


_LEAF_HOOKS = [False]  # set once a leaf gets a hook: until then leaves are not inspected


def _leaf_has_hooks(t):
    return (getattr(t, "_bw_hooks", None) is not None or
            getattr(t, "_pa_hooks", None) is not None)


# ----- gradient edges and multi-tensor hooks


class GradientEdge(tuple):
    """(node, output_nr): where a tensor's gradient is computed in the graph."""
    __slots__ = ()
    __module__ = "torch.autograd.graph"

    def __new__(cls, node, output_nr, ownership_token=None):
        return tuple.__new__(cls, (node, output_nr, ownership_token))

    node = property(lambda self: self[0])
    output_nr = property(lambda self: self[1])
    ownership_token = property(lambda self: self[2])

    def __repr__(self):
        return (f"GradientEdge(node={self[0]!r}, output_nr={self[1]}, "
                f"ownership_token={self[2]!r})")


def _grad_fn_or_acc(t):
    if isinstance(t, GradientEdge):
        return t.node
    return t.grad_fn if t.grad_fn is not None else t._accumulator()


def get_gradient_edge(tensor):
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that "
                           "does not require gradients")
    return GradientEdge(_grad_fn_or_acc(tensor), tensor._output_nr)


def increment_version(tensor):
    for t in ((tensor,) if isinstance(tensor, _tensor_cls[0]) else tensor):
        t._bump_version()


class _MultiHandle(RemovableHandle):
    def __init__(self, handles):
        self.handles = handles

    def remove(self):
        for handle in self.handles:
            handle.remove()


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """``fn(grads)`` once the gradients of all of ``tensors`` that this backward computes
    are ready (mode "all"), or ``fn(grad)`` for the first of them (mode "any")."""
    from . import general_path as engine
    supported_modes = ("all", "any")
    if mode not in supported_modes:
        raise ValueError(f"Expects mode to be one of {supported_modes} but got {mode}")
    if mode == "all":
        count, buffer = {}, {}
        grad_fns = list(map(_grad_fn_or_acc, tensors))
        n = len(tensors)

        def inner(idx):
            def hook(grad):
                task = engine.current_graph_task_id()
                if task not in count:
                    count[task] = 0
                    buffer[task] = [None] * n
                    # the number of these tensors whose gradient this backward computes
                    count[task, "n"] = sum(map(engine.will_engine_execute_node, grad_fns))
                count[task] += 1
                buffer[task][idx] = grad
                if count[task] == count[task, "n"]:
                    grads = buffer.pop(task)
                    del count[task], count[task, "n"]
                    fn(grads)
            return hook

        handles = tuple(t.register_hook(inner(i)) for i, t in enumerate(tensors))
    else:
        ran = [None]  # the backward call that already ran fn

        def wrapped(grad):
            task = engine.current_graph_task_id()
            if ran[0] == task:
                return
            ran[0] = task
            fn(grad)

        handles = tuple(t.register_hook(wrapped) for t in tensors if t.requires_grad)
    return _MultiHandle(handles)


# the saved-tensor hooks live in saved_tensors.py; PyTorch's users find them here
from .saved_tensors import (PACKED, _SAVED_HOOKS, _pack_primitive, _unpack_packed,  # noqa
                            hooks_active,
                            pack, unpack, saved_tensors_hooks, save_on_cpu,
                            disable_saved_tensors_hooks)
