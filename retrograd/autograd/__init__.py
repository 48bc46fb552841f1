"""torch.autograd's API: backward, grad, grad modes, gradcheck; the engine behind them."""
import warnings

import numpy as _np

from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled,
                        inference_mode, is_inference_mode_enabled)
from . import graph
from .graph import Node
from .engine import run_backward
from .. import tensor as _tensor  # (Tensor itself: tensor.py imports this package)
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from . import function
from .function import Function
from . import anomaly_mode
from .anomaly_mode import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,
                           is_anomaly_check_nan_enabled)

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "inference_mode", "gradcheck", "gradgradcheck", "graph",
           "Function", "function", "detect_anomaly", "set_detect_anomaly"]

_CYCLE_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the "
    "parameter and its gradient which can cause a memory leak. We recommend using "
    "autograd.grad when creating the graph to avoid this. If you have to use this function, "
    "make sure to reset the .grad fields of your parameters to None after use to break the "
    "cycle and avoid the leak.")


_warned_cycle = False


def _warn_cycle_once():
    # PyTorch warns once per process (TORCH_WARN_ONCE), whatever the warning filters say
    global _warned_cycle
    _warned_cycle = True
    warnings.warn(_CYCLE_WARNING, UserWarning, stacklevel=4)


def _as_tuple(x):
    if x is None:
        return ()
    return (x,) if hasattr(x, "_data") or isinstance(x, graph.GradientEdge) else tuple(x)


def _shape_str(shape):
    return f"torch.Size([{', '.join(map(str, shape))}])"


def _root_edges_and_grads(outputs, grad_outputs):
    """The engine's starting edges and gradients, with PyTorch's checks: an implicit
    gradient only for scalars, given gradients of the output's shape, cast to its dtype."""
    ones_like = _ones_like()
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = [grad_outputs] if hasattr(grad_outputs, "_data") else list(grad_outputs)
    # As in PyTorch, outputs and gradients pair up like zip(): extra gradients are ignored.
    for g in grad_outputs[:len(outputs)]:
        if g is not None and not hasattr(g, "_data"):
            raise TypeError(f"gradients can be either Tensors or None, but got "
                            f"{type(g).__name__}")
    edges, grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._requires_grad and out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = ones_like(out)
        else:
            if g.shape != out.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {_shape_str(g.shape)} "
                    f"and output[{i}] has a shape of {_shape_str(out.shape)}.")
            if g.dtype is not out.dtype:
                g = g.to(out.dtype) if out.dtype.is_floating_point else g
        grads.append(g)
    if len(grad_outputs) < len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    for i, out in enumerate(outputs):
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        fn = out.grad_fn
        edges.append((fn, out._output_nr) if fn is not None else (out._accumulator(), 0))
    return edges, grads


_ONES_LIKE = []


def _ones_like():
    """_creation.ones_like (it imports ops, which import this package: bound on first use)."""
    if not _ONES_LIKE:
        from .._creation import ones_like
        _ONES_LIKE.append(ones_like)
    return _ONES_LIKE[0]


def _input_edge(t):
    if isinstance(t, graph.GradientEdge):
        return (t.node, t.output_nr)
    fn = t.grad_fn
    return (fn, t._output_nr) if fn is not None else (t._accumulator(), 0)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (or of
    ``inputs`` only, when given), as torch.autograd.backward."""
    if (type(tensors) is _tensor.Tensor and grad_tensors is None and grad_variables is None
            and inputs is None and create_graph is False and tensors._requires_grad):
        data = tensors._data
        if data.size == 1:
            # loss.backward(): one scalar root and its implicit gradient, as the general
            # path below makes them (ones_like, the root's edge), without its containers
            fn = tensors.grad_fn
            edge = (fn, tensors._output_nr) if fn is not None else (tensors._accumulator(), 0)
            ones = _np.empty(data.shape, data.dtype)
            ones.fill(1)  # (np.ones is a Python function: twice the cost here)
            run_backward([edge], [_tensor.Tensor._make(ones)],
                         False if retain_graph is None else retain_graph, False)
            return
    outputs = _as_tuple(tensors)
    if grad_variables is not None:
        grad_tensors = grad_variables
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    edges, grads = _root_edges_and_grads(outputs, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph and not _warned_cycle:
        _warn_cycle_once()
    input_edges = None
    if inputs is not None:
        for t in inputs:
            # PyTorch retains the gradients of the inputs: a non-leaf input gets its .grad
            # now and in later backward calls; an input without grad is refused here.
            if not isinstance(t, graph.GradientEdge):
                t.retain_grad()
        input_edges = [_input_edge(t) for t in inputs]
    run_backward(edges, grads, retain_graph, create_graph, input_edges, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False,
         materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned rather than
    accumulated, running only the part of the graph that leads to the inputs."""
    outputs = _as_tuple(outputs)
    if allow_unused is False and materialize_grads:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    keys = None
    if type(inputs) is dict:
        keys, inputs = list(inputs), tuple(inputs.values())
    elif hasattr(inputs, "_data") or isinstance(inputs, graph.GradientEdge):
        inputs = (inputs,)
    else:
        inputs = tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to "
                      "True). To accumulate gradient for other parts of the graph, please use "
                      "torch.autograd.backward.", FutureWarning, stacklevel=2)
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        result = _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                               allow_unused)
    else:
        result = _grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                       allow_unused)
    if materialize_grads:
        if any(g is None and isinstance(t, graph.GradientEdge)
               for t, g in zip(inputs, result)):
            raise RuntimeError("materialize_grads cannot be used when the given input is a "
                               "GradientEdge")
        from .._creation import zeros_like
        result = [zeros_like(t, requires_grad=create_graph) if g is None else g
                  for t, g in zip(inputs, result)]
    result = tuple(result)
    return dict(zip(keys, result)) if keys is not None else result


def _grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
    for t in inputs:
        if not isinstance(t, graph.GradientEdge) and not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    edges, grads = _root_edges_and_grads(outputs, grad_outputs)
    return run_backward(edges, grads, retain_graph, create_graph,
                        [_input_edge(t) for t in inputs], accumulate=False,
                        allow_unused=allow_unused)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
    """is_grads_batched: the first dimension of each grad_output is a batch of vectors;
    one backward per vector (PyTorch vectorizes this with vmap), results stacked."""
    if grad_outputs is None:
        grad_outputs = _root_edges_and_grads(outputs, None)[1]
    grad_outputs = [grad_outputs] if hasattr(grad_outputs, "_data") else list(grad_outputs)
    if any(g is not None and g.ndim == 0 for g in grad_outputs):
        raise ValueError("vmap(vjp, in_dims=0, ...)(<inputs>): Got in_dim=0 for some input, but "
                         "that input is a Tensor of dimensionality 0 so expected in_dim to "
                         "satisfy 0 <= in_dim < 0.")
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is not None and tuple(g.shape[1:]) != tuple(out.shape):
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each "
                "grad_output as the batch dimension. The sizes of the remaining dimensions are "
                "expected to match the shape of corresponding output, but a mismatch was "
                # (PyTorch drops the batch dimension twice in this message)
                f"detected: grad_output[{i}] has a shape of {_shape_str(g.shape[2:])} and "
                f"output[{i}] has a shape of {_shape_str(out.shape)}. If you only want some "
                "tensors in `grad_output` to be considered batched, consider using vmap.")
    n = next(g.shape[0] for g in grad_outputs if g is not None)
    per_vector = [_grad(outputs, inputs, [None if g is None else g[k] for g in grad_outputs],
                        retain_graph or k < n - 1, create_graph, allow_unused)
                  for k in range(n)]
    return [None if column[0] is None else _stack0(column) for column in zip(*per_vector)]


def _stack0(tensors):
    """Stack along a new first dimension, differentiably (sum of one-hot placements)."""
    import numpy as np
    from ..tensor import Tensor
    n, shape = len(tensors), tuple(tensors[0].shape)
    eye = np.eye(n, dtype=tensors[0]._data.dtype).reshape((n, n) + (1,) * len(shape))
    total = None
    for k, t in enumerate(tensors):
        term = Tensor._make(eye[k]) * t.reshape((1,) + shape)
        total = term if total is None else total + term
    return total
