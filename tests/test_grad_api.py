"""Scenario tests for autograd.grad and autograd.backward: PyTorch's signature and defaults
(allow_unused follows materialize_grads, dict inputs, GradientEdge inputs,
is_grads_batched), grad_outputs checks and their error texts, running only the part of the
graph that leads to the inputs, backward(inputs=...), and the create_graph reference-cycle
warning given once per process.

Each test runs with ``m = retrograd`` and with ``m = torch`` (the oracle, when installed).
"""
import os
import subprocess
import sys
import warnings

import pytest

from conftest import REAL_TORCH, raises_exact

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FREED = "Trying to backward through the graph a second time"


def leaf(m, values=(1.0, 2.0, 3.0), **kwargs):
    return m.tensor(list(values), requires_grad=True, **kwargs)


def test_grad_output_checks(m):
    x = leaf(m)
    y = x * 2
    with raises_exact(RuntimeError, "Mismatch in shape: grad_output[0] has a shape of "
                                    "torch.Size([2]) and output[0] has a shape of "
                                    "torch.Size([3])."):
        m.autograd.grad(y, x, grad_outputs=m.ones(2))
    with raises_exact(TypeError, "gradients can be either Tensors or None, but got int"):
        m.autograd.grad(y, x, grad_outputs=[3])
    with raises_exact(RuntimeError, "grad can be implicitly created only for scalar outputs"):
        m.autograd.grad(y, x)
    with raises_exact(RuntimeError, "element 0 of tensors does not require grad and does not "
                                    "have a grad_fn"):
        m.autograd.grad(m.ones(2).sum(), x)
    with raises_exact(RuntimeError, "element 1 of tensors does not require grad and does not "
                                    "have a grad_fn"):
        m.autograd.backward([y.sum(), m.ones(())])
    # a gradient of another dtype is cast to the output's
    (g,) = m.autograd.grad(y, x, grad_outputs=m.ones(3, dtype=m.float64))
    assert g.dtype == m.float32 and g.tolist() == [2.0, 2.0, 2.0]


def test_inputs_checks(m):
    x = leaf(m)
    y = (x * x).sum()
    with raises_exact(RuntimeError, "`inputs` argument to `grad()` cannot be empty."):
        m.autograd.grad(y, [])
    with raises_exact(RuntimeError, "`inputs` argument to `backward()` cannot be empty."):
        m.autograd.backward(y, inputs=[])
    with raises_exact(RuntimeError, "One of the differentiated Tensors does not require grad"):
        m.autograd.grad(y, [x, m.ones(2)])
    z = x.detach().requires_grad_()
    with raises_exact(RuntimeError, "The differentiated Tensor at index 1 appears to not have "
                                    "been used in the graph. Set allow_unused=True if this is "
                                    "the desired behavior."):
        m.autograd.grad(y, [x, z], retain_graph=True)
    assert m.autograd.grad(y, [x, z], allow_unused=True, retain_graph=True)[1] is None
    gx, gz = m.autograd.grad(y, [x, z], materialize_grads=True, retain_graph=True)
    assert gz.tolist() == [0.0, 0.0, 0.0] and not gz.requires_grad
    gx, gz = m.autograd.grad(y, [x, z], materialize_grads=True, create_graph=True)
    assert gz.requires_grad and gx.requires_grad  # zeros that take part in the new graph


def test_dict_inputs_give_a_dict(m):
    a, b = leaf(m), leaf(m, (4.0, 5.0, 6.0))
    grads = m.autograd.grad((a * b).sum(), {"a": a, "b": b})
    assert list(grads) == ["a", "b"]
    assert grads["a"].tolist() == [4.0, 5.0, 6.0] and grads["b"].tolist() == [1.0, 2.0, 3.0]


def test_gradient_edge_inputs(m):
    x = leaf(m)
    h = x * 2
    edge = m.autograd.graph.get_gradient_edge(h)
    assert edge.node is h.grad_fn and edge.output_nr == 0
    y = (h * h).sum()
    (g,) = m.autograd.grad(y, edge, retain_graph=True)
    assert g.tolist() == [4.0, 8.0, 12.0]
    (gx,) = m.autograd.grad(y, m.autograd.graph.get_gradient_edge(x))
    assert gx.tolist() == [8.0, 16.0, 24.0]
    h = x * 2
    (h * h).sum().backward(inputs=[m.autograd.graph.get_gradient_edge(h)])
    assert x.grad is None  # backward stops at the edge; only leaves accumulate
    (x * x).sum().backward(inputs=m.autograd.graph.get_gradient_edge(x))
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    assert repr(edge).startswith("GradientEdge(node=<MulBackward0 object at 0x")
    with raises_exact(RuntimeError, "It is not possible to get the gradient edge for a Tensor "
                                    "that does not require gradients"):
        m.autograd.graph.get_gradient_edge(m.ones(1))


def test_only_inputs_is_deprecated(m):
    x = leaf(m)
    with pytest.warns(FutureWarning, match="^only_inputs argument is deprecated and is "
                                           "ignored now"):
        (g,) = m.autograd.grad((x * x).sum(), x, only_inputs=False)
    assert g.tolist() == [2.0, 4.0, 6.0]


def test_is_grads_batched(m):
    x = leaf(m)
    y = x * x
    (jac,) = m.autograd.grad(y, x, grad_outputs=m.eye(3), is_grads_batched=True)
    assert jac.tolist() == [[2.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 6.0]]
    a = m.tensor(2.0, requires_grad=True)
    (g,) = m.autograd.grad(a * a * a, a, grad_outputs=m.tensor([1.0, 2.0]),
                           is_grads_batched=True, create_graph=True)
    assert g.tolist() == [12.0, 24.0] and g.requires_grad
    with raises_exact(RuntimeError, "If `is_grads_batched=True`, we interpret the first "
                                    "dimension of each grad_output as the batch dimension. The "
                                    "sizes of the remaining dimensions are expected to match "
                                    "the shape of corresponding output, but a mismatch was "
                                    "detected: grad_output[0] has a shape of torch.Size([]) "
                                    "and output[0] has a shape of torch.Size([3]). If you only "
                                    "want some tensors in `grad_output` to be considered "
                                    "batched, consider using vmap."):
        m.autograd.grad(x * 2, x, grad_outputs=m.ones(3, 2), is_grads_batched=True)


def test_grad_runs_only_nodes_leading_to_inputs(m):
    ran = []
    x, w = leaf(m), leaf(m, (4.0, 5.0, 6.0))
    h = x * 2
    side = w.exp()
    side.grad_fn.register_prehook(lambda go: ran.append("side"))
    h.grad_fn.register_prehook(lambda go: ran.append("h"))
    y = (h * 3).sum() + side.sum()
    (g,) = m.autograd.grad(y, h, retain_graph=True)
    assert g.tolist() == [3.0, 3.0, 3.0] and ran == []
    (g,) = m.autograd.grad(y, x)
    assert g.tolist() == [6.0, 6.0, 6.0] and ran == ["h"]
    assert x.grad is None and w.grad is None


def test_an_input_node_that_leads_nowhere_is_not_run(m):
    x = leaf(m)
    y = x.exp()
    y.sum().backward()  # frees what ExpBackward0 saved
    # y's node is only captured at, never run: no error about the freed graph
    (g,) = m.autograd.grad(y.sum(), y)
    assert g.tolist() == [1.0, 1.0, 1.0]
    z = x.detach().requires_grad_()
    y.backward(m.ones(3), inputs=[z])  # nothing leads to z: nothing runs
    assert z.grad is None


def test_backward_inputs(m):
    a, b = leaf(m), leaf(m, (4.0, 5.0, 6.0))
    h = a * b
    (h * 2).sum().backward(inputs=[a, h])
    assert a.grad.tolist() == [8.0, 10.0, 12.0] and b.grad is None
    assert h.grad.tolist() == [2.0, 2.0, 2.0]
    c = leaf(m)
    m.autograd.backward((c * c).sum(), inputs=c)
    assert c.grad.tolist() == [2.0, 4.0, 6.0]


def test_backward_grad_tensors_and_several_roots(m):
    x = leaf(m)
    m.autograd.backward([(x * 2).sum(), x * 3], [None, m.tensor([1.0, 0.0, 2.0])])
    assert x.grad.tolist() == [5.0, 2.0, 8.0]
    with raises_exact(RuntimeError, "grad can be implicitly created only for scalar outputs"):
        m.autograd.backward([x * 2])


def test_create_graph_keeps_a_graph_for_the_gradient(m):
    x = m.tensor(3.0, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (x ** 3).backward(create_graph=True)
    g = x.grad
    assert g.item() == 27.0 and g.requires_grad
    (g2,) = m.autograd.grad(g, x)
    assert g2.item() == 18.0


def test_retain_graph_defaults_to_create_graph(m):
    x = m.tensor(3.0, requires_grad=True)
    y = x.exp()
    m.autograd.grad(y, x, create_graph=True)
    m.autograd.grad(y, x)  # the graph was kept
    with pytest.raises(RuntimeError, match="^" + FREED):
        m.autograd.grad(y, x)


_ONCE = """
import warnings, sys
sys.path.insert(0, {root!r})
import {lib} as m
x = m.tensor(2.0, requires_grad=True)
with warnings.catch_warnings(record=True) as record:
    warnings.simplefilter("always")
    (x ** 2).backward(create_graph=True)
    (x ** 2).backward(create_graph=True)
    m.autograd.backward(x ** 2, create_graph=True)
    m.autograd.grad(x ** 2, x, create_graph=True)
print(len(record), record[0].category.__name__, str(record[0].message))
"""


def _once(lib):
    out = subprocess.run([sys.executable, "-c", _ONCE.format(root=ROOT, lib=lib)],
                         capture_output=True, text=True, timeout=120, check=True)
    # PyTorch adds where in its C++ engine the warning came from
    return out.stdout.strip().split(" (Triggered internally at")[0]


def test_create_graph_warning_once_per_process():
    expected = (
        "1 UserWarning Using backward() with create_graph=True will create a reference cycle "
        "between the parameter and its gradient which can cause a memory leak. We recommend "
        "using autograd.grad when creating the graph to avoid this. If you have to use this "
        "function, make sure to reset the .grad fields of your parameters to None after use "
        "to break the cycle and avoid the leak.")
    assert _once("retrograd") == expected
    if REAL_TORCH is not None:
        assert _once("torch") == expected
