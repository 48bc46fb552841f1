"""gradcheck / gradgradcheck against PyTorch's: signature, return values, warnings and
failure reports (slow and fast mode)."""
import inspect
import warnings

import numpy as np
import pytest

import retrograd
from conftest import REAL_TORCH, raises_exact


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.skipif(REAL_TORCH is None, reason="compares with PyTorch")
@pytest.mark.parametrize("name", ["gradcheck", "gradgradcheck"])
def test_signature_is_pytorchs(name):
    assert _params(getattr(retrograd.autograd, name)) == \
        _params(getattr(REAL_TORCH.autograd, name))


def _x(m, values=(1.0, 2.0)):
    return m.tensor(list(values), dtype=m.float64, requires_grad=True)


def test_passes_and_returns_true(m):
    x = _x(m)
    y = m.tensor([0.5, -1.5], dtype=m.float64, requires_grad=True)
    assert m.autograd.gradcheck(lambda a, b: (a * b).exp(), (x, y)) is True
    assert m.autograd.gradcheck(lambda a, n: a * n, (x, 3)) is True  # non-tensor input
    assert m.autograd.gradcheck(lambda a: (a * a, (a * 2).detach()), (x,)) is True
    assert m.autograd.gradcheck(lambda a: a.sin() * a, x, fast_mode=True) is True
    assert m.autograd.gradgradcheck(lambda a: a.sin() * a, (x,)) is True
    assert m.autograd.gradgradcheck(lambda a: (a * a).sum(), (x,), fast_mode=True) is True


def test_jacobian_mismatch_report(m):
    x = _x(m)
    with pytest.raises(m.autograd.gradcheck.GradcheckError if hasattr(
            m.autograd.gradcheck, "GradcheckError") else RuntimeError) as info:
        m.autograd.gradcheck(lambda a: a * a.detach(), (x,))
    assert str(info.value) == (
        "Jacobian mismatch for output 0 with respect to input 0,\n"
        "numerical:tensor([[2.0000, 0.0000],\n        [0.0000, 4.0000]], dtype=torch.float64)\n"
        "analytical:tensor([[1., 0.],\n        [0., 2.]], dtype=torch.float64)\n")
    assert isinstance(info.value, RuntimeError)
    assert type(info.value).__name__ == "GradcheckError"


def test_input_index_counts_inputs_that_require_grad(m):
    x, y = _x(m), _x(m)
    with raises_exact(RuntimeError, "Jacobian mismatch for output 1 with respect to input 1,"):
        m.autograd.gradcheck(lambda a, n, b: (a + b, a * b.detach() * n), (x, 2.0, y))


def test_raise_exception_false_returns_false(m):
    assert m.autograd.gradcheck(lambda a: a * a.detach(), (_x(m),),
                                raise_exception=False) is False


def test_fast_mode_report(m):
    x = _x(m)
    with pytest.raises(RuntimeError) as info:
        m.autograd.gradcheck(lambda a: a * a.detach(), (x,), fast_mode=True)
    text = str(info.value)
    head = text.split("\n")
    assert head[0] == "Jacobian mismatch for output 0 with respect to input 0,"
    assert head[1].startswith("numerical:") and head[2].startswith("analytical:")
    assert float(head[1][10:]) == pytest.approx(2 * float(head[2][11:]), rel=1e-4)
    assert "Below, we recompute numerical and analytical jacobians in slow mode:" in text
    assert "The max per-element difference (slow mode) is: 2.0000000" in text


def test_non_double_inputs_warn(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="^Input #0 requires gradient and is not a double "
                      "precision floating point or complex. This check will likely fail if "
                      "all the inputs are not of double precision floating point or complex. $"):
        m.autograd.gradcheck(lambda a: a * a, (x,), raise_exception=False)


def test_errors_about_inputs(m):
    with raises_exact(ValueError, "gradcheck expects at least one input tensor to require "
                      "gradient, but none of them have requires_grad=True."):
        m.autograd.gradcheck(lambda a: a * a, (m.tensor([1.0], dtype=m.float64),))
    e = m.tensor([1.0], dtype=m.float64).expand(3).requires_grad_()
    with raises_exact(RuntimeError, "The 0th input has a dimension with stride 0. gradcheck "
                      "only supports inputs that are non-overlapping"):
        m.autograd.gradcheck(lambda a: a * a, (e,))


def test_no_differentiable_outputs(m):
    x = _x(m)
    assert m.autograd.gradcheck(lambda a: (a > 1.5).double(), (x,))
    with raises_exact(RuntimeError, "Numerical gradient for function expected to be zero"):
        m.autograd.gradcheck(lambda a: (a * 2).detach(), (x,))


def test_gradgradcheck_mismatch(m):
    x = _x(m, (0.5, -1.0))
    with raises_exact(RuntimeError, "Jacobian mismatch for output 0 with respect to input 0,"):
        m.autograd.gradgradcheck(lambda a: a * a.detach() * a, (x,))


def test_gradgradcheck_given_grad_outputs(m):
    x = _x(m)
    go = m.tensor([1.0, -2.0], dtype=m.float64, requires_grad=True)
    assert m.autograd.gradgradcheck(lambda a: a ** 3, (x,), (go,))


def test_backward_ad_off_needs_forward_ad(m):
    with raises_exact(AssertionError, "Expected at least one of check_forward_ad or "
                      "check_backward_ad to be True"):
        m.autograd.gradcheck(lambda a: a, (_x(m),), check_backward_ad=False)


def test_check_forward_ad(m):
    fwd = getattr(m.autograd, "forward_ad", None)
    if fwd is None or not hasattr(fwd, "make_dual"):
        with pytest.raises(NotImplementedError, match="forward_ad"):
            m.autograd.gradcheck(lambda a: a * a, (_x(m),), check_forward_ad=True)
        return
    x = _x(m)
    assert m.autograd.gradcheck(lambda a: a.exp() * a, (x,), check_forward_ad=True)
    assert m.autograd.gradcheck(lambda a: a.exp() * a, (x,), check_forward_ad=True,
                                check_backward_ad=False, check_undefined_grad=False)


def test_perturbation_leaves_inputs_and_versions_alone():
    x = retrograd.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=retrograd.float64,
                         requires_grad=True)
    before = x.detach().clone()
    assert retrograd.autograd.gradcheck(lambda a: a.t() * 3, (x,))
    assert x._version == 0 and np.array_equal(x.detach().numpy(), before.numpy())


def test_warnings_are_only_the_expected_ones():
    x = retrograd.tensor([1.0, 2.0], dtype=retrograd.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert retrograd.autograd.gradcheck(lambda a: a.sqrt(), (x,))


def _has_forward_ad(m):
    fwd = getattr(m.autograd, "forward_ad", None)
    return fwd is not None and hasattr(fwd, "make_dual")


def test_forward_ad_mismatch_report(m):
    if not _has_forward_ad(m):
        pytest.skip("needs forward-mode AD")
    x = _x(m)
    with raises_exact(RuntimeError, "Jacobian computed with forward mode mismatch for output 0 "
                      "with respect to input 0,\nnumerical:tensor([[2.0000, 0.0000],"):
        m.autograd.gradcheck(lambda a: a * a.detach(), (x,), check_forward_ad=True,
                             check_backward_ad=False, check_undefined_grad=False)
    assert m.autograd.gradgradcheck(lambda a: a.exp() * a, (x,), check_fwd_over_rev=True)


def test_check_batched_grad(m):
    x = _x(m)
    try:
        import importlib
        importlib.import_module(m.__name__ + ".func").vmap
    except (ImportError, AttributeError):
        with pytest.raises(NotImplementedError, match="vmap"):
            m.autograd.gradcheck(lambda a: a * a, (x,), check_batched_grad=True)
        return
    assert m.autograd.gradcheck(lambda a: a * a.exp(), (x,), check_batched_grad=True)
    assert m.autograd.gradgradcheck(lambda a: a * a.exp(), (x,), check_batched_grad=True)


def test_check_batched_forward_grad(m):
    x = _x(m)
    try:
        import importlib
        importlib.import_module(m.__name__ + ".func").vmap
        ready = _has_forward_ad(m)
    except (ImportError, AttributeError):
        ready = False
    if not ready:
        with pytest.raises(NotImplementedError):
            m.autograd.gradcheck(lambda a: a * a, (x,), check_forward_ad=True,
                                 check_batched_forward_grad=True)
        return
    assert m.autograd.gradcheck(lambda a: (a.exp() * a, a.sin()), (x,), check_forward_ad=True,
                                check_batched_forward_grad=True)
