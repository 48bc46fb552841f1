"""The linear algebra family. Here: the matrix-product kernels (dot, mv, mm, bmm) and
matmul's dispatch among them (1-D, 2-D, broadcast batches), and the family's namespace and
Tensor-method tables. The rest lives in linalg_products (outer, inner, kron, multi_dot,
vecdot, addmm/addmv/baddbmm/addbmm/addr, cross), linalg_einsum (einsum, tensordot),
linalg_decomp (inv, det, slogdet, solve, cholesky & co.), linalg_spectral (qr, eigh, svd),
linalg_matrix (pinv, matrix_rank, matrix_power, lstsq, matrix_exp, cond, ...),
linalg_triangular (solve_triangular, triangular_solve), linalg_ex (the _ex forms),
linalg_lu (LU) and linalg_distance (cdist); retrograd/linalg.py is torch.linalg."""
import numpy as np

from .primitive import primitive, broadcast_shapes
from ..autograd.grad_mode import STATE
from . import shape as _shape
from .. import dtypes as _dt


def _fmt(shape):
    return "x".join(map(str, shape))


def _no_bool(x, kernel, other=None):
    # PyTorch's CPU kernels have no bool variant; mm/mv/bmm skip the kernel (and so the
    # error) when an operand is empty, dot does not
    if x.dtype is _dt.bool_ and (other is None or x.numel() and other.numel()):
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


# dot is not elementwise (its output is 0-d): the JVP contracts the tangents too
dot_p = primitive("dot", "DotBackward0", forward=lambda xp, a, b: xp.dot(a, b),
                  vjp=(lambda g, a, b, out: g * b, lambda g, a, b, out: g * a),
                  jvp=lambda ta, tb, a, b, out: _add_tangents(
                      None if ta is None else dot(ta, b), None if tb is None else dot(a, tb)))
mv_p = primitive("mv", "MvBackward0", forward=lambda xp, m, v: xp.matmul(m, v),
                 vjp=(lambda g, m, v, out: g.unsqueeze(1) * v,
                      lambda g, m, v, out: mv(m.t(), g)),
                 jvp=lambda tm, tv, m, v, out: _add_tangents(
                     None if tm is None else mv(tm, v), None if tv is None else mv(m, tv)))
# ----- the gradients of a matrix product, in the layout of the matrix they are for
# ``layout`` (a param of mm and addmm, read from the inputs when the product was taken):
# bit 1 set when mat1 was column-major (strides (1, rows), a transposed matrix), bit 2 for
# mat2. PyTorch then computes that matrix's gradient transposed, (b @ g.T).T rather than
# g @ b.T, so it comes out column-major too: a linear layer's W.t() gets a gradient whose
# transpose, W.grad, is contiguous, and gradient strides and double-backward graphs are
# PyTorch's. (The primitives themselves, not mm()/t(): the shapes are known good.)
MAT1_COLUMN_MAJOR, MAT2_COLUMN_MAJOR = 1, 2


def _column_major(d):
    s0, s1 = d.strides
    return d.size != 0 and s0 == d.itemsize and s1 == d.shape[0] * d.itemsize


def product_layout(a, b):
    """The ``layout`` bits of the matrices a and b (Tensors)."""
    return _column_major(a._data) * MAT1_COLUMN_MAJOR + _column_major(b._data) * \
        MAT2_COLUMN_MAJOR


def _mm_of(a, b):
    """A product taken inside a gradient formula: its own layout matters only when that
    formula is being recorded (create_graph)."""
    return mm_p(a, b, product_layout(a, b)) if STATE.enabled else mm_p.call(a, b)


def grad_mat1(g, b, layout):
    """d(a @ b)/da applied to g."""
    if layout & MAT1_COLUMN_MAJOR:
        return _shape.t_p(_mm_of(b, _shape.t_p(g)))
    return _mm_of(g, _shape.t_p(b))


def grad_mat2(g, a, layout):
    """d(a @ b)/db applied to g."""
    if layout & MAT2_COLUMN_MAJOR:
        return _shape.t_p(_mm_of(_shape.t_p(g), a))
    return _mm_of(_shape.t_p(a), g)


def grad_mat1_data(g, b, layout):
    """grad_mat1 on arrays (the engine's array formulas): the same products."""
    if layout & MAT1_COLUMN_MAJOR:
        return np.matmul(b, g.T).T
    return np.matmul(g, b.T)


def grad_mat2_data(g, a, layout):
    """grad_mat2 on arrays."""
    if layout & MAT2_COLUMN_MAJOR:
        return np.matmul(g.T, a).T
    return np.matmul(a.T, g)


mm_p = primitive("mm", "MmBackward0", forward=lambda xp, a, b, layout=0: xp.matmul(a, b),
                 vjp=(lambda g, a, b, out, layout=0: grad_mat1(g, b, layout),
                      lambda g, a, b, out, layout=0: grad_mat2(g, a, layout)),
                 vjp_data=(lambda g, a, b, out, layout=0: grad_mat1_data(g, b, layout),
                           lambda g, a, b, out, layout=0: grad_mat2_data(g, a, layout)),
                 jvp=lambda ta, tb, a, b, out, layout=0: _add_tangents(
                     None if ta is None else mm(ta, b), None if tb is None else mm(a, tb)))
bmm_p = primitive("bmm", "BmmBackward0", forward=lambda xp, a, b: xp.matmul(a, b),
                  vjp=(lambda g, a, b, out: bmm(g, b.transpose(1, 2)),
                       lambda g, a, b, out: bmm(a.transpose(1, 2), g)),
                  jvp=lambda ta, tb, a, b, out: _add_tangents(
                      None if ta is None else bmm(ta, b), None if tb is None else bmm(a, tb)))


def _add_tangents(x, y):
    return y if x is None else x if y is None else x + y


def dot(a, b):
    _check_dot(a, b)
    return dot_p(a, b)


def _check_dot(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{a.dtype._legacy} and {b.dtype._legacy}")
    if a.shape[0] != b.shape[0]:
        n, m = a.shape[0], b.shape[0]
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to "
                           f"have the same number of elements, but got {n} and {m} elements "
                           "respectively")
    _no_bool(a, "dot")


def mv(m, v):
    if m.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {m.ndim}, {v.ndim}")
    if m.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({m.shape[0]}), mat ({_fmt(m.shape)}), "
                           f"vec ({v.shape[0]})")
    if m.dtype is not v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{v.dtype._legacy}, {m.dtype._legacy}, and {v.dtype._legacy}")
    _no_bool(m, "addmv_impl_cpu", v)
    return mv_p(m, v)


def mm(a, b):
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_fmt(a.shape)} and "
                           f"{_fmt(b.shape)})")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{a.dtype._cname} != {b.dtype._cname}")
    _no_bool(a, "addmm_impl_cpu_", b)
    return mm_p(a, b, product_layout(a, b))


def bmm(a, b):
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _no_bool(a, "bmm", b)
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected scalar type {a.dtype._legacy} but found {b.dtype._legacy}")
    return bmm_p(a, b)


def _fold_first(a, b):
    """a (>= 3-D) @ b (1-D or 2-D) as one mm/mv: a's batch dims folded into its rows."""
    rows = a.reshape(int(np.prod(a.shape[:-1])), a.shape[-1])  # (empty rows: no -1)
    out = mv(rows, b) if b.ndim == 1 else mm(rows, b)
    return _shape.unsafe_view_p(out, tuple(a.shape[:-1] + b.shape[1:]), out._data.shape)


def _fold_second(a, b):
    """a (1-D or 2-D) @ b (>= 3-D) as (b^T a^T)^T: b's batch dims folded into rows of b^T."""
    bt = b.transpose(-1, -2)
    rows = bt.reshape(int(np.prod(bt.shape[:-1])), bt.shape[-1])
    if a.ndim == 1:
        out = mv(rows, a)
        return _shape.unsafe_view_p(out, tuple(bt.shape[:-1]), out._data.shape)
    out = mm(rows, a.t())
    out = _shape.unsafe_view_p(out, tuple(bt.shape[:-1]) + (a.shape[0],), out._data.shape)
    return out.transpose(-1, -2).contiguous()


def _rows_chain(x):
    """Whether x's leading dims merge into rows by their strides alone, judged strictly
    (a size-1 dim counts too), which is when PyTorch folds a batch that no gradient of
    the other operand asks it to."""
    st, sh = x.stride(), x.shape
    return x.numel() == 0 or all(st[i] == st[i + 1] * sh[i + 1] for i in range(x.ndim - 2))


def matmul(a, b):
    """PyTorch's matmul: dot, mv, mm, a batch folded into one mm/mv, or a broadcast bmm.
    Which one (and so the graph) follows PyTorch, including its dependence on which
    operands require grad: a folded operand's gradient avoids summing an expanded batch."""
    da, db = a.ndim, b.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    if da == 1 and db == 1:
        return dot(a, b)
    if da == 2 and db == 1:
        return mv(a, b)
    if da == 1 and db == 2:
        return _shape.squeeze_mm_p(mm(a.unsqueeze(0), b), (0,), (1, b.shape[1]))
    if da == 2 and db == 2:
        return mm(a, b)
    if da == 3 and db == 3:
        # A batch of one that requires grad, against a real batch: treated as a matrix.
        if a.shape[0] == 1 and b.shape[0] != 1 and a.requires_grad:
            a, da = a.squeeze(0), 2
        elif b.shape[0] == 1 and a.shape[0] != 1 and b.requires_grad:
            b, db = b.squeeze(0), 2
    if da >= 3 and db <= 2 and (b.requires_grad or _rows_chain(a)):
        return _fold_first(a, b)
    if db >= 3 and da <= 2 and a.requires_grad:
        return _fold_second(a, b)
    # General case: broadcast the batch dims, then one bmm.
    a2 = a.unsqueeze(0) if da == 1 else a
    b2 = b.unsqueeze(-1) if db == 1 else b
    batch = broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    n, k = a2.shape[-2:]
    k2, m = b2.shape[-2:]
    if k != k2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{int(np.prod(batch))}, {k}] but got: [{int(np.prod(batch))}, {k2}].")
    nb = int(np.prod(batch))  # (not -1: a batch of empty matrices has no size to infer)
    a3 = a2.expand(batch + (n, k)).reshape(nb, n, k)
    b3 = b2.expand(batch + (k, m)).reshape(nb, k, m)
    out = bmm(a3, b3)
    if db == 1:  # PyTorch drops b's unit column before the final view (not a's unit row)
        out = out.squeeze(-1)
    shape = batch + ((n,) if da > 1 else ()) + ((m,) if db > 1 else ())
    return _shape.unsafe_view_p(out, shape, out._data.shape)


# ----- the rest of the family builds on the kernels above
from .linalg_products import (outer, inner, kron, multi_dot, vecdot, vdot_p,  # noqa: E402,F401
                              addmm, addmv, baddbmm, addbmm, addr, cross, linalg_cross)
from .linalg_einsum import einsum, tensordot  # noqa: E402  (they build on the kernels above)
from .linalg_decomp import (inverse, det, logdet, slogdet, cholesky,  # noqa: E402
                            cholesky_solve, cholesky_inverse)
from .linalg_spectral import torch_svd, torch_qr  # noqa: E402
from .linalg_matrix import matrix_power, pinv as _pinv, matrix_exp  # noqa: E402
from .linalg_triangular import triangular_solve  # noqa: E402
from .linalg_lu import lu_unpack, torch_lu as lu, torch_lu_solve as lu_solve  # noqa: E402
from .linalg_distance import cdist  # noqa: E402
from .inplace import inplace_method as _inplace  # noqa: E402


def vdot(input, other, *, out=None):
    """vdot: dot with the first vector conjugated (the same for real tensors), its own node."""
    _check_dot(input, other)
    return vdot_p(input, other)


def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """linalg.diagonal: torch.diagonal with the last two dims as defaults, keywords only."""
    from .shape_diag import diagonal
    return diagonal(A, offset, dim1, dim2)


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """linalg.norm: a vector norm, or a matrix norm for a string ord, two dims, or a 2-D
    input with an ord (PyTorch's dispatch and its checks); the norms are the reduction
    family's."""
    from .reduction_norm import linalg_vector_norm, linalg_matrix_norm
    if dim is not None:
        dim = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got [{', '.join(map(str, dim))}]")
    elif ord is not None and A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.ndim}D.")
    if isinstance(ord, str) or (ord is not None and (len(dim) == 2 if dim is not None
                                                     else A.ndim == 2)):
        if ord in ("nuc", 2, -2) and A.dtype is _dt.float16:  # (matrix_norm's own check)
            raise RuntimeError("linalg.matrix_norm: Low precision dtypes not supported. Got Half")
        return linalg_matrix_norm(A, ord, (0, 1) if dim is None else dim, keepdim, dtype=dtype)
    return linalg_vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def vander(x, *, N=None):
    """linalg.vander: the columns x^0 .. x^(N-1), PyTorch's way (a cumprod of x expanded,
    after a column of ones)."""
    dt = x.dtype
    if dt in (_dt.bool_, _dt.float16):
        raise RuntimeError(f"linalg.vander supports floating point, complex, and integer "
                           f"tensors, but got {dt._legacy}")
    x_ = x.unsqueeze(-1) if x.ndim == 0 else x
    n = x_.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    from .reduction_cum import cumprod
    from .shape_join import cat
    shape = tuple(x_.shape) + (n - 1,)
    powers = cumprod(x_.unsqueeze(-1).expand(shape), -1)
    ones = powers._make(np.ones(shape[:-1] + (1,), powers._data.dtype))
    return cat([ones, powers], -1)


def pinverse(input, rcond=1e-15):
    return _pinv(input, rtol=rcond)


# ----- what this family adds to the namespace (``retrograd.X``) and to Tensor's methods;
# ops/__init__.py merges every family's (the entries in its own _METHODS table came first).
# The torch.linalg namespace is retrograd/linalg.py.
ger = outer
svd = torch_svd
qr = torch_qr
__all__ = ["outer", "ger", "inner", "tensordot", "einsum", "addmm", "addmv", "baddbmm",
           "addbmm", "addr", "cross", "kron", "chain_matmul", "inverse", "det", "logdet",
           "slogdet", "cholesky", "svd", "qr", "pinverse", "matrix_power", "matrix_exp", "vdot",
           "cholesky_solve", "cholesky_inverse", "lu_unpack", "lu", "lu_solve", "cdist",
           "triangular_solve"]


def chain_matmul(*matrices):
    import warnings
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


METHODS = {
    "outer": outer, "ger": outer, "inner": inner, "addmm": addmm, "addmv": addmv,
    "baddbmm": baddbmm, "addbmm": addbmm, "cross": cross, "kron": kron, "inverse": inverse,
    "det": det, "logdet": logdet, "slogdet": slogdet, "cholesky": cholesky, "svd": torch_svd,
    "pinverse": pinverse, "matrix_power": matrix_power, "qr": torch_qr,
    "matrix_exp": matrix_exp, "vdot": vdot, "cholesky_solve": cholesky_solve,
    "cholesky_inverse": cholesky_inverse, "lu": lu, "lu_solve": lu_solve,
    "triangular_solve": triangular_solve,
    "addmm_": _inplace(addmm), "addmv_": _inplace(addmv), "baddbmm_": _inplace(baddbmm),
    "addbmm_": _inplace(addbmm), "addr": addr, "addr_": _inplace(addr),
}
