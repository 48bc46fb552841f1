"""The backward engine: dependency counting, running nodes in PyTorch's order, reducing
broadcast gradients (sum_to), accumulating into .grad, releasing saved tensors.
Every walk over the graph is a loop with an explicit stack or heap: no recursion."""
import heapq
import itertools
import threading

from .grad_mode import STATE
from .graph import AccumulateGrad, FREED, PrimitiveNode

_UNUSED_MSG = ("The differentiated Tensor at index {} appears to not have been used in the "
               "graph. Set allow_unused=True if this is the desired behavior.")


def _count_dependencies(roots):
    """How many edges lead into each node reachable from the roots."""
    deps = {}
    stack = list(roots)
    is_root = set(stack).__contains__
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None:
                if nxt in deps:
                    deps[nxt] += 1
                else:
                    deps[nxt] = 1
                    if not is_root(nxt):  # a root reached from another is walked once
                        stack.append(nxt)
    return deps


def _needed_nodes(roots, deps, targets):
    """The nodes from which some target node can be reached: only those run when the
    caller asks for the gradients of particular inputs."""
    remaining = dict(deps)
    order = [n for n in roots if n not in remaining]
    i = 0
    while i < len(order):  # Kahn's order: every node after all its consumers
        for nxt, _ in order[i].next_functions:
            if nxt is not None:
                remaining[nxt] -= 1
                if remaining[nxt] == 0:
                    order.append(nxt)
        i += 1
    needed = set(targets)
    for node in reversed(order):
        if node not in needed and any(n in needed for n, _ in node.next_functions):
            needed.add(node)
    return needed


def sum_to(grad, shape, node=None, index=0):
    """Reduce a gradient computed for a broadcast result back to the input's shape.
    Written in Tensor ops so that it is itself differentiable."""
    gshape = grad.shape
    lead = len(gshape) - len(shape)
    if lead < 0 or any(s != 1 and s != g for s, g in zip(shape, gshape[lead:])):
        name = node.name() if node is not None else "backward"
        raise RuntimeError(
            f"Function {name} returned an invalid gradient at index {index} - got "
            f"[{', '.join(map(str, gshape))}] but expected shape compatible with "
            f"[{', '.join(map(str, shape))}]")
    dims = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1)
    if dims:
        grad = grad.sum(dims, keepdim=True)
    if lead or grad.shape != tuple(shape):
        grad = grad.reshape(shape)
    return grad


def _accumulate(node, grad, create_graph):
    """AccumulateGrad's work: the first gradient is stored as a fresh tensor (never an
    alias of something else), later ones are added in place, as PyTorch does."""
    var = node.variable
    old = var._grad
    if old is None:
        # With create_graph the copy stays in the graph, as PyTorch's CopyBackwards does.
        var._grad = _copy_in_graph(grad) if create_graph else grad.detach().clone()
    elif create_graph or old._requires_grad:
        var._grad = old + grad
    else:
        old._data += grad._data
        old._bump_version()


def _copy_in_graph(grad):
    from ..ops.pointwise import copy_p
    return copy_p(grad)


def _store_retained(tensor, grad):
    old = tensor._grad
    tensor._grad = grad.detach().clone() if old is None else old + grad


def run_backward(roots, root_grads, retain_graph, create_graph, inputs=None,
                 accumulate=True, allow_unused=False):
    """Run the graph backward from ``roots`` (a list of (node, output_nr) edges) with the
    given gradients. With ``accumulate``, leaves' ``.grad`` receive their gradients (only
    the leaves among ``inputs`` when those are given); without it, the gradients of
    ``inputs`` (a list of (node, output_nr) edges) are returned instead, as
    ``autograd.grad`` does."""
    root_nodes = list(dict.fromkeys(node for node, _ in roots))
    deps = _count_dependencies(root_nodes)
    targets = None
    captured = None
    if inputs is not None:
        targets = {}
        for i, (node, nr) in enumerate(inputs):
            if node is not None:
                targets.setdefault(node, []).append((nr, i))
        needed = _needed_nodes(root_nodes, deps, targets)
        captured = [None] * len(inputs)
    else:
        needed = None

    task = _Task(targets, captured, needed, accumulate, retain_graph, create_graph, deps,
                 root_nodes)
    tasks = _task_stack()
    tasks.append(task)
    buffers = {}
    for (node, nr), grad in zip(roots, root_grads):
        buf = buffers.setdefault(node, [None])
        _add_to_buffer(buf, nr, grad)

    # a root that leads to no input does not run (autograd.grad, backward(inputs=...))
    ready = [(-n._seq, n) for n in root_nodes
             if n not in deps and (needed is None or n in needed)]
    heapq.heapify(ready)
    pop, push = heapq.heappop, heapq.heappush
    prev_mode = STATE.enabled
    STATE.enabled = create_graph
    # A node that is the only one ready skips the heap: chains never touch it.
    single = None
    try:
        while single is not None or ready:
            if single is not None:
                node, single = single, None
            else:
                node = pop(ready)[1]
            grads = buffers.pop(node, None)  # None: no gradient reached this node
            if node._hooks is not None:
                # hooks, retained grads or a node that is not a primitive's: the general path
                results = _run_hooked(node, grads, task)
                if results is None:
                    continue
                for (nxt, nr), g in zip(node.next_functions, results):
                    if nxt is None or (needed is not None and nxt not in needed):
                        continue
                    if g is not None:
                        buf = buffers.get(nxt)
                        if buf is None:
                            buffers[nxt] = [g] if nr == 0 else [None] * nr + [g]
                        else:
                            _add_to_buffer(buf, nr, g)
                    left = deps[nxt] - 1
                    deps[nxt] = left
                    if left == 0:
                        push(ready, (-nxt._seq, nxt))
                continue
            if targets is not None:
                wanted = targets.get(node)
                if wanted is not None:
                    for nr, i in wanted:
                        if grads is not None and nr < len(grads):
                            captured[i] = grads[nr]
                    # autograd.grad: an input's node runs only if it leads to another input
                    if not accumulate and not any(n in needed for n, _ in node.next_functions
                                                  if n is not None):
                        continue
            if type(node) is AccumulateGrad:
                if grads is not None and grads[0] is not None:
                    if targets is None or node in targets:
                        _accumulate(node, grads[0], create_graph)
                continue
            # The node's VJP formulas, one per input that needs a gradient, each result
            # reduced to its input's shape and dtype, and passed on at once.
            grad = None if grads is None else grads[0]
            if grads is not None and node._prim.nout != 1:
                grad = _fill_missing(grads, node._out_meta)
            if grad is not None:
                prim = node._prim
                if node._saved is None:
                    saved, out = prim._nothing_saved, None
                else:
                    saved, out = node._unpack()
                params = node._params
            i = -1
            for (nxt, nr), meta, vjp in zip(node.next_functions, node._meta, node._prim.vjp):
                i += 1
                if nxt is None or (needed is not None and nxt not in needed):
                    continue
                if grad is not None:
                    g = vjp(grad, *saved, out, *params)
                    if g is not None:
                        if meta is not None:
                            g = _conform(g, meta, node, i)
                        buf = buffers.get(nxt)
                        if buf is None:
                            buffers[nxt] = [g] if nr == 0 else [None] * nr + [g]
                        else:
                            _add_to_buffer(buf, nr, g)
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    if single is None and not ready:
                        single = nxt
                    else:
                        if single is not None:
                            push(ready, (-single._seq, single))
                            single = None
                        push(ready, (-nxt._seq, nxt))
            if not retain_graph and node._saved is not None:
                node._saved = FREED
    finally:
        STATE.enabled = prev_mode
        tasks.pop()
    if captured is not None and not accumulate:
        for i, ((node, _), grad) in enumerate(zip(inputs, captured)):
            if grad is None and not allow_unused:
                raise RuntimeError(_UNUSED_MSG.format(i))
    return captured


def _fill_missing(grads, out_meta):
    """The gradients of a multi-output node, one per output: zeros for a floating output
    no gradient reached (formulas then need no None checks), None for integer outputs."""
    from ..tensor import Tensor
    import numpy as np
    filled = []
    for nr, (shape, dtype) in enumerate(out_meta):
        g = grads[nr] if nr < len(grads) else None
        if g is None and dtype.kind in "fc":
            g = Tensor._make(np.zeros(shape, dtype))
        filled.append(g)
    return tuple(filled)


def _add_to_buffer(buf, nr, grad):
    while len(buf) <= nr:
        buf.append(None)
    old = buf[nr]
    buf[nr] = grad if old is None else old + grad


def _conform(g, meta, node, i):
    """The engine's part of every gradient: reduced to its input's shape (broadcasting)
    and cast to its dtype."""
    shape, dtype = meta
    if g._data.shape != shape:
        g = sum_to(g, shape, node, i)
    if g._data.dtype != dtype:
        g = g.to(_dtype_of(dtype))
    return g


def _dtype_of(np_dtype):
    from ..dtypes import from_numpy_dtype
    return from_numpy_dtype(np_dtype)


# ----- the general path: hooks, retained grads, nodes that are not a primitive's


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
    if not hasattr(result, "_data"):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    if original is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
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
                _store_retained(tensor, grads[nr])


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
            _accumulate(node, grads[0], task.create_graph)
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
        grad = _fill_missing(grads, node._out_meta)
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
            g = _conform(g, meta, node, i)
        results[i] = g
    return results
