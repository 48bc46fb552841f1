"""Scenario tests for nn.functional's convolution, pooling, padding and interpolation:
values, gradients, node names, indices and error texts against PyTorch; gradcheck and
gradgradcheck in float64 for the argument combinations the op table does not hold."""
import numpy as np
import pytest

import retrograd as rt
from retrograd.autograd import gradcheck, gradgradcheck
from conftest import REAL_TORCH

needs_torch = pytest.mark.skipif(REAL_TORCH is None, reason="PyTorch is not installed")


def _node_names(t):
    names, queue = [], [t.grad_fn]
    while queue:
        n = queue.pop(0)
        if n is None:
            continue
        names.append(n.name().replace("torch::autograd::", ""))
        queue.extend(a for a, _ in n.next_functions)
    return names


CASES = {
    "conv2d_bias": (lambda F, x, w, b: F.conv2d(x, w, b), [(2, 3, 7, 6), (4, 3, 3, 2), (4,)]),
    "conv2d_all": (lambda F, x, w, b: F.conv2d(x, w, b, stride=(2, 3), padding=(1, 2),
                                                dilation=(2, 1)),
                   [(2, 4, 9, 8), (6, 4, 3, 2), (6,)]),
    "conv2d_groups": (lambda F, x, w: F.conv2d(x, w, stride=2, padding=1, groups=2),
                      [(2, 4, 9, 8), (6, 2, 3, 3)]),
    "conv2d_depthwise": (lambda F, x, w: F.conv2d(x, w, padding=1, groups=4),
                         [(1, 4, 5, 5), (8, 1, 3, 3)]),
    "conv2d_same_even": (lambda F, x, w: F.conv2d(x, w, padding="same"),
                         [(2, 3, 7, 6), (4, 3, 4, 3)]),
    "conv2d_same_dilated": (lambda F, x, w: F.conv2d(x, w, padding="same", dilation=2),
                            [(1, 2, 7, 6), (3, 2, 3, 2)]),
    "conv2d_valid": (lambda F, x, w: F.conv2d(x, w, padding="valid"),
                     [(1, 2, 5, 6), (3, 2, 3, 2)]),
    "conv2d_unbatched": (lambda F, x, w: F.conv2d(x, w, padding=1), [(3, 5, 5), (2, 3, 3, 3)]),
    # stride 1 on rows wide enough for the row-at-a-time im2col (see _flat_ok), with
    # groups, dilation, and padding beyond the kernel's reach (the input gradient crops)
    "conv2d_wide_groups": (lambda F, x, w, b: F.conv2d(x, w, b, padding=1, groups=2),
                           [(2, 4, 5, 12), (6, 2, 3, 3), (6,)]),
    "conv2d_wide_dilated": (lambda F, x, w: F.conv2d(x, w, padding=(3, 2), dilation=(1, 2)),
                            [(2, 3, 4, 11), (2, 3, 2, 2)]),
    "conv2d_short_rows": (lambda F, x, w, b: F.conv2d(x, w, b, dilation=(1, 2)),
                          [(2, 2, 5, 6), (3, 2, 2, 3), (3,)]),
    "conv2d_empty_batch": (lambda F, x, w, b: F.conv2d(x, w, b, padding=1, groups=2),
                           [(0, 4, 5, 12), (6, 2, 3, 3), (6,)]),
    "conv2d_empty_batch_strided": (lambda F, x, w: F.conv2d(x, w, stride=2),
                                   [(0, 2, 5, 6), (3, 2, 2, 2)]),
    "conv_transpose2d_empty_batch": (lambda F, x, w: F.conv_transpose2d(x, w, stride=(1, 2)),
                                     [(0, 2, 4, 9), (2, 3, 2, 2)]),
    "max_pool2d_empty_batch": (lambda F, x: F.max_pool2d(x, 2), [(0, 3, 4, 6)]),
    "conv1d_wide": (lambda F, x, w: F.conv1d(x, w, padding=2, dilation=3), [(2, 3, 16), (4, 3, 2)]),
    "conv1d": (lambda F, x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2),
               [(2, 3, 11), (4, 3, 3), (4,)]),
    "conv1d_same": (lambda F, x, w: F.conv1d(x, w, padding="same"), [(2, 3, 8), (4, 3, 4)]),
    "conv_transpose2d": (lambda F, x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                               output_padding=1),
                         [(2, 4, 5, 4), (4, 3, 3, 3), (3,)]),
    "conv_transpose2d_groups": (lambda F, x, w: F.conv_transpose2d(
        x, w, stride=(2, 1), padding=(2, 0), groups=2, dilation=2), [(2, 4, 5, 4), (4, 3, 3, 2)]),
    "conv_transpose2d_stride1": (lambda F, x, w, b: F.conv_transpose2d(
        x, w, b, padding=(1, 0), output_padding=1, dilation=2), [(2, 4, 5, 9), (4, 3, 3, 2), (3,)]),
    "conv_transpose2d_stride1_groups": (lambda F, x, w: F.conv_transpose2d(
        x, w, padding=2, groups=2), [(1, 4, 6, 10), (4, 2, 2, 3)]),
    "conv_transpose2d_short_rows": (lambda F, x, w: F.conv_transpose2d(x, w, dilation=(1, 3)),
                                    [(2, 4, 3, 2), (4, 3, 2, 3)]),
    "conv_transpose1d": (lambda F, x, w: F.conv_transpose1d(x, w, stride=3, padding=1,
                                                            output_padding=2),
                         [(2, 4, 5), (4, 3, 3)]),
    "max_pool2d": (lambda F, x: F.max_pool2d(x, 3, 2, 1), [(2, 3, 8, 7)]),
    "max_pool2d_ceil_dil": (lambda F, x: F.max_pool2d(x, (3, 2), (2, 2), (1, 1), dilation=(1, 2),
                                                      ceil_mode=True), [(2, 3, 8, 7)]),
    "max_pool2d_disjoint": (lambda F, x: F.max_pool2d(x, (2, 3), (3, 4), 1, dilation=(2, 1),
                                                      ceil_mode=True), [(2, 3, 8, 11)]),
    "max_pool2d_unbatched": (lambda F, x: F.max_pool2d(x, 2), [(3, 5, 4)]),
    "max_pool1d": (lambda F, x: F.max_pool1d(x, 3, 2, 1, ceil_mode=True), [(2, 3, 10)]),
    "avg_pool2d": (lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True), [(2, 3, 8, 7)]),
    "avg_pool2d_nopad": (lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                                   count_include_pad=False), [(2, 3, 8, 7)]),
    "avg_pool2d_divisor": (lambda F, x: F.avg_pool2d(x, (3, 2), None, (1, 1),
                                                     divisor_override=5), [(2, 3, 8, 7)]),
    "avg_pool1d": (lambda F, x: F.avg_pool1d(x, 3, 2, 1, ceil_mode=True,
                                             count_include_pad=False), [(2, 3, 10)]),
    "adaptive_avg_pool2d": (lambda F, x: F.adaptive_avg_pool2d(x, (3, 5)), [(2, 3, 8, 7)]),
    "adaptive_avg_pool2d_none": (lambda F, x: F.adaptive_avg_pool2d(x, (None, 3)),
                                 [(2, 3, 5, 7)]),
    "adaptive_avg_pool1d": (lambda F, x: F.adaptive_avg_pool1d(x, 4), [(2, 3, 10)]),
    "adaptive_max_pool2d": (lambda F, x: F.adaptive_max_pool2d(x, (3, 2)), [(2, 3, 7, 5)]),
    "adaptive_max_pool2d_unbatched": (lambda F, x: F.adaptive_max_pool2d(x, (None, 4)),
                                      [(3, 4, 6)]),
    "adaptive_max_pool1d": (lambda F, x: F.adaptive_max_pool1d(x, 4), [(2, 3, 9)]),
    "unfold": (lambda F, x: F.unfold(x, (2, 3), padding=1, stride=(2, 1)), [(2, 3, 5, 4)]),
    "unfold_unbatched": (lambda F, x: F.unfold(x, 2, dilation=2), [(3, 6, 5)]),
    "fold": (lambda F, x: F.fold(x, (7, 7), 3, stride=2, padding=1, dilation=(1, 2)),
             [(1, 18, 12)]),
    "nearest_scale": (lambda F, x: F.interpolate(x, scale_factor=1.7), [(2, 3, 5, 4)]),
    "nearest_down": (lambda F, x: F.interpolate(x, scale_factor=0.5), [(1, 2, 7, 6)]),
    "nearest_size": (lambda F, x: F.interpolate(x, size=(7, 3)), [(2, 3, 5, 4)]),
    "nearest_1d": (lambda F, x: F.interpolate(x, size=7), [(2, 3, 5)]),
    "bilinear_scale": (lambda F, x: F.interpolate(x, scale_factor=1.7, mode="bilinear"),
                       [(2, 3, 5, 4)]),
    "bilinear_corners": (lambda F, x: F.interpolate(x, size=(7, 3), mode="bilinear",
                                                    align_corners=True), [(2, 3, 5, 4)]),
    "bilinear_down": (lambda F, x: F.interpolate(x, size=(3, 2), mode="bilinear"),
                      [(1, 2, 7, 5)]),
    "linear_1d": (lambda F, x: F.interpolate(x, size=7, mode="linear"), [(2, 3, 5)]),
    "pad_constant": (lambda F, x: F.pad(x, (1, 2, -1, 3), value=2.0), [(2, 3, 5, 4)]),
    "pad_constant_3dims": (lambda F, x: F.pad(x, (1, 0, 0, 1, 2, 0)), [(2, 3, 5, 4)]),
    "pad_reflect": (lambda F, x: F.pad(x, (1, 2, 3, 0), mode="reflect"), [(2, 3, 5, 4)]),
    "pad_reflect_1d": (lambda F, x: F.pad(x, (1, 2), mode="reflect"), [(2, 3, 5)]),
    "pad_replicate": (lambda F, x: F.pad(x, (1, 2, 3, 0), mode="replicate"), [(2, 3, 5, 4)]),
    "pad_circular": (lambda F, x: F.pad(x, (1, 2, 3, 0), mode="circular"), [(2, 3, 5, 4)]),
}
GRAPH_DIFFERS = {"pad_circular"}  # PyTorch builds it from slices and copies (CopySlices)


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_torch(name, dtype):
    torch = REAL_TORCH
    fn, shapes = CASES[name]
    rng = np.random.default_rng(abs(hash(name)) % 2 ** 32)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ra = [rt.tensor(a, requires_grad=True) for a in arrays]
    ta = [torch.tensor(a, requires_grad=True) for a in arrays]
    ro, to = fn(rt.nn.functional, *ra), fn(torch.nn.functional, *ta)
    assert tuple(ro.shape) == tuple(to.shape) and str(ro.dtype) == str(to.dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ro.detach().numpy(), to.detach().numpy(), **tol)
    if name not in GRAPH_DIFFERS:
        assert _node_names(ro) == _node_names(to)
    g = rng.standard_normal(tuple(to.shape)).astype(dtype)
    ro.backward(rt.tensor(g))
    to.backward(torch.tensor(g))
    for x, y in zip(ra, ta):
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), **tol)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck_and_gradgradcheck(name):
    fn, shapes = CASES[name]
    rng = np.random.default_rng(1)
    args = [rt.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    f = (lambda *a: fn(rt.nn.functional, *a))
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)


@needs_torch
@pytest.mark.parametrize("kw,shape", [
    (dict(kernel_size=3, stride=2, padding=1), (2, 3, 8, 7)),
    (dict(kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), dilation=(1, 2), ceil_mode=True),
     (2, 3, 8, 7)),
    (dict(kernel_size=2), (3, 5, 4)),
])
def test_max_pool2d_indices(kw, shape):
    torch = REAL_TORCH
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    rv, ri = rt.nn.functional.max_pool2d(rt.tensor(a), return_indices=True, **kw)
    tv, ti = torch.nn.functional.max_pool2d(torch.tensor(a), return_indices=True, **kw)
    np.testing.assert_array_equal(rv.numpy(), tv.numpy())
    np.testing.assert_array_equal(ri.numpy(), ti.numpy())
    assert str(ri.dtype) == "torch.int64" and not ri.requires_grad


@needs_torch
@pytest.mark.parametrize("shape,size", [((2, 3, 7, 5), (3, 2)), ((3, 10, 9), (4, 4)),
                                        ((1, 1, 5, 5), (5, 5)), ((2, 2, 4, 6), (None, 4))])
def test_adaptive_max_pool2d_indices_and_nan(shape, size):
    a = np.random.default_rng(0).standard_normal(shape)
    a.reshape(-1)[0] = np.nan
    outs = []
    for m in (rt, REAL_TORCH):
        x = m.tensor(a, requires_grad=True)
        v, i = m.nn.functional.adaptive_max_pool2d(x, size, return_indices=True)
        v.backward(m.ones_like(v))
        outs.append((v.detach().numpy(), i.numpy(), x.grad.numpy()))
    for p, q in zip(*outs):
        np.testing.assert_array_equal(p, q)


@needs_torch
def test_max_pool_ties_and_nan_follow_torch():
    torch = REAL_TORCH
    a = np.array([[[[1., 1., 0., np.nan], [1., 0., np.nan, 2.]]]], np.float32)
    for m in (rt, torch):
        x = m.tensor(a, requires_grad=True)
        v, i = m.nn.functional.max_pool2d(x, 2, return_indices=True)
        v.sum().backward()
        if m is rt:
            r = (v.detach().numpy(), i.numpy(), x.grad.numpy())
        else:
            t = (v.detach().numpy(), i.numpy(), x.grad.numpy())
    for p, q in zip(r, t):
        np.testing.assert_array_equal(p, q)
    rv, ri = rt.nn.functional.max_pool1d(rt.tensor(a[0]), 2, return_indices=True)
    tv, ti = torch.nn.functional.max_pool1d(torch.tensor(a[0]), 2, return_indices=True)
    np.testing.assert_array_equal(ri.numpy(), ti.numpy())


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "int32"])
@pytest.mark.parametrize("kw", [dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=2, padding=1, dilation=2)])
def test_max_pool_all_fill_window_indexes_first_in_bound(dtype, kw):
    """A window whose in-bound values all equal the padding's fill (-inf, or the integer
    type's least value): PyTorch's index is the window's first in-bound element."""
    torch = REAL_TORCH
    low = -np.inf if dtype == "float32" else np.iinfo(dtype).min
    a = np.full((1, 2, 5, 6), low, dtype)
    a[0, 1, 4, 5] = 3
    rv, ri = rt.nn.functional.max_pool2d(rt.tensor(a), return_indices=True, **kw)
    tv, ti = torch.nn.functional.max_pool2d(torch.tensor(a), return_indices=True, **kw)
    np.testing.assert_array_equal(rv.numpy(), tv.numpy())
    np.testing.assert_array_equal(ri.numpy(), ti.numpy())
    if dtype == "float32":
        x = rt.tensor(a, requires_grad=True)
        rt.nn.functional.max_pool2d(x, **kw).sum().backward()
        t = torch.tensor(a, requires_grad=True)
        torch.nn.functional.max_pool2d(t, **kw).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@needs_torch
def test_conv_double_backward_matches_torch():
    """Second derivatives through the conv's input and weight gradients (a transposed
    convolution and the weight-gradient convolution)."""
    torch = REAL_TORCH
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in [(2, 4, 7, 6), (6, 2, 3, 2), (6,)]]
    res = []
    for m in (rt, torch):
        x, w, b = [m.tensor(a, requires_grad=True) for a in arrays]
        y = m.nn.functional.conv2d(x, w, b, stride=2, padding=1, groups=2)
        gx, gw = m.autograd.grad((y ** 2).sum(), (x, w), create_graph=True)
        ((gx ** 2).sum() + (gw * gw.sin()).sum()).backward()
        res.append([t.grad.numpy() for t in (x, w, b)])
    for p, q in zip(*res):
        np.testing.assert_allclose(p, q, rtol=1e-9, atol=1e-10)


@needs_torch
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf
@pytest.mark.parametrize("width", [12, 5])  # row-at-a-time kernels; short rows
@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_conv_non_finite_input_matches_torch(value, width):
    """Non-finite values where the fast kernels would pair a zero with them (the
    wrap-around past a row's last window, the zero padding of the output gradient in the
    stride-1 input gradient): the results stay those of the exact layout."""
    torch = REAL_TORCH
    a = np.random.default_rng(5).standard_normal((2, 2, 4, width))
    a[1, 0, 2, 0] = value  # read by the junk outputs at the end of row 1
    w = np.random.default_rng(6).standard_normal((3, 2, 1, 3))
    w[1, 0, 0, 2] = value  # the input gradient's junk columns would spread it
    res = []
    for m in (rt, torch):
        x, wt = m.tensor(a, requires_grad=True), m.tensor(w, requires_grad=True)
        y = m.nn.functional.conv2d(x, wt)
        y.backward(m.ones_like(y))
        res.append([t.numpy() for t in (y.detach(), x.grad, wt.grad)])
    for p, q in zip(*res):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-12)


@needs_torch
def test_forward_ad_conv_matches_torch():
    torch = REAL_TORCH
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s) for s in [(2, 3, 6, 5), (4, 3, 3, 3), (4,)] * 2]
    res = []
    for m in (rt, torch):
        fwAD = m.autograd.forward_ad
        with fwAD.dual_level():
            x, w, b = [fwAD.make_dual(m.tensor(p), m.tensor(t))
                       for p, t in zip(arrays[:3], arrays[3:])]
            y = m.nn.functional.conv2d(x, w, b, padding=1)
            y = m.nn.functional.max_pool2d(y, 2)
            res.append(fwAD.unpack_dual(y).tangent.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10, atol=1e-12)


# (float32 input, float64 weight in 2-d: PyTorch's text depends on which backend its size
# heuristics pick; ours is the MKLDNN one, which the op table's dtype grid checks)
ERRORS = [
    lambda F, m: F.conv2d(m.randn(1, 3, 5, 5, dtype=m.float64), m.randn(2, 3, 3, 3)),
    lambda F, m: F.conv2d(m.randn(1, 3, 5, 5), m.randn(2, 3, 3, 3), m.randn(2, dtype=m.float64)),
    lambda F, m: F.conv1d(m.randn(1, 3, 5), m.randn(2, 3, 3, dtype=m.float64)),
    lambda F, m: F.conv2d(m.randn(1, 4, 5, 5), m.randn(2, 3, 3, 3)),
    lambda F, m: F.conv2d(m.randn(1, 3, 2, 2), m.randn(2, 3, 3, 3)),
    lambda F, m: F.conv2d(m.randn(1, 3, 5, 5), m.randn(2, 3, 3, 3), stride=2, padding="same"),
    lambda F, m: F.conv_transpose2d(m.randn(1, 3, 5, 5), m.randn(2, 3, 3, 3)),
    lambda F, m: F.max_pool2d(m.randn(1, 3, 5, 5), 3, padding=2),
    lambda F, m: F.avg_pool2d(m.randn(1, 3, 5, 5), 2, padding=2),
    lambda F, m: F.pad(m.randn(1, 3, 5, 5), (5, 5), mode="reflect"),
    lambda F, m: F.pad(m.randn(1, 3, 5, 5), (1, 2, 3)),
    lambda F, m: F.interpolate(m.randn(1, 3, 5, 5)),
    lambda F, m: F.fold(m.randn(2, 12, 5), (5, 4), 2),
    lambda F, m: F.fold(m.randn(2, 13, 12), (5, 4), 2),
    lambda F, m: F.interpolate(m.randn(1, 3, 5, 5), size=3, align_corners=True),
    # pools and transposed convolutions that leave no output
    lambda F, m: F.conv_transpose2d(m.randn(1, 2, 2, 9), m.randn(2, 1, 2, 1), padding=(2, 0)),
    lambda F, m: F.conv_transpose2d(m.randn(2, 2, 9), m.randn(2, 1, 2, 1), padding=2, stride=2),
    lambda F, m: F.conv_transpose1d(m.randn(1, 2, 3), m.randn(2, 1, 2), padding=3),
    lambda F, m: F.conv_transpose2d(m.randn(0, 1, 7, 1), m.randn(1, 1, 2, 1), stride=2,
                                    padding=(0, 2), dilation=2),
    lambda F, m: F.max_pool2d(m.randn(1, 2, 8, 2), 2, (1, 2), 0, (1, 2)),
    lambda F, m: F.max_pool2d(m.randn(2, 8, 2), 2, (1, 2), 0, (1, 2)),
    lambda F, m: F.max_pool1d(m.randn(1, 2, 2), 2, 1, 0, 2),
    lambda F, m: F.avg_pool2d(m.randn(3, 1, 1, 1), 2),
    lambda F, m: F.avg_pool1d(m.randn(2, 1), 2),
]


@needs_torch
@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors_match_torch(k):
    outcomes = []
    for m in (rt, REAL_TORCH):
        with pytest.raises(Exception) as info:
            ERRORS[k](m.nn.functional, m)
        outcomes.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert outcomes[0] == outcomes[1]
