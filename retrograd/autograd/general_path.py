"""The engine's general path, for nodes with hooks or retained grads and nodes that are
not a primitive's (custom Functions): PyTorch's hook order and checks, and the running
backward call as hooks see it (current_graph_task_id, will_engine_execute_node)."""
import itertools
import threading

from . import engine
from .graph import AccumulateGrad, PrimitiveNode

class _Task:
    """One backward call, as hooks and the general path see it."""
    __slots__ = ("id", "targets", "captured", "needed", "accumulate", "retain_graph",
                 "create_graph", "deps", "roots")

    def __init__(self, targets, captured, needed, accumulate, retain_graph, create_graph,
                 deps, roots):
        self.id = _next_task_id()
        self.targets, self.captured, self.needed = targets, captured, needed
        self.accumulate, self.retain_graph, self.create_graph = (
            accumulate, retain_graph, create_graph)
        self.deps, self.roots = deps, roots


_next_task_id = itertools.count().__next__
_TASKS = threading.local()


def _task_stack():
    try:
        return _TASKS.stack
    except AttributeError:
        _TASKS.stack = []
        return _TASKS.stack


def current_graph_task_id():
    """The id of the backward call running in this thread (-1 outside backward)."""
    stack = _task_stack()
    return stack[-1].id if stack else -1


def will_engine_execute_node(node):
    """Whether the running backward call will reach ``node`` (run it or capture its
    gradient), as torch._C._will_engine_execute_node."""
    stack = _task_stack()
    if not stack:
        raise RuntimeError("_will_engine_execute_node should only be called during the "
                           "backward pass")
    task = stack[-1]
    if task.needed is not None:
        return node in task.needed
    return node in task.deps or node in task.roots


def _hook_name(fn):
    return getattr(fn, "__name__", "<unknown>")


def _check_single(original, result, fn):
    """A tensor hook's replacement gradient, with PyTorch's checks."""
    if result is None or result is original:
        return original
    if original is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    if not hasattr(result, "_data"):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    if result.dtype is not original.dtype:
        raise RuntimeError(
            f"hook '{_hook_name(fn)}' has changed the type of value (was "
            f"torch.{original.dtype._legacy}Tensor got torch.{result.dtype._legacy}Tensor)")
    if result.shape != original.shape:
        raise RuntimeError(f"hook '{_hook_name(fn)}' has changed the size of value")
    return result


def _check_tuple(original, result, fn):
    """A node hook's replacement gradients, with PyTorch's checks."""
    if result is None:
        return original
    if not isinstance(result, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(result).__name__}'")
    if len(result) != len(original):
        raise RuntimeError(f"hook '{_hook_name(fn)}' has returned an incorrect number of "
                           f"values (got {len(result)}, but expected {len(original)})")
    return [_check_single(o, r, fn) for o, r in zip(original, result)]


def _run_tensor_pre_hooks(node, hooks, grads):
    if type(node) is AccumulateGrad:
        var = node.variable
        pre = getattr(var, "_bw_hooks", None)
        if pre:
            g = grads[0]
            for fn in tuple(pre.values()):
                g = _check_single(g, fn(g), fn)
            grads[0] = g
        return
    if hooks.tensor_pre:
        for nr, pre in tuple(hooks.tensor_pre.items()):
            g = grads[nr]
            for fn in tuple(pre.values()):
                g = _check_single(g, fn(g), fn)
            grads[nr] = g
    if hooks.retained:
        for nr, ref in hooks.retained.items():
            tensor = ref()
            if tensor is not None and grads[nr] is not None:
                engine._store_retained(tensor, grads[nr])


def _run_hooked(node, grads, task):
    """Run one node with its hooks in PyTorch's order: tensor pre-hooks (then retained
    grads), node pre-hooks, the node itself, node post-hooks. Returns the gradients for
    its next_functions, or None when the node is only visited for autograd.grad."""
    hooks = node._hooks
    grads = list(grads) if grads is not None else []
    n_out = node._num_outputs() if hasattr(node, "_num_outputs") else 1
    if len(grads) < n_out:
        grads += [None] * (n_out - len(grads))
    targets, needed = task.targets, task.needed
    is_acc = type(node) is AccumulateGrad
    if needed is None:
        executes = True
    elif is_acc:
        executes = task.accumulate and node in targets
    else:
        executes = (task.accumulate and node in targets) or any(
            n in needed for n, _ in node.next_functions if n is not None)
    capture = targets is not None and node in targets
    if capture and executes:  # PyTorch captures before the hooks of a node that runs
        for nr, i in targets[node]:
            task.captured[i] = grads[nr]
    _run_tensor_pre_hooks(node, hooks, grads)
    if capture and not executes:
        for nr, i in targets[node]:
            task.captured[i] = grads[nr]
    if not executes:
        return None
    if hooks.pre:
        for fn in tuple(hooks.pre.values()):
            grads = _check_tuple(grads, fn(tuple(grads)), fn)
    if is_acc:
        if grads[0] is not None:
            engine._accumulate(node, grads[0], task.create_graph)
            post_acc = getattr(node.variable, "_pa_hooks", None)
            if post_acc:
                for fn in tuple(post_acc.values()):
                    r = fn(node.variable)
                    if r is not None:
                        raise TypeError(
                            f"expected Variable, but hook returned '{type(r).__name__}'")
        results = []
    elif isinstance(node, PrimitiveNode):
        results = _apply_primitive(node, grads, needed)
    else:
        results = node._apply(grads)
    if hooks.post:
        for fn in tuple(hooks.post.values()):
            results = _check_tuple(results, fn(tuple(results), tuple(grads)), fn)
    if not task.retain_graph:
        node._release()
    return results


def _apply_primitive(node, grads, needed):
    results = [None] * len(node.next_functions)
    if node._prim.nout != 1:
        if all(g is None for g in grads):
            return results
        grad = engine._fill_missing(grads, node._out_meta)
    else:
        grad = grads[0]
        if grad is None:
            return results
    if node._saved is None:
        saved, out = node._prim._nothing_saved, None
    else:
        saved, out = node._unpack()
    params = node._params
    for i, ((nxt, nr), meta, vjp) in enumerate(zip(node.next_functions, node._meta,
                                                   node._prim.vjp)):
        if nxt is None or (needed is not None and nxt not in needed):
            continue
        g = vjp(grad, *saved, out, *params)
        if g is not None and meta is not None:
            g = engine._conform(g, meta, node, i)
        results[i] = g
    return results
