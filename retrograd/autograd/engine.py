"""The backward engine: dependency counting, running nodes in PyTorch's order, reducing
broadcast gradients (sum_to), accumulating into .grad, releasing saved tensors.
Every walk over the graph is a loop with an explicit stack or heap: no recursion."""
import heapq
import sys as _sys
from sys import getrefcount as _getrefcount

import numpy as _np

from .grad_mode import STATE
from .graph import AccumulateGrad, FREED
from .general_path import _Task, _task_stack, _run_hooked
from .anomaly_mode import ANOMALY
from .. import tensor as _tensor  # (Tensor itself: tensor.py imports this package)
from .. import dtypes as _dtypes
from . import anomaly_mode as _anomaly

_ndarray = _np.ndarray

# Whether plain backward runs use the primitives' array formulas (vjp_data); off, every
# formula runs on Tensors (the tests compare the two bit for bit).
ARRAY_FORMULAS = True

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
    gshape = grad._data.shape
    lead = len(gshape) - len(shape)
    if lead == 1 and gshape[1:] == shape:  # a bias's gradient: the batch dim summed away
        sum_dim_p, prim_mod = _SUM_DIM or _sum_dim()
        data = grad._data
        if (not STATE.enabled and prim_mod._hook is None and type(grad) is _tensor.Tensor
                and data.dtype.kind == "f"):
            # What calling the primitive does here (nothing to record, no dispatcher, no
            # cast): its kernel, wrapped; the call's argument handling is a third of the cost
            return _tensor.Tensor._make(_sum_batch(data))
        return sum_dim_p(grad, (0,), False, gshape)  # (grad.sum(0)'s primitive, directly)
    if lead < 0 or any(s != 1 and s != g for s, g in zip(shape, gshape[lead:])):
        name = node.name() if node is not None else "backward"
        raise RuntimeError(
            f"Function {name} returned an invalid gradient at index {index} - got "
            f"[{', '.join(map(str, gshape))}] but expected shape compatible with "
            f"[{', '.join(map(str, shape))}]")
    ones = tuple(i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1)
    if ones:
        grad = grad.sum(tuple(range(lead)) + tuple(lead + i for i in ones), keepdim=True)
        return grad.reshape(shape) if lead else grad
    # only leading dims to drop (a bias's gradient): one sum, no reshape
    return grad.sum(tuple(range(lead))) if lead else grad


def _sum_batch(data):
    """sum(0)'s kernel on a float array: a bias's gradient, the batch dim summed away."""
    out = (_SUM_DIM or _sum_dim())[0].forward(_np, data, (0,), False, data.shape)
    return out if type(out) is _ndarray else _np.asarray(out)


def _conform_data(g, meta, node, i):
    """``_conform`` for an array formula's result: a bias's gradient directly, anything
    else through the Tensor path."""
    shape, dtype = meta
    if g.dtype == dtype and g.dtype.kind == "f" and g.ndim == len(shape) + 1 and \
            g.shape[1:] == shape:
        return _sum_batch(g)
    return _conform(_tensor.Tensor._make(g), meta, node, i)._data


def _accumulate(node, grad, create_graph):
    """AccumulateGrad's work: the first gradient is stored as a tensor of its own (never an
    alias of something else), later ones are added in place, as PyTorch does."""
    var = node.variable
    old = var._grad
    if old is None:
        # With create_graph the copy stays in the graph, as PyTorch's CopyBackwards does.
        # Otherwise a plain copy with the variable's memory layout (PyTorch's gradient
        # layout contract); a vmap-batched gradient keeps its own type's clone.
        if create_graph:
            var._grad = _copy_in_graph(grad)
        elif type(grad) is _ndarray and _stealable(grad, var._data):
            var._grad = _tensor.Tensor._make(grad)
        elif type(grad) is _tensor.Tensor or type(grad) is _ndarray:
            vdata, gdata = var._data, grad if type(grad) is _ndarray else grad._data
            if vdata.shape != gdata.shape:
                data = _np.empty_like(gdata)
                _np.copyto(data, gdata)
            elif gdata.dtype is vdata.dtype and vdata.flags.c_contiguous:
                # the common case: what empty_like(vdata) + copyto give, at a fifth the cost
                data = gdata.copy()
            else:
                data = _np.empty_like(vdata)
                _np.copyto(data, gdata)
            var._grad = _tensor.Tensor._make(data)
        else:
            var._grad = grad.detach().clone()
    elif create_graph:
        var._grad = old + grad
    else:  # in place even when .grad has a graph of its own (it keeps its grad_fn)
        old._data += grad if type(grad) is _ndarray else grad._data
        old._bump_version()


# The reference count _stealable sees for a gradient array only the engine holds (the
# buffer list run_backward popped, _accumulate's and _stealable's parameters, and
# getrefcount's argument, where the interpreter counts that): measured at import by
# _calibrate_stealing; -1 keeps nothing.
_ENGINE_REFS = -1


def _stealable(g, vdata):
    """Whether AccumulateGrad may keep the array itself rather than a copy, as PyTorch's
    steals a gradient nobody else holds: no other reference to it or to the array it views
    (CPython's reference counts tell), writeable, and in the variable's layout."""
    return (_getrefcount(g) == _ENGINE_REFS and g.strides == vdata.strides and
            g.shape == vdata.shape and g.dtype is vdata.dtype and g.flags.writeable and
            (g.base is None or type(g.base) is _ndarray and _getrefcount(g.base) == 2 and
             g.base.base is None))


def _calibrate_stealing():
    """Find _ENGINE_REFS by running _accumulate as run_backward calls it (interpreters
    count differently: 3.14 borrows stack references). It stays -1 unless a gradient only
    the engine holds is kept and one with a second holder is not; free-threaded builds,
    whose counts another thread may be changing, never keep."""
    global _ENGINE_REFS
    _ENGINE_REFS = -1
    if not getattr(_sys, "_is_gil_enabled", lambda: True)():
        return

    class Leaf:  # (what _accumulate reads of a leaf and its node)
        __slots__ = ("_data", "_grad", "variable")

    def kept(holder):
        leaf = Leaf()
        leaf._data, leaf._grad, leaf.variable = _np.zeros(3), None, leaf
        grads = [_np.zeros(3)]
        if holder is not None:  # someone else holding the gradient too
            holder.append(grads[0])
        _accumulate(leaf, grads[0], False)
        return leaf._grad._data is grads[0]

    for refs in range(1, 10):
        _ENGINE_REFS = refs
        if kept(None):
            if kept([]):
                break
            return
    _ENGINE_REFS = -1


_SUM_DIM = []


def _sum_dim():
    """sum(dim)'s primitive and the primitive module (ops import the autograd package, so
    not at the top)."""
    if not _SUM_DIM:
        from ..ops.reduction import sum_dim_p
        from ..ops import primitive
        _SUM_DIM.extend((sum_dim_p, primitive))
    return _SUM_DIM


_COPY = []


def _copy_in_graph(grad):
    if not _COPY:  # (ops import the autograd package: bound on first use)
        from ..ops.pointwise import copy_p
        _COPY.append(copy_p)
    return _COPY[0](grad)


def _store_retained(tensor, grad):
    # a clone: with create_graph (grad mode on) it stays in the graph, as PyTorch's does
    old = tensor._grad
    tensor._grad = grad.clone() if old is None else old + grad


def run_backward(roots, root_grads, retain_graph, create_graph, inputs=None,
                 accumulate=True, allow_unused=False):
    """Run the graph backward from ``roots`` (a list of (node, output_nr) edges) with the
    given gradients. With ``accumulate``, leaves' ``.grad`` receive their gradients (only
    the leaves among ``inputs`` when those are given); without it, the gradients of
    ``inputs`` (a list of (node, output_nr) edges) are returned instead, as
    ``autograd.grad`` does."""
    if len(roots) == 1:
        root_nodes = [roots[0][0]]
    else:
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
        buf = buffers.get(node)
        if buf is None:
            buffers[node] = [grad] if nr == 0 else [None] * nr + [grad]
        else:
            _add_to_buffer(buf, nr, grad)

    pop, push = heapq.heappop, heapq.heappush
    # Pushed one by one, in order, as PyTorch's graph root passes them on (ties between
    # AccumulateGrad roots then break as in PyTorch). A root that leads to no input does
    # not run (autograd.grad, backward(inputs=...)).
    ready = []
    # A node that is the only one ready skips the heap: chains never touch it.
    single = None
    if len(root_nodes) == 1:
        n = root_nodes[0]
        if n not in deps and (needed is None or n in needed):
            single = n
    else:
        for n in root_nodes:
            if n not in deps and (needed is None or n in needed):
                push(ready, (-n._seq, n))
    prev_mode = STATE.enabled
    STATE.enabled = create_graph
    node = None
    anomaly = ANOMALY.enabled
    # Array formulas (a primitive's vjp_data) run when nothing about the backward can be
    # observed but its results: no graph of it is built, no dual level or vmap is active
    # (their tangents and batches live on Tensors), no anomaly mode. Their gradients stay
    # bare arrays in the buffers until a Tensor consumer (a formula, a hook, .grad,
    # autograd.grad's result) needs one, and get the same bits as the Tensor formulas.
    on_arrays = ARRAY_FORMULAS and not (
        create_graph or anomaly or (_SUM_DIM or _sum_dim())[1]._hook is not None)
    for root_grad in root_grads:  # (a loop: any() over a generator costs a frame)
        if type(root_grad) is not _tensor.Tensor:
            on_arrays = False
    check_nan = anomaly and ANOMALY.check_nan
    if anomaly:
        parent = _anomaly.CURRENT[0]  # (a backward run from inside a formula: restored)
    try:
        while single is not None or ready:
            if single is not None:
                node, single = single, None
            else:
                node = pop(ready)[1]
            grads = buffers.pop(node, None)  # None: no gradient reached this node
            if node._hooks is not None:
                # hooks, retained grads or a node that is not a primitive's: the general path
                if anomaly:
                    _anomaly.CURRENT[0] = node
                results = _run_hooked(node, _tensors(grads), task)
                if results is None:
                    continue
                for i, ((nxt, nr), g) in enumerate(zip(node.next_functions, results)):
                    if nxt is None or (needed is not None and nxt not in needed):
                        continue
                    if g is not None:
                        if check_nan:
                            _anomaly.check_nan(node, i, g)
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
                            captured[i] = _tensors(grads)[nr]
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
            prim = node._prim
            vjps = prim.vjp_data if on_arrays else None
            arrays = vjps is not None
            if arrays:
                if grads is not None:
                    grad = grads[0]
                    if type(grad) is not _ndarray:
                        grad = grad._data
                    if node._saved is None:  # (add, sub: nothing to unpack)
                        saved, out = prim._nothing_saved, None
                    else:
                        saved, out = node._unpack_data()
                    params = node._params
                else:
                    grad = None
            else:
                vjps = prim.vjp
                if grads is None:
                    grad = None
                elif prim.nout == 1:
                    grad = grads[0]
                    if type(grad) is _ndarray:
                        grad = _tensor.Tensor._make(grad)
                else:
                    grad = _fill_missing(_tensors(grads), node._out_meta)
                if anomaly:
                    _anomaly.CURRENT[0] = node
                if grad is not None:
                    if node._saved is None:
                        saved, out = prim._nothing_saved, None
                    else:
                        saved, out = node._unpack()
                    params = node._params
            i = -1
            for (nxt, nr), meta, vjp in zip(node.next_functions, node._meta, vjps):
                i += 1
                if nxt is None or (needed is not None and nxt not in needed):
                    continue
                if grad is not None:
                    g = vjp(grad, *saved, out, *params)
                    if g is NotImplemented:  # an array formula's rare case: the Tensor one
                        g = _via_tensors(prim.vjp[i], grad, saved, out, params)
                    if g is not None:
                        if check_nan:
                            _anomaly.check_nan(node, i, g)
                        # (_conform's test inline: most metas match, nothing to do)
                        if arrays:  # (ufuncs make 0-d results NumPy scalars)
                            if type(g) is not _ndarray:
                                g = _np.asarray(g)
                            if meta is not None and (g.shape != meta[0] or
                                                     g.dtype != meta[1]):
                                g = _conform_data(g, meta, node, i)
                        elif meta is not None and (g._data.shape != meta[0] or
                                                   g._data.dtype != meta[1]):
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
            g = grad = None  # (nothing but the buffers holds a gradient: see _stealable)
            if not retain_graph and node._saved is not None:
                node._saved = FREED
    except BaseException as e:
        if ANOMALY.enabled:
            _anomaly.report(node, e)
        raise
    finally:
        STATE.enabled = prev_mode
        tasks.pop()
        if anomaly:
            _anomaly.CURRENT[0] = parent
    if captured is not None and not accumulate:
        for i, ((node, _), grad) in enumerate(zip(inputs, captured)):
            if grad is None and not allow_unused:
                raise RuntimeError(_UNUSED_MSG.format(i))
    return captured


def _fill_missing(grads, out_meta):
    """The gradients of a multi-output node, one per output: zeros for a floating output
    no gradient reached (formulas then need no None checks), None for integer outputs."""
    filled = []
    for nr, (shape, dtype) in enumerate(out_meta):
        g = grads[nr] if nr < len(grads) else None
        if g is None and dtype.kind in "fc":
            g = _tensor.Tensor._make(_np.zeros(shape, dtype))
        filled.append(g)
    return tuple(filled)


def _add_to_buffer(buf, nr, grad):
    while len(buf) <= nr:
        buf.append(None)
    old = buf[nr]
    if old is None:
        buf[nr] = grad
    elif type(old) is _ndarray and type(grad) is _ndarray:  # (Tensor addition's bits)
        buf[nr] = _np.asarray(old + grad)
    else:
        buf[nr] = _tensor_of(old) + _tensor_of(grad)


def _via_tensors(formula, grad, saved, out, params):
    """A Tensor formula run from the array path, on its arrays wrapped, unwrapped after."""
    wrap = _tensor.Tensor._make
    g = formula(wrap(grad), *[wrap(s) if type(s) is _ndarray else s for s in saved],
                None if out is None else wrap(out), *params)
    return None if g is None else g._data


def _tensor_of(grad):
    """A buffered gradient as a Tensor (array formulas leave bare arrays)."""
    return _tensor.Tensor._make(grad) if type(grad) is _ndarray else grad


def _tensors(grads):
    """A node's buffered gradients as Tensors, for whatever reads them as such."""
    if grads is None:
        return None
    return [_tensor.Tensor._make(g) if type(g) is _ndarray else g for g in grads]


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
    return _dtypes.from_numpy_dtype(np_dtype)
