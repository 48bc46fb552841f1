"""Grad modes against PyTorch: no_grad/enable_grad/set_grad_enabled/inference_mode as
context managers and decorators (generators too), and inference tensors."""
import threading

import pytest

from conftest import raises_exact

INFERENCE_SAVED = ("Inference tensors cannot be saved for backward. Please do not use Tensors "
                   "created in inference mode in computation tracked by autograd. To work around "
                   "this, you can make a clone to get a normal tensor and use it in autograd, or "
                   "use `torch.no_grad()` instead of `torch.inference_mode()`.")
INFERENCE_INPLACE = ("Inplace update to inference tensor outside InferenceMode is not allowed.You "
                     "can make a clone to get a normal tensor before doing inplace update.See "
                     "https://github.com/pytorch/rfcs/pull/17 for more details.")


def test_set_grad_enabled_function_context_decorator(m):
    m.set_grad_enabled(False)
    assert not m.is_grad_enabled()
    m.set_grad_enabled(True)
    with m.set_grad_enabled(False):
        assert not m.is_grad_enabled()
        with m.set_grad_enabled(True):
            assert m.is_grad_enabled()
        assert not m.is_grad_enabled()
    assert m.is_grad_enabled()

    @m.set_grad_enabled(False)
    def f():
        return m.is_grad_enabled()
    assert m.is_grad_enabled()  # making the decorator leaves the mode alone
    assert f() is False and m.is_grad_enabled()
    assert repr(m.set_grad_enabled(True)) == \
        "torch.autograd.grad_mode.set_grad_enabled(mode=True)"


def test_no_grad_and_enable_grad_decorators(m):
    @m.no_grad()
    def a():
        return m.is_grad_enabled()

    @m.no_grad
    def b():
        return m.is_grad_enabled()

    @m.enable_grad()
    def c():
        return m.is_grad_enabled()
    assert a() is False and b() is False
    with m.no_grad():
        assert c() is True
        assert not m.is_grad_enabled()
    assert a.__name__ == "a"


def test_decorated_generator_runs_each_step_in_the_mode(m):
    @m.no_grad()
    def gen():
        yield m.is_grad_enabled()
        yield m.is_grad_enabled()

    g = gen()
    assert next(g) is False
    assert m.is_grad_enabled()  # the caller's code between steps runs in its own mode
    assert next(g) is False
    with pytest.raises(StopIteration):
        next(g)

    @m.enable_grad()
    def gen2():
        x = yield m.is_grad_enabled()
        yield x * 2
    with m.no_grad():
        g = gen2()
        assert next(g) is True
        assert g.send(21) == 42
        assert not m.is_grad_enabled()


def test_context_managers_return_none(m):
    for mode in (m.no_grad(), m.enable_grad(), m.set_grad_enabled(True), m.inference_mode()):
        with mode as value:
            assert value is None


def test_inference_mode_switches(m):
    assert not m.is_inference_mode_enabled()
    with m.inference_mode():
        assert m.is_inference_mode_enabled() and not m.is_grad_enabled()
        with m.inference_mode(False):
            assert not m.is_inference_mode_enabled() and m.is_grad_enabled()
        assert m.is_inference_mode_enabled()
    with m.no_grad():
        with m.inference_mode(mode=False):
            assert m.is_grad_enabled()
        assert not m.is_grad_enabled()
    assert m.is_grad_enabled() and not m.is_inference_mode_enabled()

    @m.inference_mode
    def f():
        return m.is_inference_mode_enabled(), m.ones(1).is_inference()

    @m.inference_mode(False)
    def g():
        return m.is_inference_mode_enabled()
    assert f() == (True, True) and g() is False


def test_inference_tensors(m):
    x = m.ones(2)
    with m.inference_mode():
        t = m.ones(2)
        r = m.ones(2, requires_grad=True)
        v = t[0:1]
        y = x * 2
        xv = x[0:1]
        t.add_(1)  # in-place on inference tensors is fine inside
        x.add_(1)  # and on normal ones
        assert x._version == 1
    assert t.is_inference() and r.is_inference() and r.requires_grad
    assert v.is_inference() and y.is_inference() and not xv.is_inference()
    assert not x.is_inference() and not m.ones(1).is_inference()
    assert t.detach().is_inference() and t.view(2).is_inference()
    assert not t.clone().is_inference() and not (t + 1).is_inference()
    assert t.tolist() == [2.0, 2.0] and t.sum().item() == 4.0


def test_inference_tensor_errors(m):
    with m.inference_mode():
        t = m.ones(2)
    with raises_exact(RuntimeError, "Inference tensors do not track version counter."):
        t._version
    for code in ("t.add_(1)", "t[0:1].mul_(2)", "t.zero_()", "t.fill_(1)", "t.copy_(t)"):
        with raises_exact(RuntimeError, INFERENCE_INPLACE):
            exec(code, {"t": t})
    assert t.tolist() == [1.0, 1.0]
    with raises_exact(RuntimeError, "Setting requires_grad=True on inference tensor outside "
                      "InferenceMode is not allowed."):
        t.requires_grad_()
    with raises_exact(RuntimeError, "Setting requires_grad=True on inference tensor outside "
                      "InferenceMode is not allowed."):
        t.requires_grad = True
    w = m.ones(2, requires_grad=True)
    with raises_exact(RuntimeError, INFERENCE_SAVED):
        w * t  # mul saves t for w's gradient
    with raises_exact(RuntimeError, INFERENCE_SAVED):
        t * w
    (w + t).sum().backward()  # add saves nothing: fine
    assert w.grad.tolist() == [1.0, 1.0]
    c = t.clone()
    (w * c).sum().backward()


def test_inference_tensor_requiring_grad_usable_outside(m):
    with m.inference_mode():
        r = m.ones(2, requires_grad=True)
    (r * 2).sum().backward()
    assert r.grad.tolist() == [2.0, 2.0]


def test_grad_mode_is_per_thread(m):
    seen = []

    def worker():
        seen.append(m.is_grad_enabled())
    with m.no_grad():
        th = threading.Thread(target=worker)
        th.start()
        th.join()
    assert seen == [True]


def test_no_grad_records_nothing_and_data_shares(m):
    x = m.ones(2, requires_grad=True)
    with m.no_grad():
        y = x * 2
    assert y.grad_fn is None and not y.requires_grad
    d = x.data
    assert d.data_ptr() == x.data_ptr() and not d.requires_grad


def test_modes_exported_where_pytorch_has_them(m):
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
                 "is_grad_enabled", "is_inference_mode_enabled"):
        assert hasattr(m, name)
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode"):
        assert hasattr(m.autograd, name)
        assert getattr(m.autograd.grad_mode, name) is getattr(m, name)
    assert repr(m.no_grad()).startswith("<torch.autograd.grad_mode.no_grad object at ")


def test_unsafe_preserve_version_counter(m):
    x = m.ones(2)
    y = m.ones(2)
    with m.autograd.grad_mode._unsafe_preserve_version_counter((x, y)):
        x.add_(1)
        y.mul_(2)
        assert x._version == 1
    assert x._version == 0 and y._version == 0 and x.tolist() == [2.0, 2.0]


def test_view_made_in_inference_mode_modified_outside(m):
    text = ("A view was created in inference mode and is being modified inplace in normal "
            "mode. Given that this use case is ambiguous and error-prone, it is forbidden.")
    y = m.ones(3, requires_grad=True) * 1
    x = m.ones(3)
    with m.inference_mode():
        v = y[0:2]
        d = x.data
        xv = x[0:2]
    assert not v.is_inference() and not d.is_inference()
    with raises_exact(RuntimeError, text):
        v.mul_(2)
    w = m.ones(3, requires_grad=True)
    with raises_exact(RuntimeError, text):
        xv.add_(w[:2])
    xv.add_(1)  # nothing requires grad: allowed
    assert x.tolist() == [2.0, 2.0, 1.0]
