"""Benchmark "cnn": one training step of a small CNN on a batch of 64 single-channel 28x28
images (MNIST-sized; --size 8 gives the digits demo's 8x8): conv(1->8, 3x3, pad 1), ReLU,
max_pool2d(2), conv(8->16, 3x3, pad 1), ReLU, max_pool2d(2), flatten, linear(-> 10),
cross-entropy, SGD with momentum. Written with nn.functional and optim only, so it runs the
same under retrograd and PyTorch; both run in one process, start from the same weights
(the first losses printed must agree) and the ratio is printed. Both libraries run on one
BLAS thread, timed in interleaved rounds (bench/_compare.py).

    python bench/cnn.py [--rounds 20] [--steps 5] [--size 28]
"""
import argparse

import _compare  # (first: it pins BLAS threads before NumPy is imported)
import numpy as np

BATCH, CLASSES = 64, 10
CONVS = ((1, 8), (8, 16))  # (in, out) channels of the 3x3 convolutions


def setup(torch, size, seed=0):
    rng = np.random.default_rng(seed)

    def param(shape, fan_in):
        bound = 1 / np.sqrt(fan_in)
        return torch.tensor(rng.uniform(-bound, bound, shape).astype(np.float32),
                            requires_grad=True)

    params = []
    for cin, cout in CONVS:
        params += [param((cout, cin, 3, 3), cin * 9), param(cout, cin * 9)]
    features = CONVS[-1][1] * (size // 4) ** 2
    params += [param((CLASSES, features), features), param(CLASSES, features)]
    x = torch.tensor(rng.standard_normal((BATCH, 1, size, size)).astype(np.float32))
    y = torch.tensor(rng.integers(0, CLASSES, BATCH))
    opt = torch.optim.SGD(params, lr=0.05, momentum=0.9)
    return params, x, y, opt


def step(torch, params, x, y, opt):
    F = torch.nn.functional
    h = x
    for i in range(0, len(params) - 2, 2):
        h = F.max_pool2d(F.relu(F.conv2d(h, params[i], params[i + 1], padding=1)), 2)
    loss = F.cross_entropy(F.linear(h.flatten(1), params[-2], params[-1]), y)
    return _compare.optimizer_step(opt, loss)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--steps", type=int, default=5, help="training steps per round")
    ap.add_argument("--size", type=int, default=28, help="image height and width (28 or 8)")
    args = ap.parse_args()
    _compare.compare_training(lambda lib: setup(lib, args.size), step, args.rounds, args.steps, unit="ms")

if __name__ == "__main__":
    main()
