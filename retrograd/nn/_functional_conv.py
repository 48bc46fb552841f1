"""nn.functional: convolution, pooling, padding and interpolation (PyTorch's signatures),
on the primitives of nn/_conv_prims.py."""
import math
import warnings

import numpy as np

from ._conv_prims import (convolution, max_pool2d_with_indices, separable, constant_pad_nd,
                          pool_out_size, adaptive_max_pool2d as _amax, im2col, col2im)

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d",
           "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "interpolate",
           "pad", "unfold", "fold"]


def _tuple(v, n):
    if isinstance(v, (tuple, list)):
        return tuple(int(a) for a in v) if len(v) == n else tuple(int(v[0]) for _ in range(n))
    return (int(v),) * n


def _two(t, nd, fill):
    """A 1-d parameter as the 2-d kernels take it (a leading unit height)."""
    return t if nd == 2 else (fill,) + t


def _check_conv(x, w, b, groups, nd, transposed):
    if x.dtype != w.dtype:
        if nd == 2 and not transposed and x.dtype != w.dtype and str(x.dtype) == "torch.float32":
            raise RuntimeError(f"Input type (torch.{_cname(x.dtype)}Tensor) and weight type "
                               f"(torch.{_cname(w.dtype)}Tensor) should be the same or input "
                               "should be a MKLDNN tensor and weight is a dense tensor")
        raise RuntimeError(f"expected scalar type {_cname(x.dtype)} but found "
                           f"{_cname(w.dtype)}")
    if b is not None and b.dtype != x.dtype:
        raise RuntimeError(f"Input type ({_short(x.dtype)}) and bias type ({_short(b.dtype)}) "
                           "should be the same")
    if w.dim() != nd + 2:
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"conv{nd}d, but got input of size: {list(x.shape)}")
    cin = w.shape[0] if transposed else w.shape[1] * groups
    if x.shape[1] != cin:
        if transposed:
            raise RuntimeError(f"Given transposed=1, weight of size {list(w.shape)}, expected "
                               f"input{list(x.shape)} to have {w.shape[0]} channels, but got "
                               f"{x.shape[1]} channels instead")
        raise RuntimeError(f"Given groups={groups}, weight of size {list(w.shape)}, expected "
                           f"input{list(x.shape)} to have {cin} channels, but got "
                           f"{x.shape[1]} channels instead")


def _short(dt):
    return str(dt).split(".")[-1].replace("float32", "float").replace("float64", "double")


def _cname(dt):
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(
        str(dt).split(".")[-1], str(dt))


def _batched(x, nd, fn):
    if x.dim() == nd + 1:
        return fn(x.unsqueeze(0)).squeeze(0)
    return fn(x)


def _conv_nd(x, weight, bias, stride, padding, dilation, groups, nd):
    stride, dilation = _tuple(stride, nd), _tuple(dilation, nd)
    pre = None
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = [dilation[i] * (weight.shape[2 + i] - 1) for i in range(nd)]
            padding = tuple(t // 2 for t in total)
            if any(t % 2 for t in total):  # asymmetric: the extra zero goes on the far side
                warnings.warn("Using padding='same' with even kernel lengths and odd dilation "
                              "may require a zero-padded copy of the input be created",
                              UserWarning, stacklevel=3)
                pre = [(0, t % 2) for t in total]
        else:
            raise ValueError(f"Invalid padding string '{padding}', should be one of "
                             "{'valid', 'same'}")
    padding = _tuple(padding, nd)

    def run(x):
        _check_conv(x, weight, bias, groups, nd, False)
        if pre is not None:
            x = constant_pad_nd(x, pre, 0)
        size = [x.shape[2 + i] + 2 * padding[i] for i in range(nd)]
        k = [dilation[i] * (weight.shape[2 + i] - 1) + 1 for i in range(nd)]
        if any(a < b for a, b in zip(size, k)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, size))}). "
                f"Kernel size: ({' x '.join(map(str, k))}). Kernel size can't be greater "
                "than actual input size")
        # the output padding its input gradient needs to give back the input's size
        op = tuple((size[i] - k[i]) % stride[i] for i in range(nd))
        return convolution(x, weight, bias, _two(stride, nd, 1), _two(padding, nd, 0),
                           _two(dilation, nd, 1), False, _two(op, nd, 0), groups)
    return _batched(x, nd, run)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 2)


def _conv_transpose_nd(x, weight, bias, stride, padding, output_padding, groups, dilation, nd):
    stride, padding = _tuple(stride, nd), _tuple(padding, nd)
    output_padding, dilation = _tuple(output_padding, nd), _tuple(dilation, nd)
    for i in range(nd):
        if output_padding[i] >= stride[i] and output_padding[i] >= dilation[i]:
            raise RuntimeError("output padding must be smaller than either stride or "
                               "dilation, but got output_padding_height: "
                               f"{output_padding[0]} output_padding_width: {output_padding[-1]} "
                               f"stride_height: {stride[0]} stride_width: {stride[-1]} "
                               f"dilation_height: {dilation[0]} dilation_width: {dilation[-1]}")

    def run(x):
        _check_conv(x, weight, bias, groups, nd, True)
        size = [x.shape[2 + i] for i in range(nd)]
        out = [(size[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (weight.shape[2 + i] - 1)
               + output_padding[i] + 1 for i in range(nd)]
        if min(out) < 0 and not x.shape[0]:  # (PyTorch lets an empty batch through...)
            shape = [0, weight.shape[1] * groups] + out
            i = next(i for i, v in enumerate(shape) if v < 0)
            raise RuntimeError(f"invalid shape dimension {shape[i]} at index {i} of shape "
                               f"{shape}")
        if min(out) <= 0 and x.shape[0]:
            size, out = _two(tuple(size), nd, 1), _two(tuple(out), nd, 1)
            raise RuntimeError(f"Given input size per channel: ({size[0]} x {size[1]}). "
                               f"Calculated output size per channel: ({out[0]} x {out[1]}). "
                               "Output size is too small")
        return convolution(x, weight, bias, _two(stride, nd, 1), _two(padding, nd, 0),
                           _two(dilation, nd, 1), True, _two(output_padding, nd, 0), groups)
    return _batched(x, nd, run)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 2)


# ----- max pooling

def _pool_args(kernel_size, stride, padding, dilation, nd):
    k = _tuple(kernel_size, nd)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _tuple(stride, nd)
    p, d = _tuple(padding, nd), _tuple(dilation, nd)
    for i in range(nd):
        if p[i] * 2 > k[i]:
            raise RuntimeError("pad should be at most half of effective kernel size, but got "
                               f"pad={p[i]}, kernel_size={k[i]} and dilation={d[i]}")
    return k, s, p, d


def _check_pool_size(shape, k, s, p, d, ceil, nd):
    """PyTorch's error for a pooling window that leaves no output (2-d pools report the
    channel, height and width; 1-d ones with a unit height)."""
    hw = tuple(shape[-nd:])
    out = tuple(pool_out_size(hw[i], k[i], s[i], p[i], d[i], ceil) for i in range(nd))
    if min(out) > 0:
        return
    if nd == 1:
        hw, out = (1,) + hw, (1,) + out
    c = shape[-nd - 1] if len(shape) > nd else 1
    raise RuntimeError(f"Given input size: ({c}x{hw[0]}x{hw[1]}). Calculated output size: "
                       f"({c}x{out[0]}x{out[1]}). Output size is too small")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    k, s, p, d = _pool_args(kernel_size, stride, padding, dilation, 2)
    _check_pool_size(input.shape, k, s, p, d, ceil_mode, 2)
    out, idx = max_pool2d_with_indices(input, k, s, p, d, bool(ceil_mode))
    return (out, idx) if return_indices else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    k, s, p, d = _pool_args(kernel_size, stride, padding, dilation, 1)
    o = pool_out_size(input.shape[-1], k[0], s[0], p[0], d[0], ceil_mode)
    if o <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {o}")
    out, idx = max_pool2d_with_indices(input.unsqueeze(-2), (1,) + k, (1,) + s, (0,) + p,
                                       (1,) + d, bool(ceil_mode))
    out, idx = out.squeeze(-2), idx.squeeze(-2)
    return (out, idx) if return_indices else out


# ----- linear maps along the last dims (average pools, interpolation, padding modes)

_VARIANTS = {}


def _linear_map(x, ah, aw, node):
    prim = _VARIANTS.get(node)
    if prim is None:
        prim = _VARIANTS[node] = separable.variant(node)
    return prim(x, ah, aw)


def _avg_matrix(n, k, s, p, ceil, count_include_pad, override):
    o = pool_out_size(n, k, s, p, 1, ceil)
    start = np.arange(o) * s - p
    end = np.minimum(start + k, n + p)
    size = end - start
    lo, hi = np.maximum(start, 0), np.minimum(end, n)
    cols = np.arange(n)
    a = ((cols >= lo[:, None]) & (cols < hi[:, None])).astype(np.float64)
    if override:
        return a
    return a / (size if count_include_pad else hi - lo)[:, None]


def _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
              nd, node):
    k, s, p, _ = _pool_args(kernel_size, stride, padding, 1, nd)
    # (a 1-d pool's input arrives here with a unit height inserted)
    _check_pool_size(x.shape if nd == 2 else x.shape[:-2] + x.shape[-1:], k, s, p, (1,) * nd,
                     ceil_mode, nd)
    mats = [_avg_matrix(x.shape[-nd + i], k[i], s[i], p[i], ceil_mode, count_include_pad,
                        divisor_override) for i in range(nd)]
    if divisor_override:
        mats[-1] = mats[-1] / divisor_override
    return _linear_map(x, mats[0] if nd == 2 else None, mats[-1], node)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, "AvgPool2DBackward0")


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    x = input.unsqueeze(-2)
    return _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1,
                     "AvgPool2DBackward0").squeeze(-2)


def _adaptive_matrix(n, o):
    i = np.arange(o)
    start = (i * n) // o
    end = ((i + 1) * n + o - 1) // o
    cols = np.arange(n)
    a = ((cols >= start[:, None]) & (cols < end[:, None])).astype(np.float64)
    return a / (end - start)[:, None]


def adaptive_avg_pool2d(input, output_size):
    size = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    size = tuple(input.shape[-2 + i] if v is None else v for i, v in enumerate(size))
    return _linear_map(input, _adaptive_matrix(input.shape[-2], size[0]),
                       _adaptive_matrix(input.shape[-1], size[1]), "AdaptiveAvgPool2DBackward0")


def adaptive_avg_pool1d(input, output_size):
    o = _tuple(output_size, 1)[0]
    return _linear_map(input.unsqueeze(-2), None, _adaptive_matrix(input.shape[-1], o),
                       "AdaptiveAvgPool2DBackward0").squeeze(-2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    size = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    size = tuple(input.shape[-2 + i] if v is None else int(v) for i, v in enumerate(size))
    out, idx = _amax(input, size)
    return (out, idx) if return_indices else out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    o = _tuple(output_size, 1)[0]
    out, idx = _amax(input.unsqueeze(-2), (1, o))
    out, idx = out.squeeze(-2), idx.squeeze(-2)
    return (out, idx) if return_indices else out


# ----- interpolate

def _nearest_matrix(n, o, scale):
    s = np.float32(1.0 / scale) if scale else np.float32(n / o)
    src = np.minimum(np.floor(np.arange(o, dtype=np.float32) * s).astype(np.int64), n - 1)
    a = np.zeros((o, n))
    a[np.arange(o), src] = 1
    return a


def _linear_matrix(n, o, scale, align_corners):
    dst = np.arange(o, dtype=np.float64)
    if align_corners:
        src = dst * ((n - 1) / (o - 1)) if o > 1 else dst * 0
    else:
        ratio = 1.0 / scale if scale else n / o
        src = np.maximum((dst + 0.5) * ratio - 0.5, 0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    i1 = i0 + (i0 < n - 1)
    l1 = src - i0
    a = np.zeros((o, n))
    a[np.arange(o), i0] += 1 - l1
    a[np.arange(o), i1] += l1
    return a


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    nd = input.dim() - 2
    if nd not in (1, 2):
        raise NotImplementedError(f"interpolate: {input.dim()}-D input is not supported here")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    n = [input.shape[2 + i] for i in range(nd)]
    if size is not None:
        out = list(_tuple(size, nd))
        scales = [None] * nd
    else:
        scales = [float(v) for v in _tuple_f(scale_factor, nd)]
        out = [int(math.floor(n[i] * scales[i])) for i in range(nd)]
        if recompute_scale_factor:
            scales = [None] * nd
    if mode == "nearest":
        mats = [_nearest_matrix(n[i], out[i], scales[i]) for i in range(nd)]
        node = f"UpsampleNearest{nd}DBackward0"
    elif (mode, nd) in (("linear", 1), ("bilinear", 2)):
        mats = [_linear_matrix(n[i], out[i], scales[i], bool(align_corners)) for i in range(nd)]
        node = "UpsampleLinear1DBackward0" if nd == 1 else "UpsampleBilinear2DBackward0"
    else:
        raise NotImplementedError(f"interpolate: mode {mode!r} on {input.dim()}-D input is not "
                                  "supported here")
    return _linear_map(input, mats[0] if nd == 2 else None, mats[-1], node)


def _tuple_f(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


# ----- pad

def _pad_matrix(n, lo, hi, mode):
    src = np.arange(-lo, n + hi)
    if mode == "reflect":
        src = np.abs(src)
        src = np.where(src >= n, 2 * (n - 1) - src, src)
    elif mode == "replicate":
        src = np.clip(src, 0, n - 1)
    else:
        src = src % n
    a = np.zeros((len(src), n))
    a[np.arange(len(src)), src] = 1
    return a


def pad(input, pad, mode="constant", value=None):
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the "
                           "input dimension but got padding length "
                           f"{len(pad)} and input of dimension {input.dim()}")
    pairs = [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)][::-1]
    if mode == "constant":
        return constant_pad_nd(input, pairs, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    nd = len(pairs)
    if nd not in (1, 2) or input.dim() not in (nd + 1, nd + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for "
                                  f"{input.dim()}D input tensor.")
    for (lo, hi), n in zip(pairs, input.shape[-nd:]):
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({lo}, {hi}) "
                               f"at dimension {input.dim() - 1} of input {list(input.shape)}")
    mats = [_pad_matrix(n, lo, hi, mode) for (lo, hi), n in zip(pairs, input.shape[-nd:])]
    node = {"reflect": "ReflectionPad", "replicate": "ReplicationPad",
            "circular": "CircularPad"}[mode] + f"{nd}DBackward0"
    return _linear_map(input, mats[0] if nd == 2 else None, mats[-1], node)


# ----- unfold / fold

def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    if input.dim() not in (3, 4):
        raise RuntimeError("Input Error: Only 3D or 4D input Tensors are supported (got "
                           f"{input.dim()}D)")
    k, d = _tuple(kernel_size, 2), _tuple(dilation, 2)
    p, s = _tuple(padding, 2), _tuple(stride, 2)
    return im2col(input, k, d, p, s, tuple(input.shape[-2:]))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    if input.dim() not in (2, 3):
        raise RuntimeError("Input Error: Only unbatched (2D) or batched (3D) input Tensors are "
                           f"supported (got {input.dim()}D)")
    hw, k = _tuple(output_size, 2), _tuple(kernel_size, 2)
    d, p, s = _tuple(dilation, 2), _tuple(padding, 2), _tuple(stride, 2)
    blocks = [(hw[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in (0, 1)]
    if input.shape[-2] % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension {input.dim() - 2} to be "
                           "divisible by the product of kernel_size, but got "
                           f"input.size({input.dim() - 2})={input.shape[-2]} and "
                           f"kernel_size=({k[0]}, {k[1]}).")
    if input.shape[-1] != blocks[0] * blocks[1]:
        raise RuntimeError(f"Given output_size=({hw[0]}, {hw[1]}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), "
                           f"stride=({s[0]}, {s[1]}), expected size of input's dimension "
                           f"{input.dim() - 1} to match the calculated number of sliding blocks "
                           f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size({input.dim() - 1})={input.shape[-1]}.")
    return col2im(input, k, d, p, s, hw)
