"""Matrix products: dot, mv, mm, bmm primitives, and matmul's dispatch among them
(1-D, 2-D, and broadcast batches), with PyTorch's shape and dtype errors."""
import numpy as np

from .primitive import primitive, ELEMENTWISE, broadcast_shapes
from . import shape as _shape


def _fmt(shape):
    return "x".join(map(str, shape))


def _same_dtype(a, b, what):
    if a.dtype is not b.dtype:
        if what == "dot":
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{a.dtype._legacy} and {b.dtype._legacy}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{a.dtype._cname} != {b.dtype._cname}")


dot_p = primitive("dot", "DotBackward0", forward=lambda xp, a, b: xp.dot(a, b),
                  vjp=(lambda g, a, b, out: g * b, lambda g, a, b, out: g * a),
                  jvp=ELEMENTWISE)
mv_p = primitive("mv", "MvBackward0", forward=lambda xp, m, v: xp.matmul(m, v),
                 vjp=(lambda g, m, v, out: g.unsqueeze(1) * v,
                      lambda g, m, v, out: mv(m.t(), g)),
                 jvp=lambda tm, tv, m, v, out: _add_tangents(
                     None if tm is None else mv(tm, v), None if tv is None else mv(m, tv)))
mm_p = primitive("mm", "MmBackward0", forward=lambda xp, a, b: xp.matmul(a, b),
                 vjp=(lambda g, a, b, out: mm(g, b.t()), lambda g, a, b, out: mm(a.t(), g)),
                 jvp=lambda ta, tb, a, b, out: _add_tangents(
                     None if ta is None else mm(ta, b), None if tb is None else mm(a, tb)))
bmm_p = primitive("bmm", "BmmBackward0", forward=lambda xp, a, b: xp.matmul(a, b),
                  vjp=(lambda g, a, b, out: bmm(g, b.transpose(1, 2)),
                       lambda g, a, b, out: bmm(a.transpose(1, 2), g)),
                  jvp=lambda ta, tb, a, b, out: _add_tangents(
                      None if ta is None else bmm(ta, b), None if tb is None else bmm(a, tb)))


def _add_tangents(x, y):
    return y if x is None else x if y is None else x + y


def dot(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        n, m = a.shape[0], b.shape[0]
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to "
                           f"have the same number of elements, but got {n} and {m} elements "
                           "respectively")
    _same_dtype(a, b, "dot")
    return dot_p(a, b)


def mv(m, v):
    if m.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {m.ndim}, {v.ndim}")
    if m.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({m.shape[0]}), mat ({_fmt(m.shape)}), "
                           f"vec ({v.shape[0]})")
    _same_dtype(m, v, "mv")
    return mv_p(m, v)


def mm(a, b):
    if a.ndim != 2:
        raise RuntimeError(f"self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_fmt(a.shape)} and "
                           f"{_fmt(b.shape)})")
    _same_dtype(a, b, "mm")
    return mm_p(a, b)


def bmm(a, b):
    if a.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _same_dtype(a, b, "bmm")
    return bmm_p(a, b)


def matmul(a, b):
    """PyTorch's matmul: dot, mv, mm, or a broadcast batch of matrix products."""
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
    if da >= 3 and db <= 2:
        # Fold a's batch dims into rows: one mm (or mv) instead of a batch.
        k = a.shape[-1]
        rows = a.reshape(-1, k)
        out = mv(rows, b) if db == 1 else mm(rows, b)
        shape = a.shape[:-1] + (() if db == 1 else (b.shape[-1],))
        return _shape.unsafe_view_p(out, tuple(shape), out._data.shape)
    # General case: broadcast the batch dims, then one bmm.
    a2 = a.unsqueeze(0) if da == 1 else a
    b2 = b.unsqueeze(-1) if db == 1 else b
    batch = broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    n, k = a2.shape[-2:]
    k2, m = b2.shape[-2:]
    if k != k2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{int(np.prod(batch))}, {k}] but got: [{int(np.prod(batch))}, {k2}].")
    _same_dtype(a, b, "bmm")
    a3 = a2.expand(batch + (n, k)).reshape(-1, n, k)
    b3 = b2.expand(batch + (k, m)).reshape(-1, k, m)
    out = bmm(a3, b3)
    shape = batch + ((n,) if da > 1 else ()) + ((m,) if db > 1 else ())
    return _shape.unsafe_view_p(out, shape, out._data.shape)
