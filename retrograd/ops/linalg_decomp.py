"""Inverses, determinants and solves: inv, det, slogdet (an ``nout`` primitive: sign and
logabsdet share one node, as in PyTorch), logdet, solve, cholesky, cholesky_solve,
cholesky_inverse. Primitives on batched np.linalg kernels, with PyTorch's node names,
errors and result layouts, and gradients written in Tensor ops so that they
differentiate again. The shared helpers of the linalg_* modules live here too."""
import numpy as np

from .primitive import primitive
from .linalg import matmul
from ..tensor import Tensor
from .. import dtypes as _dt


class _LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError (torch._C._LinAlgError): a RuntimeError."""


_LinAlgError.__module__ = "torch._C"
LinAlgError = _LinAlgError


def _mT(x):
    return x.transpose(-2, -1)


def _const(x, array):
    """A constant tensor (no history) in x's dtype."""
    return Tensor._make(np.asarray(array, dtype=x._data.dtype))


def _eye(x, n):
    return _const(x, np.eye(n))


def _colmajor(x):
    """x with each matrix stored column by column (LAPACK's layout, which PyTorch's
    results keep: their strides are those of a transposed contiguous tensor)."""
    return np.swapaxes(np.ascontiguousarray(np.swapaxes(x, -1, -2)), -1, -2)


def _check_matrix(A, fn, square=True, low=None, kernel=None, ints_too=False, name="A"):
    """PyTorch's input checks for a linalg function ``fn``: at least 2-D, square, floating.
    Half is refused either as "``low``: Low precision dtypes not supported" or by the
    missing CPU ``kernel`` (which some functions also name for integers: ``ints_too``)."""
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor {name} must have at least 2 dimensions.")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{fn}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    dt = A.dtype
    if kernel is not None and (dt is _dt.float16 or (ints_too and not dt.is_floating_point)):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt._legacy}'")
    if not dt.is_floating_point:
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. "
                           f"Got {dt._legacy}")
    if dt is _dt.float16:
        if low:
            raise RuntimeError(f"{low}: Low precision dtypes not supported. Got Half")


def _live(g):
    """None for a gradient the engine filled in for an output that got none (a constant
    zero): the formulas then take PyTorch's branch for an undefined gradient."""
    if g is None or (g.grad_fn is None and not g.requires_grad and not g._data.any()):
        return None
    return g


# ----- inv

def _first_zero_pivot(a):
    """For each matrix of the batch, the 1-based index of the first zero pivot of its LU
    factorization with partial pivoting (LAPACK getrf's info), 0 when there is none. Only
    run on the error path, to word the error as PyTorch does."""
    a = np.array(a, dtype=np.float64).reshape((-1,) + a.shape[-2:])
    b, n, _ = a.shape
    info = np.zeros(b, dtype=np.int64)
    rows = np.arange(b)
    for k in range(n):  # a loop over columns, whole batch at once
        p = k + np.argmax(np.abs(a[:, k:, k]), axis=1)
        a[rows, k], a[rows, p] = a[rows, p].copy(), a[rows, k].copy()
        piv = a[:, k, k]
        zero = piv == 0
        info = np.where((info == 0) & zero, k + 1, info)
        safe = np.where(zero, 1.0, piv)
        factors = np.where(zero[:, None], 0.0, a[:, k + 1:, k] / safe[:, None])
        a[:, k + 1:, :] -= factors[:, :, None] * a[:, k, None, :]
    return info


def _singular_error(a, fn, what):
    info = _first_zero_pivot(a)
    bad = int(np.argmax(info != 0)) if np.any(info) else 0
    prefix = "" if a.ndim <= 2 else f"(Batch element {bad}): "
    return _LinAlgError(f"{fn}: {prefix}" + what.format(info[bad] if len(info) else 0))


def _inv_kernel(xp, a):
    try:
        return _colmajor(xp.linalg.inv(a))
    except np.linalg.LinAlgError:
        raise _singular_error(a, "linalg.inv", "The diagonal element {} is zero, the inversion "
                              "could not be completed because the input matrix is singular.") \
            from None


inv_p = primitive(
    "linalg_inv", "LinalgInvExBackward0", forward=_inv_kernel,
    vjp=(lambda g, a, out: -matmul(_mT(out), matmul(g, _mT(out))),),
    jvp=lambda t, a, out: -matmul(out, matmul(t, out)))


def inv(A, *, out=None):
    _check_matrix(A, "linalg.inv", low="linalg.inv")
    return inv_p(A)


def inverse(input, *, out=None):
    return inv(input)


# ----- det, slogdet, logdet

def _unsq2(x):
    return x.unsqueeze(-1).unsqueeze(-1)


def _trace_prod(x, y):
    """trace(x @ y) for batches, as one multiply and sum: sum(x^T * y)."""
    return (_mT(x) * y).sum((-2, -1))


def _det_kernel(xp, a):
    return xp.linalg.det(a)


def _safe_inv(a, out):
    """inv(A), with the identity standing in for the singular matrices of the batch (their
    det is exactly 0, so they contribute g * det * A^-T = 0, as PyTorch's LU solve gives)."""
    singular = out._data == 0
    if not singular.any():
        return inv_p(a)
    n = a.shape[-1]
    mask = _const(a, singular[..., None, None] * np.eye(n))
    keep = _const(a, ~singular[..., None, None] * np.ones((n, n)))
    return inv_p(a * keep + mask)


det_p = primitive(
    "linalg_det", "LinalgDetBackward0", forward=_det_kernel,
    vjp=(lambda g, a, out: _unsq2(g * out) * _mT(_safe_inv(a, out)),),
    jvp=lambda t, a, out: out * _trace_prod(_safe_inv(a, out), t))


def det(A, *, out=None):
    _check_matrix(A, "linalg.det", kernel="lu_cpu")
    return det_p(A)


def _slogdet_kernel(xp, a):
    sign, logabs = xp.linalg.slogdet(a)
    return sign.astype(a.dtype, copy=False), logabs.astype(a.dtype, copy=False)


def _slogdet_vjp(grads, a, outs):
    g = _live(grads[1])  # the sign is piecewise constant: with it alone, A gets no gradient
    return None if g is None else _unsq2(g) * _mT(inv_p(a))


slogdet_p = primitive(
    "linalg_slogdet", "LinalgSlogdetBackward0", forward=_slogdet_kernel, nout=2,
    vjp=(_slogdet_vjp,),
    jvp=lambda t, a, outs: (outs[0] * 0, _trace_prod(inv_p(a), t)))


def _return_type(name, fields):
    """PyTorch's named result tuple ``torch.return_types.<name>`` (retrograd.return_types)."""
    from .. import return_types
    cls = getattr(return_types, name)
    assert tuple(f for f in fields if isinstance(getattr(cls, f, None), property)) == \
        tuple(fields), name
    return cls


slogdet_result = _return_type("slogdet", ("sign", "logabsdet"))
linalg_slogdet_result = _return_type("linalg_slogdet", ("sign", "logabsdet"))


def linalg_slogdet(A, *, out=None):
    _check_matrix(A, "linalg.slogdet", low="linalg.slogdet")
    return linalg_slogdet_result(slogdet_p(A))


def slogdet(input):
    _check_matrix(input, "linalg.slogdet", low="linalg.slogdet")
    return slogdet_result(slogdet_p(input))


def logdet(input):
    _check_matrix(input, "logdet", low="logdet")
    from .pointwise import where
    sign, logabsdet = slogdet_p(input)
    return where(sign < 0, float("nan"), logabsdet)


# ----- solve

def _solve_kernel(xp, a, b, left, vector):
    if not left:
        a, b = np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)
    if vector:
        b = b[..., None]
    try:
        x = xp.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise _LinAlgError("torch.linalg.solve: The solver failed because the input matrix "
                           "is singular.") from None
    if vector:  # a batch of vectors comes back as PyTorch's: the batch as the columns
        x = x[..., 0]
        return _colmajor(x) if x.ndim > 1 else x
    return _colmajor(x) if left else np.ascontiguousarray(np.swapaxes(x, -1, -2))


def _solve_grad_b(g, a, left, vector):
    return solve_p(_mT(a), g, left, vector)


def _solve_grad_a(g, a, out, left, vector):
    gb = _solve_grad_b(g, a, left, vector)
    if vector:
        return -(gb.unsqueeze(-1) * out.unsqueeze(-2))
    return -matmul(gb, _mT(out)) if left else -matmul(_mT(out), gb)


def _solve_jvp(ta, tb, a, b, out, left, vector):
    rhs = None if tb is None else tb
    if ta is not None:
        if vector:
            prod = matmul(ta, out.unsqueeze(-1)).squeeze(-1)
        else:
            prod = matmul(ta, out) if left else matmul(out, ta)
        rhs = -prod if rhs is None else rhs - prod
    return solve_p(a, rhs, left, vector)


solve_p = primitive(
    "linalg_solve", "LinalgSolveExBackward0", forward=_solve_kernel,
    vjp=(lambda g, a, b, out, left, vector: _solve_grad_a(g, a, out, left, vector),
         lambda g, a, b, out, left, vector: _solve_grad_b(g, a, left, vector)),
    jvp=_solve_jvp)


def solve(A, B, *, left=True, out=None):
    return solve_p(A, B, left, _check_solve(A, B, left))


def _check_solve(A, B, left):
    """linalg.solve's checks, in PyTorch's order; whether B is a (batch of) vector(s)."""
    if not A.dtype.is_floating_point:  # PyTorch checks the dtypes before the shapes
        raise RuntimeError(f"linalg.solve: Expected a floating point or complex tensor as "
                           f"input. Got {A.dtype._legacy}")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {A.dtype._legacy} and B of type {B.dtype._legacy} instead")
    _check_matrix(A, "linalg.solve", kernel="lu_cpu")
    vector = B.ndim == 1 or (A.ndim - 1 == B.ndim and tuple(B.shape) == tuple(A.shape[:-1]))
    n = A.shape[-1]
    bshape = (B.shape[-1], 1) if vector else tuple(B.shape[-2:])  # a vector is a column
    if bshape[0 if left else 1] != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {bshape[0]}x{bshape[1]})")
    if vector and not left:
        raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not "
                           "supported for left=False. In this case linalg.solve is equivalent "
                           "to B / A.squeeze(-1)")
    from .primitive import broadcast_shapes
    broadcast_shapes(tuple(B.shape[:-1] if vector else B.shape[:-2]), tuple(A.shape[:-2]))
    return vector


# ----- cholesky

def _not_pd_order(a):
    """For each matrix of the batch (read from its lower triangle), the order of its first
    leading minor that is not positive definite (LAPACK potrf's info), 0 when it is:
    Sylvester's criterion, one batched determinant per order."""
    low = np.tril(a)
    a = low + np.swapaxes(np.tril(a, -1), -1, -2)
    info = np.zeros(a.shape[:-2], np.int32)
    for k in range(1, a.shape[-1] + 1):
        bad = ~(np.linalg.det(a[..., :k, :k]) > 0)
        info = np.where((info == 0) & bad, k, info).astype(np.int32)
    return info


def _not_pd_error(a, fn, info=None):
    info = np.asarray(_not_pd_order(a) if info is None else info).reshape(-1)
    bad = int(np.argmax(info != 0))
    prefix = "" if a.ndim <= 2 else f"(Batch element {bad}): "
    return _LinAlgError(
        f"{fn}: {prefix}The factorization could not be completed because the input is not "
        f"positive-definite (the leading minor of order {info[bad]} is not positive-definite).")


def _cholesky_kernel(xp, a, upper):
    if upper:  # PyTorch reads the upper triangle then
        a = np.swapaxes(a, -1, -2)
    try:
        L = xp.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        raise _not_pd_error(a, "linalg.cholesky") from None
    return _colmajor(np.swapaxes(L, -1, -2) if upper else L)


def _phi_mask(x, n):
    """tril with a halved diagonal, as a constant 0 / 0.5 / 1 mask."""
    return _const(x, np.tril(np.ones((n, n))) - 0.5 * np.eye(n))


def _cholesky_vjp(g, a, out, upper):
    L, gL = (_mT(out), _mT(g)) if upper else (out, g)
    n = L.shape[-1]
    P = matmul(_mT(L), gL) * _phi_mask(L, n)
    Y = solve_p(_mT(L), P, True, False)           # L^-T P
    S = _mT(solve_p(_mT(L), _mT(Y), True, False))  # L^-T P L^-1
    return (S + _mT(S)) * 0.5


def _sym(t):
    """The symmetric part: the decompositions of symmetric matrices see (and their
    gradients, like PyTorch's, are) symmetric perturbations only."""
    return (t + _mT(t)) * 0.5


def _cholesky_jvp(t, a, out, upper):
    t = _sym(t)
    L = _mT(out) if upper else out
    n = L.shape[-1]
    Y = solve_p(L, t, True, False)                 # L^-1 dA
    Z = _mT(solve_p(L, _mT(Y), True, False))       # L^-1 dA L^-T
    dL = matmul(L, Z * _phi_mask(L, n))
    return _mT(dL) if upper else dL


cholesky_p = primitive("linalg_cholesky", "LinalgCholeskyExBackward0", forward=_cholesky_kernel,
                       vjp=(_cholesky_vjp,), jvp=_cholesky_jvp)
cholesky_old_p = cholesky_p.variant("CholeskyBackward0")


def linalg_cholesky(A, *, upper=False, out=None):
    _check_matrix(A, "linalg.cholesky", kernel="cholesky_cpu")
    return cholesky_p(A, upper)


def cholesky(input, upper=False, *, out=None):
    import warnings
    warnings.warn(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in "
        "a future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\n"
        "L = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be "
        "replaced with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce "
        "equivalent results for all valid (symmetric positive definite) inputs.",
        UserWarning, stacklevel=2)
    _check_matrix(input, "linalg.cholesky", kernel="cholesky_cpu")
    return cholesky_old_p(input, upper)


# ----- cholesky_solve, cholesky_inverse (from a Cholesky factor; PyTorch's gradients,
# which like its kernels' inputs treat the factor as a full matrix)

def _factor(l, upper):
    """The lower factor L of A = L L^T, from the triangle LAPACK reads."""
    return np.swapaxes(np.triu(l), -1, -2) if upper else np.tril(l)


def _cholesky_solve_kernel(xp, b, l, upper):
    low = _factor(l, upper)
    y = xp.linalg.solve(low, b)
    return _colmajor(xp.linalg.solve(np.swapaxes(low, -1, -2), y))


def _cholesky_solve_grads(g, l, out, upper):
    gB = cholesky_solve_p(g, l, upper)
    common = matmul(gB, _mT(out))
    common = common + _mT(common)
    return gB, -(matmul(l, common) if upper else matmul(common, l))


def _cholesky_solve_jvp(tb, tl, b, l, out, upper):
    rhs = tb
    if tl is not None:  # A = L L^T (or U^T U): dA X subtracted from dB
        dA = matmul(tl, _mT(l)) + matmul(l, _mT(tl))
        if upper:
            dA = matmul(_mT(tl), l) + matmul(_mT(l), tl)
        rhs = -matmul(dA, out) if rhs is None else rhs - matmul(dA, out)
    return cholesky_solve_p(rhs, l, upper)


cholesky_solve_p = primitive(
    "cholesky_solve", "CholeskySolveBackward0", forward=_cholesky_solve_kernel,
    vjp=(lambda g, b, l, out, upper: _cholesky_solve_grads(g, l, out, upper)[0],
         lambda g, b, l, out, upper: _cholesky_solve_grads(g, l, out, upper)[1]),
    jvp=_cholesky_solve_jvp)


def cholesky_solve(B, L, upper=False, *, out=None):
    if B.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions "
                           "instead")
    if L.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {L.ndim} dimensions "
                           "instead")
    if B.dtype is not L.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{B.dtype._legacy} and A of type {L.dtype._legacy} instead.")
    if L.shape[-1] != L.shape[-2] or L.shape[-1] != B.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is "
                           f"{L.shape[-2]} by {L.shape[-1]} but each b matrix is {B.shape[-2]} "
                           f"by {B.shape[-1]}")
    if B.dtype not in (_dt.float32, _dt.float64):
        raise NotImplementedError(f"\"cholesky_solve_cpu\" not implemented for "
                                  f"'{B.dtype._legacy}'")
    return cholesky_solve_p(B, L, bool(upper))


def _cholesky_inverse_kernel(xp, l, upper):
    low = _factor(l, upper)
    diag = np.diagonal(low, 0, -2, -1)
    if np.any(diag == 0):
        flat = diag.reshape(-1, diag.shape[-1]) == 0
        bad = int(np.argmax(flat.any(-1)))
        prefix = "" if l.ndim <= 2 else f"(Batch element {bad}): "
        raise _LinAlgError(f"cholesky_inverse: {prefix}The diagonal element "
                           f"{int(np.argmax(flat[bad])) + 1} is zero, the inversion could not be "
                           "completed because the input matrix is singular.")
    linv = xp.linalg.inv(low)
    return _colmajor(np.matmul(np.swapaxes(linv, -1, -2), linv))


def _cholesky_inverse_vjp(g, l, out, upper):
    common = matmul(out, matmul(g + _mT(g), out))
    return -(matmul(l, common) if upper else matmul(common, l))


def _cholesky_inverse_jvp(t, l, out, upper):
    dA = matmul(_mT(t), l) + matmul(_mT(l), t) if upper else \
        matmul(t, _mT(l)) + matmul(l, _mT(t))
    return -matmul(out, matmul(dA, out))


cholesky_inverse_p = primitive(
    "cholesky_inverse", "CholeskyInverseBackward0", forward=_cholesky_inverse_kernel,
    vjp=(_cholesky_inverse_vjp,), jvp=_cholesky_inverse_jvp)


def cholesky_inverse(L, upper=False, *, out=None):
    if L.ndim < 2:
        raise RuntimeError("cholesky_inverse: The input tensor A must have at least 2 "
                           "dimensions.")
    if L.shape[-1] != L.shape[-2]:
        raise RuntimeError(f"cholesky_inverse: A must be batches of square matrices, but they "
                           f"are {L.shape[-2]} by {L.shape[-1]} matrices")
    if L.dtype not in (_dt.float32, _dt.float64):
        raise NotImplementedError(f"\"cholesky_inverse_out_cpu\" not implemented for "
                                  f"'{L.dtype._legacy}'")
    return cholesky_inverse_p(L, bool(upper))
