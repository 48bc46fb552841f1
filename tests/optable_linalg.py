"""The op table's linalg entries (see tests/opinfo.py, which assembles every family).
Decompositions take well-conditioned matrices built inside the op from the random input
(A + n I, A A^T + n I), so that gradcheck perturbs A itself; eigenvectors and singular
vectors enter only through sign-invariant functions (V * V, U * S @ Vh), since their
signs are arbitrary."""
import warnings

import numpy as np  # noqa: F401


from opinfo_base import (Domain, T, S, OpInfo, REAL, POS, NONZERO, BOOL, TIES, UNARY,  # noqa: F401
                         BINARY, CMP, INT_DOMAIN, unary)

FLOATS = ("float32", "float64")


class Matrices(Domain):
    """Batches of well-conditioned matrices for the JVP/VJP samples: uniform entries plus
    n I, or symmetric positive definite ones (A A^T + n I) when ``spd``."""

    def __init__(self, spd=False, factor=False):
        super().__init__(-1.0, 1.0)
        self.spd, self.factor = spd or factor, factor

    def sample(self, rng, shape, dtype):
        a = rng.uniform(-1.0, 1.0, size=shape)
        n = shape[-1]
        if self.spd:
            a = a @ np.swapaxes(a, -1, -2)
        a = a + n * np.eye(n)
        return (np.linalg.cholesky(a) if self.factor else a).astype(dtype)


WELL, SPD, FACTOR = Matrices(), Matrices(spd=True), Matrices(factor=True)


def _mT(x):
    return x.transpose(-2, -1)


def _shift(m, a, k=None):
    """a + k I: well conditioned for uniform entries in [-2, 2]."""
    n = a.shape[-1]
    return a + (2 * n if k is None else k) * m.eye(n)


def _spd(m, a):
    n = a.shape[-1]
    return a @ _mT(a) + n * m.eye(n)


def _np_shift(a, k=None):
    n = a.shape[-1]
    return a + (2 * n if k is None else k) * np.eye(n)


def _np_spd(a):
    n = a.shape[-1]
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _np_mT(x):
    return np.swapaxes(x, -1, -2)


def _ref_solve(a, b, left=True):
    a = _np_shift(a)
    if not left:
        return _np_mT(_ref_solve_left(_np_mT(a), _np_mT(b)))
    return _ref_solve_left(a, b)


def _ref_solve_left(a, b):
    if b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1]):
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


def _ref_addbmm(c, a, b, beta, alpha):
    return beta * c + alpha * np.einsum("bij,bjk->ik", a, b)


def _ref_matrix_power(a, n):
    a = _np_shift(a)
    if n < 0:
        a, n = np.linalg.inv(a), -n
    return np.linalg.matrix_power(a, n) if a.ndim == 2 else \
        np.stack([np.linalg.matrix_power(x, n) for x in a])


def _eigh_vv(m, a, uplo="L"):
    L, V = m.linalg.eigh(_spd(m, a), UPLO=uplo)
    return V * V * L.unsqueeze(-2)


def _np_eigh_vv(a, uplo="L"):
    L, V = np.linalg.eigh(_np_spd(a), UPLO=uplo)
    return V * V * L[..., None, :]


def _svd_usv(m, a, full):
    """Sign-invariant functions of all three outputs: (U * U) S and (Vh * Vh) S."""
    U, S, Vh = m.linalg.svd(a, full_matrices=full)
    k = S.shape[-1]
    U = U[..., :k] if U.shape[-1] != k else U
    Vh = Vh[..., :k, :] if Vh.shape[-2] != k else Vh
    return (U * U * S.unsqueeze(-2)) @ (Vh * Vh) + (U * S.unsqueeze(-2)) @ Vh


def _np_svd_usv(a, full):
    U, S, Vh = np.linalg.svd(a, full_matrices=full)
    k = S.shape[-1]
    U, Vh = U[..., :k], Vh[..., :k, :]
    return (U * U * S[..., None, :]) @ (Vh * Vh) + (U * S[..., None, :]) @ Vh


def _qr_both(m, a, mode):
    Q, R = m.linalg.qr(a, mode=mode)
    return Q.sum(-1, keepdim=True) * R.sum(-2, keepdim=True)


def _np_qr_both(a, mode):
    Q, R = np.linalg.qr(a, mode=mode)
    return Q.sum(-1, keepdims=True) * R.sum(-2, keepdims=True)


def _ref_tensordot(a, b, dims):
    if isinstance(dims, int):
        return np.tensordot(a, b, axes=dims)
    for da, db in zip(*dims):  # PyTorch sums a contracted dim of size 1 against any size
        if a.shape[da] == 1 and b.shape[db] != 1:
            b = b.sum(db, keepdims=True)
        elif b.shape[db] == 1 and a.shape[da] != 1:
            a = a.sum(da, keepdims=True)
    return np.tensordot(a, b, axes=tuple(tuple(d) for d in dims))


def _np_lstsq(a, b):
    return np.linalg.pinv(a) @ b


def _np_residuals(a, b):
    bm = b[..., None] if b.ndim == a.ndim - 1 else b
    return ((a @ (np.linalg.pinv(a) @ bm) - bm) ** 2).sum(-2)


def _np_expm(a):
    """exp(a) by eigendecomposition of a general matrix (the reference only)."""
    w, v = np.linalg.eig(a)
    return np.real(v @ (np.exp(w)[..., None] * np.linalg.inv(v)))


def _np_trsolve(a, b, upper, left, unit):
    a = _np_shift(a)
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        n = a.shape[-1]
        t = t - t * np.eye(n) + np.eye(n)
    if left:
        return np.linalg.solve(t, b)
    return _np_mT(np.linalg.solve(_np_mT(t), _np_mT(b)))


def _tshift(m, a):
    """a + 4 I, I the identity of the square matrix that a's elements form."""
    n = int(round(np.sqrt(np.prod(a.shape))))
    return a + 4 * m.eye(n, dtype=a.dtype).reshape(tuple(a.shape))


def _np_tshift(a):
    n = int(round(np.sqrt(a.size)))
    return a + 4 * np.eye(n).reshape(a.shape)


def _quiet(fn):
    """fn without its deprecation warning (PyTorch's too)."""
    def run(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn(*args)
    return run


def _np_cond(a, p):
    s = np.linalg.svd(a, compute_uv=False)
    return s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]


def _np_lu(a):
    """A plain LU with partial pivoting, one matrix at a time (the reference only)."""
    a = np.array(a, dtype=np.float64)
    flat = a.reshape((-1,) + a.shape[-2:])
    m, n = a.shape[-2:]
    k = min(m, n)
    out_lu, out_p = [], []
    for x in flat:
        x, perm = x.copy(), np.arange(m)
        for j in range(k):
            p = j + int(np.argmax(np.abs(x[j:, j])))
            x[[j, p]], perm[[j, p]] = x[[p, j]], perm[[p, j]]
            x[j + 1:, j] /= x[j, j]
            x[j + 1:, j + 1:] -= np.outer(x[j + 1:, j], x[j, j + 1:])
        P = np.zeros((m, m))
        P[perm, np.arange(m)] = 1
        out_lu.append(x)
        out_p.append(P)
    lu = np.array(out_lu).reshape(a.shape)
    L = np.tril(lu[..., :, :k], -1) + np.eye(m, k)
    U = np.triu(lu[..., :k, :])
    return lu, np.array(out_p).reshape(a.shape[:-2] + (m, m)), L, U


def _lu_mix(L, U):
    return L.sum(-1, keepdim=True) * U.sum(-2, keepdim=True) if hasattr(L, "requires_grad") \
        else L.sum(-1, keepdims=True) * U.sum(-2, keepdims=True)


def _np_lu_solve(a, b, left, adjoint):
    A = np.swapaxes(a, -1, -2) if adjoint else a
    return np.linalg.solve(A, b) if left else \
        np.swapaxes(np.linalg.solve(np.swapaxes(A, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)


def _np_cdist(a, b, p, mode=None):
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == 0:
        return (d != 0).sum(-1).astype(a.dtype)
    if p == np.inf:
        return d.max(-1)
    return (d ** p).sum(-1) ** (1 / p)


EINSUM = [S("ij,jk->ik", T(3, 4), T(4, 2)), S("ij,jk", T(3, 4), T(4, 2)),
          S("ij->ji", T(3, 4)), S("ii->i", T(3, 3)), S("ii", T(3, 3)), S("ijk->", T(2, 3, 4)),
          S("bij,bjk->bik", T(2, 3, 4), T(2, 4, 2)), S("i,j->ij", T(3), T(4)),
          S("i,i", T(4), T(4)), S("ij,ij->ij", T(3, 4), T(3, 4)),
          S("...ij,...jk->...ik", T(2, 1, 3, 4), T(3, 4, 2)), S("...i->...", T(2, 3, 4)),
          S("ij,jk,kl->il", T(2, 3), T(3, 4), T(4, 2)), S("i j , j k -> k i", T(3, 4), T(4, 2)),
          S("ij,kj->ik", T(4, 3, nc=True), T(2, 3)), S("bii->bi", T(2, 3, 3)),
          S("iij->j", T(2, 2, 3)), S("ab,ab->", T(0, 3), T(0, 3)), S("ba,ac->bc", T(1, 3), T(3, 1))]

ADDMM = [S(T(3, 5), T(3, 4), T(4, 5), 1, 1), S(T(5), T(3, 4), T(4, 5), 0.5, 2),
         S(T(), T(3, 4), T(4, 5), 1, -1), S(T(3, 1), T(3, 4, nc=True), T(4, 5), 0, 1),
         S(T(3, 5, nc=True), T(3, 4), T(4, 5, nc=True), 2, 1)]

OPS = [
    # ----- products
    OpInfo("outer", lambda m, a, b: m.outer(a, b), np.outer,
           [S(T(3), T(4)), S(T(1), T(4)), S(T(0), T(3))], ("mul", "view")),
    OpInfo("ger", lambda m, a, b: a.ger(b), np.outer, [S(T(3), T(4))], ("mul", "view")),
    OpInfo("inner", lambda m, a, b: m.inner(a, b), np.inner,
           [S(T(4), T(4)), S(T(2, 4), T(3, 4)), S(T(), T(2, 3)), S(T(2, 3, 4, nc=True), T(4)),
            S(T(3, 4), T(4))],
           ("dot", "mm", "permute")),
    OpInfo("tensordot", lambda m, a, b, d: m.tensordot(a, b, dims=d),
           _ref_tensordot,
           [S(T(2, 3, 4), T(3, 4, 5), 2), S(T(3, 4), T(4, 5), 1), S(T(3, 4), T(3, 4), 0),
            S(T(2, 3), T(3, 2), ([1, 0], [0, 1])), S(T(3, 4, nc=True), T(5, 3), ([0], [1])),
            S(T(2, 3, nc=True), T(3, 2), ([0, 1], [1, 0])), S(T(3), T(3), 1),
            S(T(2, 1), T(3, 2), ([1], [0])), S(T(2, 3, 4), T(4, 3), ([-1, 1], [0, -1]))],
           ("mm", "dot", "permute", "sum")),
    OpInfo("einsum", lambda m, eq, *ops: m.einsum(eq, *ops), np.einsum, EINSUM,
           ("bmm", "mul", "permute", "unsqueeze", "sum", "diagonal", "view")),
    OpInfo("einsum_list", lambda m, eq, *ops: m.einsum(eq, list(ops)), np.einsum,
           [S("ij,jk->ik", T(3, 4), T(4, 2))], ("bmm",)),
    OpInfo("addmm", lambda m, c, a, b, beta, alpha: m.addmm(c, a, b, beta=beta, alpha=alpha),
           lambda c, a, b, beta, alpha: beta * c + alpha * (a @ b), ADDMM, ("addmm", "mm"),
           second_order=False),
    OpInfo("addmv", lambda m, c, a, b, beta, alpha: c.addmv(a, b, beta=beta, alpha=alpha),
           lambda c, a, b, beta, alpha: beta * c + alpha * (a @ b),
           [S(T(3), T(3, 4), T(4), 1, 1), S(T(1), T(3, 4, nc=True), T(4), 0.5, 2),
            S(T(), T(3, 4), T(4), 0, 1)], ("addmv", "mv"), second_order=False),
    OpInfo("baddbmm", lambda m, c, a, b, beta, alpha: m.baddbmm(c, a, b, beta=beta, alpha=alpha),
           lambda c, a, b, beta, alpha: beta * c + alpha * (a @ b),
           [S(T(2, 3, 5), T(2, 3, 4), T(2, 4, 5), 1, 1), S(T(3, 5), T(2, 3, 4), T(2, 4, 5), 2, 0.5),
            S(T(1), T(2, 3, 4), T(2, 4, 5), 0, 1)], ("baddbmm", "bmm"), second_order=False),
    OpInfo("addbmm", lambda m, c, a, b, beta, alpha: m.addbmm(c, a, b, beta=beta, alpha=alpha),
           _ref_addbmm,
           [S(T(3, 5), T(2, 3, 4), T(2, 4, 5), 1, 1), S(T(5), T(2, 3, 4), T(2, 4, 5), 0.5, 2),
            S(T(3, 1), T(2, 3, 4), T(2, 4, 5), 0, 1)], ("addbmm", "bmm"), second_order=False),
    OpInfo("addr", lambda m, c, a, b, beta, alpha: m.addr(c, a, b, beta=beta, alpha=alpha),
           lambda c, a, b, beta, alpha: beta * c + alpha * np.outer(a, b),
           [S(T(3, 4), T(3), T(4), 1, 1), S(T(4), T(3), T(4), 0.5, 2), S(T(), T(3), T(4), 0, 1),
            S(T(3, 1, nc=True), T(3), T(4), 2, -1), S(T(4, 3, nc=True), T(4), T(3), 1, 1)],
           ("addr", "mv"), second_order=False),
    OpInfo("linalg.cross", lambda m, a, b, d: m.linalg.cross(a, b, dim=d),
           lambda a, b, d: np.cross(a, b, axis=d),
           [S(T(4, 3), T(4, 3), -1), S(T(3), T(3), 0), S(T(1, 3), T(2, 3), -1),
            S(T(3, 2), T(3, 2), 0), S(T(2, 3, nc=True), T(2, 3), 1)],
           ("linalg_cross",)),
    OpInfo("cross", lambda m, a, b, d: m.cross(a, b, dim=d), lambda a, b, d: np.cross(a, b, axis=d),
           [S(T(3, 4), T(3, 4), 0), S(T(2, 3), T(2, 3), -1)], ("linalg_cross",)),
    OpInfo("kron", lambda m, a, b: m.kron(a, b), np.kron,
           [S(T(2, 3), T(3, 2)), S(T(2), T(2, 3)), S(T(), T(3)), S(T(2, 1, 2), T(2, 2))],
           ("unsafe_view", "mul")),
    OpInfo("linalg.multi_dot", lambda m, *ts: m.linalg.multi_dot(list(ts)),
           lambda *ts: np.linalg.multi_dot(ts),
           [S(T(3, 4), T(4, 5)), S(T(4), T(4, 5), T(5, 2)), S(T(2, 3), T(3, 6), T(6, 2)),
            S(T(2, 3), T(3, 4), T(4, 2), T(2, 5)), S(T(3, 4), T(4)), S(T(4), T(4, 3), T(3))],
           ("mm", "view")),
    OpInfo("linalg.vecdot", lambda m, a, b: m.linalg.vecdot(a, b),
           lambda a, b: np.sum(a * b, axis=-1),
           [S(T(3, 4), T(3, 4)), S(T(2, 3, 4), T(4)), S(T(4), T(4))], ("mul", "sum")),
    # ----- inverses and determinants
    OpInfo("linalg.inv", lambda m, a: m.linalg.inv(_shift(m, a)),
           lambda a: np.linalg.inv(_np_shift(a)),
           [S(T(3, 3)), S(T(2, 3, 3)), S(T(3, 3, nc=True)), S(T(1, 1)), S(T(0, 0))],
           ("linalg_inv",)),
    OpInfo("inverse", lambda m, a: _shift(m, a).inverse(), lambda a: np.linalg.inv(_np_shift(a)),
           [S(T(3, 3))], ("linalg_inv",)),
    OpInfo("linalg.det", lambda m, a: m.linalg.det(_shift(m, a, 1)),
           lambda a: np.linalg.det(_np_shift(a, 1)),
           [S(T(3, 3)), S(T(2, 3, 3)), S(T(3, 3, nc=True)), S(T(1, 1))], ("linalg_det",)),
    OpInfo("det", lambda m, a: m.det(_shift(m, a)), lambda a: np.linalg.det(_np_shift(a)),
           [S(T(3, 3))], ("linalg_det",)),
    OpInfo("linalg.slogdet", lambda m, a: m.linalg.slogdet(_shift(m, a, 1)).logabsdet,
           lambda a: np.linalg.slogdet(_np_shift(a, 1))[1],
           [S(T(3, 3)), S(T(2, 3, 3)), S(T(3, 3, nc=True))], ("linalg_slogdet",)),
    OpInfo("slogdet_both", lambda m, a: (lambda r: r[0] * r[1])(m.slogdet(_shift(m, a, 1))),
           lambda a: np.prod(np.linalg.slogdet(_np_shift(a, 1)), axis=0),
           [S(T(3, 3)), S(T(2, 3, 3))], ("linalg_slogdet",)),
    OpInfo("logdet", lambda m, a: m.logdet(_spd(m, a)),
           lambda a: np.linalg.slogdet(_np_spd(a))[1],
           [S(T(3, 3)), S(T(2, 3, 3))], ("linalg_slogdet", "where")),
    OpInfo("linalg.solve", lambda m, a, b, left: m.linalg.solve(_shift(m, a), b, left=left),
           _ref_solve,
           [S(T(3, 3), T(3, 2), True), S(T(3, 3), T(3), True), S(T(2, 3, 3), T(2, 3), True),
            S(T(2, 3, 3), T(3, 2), True), S(T(3, 3), T(2, 3, 2), True),
            S(T(3, 3, nc=True), T(2, 3), False), S(T(2, 3, 3), T(2, 4, 3), False),
            S(T(2, 3, 3), T(3), True)],
           ("linalg_solve",)),
    # ----- decompositions
    OpInfo("linalg.cholesky", lambda m, a, u: m.linalg.cholesky(_spd(m, a), upper=u),
           lambda a, u: (lambda L: _np_mT(L) if u else L)(np.linalg.cholesky(_np_spd(a))),
           [S(T(3, 3), False), S(T(2, 3, 3), False), S(T(3, 3, nc=True), True), S(T(1, 1), True)],
           ("linalg_cholesky", "linalg_solve")),
    OpInfo("linalg.qr", lambda m, a, mode: _qr_both(m, a, mode), _np_qr_both,
           [S(T(4, 3), "reduced"), S(T(3, 3), "complete"), S(T(2, 4, 3), "reduced"),
            S(T(3, 5), "reduced"), S(T(4, 3, nc=True), "reduced"), S(T(3, 4), "complete")],
           ("linalg_qr", "linalg_solve")),
    OpInfo("linalg.qr_Q", lambda m, a: m.linalg.qr(a).Q, lambda a: np.linalg.qr(a)[0],
           [S(T(4, 3)), S(T(2, 3, 3))], ("linalg_qr",)),
    OpInfo("linalg.qr_R", lambda m, a: m.linalg.qr(a).R, lambda a: np.linalg.qr(a)[1],
           [S(T(4, 3)), S(T(3, 4))], ("linalg_qr",)),
    OpInfo("linalg.eigh", _eigh_vv, _np_eigh_vv,
           [S(T(3, 3)), S(T(2, 3, 3)), S(T(3, 3, nc=True)), S(T(3, 3), "U")],
           ("linalg_eigh",)),
    OpInfo("linalg.eigvalsh", lambda m, a: m.linalg.eigvalsh(_spd(m, a)),
           lambda a: np.linalg.eigvalsh(_np_spd(a)),
           [S(T(3, 3)), S(T(2, 3, 3)), S(T(1, 1))], ("linalg_eigvalsh", "linalg_eigh")),
    OpInfo("linalg.eigh_values", lambda m, a: m.linalg.eigh(_spd(m, a))[0],
           lambda a: np.linalg.eigvalsh(_np_spd(a)), [S(T(3, 3))], ("linalg_eigh",)),
    OpInfo("linalg.svd", _svd_usv, _np_svd_usv,
           [S(T(4, 3), False), S(T(3, 4), False), S(T(3, 3), True), S(T(2, 4, 3), False),
            S(T(3, 5, nc=True), False), S(T(4, 3), True), S(T(2, 3, 4), True)],
           ("linalg_svd",)),
    OpInfo("linalg.svd_S", lambda m, a: m.linalg.svd(a)[1],
           lambda a: np.linalg.svd(a, compute_uv=False), [S(T(4, 3)), S(T(2, 3, 4))],
           ("linalg_svd",)),
    OpInfo("linalg.svdvals", lambda m, a: m.linalg.svdvals(a),
           lambda a: np.linalg.svd(a, compute_uv=False),
           [S(T(4, 3)), S(T(3, 4)), S(T(2, 3, 3)), S(T(3, 3, nc=True))],
           ("linalg_svdvals", "linalg_svd")),
    OpInfo("linalg.pinv", lambda m, a, h: m.linalg.pinv(_spd(m, a) if h else a, hermitian=h),
           lambda a, h: np.linalg.pinv(_np_spd(a) if h else a),
           [S(T(3, 4), False), S(T(4, 3), False), S(T(2, 3, 3), False), S(T(3, 3), True),
            S(T(3, 4, nc=True), False)],
           ("linalg_pinv",)),
    OpInfo("pinverse", lambda m, a: a.pinverse(), np.linalg.pinv, [S(T(3, 4))], ("linalg_pinv",)),
    OpInfo("linalg.matrix_power", lambda m, a, n: m.linalg.matrix_power(_shift(m, a), n),
           _ref_matrix_power,
           [S(T(3, 3), 2), S(T(3, 3), 3), S(T(3, 3), 5), S(T(3, 3), 1), S(T(3, 3), 0),
            S(T(3, 3), -1), S(T(3, 3), -2), S(T(2, 3, 3), 4), S(T(3, 3, nc=True), 6)],
           ("mm", "bmm", "clone", "matrix_power_identity", "linalg_inv"),
           check=dict(rtol=1e-4)),
    OpInfo("matrix_power", lambda m, a: _shift(m, a).matrix_power(2),
           lambda a: np.linalg.matrix_power(_np_shift(a), 2), [S(T(3, 3))], ("mm",)),
    OpInfo("linalg.lstsq", lambda m, a, b: m.linalg.lstsq(a, b).solution, _np_lstsq,
           [S(T(4, 3), T(4, 2)), S(T(4, 3), T(4)), S(T(2, 4, 3), T(2, 4, 2)), S(T(3, 4), T(3, 2)),
            S(T(4, 3, nc=True), T(4, 1))],
           ("linalg_lstsq", "linalg_pinv")),
    OpInfo("linalg.lstsq_residuals",
           lambda m, a, b: m.linalg.lstsq(a, b, driver="gelsd").residuals, _np_residuals,
           [S(T(4, 3), T(4, 2)), S(T(5, 3), T(5)), S(T(2, 4, 2), T(2, 4, 3))], ("linalg_lstsq",)),
    OpInfo("linalg.matrix_norm_svd",
           lambda m, a, o, d, k: m.linalg.matrix_norm(a, o, d, k),
           lambda a, o, d, k: np.linalg.norm(a, ord=o, axis=d, keepdims=k) if a.ndim == 2 else
           np.linalg.norm(np.moveaxis(a, d, (-2, -1)), ord=o, axis=(-2, -1)).reshape(
               [1 if i in [x % a.ndim for x in d] else n for i, n in enumerate(a.shape)]
               if k else [n for i, n in enumerate(a.shape) if i not in [x % a.ndim for x in d]]),
           [S(T(3, 4), "nuc", (-2, -1), False), S(T(2, 3, 4), "nuc", (0, 2), True),
            S(T(2, 3, 4), "nuc", (2, 1), False), S(T(4, 3, nc=True), "nuc", (-2, -1), True),
            S(T(3, 4), 2, (-2, -1), False), S(T(2, 3, 4), -2, (0, 2), True)],
           ("linalg_svdvals", "sum", "amax", "amin", "permute")),
    OpInfo("linalg.norm", lambda m, a, o, d, k: m.linalg.norm(a, o, d, k),
           lambda a, o, d, k: np.linalg.norm(a, ord=o, axis=d, keepdims=k),
           [S(T(3, 4), None, None, False), S(T(3, 4), "fro", None, True), S(T(3, 4), 2, None, False),
            S(T(4), 3, None, False), S(T(2, 3, 4), None, (0, 2), True), S(T(2, 3, 4), 1, -1, False),
            S(T(2, 3, 4), "nuc", (1, 2), False), S(T(2, 3, 4), float("inf"), (2, 0), False)],
           ("linalg_vector_norm", "linalg_svdvals"), second_order=False),
    OpInfo("linalg.matrix_exp", lambda m, a: m.linalg.matrix_exp(a), _np_expm,
           [S(T(3, 3)), S(T(2, 3, 3)), S(T(3, 3, nc=True)), S(T(1, 1)),
            S(T(2, 2, domain=Domain(-4.0, 4.0)))],
           ("linalg_matrix_exp", "mm", "bmm"), grid=("float32", "float64", "int64"),
           check=dict(rtol=1e-4)),
    OpInfo("matrix_exp", lambda m, a: a.matrix_exp(), _np_expm, [S(T(3, 3))],
           ("linalg_matrix_exp",), grid=("float32", "float64", "int64")),
    OpInfo("linalg.solve_triangular",
           lambda m, a, b, up, left, unit: m.linalg.solve_triangular(
               _shift(m, a), b, upper=up, left=left, unitriangular=unit), _np_trsolve,
           [S(T(3, 3), T(3, 2), True, True, False), S(T(3, 3), T(3, 2), False, True, True),
            S(T(2, 3, 3), T(2, 4, 3), True, False, False), S(T(3, 3), T(2, 3, 2), False, True, False),
            S(T(3, 3, nc=True), T(2, 3), False, False, True)],
           ("linalg_solve_triangular",)),
    OpInfo("linalg.cond", lambda m, a, p: m.linalg.cond(a, p), _np_cond,
           [S(T(3, 3), None), S(T(2, 3, 4), 2), S(T(4, 3), -2)],
           ("linalg_svdvals", "slice", "div", "squeeze")),
    OpInfo("linalg.tensorinv", lambda m, a, ind: m.linalg.tensorinv(_tshift(m, a), ind),
           lambda a, ind: np.linalg.tensorinv(_np_tshift(a), ind),
           [S(T(4, 2, 2), 1), S(T(2, 3, 6), 2)], ("linalg_inv", "view")),
    OpInfo("linalg.tensorsolve", lambda m, a, b: m.linalg.tensorsolve(_tshift(m, a), b),
           lambda a, b: np.linalg.tensorsolve(_np_tshift(a), b),
           [S(T(6, 2, 3), T(6)), S(T(2, 3, 6), T(2, 3))], ("linalg_solve", "view")),
    OpInfo("cholesky_solve",
           lambda m, a, b, u: m.cholesky_solve(b, m.linalg.cholesky(_spd(m, a), upper=u), u),
           lambda a, b, u: np.linalg.solve(_np_spd(a), b),
           [S(T(3, 3), T(3, 2), False), S(T(2, 3, 3), T(3, 2), True),
            S(T(3, 3), T(2, 3, 1), False), S(T(3, 3, nc=True), T(3, 2, nc=True), True)],
           ("cholesky_solve", "linalg_cholesky")),
    OpInfo("cholesky_inverse",
           lambda m, a, u: m.linalg.cholesky(_spd(m, a), upper=u).cholesky_inverse(u),
           lambda a, u: np.linalg.inv(_np_spd(a)),
           [S(T(3, 3), False), S(T(2, 3, 3), True), S(T(1, 1), False)],
           ("cholesky_inverse", "linalg_cholesky")),
    OpInfo("linalg.inv_ex", lambda m, a: m.linalg.inv_ex(_shift(m, a)).inverse,
           lambda a: np.linalg.inv(_np_shift(a)), [S(T(3, 3)), S(T(2, 3, 3, nc=True))],
           ("linalg_inv_ex",)),
    OpInfo("linalg.cholesky_ex", lambda m, a: m.linalg.cholesky_ex(_spd(m, a), upper=True).L,
           lambda a: _np_mT(np.linalg.cholesky(_np_spd(a))), [S(T(3, 3)), S(T(2, 3, 3))],
           ("linalg_cholesky_ex", "linalg_solve")),
    OpInfo("linalg.solve_ex", lambda m, a, b: m.linalg.solve_ex(_shift(m, a), b).result,
           _ref_solve, [S(T(3, 3), T(3, 2)), S(T(2, 3, 3), T(3))], ("linalg_solve_ex",)),
    OpInfo("linalg.lu", lambda m, a: (lambda r: _lu_mix(r.L, r.U))(m.linalg.lu(a)),
           lambda a: (lambda r: _lu_mix(r[2], r[3]))(_np_lu(a)),
           [S(T(3, 3)), S(T(2, 3, 3)), S(T(3, 5)), S(T(5, 3)), S(T(4, 4, nc=True))],
           ("linalg_lu", "linalg_solve_triangular")),
    OpInfo("linalg.lu_factor", lambda m, a: m.linalg.lu_factor(a).LU, lambda a: _np_lu(a)[0],
           [S(T(3, 3)), S(T(2, 4, 4)), S(T(3, 4)), S(T(4, 3))],
           ("linalg_lu_factor_ex", "linalg_solve_triangular")),
    OpInfo("linalg.lu_factor_ex", lambda m, a: m.linalg.lu_factor_ex(a).LU,
           lambda a: _np_lu(a)[0], [S(T(3, 3))], ("linalg_lu_factor_ex",)),
    OpInfo("lu_unpack", lambda m, a: (lambda r: _lu_mix(r.L, r.U))(
        m.lu_unpack(*m.linalg.lu_factor(a))), lambda a: (lambda r: _lu_mix(r[2], r[3]))(_np_lu(a)),
        [S(T(3, 3)), S(T(2, 3, 4)), S(T(4, 3))], ("lu_unpack", "linalg_lu_factor_ex")),
    OpInfo("linalg.lu_solve",
           lambda m, a, b, left, adj: m.linalg.lu_solve(*m.linalg.lu_factor(_shift(m, a)), b,
                                                        left=left, adjoint=adj),
           lambda a, b, left, adj: _np_lu_solve(_np_shift(a), b, left, adj),
           [S(T(3, 3), T(3, 2), True, False), S(T(2, 3, 3), T(2, 3, 2), True, True),
            S(T(3, 3), T(2, 3), False, False), S(T(3, 3, nc=True), T(2, 3), False, True)],
           ("linalg_lu_solve", "linalg_lu_factor_ex")),
    OpInfo("cdist", lambda m, a, b, p, mode: m.cdist(a, b, p=p, compute_mode=mode), _np_cdist,
           [S(T(4, 3), T(5, 3), 2.0, "use_mm_for_euclid_dist_if_necessary"),
            S(T(4, 3), T(5, 3), 1.0, "use_mm_for_euclid_dist_if_necessary"),
            S(T(2, 4, 3), T(1, 5, 3), 3.0, "use_mm_for_euclid_dist_if_necessary"),
            S(T(4, 3), T(5, 3), float("inf"), "donot_use_mm_for_euclid_dist"),
            S(T(4, 3, nc=True), T(5, 3), 2.0, "use_mm_for_euclid_dist"),
            S(T(2, 30, 2), T(2, 5, 2), 2.0, "use_mm_for_euclid_dist_if_necessary"),
            S(T(4, 3), T(5, 3), 0.0, "use_mm_for_euclid_dist_if_necessary"),
            S(T(4, 3), T(5, 3), 1.5, "use_mm_for_euclid_dist_if_necessary")],
           ("cdist", "euclidean_dist", "expand", "view"), check=dict(rtol=1e-4)),
    OpInfo("linalg.vander", lambda m, a, n: m.linalg.vander(a, N=n),
           lambda a, n: np.vander(np.atleast_1d(a), n, increasing=True) if a.ndim <= 1 else
           np.stack([np.vander(r, n, increasing=True) for r in a]),
           [S(T(3), None), S(T(4), 2), S(T(2, 3), 5), S(T(), 3)],
           ("cumprod", "cat", "expand", "unsqueeze"), grid=("float32", "float64", "int32", "int64")),
    OpInfo("triangular_solve",
           _quiet(lambda m, b, a, up, tr, unit: (
               lambda r: r.solution * 2 + r.cloned_coefficient.sum())(
               m.triangular_solve(b, _shift(m, a), up, tr, unit))),
           lambda b, a, up, tr, unit: 2 * _np_trsolve(_np_mT(a) if tr else a, b, up != tr, True,
                                                      unit) + _np_shift(a).sum(),
           [S(T(3, 2), T(3, 3), True, False, False), S(T(2, 3, 2), T(2, 3, 3), False, True, False),
            S(T(3, 2), T(3, 3, nc=True), True, True, True)],
           ("triangular_solve", "linalg_solve_triangular")),
    OpInfo("linalg.matrix_rank", lambda m, a, h: m.linalg.matrix_rank(a, hermitian=h),
           lambda a, h: np.linalg.matrix_rank(a, hermitian=h),
           [S(T(3, 4), False), S(T(2, 3, 3), False), S(T(4, 1), False)], (),
           differentiable=False),
]


def _square(m, rng):
    return ()


PRIM_SAMPLES = {
    "addmm": [([T(3, 5), T(3, 4), T(4, 5)], (1, 1)), ([T(5), T(3, 4), T(4, 5)], (0.5, 2))],
    "addmv": [([T(3), T(3, 4), T(4)], (2, 0.5))],
    "baddbmm": [([T(2, 3, 5), T(2, 3, 4), T(2, 4, 5)], (0.5, 2))],
    "addr": [([T(3, 4), T(3), T(4)], (2, 0.5)), ([T(4), T(3), T(4)], (1, 1))],
    "addbmm": [([T(3, 5), T(2, 3, 4), T(2, 4, 5)], (2, 0.5))],
    "linalg_cross": [([T(4, 3), T(4, 3)], (1,)), ([T(3, 2), T(3, 1)], (0,))],
    "linalg_inv": [([T(3, 3, domain=WELL)], ()), ([T(2, 3, 3, domain=WELL)], ())],
    "linalg_det": [([T(3, 3, domain=WELL)], ()), ([T(2, 3, 3, domain=WELL)], ())],
    "linalg_slogdet": [([T(3, 3, domain=WELL)], ())],
    "linalg_solve": [([T(3, 3, domain=WELL), T(3, 2)], (True, False)),
                     ([T(2, 3, 3, domain=WELL), T(2, 3)], (True, True)),
                     ([T(3, 3, domain=WELL), T(2, 3)], (False, False))],
    "linalg_cholesky": [([T(3, 3, domain=SPD)], (False,)), ([T(2, 3, 3, domain=SPD)], (True,))],
    "linalg_qr": [([T(4, 3)], ("reduced",)), ([T(3, 3)], ("complete",)),
                  ([T(2, 3, 5)], ("reduced",))],
    "linalg_eigh": [([T(3, 3, domain=SPD)], ("L",)), ([T(2, 3, 3, domain=SPD)], ("U",))],
    "linalg_eigvalsh": [([T(3, 3, domain=SPD)], ("L",))],
    "linalg_svd": [([T(4, 3)], (False,)), ([T(3, 4)], (False,)), ([T(3, 3)], (True,)),
                   ([T(4, 3)], (True,)), ([T(2, 3, 5)], (True,))],
    "linalg_svdvals": [([T(4, 3)], ())],
    "linalg_pinv": [([T(3, 4)], (0.0, 1e-12, False)), ([T(3, 3, domain=SPD)], (0.0, 1e-12, True))],
    "matrix_power_identity": [([T(3, 3)], ())],
    "cholesky_solve": [([T(3, 2), T(3, 3, domain=FACTOR)], (False,)),
                       ([T(2, 3, 2), T(3, 3, domain=FACTOR)], (True,))],
    "cholesky_inverse": [([T(3, 3, domain=FACTOR)], (False,)), ([T(2, 3, 3, domain=FACTOR)], (True,))],
    "linalg_inv_ex": [([T(3, 3, domain=WELL)], ())],
    "linalg_cholesky_ex": [([T(2, 3, 3, domain=SPD)], (False,))],
    "linalg_solve_ex": [([T(3, 3, domain=WELL), T(3, 2)], (True, False))],
    "linalg_lu": [([T(3, 3)], ()), ([T(2, 4, 4)], ()), ([T(3, 5)], ()), ([T(5, 3)], ())],
    "linalg_lu_factor_ex": [([T(3, 3)], ()), ([T(3, 5)], ()), ([T(2, 5, 3)], ())],
    "lu_unpack": [([T(3, 3)], (np.array([2, 3, 3], dtype=np.int32),)),
                  ([T(3, 4)], (np.array([3, 2, 3], dtype=np.int32),))],
    "linalg_lu_solve": [([T(3, 3, domain=WELL), T(3, 2)],
                         (np.array([1, 3, 3], dtype=np.int32), True, False)),
                        ([T(3, 3, domain=WELL), T(2, 3)],
                         (np.array([2, 2, 3], dtype=np.int32), False, True))],
    "cdist": [([T(4, 3), T(5, 3)], (2.0,)), ([T(2, 4, 3), T(5, 3)], (1.0,)),
              ([T(4, 3), T(5, 3)], (float("inf"),)), ([T(4, 3), T(5, 3)], (1.5,))],
    "euclidean_dist": [([T(4, 3), T(5, 3)], ()), ([T(2, 4, 3), T(2, 5, 3)], ())],
    "triangular_solve": [([T(3, 2), T(3, 3, domain=WELL)], (True, False, False)),
                         ([T(3, 2), T(3, 3, domain=WELL)], (False, True, True))],
    "linalg_matrix_exp": [([T(3, 3)], ()), ([T(2, 2, 2)], ())],
    "linalg_solve_triangular": [([T(3, 3, domain=WELL), T(3, 2)], (True, True, False)),
                                ([T(2, 3, 3, domain=WELL), T(2, 3)], (False, False, True))],
    "linalg_lstsq": [([T(4, 3), T(4, 2)], (1e-12, "gelsd", False)),
                     ([T(4, 3), T(4)], (1e-12, "gelsy", True))],
}
