"""The differentiable primitives behind convolution and pooling: whole-array NumPy kernels
(strided windows + one batched matmul), VJPs written with these same primitives so that
double backward works. 1-d arrays run through the 2-d kernels with a unit height."""
from contextlib import nullcontext

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from ..ops.primitive import primitive, LINEAR

__all__ = ["convolution", "conv_weight_grad", "max_pool2d_with_indices",
           "max_pool_scatter", "adaptive_max_pool2d", "separable", "constant_pad_nd", "im2col",
           "col2im"]


def _pad_crop(x, pads, value=0):
    """Pad (positive) or crop (negative) the last len(pads) dims by (lo, hi) pairs."""
    lead = x.ndim - len(pads)
    width = [(0, 0)] * lead + [(max(lo, 0), max(hi, 0)) for lo, hi in pads]
    if any(w != (0, 0) for w in width):
        x = np.pad(x, width, constant_values=value)
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        sl = [slice(None)] * lead + [slice(max(-lo, 0), x.shape[lead + i] - max(-hi, 0))
                                     for i, (lo, hi) in enumerate(pads)]
        x = x[tuple(sl)]
    return x


def _windows(xp, kh, kw, s, d, ho, wo):
    """(..., H, W) padded -> (..., ho, wo, kh, kw) strided windows (a view, no copy)."""
    v = sliding_window_view(xp, ((kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1), axis=(-2, -1))
    return v[..., ::s[0], ::s[1], :, :][..., :ho, :wo, ::d[0], ::d[1]]


def _cols(x, kh, kw, s, pads, d, groups, ho, wo):
    """im2col: (N, C, H, W) -> (N, G, C/G*kh*kw, ho*wo)."""
    n, c = x.shape[:2]
    win = _windows(_pad_crop(x, pads), kh, kw, s, d, ho, wo)  # N C ho wo kh kw
    cols = win.transpose(0, 1, 4, 5, 2, 3).reshape(n, groups, c // groups * kh * kw, ho * wo)
    return cols


def _flat_ok(s, wp, wo):
    """Whether to lay the columns out a whole padded row at a time (stride 1 only): each
    column is then one contiguous run of the padded input, at the price of computing
    wp - wo throwaway outputs per row; worth it while those stay at most half (on short
    rows the strided copies' per-row overhead costs more than the extra GEMM work)."""
    return s == (1, 1) and 2 * (wp - wo) <= wp


def _padded(x, pads, slack, flat):
    """x (N, C, H, W) padded (negative pads crop) into a fresh C-contiguous array that is
    followed in memory by ``slack`` zeros, which the row-at-a-time columns may read (x
    itself, cropped, when there is nothing to add and no need for contiguous rows)."""
    n, c, h, w = x.shape
    (t, b), (l, r) = pads
    x = x[:, :, max(-t, 0):h - max(-b, 0), max(-l, 0):w - max(-r, 0)]
    t, b, l, r = max(t, 0), max(b, 0), max(l, 0), max(r, 0)
    if not (t or b or l or r or slack) and (x.flags.c_contiguous or not flat):
        return x  # the strided (not row-at-a-time) columns take any strides
    hp, wp = x.shape[2] + t + b, x.shape[3] + l + r
    buf = np.zeros(n * c * hp * wp + slack, x.dtype)
    xp = buf[:n * c * hp * wp].reshape(n, c, hp, wp)
    xp[:, :, t:t + x.shape[2], l:l + x.shape[3]] = x
    return xp


def _columns(xp, kh, kw, s, d, ho, wo, flat):
    """im2col of the padded (N, C, Hp, Wp) ``xp`` as one (C*kh*kw, N*L) matrix, the operand
    of a single GEMM: row (c, ki, kj), column (n, output position). ``flat`` (stride 1):
    L = ho*Wp, a whole padded row per output row (outputs past wo are junk; ``xp`` must be
    followed by (kw-1)*d zeros); else L = ho*wo. One strided copy; the innermost run is
    contiguous in the flat layout."""
    n, c, _, wp = xp.shape
    sn, sc, sh, sw = xp.strides
    if flat:
        v = as_strided(xp, (c, kh, kw, n, ho * wp), (sc, d[0] * sh, d[1] * sw, sn, sw))
    else:
        v = as_strided(xp, (c, kh, kw, n, ho, wo),
                       (sc, d[0] * sh, d[1] * sw, sn, s[0] * sh, s[1] * sw))
    return np.ascontiguousarray(v).reshape(c * kh * kw, n * ho * (wp if flat else wo))


def _geometry(shape, khw, s, pads, d):
    hp, wp = (shape[2 + i] + pads[i][0] + pads[i][1] for i in (0, 1))
    ho, wo = ((n - d[i] * (khw[i] - 1) - 1) // s[i] + 1 for i, n in enumerate((hp, wp)))
    return hp, wp, ho, wo


def _conv(x, w, s, pads, d, groups, bias=None):
    """Direct convolution (cross-correlation), explicit (lo, hi) pads (negative ones crop):
    im2col then one GEMM (G, O/G, K/G) @ (G, K/G, N*L); the bias is added in the pass
    that moves the GEMM's result into a fresh (N, O, ho, wo) array."""
    n = x.shape[0]
    o, cg, kh, kw = w.shape
    _, wp, ho, wo = _geometry(x.shape, (kh, kw), s, pads, d)
    flat = _flat_ok(s, wp, wo)
    xp = _padded(x, pads, (kw - 1) * d[1] if flat else 0, flat)
    cols = _columns(xp, kh, kw, s, d, ho, wo, flat)
    cols = cols.reshape(groups, cg * kh * kw, cols.shape[1])
    out = np.matmul(w.reshape(groups, o // groups, cg * kh * kw), cols)
    out = out.reshape(o, n, ho, wp if flat else wo)[..., :wo].transpose(1, 0, 2, 3)
    if bias is None:
        return np.ascontiguousarray(out)
    return np.add(out, bias.reshape(-1, 1, 1), out=np.empty(out.shape, out.dtype))


def _conv_adj_input(g, w, s, p, d, groups, hw):
    """The adjoint of ``_conv`` in its input (the transposed convolution), of size ``hw``:
    columns W^T @ g by one GEMM, then col2im, an add per kernel offset (kh*kw whole-array
    adds; no zero-inserted copy for strides). At stride 1 the columns come a whole padded
    row at a time (g zero-filled past wo), so each add is a shifted contiguous run; or, on
    rows too short for that, a direct convolution of g."""
    n, o, ho, wo = g.shape
    _, cg, kh, kw = w.shape
    og = o // groups
    size = [max(hw[i] + 2 * p[i], (m - 1) * s[i] + d[i] * (k - 1) + 1)
            for i, (m, k) in enumerate(((ho, kh), (wo, kw)))]
    # both short cuts multiply zeros (junk columns W^T @ 0 landing on real positions, the
    # zero padding of g) by the weight: exact only for a finite one (inf * 0 is NaN)
    finite = np.isfinite(w).all()
    flat = _flat_ok(s, size[1], wo) and finite
    if s == (1, 1) and not flat and finite:
        # short rows: col2im's kh*kw adds would be tiny strided passes; rather a direct
        # convolution of g with the flipped, in/out-swapped weight (one im2col + GEMM)
        wf = w.reshape(groups, og, cg, kh, kw).transpose(0, 2, 1, 3, 4)
        wf = wf.reshape(groups * cg, og, kh, kw)[:, :, ::-1, ::-1]
        pads = [(d[i] * (k - 1) - p[i], hw[i] - m + p[i]) for i, (m, k) in
                enumerate(((ho, kh), (wo, kw)))]
        return _conv(g, wf, s, pads, d, groups)
    gt = _g_matrix(g, size[1] if flat else None)
    wt = w.reshape(groups, og, cg * kh * kw).transpose(0, 2, 1)  # G, C/G*kh*kw, O/G
    span = ho * (size[1] if flat else wo)
    gt = gt.reshape(groups, og, n * span)
    cols = np.matmul(wt, gt).reshape(groups * cg, kh, kw, n, span)
    c = groups * cg
    plane = size[0] * size[1]
    if flat:
        buf = np.zeros((c, n * plane + (kh - 1) * d[0] * size[1] + (kw - 1) * d[1]),
                       cols.dtype)
        for ki in range(kh):
            for kj in range(kw):
                at = ki * d[0] * size[1] + kj * d[1]
                buf[:, at:at + n * plane].reshape(c, n, plane)[:, :, :span] += cols[:, ki, kj]
        out = buf[:, :n * plane].reshape(c, n, size[0], size[1])
    else:
        c6 = cols.reshape(c, kh, kw, n, ho, wo)
        out = np.zeros((c, n, size[0], size[1]), cols.dtype)
        for ki in range(kh):
            for kj in range(kw):
                h0, w0 = ki * d[0], kj * d[1]
                out[:, :, h0:h0 + (ho - 1) * s[0] + 1:s[0],
                    w0:w0 + (wo - 1) * s[1] + 1:s[1]] += c6[:, ki, kj]
    out = out[:, :, p[0]:p[0] + hw[0], p[1]:p[1] + hw[1]]
    return np.ascontiguousarray(out.transpose(1, 0, 2, 3))


def _g_matrix(g, wp):
    """The output gradient (N, O, ho, wo) as an (O, N, ho, wp or wo) array: the operand
    of a single GEMM; ``wp`` (the row-at-a-time layout) zero-fills past wo."""
    n, o, ho, wo = g.shape
    if wp is None:
        gt = np.ascontiguousarray(g.transpose(1, 0, 2, 3))
    else:
        gt = np.zeros((o, n, ho, wp), g.dtype)
        gt[..., :wo] = g.transpose(1, 0, 2, 3)
    return gt


def _conv_adj_weight(x, g, s, p, d, groups, khw, flat=None):
    """The adjoint of ``_conv`` in its weight: g (as (G, O/G, N*L)) @ columns^T, one GEMM.
    In the flat layout g gets zeros at the junk positions; should a non-finite input value
    sit there (0 * inf), the result is redone in the exact layout."""
    n, c = x.shape[:2]
    o, ho, wo = g.shape[1:]
    pads = [(p[0], p[0]), (p[1], p[1])]
    wp = x.shape[3] + 2 * p[1]
    if flat is None:
        flat = _flat_ok(s, wp, wo)
    xp = _padded(x, pads, (khw[1] - 1) * d[1] if flat else 0, flat)
    cols = _columns(xp, khw[0], khw[1], s, d, ho, wo, flat)
    gm = _g_matrix(g, wp if flat else None).reshape(groups, o // groups, cols.shape[1])
    with np.errstate(invalid="ignore") if flat else nullcontext():  # 0 * inf: redone below
        dw = np.matmul(gm, cols.reshape(groups, cols.shape[0] // groups, cols.shape[1])
                       .swapaxes(-1, -2))
    if flat and not np.isfinite(dw).all():
        return _conv_adj_weight(x, g, s, p, d, groups, khw, False)
    return dw.reshape(o, c // groups, khw[0], khw[1])


def _conv_forward(xp, x, w, b, stride, padding, dilation, transposed, output_padding, groups):
    one = x.ndim == 3
    if one:
        x, w = x[:, :, None], w[:, :, None]
    if transposed:
        hw = tuple((x.shape[2 + i] - 1) * stride[i] - 2 * padding[i] +
                   dilation[i] * (w.shape[2 + i] - 1) + output_padding[i] + 1 for i in (0, 1))
        out = _conv_adj_input(x, w, stride, padding, dilation, groups, hw)
    else:
        # dropping the far side's last output_padding rows/cols: a no-op for a direct
        # convolution (they lie past its last window); the input's size for the gradient
        # of a stride-1 transposed convolution, whose output_padding may reach the dilation
        out = _conv(x, w, stride, [(p, p - o) for p, o in zip(padding, output_padding)],
                    dilation, groups, b)
        b = None
    if b is not None:
        out += b.reshape(-1, 1, 1)
    return out[:, :, 0] if one else out


def _bias_grad(g):
    return g.sum([0] + list(range(2, g.dim())))


def _weight_shape(w):
    return (1, w.shape[2]) if w.dim() == 3 else tuple(w.shape[2:])


# ``convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)``
# is aten.convolution on 2-tuples (1-d ones lead with a unit height). For a direct
# convolution ``output_padding`` holds what its input gradient (a transposed convolution)
# needs to give back the input's size.
convolution = primitive(
    "convolution", "ConvolutionBackward0", _conv_forward,
    vjp=(lambda g, x, w, b, out, s, p, d, tr, op, gr:
         convolution(g, w, None, s, p, d, not tr, op, gr),
         lambda g, x, w, b, out, s, p, d, tr, op, gr:
         conv_weight_grad(g, x, s, p, d, gr, _weight_shape(w), op) if tr else
         conv_weight_grad(x, g, s, p, d, gr, _weight_shape(w), op),
         lambda g, x, w, b, out, s, p, d, tr, op, gr: _bias_grad(g)),
    jvp=lambda tx, tw, tb, x, w, b, out, s, p, d, tr, op, gr: _sum_tangents(
        None if tx is None else convolution(tx, w, None, s, p, d, tr, op, gr),
        None if tw is None else convolution(x, tw, None, s, p, d, tr, op, gr),
        None if tb is None else tb.reshape((-1,) + (1,) * (out.dim() - 2)).expand(out.shape)))


def _sum_tangents(*ts):
    ts = [t for t in ts if t is not None]
    total = ts[0]
    for t in ts[1:]:
        total = total + t
    return total


def _weight_grad_forward(xp, a, g, stride, padding, dilation, groups, khw, output_padding):
    one = a.ndim == 3
    if one:
        a, g = a[:, :, None], g[:, :, None]
    dw = _conv_adj_weight(a, g, stride, padding, dilation, groups, khw)
    return dw[:, :, 0] if one else dw


# The gradient of a convolution in its weight, as a function of (input, output gradient):
# bilinear, its VJPs are a transposed and a direct convolution.
conv_weight_grad = primitive(
    "conv_weight_grad", "ConvolutionBackwardBackward0", _weight_grad_forward,
    vjp=(lambda gz, a, g, out, s, p, d, gr, khw, op:
         convolution(g, gz, None, s, p, d, True, op, gr),
         lambda gz, a, g, out, s, p, d, gr, khw, op:
         convolution(a, gz, None, s, p, d, False, op, gr)),
    jvp=lambda ta, tg, a, g, out, s, p, d, gr, khw, op: _sum_tangents(
        None if ta is None else conv_weight_grad(ta, g, s, p, d, gr, khw, op),
        None if tg is None else conv_weight_grad(a, tg, s, p, d, gr, khw, op)))


# ----- max pooling: values and PyTorch's flat per-plane indices; the gradient scatters

def pool_out_size(n, k, s, p, d, ceil):
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


def _max_pool_forward(xp, x, kernel, stride, padding, dilation, ceil_mode):
    h, w = x.shape[-2:]
    ho, wo = (pool_out_size(x.shape[-2 + i], kernel[i], stride[i], padding[i], dilation[i],
                            ceil_mode) for i in (0, 1))
    pads = [(padding[i], (o - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 -
             n - padding[i]) for i, (n, o) in enumerate(((h, ho), (w, wo)))]
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = _pad_crop(x, pads, fill)
    # whole-array passes per kernel offset (kh*kw of them), arithmetic only (masked
    # writes are ~20x slower in NumPy): a contiguous copy of each offset's window values
    # (strided passes cost ~5x), their max, then the first offset that attains it, by a
    # scan from the last offset down; PyTorch's rule for NaN is that a later NaN wins.
    vals = np.empty((kernel[0] * kernel[1],) + xp.shape[:-2] + (ho, wo), xp.dtype)
    for ki in range(kernel[0]):
        for kj in range(kernel[1]):
            h0, w0 = ki * dilation[0], kj * dilation[1]
            np.copyto(vals[ki * kernel[1] + kj],
                      xp[..., h0:h0 + (ho - 1) * stride[0] + 1:stride[0],
                         w0:w0 + (wo - 1) * stride[1] + 1:stride[1]])
    best = vals[0].copy()
    for v in vals[1:]:
        np.maximum(best, v, out=best)
    kt = np.int16 if len(vals) < 32768 else np.int64
    arg = np.full(best.shape, len(vals) - 1, kt)
    for k in range(len(vals) - 2, -1, -1):
        arg -= np.equal(vals[k], best) * (arg - kt(k))
    if x.dtype.kind == "f" and np.isnan(best).any():
        for k, v in enumerate(vals):
            arg = np.where(np.isnan(v), kt(k), arg)
    ki = arg // kt(kernel[1])
    kj = arg - ki * kt(kernel[1])
    base = (np.arange(ho)[:, None] * stride[0] - padding[0]) * w + \
        np.arange(wo)[None, :] * stride[1] - padding[1]
    idx = base + ki * np.int64(dilation[0] * w) + kj * np.int64(dilation[1])
    if (padding[0] or padding[1]) and (best == fill).any():
        # every value in the window is the fill (-inf, or an integer type's least): the
        # index is the window's first in-bound element, not a padded one
        first = [np.arange(o) * s - p + -(-np.maximum(p - np.arange(o) * s, 0) // dd) * dd
                 for o, s, p, dd in zip((ho, wo), stride, padding, dilation)]
        idx = np.where(best == fill, first[0][:, None] * w + first[1][None, :], idx)
    return best, idx


def _gather_plane(t, idx):
    """t[..., idx] over each flattened (H, W) plane: the VJP of the scatter."""
    return t.flatten(-2).gather(-1, idx.flatten(-2)).reshape(idx.shape)


def _disjoint(k, s, d):
    """Whether pooling windows never overlap, so that no input is the max of two."""
    return all(s[i] >= d[i] * (k[i] - 1) + 1 for i in (0, 1))


max_pool2d_with_indices = primitive(
    "max_pool2d_with_indices", "MaxPool2DWithIndicesBackward0", _max_pool_forward, nout=2,
    vjp=(lambda grads, x, outs, k, s, p, d, c:
         max_pool_scatter(grads[0], outs[1]._data, tuple(x.shape), _disjoint(k, s, d)),),
    jvp=lambda tx, x, outs, k, s, p, d, c: (_gather_plane(tx, outs[1]), None))


def _adaptive_bounds(n, o):
    i = np.arange(o)
    return (i * n) // o, ((i + 1) * n + o - 1) // o


def _adaptive_max_forward(xp, x, size):
    h, w = x.shape[-2:]
    (hs, he), (ws, we) = _adaptive_bounds(h, size[0]), _adaptive_bounds(w, size[1])
    best = arg = None
    # one pass per offset inside the largest window; shorter windows repeat their last
    # element, which never wins (PyTorch keeps the first of equal values)
    for ki in range(int((he - hs).max())):
        rows = np.minimum(hs + ki, he - 1)
        for kj in range(int((we - ws).max())):
            cols = np.minimum(ws + kj, we - 1)
            v = x[..., rows[:, None], cols[None, :]]
            pos = rows[:, None] * w + cols[None, :]
            if best is None:
                best, arg = np.array(v, order="C"), np.broadcast_to(pos, v.shape).copy()
                continue
            better = v > best
            if x.dtype.kind == "f":
                better |= np.isnan(v) & (pos != arg)
            np.copyto(best, v, where=better)
            np.copyto(arg, pos, where=better)
    return best, arg


adaptive_max_pool2d = primitive(
    "adaptive_max_pool2d", "AdaptiveMaxPool2DBackward0", _adaptive_max_forward, nout=2,
    vjp=(lambda grads, x, outs, size:
         max_pool_scatter(grads[0], outs[1]._data, tuple(x.shape), False),),
    jvp=lambda tx, x, outs, size: (_gather_plane(tx, outs[1]), None))


def _scatter_forward(xp, g, idx, shape, unique=False):
    """g summed into a zero array of ``shape`` at the flat per-plane indices ``idx``;
    ``unique`` (disjoint pooling windows): no index repeats, a plain indexed store."""
    hw = shape[-2] * shape[-1]
    planes = int(np.prod(shape[:-2], dtype=np.int64))
    flat = (idx.reshape(planes, idx.shape[-2] * idx.shape[-1]) +
            np.arange(planes)[:, None] * hw).ravel()
    if unique:
        out = np.zeros(planes * hw, g.dtype)
        out[flat] = g.ravel()
        return out.reshape(shape)
    out = np.bincount(flat, weights=g.ravel(), minlength=planes * hw)
    return out.reshape(shape).astype(g.dtype)


def _as_index(idx):
    from .. import from_numpy
    return from_numpy(idx)


max_pool_scatter = primitive(
    "max_pool_scatter", "MaxPool2DWithIndicesBackwardBackward0", _scatter_forward,
    vjp=(lambda gz, g, out, idx, shape, unique=False: _gather_plane(gz, _as_index(idx)),),
    jvp=LINEAR)


# ----- linear resampling along the last one or two dims: Ah @ x @ Aw.T. Average and
# adaptive average pooling, nearest/bilinear interpolation and reflect/replicate/circular
# padding are all such maps; each uses a variant named as PyTorch names its node.

def _separable_forward(xp, x, ah, aw):
    y = x
    if aw is not None:
        y = np.matmul(y, aw.T.astype(x.dtype, copy=False))
    if ah is not None:
        y = np.matmul(ah.astype(x.dtype, copy=False), y)
    return np.ascontiguousarray(y) if y is not x else x.copy()


def _t(a):
    return None if a is None else a.T


separable = primitive(
    "separable", "SeparableBackward0", _separable_forward,
    vjp=(lambda g, x, out, ah, aw: separable(g, _t(ah), _t(aw)),), jvp=LINEAR)


# ----- constant padding (negative pads crop): its adjoint is the opposite padding

def _constant_pad_forward(xp, x, pads, value):
    return np.ascontiguousarray(_pad_crop(x, pads, value))


constant_pad_nd = primitive(
    "constant_pad_nd", "ConstantPadNdBackward0", _constant_pad_forward,
    vjp=(lambda g, x, out, pads, value:
         constant_pad_nd(g, [(-lo, -hi) for lo, hi in pads], 0),),
    jvp=lambda t, x, out, pads, value: constant_pad_nd(t, pads, 0))


# ----- unfold / fold (im2col / col2im): a linear pair, each the other's adjoint

def _blocks(hw, k, d, p, s):
    return tuple((hw[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in (0, 1))


def _im2col_forward(xp, x, k, d, p, s, hw):
    one = x.ndim == 3
    if one:
        x = x[None]
    n, c = x.shape[:2]
    ho, wo = _blocks(hw, k, d, p, s)
    cols = _cols(x, k[0], k[1], s, [(p[0], p[0]), (p[1], p[1])], d, 1, ho, wo)
    cols = cols.reshape(n, c * k[0] * k[1], ho * wo)
    return cols[0] if one else cols


def _col2im_forward(xp, cols, k, d, p, s, hw):
    one = cols.ndim == 2
    if one:
        cols = cols[None]
    n = cols.shape[0]
    c = cols.shape[1] // (k[0] * k[1])
    ho, wo = _blocks(hw, k, d, p, s)
    c6 = cols.reshape(n, c, k[0], k[1], ho, wo)
    out = np.zeros((n, c, hw[0] + 2 * p[0], hw[1] + 2 * p[1]), cols.dtype)
    for ki in range(k[0]):  # a whole-array strided add per kernel offset
        for kj in range(k[1]):
            h0, w0 = ki * d[0], kj * d[1]
            out[:, :, h0:h0 + (ho - 1) * s[0] + 1:s[0], w0:w0 + (wo - 1) * s[1] + 1:s[1]] += \
                c6[:, :, ki, kj]
    out = np.ascontiguousarray(out[:, :, p[0]:p[0] + hw[0], p[1]:p[1] + hw[1]])
    return out[0] if one else out


im2col = primitive(
    "im2col", "Im2ColBackward0", _im2col_forward,
    vjp=(lambda g, x, out, k, d, p, s, hw: col2im(g, k, d, p, s, hw),), jvp=LINEAR)
col2im = primitive(
    "col2im", "Col2ImBackward0", _col2im_forward,
    vjp=(lambda g, x, out, k, d, p, s, hw: im2col(g, k, d, p, s, hw),), jvp=LINEAR)
