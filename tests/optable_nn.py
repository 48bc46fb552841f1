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
                                         (2, 3, 3))),
                         ([T(2, 2, 2)], (np.array([[[0, 3], [8, 4]], [[1, 2], [5, 7]]]),
                                         (2, 3, 3), True))],
    "separable": [([T(2, 4, 3)], (np.arange(8.).reshape(2, 4) / 7, np.ones((2, 3)))),
                  ([T(2, 5)], (None, np.arange(15.).reshape(3, 5)))],
    "constant_pad_nd": [([T(3, 4)], ([(1, 0), (2, -1)], 2.0))],
}
