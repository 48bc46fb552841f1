"""Triangular systems: linalg.solve_triangular (one triangle read, unitriangular, left or
right) and the deprecated torch.triangular_solve (solution and cloned coefficient from one
node). A zero pivot gives LAPACK's infinities, not an error."""
import numpy as np

from .primitive import primitive
from .linalg import matmul
from .linalg_decomp import _mT, _const, _colmajor, _check_matrix, _live, _return_type
from .. import dtypes as _dt


# ----- solve_triangular

def _triangle(a, upper, unit):
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        n = a.shape[-1]
        t = t * (1 - np.eye(n, dtype=a.dtype)) + np.eye(n, dtype=a.dtype)
    return t


def _substitute(a, b, upper):
    """Back (or forward) substitution, row by row as LAPACK's trtrs: a zero pivot gives
    infinities rather than an error. Only for matrices np.linalg.solve calls singular."""
    n = a.shape[-1]
    x = np.zeros(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:], a.dtype)
    with np.errstate(all="ignore"):
        for i in (reversed(range(n)) if upper else range(n)):
            done = slice(i + 1, n) if upper else slice(0, i)  # the rows already solved
            acc = b[..., i, :] - np.einsum("...j,...jk->...k", a[..., i, done], x[..., done, :])
            x[..., i, :] = acc / a[..., i, i, None]
    return x


def _trsolve_kernel(xp, a, b, upper, left, unit):
    t = _triangle(a, upper, unit)
    if not left:  # X A = B  <=>  A^T X^T = B^T, with the other triangle
        t, b, upper = np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2), not upper
    try:
        x = xp.linalg.solve(t, b)
    except np.linalg.LinAlgError:
        x = _substitute(t, b, upper)
    if not left:
        x = np.swapaxes(x, -1, -2)
    return _colmajor(x)


def _trsolve_grads(g, a, out, upper, left, unit):
    gB = solve_triangular_p(a.transpose(-2, -1), g, not upper, left, unit)
    gA = -matmul(gB, _mT(out)) if left else -matmul(_mT(out), gB)
    n = a.shape[-1]
    mask = np.triu(np.ones((n, n)), 1 if unit else 0) if upper else \
        np.tril(np.ones((n, n)), -1 if unit else 0)
    return gA * _const(gA, mask), gB


def _trsolve_jvp(ta, tb, a, b, out, upper, left, unit):
    rhs = tb
    if ta is not None:
        n = a.shape[-1]
        mask = np.triu(np.ones((n, n)), 1 if unit else 0) if upper else \
            np.tril(np.ones((n, n)), -1 if unit else 0)
        dA = ta * _const(ta, mask)
        prod = matmul(dA, out) if left else matmul(out, dA)
        rhs = -prod if rhs is None else rhs - prod
    return solve_triangular_p(a, rhs, upper, left, unit)


solve_triangular_p = primitive(
    "linalg_solve_triangular", "LinalgSolveTriangularBackward0", forward=_trsolve_kernel,
    vjp=(lambda g, a, b, out, upper, left, unit: _trsolve_grads(g, a, out, upper, left, unit)[0],
         lambda g, a, b, out, upper, left, unit: _trsolve_grads(g, a, out, upper, left, unit)[1]),
    jvp=_trsolve_jvp)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    fn = "linalg.solve_triangular"
    if B.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor B must have at least 2 dimensions.")
    _check_matrix(A, fn, kernel="triangular_solve_cpu", ints_too=True)
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"{fn}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    if B.dtype is not A.dtype:  # PyTorch computes in A's dtype
        B = B.to(A.dtype)
    return solve_triangular_p(A, B, bool(upper), bool(left), bool(unitriangular))


# ----- torch.triangular_solve (deprecated): (solution, cloned_coefficient) from one node

def _tri_mask(a, upper, unit):
    n = a.shape[-1]
    return np.triu(np.ones((n, n)), 1 if unit else 0) if upper else \
        np.tril(np.ones((n, n)), -1 if unit else 0)


def _triangular_solve_kernel(xp, b, a, upper, transpose, unit):
    t = _triangle(a, upper, unit)
    if transpose:
        t, upper = np.swapaxes(t, -1, -2), not upper
    try:
        x = xp.linalg.solve(t, b)
    except np.linalg.LinAlgError:
        x = _substitute(t, b, upper)
    return _colmajor(x), _colmajor(np.broadcast_to(a, x.shape[:-2] + a.shape[-2:]))


def _triangular_solve_grads(grads, b, a, outs, upper, transpose, unit):
    gX, gC = _live(grads[0]), _live(grads[1])
    X = outs[0]
    gA = gB = None
    if gX is not None:  # op(A) X = b with op = transpose or not; A^-op^T gX
        gB = solve_triangular_p(a if transpose else _mT(a), gX, upper if transpose else
                                not upper, True, unit)
        gA = -matmul(X, _mT(gB)) if transpose else -matmul(gB, _mT(X))
        gA = gA * _const(gA, _tri_mask(a, upper, unit))
    if gC is not None:
        gA = gC if gA is None else gA + gC
    return gB, gA


def _triangular_solve_jvp(tb, ta, b, a, outs, upper, transpose, unit):
    X = outs[0]
    rhs = tb
    if ta is not None:
        dA = ta * _const(ta, _tri_mask(a, upper, unit))
        prod = matmul(_mT(dA) if transpose else dA, X)
        rhs = -prod if rhs is None else rhs - prod
    dX = solve_triangular_p(_mT(a) if transpose else a, rhs, not upper if transpose else upper,
                            True, unit)
    return dX, (outs[1] * 0 if ta is None else ta.expand(tuple(outs[1].shape)))


triangular_solve_p = primitive(
    "triangular_solve", "TriangularSolveBackward0", forward=_triangular_solve_kernel, nout=2,
    vjp=(lambda grads, b, a, outs, upper, transpose, unit:
         _triangular_solve_grads(grads, b, a, outs, upper, transpose, unit)[0],
         lambda grads, b, a, outs, upper, transpose, unit:
         _triangular_solve_grads(grads, b, a, outs, upper, transpose, unit)[1]),
    jvp=_triangular_solve_jvp)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """torch.triangular_solve (deprecated): op(A) X = b for a triangular A, and A's copy."""
    import warnings
    warnings.warn("torch.triangular_solve is deprecated in favor of "
                  "torch.linalg.solve_triangularand will be removed in a future PyTorch "
                  "release.\ntorch.linalg.solve_triangular has its arguments reversed and does "
                  "not return a copy of one of the inputs.\nX = torch.triangular_solve(B, "
                  "A).solution\nshould be replaced with\nX = torch.linalg.solve_triangular(A, "
                  "B).", UserWarning, stacklevel=2)
    if b.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected b to have at least 2 dimensions, "
                           f"but it has {b.ndim} dimensions instead")
    if A.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected A to have at least 2 dimensions, "
                           f"but it has {A.ndim} dimensions instead")
    if A.shape[-1] != A.shape[-2] or A.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for triangular_solve: each A matrix is "
                           f"{A.shape[-2]} by {A.shape[-1]} but each b matrix is {b.shape[-2]} "
                           f"by {b.shape[-1]}")
    if A.dtype is not b.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{b.dtype._legacy} and A of type {A.dtype._legacy} instead.")
    if not A.dtype.is_floating_point or A.dtype is _dt.float16:
        raise NotImplementedError(f"\"triangular_solve_cpu\" not implemented for "
                                  f"'{A.dtype._legacy}'")
    x, c = triangular_solve_p(b, A, bool(upper), bool(transpose), bool(unitriangular))
    return _return_type("triangular_solve", ("solution", "cloned_coefficient"))((x, c))
