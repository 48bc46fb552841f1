"""The hot primitives' kernel fast paths (relu's probed maximum, the softmax/nll kernels'
contiguous paths, sum's and addmm's) give bit for bit what their general paths give, and
what PyTorch gives: -0.0, NaNs with payloads, infinities, float16/32/64, 0-d, empty and
non-contiguous inputs."""
import numpy as np
import pytest

import retrograd
from retrograd.ops import pointwise as P

torch = pytest.importorskip("torch")

WORD = {2: np.uint16, 4: np.uint32, 8: np.uint64}
FLOATS = [np.float16, np.float32, np.float64]


def bits(a):
    a = np.asarray(a)
    return a.dtype, a.shape, a.copy().view(WORD[a.dtype.itemsize]).tobytes()


def specials(dt, n, seed=0):
    """n values of dt: random normals with -0.0, +0.0, NaNs of both signs (with payloads),
    infinities and subnormals mixed in."""
    gen = np.random.default_rng(seed)
    a = gen.standard_normal(n).astype(dt)
    fi = np.finfo(dt)
    extra = np.array([-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf,
                      fi.smallest_subnormal, -fi.smallest_subnormal], dt)
    extra.view(WORD[extra.itemsize])[2:4] |= 3  # payloads
    k = min(n, len(extra) * 3)
    a[gen.choice(n, k, replace=False)] = np.resize(extra, k)
    return a


def layouts(dt, seed=0):
    """(name, array) pairs: contiguous 2-d, odd lengths, 0-d, empty, transposed, strided,
    misaligned-start views."""
    base = specials(dt, 4000, seed)
    return [
        ("2d", base[:64 * 128 // 4].reshape(64, 32)),
        ("odd", base[:131]),
        ("offset", base[1:98]),
        ("0d-neg0", np.array(-0.0, dt)),
        ("0d-nan", np.array(-np.nan, dt)),
        ("0d-neg", np.array(-2.0, dt)),
        ("empty", np.zeros((0, 5), dt)),
        ("transposed", base[:600].reshape(20, 30).T),
        ("strided", base[:900:3]),
        ("3d-sliced", base[:2 * 6 * 10].reshape(2, 6, 10)[:, 1:5, ::2]),
    ]


def general_relu(a):
    return P._zero_where(a < 0, a)


# ----- relu

def test_relu_probe_accepts_only_a_bitwise_equal_candidate():
    # maximum with the zeros second keeps +0 on a -0.0 tie on common SIMD loops; the probe
    # must refuse it (or any candidate that is not the bitwise kernel), and accept np.where
    assert P._probe_max_relu(lambda a: np.maximum(a, 0)) == ()
    assert P._probe_max_relu(lambda a: np.maximum(a, 0).astype(a.dtype) + 0) == ()
    where = P._probe_max_relu(lambda a: np.where(a < 0, 0, a).astype(a.dtype))
    assert where == (np.dtype(np.float32), np.dtype(np.float64))
    assert P._MAX_RELU == P._probe_max_relu()


@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.__name__)
def test_relu_kernel_is_the_bitwise_kernel_and_pytorchs(dt):
    for name, a in layouts(dt):
        ours = P._relu_kernel(np, a)
        assert bits(ours) == bits(general_relu(a)), name
        assert bits(ours) == bits(torch.relu(torch.from_numpy(a.copy()))), name
        assert ours is not a and not np.shares_memory(ours, a), name


@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.__name__)
def test_relu_fast_path_every_length(dt):
    base = specials(dt, 300, seed=1)
    for n in range(0, 70):
        for off in (0, 1, 2):
            a = base[off:off + n]
            assert bits(P._relu_kernel(np, a)) == bits(general_relu(a)), (n, off)


def test_relu_tensor_level_matches_pytorch_with_grad():
    a = specials(np.float32, 64 * 128, seed=2).reshape(64, 128)
    a[np.isnan(a)] = 1.0  # (a NaN's gradient is not the point here)
    x = retrograd.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, ty = retrograd.relu(x), torch.relu(tx)
    assert bits(y.detach().numpy()) == bits(ty.detach().numpy())
    g = specials(np.float32, 64 * 128, seed=3).reshape(64, 128)
    y.backward(retrograd.tensor(g))
    ty.backward(torch.tensor(g))
    assert bits(x.grad.numpy()) == bits(tx.grad.numpy())
    assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__


def test_relu_rejects_bool_and_keeps_integers():
    with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
        P._relu_kernel(np, np.array([True, False]))
    i = np.array([-3, 0, 4], np.int64)
    assert P._relu_kernel(np, i).tolist() == [0, 0, 4]


# ----- threshold_backward (relu's gradient): g's bits where x > threshold, else +0.0

def old_zero_where(mask, a):
    """The AND-with-word-mask kernel, the reference for every dtype."""
    word = WORD[a.dtype.itemsize]
    keep = np.asarray(mask).astype(word)
    np.subtract(keep, word(1), out=keep)  # (an array op: wraps around without a warning)
    return np.bitwise_and(np.asarray(a).view(word), keep).view(a.dtype)


@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("threshold", [0, 0.5, -1.0])
def test_threshold_backward_kernel_bits(dt, threshold):
    kernel = P.threshold_backward.forward
    for (name, g), (_, x) in zip(layouts(dt, seed=4), layouts(dt, seed=5)):
        ours = kernel(np, g, x, threshold)
        assert bits(ours) == bits(old_zero_where(x <= threshold, g)), name
        theirs = torch.ops.aten.threshold_backward(torch.from_numpy(g.copy()),
                                                   torch.from_numpy(x.copy()), threshold)
        assert bits(ours) == bits(theirs.numpy()), name


def test_zero_where_broadcasting_masks_and_scalars():
    g = specials(np.float32, 12, seed=6).reshape(3, 4)
    for x in (specials(np.float32, 4, seed=7), specials(np.float32, 12, seed=8).reshape(3, 4)):
        assert bits(P._zero_where(x <= 0, g)) == bits(old_zero_where(x <= 0, g))
    # a mask wider than the gradient: the result takes the broadcast shape
    row = g[0].copy()
    wide = specials(np.float32, 12, seed=9).reshape(3, 4)
    assert bits(P._zero_where(wide <= 0, row)) == bits(old_zero_where(wide <= 0, row))
    # 0-d: NumPy scalars take np.where
    s = np.array(-0.0, np.float32)
    assert bits(P._zero_where(s <= 0, s)) == bits(np.float32(0.0))
    assert bits(P._zero_where(s > 0, s)) == bits(s)


# ----- log_softmax / softmax and their backward kernels, nll_loss's

from retrograd.nn import _softmax_prims as S  # noqa: E402


def ref_log_softmax(a, dim):
    """The textbook kernel (the one before the fast paths), on a contiguous copy (as
    PyTorch's; NumPy's sum order depends on the layout), in float32 for half."""
    x = np.array(a, np.float32 if a.dtype == np.float16 else a.dtype, order="C")
    if a.ndim and not a.shape[dim]:
        return np.empty(a.shape, a.dtype)
    with np.errstate(all="ignore"):
        s = x - x.max(dim, keepdims=True)
        return (s - np.log(np.exp(s).sum(dim, keepdims=True))).astype(a.dtype)


def ref_softmax(a, dim):
    x = np.array(a, np.float32 if a.dtype == np.float16 else a.dtype, order="C")
    if a.ndim and not a.shape[dim]:
        return np.empty(a.shape, a.dtype)
    with np.errstate(all="ignore"):
        e = np.exp(x - x.max(dim, keepdims=True))
        return (e / e.sum(dim, keepdims=True)).astype(a.dtype)


def logits(dt, shape, seed, special=True):
    gen = np.random.default_rng(seed)
    a = np.array(gen.standard_normal(shape) * 3, dt)
    if special and a.ndim == 2 and a.shape[0] >= 8 and a.shape[1] >= 2:
        a[0, :2] = [0.0, -0.0]          # a +-0 tie for the max (the other row entries < 0)
        a[0, 2:] = -abs(a[0, 2:]) - 1
        a[1, :2] = [-0.0, -0.0]
        a[1, 2:] = -abs(a[1, 2:]) - 1
        a[2, 0] = np.nan                # NaNs with different payloads in one row
        a[2, 1] = -np.nan
        a.view(WORD[a.itemsize])[2, 1] |= 7
        a[3, 0] = np.inf
        a[4, :] = -np.inf               # a row of -inf
        a[5, 1] = -np.inf
        a[6, 1] = np.finfo(dt).max
    return a


SM_SHAPES = [((64, 10), 1), ((64, 10), 0), ((64, 10), -1), ((8, 32), 1), ((8, 33), 1),
             ((8, 1), 1), ((10,), 0), ((), 0), ((3, 4, 5), 1), ((3, 4, 5), 2), ((0, 4), 1),
             ((4, 0), 1), ((0, 4), 0)]


@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape,dim", SM_SHAPES, ids=str)
def test_softmax_kernels_bits_against_the_textbook_kernel(dt, shape, dim, recwarn):
    a = logits(dt, shape, seed=len(shape) + shape[0] if shape else 0)
    for x in ([a, a.T.copy().T] if a.ndim == 2 else [a]):  # contiguous, then transposed
        lsm = S.log_softmax_p.forward(np, x, dim)
        sm = S.softmax_p.forward(np, x, dim)
        assert bits(lsm) == bits(ref_log_softmax(x, dim))
        assert bits(sm) == bits(ref_softmax(x, dim))
        assert lsm.flags.c_contiguous and sm.flags.c_contiguous
        g = logits(dt, shape, seed=11, special=False)
        with np.errstate(all="ignore"):
            want = (g.astype(np.float32) if dt == np.float16 else g)
            o32 = lsm.astype(want.dtype)
            ref_b = (want - np.exp(o32) * want.sum(dim, keepdims=True)).astype(dt)
            s32 = sm.astype(want.dtype)
            go = want * s32
            ref_sb = (go - s32 * go.sum(dim, keepdims=True)).astype(dt)
        assert bits(S.log_softmax_backward_data.forward(np, g, lsm, dim)) == bits(ref_b)
        assert bits(S.softmax_backward_data.forward(np, g, sm, dim)) == bits(ref_sb)
    # PyTorch: the same NaN/inf pattern, values within rounding (its sum order differs)
    t = torch.from_numpy(a.copy())
    for ours, theirs in ((lsm, torch.log_softmax(t, dim)), (sm, torch.softmax(t, dim))):
        np.testing.assert_allclose(ours.astype(np.float64), theirs.numpy().astype(np.float64),
                                   rtol=4e-3 if dt == np.float16 else 1e-5,
                                   atol=2e-3 if dt == np.float16 else 1e-6)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_row_max_short_rows_only_and_finite_only():
    a = logits(np.float32, (64, 10), seed=1, special=False)
    m, finite = S._row_max(a, 1)
    assert finite and m.shape == (64, 1) and bits(m) == bits(a.max(1, keepdims=True))
    b = logits(np.float32, (64, 10), seed=1)  # NaN/inf rows: NumPy's own reduction
    m, finite = S._row_max(b, 1)
    assert not finite and bits(m) == bits(b.max(1, keepdims=True))


def test_softmax_gradients_quiet_on_nonfinite(recwarn):
    out = S.log_softmax_p.forward(np, logits(np.float32, (64, 10), seed=2, special=False), 1)
    g = np.zeros((64, 10), np.float32)
    g[0, 0] = np.inf
    g[1, 1] = np.nan
    g[2, 2] = -np.inf  # (+inf and -inf: their sum itself would warn)
    r = S.log_softmax_backward_data.forward(np, g, out, 1)
    assert np.isnan(r[0]).any() and np.isnan(r[1]).all() and np.isfinite(r[3:]).all()
    tg = torch.ops.aten._log_softmax_backward_data(torch.from_numpy(g), torch.from_numpy(out),
                                                   1, torch.float32)
    np.testing.assert_array_equal(r, tg.numpy())
    sm = np.exp(out)
    r = S.softmax_backward_data.forward(np, g, sm, 1)
    tg = torch.ops.aten._softmax_backward_data(torch.from_numpy(g), torch.from_numpy(sm), 1,
                                               torch.float32)
    np.testing.assert_array_equal(np.isnan(r), np.isnan(tg.numpy()))
    g2 = np.zeros((64, 10), np.float32)
    g2[0, 0], g2[5, 5] = np.inf, -np.inf  # (no NaN to absorb inf - inf in a sum)
    for kernel, y in ((S.log_softmax_backward_data, out), (S.softmax_backward_data, sm)):
        r = kernel.forward(np, g2, y, 1)
        assert np.isnan(r[0]).any() and np.isfinite(r[1:5]).all()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def ref_nll(x, t, reduction):
    picked = x[np.arange(x.shape[0]), t]
    loss = -picked
    if reduction == "none":
        return loss
    total = loss.sum(dtype=x.dtype)
    return total if reduction == "sum" else total / x.dtype.type(t.size)


def ref_nll_bwd(g, x, t, reduction):
    coef = g * g.dtype.type(-1) if reduction == "none" else -g  # (PyTorch's NaN signs)
    if reduction == "mean":
        coef = coef / np.asarray(t.size, dtype=g.dtype)
    out = np.zeros(x.shape, g.dtype)
    out[np.arange(x.shape[0]), t] = coef
    return out


@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_kernels_bits(dt, reduction):
    gen = np.random.default_rng(3)
    x = S.log_softmax_p.forward(np, logits(dt, (64, 10), seed=3), 1)
    t = gen.integers(0, 10, 64)
    tt = retrograd.tensor(t)
    ours = np.asarray(S.nll_loss_p.forward(np, x, tt, None, reduction, -100))
    assert bits(ours) == bits(ref_nll(x, t, reduction))
    g = np.asarray(gen.standard_normal(ours.shape).astype(dt))
    if g.ndim:
        g[:3] = [-0.0, np.nan, np.inf]
    back = S.nll_loss_backward.forward(np, g, x, tt, None, reduction, -100)
    assert bits(back) == bits(ref_nll_bwd(g, x, t, reduction))
    tx = torch.from_numpy(x.copy()).requires_grad_()
    tl = torch.nn.functional.nll_loss(tx, torch.from_numpy(t), reduction=reduction)
    np.testing.assert_allclose(ours.astype(np.float64), tl.detach().numpy().astype(np.float64),
                               rtol=2e-3 if dt == np.float16 else 1e-5)
    tl.backward(torch.from_numpy(g.copy()))
    assert bits(back) == bits(tx.grad.numpy())


def test_cross_entropy_step_matches_pytorch_bits_for_bits_on_gradients():
    gen = np.random.default_rng(4)
    a = gen.standard_normal((64, 10)).astype(np.float32)
    t = gen.integers(0, 10, 64)
    x, tx = retrograd.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    loss = retrograd.nn.functional.cross_entropy(x, retrograd.tensor(t))
    tloss = torch.nn.functional.cross_entropy(tx, torch.from_numpy(t))
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-6)
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-7)
