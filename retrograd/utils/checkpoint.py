"""Activation checkpointing (torch.utils.checkpoint): run a function without keeping its
intermediate values for backward, and recompute them when backward needs them.

Non-reentrant (``use_reentrant=False``): the function runs normally, recording its graph;
then the saved values of the nodes it recorded are dropped, replaced by a marker that,
when backward first unpacks one of them, reruns the function (same inputs, same RNG
state) and hands each original node the values its twin in the rerun saved (nodes pair
up by creation order, as PyTorch pairs saved tensors by packing order). Gradients flow
through the original graph, so ``grad_fn`` names and hooks are those of the ops.

Reentrant (``use_reentrant=True``): the function runs under no_grad; its outputs get one
``CheckpointFunctionBackward`` node whose backward reruns it with grad and differentiates
the rerun (PyTorch's CheckpointFunction)."""
import warnings
import weakref

from .. import autograd as _autograd
from ..autograd.graph import PrimitiveNode, AccumulateGrad, _next_seq
from ..tensor import Tensor
from ..ops.view_history import new_node

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError"]


class CheckpointError(RuntimeError):
    pass


CheckpointError.__module__ = "torch.utils.checkpoint"

_DEBUG_TIP = """
Tip: To see a more detailed error message, either pass `debug=True` to
`torch.utils.checkpoint.checkpoint(...)` or wrap the code block
with `with torch.utils.checkpoint.set_checkpoint_debug_enabled(True):` to
enable checkpoint\u2011debug mode globally.
"""


def noop_context_fn():
    import contextlib
    return contextlib.nullcontext(), contextlib.nullcontext()


def _use_reentrant_warning(name):
    where = "torch.utils.checkpoint" if name == "checkpoint" else \
        "torch.utils.checkpoint.checkpoint_sequential"
    if name == "checkpoint":
        return (f"{where}: the use_reentrant parameter should be passed explicitly. Starting in "
                "PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
                "use_reentrant=False is recommended, but if you need to preserve the current "
                "default behavior, you can pass use_reentrant=True. Refer to docs for more "
                "details on the differences between the two variants.")
    return (f"{where}: the use_reentrant parameter should be passed explicitly. In version 2.9 "
            "we will raise an exception if use_reentrant is not passed. use_reentrant=False is "
            "recommended, but if you need to preserve the current default behavior, you can "
            "pass use_reentrant=True. Refer to docs for more details on the differences between "
            "the two variants.")


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn,
               determinism_check="default", debug=False, early_stop=True, **kwargs):
    """``function(*args, **kwargs)``, keeping none of its intermediate values for backward:
    they are recomputed when backward needs them. ``preserve_rng_state`` (default True)
    replays the random stream, so random ops recompute the same values."""
    if use_reentrant is None:
        warnings.warn(_use_reentrant_warning("checkpoint"), stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        return _checkpoint_reentrant(function, preserve, args)
    if determinism_check not in ("default", "none"):
        raise ValueError("determinism_check should be one of ['default', 'none'], but got "
                         f"{determinism_check}")
    return _checkpoint_without_reentrant(function, preserve, context_fn,
                                         determinism_check == "default", args, kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run ``functions`` one after another in ``segments`` chunks, checkpointing all
    chunks but the last (as torch.utils.checkpoint.checkpoint_sequential)."""
    if use_reentrant is None:
        warnings.warn(_use_reentrant_warning("checkpoint_sequential"), stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start, end, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input
        return forward

    if hasattr(functions, "children") and callable(functions.children):
        functions = list(functions.children())
    functions = list(functions)
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end, functions), input,
                           use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1, functions)(input)


def _rng_state():
    from ..random import get_rng_state
    return get_rng_state()


class _replayed_rng:
    """Run a block with the RNG state the forward had, then restore the current one."""

    def __init__(self, state):
        self.state = state

    def __enter__(self):
        from ..random import get_rng_state, set_rng_state
        if self.state is not None:
            self.prev = get_rng_state()
            set_rng_state(self.state)

    def __exit__(self, *exc):
        from ..random import set_rng_state
        if self.state is not None:
            set_rng_state(self.prev)
        return False


def _tensors_in(out):
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _tensors_in(o)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in _tensors_in(o)]
    return []


def _nodes_since(start, outputs):
    """The nodes recorded since sequence number ``start`` that lead to ``outputs``, in
    creation order."""
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    seen = set()
    found = []
    while stack:
        node = stack.pop()
        if node is None or node in seen or type(node) is AccumulateGrad or node._seq < start:
            continue
        seen.add(node)
        found.append(node)
        stack.extend(n for n, _ in node.next_functions)
    found.sort(key=lambda n: n._seq)
    return found


# ----- non-reentrant
class _Recompute:
    """What stands in for the saved values of a checkpointed function's nodes until
    backward first needs one of them."""
    __slots__ = ("function", "args", "kwargs", "rng", "nodes", "check", "done")

    def __init__(self, function, args, kwargs, rng, nodes, check):
        self.function, self.args, self.kwargs, self.rng = function, args, kwargs, rng
        self.nodes = [(weakref.ref(n), type(n)) for n in nodes]  # weak: no cycle
        self.check = check
        self.done = False

    def materialize(self):
        if self.done:
            return
        start = _next_seq()
        with _replayed_rng(self.rng), _autograd.enable_grad():
            out = self.function(*self.args, **self.kwargs)
        twins = _nodes_since(start, _tensors_in(out))
        if self.check and [type(n) for n in twins] != [cls for _, cls in self.nodes]:
            raise CheckpointError(
                "torch.utils.checkpoint: A different number of tensors was saved during the "
                "original forward and recomputation.\n"
                f"Number of tensors saved during forward: {len(self.nodes)}\n"
                f"Number of tensors saved during recomputation: {len(twins)}.\n{_DEBUG_TIP}")
        for (ref, _), twin in zip(self.nodes, twins):
            node = ref()
            if node is not None and node._saved is self:
                node._saved, node._versions = twin._saved, twin._versions
                twin._saved = twin._versions = None
        self.done = True
        self.args = self.kwargs = self.function = None  # nothing more to recompute


def _checkpoint_without_reentrant(function, preserve, context_fn, check, args, kwargs):
    rng = _rng_state() if preserve else None
    start = _next_seq()
    forward_ctx, recompute_ctx = context_fn()
    with forward_ctx:
        out = function(*args, **kwargs)
    if not _autograd.is_grad_enabled():
        return out
    nodes = [n for n in _nodes_since(start, _tensors_in(out)) if isinstance(n, PrimitiveNode)]
    if not nodes:
        return out

    def rerun(*a, **k):
        with recompute_ctx:
            return function(*a, **k)

    marker = _Recompute(rerun, args, kwargs, rng, nodes, check)
    for node in nodes:
        saved = node._saved
        if type(saved) is tuple:  # something saved: drop it until backward asks
            node._saved, node._versions = marker, None
    return out


# ----- reentrant
class CheckpointFunctionBackward(PrimitiveNode):
    """The node of a reentrant checkpoint's outputs: its backward reruns the function."""
    __slots__ = ()
    __module__ = "torch.autograd.function"

    def __repr__(self):
        return f"<torch.autograd.function.CheckpointFunctionBackward object at {hex(id(self))}>"


class _ReentrantRule:
    """What the engine reads of a node's primitive: one formula per input of the
    checkpointed function; the first one run recomputes and differentiates for all."""
    __slots__ = ("vjp", "_nothing_saved", "nin", "nout", "name")
    view = False
    vjp_data = None  # (Tensor formulas only)

    def __init__(self, nin, nout):
        self.nin, self.nout, self.name = nin, nout, "checkpoint"
        self._nothing_saved = (None,) * nin
        self.vjp = tuple(self._formula(i) for i in range(nin))

    def _formula(self, i):
        def formula(grad, *rest):
            return rest[-1].input_grad(i, grad)
        return formula


class _ReentrantState:
    __slots__ = ("function", "args", "rng", "grads")

    def __init__(self, function, args, rng):
        self.function, self.args, self.rng, self.grads = function, args, rng, None

    def input_grad(self, i, grad):
        if self.grads is None:
            self.grads = self._recompute(grad)
        g = self.grads[i]
        self.grads[i] = None
        if all(x is None for x in self.grads):
            self.grads = None
        return g

    def _recompute(self, grad):
        grads = grad if isinstance(grad, tuple) else (grad,)
        inputs = [a.detach().requires_grad_(a._requires_grad) if isinstance(a, Tensor) else a
                  for a in self.args]
        with _replayed_rng(self.rng), _autograd.enable_grad():
            outs = self.function(*inputs)
        outs = (outs,) if isinstance(outs, Tensor) else tuple(outs)
        pairs = [(o, g) for o, g in zip(outs, grads)
                 if isinstance(o, Tensor) and o._requires_grad and g is not None]
        wrt = [x for x in inputs if isinstance(x, Tensor) and x._requires_grad]
        result = [None] * len(inputs)
        if pairs and wrt:
            got = _autograd.grad([o for o, _ in pairs], wrt, [g for _, g in pairs],
                                 allow_unused=True)
            it = iter(got)
            for k, x in enumerate(inputs):
                if isinstance(x, Tensor) and x._requires_grad:
                    result[k] = next(it)
        return result


def _edge(a):
    if not (isinstance(a, Tensor) and a._requires_grad):
        return (None, 0)
    return (a.grad_fn, a._output_nr) if a.grad_fn is not None else (a._accumulator(), 0)


_NOT_FLOAT = __import__("numpy").dtype("int64")  # a non-tensor output: no gradient


def _checkpoint_reentrant(function, preserve, args):
    if not any(isinstance(a, Tensor) and a._requires_grad for a in args):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=3)
    rng = _rng_state() if preserve else None
    with _autograd.no_grad():
        out = function(*args)
    if not _autograd.is_grad_enabled() or \
            not any(isinstance(a, Tensor) and a._requires_grad for a in args):
        return out
    single = isinstance(out, Tensor)
    outs = (out,) if single else tuple(out)
    node = new_node(CheckpointFunctionBackward)
    node._prim = _ReentrantRule(len(args), len(outs))
    node._params = (_ReentrantState(function, args, rng),)
    node._saved = (None,) * (len(args) + 1)  # freed by backward, as saved inputs are
    node._versions = None
    node.next_functions = tuple(_edge(a) for a in args)
    node._meta = tuple((a._data.shape, a._data.dtype)
                       if isinstance(a, Tensor) and a._requires_grad else None for a in args)
    node._out_meta = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor) else
                           ((), _NOT_FLOAT) for o in outs)
    wrapped = []
    for nr, o in enumerate(outs):
        if isinstance(o, Tensor) and o._data.dtype.kind in "fc":
            t = Tensor._make(o._data, True, node)
            t._output_nr = nr
            wrapped.append(t)
        else:
            wrapped.append(o)
    return wrapped[0] if single else tuple(wrapped)
