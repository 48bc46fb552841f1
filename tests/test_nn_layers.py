"""torch.nn layers against PyTorch: the same module in both libraries with the weights
copied across; outputs and gradients at float32 tolerance, parameter names, shapes, reprs
and default initialisation."""
import math

import numpy as np
import pytest

import retrograd
from conftest import REAL_TORCH
from nn_helpers import pair, inputs, check_same, to_np

pytestmark = pytest.mark.skipif(REAL_TORCH is None, reason="PyTorch not installed")

RNG = np.random.default_rng(0)


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def same_structure(ours, ref):
    assert repr(ours) == repr(ref)
    assert list(ours.state_dict()) == list(ref.state_dict())
    for (n1, p1), (n2, p2) in zip(ours.named_parameters(), ref.named_parameters()):
        assert n1 == n2 and tuple(p1.shape) == tuple(p2.shape)
        assert type(p1).__name__ == "Parameter"


# ----- recurrent layers (matmul, sigmoid, tanh per time step)
RNN_CASES = [
    ("RNN", dict()),
    ("RNN", dict(nonlinearity="relu", num_layers=2, bias=False)),
    ("LSTM", dict()),
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("LSTM", dict(proj_size=2, num_layers=2, bidirectional=True)),
    ("GRU", dict()),
    ("GRU", dict(num_layers=2, bidirectional=True)),
]


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize("kind,kwargs", RNN_CASES)
def test_rnn_matches_pytorch(kind, kwargs):
    ours, ref = pair(REAL_TORCH, lambda lib: getattr(lib.nn, kind)(3, 4, **kwargs))
    same_structure(ours, ref)
    x = rand(2, 5, 3) if kwargs.get("batch_first") else rand(5, 2, 3)
    xo, xr = inputs(REAL_TORCH, x)
    check_same(ours, ref, xo, xr)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_rnn_initial_state_and_unbatched(kind):
    ours, ref = pair(REAL_TORCH, lambda lib: getattr(lib.nn, kind)(3, 4, num_layers=2))
    lstm = kind == "LSTM"
    xo, xr = inputs(REAL_TORCH, rand(6, 2, 3), rand(2, 2, 4), rand(2, 2, 4))
    state_o = (xo[1], xo[2]) if lstm else xo[1]
    state_r = (xr[1], xr[2]) if lstm else xr[1]
    check_same(ours, ref, xo[:1], xr[:1], kwargs_o=dict(hx=state_o),
               kwargs_r=dict(hx=state_r))
    xo, xr = inputs(REAL_TORCH, rand(4, 3))  # unbatched (T, F) input
    check_same(ours, ref, xo, xr)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_pytorch(kind):
    ours, ref = pair(REAL_TORCH, lambda lib: getattr(lib.nn, kind)(3, 5))
    same_structure(ours, ref)
    xo, xr = inputs(REAL_TORCH, rand(2, 3))
    check_same(ours, ref, xo, xr)
    xo, xr = inputs(REAL_TORCH, rand(2, 3), rand(2, 5), rand(2, 5))
    lstm = kind == "LSTMCell"
    check_same(ours, ref, xo[:1], xr[:1],
               kwargs_o=dict(hx=(xo[1], xo[2]) if lstm else xo[1]),
               kwargs_r=dict(hx=(xr[1], xr[2]) if lstm else xr[1]))
    xo, xr = inputs(REAL_TORCH, rand(3))  # unbatched
    check_same(ours, ref, xo, xr)


def test_rnn_default_init_bounds():
    retrograd.manual_seed(0)
    lstm = retrograd.nn.LSTM(10, 25)
    bound = 1 / math.sqrt(25)
    for p in lstm.parameters():
        a = to_np(p)
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.9 * bound


# ----- attention
@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_matches_pytorch(batch_first):
    ours, ref = pair(REAL_TORCH, lambda lib: lib.nn.MultiheadAttention(
        8, 2, batch_first=batch_first))
    same_structure(ours, ref)
    ours.eval(), ref.eval()
    shape = (2, 5, 8) if batch_first else (5, 2, 8)
    kv_shape = (2, 4, 8) if batch_first else (4, 2, 8)
    # give the zero-initialised biases values so their gradients are exercised
    for o, r in ((ours.in_proj_bias, ref.in_proj_bias), (ours.out_proj.bias, ref.out_proj.bias)):
        b = rand(*o.shape)
        with retrograd.no_grad():
            o.copy_(retrograd.tensor(b))
        with REAL_TORCH.no_grad():
            r.copy_(REAL_TORCH.tensor(b))
    q, k, v = rand(*shape), rand(*kv_shape), rand(*kv_shape)
    xo, xr = inputs(REAL_TORCH, q, k, v)
    check_same(ours, ref, xo, xr)
    # masks: a boolean attn_mask, a float one, and key padding
    attn_bool = np.triu(np.ones((5, 4), dtype=bool), 1)
    kpm = np.array([[False, False, False, True], [False, True, False, False]])
    for kwargs in (dict(attn_mask=attn_bool), dict(attn_mask=rand(5, 4)),
                   dict(key_padding_mask=kpm),
                   dict(attn_mask=attn_bool, key_padding_mask=kpm, average_attn_weights=False),
                   dict(need_weights=False)):
        ko = {k: retrograd.tensor(v) if isinstance(v, np.ndarray) else v
              for k, v in kwargs.items()}
        kr = {k: REAL_TORCH.tensor(v) if isinstance(v, np.ndarray) else v
              for k, v in kwargs.items()}
        out_o, out_r = ours(*xo, **ko), ref(*xr, **kr)
        np.testing.assert_allclose(to_np(out_o[0]), to_np(out_r[0]), rtol=1e-4, atol=1e-5)
        if out_r[1] is None:
            assert out_o[1] is None
        else:
            np.testing.assert_allclose(to_np(out_o[1]), to_np(out_r[1]), rtol=1e-4,
                                       atol=1e-5)


def test_multihead_attention_init_and_separate_dims():
    retrograd.manual_seed(0)
    mha = retrograd.nn.MultiheadAttention(6, 3, kdim=4, vdim=5)
    names = [n for n, _ in mha.named_parameters()]
    torch_names = [n for n, _ in REAL_TORCH.nn.MultiheadAttention(6, 3, kdim=4, vdim=5)
                   .named_parameters()]
    assert names == torch_names
    assert mha.in_proj_weight is None
    assert to_np(mha.in_proj_bias).tolist() == [0.0] * 18
    assert to_np(mha.out_proj.bias).tolist() == [0.0] * 6
    ours, ref = pair(REAL_TORCH, lambda lib: lib.nn.MultiheadAttention(6, 3, kdim=4, vdim=5))
    xo, xr = inputs(REAL_TORCH, rand(3, 2, 6), rand(4, 2, 4), rand(4, 2, 5))
    check_same(ours, ref, xo, xr)


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_rnn_hidden_state_errors_as_pytorch(kind):
    msgs = []
    for lib in (retrograd, REAL_TORCH):
        mod = getattr(lib.nn, kind)(3, 4, num_layers=2)
        got = []
        for x, h in ((lib.zeros(5, 2, 3), lib.zeros(1, 2, 4)),
                     (lib.zeros(5, 3), lib.zeros(2, 1, 4)),
                     (lib.zeros(5, 2, 3), lib.zeros(2, 4))):
            with pytest.raises(RuntimeError) as e:
                mod(x, (h, h) if kind == "LSTM" else h)
            got.append(str(e.value))
        msgs.append(got)
    assert msgs[0] == msgs[1]
