"""Op-table entries for nn.functional's convolution, pooling, padding and interpolation
(naive NumPy loop references: the tables' shapes are tiny) and their primitives' samples."""
import numpy as np

from opinfo_base import T, S, OpInfo

FLOATS = ("float32", "float64")


def _f(m):
    return m.nn.functional


def _conv_ref(x, w, b=None, s=(1, 1), p=(0, 0), d=(1, 1), g=1):
    one = x.ndim == 3
    if one:
        x, w = x[:, :, None], w[:, :, None]
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    n, c, h, wd = xp.shape
    o, cg, kh, kw = w.shape
    ho, wo = (h - d[0] * (kh - 1) - 1) // s[0] + 1, (wd - d[1] * (kw - 1) - 1) // s[1] + 1
    out = np.zeros((n, o, ho, wo), x.dtype)
    for oc in range(o):
        gi = oc // (o // g)
        for i in range(ho):
            for j in range(wo):
                patch = xp[:, gi * cg:(gi + 1) * cg, i * s[0]:i * s[0] + d[0] * (kh - 1) + 1:d[0],
                           j * s[1]:j * s[1] + d[1] * (kw - 1) + 1:d[1]]
                out[:, oc, i, j] = (patch * w[oc]).sum((1, 2, 3))
    if b is not None:
        out += b[:, None, None]
    return out[:, :, 0] if one else out


def _convt_ref(x, w, b=None, s=(1, 1), p=(0, 0), op=(0, 0), g=1, d=(1, 1)):
    one = x.ndim == 3
    if one:
        x, w = x[:, :, None], w[:, :, None]
    n, ci, h, wd = x.shape
    _, cg, kh, kw = w.shape
    ho = (h - 1) * s[0] + d[0] * (kh - 1) + 1 + op[0]
    wo = (wd - 1) * s[1] + d[1] * (kw - 1) + 1 + op[1]
    full = np.zeros((n, cg * g, ho, wo), x.dtype)
    for c in range(ci):
        gi = c // (ci // g)
        for i in range(h):
            for j in range(wd):
                full[:, gi * cg:(gi + 1) * cg, i * s[0]:i * s[0] + d[0] * (kh - 1) + 1:d[0],
                     j * s[1]:j * s[1] + d[1] * (kw - 1) + 1:d[1]] += \
                    x[:, c, i, j][:, None, None, None] * w[c]
    out = full[:, :, p[0]:ho - p[0], p[1]:wo - p[1]]
    if b is not None:
        out = out + b[:, None, None]
    return out[:, :, 0] if one else out


def _out(n, k, s, p, d, ceil):
    o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    return o - 1 if ceil and (o - 1) * s >= n + p else o


def _pool_ref(x, k, s, p, d=(1, 1), ceil=False, kind="max", include_pad=True, div=None):
    h, w = x.shape[-2:]
    ho, wo = _out(h, k[0], s[0], p[0], d[0], ceil), _out(w, k[1], s[1], p[1], d[1], ceil)
    out = np.zeros(x.shape[:-2] + (ho, wo), x.dtype)
    for i in range(ho):
        for j in range(wo):
            hs, ws = i * s[0] - p[0], j * s[1] - p[1]
            rows = [r for r in range(hs, hs + d[0] * (k[0] - 1) + 1, d[0]) if 0 <= r < h]
            cols = [c for c in range(ws, ws + d[1] * (k[1] - 1) + 1, d[1]) if 0 <= c < w]
            patch = x[..., rows, :][..., cols]
            if kind == "max":
                out[..., i, j] = patch.max((-2, -1))
            else:
                he, we = min(hs + k[0], h + p[0]), min(ws + k[1], w + p[1])
                cnt = div or ((he - hs) * (we - ws) if include_pad else len(rows) * len(cols))
                out[..., i, j] = patch.sum((-2, -1)) / cnt
    return out


def _adaptive_ref(x, oh, ow, reduce=np.mean):
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (oh, ow), x.dtype)
    for i in range(oh):
        for j in range(ow):
            hs, he = i * h // oh, -(-(i + 1) * h // oh)
            ws, we = j * w // ow, -(-(j + 1) * w // ow)
            out[..., i, j] = reduce(x[..., hs:he, ws:we], (-2, -1))
    return out


def _nearest_ref(x, oh, ow):
    h, w = x.shape[-2:]
    rows = [min(int(np.floor(np.float32(i) * np.float32(h / oh))), h - 1) for i in range(oh)]
    cols = [min(int(np.floor(np.float32(j) * np.float32(w / ow))), w - 1) for j in range(ow)]
    return x[..., rows, :][..., cols]


def _bilinear_ref(x, oh, ow, align):
    def coords(n, o):
        out = []
        for i in range(o):
            src = i * (n - 1) / (o - 1) if align else max((i + 0.5) * n / o - 0.5, 0)
            i0 = min(int(np.floor(src)), n - 1)
            out.append((i0, min(i0 + 1, n - 1), src - i0))
        return out
    out = np.zeros(x.shape[:-2] + (oh, ow), x.dtype)
    for i, (r0, r1, a) in enumerate(coords(x.shape[-2], oh)):
        for j, (c0, c1, b) in enumerate(coords(x.shape[-1], ow)):
            out[..., i, j] = ((1 - a) * (1 - b) * x[..., r0, c0] + (1 - a) * b * x[..., r0, c1] +
                              a * (1 - b) * x[..., r1, c0] + a * b * x[..., r1, c1])
    return out


def _pad_ref(x, pads, mode):
    width = [(0, 0)] * (x.ndim - len(pads) // 2) + \
        [(pads[2 * i], pads[2 * i + 1]) for i in range(len(pads) // 2)][::-1]
    return np.pad(x, width, mode={"reflect": "reflect", "replicate": "edge",
                                  "circular": "wrap"}[mode])


def _const_pad_ref(x, pads, value):
    width = [(0, 0)] * (x.ndim - len(pads) // 2) + \
        [(max(pads[2 * i], 0), max(pads[2 * i + 1], 0)) for i in range(len(pads) // 2)][::-1]
    out = np.pad(x, width, constant_values=value)
    sl = [slice(None)] * (x.ndim - len(pads) // 2) + \
        [slice(max(-pads[2 * i], 0), out.shape[x.ndim - 1 - i] - max(-pads[2 * i + 1], 0))
         for i in range(len(pads) // 2)][::-1]
    return out[tuple(sl)]


def _e(name, op, ref, samples, prims, **kw):
    kw.setdefault("grid", ())
    return OpInfo(name, op, ref, samples, prims, **kw)


CONV = ("convolution", "conv_weight_grad")
OPS = [
    _e("conv2d", lambda m, x, w, b: _f(m).conv2d(x, w, b), _conv_ref,
       [S(T(2, 3, 5, 4), T(4, 3, 3, 2), T(4)), S(T(1, 2, 4, 4, nc=True), T(3, 2, 1, 1), T(3))],
       CONV),
    _e("conv2d_nobias", lambda m, x, w: _f(m).conv2d(x, w), _conv_ref,
       [S(T(2, 3, 5, 4), T(4, 3, 3, 2))], CONV, grid=FLOATS),
    _e("conv2d_strided", lambda m, x, w: _f(m).conv2d(x, w, None, (2, 1), (1, 2), (1, 2)),
       lambda x, w: _conv_ref(x, w, None, (2, 1), (1, 2), (1, 2)),
       [S(T(2, 2, 6, 5), T(3, 2, 2, 2))], CONV),
    _e("conv2d_groups", lambda m, x, w: _f(m).conv2d(x, w, stride=2, padding=1, groups=2),
       lambda x, w: _conv_ref(x, w, None, (2, 2), (1, 1), (1, 1), 2),
       [S(T(1, 4, 5, 5), T(4, 2, 2, 3))], CONV),
    _e("conv2d_same", lambda m, x, w: _f(m).conv2d(x, w, padding="same"),
       lambda x, w: _conv_ref(np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 0))), w, None,
                              (1, 1), (1, 1)),
       [S(T(1, 2, 4, 3), T(2, 2, 4, 3))], CONV + ("constant_pad_nd",)),
    _e("conv1d", lambda m, x, w, b: _f(m).conv1d(x, w, b, stride=2, padding=1, dilation=2),
       lambda x, w, b: _conv_ref(x, w, b, (1, 2), (0, 1), (1, 2)),
       [S(T(2, 3, 9), T(2, 3, 3), T(2))], CONV),
    _e("conv_transpose2d",
       lambda m, x, w, b: _f(m).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
       lambda x, w, b: _convt_ref(x, w, b, (2, 2), (1, 1), (1, 1)),
       [S(T(1, 2, 3, 3), T(2, 3, 3, 2), T(3))], CONV),
    _e("conv_transpose2d_groups",
       lambda m, x, w: _f(m).conv_transpose2d(x, w, None, 1, (0, 1), 0, 2, (2, 1)),
       lambda x, w: _convt_ref(x, w, None, (1, 1), (0, 1), (0, 0), 2, (2, 1)),
       [S(T(1, 4, 3, 2), T(4, 1, 2, 3))], CONV),
    _e("conv_transpose1d",
       lambda m, x, w: _f(m).conv_transpose1d(x, w, stride=3, padding=1, output_padding=2),
       lambda x, w: _convt_ref(x, w, None, (1, 3), (0, 1), (0, 2)),
       [S(T(2, 2, 4), T(2, 2, 3))], CONV),
    _e("max_pool2d", lambda m, x: _f(m).max_pool2d(x, 3, 2, 1),
       lambda x: _pool_ref(x, (3, 3), (2, 2), (1, 1)),
       [S(T(2, 2, 5, 6)), S(T(3, 5, 4, nc=True))], ("max_pool2d_with_indices", "max_pool_scatter"),
       second_order=False),
    _e("max_pool2d_ceil", lambda m, x: _f(m).max_pool2d(x, (3, 2), None, (1, 1), (1, 2), True),
       lambda x: _pool_ref(x, (3, 2), (3, 2), (1, 1), (1, 2), True),
       [S(T(1, 2, 7, 6))], ("max_pool2d_with_indices", "max_pool_scatter"), second_order=False),
    _e("max_pool1d", lambda m, x: _f(m).max_pool1d(x, 2, 1),
       lambda x: _pool_ref(x[..., None, :], (1, 2), (1, 1), (0, 0))[..., 0, :],
       [S(T(2, 3, 5))], ("max_pool2d_with_indices", "max_pool_scatter"), second_order=False),
    _e("adaptive_max_pool2d", lambda m, x: _f(m).adaptive_max_pool2d(x, (3, 2)),
       lambda x: _adaptive_ref(x, 3, 2, np.max),
       [S(T(2, 2, 7, 5)), S(T(2, 4, 4, nc=True))],
       ("adaptive_max_pool2d", "max_pool_scatter"), second_order=False),
    _e("avg_pool2d", lambda m, x: _f(m).avg_pool2d(x, 3, 2, 1, True),
       lambda x: _pool_ref(x, (3, 3), (2, 2), (1, 1), ceil=True, kind="avg"),
       [S(T(2, 2, 6, 5)), S(T(2, 4, 4, nc=True))], ("separable",), second_order=False),
    _e("avg_pool2d_nopad", lambda m, x: _f(m).avg_pool2d(x, 3, 2, 1, True, False),
       lambda x: _pool_ref(x, (3, 3), (2, 2), (1, 1), ceil=True, kind="avg",
                           include_pad=False),
       [S(T(1, 2, 6, 5))], ("separable",), second_order=False),
    _e("avg_pool2d_divisor", lambda m, x: _f(m).avg_pool2d(x, (2, 3), divisor_override=4),
       lambda x: _pool_ref(x, (2, 3), (2, 3), (0, 0), kind="avg", div=4),
       [S(T(1, 2, 6, 7))], ("separable",), second_order=False),
    _e("avg_pool1d", lambda m, x: _f(m).avg_pool1d(x, 3, 2, 1),
       lambda x: _pool_ref(x[..., None, :], (1, 3), (1, 2), (0, 1), kind="avg")[..., 0, :],
       [S(T(2, 3, 6))], ("separable",), second_order=False),
    _e("adaptive_avg_pool2d", lambda m, x: _f(m).adaptive_avg_pool2d(x, (3, 2)),
       lambda x: _adaptive_ref(x, 3, 2),
       [S(T(2, 2, 7, 5)), S(T(2, 4, 4, nc=True))], ("separable",), second_order=False),
    _e("adaptive_avg_pool1d", lambda m, x: _f(m).adaptive_avg_pool1d(x, 4),
       lambda x: _adaptive_ref(x[..., None, :], 1, 4)[..., 0, :],
       [S(T(2, 3, 7))], ("separable",), second_order=False),
    _e("interpolate_nearest", lambda m, x: _f(m).interpolate(x, size=(7, 3)),
       lambda x: _nearest_ref(x, 7, 3), [S(T(1, 2, 4, 5))], ("separable",),
       second_order=False),
    _e("interpolate_bilinear",
       lambda m, x: _f(m).interpolate(x, size=(5, 7), mode="bilinear", align_corners=False),
       lambda x: _bilinear_ref(x, 5, 7, False), [S(T(1, 2, 3, 4))], ("separable",),
       second_order=False),
    _e("interpolate_bilinear_corners",
       lambda m, x: _f(m).interpolate(x, size=(5, 2), mode="bilinear", align_corners=True),
       lambda x: _bilinear_ref(x, 5, 2, True), [S(T(1, 2, 3, 4))], ("separable",),
       second_order=False),
    *[_e(f"pad_{mode}", (lambda mode: lambda m, x: _f(m).pad(x, (1, 2, 2, 0), mode=mode))(mode),
         (lambda mode: lambda x: _pad_ref(x, (1, 2, 2, 0), mode))(mode),
         [S(T(2, 2, 3, 4)), S(T(2, 3, 4, nc=True))], ("separable",), second_order=False)
      for mode in ("reflect", "replicate")],
    _e("pad_constant", lambda m, x: _f(m).pad(x, (1, 2, -1, 1), value=1.5),
       lambda x: _const_pad_ref(x, (1, 2, -1, 1), 1.5),
       [S(T(2, 3, 4)), S(T(3, 4, nc=True))], ("constant_pad_nd",), second_order=False),
]

def _unfold_ref(x, k, d, p, s):
    xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p[0], p[0]), (p[1], p[1])])
    h, w = xp.shape[-2:]
    ho, wo = (h - d[0] * (k[0] - 1) - 1) // s[0] + 1, (w - d[1] * (k[1] - 1) - 1) // s[1] + 1
    cols = [xp[..., i * s[0] + a * d[0], j * s[1] + b * d[1]]
            for i in range(ho) for j in range(wo) for a in range(k[0]) for b in range(k[1])]
    out = np.stack(cols, -1).reshape(x.shape[:-2] + (ho * wo, k[0] * k[1]))
    out = np.swapaxes(out, -1, -2)  # ..., C, kk, L
    return out.reshape(x.shape[:-3] + (-1, ho * wo))


def _fold_ref(c, hw, k, d, p, s):
    n = c.shape[:-2]
    ch = c.shape[-2] // (k[0] * k[1])
    out = np.zeros(n + (ch, hw[0] + 2 * p[0], hw[1] + 2 * p[1]), c.dtype)
    ho = (hw[0] + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    wo = (hw[1] + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    c = c.reshape(n + (ch, k[0], k[1], ho, wo))
    for a in range(k[0]):
        for b in range(k[1]):
            for i in range(ho):
                for j in range(wo):
                    out[..., i * s[0] + a * d[0], j * s[1] + b * d[1]] += c[..., a, b, i, j]
    return out[..., p[0]:p[0] + hw[0], p[1]:p[1] + hw[1]]


OPS += [
    _e("unfold", lambda m, x: _f(m).unfold(x, (2, 3), (1, 2), 1, (2, 1)),
       lambda x: _unfold_ref(x, (2, 3), (1, 2), (1, 1), (2, 1)),
       [S(T(2, 3, 5, 6)), S(T(2, 4, 5, nc=True))], ("im2col", "col2im"), second_order=False),
    _e("fold", lambda m, x: _f(m).fold(x, (4, 5), 2, 1, 1, 2),
       lambda x: _fold_ref(x, (4, 5), (2, 2), (1, 1), (1, 1), (2, 2)),
       [S(T(2, 12, 9)), S(T(8, 9, nc=True))], ("im2col", "col2im"), second_order=False),
]

_P2 = ((1, 1), (0, 0), (1, 1))
PRIM_SAMPLES = {
    "convolution": [([T(2, 3, 5, 4), T(4, 3, 3, 2), T(4)], ((1, 1), (0, 0), (1, 1), False,
                                                            (0, 0), 1)),
                    ([T(1, 4, 5, 5), T(4, 2, 2, 3), T(4)], ((2, 1), (1, 1), (1, 2), False,
                                                            (1, 0), 2)),
                    ([T(1, 2, 3, 3), T(2, 3, 3, 2), T(3)], ((2, 2), (1, 1), (1, 1), True,
                                                            (1, 1), 1))],
    "conv_weight_grad": [([T(1, 2, 5, 4), T(1, 4, 3, 3)], ((1, 1), (0, 0), (1, 1), 1, (3, 2),
                                                           (0, 0))),
                         ([T(1, 4, 5, 5), T(1, 4, 3, 2)], ((2, 2), (1, 0), (1, 2), 2, (2, 2),
                                                           (1, 0)))],
    "max_pool2d_with_indices": [([T(2, 2, 5, 6)], ((3, 3), (2, 2), (1, 1), (1, 1), False)),
                                ([T(1, 7, 6)], ((3, 2), (3, 2), (1, 1), (1, 2), True))],
    "adaptive_max_pool2d": [([T(2, 2, 7, 5)], ((3, 2),)), ([T(3, 4, 4)], ((4, 3),))],
    "im2col": [([T(2, 3, 5, 6)], ((2, 3), (1, 2), (1, 1), (2, 1), (5, 6)))],
    "col2im": [([T(2, 12, 9)], ((2, 2), (1, 1), (1, 1), (2, 2), (4, 5)))],
    "max_pool_scatter": [([T(2, 2, 2)], (np.array([[[0, 3], [5, 4]], [[1, 2], [5, 7]]]),
                                         (2, 3, 3)))],
    "separable": [([T(2, 4, 3)], (np.arange(8.).reshape(2, 4) / 7, np.ones((2, 3)))),
                  ([T(2, 5)], (None, np.arange(15.).reshape(3, 5)))],
    "constant_pad_nd": [([T(3, 4)], ([(1, 0), (2, -1)], 2.0))],
}


# ----- activations, softmax family and losses: primitives with PyTorch's nodes
import math  # noqa: E402

from opinfo_base import Domain, REAL, NONZERO  # noqa: E402

_ERF = np.vectorize(math.erf, otypes=[np.float64])
_ACT = [S(T(3, 4)), S(T()), S(T(4, 3, nc=True)), S(T(0, 3))]
WIDE = Domain(-4.0, 4.0)
PROB = Domain(0.1, 0.9)
UNIT = Domain(0.0, 1.0)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _act(name, op, ref, prims, domain=REAL, second_order=True, samples=_ACT):
    return _e(name, op, ref, samples, prims, domain=domain, second_order=second_order)


def _softmax_ref(x, d):
    if x.ndim == 0:
        return np.ones_like(x)
    e = np.exp(x - x.max(d, keepdims=True))
    return e / e.sum(d, keepdims=True)


def _log_softmax_ref(x, d):
    if x.ndim == 0:
        return np.zeros_like(x)
    s = x - x.max(d, keepdims=True)
    return s - np.log(np.exp(s).sum(d, keepdims=True))


def _labels(shape, n_cls):
    """Deterministic class labels for a target of ``shape`` (every class, some repeats)."""
    return ((np.arange(int(np.prod(shape))) * 7 + 3) % n_cls).reshape(shape).astype(np.int64)


def _target_shape(x):
    return () if x.ndim == 1 else (x.shape[0],) + tuple(x.shape[2:])


def _cls(x):
    return x.shape[1 if x.ndim >= 2 else 0]


_W = np.array([0.5, 1.5, 1.0, 2.0, 0.25])


def _nll_ref(logp, reduction="mean", weight=None, ignore=-100):
    cls = 1 if logp.ndim >= 2 else 0
    y = _labels(_target_shape(logp), _cls(logp))
    valid = y != ignore
    safe = np.where(valid, y, 0)
    picked = np.take_along_axis(logp, np.expand_dims(safe, cls), cls).squeeze(cls)
    w = (np.ones(_cls(logp)) if weight is None else weight[:_cls(logp)])[safe] * valid
    loss = (-picked * w).astype(logp.dtype)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / w.sum()


def _nll_op(m, x, reduction="mean", weight=False, ignore=-100, ce=False):
    y = m.tensor(_labels(_target_shape(x), _cls(x)))
    w = m.tensor(_W[:_cls(x)], dtype=x.dtype) if weight else None
    fn = _f(m).cross_entropy if ce else _f(m).nll_loss
    return fn(x, y, w, ignore_index=ignore, reduction=reduction)


def _reduce_ref(loss, r):
    return loss if r == "none" else loss.sum() if r == "sum" else loss.mean()


def _bce_ref(x, t, r, w=None):
    loss = (t - 1) * np.maximum(np.log1p(-x), -100) - t * np.maximum(np.log(x), -100)
    return _reduce_ref(loss if w is None else loss * w, r)


def _bcel_ref(x, t, r, w=None, pw=None):
    lw = 1 if pw is None else (pw - 1) * t + 1
    loss = (1 - t) * x + lw * np.logaddexp(0, -x)
    return _reduce_ref(loss if w is None else loss * w, r)


_NLL = [S(T(3, 5)), S(T(5)), S(T(4, 3, nc=True)), S(T(2, 3, 2, 2))]
_RED = [S(T(3, 4), T(3, 4), "mean"), S(T(3, 4), T(3, 4), "sum"), S(T(3, 4), T(3, 4), "none"),
        S(T(4, 3, nc=True), T(4, 3), "mean"), S(T(), T(), "sum")]
_SMOOTH = lambda d, b: np.where(np.abs(d) < b, 0.5 * d * d / b, np.abs(d) - 0.5 * b)  # noqa: E731
_HUBER = lambda d, k: np.where(np.abs(d) < k, 0.5 * d * d, k * (np.abs(d) - 0.5 * k))  # noqa: E731

OPS += [
    _act("hardtanh", lambda m, x: _f(m).hardtanh(x, -1.5, 1.2),
         lambda x: np.clip(x, -1.5, 1.2), ("hardtanh", "hardtanh_backward"), NONZERO, False),
    _act("leaky_relu", lambda m, x: _f(m).leaky_relu(x, 0.2),
         lambda x: np.where(x > 0, x, 0.2 * x), ("leaky_relu", "leaky_relu_backward"), NONZERO,
         False),
    _act("elu", lambda m, x: _f(m).elu(x, 0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x)),
         ("elu", "elu_backward"), NONZERO),
    _act("selu", lambda m, x: _f(m).selu(x),
         lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
         ("elu", "elu_backward"), NONZERO),
    _act("celu", lambda m, x: _f(m).celu(x, 1.5),
         lambda x: np.where(x > 0, x, 1.5 * np.expm1(x / 1.5)), ("elu", "elu_backward"), NONZERO),
    _act("gelu", lambda m, x: _f(m).gelu(x), lambda x: x * 0.5 * (1 + _ERF(x / np.sqrt(2))),
         ("gelu", "gelu_backward"), WIDE),
    _act("gelu_tanh", lambda m, x: _f(m).gelu(x, approximate="tanh"),
         lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
         ("gelu", "gelu_backward"), WIDE),
    _act("silu", lambda m, x: _f(m).silu(x), lambda x: x * _sig(x), ("silu",), WIDE),
    _act("mish", lambda m, x: _f(m).mish(x), lambda x: x * np.tanh(np.logaddexp(0, x)),
         ("mish",), WIDE),
    _act("softplus", lambda m, x: _f(m).softplus(x, 2.0, 3.0),
         lambda x: np.where(2 * x > 3, x, np.logaddexp(0, 2 * x) / 2),
         ("softplus", "softplus_backward"), NONZERO),
    _act("hardsigmoid", lambda m, x: _f(m).hardsigmoid(x), lambda x: np.clip(x / 6 + 0.5, 0, 1),
         ("hardsigmoid",), Domain(0.5, 4.0, signed=True), False),
    _act("hardswish", lambda m, x: _f(m).hardswish(x),
         lambda x: x * np.clip(x + 3, 0, 6) / 6, ("hardswish", "hardswish_backward"),
         Domain(0.5, 4.0, signed=True)),
    _act("logsigmoid", lambda m, x: _f(m).logsigmoid(x), lambda x: -np.logaddexp(0, -x),
         ("log_sigmoid", "log_sigmoid_backward"), WIDE),
    *[_act(f"{name}_dim{d}", (lambda name, d: lambda m, x: getattr(_f(m), name)(x, d))(name, d),
           (lambda ref, d: lambda x: ref(x, d))(ref, d), (prim, prim + "_backward_data"),
           samples=[S(T(3, 4)), S(T(4, 3, nc=True)), S(T(2, 3, 4))] + ([S(T())] if d else []))
      for name, ref, prim in (("softmax", _softmax_ref, "softmax"),
                              ("log_softmax", _log_softmax_ref, "log_softmax"))
      for d in (0, -1)],
    _e("nll_loss", lambda m, x: _nll_op(m, x), _nll_ref, _NLL,
       ("nll_loss", "nll_loss_backward"), second_order=False),
    _e("nll_loss_weight_ignore_sum", lambda m, x: _nll_op(m, x, "sum", True, 1),
       lambda x: _nll_ref(x, "sum", _W, 1), _NLL, ("nll_loss", "nll_loss_backward"),
       second_order=False),
    _e("nll_loss_weight_none", lambda m, x: _nll_op(m, x, "none", True),
       lambda x: _nll_ref(x, "none", _W), _NLL, ("nll_loss", "nll_loss_backward"),
       second_order=False),
    _e("cross_entropy", lambda m, x: _nll_op(m, x, ce=True),
       lambda x: _nll_ref(_log_softmax_ref(x, 1 if x.ndim >= 2 else 0)), _NLL,
       ("log_softmax", "nll_loss", "nll_loss_backward", "log_softmax_backward_data")),
    _e("mse_loss", lambda m, x, t, r: _f(m).mse_loss(x, t, reduction=r),
       lambda x, t, r: _reduce_ref((x - t) ** 2, r), _RED, ("mse_loss", "mse_loss_backward")),
    _e("smooth_l1_loss", lambda m, x, t, r: _f(m).smooth_l1_loss(x, t, reduction=r, beta=0.7),
       lambda x, t, r: _reduce_ref(_SMOOTH(x - t, 0.7), r), _RED,
       ("smooth_l1_loss", "smooth_l1_loss_backward")),
    _e("huber_loss", lambda m, x, t, r: _f(m).huber_loss(x, t, reduction=r, delta=0.6),
       lambda x, t, r: _reduce_ref(_HUBER(x - t, 0.6), r), _RED,
       ("huber_loss", "huber_loss_backward")),
    _e("binary_cross_entropy", lambda m, x, t, r: _f(m).binary_cross_entropy(x, t, reduction=r),
       _bce_ref, _RED, ("binary_cross_entropy", "binary_cross_entropy_backward"),
       domain=(PROB, UNIT)),
    _e("binary_cross_entropy_weight",
       lambda m, x, t, r: _f(m).binary_cross_entropy(x, t, m.tensor(_W[:4], dtype=x.dtype),
                                                     reduction=r),
       lambda x, t, r: _bce_ref(x, t, r, _W[:4]), _RED[:3],
       ("binary_cross_entropy", "binary_cross_entropy_backward"), domain=(PROB, UNIT)),
    _e("bce_with_logits",
       lambda m, x, t, r: _f(m).binary_cross_entropy_with_logits(x, t, reduction=r),
       _bcel_ref, _RED, ("binary_cross_entropy_with_logits",), domain=(WIDE, UNIT)),
    _e("bce_with_logits_weights",
       lambda m, x, t, r: _f(m).binary_cross_entropy_with_logits(
           x, t, m.tensor(_W[:3, None], dtype=x.dtype), reduction=r,
           pos_weight=m.tensor(_W[:4], dtype=x.dtype)),
       lambda x, t, r: _bcel_ref(x, t, r, _W[:3, None], _W[:4]), _RED[:3],
       ("binary_cross_entropy_with_logits",), domain=(WIDE, UNIT)),
]


def _nll_params(reduction, weight=False, ignore=-100, shape=(3,), n_cls=5):
    def params(m, rng):
        w = m.tensor(_W[:n_cls]) if weight else None
        return (m.tensor(_labels(shape, n_cls)), w, reduction, ignore)
    return params


PRIM_SAMPLES.update({
    "hardtanh": [([T(3, 4, domain=NONZERO)], (-1.5, 1.2))],
    "hardtanh_backward": [([T(3, 4), T(3, 4, domain=NONZERO)], (-1.5, 1.2))],
    "leaky_relu": [([T(3, 4, domain=NONZERO)], (0.2,))],
    "leaky_relu_backward": [([T(3, 4), T(3, 4, domain=NONZERO)], (0.2,))],
    "elu": [([T(3, 4, domain=NONZERO)], (0.7, 1.2, 0.5))],
    "elu_backward": [([T(3, 4), T(3, 4, domain=NONZERO)], (0.7, 1.2, 0.5))],
    "gelu": [([T(3, 4)], ("none",)), ([T(3, 4)], ("tanh",))],
    "gelu_backward": [([T(3, 4), T(3, 4)], ("none",)), ([T(3, 4), T(3, 4)], ("tanh",))],
    "softplus": [([T(3, 4, domain=NONZERO)], (2.0, 3.0))],
    "softplus_backward": [([T(3, 4), T(3, 4, domain=NONZERO)], (2.0, 3.0))],
    "hardswish": [([T(3, 4, domain=Domain(0.5, 4.0, signed=True))], ())],
    "hardswish_backward": [([T(3, 4), T(3, 4, domain=Domain(0.5, 4.0, signed=True))], ())],
    "log_sigmoid": [([T(3, 4)], ())],
    "log_sigmoid_backward": [([T(3, 4), T(3, 4)], ())],
    "silu": [([T(3, 4)], ())],
    "mish": [([T(3, 4)], ())],
    "hardsigmoid": [([T(3, 4, domain=Domain(0.5, 4.0, signed=True))], ())],
    "softmax": [([T(3, 4)], (1,)), ([T(2, 3, 4)], (0,))],
    "log_softmax": [([T(3, 4)], (1,)), ([T(2, 3, 4)], (0,))],
    "softmax_backward_data": [([T(3, 4), T(3, 4, domain=PROB)], (1,))],
    "log_softmax_backward_data": [([T(3, 4), T(3, 4)], (0,))],
    "nll_loss": [([T(3, 5)], _nll_params("mean")),
                 ([T(3, 5)], _nll_params("none", True, 1)),
                 ([T(2, 3, 2, 2)], _nll_params("sum", True, 2, (2, 2, 2), 3))],
    "nll_loss_backward": [([T(), T(3, 5)], _nll_params("mean", True)),
                          ([T(3), T(3, 5)], _nll_params("none", False, 1))],
    **{n: [([T(3, 4), T(3, 4)], (r,) + p) for r in ("mean", "none")]
       for n, p in (("mse_loss", ()), ("smooth_l1_loss", (0.7,)), ("huber_loss", (0.6,)))},
    **{n + "_backward": [([T(), T(3, 4), T(3, 4)], ("mean",) + p),
                         ([T(3, 4), T(3, 4), T(3, 4)], ("none",) + p)]
       for n, p in (("mse_loss", ()), ("smooth_l1_loss", (0.7,)), ("huber_loss", (0.6,)))},
    "binary_cross_entropy": [([T(3, 4, domain=PROB), T(3, 4, domain=UNIT)], ("mean", None)),
                             ([T(3, 4, domain=PROB), T(3, 4, domain=UNIT)],
                              lambda m, rng: ("none", m.tensor(_W[:4])))],
    "binary_cross_entropy_backward": [
        ([T(), T(3, 4, domain=PROB), T(3, 4, domain=UNIT)], ("sum", None)),
        ([T(3, 4), T(3, 4, domain=PROB), T(3, 4, domain=UNIT)],
         lambda m, rng: ("none", m.tensor(_W[:4])))],
    "binary_cross_entropy_with_logits": [
        ([T(3, 4), T(3, 4, domain=UNIT)], ("mean", None, None)),
        ([T(3, 4), T(3, 4, domain=UNIT)],
         lambda m, rng: ("none", m.tensor(_W[:3, None]), m.tensor(_W[:4])))],
})
