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
