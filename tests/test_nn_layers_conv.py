"""torch.nn convolution, pooling, padding and upsampling layers against PyTorch (weights
copied across; outputs, gradients, reprs and state-dict keys), and a few training steps of
a small conv net."""
import re
import warnings

import numpy as np
import pytest

import retrograd
from conftest import REAL_TORCH
from nn_helpers import pair, inputs, check_same, to_np
from test_nn_layers import rand, same_structure, RNG

pytestmark = pytest.mark.skipif(REAL_TORCH is None, reason="PyTorch not installed")

CONV_CASES = [
    (lambda nn: nn.Conv1d(3, 4, 3, stride=2, padding=1), [(2, 3, 9)]),
    (lambda nn: nn.Conv2d(4, 6, (3, 2), padding="same", dilation=(1, 2), groups=2,
                          bias=False), [(2, 4, 6, 7)]),
    (lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), [(1, 2, 5, 5)]),
    (lambda nn: nn.Conv2d(2, 3, 3, padding=2, padding_mode="circular"), [(1, 2, 5, 5)]),
    (lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
     [(2, 4, 4, 3)]),
    (lambda nn: nn.MaxPool1d(3, stride=2, ceil_mode=True), [(2, 3, 10)]),
    (lambda nn: nn.MaxPool2d(2), [(2, 3, 6, 6)]),
    (lambda nn: nn.MaxPool2d(3, stride=2, padding=1, return_indices=True), [(1, 2, 7, 7)]),
    (lambda nn: nn.AvgPool1d(3, stride=1, padding=1), [(2, 3, 10)]),
    (lambda nn: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
     [(2, 3, 7, 7)]),
    (lambda nn: nn.AdaptiveAvgPool1d(4), [(2, 3, 10)]),
    (lambda nn: nn.AdaptiveAvgPool2d((3, 2)), [(2, 3, 7, 5)]),
]


@pytest.mark.parametrize("case", range(len(CONV_CASES)))
@pytest.mark.parametrize("training", [True, False])
def test_conv_pool_layers_match_pytorch(case, training):
    factory, shapes = CONV_CASES[case]
    ours, ref = pair(REAL_TORCH, lambda lib: factory(lib.nn))
    same_structure(ours, ref)
    ours.train(training), ref.train(training)
    xo, xr = inputs(REAL_TORCH, *[rand(*s) for s in shapes])
    check_same(ours, ref, xo, xr)


PAD_UPSAMPLE = [
    (lambda nn: nn.Upsample(scale_factor=2), [(1, 2, 3, 3)]),
    (lambda nn: nn.Upsample(size=(5, 4), mode="bilinear", align_corners=True), [(1, 2, 3, 3)]),
    (lambda nn: nn.Upsample(scale_factor=(2, 1.5), mode="bilinear"), [(1, 2, 4, 4)]),
    (lambda nn: nn.ZeroPad2d(2), [(1, 2, 3, 3)]),
    (lambda nn: nn.ZeroPad1d((1, 2)), [(2, 3)]),
    (lambda nn: nn.ConstantPad1d((1, 2), 3.5), [(2, 3, 4)]),
    (lambda nn: nn.ConstantPad2d(1, -1.0), [(2, 3, 4)]),
    (lambda nn: nn.ReflectionPad1d(2), [(2, 3, 5)]),
    (lambda nn: nn.ReflectionPad2d((1, 0, 2, 1)), [(1, 2, 4, 4)]),
    (lambda nn: nn.ReplicationPad1d(2), [(2, 3, 5)]),
    (lambda nn: nn.ReplicationPad2d(1), [(1, 2, 4, 4)]),
    (lambda nn: nn.CircularPad1d(1), [(2, 3, 5)]),
    (lambda nn: nn.CircularPad2d((1, 2, 0, 1)), [(1, 2, 4, 4)]),
]


@pytest.mark.parametrize("case", range(len(PAD_UPSAMPLE)))
def test_padding_and_upsample_match_pytorch(case):
    factory, shapes = PAD_UPSAMPLE[case]
    ours, ref = pair(REAL_TORCH, lambda lib: factory(lib.nn))
    same_structure(ours, ref)
    xo, xr = inputs(REAL_TORCH, *[rand(*s) for s in shapes])
    check_same(ours, ref, xo, xr)


def test_training_steps_match_pytorch():
    """Five plain SGD steps of a small conv net: the same losses and weights as PyTorch."""
    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 16),
                             nn.GELU(), nn.LayerNorm(16), nn.Linear(16, 3))
    ours, ref = pair(REAL_TORCH, build)
    x = rand(8, 1, 8, 8)
    y = RNG.integers(0, 3, 8)
    losses = []
    for lib, mod in ((retrograd, ours), (REAL_TORCH, ref)):
        lossf, xs, ys, got = lib.nn.CrossEntropyLoss(), lib.tensor(x), lib.tensor(y), []
        for _ in range(5):
            mod.zero_grad()
            loss = lossf(mod(xs), ys)
            loss.backward()
            lib.nn.utils.clip_grad_norm_(mod.parameters(), 1.0)
            with lib.no_grad():
                for p in mod.parameters():
                    p -= 0.1 * p.grad
            got.append(loss.item())
        losses.append(got)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)
    for (n, a), (_, b) in zip(ours.state_dict().items(), ref.state_dict().items()):
        np.testing.assert_allclose(to_np(a), to_np(b), rtol=1e-4, atol=1e-5, err_msg=n)


# every layer's repr, state-dict keys and constructor errors, option by option
LAYER_BUILDS = [
    "nn.ReLU(True)", "nn.ReLU6(True)", "nn.ReLU6()", "nn.SELU(inplace=True)", "nn.Mish()",
    "nn.Hardtanh(-2.0, 3, True)", "nn.Hardtanh(min_value=-0.5, max_value=0.5)",
    "nn.Hardtanh(1.0, 0.0)", "nn.LeakyReLU(0.3, True)", "nn.ELU(0.5, True)", "nn.CELU()",
    "nn.GELU('tanh')", "nn.Softplus(2, 10)", "nn.Threshold(0.1, 20.0, True)",
    "nn.Threshold(0.1)", "nn.Softshrink(0.25)", "nn.Hardshrink()", "nn.Softmax()",
    "nn.LogSoftmax(1)", "nn.Softmin(dim=-1)", "nn.GLU()", "nn.Tanh()", "nn.Tanh(3)",
    "nn.Sigmoid(inplace=True)", "nn.LogSigmoid()", "nn.Softsign()", "nn.Tanhshrink()",
    "nn.PReLU(3, 0.1)", "nn.Dropout()", "nn.Dropout(0.2, True)", "nn.Dropout(1.5)",
    "nn.Dropout1d(0.1)", "nn.Dropout2d(p=0.3)", "nn.AlphaDropout(0.0)", "nn.Dropout(-0.1)",
    "nn.MaxPool1d(3)", "nn.MaxPool2d((2, 3), 1, 1, 2, True, True)", "nn.AvgPool1d(3, 2, 1)",
    "nn.AvgPool1d((4,))", "nn.AvgPool2d(3, None, 1, True, False, 2)",
    "nn.AdaptiveAvgPool1d(5)", "nn.AdaptiveAvgPool2d((2, None))",
    "nn.Conv1d(2, 4, 3)", "nn.Conv1d(2, 4, 3, 2, 'valid', bias=False)",
    "nn.Conv2d(4, 6, (3, 2), padding='same', dilation=(1, 2), groups=2)",
    "nn.Conv2d(2, 3, 3, padding=(1, 0), padding_mode='replicate')",
    "nn.Conv2d(2, 3, 3, stride=2, padding='same')", "nn.Conv2d(2, 3, 3, padding='full')",
    "nn.Conv2d(2, 3, 3, padding_mode='wrap')", "nn.Conv2d(3, 3, 3, groups=2)",
    "nn.Conv2d(2, 3, 3, groups=0)", "nn.Conv2d(2, 3, 3, groups=2)",
    "nn.ConvTranspose2d(4, 2, 3, 2, 1, 1, 2, False, 2)",
    "nn.ConvTranspose2d(4, 2, 3, padding_mode='reflect')",
    "nn.Linear(3, 2, False)", "nn.Bilinear(2, 3, 4, bias=False)", "nn.Identity(1, a=2)",
    "nn.BatchNorm1d(3, 1e-3, None, False, False)", "nn.BatchNorm2d(4, bias=False)",
    "nn.LayerNorm([2, 3], 1e-6, False)", "nn.LayerNorm(4, bias=False)",
    "nn.GroupNorm(2, 4, affine=False)", "nn.GroupNorm(3, 4)", "nn.GroupNorm(2, 4, bias=False)",
    "nn.Embedding(5, 3, padding_idx=-1, max_norm=1.0, norm_type=1.0, sparse=True)",
    "nn.ZeroPad2d((1, 2, 0, 1))", "nn.ConstantPad1d(2, 0.5)", "nn.ReflectionPad2d(1)",
    "nn.Flatten(0, 2)", "nn.Unflatten(1, (2, 3))", "nn.Upsample(scale_factor=2)",
    "nn.Upsample((4, 5), mode='bilinear', align_corners=True)",
    "nn.CosineSimilarity(0)", "nn.PairwiseDistance(1.0, keepdim=True)",
    "nn.CrossEntropyLoss(label_smoothing=0.1)", "nn.MSELoss(reduction='sum')",
    "nn.L1Loss(size_average=False)", "nn.MSELoss(None, False)", "nn.BCELoss(None, 0, 1)",
    "nn.CrossEntropyLoss(None, True, 2, False)", "nn.NLLLoss()", "nn.BCEWithLogitsLoss()",
    "nn.KLDivLoss(log_target=True)", "nn.HuberLoss('sum', 0.5)", "nn.SmoothL1Loss(beta=0.5)",
    "nn.MSELoss(1, 2, 3, 4)", "nn.HuberLoss(delta=1, beta=2)",
    "nn.RNN(3, 4, 2, nonlinearity='relu', bias=False, bidirectional=True)",
    "nn.LSTM(3, 4, num_layers=2, proj_size=2, batch_first=True)", "nn.GRU(2, 3, dropout=0.5)",
    "nn.LSTM(3, 2, proj_size=2)", "nn.RNN(3, 4, proj_size=1)", "nn.GRU(3, 0)",
    "nn.RNNCell(3, 4, False, 'relu')", "nn.LSTMCell(3, 4)", "nn.GRUCell(3, 4, bias=False)",
    "nn.MultiheadAttention(6, 2)", "nn.MultiheadAttention(6, 3, bias=False, kdim=4, vdim=5)",
    "nn.MultiheadAttention(6, 4)",
    "nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True, norm_first=True)",
    "nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(True), nn.MaxPool2d(2),"
    " nn.Flatten(), nn.Dropout(0.25), nn.Linear(8, 2))",
]


@pytest.mark.parametrize("build", LAYER_BUILDS)
def test_layer_repr_state_and_constructor_errors_as_pytorch(build):
    def make(lib):
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            try:
                module = eval(build, {"nn": lib.nn})
            except Exception as e:  # a set in a message prints in hash order: sorted here
                return type(e).__name__, re.sub(r"\{[^{}]*\}", lambda m: str(sorted(
                    m.group(0)[1:-1].split(", "))), str(e).split("\n")[0])
        return ([(w.category, str(w.message)) for w in warned],
                repr(module), list(module.state_dict()),
                [(n, tuple(p.shape)) for n, p in module.named_parameters()],
                sorted(k for k in vars(module) if not k.startswith("_")),
                list(module._buffers))
    assert make(retrograd) == make(REAL_TORCH)
