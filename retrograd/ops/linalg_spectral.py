"""The factorizations with several outputs: qr, eigh (and eigvalsh), svd (and svdvals,
torch.svd, torch.qr). Each is an ``nout`` primitive: one node shared by its outputs, as in
PyTorch; the gradient formulas are PyTorch's (real case), in Tensor ops."""
import numpy as np

from .primitive import primitive
from .linalg import matmul
from .linalg_decomp import (_mT, _const, _eye, _colmajor, _check_matrix, _live, _return_type,
                            _sym, solve_p)
from ..tensor import Tensor


# ----- qr

def _qr_kernel(xp, a, mode):
    if mode == "r":
        return np.empty((0,), a.dtype), _colmajor(xp.linalg.qr(a, mode="r"))
    return tuple(map(_colmajor, xp.linalg.qr(a, mode=mode)))


def _copyltu(M):
    """The symmetric matrix with M's lower triangle."""
    n = M.shape[-1]
    low = M * _const(M, np.tril(np.ones((n, n)), -1))
    return low + _mT(low) + M * _eye(M, n)


def _qr_backward_square(gQ, gR, Q, R):
    """m >= n, reduced: gA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q."""
    M = None
    if gR is not None:
        M = matmul(R, _mT(gR))
    if gQ is not None:
        t = matmul(_mT(gQ), Q)
        M = -t if M is None else M - t
    if M is None:
        return None
    b = matmul(Q, _copyltu(M))
    if gQ is not None:
        b = b + gQ
    return _mT(solve_p(R, _mT(b), True, False))


def _qr_backward(grads, a, outs, mode):
    m, n = a.shape[-2:]
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                           "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                           "differentiate through linalg.qr.")
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                           "nrows > ncols.")
    gQ, gR = _live(grads[0]), _live(grads[1])
    Q, R = outs
    if m >= n:
        gA = _qr_backward_square(gQ, gR, Q, R)
        return a * 0 if gA is None else gA
    # m < n: A = [X | Y] with X = Q U square, and V = Q^T Y
    Y = a[..., m:]
    gU = None if gR is None else gR[..., :m]
    gV = None if gR is None else gR[..., m:]
    gQ2 = gQ
    if gV is not None:
        t = matmul(Y, _mT(gV))
        gQ2 = t if gQ2 is None else gQ2 + t
    gX = _qr_backward_square(gQ2, gU, Q, R[..., :m])
    gA = None if gX is None else matmul(gX, _const(a, np.eye(m, n)))
    if gV is not None:
        t = matmul(matmul(Q, gV), _const(a, np.eye(n)[m:]))
        gA = t if gA is None else gA + t
    return a * 0 if gA is None else gA


def _qr_jvp_square(t, Q, R):
    """dA = dQ R + Q dR with Q^T dQ skew and dR upper (m >= n, reduced or square)."""
    n = R.shape[-1]

    def right_inv(x):  # x R^-1
        return _mT(solve_p(_mT(R), _mT(x), True, False))

    C = right_inv(matmul(_mT(Q), t))
    low = C * _const(C, np.tril(np.ones((n, n)), -1))
    dR = matmul(C - (low - _mT(low)), R)
    return right_inv(t - matmul(Q, dR)), dR


def _qr_jvp(t, a, outs, mode):
    m, n = a.shape[-2:]
    if mode == "r" or (mode == "complete" and m > n):
        raise RuntimeError("retrograd: linalg.qr has no forward-mode derivative for mode='r' "
                           "or mode='complete' with nrows > ncols (nor a backward in PyTorch)")
    Q, R = outs
    if m >= n:
        return _qr_jvp_square(t, Q, R)
    # m < n: A = [X | Y], X = Q U, V = Q^T Y; dR = [dU | dV], dV = dQ^T Y + Q^T dY
    dQ, dU = _qr_jvp_square(t[..., :m], Q, R[..., :m])
    dV = matmul(_mT(dQ), a[..., m:]) + matmul(_mT(Q), t[..., m:])
    dR = matmul(dU, _const(a, np.eye(m, n))) + matmul(dV, _const(a, np.eye(n)[m:]))
    return dQ, dR


qr_p = primitive("linalg_qr", "LinalgQrBackward0", forward=_qr_kernel, nout=2,
                 vjp=(lambda grads, a, outs, mode: _qr_backward(grads, a, outs, mode),),
                 jvp=_qr_jvp)
qr_result = _return_type("linalg_qr", ("Q", "R"))


def qr(A, mode="reduced", *, out=None):
    _check_matrix(A, "linalg.qr", square=False, kernel="geqrf_cpu")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    return qr_result(qr_p(A, mode))


# ----- eigh

def _eigh_kernel(xp, a, uplo):
    w, v = xp.linalg.eigh(a, UPLO=uplo)
    return w, _colmajor(v)


def _eigh_backward(gL, gV, L, V):
    """V (diag(gL) + skew(V^T gV) / E) V^T, E_ij = L_j - L_i (PyTorch's formula)."""
    n = L.shape[-1]
    inner = None
    if gV is not None:
        VhgV = matmul(_mT(V), gV)
        E = L.unsqueeze(-2) - L.unsqueeze(-1) + _eye(L, n)
        inner = (VhgV - _mT(VhgV)) * 0.5 / E
    if gL is not None:
        if inner is None:
            return matmul(V * gL.unsqueeze(-2), _mT(V))
        inner = inner + gL.unsqueeze(-1) * _eye(L, n)
    if inner is None:
        return V * 0
    return matmul(V, matmul(inner, _mT(V)))


def _eigh_jvp(t, a, outs, uplo):
    t = _sym(t)
    L, V = outs
    n = L.shape[-1]
    VtV = matmul(_mT(V), matmul(t, V))
    E = L.unsqueeze(-2) - L.unsqueeze(-1) + _eye(L, n)
    return (VtV * _eye(VtV, n)).sum(-1), matmul(V, VtV * _const(VtV, 1 - np.eye(n)) / E)


eigh_p = primitive("linalg_eigh", "LinalgEighBackward0", forward=_eigh_kernel, nout=2,
                   vjp=(lambda grads, a, outs, uplo:
                        _eigh_backward(_live(grads[0]), _live(grads[1]), *outs),),
                   jvp=_eigh_jvp)
# eigvalsh: the eigenvalues alone (its gradient recomputes the eigenvectors), so that a
# repeated eigenvalue does not meet the 1 / (L_j - L_i) of the eigenvectors' formula
eigvalsh_p = primitive(
    "linalg_eigvalsh", "LinalgEighBackward0",
    forward=lambda xp, a, uplo: xp.linalg.eigvalsh(a, UPLO=uplo),
    vjp=(lambda g, a, out, uplo: _eigh_backward(g, None, out, eigh_p(a, uplo)[1]),),
    jvp=lambda t, a, out, uplo: _eigh_jvp(t, a, eigh_p(a, uplo), uplo)[0])
eigh_result = _return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))


def _check_uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO="L", *, out=None):
    _check_matrix(A, "linalg.eigh", kernel="linalg_eigh_cpu", ints_too=True)
    _check_uplo(UPLO)
    return eigh_result(eigh_p(A, UPLO))


def eigvalsh(A, UPLO="L", *, out=None):
    _check_matrix(A, "linalg.eigh", kernel="linalg_eigh_cpu", ints_too=True)
    _check_uplo(UPLO)
    return eigvalsh_p(A, UPLO)


# ----- svd

def _svd_kernel(xp, a, full):
    u, s, vh = xp.linalg.svd(a, full_matrices=full)
    return _colmajor(u), s, _colmajor(vh)


def _svd_backward(gU, gS, gVh, a, U, S, Vh, full):
    """PyTorch's svd_backward (real case): gauge-invariant losses, distinct singular
    values; U and Vh narrowed to k = min(m, n) when full_matrices."""
    m, n = a.shape[-2:]
    k = min(m, n)
    if full:
        U, Vh = U[..., :k], Vh[..., :k, :]
        gU = None if gU is None else gU[..., :k]
        gVh = None if gVh is None else gVh[..., :k, :]
    if gU is None and gVh is None:
        if gS is None:
            return a * 0
        return matmul(U * gS.unsqueeze(-2), Vh)
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + _eye(S, k)
    core = None
    if gU is not None:
        UhgU = matmul(_mT(U), gU)
        core = (UhgU - _mT(UhgU)) * S.unsqueeze(-2)
    if gVh is not None:
        VhgV = matmul(Vh, _mT(gVh))
        t = S.unsqueeze(-1) * (VhgV - _mT(VhgV))
        core = t if core is None else core + t
    core = core / E
    if gS is not None:
        core = core + gS.unsqueeze(-1) * _eye(S, k)
    if m > k and gU is not None:
        gA = matmul(U, core)
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + gUSinv - matmul(U, matmul(_mT(U), gUSinv))
        return matmul(gA, Vh)
    if n > k and gVh is not None:
        gA = matmul(core, Vh)
        gVSinv_h = _mT(gVh) / S.unsqueeze(-2)  # gV S^-1, gV = gVh^T
        gA = gA + _mT(gVSinv_h) - matmul(matmul(_mT(gVSinv_h), _mT(Vh)), Vh)
        return matmul(U, gA)
    return matmul(U, matmul(core, Vh))


def _svd_jvp(t, a, outs, full):
    m, n = a.shape[-2:]
    k = min(m, n)
    U, S, Vh = outs
    if full:  # the reduced SVD's tangents; the completing columns get zeros, as in PyTorch
        U, Vh = U[..., :k] if m != k else U, Vh[..., :k, :] if n != k else Vh
    dP = matmul(_mT(U), matmul(t, _mT(Vh)))  # U^T dA V
    eye = _eye(S, k)
    dS = (dP * eye).sum(-1)
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + eye
    off = _const(S, 1 - np.eye(k))
    dU = matmul(U, (dP * S.unsqueeze(-2) + S.unsqueeze(-1) * _mT(dP)) * off / E)
    if m > k:
        dU = dU + matmul(t - matmul(U, matmul(_mT(U), t)), _mT(Vh)) / S.unsqueeze(-2)
    dV = matmul(_mT(Vh), (S.unsqueeze(-1) * dP + _mT(dP) * S.unsqueeze(-2)) * off / E)
    if n > k:
        dV = dV + matmul(_mT(t) - matmul(_mT(Vh), matmul(Vh, _mT(t))), U) / S.unsqueeze(-2)
    dVh = _mT(dV)
    if full and m != k:
        dU = matmul(dU, _const(dU, np.eye(k, m)))
    if full and n != k:
        dVh = matmul(_const(dVh, np.eye(n, k)), dVh)
    return dU, dS, dVh


svd_p = primitive("linalg_svd", "LinalgSvdBackward0", forward=_svd_kernel, nout=3,
                  vjp=(lambda grads, a, outs, full: _svd_backward(
                      _live(grads[0]), _live(grads[1]), _live(grads[2]), a, *outs, full),),
                  jvp=_svd_jvp)
# svdvals: the singular values alone (its gradient recomputes U and Vh)
svdvals_p = primitive(
    "linalg_svdvals", "LinalgSvdBackward0",
    forward=lambda xp, a: xp.linalg.svd(a, compute_uv=False),
    vjp=(lambda g, a, out: _svd_backward(None, g, None, a, *svd_p(a, False), False),),
    jvp=lambda t, a, out: _svd_jvp(t, a, svd_p(a, False), False)[1])
svd_result = _return_type("linalg_svd", ("U", "S", "Vh"))
torch_svd_result = _return_type("svd", ("U", "S", "V"))


def svd(A, full_matrices=True, *, driver=None, out=None):
    _check_matrix(A, "linalg.svd", square=False, kernel="linalg_svd_cpu")
    return svd_result(svd_p(A, full_matrices))


def svdvals(A, *, driver=None, out=None):
    _check_matrix(A, "linalg.svd", square=False, kernel="linalg_svd_cpu")
    return svdvals_p(A)


def torch_svd(input, some=True, compute_uv=True, *, out=None):
    """torch.svd (deprecated): V rather than Vh, reduced unless some=False; without
    compute_uv, U and V are zero-filled (m, m) and (n, n) matrices."""
    if not compute_uv:
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        zeros = [Tensor._make(np.zeros(batch + (k, k), input._data.dtype)) for k in (m, n)]
        return torch_svd_result((zeros[0], svdvals(input), zeros[1]))
    U, S, Vh = svd(input, full_matrices=not some)
    return torch_svd_result((U, S, _mT(Vh)))


def torch_qr(input, some=True, *, out=None):
    """torch.qr (deprecated): linalg.qr with mode 'reduced' or 'complete'."""
    import warnings
    warnings.warn("The boolean parameter 'some' has been replaced with a string parameter "
                  "'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\nQ, R = "
                  "torch.linalg.qr(A, 'reduced' if some else 'complete')", UserWarning,
                  stacklevel=2)
    Q, R = qr(input, "reduced" if some else "complete")
    return _return_type("qr", ("Q", "R"))((Q, R))
