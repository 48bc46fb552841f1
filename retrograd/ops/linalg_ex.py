"""The ``_ex`` forms of inv, cholesky and solve: the result and an int32 ``info`` per matrix
(0, or LAPACK's index of the failing pivot / leading minor) instead of an error, unless
``check_errors``. Each is an ``nout`` primitive under the node of the plain function, whose
gradient formulas it shares. A failed matrix's result is NaN here (LAPACK leaves partial
values there, which PyTorch documents as unspecified)."""
import numpy as np

from .primitive import primitive
from .linalg import matmul
from .linalg_decomp import (_mT, _colmajor, _check_matrix, _check_solve, _LinAlgError,
                            _first_zero_pivot, _not_pd_order, _not_pd_error, _cholesky_vjp,
                            _cholesky_jvp, _solve_grad_a, _solve_grad_b, _solve_jvp,
                            _singular_error, _return_type)


def _replace_failed(a, failed):
    """The batch with an identity in place of each failed matrix (so that the batched
    kernel runs), and a function that puts NaN into those results."""
    n = a.shape[-1]
    mask = failed[..., None, None]
    safe = np.where(mask, np.eye(n, dtype=a.dtype), a)
    return safe, lambda x: np.where(failed.reshape(failed.shape + (1,) * (x.ndim - failed.ndim)),
                                    np.nan, x).astype(x.dtype)


def _inv_ex_kernel(xp, a):
    try:
        return _colmajor(xp.linalg.inv(a)), np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        info = _first_zero_pivot(a).reshape(a.shape[:-2]).astype(np.int32)
    safe, fill = _replace_failed(a, info > 0)
    return _colmajor(fill(xp.linalg.inv(safe))), info


inv_ex_p = primitive(
    "linalg_inv_ex", "LinalgInvExBackward0", forward=_inv_ex_kernel, nout=2,
    vjp=(lambda grads, a, outs: -matmul(_mT(outs[0]), matmul(grads[0], _mT(outs[0]))),),
    jvp=lambda t, a, outs: (-matmul(outs[0], matmul(t, outs[0])), None))


def _cholesky_ex_kernel(xp, a, upper):
    if upper:
        a = np.swapaxes(a, -1, -2)
    try:
        L = xp.linalg.cholesky(a)
        info = np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        info = _not_pd_order(a)
        safe, fill = _replace_failed(a, info > 0)
        L = fill(xp.linalg.cholesky(safe))
    return _colmajor(np.swapaxes(L, -1, -2) if upper else L), info


cholesky_ex_p = primitive(
    "linalg_cholesky_ex", "LinalgCholeskyExBackward0", forward=_cholesky_ex_kernel, nout=2,
    vjp=(lambda grads, a, outs, upper: _cholesky_vjp(grads[0], a, outs[0], upper),),
    jvp=lambda t, a, outs, upper: (_cholesky_jvp(t, a, outs[0], upper), None))


def _solve_ex_kernel(xp, a, b, left, vector):
    from .linalg_decomp import _solve_kernel
    info = np.zeros(np.broadcast_shapes(a.shape[:-2], (b.shape[:-1] if vector else
                                                       b.shape[:-2])), np.int32)
    try:
        return _solve_kernel(xp, a, b, left, vector), info
    except _LinAlgError:
        info = info + _first_zero_pivot(a).reshape(a.shape[:-2]).astype(np.int32)
    safe, fill = _replace_failed(a, _first_zero_pivot(a).reshape(a.shape[:-2]) > 0)
    x = _solve_kernel(xp, safe, b, left, vector)
    failed = np.broadcast_to(info > 0, info.shape)
    mask = failed.reshape(failed.shape + (1,) * (x.ndim - failed.ndim))
    return np.where(mask, np.nan, x).astype(x.dtype), info


solve_ex_p = primitive(
    "linalg_solve_ex", "LinalgSolveExBackward0", forward=_solve_ex_kernel, nout=2,
    vjp=(lambda grads, a, b, outs, left, vector:
         _solve_grad_a(grads[0], a, outs[0], left, vector),
         lambda grads, a, b, outs, left, vector: _solve_grad_b(grads[0], a, left, vector)),
    jvp=lambda ta, tb, a, b, outs, left, vector:
        (_solve_jvp(ta, tb, a, b, outs[0], left, vector), None))

inv_ex_result = _return_type("linalg_inv_ex", ("inverse", "info"))
cholesky_ex_result = _return_type("linalg_cholesky_ex", ("L", "info"))
solve_ex_result = _return_type("linalg_solve_ex", ("result", "info"))


def inv_ex(A, *, check_errors=False, out=None):
    _check_matrix(A, "linalg.inv", low="linalg.inv")
    inverse, info = inv_ex_p(A)
    if check_errors and info._data.any():
        raise _singular_error(A._data, "linalg.inv_ex", "The diagonal element {} is zero, the "
                              "inversion could not be completed because the input matrix is "
                              "singular.")
    return inv_ex_result((inverse, info))


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    _check_matrix(A, "linalg.cholesky", kernel="cholesky_cpu")
    L, info = cholesky_ex_p(A, bool(upper))
    if check_errors and info._data.any():
        raise _not_pd_error(A._data, "linalg.cholesky_ex", info._data)
    return cholesky_ex_result((L, info))


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    vector = _check_solve(A, B, left)
    result, info = solve_ex_p(A, B, left, vector)
    if check_errors and info._data.any():
        raise _LinAlgError("torch.linalg.solve_ex: The solver failed because the input matrix "
                           "is singular.")
    return solve_ex_result((result, info))
