"""Benchmark "mlp": one training step of the digits MLP (batch 64, 64-128-128-10, ReLU,
cross-entropy, SGD with momentum), written with nn.functional and optim only, so it runs
the same under retrograd and PyTorch; both run in one process, interleaved, and the ratio
is printed. ``--tiny`` runs the same step at sizes 2-2-2-2 on a batch of 2, where compute
is negligible: what it measures is each library's own overhead per training step.

    python bench/mlp.py [--rounds 30] [--steps 20] [--tiny]
"""
import argparse

import _compare  # (first: it pins BLAS threads before NumPy is imported)
import numpy as np

SIZES, BATCH = (64, 128, 128, 10), 64


def setup(torch, seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(torch.tensor(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                                   requires_grad=True))
        params.append(torch.tensor(rng.uniform(-bound, bound, fan_out).astype(np.float32),
                                   requires_grad=True))
    x = torch.tensor(rng.standard_normal((BATCH, SIZES[0])).astype(np.float32))
    y = torch.tensor(rng.integers(0, SIZES[-1], BATCH))
    opt = torch.optim.SGD(params, lr=0.05, momentum=0.9)
    return params, x, y, opt


def step(torch, params, x, y, opt):
    F = torch.nn.functional
    h = x
    for i in range(0, len(params) - 2, 2):
        h = F.relu(F.linear(h, params[i], params[i + 1]))
    loss = F.cross_entropy(F.linear(h, params[-2], params[-1]), y)
    return _compare.optimizer_step(opt, loss)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--steps", type=int, default=20, help="training steps per round")
    ap.add_argument("--tiny", action="store_true", help="sizes 2-2-2-2, batch 2: overhead only")
    args = ap.parse_args()
    if args.tiny:
        global SIZES, BATCH
        SIZES, BATCH = (2, 2, 2, 2), 2
    _compare.compare_training(setup, step, args.rounds, args.steps, unit="us",
                              target=None if args.tiny else 1.0)

if __name__ == "__main__":
    main()
