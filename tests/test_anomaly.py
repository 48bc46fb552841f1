"""Anomaly detection against PyTorch: the switches, the warning on entry, forward
tracebacks on nodes, the 'Error detected in' warning, NaN checks; and our addition of
where things happened to the backward-twice and modified-in-place errors."""
import inspect
import warnings

import pytest

import retrograd
from conftest import REAL_TORCH, raises_exact

ENABLED = ("Anomaly Detection has been enabled. This mode will increase the runtime and "
           "should only be enabled for debugging.")


@pytest.fixture(autouse=True)
def anomaly_left_off():
    yield
    for lib in (retrograd, REAL_TORCH):
        if lib is not None:
            leaked = lib.is_anomaly_enabled()
            lib.autograd.set_detect_anomaly(False)
            assert not leaked, "the test left anomaly mode on"


@pytest.mark.skipif(REAL_TORCH is None, reason="compares with PyTorch")
@pytest.mark.parametrize("name", ["detect_anomaly", "set_detect_anomaly"])
def test_signatures(name):
    ours = inspect.signature(getattr(retrograd.autograd, name))
    theirs = inspect.signature(getattr(REAL_TORCH.autograd, name))
    assert [(p.name, p.default) for p in ours.parameters.values()] == \
        [(p.name, p.default) for p in theirs.parameters.values()]


def test_switches(m):
    assert not m.is_anomaly_enabled() and m.is_anomaly_check_nan_enabled()
    with pytest.warns(UserWarning, match="^" + ENABLED + "$"):
        ctx = m.autograd.detect_anomaly(check_nan=False)
    assert not m.is_anomaly_enabled()  # only inside the block
    with ctx:
        assert m.is_anomaly_enabled() and not m.is_anomaly_check_nan_enabled()
    assert not m.is_anomaly_enabled() and m.is_anomaly_check_nan_enabled()
    m.autograd.set_detect_anomaly(True)  # takes effect as a call
    assert m.is_anomaly_enabled()
    m.autograd.set_detect_anomaly(False)
    with m.autograd.set_detect_anomaly(True, check_nan=False):
        assert m.is_anomaly_enabled() and not m.is_anomaly_check_nan_enabled()
    assert not m.is_anomaly_enabled() and m.is_anomaly_check_nan_enabled()


def test_not_decorators(m):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mode in (m.autograd.detect_anomaly(), m.autograd.set_detect_anomaly(False)):
            with pytest.raises(TypeError, match="object is not callable"):
                mode(lambda: None)


def test_nodes_keep_forward_traceback_only_when_enabled(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert "traceback_" not in y.grad_fn.metadata
    with m.autograd.set_detect_anomaly(True):
        z = x.exp()  # the line to find
    tb = z.grad_fn.metadata["traceback_"]
    assert isinstance(tb, list) and "z = x.exp()  # the line to find" in tb[-1]
    assert __file__ in tb[-1]
    assert all("retrograd" + "/" not in line.split(",")[0] for line in tb[-1:])


def test_nan_in_backward_raises_with_warning(m):
    x = m.tensor([-1.0, 4.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with m.autograd.detect_anomaly():
            y = x.sqrt()
            with raises_exact(RuntimeError,
                              "Function 'SqrtBackward0' returned nan values in its 0th output."):
                y.sum().backward()
    texts = [str(x.message) for x in w]
    detected = [t for t in texts if t.startswith("Error detected in SqrtBackward0. Traceback of "
                                                 "forward call that caused the error:\n")]
    assert len(detected) == 1 and "y = x.sqrt()" in detected[0]


def test_nan_input_index_named(m):
    a = m.tensor([0.0], requires_grad=True)
    b = m.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with m.autograd.set_detect_anomaly(True):
            out = (a / b).sum()
            # d/da = 1/0 is inf; d/db = -0/0 is the NaN: PyTorch counts it as the '1th'
            with raises_exact(RuntimeError,
                              "Function 'DivBackward0' returned nan values in its 1th output."):
                out.backward()


def test_check_nan_off_lets_nan_through(m):
    x = m.tensor([-1.0, 4.0], requires_grad=True)
    with m.autograd.set_detect_anomaly(True, check_nan=False):
        x.sqrt().sum().backward()
    assert x.grad.isnan().tolist() == [True, False] if hasattr(x.grad, "isnan") else True


def test_failing_node_named_in_warning(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with m.autograd.set_detect_anomaly(True):
            y = x.sigmoid()
            y.mul_(2)
            with raises_exact(RuntimeError, "one of the variables needed for gradient "
                              "computation has been modified by an inplace operation"):
                y.sum().backward()
    assert any(str(x.message).startswith("Error detected in SigmoidBackward0. Traceback of "
                                         "forward call that caused the error:") for x in w)
    if m is retrograd:  # attributed to the user's backward call (PyTorch's names its own file)
        assert any(issubclass(x.category, UserWarning) and x.filename == __file__ for x in w)


def test_no_warning_and_no_traceback_when_off(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    assert "\n" not in str(info.value)


# ----- beyond PyTorch: where it happened
def _line_of(text):
    source = open(__file__).read()
    return source[:source.index(text)].count("\n") + 1


def test_modified_error_names_where(recwarn):
    x = retrograd.tensor([1.0, 2.0], requires_grad=True)
    with retrograd.autograd.set_detect_anomaly(True):
        y = x.exp()  # saved here
        z = (y * 2).sum()
        y.add_(1)  # modified here
        with pytest.raises(RuntimeError) as info:
            z.backward()
    first, *rest = str(info.value).split("\n")
    assert first.startswith("one of the variables needed for gradient computation has been "
                            "modified by an inplace operation: [torch.FloatTensor [2]], which is "
                            "output 0 of Exp, is at version 1; expected version 0 instead.")
    lines = "\n".join(rest)
    line_saved = _line_of("y = x.exp()  # saved here")
    assert f'ExpBackward0, which saved the tensor, was created at File "{__file__}", line ' \
           f'{line_saved}' in lines
    assert f'the tensor was last modified in place (to version 1) at File "{__file__}", line ' \
           f'{line_saved + 2}' in lines


def test_backward_twice_error_names_where(recwarn):
    x = retrograd.tensor([1.0, 2.0], requires_grad=True)
    with retrograd.autograd.set_detect_anomaly(True):
        z = (x * x).sum()
        z.backward()
        with pytest.raises(RuntimeError) as info:
            z.backward()
    first, extra = str(info.value).split("\n")
    assert first.startswith("Trying to backward through the graph a second time")
    line = _line_of("z = (x * x).sum()\n        z.backward()")
    assert extra == (f"The saved tensors of MulBackward0 were freed by an earlier backward; it "
                     f'was created at File "{__file__}", line {line}, in '
                     "test_backward_twice_error_names_where")


def test_errors_unchanged_when_off():
    x = retrograd.tensor([1.0, 2.0], requires_grad=True)
    z = (x * x).sum()
    z.backward()
    with pytest.raises(RuntimeError) as info:
        z.backward()
    assert "\n" not in str(info.value)


def test_double_backward_error_names_the_inducing_node(m):
    x = m.tensor([0.0, 4.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with m.autograd.set_detect_anomaly(True):
            y = x.pow(3)  # the induced-by line
            g, = m.autograd.grad(y.sum(), x, create_graph=True)
            with raises_exact(RuntimeError,
                              "Function 'PowBackward0' returned nan values in its 0th output."):
                g.sqrt().sum().backward()
    texts = [str(x.message) for x in w if issubclass(x.category, UserWarning)]
    assert any(t.startswith("Error detected in PowBackward0.") and "create_graph=True" in t
               for t in texts)
    induced = [t for t in texts if t.startswith("\n\nPrevious calculation was induced by "
                                                "PowBackward0. Traceback of forward call that "
                                                "induced the previous calculation:\n")]
    assert len(induced) == 1 and "y = x.pow(3)  # the induced-by line" in induced[0]
