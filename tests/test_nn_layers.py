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


# ----- layers built on nn.functional
LAYER_CASES = [
    # (factory, input shapes, extra positional args)
    (lambda nn: nn.Identity(54, unused=True), [(2, 3)]),
    (lambda nn: nn.Bilinear(3, 4, 5), [(6, 3), (6, 4)]),
    (lambda nn: nn.Flatten(), [(2, 3, 4, 5)]),
    (lambda nn: nn.Flatten(0, 2), [(2, 3, 4, 5)]),
    (lambda nn: nn.Unflatten(1, (2, 6)), [(3, 12)]),
    (lambda nn: nn.BatchNorm1d(4), [(8, 4)]),
    (lambda nn: nn.BatchNorm1d(3, affine=False, momentum=None), [(4, 3, 5)]),
    (lambda nn: nn.BatchNorm2d(3), [(4, 3, 5, 5)]),
    (lambda nn: nn.LayerNorm((4, 5)), [(3, 4, 5)]),
    (lambda nn: nn.LayerNorm(5, elementwise_affine=False, eps=1e-3), [(3, 5)]),
    (lambda nn: nn.GroupNorm(2, 6), [(3, 6, 4)]),
    (lambda nn: nn.Dropout(0.3), [(5, 5)]),  # compared in eval mode below
]


@pytest.mark.parametrize("case", range(len(LAYER_CASES)))
@pytest.mark.parametrize("training", [True, False])
def test_layer_matches_pytorch(case, training):
    factory, shapes = LAYER_CASES[case]
    ours, ref = pair(REAL_TORCH, lambda lib: factory(lib.nn))
    same_structure(ours, ref)
    if isinstance(ours, retrograd.nn.Dropout) and training:
        return
    # random weights for layers whose defaults are ones/zeros
    for (name, p), (_, q) in zip(ours.named_parameters(), ref.named_parameters()):
        w = rand(*p.shape)
        with retrograd.no_grad():
            p.copy_(retrograd.tensor(w))
        with REAL_TORCH.no_grad():
            q.copy_(REAL_TORCH.tensor(w))
    ours.train(training), ref.train(training)
    xo, xr = inputs(REAL_TORCH, *[rand(*s) for s in shapes])
    check_same(ours, ref, xo, xr)
    # running statistics follow PyTorch's
    for (n, a), (_, b) in zip(ours.named_buffers(), ref.named_buffers()):
        np.testing.assert_allclose(to_np(a), to_np(b), rtol=1e-5, atol=1e-6, err_msg=n)


def test_batchnorm_eval_uses_running_stats_and_input_checks():
    ours, ref = pair(REAL_TORCH, lambda lib: lib.nn.BatchNorm2d(3))
    for _ in range(3):
        xo, xr = inputs(REAL_TORCH, rand(4, 3, 2, 2))
        ours(xo[0]), ref(xr[0])
    assert int(ours.num_batches_tracked) == 3
    ours.eval(), ref.eval()
    xo, xr = inputs(REAL_TORCH, rand(2, 3, 2, 2))
    check_same(ours, ref, xo, xr)
    for lib in (retrograd, REAL_TORCH):
        with pytest.raises(ValueError, match=r"^expected 4D input \(got 3D input\)"):
            lib.nn.BatchNorm2d(3)(lib.ones(2, 3, 4))
        with pytest.raises(ValueError, match=r"^expected 2D or 3D input \(got 4D input\)"):
            lib.nn.BatchNorm1d(3)(lib.ones(2, 3, 4, 4))


def test_dropout_training_zeroes_and_scales():
    retrograd.manual_seed(0)
    d = retrograd.nn.Dropout(0.25)
    y = to_np(d(retrograd.ones(200, 100)))
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02
    assert to_np(d.eval()(retrograd.ones(3))).tolist() == [1.0] * 3


@pytest.mark.parametrize("padding_idx", [None, 1, -1])
def test_embedding_matches_pytorch(padding_idx):
    ours, ref = pair(REAL_TORCH, lambda lib: lib.nn.Embedding(6, 3, padding_idx=padding_idx))
    same_structure(ours, ref)
    idx = np.array([[0, 1, 5], [1, 2, 1]])
    xo, xr = inputs(REAL_TORCH, idx)
    check_same(ours, ref, xo, xr)
    retrograd.manual_seed(0)
    e = retrograd.nn.Embedding(1000, 20, padding_idx=padding_idx)
    w = to_np(e.weight)
    if padding_idx is not None:
        assert (w[padding_idx] == 0).all()
    assert abs(w.std() - 1) < 0.03


def test_conv_default_init_bounds():
    retrograd.manual_seed(0)
    conv = retrograd.nn.Conv2d(8, 16, 3)
    bound = 1 / math.sqrt(8 * 9)
    w, b = to_np(conv.weight), to_np(conv.bias)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.97 * bound
    assert np.abs(b).max() <= bound
    t = retrograd.nn.ConvTranspose2d(8, 4, 3)
    assert tuple(t.weight.shape) == (8, 4, 3, 3)


# ----- activations and losses as modules
ACTIVATIONS = [
    ("ReLU", {}), ("ReLU6", {}), ("LeakyReLU", dict(negative_slope=0.2)), ("ELU", {}),
    ("ELU", dict(alpha=0.5)), ("SELU", {}), ("CELU", dict(alpha=2.0)), ("GELU", {}),
    ("GELU", dict(approximate="tanh")), ("SiLU", {}), ("Mish", {}), ("Softplus", {}),
    ("Softplus", dict(beta=2.0, threshold=1.0)), ("Softsign", {}), ("Hardtanh", {}),
    ("Hardtanh", dict(min_val=-2.0, max_val=0.5)), ("Hardsigmoid", {}), ("Hardswish", {}),
    ("LogSigmoid", {}), ("Softmax", dict(dim=1)), ("LogSoftmax", dict(dim=-1)),
    ("Softmin", dict(dim=0)), ("Tanh", {}), ("Sigmoid", {}), ("Tanhshrink", {}),
    ("Softshrink", {}), ("Hardshrink", dict(lambd=0.3)), ("Threshold", dict(threshold=0.1,
                                                                           value=20.0)),
    ("PReLU", {}), ("PReLU", dict(num_parameters=4, init=0.1)), ("GLU", {}),
    ("GLU", dict(dim=1)),
]


@pytest.mark.parametrize("name,kwargs", ACTIVATIONS)
def test_activation_modules_match_pytorch(name, kwargs):
    ours, ref = pair(REAL_TORCH, lambda lib: getattr(lib.nn, name)(**kwargs))
    assert repr(ours) == repr(ref)
    xo, xr = inputs(REAL_TORCH, rand(3, 4) * 3)
    check_same(ours, ref, xo, xr)


def test_inplace_activation_repr():
    for name in ["ReLU", "ReLU6", "LeakyReLU", "ELU", "SiLU", "Hardtanh"]:
        assert (repr(getattr(retrograd.nn, name)(inplace=True))
                == repr(getattr(REAL_TORCH.nn, name)(inplace=True)))


def _targets():
    return {
        "cls": np.array([0, 2, 1, 2]),
        "prob": np.abs(rand(4, 3)) / 3,
        "real": rand(4, 3),
        "binary": (rand(4, 3) > 0).astype(np.float32),
        "unit": 1 / (1 + np.exp(-rand(4, 3))),
    }


LOSSES = [
    ("MSELoss", {}, "real", "real"), ("MSELoss", dict(reduction="sum"), "real", "real"),
    ("L1Loss", dict(reduction="none"), "real", "real"),
    ("SmoothL1Loss", dict(beta=0.5), "real", "real"),
    ("HuberLoss", dict(delta=0.7), "real", "real"),
    ("CrossEntropyLoss", {}, "real", "cls"),
    ("CrossEntropyLoss", dict(weight=np.array([1.0, 2.0, 0.5], np.float32),
                              ignore_index=1, label_smoothing=0.1), "real", "cls"),
    ("CrossEntropyLoss", {}, "real", "prob"),
    ("NLLLoss", dict(reduction="sum"), "real", "cls"),
    ("BCELoss", {}, "unit", "binary"),
    ("BCEWithLogitsLoss", dict(pos_weight=np.array([1.0, 3.0, 0.5], np.float32)), "real",
     "binary"),
    ("KLDivLoss", dict(reduction="batchmean"), "real", "prob"),
]


@pytest.mark.parametrize("name,kwargs,inp,tgt", LOSSES)
def test_loss_modules_match_pytorch(name, kwargs, inp, tgt):
    def build(lib):
        kw = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        return getattr(lib.nn, name)(**kw)
    ours, ref = pair(REAL_TORCH, build)
    same_structure(ours, ref)
    t = _targets()
    xo, xr = inputs(REAL_TORCH, t[inp], t[tgt], requires_grad=False)
    xo[0].requires_grad_(), xr[0].requires_grad_()
    check_same(ours, ref, xo, xr)


# ----- transformer
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_transformer_encoder_matches_pytorch(norm_first, activation):
    def build(lib):
        layer = lib.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1,
                                               activation=activation, batch_first=True,
                                               norm_first=norm_first)
        return lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(8),
                                         enable_nested_tensor=False)
    ours, ref = pair(REAL_TORCH, build)
    same_structure(ours, ref)
    ours.eval(), ref.eval()
    xo, xr = inputs(REAL_TORCH, rand(2, 5, 8))
    check_same(ours, ref, xo, xr)
    kpm = np.array([[False] * 4 + [True], [False] * 5])
    mask = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
    outs = []
    for lib, mod, x in ((retrograd, ours, xo[0]), (REAL_TORCH, ref, xr[0])):
        with pytest.warns(UserWarning, match="^Support for mismatched src_key_padding_mask "
                          "and mask is deprecated"):
            outs.append(mod(x, mask=lib.tensor(mask), src_key_padding_mask=lib.tensor(kpm)))
        # the same masks, both boolean: no warning
        assert_close = np.testing.assert_allclose
        assert_close(to_np(mod(x, mask=lib.tensor(np.isinf(mask)),
                               src_key_padding_mask=lib.tensor(kpm))), to_np(outs[-1]),
                     rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_np(outs[0]), to_np(outs[1]), rtol=1e-4, atol=1e-5)


def test_transformer_nested_tensor_warning_as_pytorch():
    for lib in (retrograd, REAL_TORCH):
        layer = lib.nn.TransformerEncoderLayer(4, 2, 8)
        with pytest.warns(UserWarning, match="^enable_nested_tensor is True, but "
                          "self.use_nested_tensor is False because encoder_layer.self_attn."
                          "batch_first was not True"):
            lib.nn.TransformerEncoder(layer, 1)


MORE_LAYERS = [
    (lambda nn: nn.CosineSimilarity(dim=0), [(4, 3), (4, 3)]),
    (lambda nn: nn.PairwiseDistance(p=1.5, keepdim=True), [(4, 3), (4, 3)]),
    (lambda nn: nn.Dropout1d(0.2), [(2, 3, 4)]),
    (lambda nn: nn.Dropout2d(0.2), [(2, 3, 4, 4)]),
    (lambda nn: nn.AlphaDropout(0.2), [(2, 3)]),
]


@pytest.mark.parametrize("case", range(len(MORE_LAYERS)))
def test_more_layers_match_pytorch(case):
    factory, shapes = MORE_LAYERS[case]
    ours, ref = pair(REAL_TORCH, lambda lib: factory(lib.nn))
    same_structure(ours, ref)
    ours.eval(), ref.eval()
    xo, xr = inputs(REAL_TORCH, *[rand(*s) for s in shapes])
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

