"""Matrix functions built on the decompositions: pinv, matrix_rank, matrix_power, lstsq,
matrix_exp, cond, tensorinv and tensorsolve (primitives on batched NumPy kernels with
PyTorch's node names, errors and gradients in Tensor ops, and composites that build
PyTorch's graphs)."""
import numpy as np

from .primitive import primitive
from .linalg import matmul
from .linalg_decomp import _mT, _const, _live, _return_type, inv
from .linalg_spectral import svdvals
from ..tensor import Tensor
from .. import dtypes as _dt


# ----- pinv

def _pinv_kernel(xp, a, atol, rtol, hermitian):
    if hermitian:
        w, v = xp.linalg.eigh(a)
        s = np.abs(w)
    else:
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
    smax = s.max(axis=-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,))
    tol = np.maximum(atol, rtol * smax)
    with np.errstate(divide="ignore"):
        sinv = np.where(s > tol, 1 / np.where(s > tol, s, 1), 0).astype(a.dtype)
    if hermitian:
        return np.matmul(v * (np.sign(w) * sinv)[..., None, :], np.swapaxes(v, -1, -2))
    return np.matmul(np.swapaxes(vh, -1, -2) * sinv[..., None, :], np.swapaxes(u, -1, -2))


def _pinv_vjp(g, a, X):
    Xt, gt = _mT(X), _mT(g)
    t1 = -matmul(Xt, matmul(g, Xt))
    XXt = matmul(X, Xt)
    t2 = matmul(gt, XXt) - matmul(a, matmul(X, matmul(gt, XXt)))
    XtX = matmul(Xt, X)
    t3 = matmul(XtX, gt) - matmul(matmul(XtX, gt), matmul(X, a))
    return t1 + t2 + t3


def _pinv_jvp(t, a, X, atol, rtol, hermitian):
    m, n = a.shape[-2:]
    dX = -matmul(X, matmul(t, X))
    XXt = matmul(X, _mT(X))
    dX = dX + matmul(XXt, _mT(t)) - matmul(XXt, matmul(_mT(t), matmul(a, X)))
    XtX = matmul(_mT(X), X)
    dX = dX + matmul(_mT(t), XtX) - matmul(matmul(X, a), matmul(_mT(t), XtX))
    return dX


pinv_p = primitive("linalg_pinv", "LinalgPinvBackward0", forward=_pinv_kernel,
                   vjp=(lambda g, a, out, atol, rtol, hermitian: _pinv_vjp(g, a, out),),
                   jvp=_pinv_jvp)


def _tol(x):
    """A tolerance as the kernels use it: a number, or a tensor's values (one per matrix of
    the batch, broadcast against the singular values)."""
    return np.asarray(x._data, dtype=np.float64)[..., None] if hasattr(x, "_data") else float(x)


def _tolerances(A, atol, rtol):
    """PyTorch's rule: rtol defaults to eps * max(m, n), or to 0 where atol > 0 is given."""
    default = float(np.finfo(A._data.dtype).eps) * max(A.shape[-2:])
    atol = 0.0 if atol is None else _tol(atol)
    if rtol is None:
        rtol = np.where(np.asarray(atol) > 0, 0.0, default)
        return atol, (float(rtol) if rtol.ndim == 0 else rtol)
    return atol, _tol(rtol)


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """linalg.pinv; the deprecated ``rcond`` (positional or keyword) is rtol."""
    if A.ndim < 2 or A.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"linalg.pinv({A.dtype._legacy}{{[{', '.join(map(str, A.shape))}]}}): "
                           "expected a tensor with 2 or more dimensions of float, double, cfloat "
                           "or cdouble types")
    if rcond is not None:
        atol, rtol = 0.0, rcond
    atol, rtol = _tolerances(A, atol, rtol)
    return pinv_p(A, atol, rtol, bool(hermitian))


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """linalg.matrix_rank; the deprecated ``tol`` is an absolute tolerance."""
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least "
                           "2 dimensions.")
    if A.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = _tolerances(A, atol, rtol)
    a = A._data
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    smax = s.max(axis=-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,))
    tol = np.maximum(atol, rtol * smax)
    return Tensor._make((s > tol).sum(-1).astype(np.int64))


# ----- matrix_power (PyTorch's binary exponentiation, so the graph is PyTorch's)

identity_copy_p = primitive(  # PyTorch: clone(A).copy_(I), whose node is CopyBackwards
    "matrix_power_identity", "CopyBackwards",
    forward=lambda xp, a: np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape).copy(),
    vjp=(lambda g, a, out: g * 0,), jvp=lambda t, a, out: out * 0)
# PyTorch's CopyBackwards is a C++ node whose name() is namespaced, as AccumulateGrad's is
identity_copy_p.node_cls.name = lambda self: "torch::autograd::CopyBackwards"


def matrix_power(A, n, *, out=None):
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 "
                           "dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they "
                           f"are {A.shape[-2]} by {A.shape[-1]} matrices")
    if n == 0:
        from .pointwise import clone
        return identity_copy_p(clone(A, memory_format="contiguous"))
    a = inv(A) if n < 0 else A
    if n == 1:
        from .pointwise import clone
        return clone(a)
    n = abs(n)
    if n == 1:
        return a
    if n == 2:
        return matmul(a, a)
    if n == 3:
        return matmul(matmul(a, a), a)
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = a if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


# ----- lstsq (through the pseudo-inverse: full-rank, well-conditioned problems)

_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _lstsq_kernel(xp, a, b, rcond, driver, vector):
    if vector:
        b = b[..., None]
    m, n = a.shape[-2:]
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    smax = s.max(axis=-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,))
    keep = s > rcond * smax
    sinv = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(a.dtype)
    x = np.matmul(np.swapaxes(vh, -1, -2), sinv[..., None] * np.matmul(np.swapaxes(u, -1, -2), b))
    rank = keep.sum(-1).astype(np.int64)
    if driver != "gelsy" and m > n and np.all(rank == n):
        residuals = ((np.matmul(a, x) - b) ** 2).sum(-2)  # a vector keeps its column
    else:
        residuals = np.empty((0,), a.dtype)
    sv = s if driver in ("gelsd", "gelss") else np.empty((0,), a.dtype)
    if driver == "gels":
        rank = np.empty((0,), np.int64)
    # LAPACK leaves the solution in the first n rows of the column-major (m, k) B
    buf = np.swapaxes(np.zeros(x.shape[:-2] + (x.shape[-1], max(m, n)), x.dtype), -1, -2)
    buf[..., :n, :] = x
    x = buf[..., :n, 0] if vector else buf[..., :n, :]
    return x, residuals, rank, sv


def _lstsq_grads(grads, a, b, outs, rcond, vector):
    """(gA, gB): the solution's through pinv(A) B, the residuals' through A X - B (at the
    optimum, X's own dependence drops out of them)."""
    gX, gres = _live(grads[0]), _live(grads[1])
    X = outs[0]
    Bm, Xm = (b.unsqueeze(-1), X.unsqueeze(-1)) if vector else (b, X)
    gA = gB = None
    if gX is not None:
        gXm = gX.unsqueeze(-1) if vector else gX
        P = pinv_p(a, 0.0, rcond, False)
        gA = _pinv_vjp(matmul(gXm, _mT(Bm)), a, P)
        gB = matmul(_mT(P), gXm)
    if gres is not None and outs[1].numel():
        R = (matmul(a, Xm) - Bm) * gres.unsqueeze(-2) * 2
        tA, tB = matmul(R, _mT(Xm)), -R
        gA = tA if gA is None else gA + tA
        gB = tB if gB is None else gB + tB
    if gB is not None and vector:
        gB = gB.squeeze(-1)
    return gA, gB


def _lstsq_vjp(k):
    def vjp(grads, a, b, outs, rcond, driver, vector):
        return _lstsq_grads(grads, a, b, outs, rcond, vector)[k]
    return vjp


def _lstsq_jvp(ta, tb, a, b, outs, rcond, driver, vector):
    X = outs[0]
    Xm = X.unsqueeze(-1) if vector else X
    P = pinv_p(a, 0.0, rcond, False)
    d = None
    if ta is not None:
        dP = _pinv_jvp(ta, a, P, 0.0, rcond, False)
        d = matmul(dP, b.unsqueeze(-1) if vector else b)
    if tb is not None:
        t = matmul(P, tb.unsqueeze(-1) if vector else tb)
        d = t if d is None else d + t
    dres = None
    if outs[1].numel():
        R = matmul(a, Xm) - (b.unsqueeze(-1) if vector else b)
        dR = 0
        if ta is not None:
            dR = matmul(ta, Xm)
        if tb is not None:
            dR = dR - (tb.unsqueeze(-1) if vector else tb)
        dres = (R * dR * 2).sum(-2)
    else:
        dres = outs[1] * 0
    return (d.squeeze(-1) if vector else d), dres, None, outs[3] * 0


lstsq_p = primitive("linalg_lstsq", "LinalgLstsqBackward0", forward=_lstsq_kernel, nout=4,
                    vjp=(_lstsq_vjp(0), _lstsq_vjp(1)), jvp=_lstsq_jvp)
lstsq_result = _return_type("linalg_lstsq", ("solution", "residuals", "rank",
                                             "singular_values"))


def lstsq(A, B, rcond=None, *, driver=None):
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {A.dtype._legacy} and other's dtype "
                           f"{B.dtype._legacy}")
    if A.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if not 0 <= A.ndim - B.ndim <= 1:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to "
                           "other.dim() and (input.dim() - other.dim()) <= 1")
    vector = B.ndim == A.ndim - 1
    from .primitive import broadcast_shapes
    broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-1] if vector else B.shape[:-2]))
    if A.shape[-2] != (B.shape[-1] if vector else B.shape[-2]):
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    driver = "gelsy" if driver is None else driver
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of "
                           "(gels, gelsy, gelsd, gelss)")
    if rcond is None:
        rcond = float(np.finfo(A._data.dtype).eps) * max(A.shape[-2:])
    x, res, rank, sv = lstsq_p(A, B, float(rcond), driver, vector)
    return lstsq_result((x, res, rank, Tensor._make(sv._data)))


# ----- matrix_exp (scaling and squaring with a degree-13 Padé approximant, Higham 2005)

_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
           129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
           40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def _expm_kernel(xp, a):
    dt = a.dtype
    a = a.astype(np.float64 if dt == np.float64 else np.float32)
    n = a.shape[-1]
    norm = np.abs(a).sum(-2).max(-1) if n else np.zeros(a.shape[:-2])
    with np.errstate(divide="ignore"):
        s = np.maximum(0, np.ceil(np.log2(np.maximum(norm, 1e-300) / _THETA13))).astype(int)
    a = a / (2.0 ** s)[..., None, None]
    b = _PADE13
    ident = np.broadcast_to(np.eye(n, dtype=a.dtype), a.shape)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 +
             b[1] * ident)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + \
        b[0] * ident
    r = np.linalg.solve(v - u, v + u) if n else v
    for k in range(int(s.max()) if s.size else 0):  # squarings, the whole batch at once
        r = np.where((s > k)[..., None, None], r @ r, r)
    return np.ascontiguousarray(r).astype(dt, copy=False)


def _block_exp_corner(top_left, corner):
    """exp([[X, C], [0, X]]) top-right block: the Fréchet derivative of exp at X along C."""
    n = top_left.shape[-1]
    e = np.eye(2 * n)
    p1, p2 = _const(top_left, e[:, :n]), _const(top_left, e[:, n:])
    m = matmul(matmul(p1, top_left), _mT(p1)) + matmul(matmul(p1, corner), _mT(p2)) + \
        matmul(matmul(p2, top_left), _mT(p2))
    return matmul(matmul(_mT(p1), matrix_exp_p(m)), p2)


matrix_exp_p = primitive(
    "linalg_matrix_exp", "LinalgMatrixExpBackward0", forward=_expm_kernel,
    vjp=(lambda g, a, out: _block_exp_corner(_mT(a), g),),
    jvp=lambda t, a, out: _block_exp_corner(a, t))


def matrix_exp(A):
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_exp: The input tensor A must have at least 2 "
                           "dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_exp: A must be batches of square matrices, but they "
                           f"are {A.shape[-2]} by {A.shape[-1]} matrices")
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"linalg.matrix_exp: Expected a floating point or complex tensor as "
                           f"input. Got {A.dtype._legacy}")
    return matrix_exp_p(A)


# ----- cond, tensorinv, tensorsolve (composites)

def cond(A, p=None, *, out=None):
    """The condition number for p None / 2 / -2 (singular values); the other orders are
    norm(A, p) * norm(inv(A), p) with the reduction family's matrix norms."""
    if A.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p in (None, 2, -2):
        from .shape import slice_p
        s = svdvals(A)
        k, d, shp = s.shape[-1], s.ndim - 1, s._data.shape
        big, small = slice_p(s, d, 0, 1, 1, shp), slice_p(s, d, k - 1, k, 1, shp)
        return (big / small if p != -2 else small / big).squeeze(-1)
    from . import reduction
    norm = getattr(reduction, "linalg_matrix_norm", None)
    if norm is None:
        raise NotImplementedError(f"linalg.cond: p={p!r} needs the reduction family's "
                                  "matrix norms")
    return norm(A, p) * norm(inv(A), p)


def tensorinv(A, ind=2, *, out=None):
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    front, back = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    rows, cols = int(np.prod(front)), int(np.prod(back))
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return inv(A.reshape(rows, cols)).reshape(back + front)


def tensorsolve(A, B, dims=None, *, out=None):
    if dims is not None:
        nd = A.ndim
        dims = [d % nd for d in dims]
        A = A.permute([i for i in range(nd) if i not in dims] + dims)
    from .linalg_decomp import solve
    rows = int(np.prod(B.shape))
    shape = tuple(A.shape[B.ndim:])
    if B.ndim != 1:
        B = B.reshape(rows)
    return solve(A.reshape(rows, int(np.prod(shape))), B).reshape(shape)
