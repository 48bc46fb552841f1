"""torch.nn convolution, pooling, padding and upsampling layers against PyTorch (weights
copied across; outputs, gradients, reprs and state-dict keys), and a few training steps of
a small conv net."""
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
