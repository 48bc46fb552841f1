"""Scenario tests for retrograd's autograd rules: requires_grad, leaves, .grad, grad_fn
nodes and next_functions, backward/grad and their options, freed saved tensors, detach,
retain_grad, grad modes (per thread), in-place checks, and PyTorch's exact error texts.

Most tests take the library as the fixture ``m`` and run the same lines once with
``m = retrograd`` and once with ``m = torch`` (skipped when PyTorch is not installed).
Every expected value and message is written out, so the retrograd run checks something on
its own and the torch run proves the expectation is PyTorch's.
"""
import re
import threading
import warnings

import numpy as np
import pytest

import retrograd
from conftest import raises_exact


def leaf(m, values=(1.0, 2.0, 3.0), **kwargs):
    return m.tensor(list(values), requires_grad=True, **kwargs)


def name(node):
    return None if node is None else type(node).__name__


def edges(node):
    """next_functions as (class name or None, output_nr) pairs."""
    return [(name(n), nr) for n, nr in node.next_functions]


FREED = ("Trying to backward through the graph a second time (or directly access saved "
         "tensors after they have already been freed). Saved intermediate values of the graph "
         "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if "
         "you need to backward through the graph a second time or if you need to access saved "
         "tensors after calling backward.")
NO_GRAD_FN = "element 0 of tensors does not require grad and does not have a grad_fn"
NON_SCALAR = "grad can be implicitly created only for scalar outputs"
LEAF_ONLY = "you can only change requires_grad flags of leaf variables."
LEAF_ONLY_HINT = (LEAF_ONLY + " If you want to use a computed variable in a subgraph that "
                  "doesn't require differentiation use var_no_grad = var.detach().")
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_INPLACE = ("a view of a leaf Variable that requires grad is being used in an in-place "
                "operation.")
NONLEAF_GRAD_WARNING = ("The .grad attribute of a Tensor that is not a leaf Tensor is being "
                        "accessed.")
CYCLE_WARNING = ("Using backward() with create_graph=True will create a reference cycle "
                 "between the parameter and its gradient which can cause a memory leak.")
HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its "
        "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")


# ---------------------------------------------------------------------------------------
# requires_grad, leaves, requires_grad_()
# ---------------------------------------------------------------------------------------
def test_requires_grad_propagates_under_grad_mode(m):
    a = m.ones(3)
    b = leaf(m)
    assert a.is_leaf and b.is_leaf and not a.requires_grad and b.requires_grad
    assert not (a * 2).requires_grad and (a * 2).is_leaf and (a * 2).grad_fn is None
    c = a * b
    assert c.requires_grad and not c.is_leaf and c.grad_fn is not None
    d = c.sum() + a.sum()
    assert d.requires_grad and not d.is_leaf
    assert (a + 1).requires_grad is False


def test_requires_grad_does_not_propagate_under_no_grad(m):
    b = leaf(m)
    nonleaf = b * 2
    with m.no_grad():
        c = b * 2
        d = nonleaf * 2
    assert not c.requires_grad and c.is_leaf and c.grad_fn is None
    assert not d.requires_grad and d.is_leaf


def test_requires_grad_underscore(m):
    a = m.ones(2)
    assert a.requires_grad_() is a
    assert a.requires_grad and a.is_leaf and a.grad_fn is None
    assert a.requires_grad_(False) is a and not a.requires_grad
    a.requires_grad = True
    assert a.requires_grad
    y = a * 2
    assert y.requires_grad_() is y  # a non-leaf already requires grad: nothing to do
    assert y.requires_grad_(True).requires_grad


def test_changing_requires_grad_of_a_non_leaf(m):
    y = leaf(m) * 2
    with raises_exact(RuntimeError, LEAF_ONLY_HINT):
        y.requires_grad_(False)
    with raises_exact(RuntimeError, LEAF_ONLY_HINT):
        y.requires_grad = False
    with pytest.raises(RuntimeError) as info:  # without the hint when turning it on
        y.requires_grad = True
    assert str(info.value) == LEAF_ONLY
    assert y.requires_grad


def test_integer_tensors_cannot_require_grad(m):
    factory = "Only Tensors of floating point and complex dtype can require gradients"
    with raises_exact(RuntimeError, factory):
        m.tensor([1, 2], requires_grad=True)
    with raises_exact(RuntimeError, factory):
        m.zeros(2, dtype=m.int64, requires_grad=True)
    with raises_exact(RuntimeError, factory):
        m.ones(2, dtype=m.bool, requires_grad=True)
    with raises_exact(RuntimeError, "only Tensors of floating point dtype can require "
                                    "gradients"):
        m.tensor([1, 2]).requires_grad_()
    t = m.tensor([1, 2])
    with raises_exact(RuntimeError, "only Tensors of floating point and complex dtype can "
                                    "require gradients"):
        t.requires_grad = True
    assert t.requires_grad_(False) is t and not t.requires_grad  # turning it off is fine
    for dtype in ("float16", "float32", "float64"):
        assert m.zeros(1, dtype=getattr(m, dtype), requires_grad=True).requires_grad


def test_ops_with_integer_results_do_not_require_grad(m):
    x = leaf(m)
    assert not (x > 1).requires_grad
    assert not x.long().requires_grad


# ---------------------------------------------------------------------------------------
# .grad on leaves: accumulation, None, assignment checks
# ---------------------------------------------------------------------------------------
def test_grad_accumulates_across_backward_calls(m):
    x = leaf(m)
    assert x.grad is None
    (x * 2).sum().backward()
    first = x.grad
    assert first.tolist() == [2.0, 2.0, 2.0]
    assert first.requires_grad is False and first.is_leaf and first.grad_fn is None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0, 5.0]
    assert x.grad is first  # accumulated in place
    (x * x).sum().backward()
    assert x.grad.tolist() == [7.0, 9.0, 11.0]


def test_grad_set_to_none_and_deleted(m):
    x = leaf(m)
    (x * 2).sum().backward()
    x.grad = None
    assert x.grad is None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]
    del x.grad
    assert x.grad is None
    (x * 4).sum().backward()
    x.grad.zero_()
    (x * 5).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0, 5.0]


def test_grad_assignment(m):
    x = leaf(m)
    g = m.tensor([1.0, 0.0, 2.0])
    x.grad = g
    assert x.grad is g
    (x * 2).sum().backward()
    assert x.grad.tolist() == [3.0, 2.0, 4.0]


def test_grad_assignment_checks(m):
    x = leaf(m)
    with raises_exact(RuntimeError, "attempting to assign a gradient of size '[2]' to a tensor "
                                    "of size '[3]'. Please ensure that the gradient and the "
                                    "tensor are the same size"):
        x.grad = m.ones(2)
    with raises_exact(RuntimeError, "attempting to assign a gradient with dtype 'double' to a "
                                    "tensor with grad_dtype 'Float'. The gradient must match "
                                    "the tensor's grad_dtype"):
        x.grad = m.ones(3, dtype=m.float64)
    with raises_exact(RuntimeError, "attempting to assign a gradient with dtype 'long int' to "
                                    "a tensor with grad_dtype 'Float'."):
        x.grad = m.ones(3, dtype=m.int64)
    with raises_exact(TypeError, "assigned grad expected to be a Tensor or None but got grad "
                                 "of type list"):
        x.grad = [1.0, 2.0, 3.0]
    assert x.grad is None


# ---------------------------------------------------------------------------------------
# grad_fn nodes: names, reprs, next_functions, AccumulateGrad
# ---------------------------------------------------------------------------------------
GRAD_FN_CASES = [  # id, expression over leaf x [1, 2, 3] and constant c, node, next_functions
    ("add", lambda m, x, c: x + c, "AddBackward0", [("AccumulateGrad", 0), (None, 0)]),
    ("add_scalar", lambda m, x, c: x + 1, "AddBackward0", [("AccumulateGrad", 0), (None, 0)]),
    ("radd", lambda m, x, c: 1 + x, "AddBackward0", [("AccumulateGrad", 0), (None, 0)]),
    ("add_xx", lambda m, x, c: x + x, "AddBackward0",
     [("AccumulateGrad", 0), ("AccumulateGrad", 0)]),
    ("sub", lambda m, x, c: x - c, "SubBackward0", [("AccumulateGrad", 0), (None, 0)]),
    ("sub_scalar", lambda m, x, c: x - 1, "SubBackward0", [("AccumulateGrad", 0), (None, 0)]),
    ("rsub_scalar", lambda m, x, c: 1 - x, "RsubBackward1", [("AccumulateGrad", 0)]),
    ("rsub_tensor", lambda m, x, c: c - x, "SubBackward0", [(None, 0), ("AccumulateGrad", 0)]),
    ("mul", lambda m, x, c: x * c, "MulBackward0", [("AccumulateGrad", 0), (None, 0)]),
    ("mul_scalar", lambda m, x, c: x * 2, "MulBackward0", [("AccumulateGrad", 0), (None, 0)]),
    ("rmul", lambda m, x, c: 2 * x, "MulBackward0", [("AccumulateGrad", 0), (None, 0)]),
    ("div", lambda m, x, c: x / c, "DivBackward0", [("AccumulateGrad", 0), (None, 0)]),
    ("div_scalar", lambda m, x, c: x / 2, "DivBackward0", [("AccumulateGrad", 0), (None, 0)]),
    ("rdiv", lambda m, x, c: 2 / x, "MulBackward0", [("ReciprocalBackward0", 0), (None, 0)]),
    ("pow_scalar", lambda m, x, c: x ** 2, "PowBackward0", [("AccumulateGrad", 0)]),
    ("pow_tensor", lambda m, x, c: x ** c, "PowBackward1", [("AccumulateGrad", 0), (None, 0)]),
    ("rpow", lambda m, x, c: 2 ** x, "PowBackward2", [("AccumulateGrad", 0)]),
    ("neg", lambda m, x, c: -x, "NegBackward0", [("AccumulateGrad", 0)]),
    ("sum", lambda m, x, c: x.sum(), "SumBackward0", [("AccumulateGrad", 0)]),
    ("sum_dim", lambda m, x, c: x.sum(0), "SumBackward1", [("AccumulateGrad", 0)]),
    ("mean", lambda m, x, c: x.mean(), "MeanBackward0", [("AccumulateGrad", 0)]),
    ("mean_dim", lambda m, x, c: x.mean(0), "MeanBackward1", [("AccumulateGrad", 0)]),
    ("view", lambda m, x, c: x.view(3, 1), "ViewBackward0", [("AccumulateGrad", 0)]),
    ("reshape", lambda m, x, c: x.reshape(3, 1), "ViewBackward0", [("AccumulateGrad", 0)]),
    ("select", lambda m, x, c: x[0], "SelectBackward0", [("AccumulateGrad", 0)]),
    ("slice", lambda m, x, c: x[1:], "SliceBackward0", [("AccumulateGrad", 0)]),
    ("none_index", lambda m, x, c: x[None], "UnsqueezeBackward0", [("AccumulateGrad", 0)]),
    ("unsqueeze", lambda m, x, c: x.unsqueeze(0), "UnsqueezeBackward0",
     [("AccumulateGrad", 0)]),
    ("t", lambda m, x, c: x.view(1, 3).t(), "TBackward0", [("ViewBackward0", 0)]),
    ("transpose", lambda m, x, c: x.view(1, 3).transpose(0, 1), "TransposeBackward0",
     [("ViewBackward0", 0)]),
    ("permute", lambda m, x, c: x.view(1, 3).permute(1, 0), "PermuteBackward0",
     [("ViewBackward0", 0)]),
    ("squeeze", lambda m, x, c: x.view(1, 3).squeeze(), "SqueezeBackward0",
     [("ViewBackward0", 0)]),
    ("squeeze_dim", lambda m, x, c: x.view(1, 3).squeeze(0), "SqueezeBackward1",
     [("ViewBackward0", 0)]),
    ("expand", lambda m, x, c: x.expand(2, 3), "ExpandBackward0", [("AccumulateGrad", 0)]),
    ("flatten", lambda m, x, c: x.view(3, 1).flatten(), "ViewBackward0",
     [("ViewBackward0", 0)]),
    ("exp", lambda m, x, c: x.exp(), "ExpBackward0", [("AccumulateGrad", 0)]),
    ("log", lambda m, x, c: x.log(), "LogBackward0", [("AccumulateGrad", 0)]),
    ("sin", lambda m, x, c: x.sin(), "SinBackward0", [("AccumulateGrad", 0)]),
    ("tanh", lambda m, x, c: x.tanh(), "TanhBackward0", [("AccumulateGrad", 0)]),
    ("sigmoid", lambda m, x, c: x.sigmoid(), "SigmoidBackward0", [("AccumulateGrad", 0)]),
    ("relu", lambda m, x, c: x.relu(), "ReluBackward0", [("AccumulateGrad", 0)]),
    ("sqrt", lambda m, x, c: x.sqrt(), "SqrtBackward0", [("AccumulateGrad", 0)]),
    ("abs", lambda m, x, c: x.abs(), "AbsBackward0", [("AccumulateGrad", 0)]),
    ("clone", lambda m, x, c: x.clone(), "CloneBackward0", [("AccumulateGrad", 0)]),
    ("double", lambda m, x, c: x.double(), "ToCopyBackward0", [("AccumulateGrad", 0)]),
    ("dot", lambda m, x, c: x @ c, "DotBackward0", [("AccumulateGrad", 0), (None, 0)]),
    ("mm", lambda m, x, c: x.view(1, 3) @ c.view(3, 1), "MmBackward0",
     [("ViewBackward0", 0), (None, 0)]),
    ("mv", lambda m, x, c: x.view(1, 3) @ c, "MvBackward0", [("ViewBackward0", 0), (None, 0)]),
    ("vecmat", lambda m, x, c: x @ c.view(3, 1), "SqueezeBackward4", [("MmBackward0", 0)]),
    ("bmm", lambda m, x, c: x.view(1, 1, 3) @ c.view(1, 3, 1), "UnsafeViewBackward0",
     [("BmmBackward0", 0)]),
]


@pytest.mark.parametrize("expr, node, nexts", [pytest.param(*c[1:], id=c[0])
                                               for c in GRAD_FN_CASES])
def test_grad_fn_names_and_next_functions(m, expr, node, nexts):
    x = leaf(m)
    c = m.tensor([4.0, 5.0, 6.0])
    y = expr(m, x, c)
    fn = y.grad_fn
    assert type(fn).__name__ == node
    assert fn.name() == node
    assert edges(fn) == nexts
    assert isinstance(fn.next_functions, tuple)
    assert all(isinstance(e, tuple) and len(e) == 2 for e in fn.next_functions)


def test_node_repr(m):
    fn = (leaf(m) + 1).grad_fn
    assert re.fullmatch(r"<AddBackward0 object at 0x[0-9a-f]+>", repr(fn))
    acc = fn.next_functions[0][0]
    assert re.fullmatch(r"<AccumulateGrad object at 0x[0-9a-f]+>", repr(acc))
    assert "grad_fn=<AddBackward0>" in repr(leaf(m) + 1)


def test_accumulate_grad_node(m):
    x = leaf(m)
    y = x * 3
    acc, nr = y.grad_fn.next_functions[0]
    assert type(acc).__name__ == "AccumulateGrad" and nr == 0
    assert acc.variable is x
    assert acc.next_functions == ()


def test_accumulate_grad_name_is_torchs():
    acc = (leaf(retrograd) * 3).grad_fn.next_functions[0][0]
    assert acc.name() == "torch::autograd::AccumulateGrad"


def test_accumulate_grad_name(m):
    acc = (leaf(m) * 3).grad_fn.next_functions[0][0]
    assert acc.name().endswith("AccumulateGrad")


def test_one_leaf_shares_one_accumulate_grad(m):
    x = leaf(m)
    y = x * x
    (a, _), (b, _) = y.grad_fn.next_functions
    assert a is b and a.variable is x
    p, q = x * 2, x.exp()
    z = p + q  # both branches of one graph end in the same sink
    assert p.grad_fn.next_functions[0][0] is q.grad_fn.next_functions[0][0]
    z.sum().backward()
    assert np.allclose(x.grad.tolist(), [2 + np.exp(v) for v in (1.0, 2.0, 3.0)])


def test_next_functions_chain_to_the_producing_node(m):
    x = leaf(m)
    y = x.exp()
    z = y.exp() * y
    mul = z.grad_fn
    assert type(mul).__name__ == "MulBackward0"
    assert mul.next_functions[0][0].next_functions[0][0] is y.grad_fn
    assert mul.next_functions[1][0] is y.grad_fn
    w = m.ones(3) * 2  # a constant's graph is empty
    assert w.grad_fn is None


# ---------------------------------------------------------------------------------------
# backward(): gradient, retain_graph, inputs, autograd.backward
# ---------------------------------------------------------------------------------------
def test_implicit_gradient_for_scalars(m):
    x = leaf(m)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    one = leaf(m, (2.0,))
    (one * 3).backward()  # one element, not 0-d: still implicit
    assert one.grad.tolist() == [3.0]


def test_non_scalar_needs_a_gradient(m):
    x = leaf(m)
    with raises_exact(RuntimeError, NON_SCALAR):
        (x * 2).backward()
    with raises_exact(RuntimeError, NON_SCALAR):
        m.autograd.grad(x * 2, x)
    (x * 2).backward(m.tensor([1.0, 0.0, 2.0]))
    assert x.grad.tolist() == [2.0, 0.0, 4.0]


def test_backward_keyword_arguments(m):
    x = leaf(m)
    y = x * x
    y.backward(gradient=m.ones(3), retain_graph=True, create_graph=False, inputs=None)
    y.backward(gradient=m.ones(3), retain_graph=None, inputs=[x])
    assert x.grad.tolist() == [4.0, 8.0, 12.0]


def test_autograd_backward_function(m):
    x = leaf(m)
    m.autograd.backward((x * 2).sum())
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    m.autograd.backward([x * 2], [m.ones(3)])
    assert x.grad.tolist() == [4.0, 4.0, 4.0]
    m.autograd.backward(x * 2, grad_tensors=m.tensor([1.0, 2.0, 3.0]))
    assert x.grad.tolist() == [6.0, 8.0, 10.0]
    m.autograd.backward([(x * 1).sum(), (x * x).sum()])  # several roots at once
    assert x.grad.tolist() == [9.0, 13.0, 17.0]


def test_gradient_argument_checks(m):
    x = leaf(m)
    with raises_exact(RuntimeError, "Mismatch in shape: grad_output[0] has a shape of "
                                    "torch.Size([2]) and output[0] has a shape of "
                                    "torch.Size([3])."):
        (x * 2).backward(m.ones(2))
    with raises_exact(RuntimeError, "Mismatch in shape: grad_output[0] has a shape of "
                                    "torch.Size([3, 1]) and output[0] has a shape of "
                                    "torch.Size([3])."):
        (x * 2).backward(m.ones(3, 1))
    with raises_exact(RuntimeError, "Mismatch in shape: grad_output[0] has a shape of "
                                    "torch.Size([2]) and output[0] has a shape of "
                                    "torch.Size([3])."):
        m.autograd.grad(x * 2, x, m.ones(2))
    with raises_exact(TypeError, "gradients can be either Tensors or None, but got float"):
        (x * 2).backward([1.0, 1.0, 1.0])
    with raises_exact(TypeError, "gradients can be either Tensors or None, but got float"):
        m.autograd.grad([(x * 2).sum()], x, [1.0])
    with raises_exact(RuntimeError, "got 2 tensors and 1 gradients"):
        m.autograd.backward([(x * 2).sum(), (x * 3).sum()], [m.tensor(1.0)])
    # a gradient of another float dtype is cast to the output's
    (x * 2).backward(m.ones(3, dtype=m.float64))
    assert x.grad.dtype is m.float32 and x.grad.tolist() == [2.0, 2.0, 2.0]


def test_backward_of_something_without_grad(m):
    with raises_exact(RuntimeError, NO_GRAD_FN):
        m.tensor([1.0]).sum().backward()
    x = leaf(m)
    with raises_exact(RuntimeError, "element 1 of tensors does not require grad and does not "
                                    "have a grad_fn"):
        m.autograd.backward([x.sum(), m.tensor(1.0)])
    y = x * 2
    with m.no_grad():
        s = y.sum()  # computed without recording
    with raises_exact(RuntimeError, NO_GRAD_FN):
        s.backward()
    with raises_exact(RuntimeError, NO_GRAD_FN):
        x.detach().sum().backward()


def test_backward_on_a_leaf(m):
    x = leaf(m)
    x.backward(m.ones(3))
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
    s = leaf(m, (2.0,))
    s.backward()
    assert s.grad.tolist() == [1.0]


def test_backward_inputs_accumulates_only_there(m):
    a, b = leaf(m), leaf(m, (4.0, 5.0, 6.0))
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [4.0, 5.0, 6.0] and b.grad is None
    (a * b).sum().backward(inputs=b)  # a single tensor works too
    assert a.grad.tolist() == [4.0, 5.0, 6.0] and b.grad.tolist() == [1.0, 2.0, 3.0]
    m.autograd.backward((a * b).sum(), inputs=[a, b])
    assert a.grad.tolist() == [8.0, 10.0, 12.0] and b.grad.tolist() == [2.0, 4.0, 6.0]


def test_backward_inputs_non_leaf(m):
    x = leaf(m)
    h = x * 2
    z = (h * h).sum()
    z.backward(inputs=[h], retain_graph=True)
    assert x.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # .grad is populated: no non-leaf warning
        assert h.grad.tolist() == [4.0, 8.0, 12.0]
    assert h.retains_grad  # PyTorch retains the gradient of a non-leaf input from now on
    z.backward()
    assert h.grad.tolist() == [8.0, 16.0, 24.0] and x.grad.tolist() == [8.0, 16.0, 24.0]


def test_backward_inputs_errors_and_unused(m):
    x = leaf(m)
    with raises_exact(RuntimeError, "`inputs` argument to `backward()` cannot be empty."):
        (x * 2).sum().backward(inputs=[])
    with raises_exact(RuntimeError, "can't retain_grad on Tensor that has requires_grad=False"):
        (x * 2).sum().backward(inputs=[m.ones(3)])
    w = leaf(m)
    (x * 2).sum().backward(inputs=[w])  # not in the graph: nothing happens
    assert w.grad is None and x.grad is None


# ---------------------------------------------------------------------------------------
# saved tensors freed after backward
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    pytest.param(lambda x: (x * x).sum(), id="mul"),
    pytest.param(lambda x: x.exp().sum(), id="exp"),
    pytest.param(lambda x: (x * 2).sum(), id="mul_scalar"),
    pytest.param(lambda x: (x / 2).sum(), id="div_scalar"),
    pytest.param(lambda x: (x ** 2).sum(), id="pow"),
    pytest.param(lambda x: x.sigmoid().sum(), id="sigmoid"),
])
def test_second_backward_through_saved_tensors_fails(m, expr):
    x = leaf(m)
    y = expr(x)
    y.backward()
    with raises_exact(RuntimeError, FREED):
        y.backward()
    with raises_exact(RuntimeError, FREED):
        m.autograd.grad(y, x)


@pytest.mark.parametrize("expr, grad", [
    pytest.param(lambda x: (x + 1).sum(), [2.0, 2.0, 2.0], id="add_scalar"),
    pytest.param(lambda x: (x + x).sum(), [4.0, 4.0, 4.0], id="add_self"),
    pytest.param(lambda x: (x - 1).sum(), [2.0, 2.0, 2.0], id="sub"),
    pytest.param(lambda x: (1 - x).sum(), [-2.0, -2.0, -2.0], id="rsub"),
    pytest.param(lambda x: (-x).sum(), [-2.0, -2.0, -2.0], id="neg"),
    pytest.param(lambda x: x.sum(), [2.0, 2.0, 2.0], id="sum"),
    pytest.param(lambda x: x.view(3, 1).sum(), [2.0, 2.0, 2.0], id="view"),
    pytest.param(lambda x: x[1:].sum(), [0.0, 2.0, 2.0], id="slice"),
])
def test_second_backward_without_saved_tensors_works(m, expr, grad):
    x = leaf(m)
    y = expr(x)
    y.backward()
    y.backward()  # nothing was saved, so nothing was freed
    assert x.grad.tolist() == grad


def test_retain_graph_keeps_saved_tensors(m):
    x = leaf(m)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [6.0, 12.0, 18.0]
    with raises_exact(RuntimeError, FREED):
        y.backward()
    z = (x ** 3).sum()
    assert m.autograd.grad(z, x, retain_graph=True)[0].tolist() == [3.0, 12.0, 27.0]
    assert m.autograd.grad(z, x)[0].tolist() == [3.0, 12.0, 27.0]


# ---------------------------------------------------------------------------------------
# detach, detach_, retain_grad, the non-leaf .grad warning
# ---------------------------------------------------------------------------------------
def test_detach_shares_data_and_version(m):
    x = leaf(m)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d.zero_()  # in place on the detached alias is allowed and shows in x
    assert x.tolist() == [0.0, 0.0, 0.0] and x.requires_grad
    assert x._version == d._version == 1
    d.add_(5)
    assert x.tolist() == [5.0, 5.0, 5.0]
    d2 = (x * 2).detach()
    assert d2.is_leaf and not d2.requires_grad and d2.tolist() == [10.0, 10.0, 10.0]
    d2.requires_grad_()
    assert d2.requires_grad and d2.is_leaf


def test_detach_in_place(m):
    x = leaf(m)
    y = x * 2
    assert y.detach_() is y
    assert not y.requires_grad and y.is_leaf and y.grad_fn is None
    y.add_(1)
    assert x.tolist() == [1.0, 2.0, 3.0]
    x2 = leaf(m)
    x2.detach_()
    assert not x2.requires_grad
    with raises_exact(RuntimeError, "Can't detach views in-place. Use detach() instead."):
        leaf(m).view(3).detach_()


def test_detach_through_data(m):
    x = leaf(m)
    d = x.data
    assert not d.requires_grad and d.is_leaf
    d.mul_(2)
    assert x.tolist() == [2.0, 4.0, 6.0]


def test_retain_grad(m):
    x = leaf(m)
    y = x * 2
    assert not y.retains_grad and not x.retains_grad
    assert y.retain_grad() is None
    assert y.retains_grad
    (y * y).sum().backward()
    assert y.grad.tolist() == [4.0, 8.0, 12.0]
    assert x.grad.tolist() == [8.0, 16.0, 24.0]
    x.retain_grad()  # a no-op on a leaf
    assert not x.retains_grad
    with raises_exact(RuntimeError, "can't retain_grad on Tensor that has requires_grad=False"):
        m.ones(2).retain_grad()


def test_retain_grad_accumulates(m):
    x = leaf(m)
    y = x * 2
    y.retain_grad()
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    assert y.grad.tolist() == [2.0, 2.0, 2.0]


def test_non_leaf_grad_warning(m):
    x = leaf(m)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning) as record:
        assert y.grad is None
    assert len(record) == 1
    text = str(record[0].message)
    assert text.startswith(NONLEAF_GRAD_WARNING + " Its .grad attribute won't be populated "
                           "during autograd.backward(). If you indeed want the .grad field to be "
                           "populated for a non-leaf Tensor, use .retain_grad() on the non-leaf "
                           "Tensor.")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is not None  # leaves never warn
        z = x * 3
        z.retain_grad()
        assert z.grad is None  # nor do non-leaves that retain their grad


# ---------------------------------------------------------------------------------------
# grad modes
# ---------------------------------------------------------------------------------------
def test_no_grad_and_enable_grad_contexts(m):
    x = leaf(m)
    assert m.is_grad_enabled()
    with m.no_grad():
        assert not m.is_grad_enabled()
        y = x * 2
        with m.enable_grad():
            assert m.is_grad_enabled()
            z = x * 2
        assert not m.is_grad_enabled()
    assert m.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and type(z.grad_fn).__name__ == "MulBackward0"


def test_grad_mode_restored_after_exception(m):
    with pytest.raises(ZeroDivisionError):
        with m.no_grad():
            1 / 0
    assert m.is_grad_enabled()
    with pytest.raises(ZeroDivisionError):
        with m.set_grad_enabled(False):
            1 / 0
    assert m.is_grad_enabled()


def test_set_grad_enabled_as_function_and_context(m):
    x = leaf(m)
    try:
        m.set_grad_enabled(False)
        assert not m.is_grad_enabled()
        assert not (x * 2).requires_grad
        m.set_grad_enabled(True)
        assert m.is_grad_enabled()
        assert (x * 2).requires_grad
        with m.set_grad_enabled(False):
            assert not m.is_grad_enabled()
            with m.set_grad_enabled(True):
                assert m.is_grad_enabled()
            assert not m.is_grad_enabled()
        assert m.is_grad_enabled()
        with m.no_grad():
            with m.set_grad_enabled(True):
                assert (x * 2).requires_grad
            assert not m.is_grad_enabled()
    finally:
        m.set_grad_enabled(True)


def test_grad_mode_decorators(m):
    @m.no_grad()
    def called():
        """doc"""
        return m.is_grad_enabled()

    @m.no_grad
    def bare():
        return m.is_grad_enabled()

    @m.enable_grad()
    def enabled():
        return m.is_grad_enabled()

    @m.set_grad_enabled(False)
    def disabled():
        return m.is_grad_enabled()

    assert m.is_grad_enabled()  # decorating with set_grad_enabled(False) leaves mode alone
    assert called() is False and bare() is False and disabled() is False
    assert called.__name__ == "called" and called.__doc__ == "doc"
    assert bare.__name__ == "bare"
    with m.no_grad():
        assert enabled() is True
        assert not m.is_grad_enabled()
    assert m.is_grad_enabled()

    x = leaf(m)

    @m.no_grad()
    def step(t):
        return t * 2
    assert not step(x).requires_grad
    assert (x * 2).requires_grad


def test_inference_mode(m):
    x = leaf(m)
    assert not m.is_inference_mode_enabled()
    with m.inference_mode():
        assert not m.is_grad_enabled() and m.is_inference_mode_enabled()
        y = x * 2
    assert m.is_grad_enabled() and not m.is_inference_mode_enabled()
    assert not y.requires_grad and y.grad_fn is None
    with m.inference_mode(False):
        assert m.is_grad_enabled() and not m.is_inference_mode_enabled()

    @m.inference_mode()
    def called():
        return m.is_grad_enabled(), m.is_inference_mode_enabled()

    @m.inference_mode
    def bare():
        return m.is_grad_enabled(), m.is_inference_mode_enabled()

    assert called() == (False, True) and bare() == (False, True)
    assert bare.__name__ == "bare"
    assert m.is_grad_enabled() and not m.is_inference_mode_enabled()


def test_grad_mode_is_per_thread(m):
    seen = {}

    def worker(key):
        seen[key] = m.is_grad_enabled()
        with m.no_grad():
            seen[key + "_inner"] = m.is_grad_enabled()

    with m.no_grad():
        t = threading.Thread(target=worker, args=("under_no_grad",))
        t.start()
        t.join()
        assert not m.is_grad_enabled()  # the thread's no_grad did not leak here either
    assert seen == {"under_no_grad": True, "under_no_grad_inner": False}
    assert m.is_grad_enabled()

    try:
        m.set_grad_enabled(False)
        t = threading.Thread(target=worker, args=("after_set",))
        t.start()
        t.join()
        assert seen["after_set"] is True
    finally:
        m.set_grad_enabled(True)


# ---------------------------------------------------------------------------------------
# in-place operations and versions
# ---------------------------------------------------------------------------------------
def test_in_place_on_a_leaf_that_requires_grad(m):
    x = leaf(m)
    with raises_exact(RuntimeError, LEAF_INPLACE):
        x += 1
    with raises_exact(RuntimeError, LEAF_INPLACE):
        x.add_(1)
    with raises_exact(RuntimeError, LEAF_INPLACE):
        x.mul_(2)
    with raises_exact(RuntimeError, LEAF_INPLACE):
        x.zero_()
    assert x.tolist() == [1.0, 2.0, 3.0] and x._version == 0


def test_in_place_on_a_view_of_a_leaf(m):
    x = leaf(m)
    with raises_exact(RuntimeError, VIEW_INPLACE):
        x[0:2].add_(1)
    with raises_exact(RuntimeError, VIEW_INPLACE):
        x.view(3).mul_(2)
    with raises_exact(RuntimeError, VIEW_INPLACE):
        x[0].add_(1)
    assert x.tolist() == [1.0, 2.0, 3.0]


def test_in_place_under_no_grad_is_an_optimizer_step(m):
    w = leaf(m)
    (w * w).sum().backward()
    v0 = w._version
    with m.no_grad():
        w -= 0.5 * w.grad
        w.add_(1)
        w.mul_(2)
    assert w.tolist() == [2.0, 2.0, 2.0]
    assert w._version == v0 + 3
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    w.grad = None
    (w * 3).sum().backward()  # still a usable leaf
    assert w.grad.tolist() == [3.0, 3.0, 3.0]


def test_setitem_writes_in_place():
    x = retrograd.ones(3)
    x[0] = 5.0
    assert x.tolist() == [5.0, 1.0, 1.0] and x._version == 1
    with raises_exact(RuntimeError, VIEW_INPLACE):
        leaf(retrograd)[0] = 2.0


def test_version_counter(m):
    x = m.ones(3)
    assert x._version == 0
    x.add_(1)
    assert x._version == 1
    x.mul_(2)
    x.zero_()
    assert x._version == 3
    v = x.view(3)
    v.add_(1)  # a view shares its base's counter
    assert x._version == v._version == 4
    y = x + 1  # out-of-place ops do not count
    assert x._version == 4 and y._version == 0


def test_in_place_on_a_non_leaf_records_history(m):
    x = leaf(m)
    y = x * 1
    y.mul_(2)
    assert type(y.grad_fn).__name__ == "MulBackward0" and y._version == 1
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def _modified_message(kind, op):
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [torch.{kind}Tensor [3]], which is output 0 of {op}, is at "
            f"version 1; expected version 0 instead. {HINT}")


@pytest.mark.parametrize("case, message", [
    ("input_of_mul", _modified_message("Float", "Add")),
    ("input_of_mul_mul_", _modified_message("Float", "Mul")),
    ("output_of_exp", _modified_message("Float", "Exp")),
    ("output_of_sigmoid", _modified_message("Float", "Sigmoid")),
    ("output_of_exp_double", _modified_message("Double", "Exp")),
    ("constant_input", "one of the variables needed for gradient computation has been modified "
                       "by an inplace operation: [torch.FloatTensor [3]] is at version 1; "
                       f"expected version 0 instead. {HINT}"),
])
def test_modified_saved_tensor_error(m, case, message):
    if case == "output_of_exp_double":
        a = leaf(m, dtype=m.float64)
    else:
        a = leaf(m)
    if case == "input_of_mul":
        b = a * 1
        y = b * b
        b.add_(1)
    elif case == "input_of_mul_mul_":
        b = a * 1
        y = b * b
        b.mul_(2)
    elif case in ("output_of_exp", "output_of_exp_double"):
        y = a.exp()
        y.add_(1)
    elif case == "output_of_sigmoid":
        y = a.sigmoid()
        y.mul_(2)
    else:
        c = m.tensor([1.0, 2.0, 3.0])
        y = a * c
        c.add_(1)
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert str(info.value) == message


def test_in_place_on_unsaved_input_is_fine(m):
    a = leaf(m)
    b = a * 1
    y = b.exp()  # exp saves its result, not its input
    b.mul_(2)
    y.sum().backward()
    assert np.allclose(a.grad.tolist(), np.exp([1.0, 2.0, 3.0]))


# ---------------------------------------------------------------------------------------
# shape errors from ops that autograd users meet first
# ---------------------------------------------------------------------------------------
def test_broadcasting_shape_errors(m):
    with raises_exact(RuntimeError, "The size of tensor a (3) must match the size of tensor b "
                                    "(2) at non-singleton dimension 0"):
        leaf(m) + m.ones(2)
    with raises_exact(RuntimeError, "The size of tensor a (4) must match the size of tensor b "
                                    "(5) at non-singleton dimension 0"):
        m.ones(4, 2, 3) + m.ones(5, 1, 3)
    with raises_exact(RuntimeError, "The size of tensor a (2) must match the size of tensor b "
                                    "(3) at non-singleton dimension 1"):
        m.ones(4, 2) * m.ones(3)


def test_broadcasting_error_names_the_last_mismatching_dim():
    with raises_exact(RuntimeError, "The size of tensor a (3) must match the size of tensor b "
                                    "(2) at non-singleton dimension 1"):
        retrograd.ones(2, 3) * retrograd.ones(3, 2)


@pytest.mark.parametrize("lhs, rhs, message", [
    ((3,), (4,), "inconsistent tensor size, expected tensor [3] and src [4] to have the same "
                 "number of elements, but got 3 and 4 elements respectively"),
    ((2, 3), (4, 5), "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    ((2, 3), (4,), "size mismatch, got input (2), mat (2x3), vec (4)"),
    ((3,), (4, 5), "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)"),
    ((2, 2, 3), (2, 4, 5), "Expected size for first two dimensions of batch2 tensor to be: "
                           "[2, 3] but got: [2, 4]."),
    ((2, 2, 3), (4, 5), "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)"),
    ((2, 1, 3), (3, 3, 5), "The size of tensor a (2) must match the size of tensor b (3) at "
                           "non-singleton dimension 0"),
    ((), (3,), "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
])
def test_matmul_shape_errors(m, lhs, rhs, message):
    a = m.ones(lhs, requires_grad=True)
    with raises_exact(RuntimeError, message):
        a @ m.ones(rhs)


def test_matmul_dtype_error(m):
    with raises_exact(RuntimeError, "expected m1 and m2 to have the same dtype, but got: "
                                    "float != double"):
        m.ones(2, 3) @ m.ones(3, 2, dtype=m.float64)


# ---------------------------------------------------------------------------------------
# autograd.grad
# ---------------------------------------------------------------------------------------
def test_autograd_grad_returns_without_accumulating(m):
    x = leaf(m)
    y = (x ** 2).sum()
    grads = m.autograd.grad(y, x)
    assert isinstance(grads, tuple) and len(grads) == 1
    assert grads[0].tolist() == [2.0, 4.0, 6.0] and not grads[0].requires_grad
    assert x.grad is None
    a, b = leaf(m), leaf(m, (4.0, 5.0, 6.0))
    ga, gb = m.autograd.grad((a * b).sum(), [a, b])
    assert ga.tolist() == [4.0, 5.0, 6.0] and gb.tolist() == [1.0, 2.0, 3.0]
    (g,) = m.autograd.grad(a * 2, a, grad_outputs=m.tensor([1.0, 2.0, 3.0]))
    assert g.tolist() == [2.0, 4.0, 6.0]


def test_autograd_grad_of_non_leaf(m):
    x = leaf(m)
    h = x * 2
    (g,) = m.autograd.grad((h * h).sum(), h)
    assert g.tolist() == [4.0, 8.0, 12.0] and x.grad is None


def test_autograd_grad_unused_inputs(m):
    x, z = leaf(m), leaf(m)
    with raises_exact(RuntimeError, "The differentiated Tensor at index 1 appears to not have "
                                    "been used in the graph. Set allow_unused=True if this is "
                                    "the desired behavior."):
        m.autograd.grad((x * 2).sum(), [x, z])
    gz, gx = m.autograd.grad((x * 2).sum(), [z, x], allow_unused=True)
    assert gz is None and gx.tolist() == [2.0, 2.0, 2.0]
    gx, gz = m.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)
    assert gx.tolist() == [2.0, 2.0, 2.0] and gz.tolist() == [0.0, 0.0, 0.0]
    (gx,) = m.autograd.grad((x * 2).sum(), [x], allow_unused=True, materialize_grads=True)
    assert gx.tolist() == [2.0, 2.0, 2.0]
    with raises_exact(ValueError, "Expected allow_unused to be True or not passed when "
                                  "materialize_grads=True, but got: allow_unused=False."):
        m.autograd.grad((x * 2).sum(), [x, z], allow_unused=False, materialize_grads=True)


def test_autograd_grad_inputs_must_require_grad(m):
    x = leaf(m)
    with raises_exact(RuntimeError, "One of the differentiated Tensors does not require grad"):
        m.autograd.grad((x * 2).sum(), m.ones(3))


def test_autograd_grad_zero_through_multiplication(m):
    x = leaf(m)
    (g,) = m.autograd.grad(x.sum() * 0 + m.ones(()), x)
    assert g.tolist() == [0.0, 0.0, 0.0]


# ---------------------------------------------------------------------------------------
# create_graph: higher derivatives
# ---------------------------------------------------------------------------------------
def test_second_and_third_derivatives_of_cube(m):
    x = m.tensor(2.0, requires_grad=True)
    y = x ** 3
    (g,) = m.autograd.grad(y, x, create_graph=True)
    assert g.item() == 12.0 and g.requires_grad and g.grad_fn is not None
    (g2,) = m.autograd.grad(g, x, create_graph=True)
    assert g2.item() == 12.0 and g2.requires_grad
    (g3,) = m.autograd.grad(g2, x)
    assert g3.item() == 6.0 and not g3.requires_grad


def test_second_derivative_vector(m):
    x = leaf(m)
    (g,) = m.autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert g.tolist() == [3.0, 12.0, 27.0]
    (g2,) = m.autograd.grad(g.sum(), x)
    assert g2.tolist() == [6.0, 12.0, 18.0]


def test_backward_create_graph_warns_and_builds_graph(monkeypatch):
    m = retrograd  # PyTorch warns once per process, so only the text is PyTorch's here
    monkeypatch.setattr(retrograd.autograd, "_warned_cycle", False)  # as in a fresh process
    x = m.tensor(2.0, requires_grad=True)
    with pytest.warns(UserWarning) as record:
        (x ** 3).backward(create_graph=True)
    assert str(record[0].message).startswith(
        CYCLE_WARNING + " We recommend using autograd.grad when creating the graph to avoid "
        "this. If you have to use this function, make sure to reset the .grad fields of your "
        "parameters to None after use to break the cycle and avoid the leak.")
    g = x.grad
    assert g.item() == 12.0 and g.requires_grad
    x.grad = None
    g.backward()
    assert x.grad.item() == 12.0


def test_backward_create_graph_values(m):
    x = m.tensor(2.0, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (x ** 3).backward(create_graph=True)
    g = x.grad
    assert g.item() == 12.0 and g.requires_grad and not g.is_leaf
    x.grad = None
    g.backward()
    assert x.grad.item() == 12.0


def test_create_graph_grad_is_a_copy():
    x = retrograd.tensor(2.0, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (x ** 3).backward(create_graph=True)
    assert repr(x.grad) == "tensor(12., grad_fn=<CopyBackwards>)"


def test_autograd_grad_create_graph_does_not_warn(m):
    x = leaf(m)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (g,) = m.autograd.grad((x ** 2).sum(), x, create_graph=True)
    assert g.requires_grad and type(g.grad_fn).__name__ == "MulBackward0"


# ---------------------------------------------------------------------------------------
# gradient shapes and dtypes
# ---------------------------------------------------------------------------------------
def test_zero_d_gradients(m):
    x = m.tensor(3.0, requires_grad=True)
    y = x * x
    assert y.shape == () and y.dim() == 0
    y.backward()
    assert x.grad.shape == () and x.grad.item() == 6.0
    a = m.tensor(2.0, requires_grad=True)
    b = leaf(m)
    (a * b).sum().backward()
    assert a.grad.shape == () and a.grad.item() == 6.0
    assert b.grad.tolist() == [2.0, 2.0, 2.0]


def test_broadcast_gradients_are_reduced_to_input_shapes(m):
    a = m.ones(3, 1, requires_grad=True)
    b = m.ones(1, 4, requires_grad=True)
    (a * b * m.arange(4.0)).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[6.0], [6.0], [6.0]]
    assert b.grad.shape == (1, 4) and b.grad.tolist() == [[0.0, 3.0, 6.0, 9.0]]
    c = m.ones(2, 3, requires_grad=True)
    d = m.ones(3, requires_grad=True)
    (c + d).sum().backward()
    assert c.grad.tolist() == [[1.0] * 3] * 2 and d.grad.tolist() == [2.0, 2.0, 2.0]
    e = m.ones(1, 3, requires_grad=True)
    (e.expand(4, 3) * m.arange(12.0).view(4, 3)).sum().backward()
    assert e.grad.tolist() == [[18.0, 22.0, 26.0]]


def test_grad_dtype_matches_leaf_dtype(m):
    a = leaf(m)
    b = leaf(m, dtype=m.float64)
    y = (a * b).sum()
    assert y.dtype is m.float64
    y.backward()
    assert a.grad.dtype is m.float32 and b.grad.dtype is m.float64
    assert a.grad.tolist() == [1.0, 2.0, 3.0]
    c = leaf(m, dtype=m.float16)
    (c.double() * 2).sum().backward()
    assert c.grad.dtype is m.float16 and c.grad.tolist() == [2.0, 2.0, 2.0]


def test_gradients_of_common_ops(m):
    x = leaf(m, (1.0, 2.0, 4.0))
    ((x ** 2).sum() + (1 / x).sum() + (2 ** x).sum() + x.mean()).backward()
    expected = [2 * v - 1 / v ** 2 + 2 ** v * np.log(2) + 1 / 3 for v in (1.0, 2.0, 4.0)]
    np.testing.assert_allclose(np.asarray(x.grad), expected, rtol=1e-6)
    y = leaf(m, (1.0, -2.0, 3.0))
    (y.view(3, 1).t()[0, 1:] * m.tensor([5.0, 7.0])).sum().backward()
    assert y.grad.tolist() == [0.0, 5.0, 7.0]
