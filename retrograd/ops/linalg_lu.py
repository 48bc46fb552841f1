"""LU with partial pivoting: linalg.lu_factor(_ex), linalg.lu, lu_unpack, linalg.lu_solve.
NumPy has no LU: the factorization is LAPACK getrf's algorithm (pivot = the first largest
magnitude in the column), one vectorised elimination step per column for the whole batch.
Gradients are PyTorch's formulas (square, wide and tall), in Tensor ops."""
import numpy as np

from .primitive import primitive
from .linalg import matmul
from .linalg_decomp import _mT, _const, _colmajor, _check_matrix, _live, _return_type
from .linalg_triangular import solve_triangular_p
from ..tensor import Tensor


def _getrf(a):
    """(packed LU, 1-based int32 pivots, int32 info) of a batch of m x n matrices."""
    a = np.array(a, copy=True)
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    flat = a.reshape((int(np.prod(batch)), m, n))
    rows = np.arange(flat.shape[0])
    piv = np.zeros((flat.shape[0], k), np.int32)
    info = np.zeros(flat.shape[0], np.int32)
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(k):
            p = j + np.argmax(np.abs(flat[:, j:, j]), axis=1)
            piv[:, j] = p + 1
            flat[rows, j], flat[rows, p] = flat[rows, p].copy(), flat[rows, j].copy()
            pivot = flat[:, j, j]
            zero = pivot == 0
            info = np.where((info == 0) & zero, j + 1, info).astype(np.int32)
            # a zero pivot leaves its column as is (LAPACK skips the scaling), no NaNs
            factors = np.where(zero[:, None], flat[:, j + 1:, j],
                               flat[:, j + 1:, j] / np.where(zero, 1, pivot)[:, None])
            flat[:, j + 1:, j] = factors
            flat[:, j + 1:, j + 1:] -= np.where(zero[:, None, None], 0,
                                                factors[:, :, None] * flat[:, None, j, j + 1:])
    return (flat.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch))


def _permutation(piv, m, dtype):
    """P (m x m) with A = P L U, from LAPACK's sequence of row interchanges."""
    batch = piv.shape[:-1]
    flat = piv.reshape((int(np.prod(batch)), piv.shape[-1])) - 1
    perm = np.tile(np.arange(m), (flat.shape[0], 1))
    rows = np.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        p = flat[:, j]
        perm[rows, j], perm[rows, p] = perm[rows, p].copy(), perm[rows, j].copy()
    P = np.zeros((flat.shape[0], m, m), dtype)
    P[rows[:, None], perm, np.arange(m)[None, :]] = 1  # row perm[i] of A is row i of L U
    return P.reshape(batch + (m, m))


def _split(lu):
    """Unit-lower L (m x k) and upper U (k x n) of a packed LU."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    L = np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=lu.dtype)
    U = np.triu(lu[..., :k, :])
    return L, U


def _tril(x, k=0):
    n, m = x.shape[-2:]
    return x * _const(x, np.tril(np.ones((n, m)), k))


def _triu(x, k=0):
    n, m = x.shape[-2:]
    return x * _const(x, np.triu(np.ones((n, m)), k))


def _lu_backward(gL, gU, P, L, U):
    """PyTorch's linalg_lu_backward (real case), for m == n, m < n and m > n."""
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if gL is None and gU is None:
        return Tensor._make(np.zeros(tuple(P.shape[:-1]) + (n,), P._data.dtype))
    if m == n:
        gA = None if gL is None else _tril(matmul(_mT(L), gL), -1)
        if gU is not None:
            t = _triu(matmul(gU, _mT(U)))
            gA = t if gA is None else gA + t
        gA = solve_triangular_p(_mT(U), gA, False, False, False)
        gA = solve_triangular_p(_mT(L), gA, True, True, True)
        return matmul(P, gA)
    if m < n:
        U1 = U[..., :k]
        gA = None if gL is None else matmul(_mT(L), gL)
        if gU is not None:
            t = matmul(_triu(gU), _mT(U))
            gA = -t if gA is None else gA - t
        gA = solve_triangular_p(_mT(U1), _tril(gA, -1), False, False, False)
        e = np.eye(n)  # [gA1 | gA2] as products with selectors (no concatenation needed)
        if gU is not None:
            gA = matmul(gA + _triu(gU[..., :k]), _const(gA, e[:k])) + \
                matmul(gU[..., k:], _const(gA, e[k:]))
        else:
            gA = matmul(gA, _const(gA, e[:k]))
        gA = solve_triangular_p(_mT(L), gA, True, True, True)
        return matmul(P, gA)
    L1 = L[..., :k, :]
    gA = None if gU is None else matmul(gU, _mT(U))
    if gL is not None:
        t = matmul(_mT(L), _tril(gL, -1))
        gA = -t if gA is None else gA - t
    gA = solve_triangular_p(_mT(L1), _triu(gA), True, True, True)
    e = np.eye(m)
    if gL is not None:
        gA = matmul(_const(gA, e[:, :k]), gA + _tril(gL[..., :k, :], -1)) + \
            matmul(_const(gA, e[:, k:]), gL[..., k:, :])
    else:
        gA = matmul(_const(gA, e[:, :k]), gA)
    gA = solve_triangular_p(_mT(U), gA, False, False, False)
    return matmul(P, gA)


def _lu_kernel(xp, a):
    lu, piv, info = _getrf(a)
    L, U = _split(lu)
    return _permutation(piv, a.shape[-2], a.dtype), L, U


lu_p = primitive(
    "linalg_lu", "LinalgLuBackward0", forward=_lu_kernel, nout=3,
    vjp=(lambda grads, a, outs: _lu_backward(_live(grads[1]), _live(grads[2]), *outs),),
    jvp=lambda t, a, outs: _lu_jvp(t, *outs))


def _lu_jvp_square(PtdA, L, U):
    """P^T dA = dL U + L dU, dL strictly lower, dU upper: the square case."""
    X = solve_triangular_p(L, PtdA, False, True, True)      # L^-1 P^T dA
    X = solve_triangular_p(U, X, True, False, False)        # ... U^-1
    return matmul(L, _tril(X, -1)), matmul(_triu(X), U)


def _lu_jvp(t, P, L, U):
    """The tangents of L and U (P is piecewise constant): the square case on the leading
    k x k block, the rest of U (wide) or of L (tall) from the remaining columns / rows."""
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    PtdA = matmul(_mT(P), t)
    if m == n:
        dL, dU = _lu_jvp_square(PtdA, L, U)
    elif m < n:
        e = np.eye(n)
        dL, dU1 = _lu_jvp_square(PtdA[..., :k], L, U[..., :k])
        dU2 = solve_triangular_p(L, PtdA[..., k:] - matmul(dL, U[..., k:]), False, True, True)
        dU = matmul(dU1, _const(dU1, e[:k])) + matmul(dU2, _const(dU2, e[k:]))
    else:
        e = np.eye(m)
        dL1, dU = _lu_jvp_square(PtdA[..., :k, :], L[..., :k, :], U)
        dL2 = solve_triangular_p(U, PtdA[..., k:, :] - matmul(L[..., k:, :], dU), True, False,
                                 False)
        dL = matmul(_const(dL1, e[:, :k]), dL1) + matmul(_const(dL2, e[:, k:]), dL2)
    return P * 0, dL, dU


def _lu_factor_kernel(xp, a):
    lu, piv, info = _getrf(a)
    return _colmajor(lu), piv, info


def _lu_factor_vjp(grads, a, outs):
    g = grads[0]
    lu = outs[0]
    m, n = lu.shape[-2:]
    k = min(m, n)
    L = _tril(lu[..., :, :k], -1) + _const(lu, np.eye(m, k))
    U = _triu(lu[..., :k, :])
    P = Tensor._make(_permutation(outs[1]._data, m, lu._data.dtype))
    return _lu_backward(_tril(g[..., :, :k], -1), _triu(g[..., :k, :]), P, L, U)


lu_factor_p = primitive(
    "linalg_lu_factor_ex", "LinalgLuFactorExBackward0", forward=_lu_factor_kernel, nout=3,
    vjp=(_lu_factor_vjp,),
    jvp=lambda t, a, outs: (_lu_factor_jvp(t, a, outs), None, None))


def _lu_factor_jvp(t, a, outs):
    P, L, U = (Tensor._make(x) for x in _lu_kernel(np, a._data))
    _, dL, dU = _lu_jvp(t, P, L, U)
    m, n = t.shape[-2:]
    k = min(m, n)  # packed: L's strict lower part (m x k) and U (k x n) in one m x n
    return matmul(dL, _const(dL, np.eye(k, n))) + matmul(_const(dU, np.eye(m, k)), dU)


lu_result = _return_type("linalg_lu", ("P", "L", "U"))
lu_factor_result = _return_type("linalg_lu_factor", ("LU", "pivots"))
lu_factor_ex_result = _return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
lu_unpack_result = _return_type("lu_unpack", ("P", "L", "U"))


def _check_lu(A, fn):
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: Expected tensor with 2 or more dimensions. Got size: "
                           f"[{', '.join(map(str, A.shape))}] instead")
    _check_matrix(A, fn, square=False, kernel="lu_cpu", ints_too=True)


def _no_pivot():
    raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")


def _zero_pivot_error(fn, info):
    flat = info.reshape(-1)
    bad = int(np.argmax(flat != 0))
    prefix = "" if info.ndim == 0 else f"(Batch element {bad}): "
    i = int(flat[bad])
    return RuntimeError(f"{fn}: {prefix}U[{i},{i}] is zero and using it on lu_solve would "
                        "result in a division by zero. If you still want to perform the "
                        "factorization, consider calling linalg.lu(A, pivot) or "
                        "linalg.lu_factor_ex(A, pivot)")


def lu(A, *, pivot=True, out=None):
    _check_lu(A, "linalg.lu")
    if not pivot:
        _no_pivot()
    P, L, U = lu_p(A)
    return lu_result((Tensor._make(P._data), L, U))  # P is a constant, as in PyTorch


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    _check_lu(A, "torch.lu_factor")
    if not pivot:
        _no_pivot()
    LU, pivots, info = lu_factor_p(A)
    if check_errors and info._data.any():
        raise _zero_pivot_error("torch.linalg.lu_factor_ex", info._data)
    return lu_factor_ex_result((LU, pivots, info))


def lu_factor(A, *, pivot=True, out=None):
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    if info._data.any():
        raise _zero_pivot_error("torch.linalg.lu_factor", info._data)
    return lu_factor_result((LU, pivots))


# ----- lu_unpack, lu_solve: from a packed LU and its pivots (pivots are data, not inputs)

def _unpack_tensors(lu, piv):
    """L, U (Tensor ops on the packed LU, so they differentiate) and the constant P."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    L = _tril(matmul(lu, _const(lu, np.eye(n, k))), -1) + _const(lu, np.eye(m, k))
    U = _triu(matmul(_const(lu, np.eye(k, m)), lu))
    return Tensor._make(_permutation(piv, m, lu._data.dtype)), L, U


def _lu_unpack_kernel(xp, lu, piv):
    return _split(lu)


def _lu_unpack_vjp(grads, lu, outs, piv):
    m, n = lu.shape[-2:]
    k = min(m, n)
    gL, gU = _live(grads[0]), _live(grads[1])
    g = Tensor._make(np.zeros(lu.shape, lu._data.dtype))
    if gL is not None:
        g = g + matmul(_tril(gL, -1), _const(lu, np.eye(k, n)))
    if gU is not None:
        g = g + matmul(_const(lu, np.eye(m, k)), _triu(gU))
    return g


def _lu_unpack_jvp(t, lu, outs, piv):
    _, L, U = _unpack_tensors(t, piv)  # linear in LU, less L's constant unit diagonal
    m, n = t.shape[-2:]
    return L - _const(t, np.eye(m, min(m, n))), U


lu_unpack_p = primitive("lu_unpack", "LuUnpackBackward0", forward=_lu_unpack_kernel, nout=2,
                        vjp=(_lu_unpack_vjp,), jvp=_lu_unpack_jvp)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    piv = np.asarray(LU_pivots._data)
    if piv.dtype != np.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of "
                           "torch.int32 dtype.")
    m = LU_data.shape[-2]
    P = Tensor._make(_permutation(piv, m, LU_data._data.dtype)) if unpack_pivots else \
        Tensor._make(np.empty((0,), LU_data._data.dtype))
    if not unpack_data:
        empty = Tensor._make(np.empty((0,), LU_data._data.dtype))
        return lu_unpack_result((P, empty, empty))
    L, U = lu_unpack_p(LU_data, piv)
    return lu_unpack_result((P, L, U))


def _lu_solve_kernel(xp, lu, b, piv, left, adjoint):
    L, U = _split(lu)
    A = np.matmul(_permutation(piv, lu.shape[-1], lu.dtype), np.matmul(L, U))
    if adjoint:
        A = np.swapaxes(A, -1, -2)
    if left:
        return _colmajor(xp.linalg.solve(A, b))
    return np.ascontiguousarray(np.swapaxes(xp.linalg.solve(np.swapaxes(A, -1, -2),
                                                            np.swapaxes(b, -1, -2)), -1, -2))


def _lu_solve_grad_b(g, lu, piv, left, adjoint):
    return lu_solve_p(lu, g, piv, left, not adjoint)


def _lu_solve_grad_lu(g, lu, out, piv, left, adjoint):
    gB = _lu_solve_grad_b(g, lu, piv, left, adjoint)
    if left:
        gA = -matmul(out, _mT(gB)) if adjoint else -matmul(gB, _mT(out))
    else:
        gA = -matmul(_mT(gB), out) if adjoint else -matmul(_mT(out), gB)
    P, L, U = _unpack_tensors(lu, piv)
    PtgA = matmul(_mT(P), gA)
    return _tril(matmul(PtgA, _mT(U)), -1) + _triu(matmul(_mT(L), PtgA))


def _lu_solve_jvp(tlu, tb, lu, b, out, piv, left, adjoint):
    rhs = tb
    if tlu is not None:
        P, L, U = _unpack_tensors(lu, piv)
        _, dL, dU = _unpack_tensors(tlu, piv)
        dA = matmul(P, matmul(dL - _const(lu, np.eye(lu.shape[-1])), U) + matmul(L, dU))
        if adjoint:
            dA = _mT(dA)
        prod = matmul(dA, out) if left else matmul(out, dA)
        rhs = -prod if rhs is None else rhs - prod
    return lu_solve_p(lu, rhs, piv, left, adjoint)


lu_solve_p = primitive(
    "linalg_lu_solve", "LinalgLuSolveBackward0", forward=_lu_solve_kernel,
    vjp=(lambda g, lu, b, out, piv, left, adjoint:
         _lu_solve_grad_lu(g, lu, out, piv, left, adjoint),
         lambda g, lu, b, out, piv, left, adjoint: _lu_solve_grad_b(g, lu, piv, left, adjoint)),
    jvp=_lu_solve_jvp)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    fn = "linalg.lu_solve"
    if B.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor B must have at least 2 dimensions.")
    _check_matrix(LU, "torch.linalg.lu_solve", name="LU")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"{fn}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    if LU.dtype is not B.dtype:
        raise RuntimeError(f"{fn}: Expected LU and B to have the same dtype, but found LU of "
                           f"type {LU.dtype._legacy} and B of type {B.dtype._legacy} instead")
    return lu_solve_p(LU, B, np.asarray(pivots._data), bool(left), bool(adjoint))


def torch_lu(A, pivot=True, get_infos=False, out=None):
    """torch.lu (deprecated): (LU, pivots), or (LU, pivots, infos); a zero pivot is not an
    error (PyTorch 2.13 does not check either way)."""
    import warnings
    warnings.warn(
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex "
        "and will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, "
        "compute_pivots)\nshould be replaced with\nLU, pivots = torch.linalg.lu_factor(A, "
        "compute_pivots)\nand\nLU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\n"
        "should be replaced with\nLU, pivots, info = torch.linalg.lu_factor_ex(A, "
        "compute_pivots)", UserWarning, stacklevel=2)
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    return (LU, pivots, info) if get_infos else (LU, pivots)


def torch_lu_solve(b, LU_data, LU_pivots, *, out=None):
    """torch.lu_solve (deprecated): linalg.lu_solve with its arguments reversed."""
    import warnings
    warnings.warn("torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be "
                  "removed in a future PyTorch release.\nNote that torch.linalg.lu_solve has its "
                  "arguments reversed.\nX = torch.lu_solve(B, LU, pivots)\nshould be replaced "
                  "with\nX = torch.linalg.lu_solve(LU, pivots, B)", UserWarning, stacklevel=2)
    return lu_solve(LU_data, LU_pivots, b)
