"""Primitives with several outputs (``nout``): one node shared by the outputs, gradients
filled in with zeros for outputs that got none, integer outputs outside the graph, saved
outputs version-checked, double backward. The primitives here are test-only (not in the
registry); the library's own (split, sort, qr, svd, ...) are covered by the op table."""
import numpy as np
import pytest

import retrograd as rt
from retrograd.autograd import gradcheck, gradgradcheck
from retrograd.ops.primitive import primitive, LINEAR

sincos = primitive(
    "test_sincos", "SinCosBackward0", nout=2,
    forward=lambda xp, a: (xp.sin(a), xp.cos(a)),
    vjp=(lambda grads, a, outs: grads[0] * outs[1] - grads[1] * outs[0],),
    jvp=lambda t, a, outs: (t * outs[1], -t * outs[0]), register=False)

double_and_argmax = primitive(  # a float output and an integer one
    "test_double_argmax", "DoubleArgmaxBackward0", nout=2,
    forward=lambda xp, a: (a * 2, xp.argmax(a, axis=-1)),
    vjp=(lambda grads, a, outs: grads[0] * 2,), jvp=lambda t, a, outs: (t * 2, None),
    register=False)

halves = primitive(  # views of the input, as split's outputs are
    "test_halves", "HalvesBackward0", nout=2, view=True,
    forward=lambda xp, a: (a[: a.shape[0] // 2], a[a.shape[0] // 2:]),
    vjp=(lambda grads, a, outs: rt.cat(grads) if hasattr(rt, "cat") else
         rt.tensor(np.concatenate([g._data for g in grads])),),
    jvp=LINEAR, register=False)


def test_outputs_share_one_node_with_their_output_numbers():
    x = rt.tensor([0.5, 1.0], requires_grad=True)
    s, c = sincos(x)
    assert s.grad_fn is c.grad_fn and type(s.grad_fn).__name__ == "SinCosBackward0"
    assert (s._output_nr, c._output_nr) == (0, 1)
    np.testing.assert_allclose(s._data, np.sin([0.5, 1.0]))


def test_gradient_from_all_outputs_and_from_one():
    a = np.array([0.3, -1.2, 2.0])
    x = rt.tensor(a, requires_grad=True)
    s, c = sincos(x)
    (s * 3 + c * 5).sum().backward()
    np.testing.assert_allclose(x.grad._data, 3 * np.cos(a) - 5 * np.sin(a))
    x.grad = None
    s, c = sincos(x)
    c.sum().backward()  # output 0 got no gradient: the engine fills in zeros
    np.testing.assert_allclose(x.grad._data, -np.sin(a))


def test_retain_grad_on_a_later_output():
    x = rt.tensor([0.3, 0.4], requires_grad=True)
    s, c = sincos(x)
    c.retain_grad()
    (c * 2).sum().backward()
    np.testing.assert_allclose(c.grad._data, [2.0, 2.0])


def test_integer_outputs_stay_out_of_the_graph():
    x = rt.tensor([[1.0, 3.0, 2.0]], requires_grad=True)
    y, idx = double_and_argmax(x)
    assert y.requires_grad and not idx.requires_grad and idx.grad_fn is None
    assert idx.dtype is rt.int64 and idx.tolist() == [1]
    y.sum().backward()
    np.testing.assert_allclose(x.grad._data, [[2.0, 2.0, 2.0]])


def test_nothing_recorded_without_grad():
    s, c = sincos(rt.tensor([1.0]))
    assert s.grad_fn is None and c.grad_fn is None
    with rt.no_grad():
        s, c = sincos(rt.tensor([1.0], requires_grad=True))
    assert not s.requires_grad


def test_gradcheck_and_double_backward():
    x = rt.tensor(np.linspace(-1, 1, 5), requires_grad=True)

    def f(x):
        s, c = sincos(x)
        return s * c + c

    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_saved_output_modified_in_place_names_its_output_number():
    x = rt.tensor([0.3, 0.4], requires_grad=True)
    s, c = sincos(x)
    loss = (s + c).sum()
    c.mul_(2)
    with pytest.raises(RuntimeError, match="output 1 of SinCos, is at version 1; expected "
                                           "version 0"):
        loss.backward()


def test_view_outputs_share_memory_and_version_with_the_input():
    base = rt.arange(4.0)
    lo, hi = halves(base)
    assert lo._base is base and hi._base is base
    hi.add_(10)
    assert base.tolist() == [0.0, 1.0, 12.0, 13.0] and base._version == 1


def test_jvp_returns_one_tangent_per_output():
    x = rt.tensor([0.3, 0.4])
    outs = sincos(x)
    ts, tc = sincos.jvp_apply([rt.ones(2)], [x], outs)
    np.testing.assert_allclose(ts._data, np.cos([0.3, 0.4]))
    np.testing.assert_allclose(tc._data, -np.sin([0.3, 0.4]))
