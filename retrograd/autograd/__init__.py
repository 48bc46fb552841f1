"""torch.autograd's API: backward, grad, grad modes, gradcheck; the engine behind them."""
import warnings

from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled,
                        inference_mode, is_inference_mode_enabled)
from . import graph
from .graph import Node
from .engine import run_backward
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from . import anomaly_mode
from .anomaly_mode import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,
                           is_anomaly_check_nan_enabled)

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "inference_mode", "gradcheck", "gradgradcheck", "graph",
           "detect_anomaly", "set_detect_anomaly"]

_CYCLE_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the "
    "parameter and its gradient which can cause a memory leak. We recommend using "
    "autograd.grad when creating the graph to avoid this. If you have to use this function, "
    "make sure to reset the .grad fields of your parameters to None after use to break the "
    "cycle and avoid the leak.")


def _as_tuple(x):
    if x is None:
        return ()
    return (x,) if hasattr(x, "_data") else tuple(x)


def _shape_str(shape):
    return f"torch.Size([{', '.join(map(str, shape))}])"


def _root_edges_and_grads(outputs, grad_outputs):
    """The engine's starting edges and gradients, with PyTorch's checks: an implicit
    gradient only for scalars, given gradients of the output's shape, cast to its dtype."""
    from .._creation import ones_like
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


def _input_edge(t):
    fn = t.grad_fn
    return (fn, t._output_nr) if fn is not None else (t._accumulator(), 0)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (or of
    ``inputs`` only, when given), as torch.autograd.backward."""
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
    if create_graph:
        warnings.warn(_CYCLE_WARNING, UserWarning, stacklevel=3)
    input_edges = None
    if inputs is not None:
        for t in inputs:
            # PyTorch retains the gradients of the inputs: a non-leaf input gets its .grad
            # now and in later backward calls; an input without grad is refused here.
            t.retain_grad()
        input_edges = [_input_edge(t) for t in inputs]
    run_backward(edges, grads, retain_graph, create_graph, input_edges, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False,
         materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned rather than
    accumulated, running only the part of the graph that leads to the inputs."""
    outputs = _as_tuple(outputs)
    single = hasattr(inputs, "_data")
    inputs = _as_tuple(inputs)
    if allow_unused is False and materialize_grads:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    edges, grads = _root_edges_and_grads(outputs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(edges, grads, retain_graph, create_graph,
                          [_input_edge(t) for t in inputs], accumulate=False,
                          allow_unused=allow_unused)
    if materialize_grads:
        from .._creation import zeros_like
        result = [zeros_like(t) if g is None else g for t, g in zip(inputs, result)]
    return tuple(result)
