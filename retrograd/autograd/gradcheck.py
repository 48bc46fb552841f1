"""gradcheck and gradgradcheck: analytical Jacobians (reverse mode, row by row) against
central finite differences, with PyTorch's signature and failure report."""
import warnings

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a Jacobian disagrees."""


def _tensors(xs):
    return [x for x in xs if hasattr(x, "_data")]


def _outputs(func, inputs):
    out = func(*inputs)
    return (out,) if hasattr(out, "_data") else tuple(o for o in out if hasattr(o, "_data"))


def _numerical_jacobians(func, inputs, wrt, eps):
    """For each input in ``wrt``, J[k, j] = d out_j / d in_k by central differences.
    Perturbs each input element in place and restores it exactly afterwards. Runs with
    grad mode as the caller has it: gradgradcheck's function needs it on."""
    outs = _outputs(func, inputs)
    jacs = []
    for x in wrt:
        data = x._data  # any strides: elements are addressed by multi-index
        per_out = [np.zeros((data.size, o._data.size)) for o in outs]
        for k, idx in enumerate(np.ndindex(data.shape)):
            orig = data[idx]
            data[idx] = orig + eps
            plus = [o._data.astype(np.float64).ravel() for o in _outputs(func, inputs)]
            data[idx] = orig - eps
            minus = [o._data.astype(np.float64).ravel() for o in _outputs(func, inputs)]
            data[idx] = orig
            for J, p, m in zip(per_out, plus, minus):
                J[k] = (p - m) / (2 * eps)
        jacs.append(per_out)
    return outs, jacs


def _analytical_jacobians(func, inputs, wrt):
    """Row j of each Jacobian from one backward pass with a one-hot output gradient."""
    from . import grad as autograd_grad
    from .._creation import zeros_like
    outs = _outputs(func, inputs)
    jacs = [[np.zeros((x._data.size, o._data.size)) for o in outs] for x in wrt]
    for oi, o in enumerate(outs):
        if not o._requires_grad:
            continue
        for j in range(o._data.size):
            onehot = zeros_like(o)
            onehot._data.reshape(-1)[j] = 1
            grads = autograd_grad(o, wrt, onehot, retain_graph=True, allow_unused=True)
            for xi, g in enumerate(grads):
                if g is not None:
                    if g.shape != wrt[xi].shape:
                        raise GradcheckError(
                            f"Gradient for input {xi} has shape {tuple(g.shape)}, expected "
                            f"{tuple(wrt[xi].shape)}")
                    jacs[xi][oi][:, j] = g._data.astype(np.float64).ravel()
    return jacs


def _fmt(J, dtype):
    from .._creation import tensor
    return repr(tensor(J, dtype=dtype))


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check the gradients of ``func`` at ``inputs`` against finite differences; True when
    they agree within ``atol + rtol * |numerical|``, else GradcheckError (or False)."""
    inputs = (inputs,) if hasattr(inputs, "_data") else tuple(inputs)
    wrt = [x for x in _tensors(inputs) if x._requires_grad]
    if not wrt:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    for i, x in enumerate(inputs):
        if hasattr(x, "_data") and x._requires_grad and x.dtype.name != "float64":
            warnings.warn(f"Input #{i} requires gradient and is not a double precision "
                          "floating point or complex. This check will likely fail if all the "
                          "inputs are not of double precision floating point or complex. ")
    outs, numerical = _numerical_jacobians(func, inputs, wrt, eps)
    analytical = _analytical_jacobians(func, inputs, wrt)
    for xi, x in enumerate(wrt):
        input_index = next(i for i, t in enumerate(inputs) if t is x)
        for oi, o in enumerate(outs):
            n, a = numerical[xi][oi], analytical[xi][oi]
            if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=True):
                msg = (f"Jacobian mismatch for output {oi} with respect to input "
                       f"{input_index},\nnumerical:{_fmt(n, o.dtype)}\n"
                       f"analytical:{_fmt(a, o.dtype)}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True,
                  fast_mode=False, masked=False):
    """gradcheck of the function (inputs, grad_outputs) -> the gradients of ``func``:
    checks second derivatives through the backward formulas."""
    from . import grad as autograd_grad
    from ..random import randn
    inputs = (inputs,) if hasattr(inputs, "_data") else tuple(inputs)
    if grad_outputs is None:
        outs = _outputs(func, inputs)
        grad_outputs = [randn(*o.shape, dtype=o.dtype, requires_grad=o.dtype.is_floating_point)
                        for o in outs if o._requires_grad]
    else:
        grad_outputs = list((grad_outputs,) if hasattr(grad_outputs, "_data") else grad_outputs)
    n_in = len(inputs)

    def first_derivatives(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = [o for o in _outputs(func, ins) if o._requires_grad]
        diff = [x for x in _tensors(ins) if x._requires_grad]
        grads = autograd_grad(outs, diff, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps,
                     atol=atol, rtol=rtol, raise_exception=raise_exception)
