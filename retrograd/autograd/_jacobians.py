"""What gradcheck compares: Jacobians by central finite differences (element by element,
or along one direction), and analytical ones by reverse mode (one backward per output
element, twice, to check reentrancy) or forward mode (one dual pass per input element)."""
import warnings

import numpy as np


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a Jacobian disagrees."""


GradcheckError.__module__ = "torch.autograd.gradcheck"

FAILED_NONDET_MSG = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
"""

def _is_tensor(x):
    return hasattr(x, "_data")


def _as_tuple(x):
    return (x,) if _is_tensor(x) else tuple(x)


def _all_outputs(out):
    return tuple(o for o in _as_tuple(out) if _is_tensor(o))


def _differentiable_outputs(out):
    return tuple(o for o in _all_outputs(out) if o.requires_grad)


def _diff_inputs(inputs):
    """(position, tensor) of the inputs that require grad: gradcheck's 'input j'."""
    return [(i, x) for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]


def _tensor(array, dtype):
    from .._creation import tensor
    return tensor(array, dtype=dtype)


def _check_inputs(inputs):
    any_requires_grad = False
    for idx, inp in enumerate(inputs):
        if _is_tensor(inp) and inp.requires_grad:
            if inp.dtype.name != "float64":
                warnings.warn(
                    f"Input #{idx} requires gradient and is not a double precision floating "
                    "point or complex. This check will likely fail if all the inputs are not "
                    "of double precision floating point or complex. ", stacklevel=4)
            if not all(st > 0 or sz <= 1 for st, sz in zip(inp.stride(), inp.shape)):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                    "inputs that are non-overlapping to be able to compute the numerical "
                    "gradients correctly. You should call .contiguous on the input before "
                    "passing it to gradcheck.")
            any_requires_grad = True
    if not any_requires_grad:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of them have requires_grad=True.")


# ----- numerical derivatives
def _outputs_as_arrays(func, inputs):
    return [o._data.astype(np.float64).ravel() for o in _all_outputs(func(*inputs))]


def _numerical_jacobians(func, inputs, eps):
    """[input j][output i]: J[k, l] = d out_i[l] / d in_j[k] by central differences. The
    inputs' memory is perturbed in place (unseen by autograd's version checks) and
    restored exactly. Runs in the caller's grad mode: gradgradcheck's function needs it."""
    jacs = []
    for _, x in _diff_inputs(inputs):
        data = x._data
        per_out = None
        for k, idx in enumerate(np.ndindex(data.shape)):
            orig = data[idx].copy()
            data[idx] = orig - eps
            minus = _outputs_as_arrays(func, inputs)
            data[idx] = orig + eps
            plus = _outputs_as_arrays(func, inputs)
            data[idx] = orig
            if per_out is None:
                per_out = [np.zeros((data.size, p.size)) for p in plus]
            for J, p, m in zip(per_out, plus, minus):
                J[k] = (p - m) / (2 * eps)
        if per_out is None:  # an empty input
            per_out = [np.zeros((0, o.size)) for o in _outputs_as_arrays(func, inputs)]
        jacs.append(per_out)
    return jacs


def _numerical_jvp(func, inputs, x, u, eps):
    """(f(x + eps u) - f(x - eps u)) / 2 eps, per output, for one input x."""
    data = x._data
    orig = data.copy()
    step = (eps * u).reshape(data.shape).astype(data.dtype)
    data[...] = orig - step
    minus = _outputs_as_arrays(func, inputs)
    data[...] = orig + step
    plus = _outputs_as_arrays(func, inputs)
    data[...] = orig
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


# ----- analytical derivatives
def _vjps(output, wrt, v):
    from . import grad as autograd_grad
    grads = autograd_grad(output, [x for _, x in wrt], v, retain_graph=True, allow_unused=True)
    return grads


def _analytical_jacobian(inputs, output, nondet_tol, check_grad_dtypes):
    """[input j]: rows from one backward pass per output element, computed twice to
    check that backward is reentrant (deterministic)."""
    from .._creation import zeros_like
    wrt = _diff_inputs(inputs)
    n = output._data.size

    def rows():
        jacs = [np.zeros((x._data.size, n)) for _, x in wrt]
        types_ok = sizes_ok = True
        for l in range(n):
            onehot = zeros_like(output)
            onehot._data.reshape(-1)[l] = 1
            for j, g in enumerate(_vjps(output, wrt, onehot)):
                if g is None:
                    continue
                x = wrt[j][1]
                if g.dtype is not x.dtype:
                    types_ok = False
                if g.shape != x.shape:
                    sizes_ok = False
                    continue
                jacs[j][:, l] = g._data.astype(np.float64).ravel()
        return jacs, types_ok, sizes_ok

    jac1, types_ok, sizes_ok = rows()
    jac2, _, _ = rows()
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if not all(a.shape == b.shape and (np.abs(a - b) <= nondet_tol).all()
               for a, b in zip(jac1, jac2)):
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with same input and "
            "grad_output multiple times gives different values, although analytical gradient "
            f"matches numerical gradient.The tolerance for nondeterminism was {nondet_tol}."
            + FAILED_NONDET_MSG)
    return jac1


def _forward_ad_module():
    try:
        from . import forward_ad
    except ImportError:
        forward_ad = None
    if forward_ad is None or not hasattr(forward_ad, "make_dual"):
        raise NotImplementedError(
            "gradcheck(check_forward_ad=True) needs forward-mode AD "
            "(retrograd.autograd.forward_ad: dual_level, make_dual, unpack_dual), which this "
            "build of retrograd does not have")
    return forward_ad


def _analytical_jacobian_forward_ad(func, inputs):
    """[input j][output i], one forward-mode pass per input element (one-hot tangents)."""
    fwAD = _forward_ad_module()
    from .._creation import zeros_like
    wrt = _diff_inputs(inputs)
    jacs = []
    for pos, x in wrt:
        per_out = None
        for k in range(x._data.size):
            with fwAD.dual_level():
                tangent = zeros_like(x)
                tangent._data.reshape(-1)[k] = 1
                dual = list(inputs)
                dual[pos] = fwAD.make_dual(x.detach(), tangent)
                outs = _all_outputs(func(*dual))
                cols = []
                for o in outs:
                    t = fwAD.unpack_dual(o).tangent
                    cols.append(np.zeros(o._data.size) if t is None
                                else t._data.astype(np.float64).ravel())
            if per_out is None:
                per_out = [np.zeros((x._data.size, c.size)) for c in cols]
            for J, c in zip(per_out, cols):
                J[k] = c
        jacs.append(per_out or [])
    return jacs
