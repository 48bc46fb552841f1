"""torch.cdist: pairwise p-norm distances between the rows of two (batches of) matrices.
Two primitives, as in PyTorch: CdistBackward0 (any p, a whole-array kernel over the
broadcast differences) and, for p = 2 on larger inputs, EuclideanDistBackward0 (the
|x|^2 + |y|^2 - 2 x.y formula through one matmul, with its cancellation)."""
import numpy as np

from .primitive import primitive, broadcast_shapes
from .linalg import matmul
from .. import dtypes as _dt


def _cdist_kernel(xp, x1, x2, p):
    diff = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
    if p == 0:
        out = (diff != 0).sum(-1).astype(x1.dtype)
    elif p == 1:
        out = diff.sum(-1)
    elif p == 2:
        out = np.sqrt((diff * diff).sum(-1))
    elif p == np.inf:
        out = diff.max(-1) if diff.shape[-1] else np.zeros(diff.shape[:-1], x1.dtype)
    else:
        out = (diff ** p).sum(-1) ** (1.0 / p)
    return np.ascontiguousarray(out, dtype=x1.dtype)


def _cdist_terms(x1, x2, out, p):
    """d dist_ij / d x1_i per coordinate (PyTorch's subgradients: 0 where a coordinate's
    difference or the distance is 0, ties of the max norm all count)."""
    from .pointwise import where
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    D = out.unsqueeze(-1)
    if p == 1:
        return diff.sign()
    zero_d = D == 0
    if p == 2:
        return where(zero_d, 0.0, diff / where(zero_d, 1.0, D))
    if p == np.inf:
        return diff.sign() * (diff.abs() == D)
    adiff = where(diff == 0, 1.0, diff.abs())
    t = diff.sign() * adiff ** (p - 1) / where(zero_d, 1.0, D) ** (p - 1)
    return where(zero_d, 0.0, t)


def _cdist_vjp(k):
    def vjp(g, x1, x2, out, p):
        if p == 0:
            return (x1 if k == 0 else x2) * 0
        t = g.unsqueeze(-1) * _cdist_terms(x1, x2, out, p)
        return t.sum(-2) if k == 0 else -t.sum(-3)
    return vjp


def _cdist_jvp(t1, t2, x1, x2, out, p):
    if p == 0:
        return out * 0
    dt = None
    if t1 is not None:
        dt = t1.unsqueeze(-2)
    if t2 is not None:
        dt = -t2.unsqueeze(-3) if dt is None else dt - t2.unsqueeze(-3)
    return (_cdist_terms(x1, x2, out, p) * dt).sum(-1)


cdist_p = primitive("cdist", "CdistBackward0", forward=_cdist_kernel,
                    vjp=(_cdist_vjp(0), _cdist_vjp(1)), jvp=_cdist_jvp)


def _euclid_kernel(xp, x1, x2):
    n1 = (x1 * x1).sum(-1, keepdims=True)
    n2 = (x2 * x2).sum(-1, keepdims=True)
    ones1, ones2 = np.ones_like(n1), np.ones_like(n2)
    a = np.concatenate([-2 * x1, n1, ones1], -1)
    b = np.concatenate([x2, ones2, n2], -1)
    return np.sqrt(np.maximum(np.matmul(a, np.swapaxes(b, -1, -2)), 1e-30)).astype(x1.dtype)


def _euclid_ratio(g, res):
    from .pointwise import where
    return where(res == 0, 0.0, g / res)


euclidean_dist_p = primitive(
    "euclidean_dist", "EuclideanDistBackward0", forward=_euclid_kernel,
    vjp=(lambda g, x1, x2, out: x1 * _euclid_ratio(g, out).sum(-1, True) -
         matmul(_euclid_ratio(g, out), x2),
         lambda g, x1, x2, out: x2 * _euclid_ratio(g, out).sum(-2).unsqueeze(-1) -
         matmul(_euclid_ratio(g, out).transpose(-2, -1), x1)),
    jvp=lambda t1, t2, x1, x2, out: _euclid_jvp(t1, t2, x1, x2, out))


def _euclid_jvp(t1, t2, x1, x2, out):
    # d|x - y| = <x - y, dx - dy> / |x - y|
    num = None
    if t1 is not None:
        num = (x1 * t1).sum(-1, True) - matmul(t1, x2.transpose(-2, -1))
    if t2 is not None:
        t = (x2 * t2).sum(-1).unsqueeze(-2) - matmul(x1, t2.transpose(-2, -1))
        num = t if num is None else num + t
    return _euclid_ratio(num, out)


_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
          "donot_use_mm_for_euclid_dist": 2}


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    if compute_mode not in _MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for x, name in ((x1, "X1"), (x2, "X2")):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
    for x, name in ((x1, "X1"), (x2, "X2")):
        if not x.dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{x.dtype._legacy}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    r1, r2, c = x1.shape[-2], x2.shape[-2], x1.shape[-1]
    mode = _MODES[compute_mode]
    use_mm = p == 2 and (mode == 1 or (mode == 0 and (r1 > 25 or r2 > 25)))
    if x1.dtype is _dt.float16 and not use_mm:  # (the matmul route has a Half kernel)
        raise NotImplementedError("\"cdist\" not implemented for 'Half'")
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f"expected scalar type {x1.dtype._legacy} but found "
                           f"{x2.dtype._legacy}")
    batch = broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
    if use_mm:
        nb = int(np.prod(batch))
        if nb == 1 and x1.ndim == 2 and x2.ndim == 2:
            dist = euclidean_dist_p(x1, x2)
        else:
            a = x1.expand(batch + (r1, c)).reshape(nb, r1, c)
            b = x2.expand(batch + (r2, c)).reshape(nb, r2, c)
            dist = euclidean_dist_p(a, b)
        return dist.view(batch + (r1, r2))
    return cdist_p(x1, x2, float(p))
