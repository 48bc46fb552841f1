"""Benchmark "mlp": one training step of the digits MLP (batch 64, 64-128-128-10, ReLU,
cross-entropy, SGD with momentum), written with nn.functional and optim only, so it runs
the same under retrograd and PyTorch; both run in one process and the ratio is printed.

    python bench/mlp.py [--repeat 200]
"""
import argparse
import os
import statistics
import sys
import time

# One BLAS thread, as torch.set_num_threads(1) below: a like-for-like comparison, and
# OpenBLAS's spinning worker threads make small matmuls erratic on a busy shared machine.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the thread settings, which NumPy reads at import)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

SIZES = (64, 128, 128, 10)


def setup(torch, seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(torch.tensor(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                                   requires_grad=True))
        params.append(torch.tensor(rng.uniform(-bound, bound, fan_out).astype(np.float32),
                                   requires_grad=True))
    x = torch.tensor(rng.standard_normal((64, SIZES[0])).astype(np.float32))
    y = torch.tensor(rng.integers(0, SIZES[-1], 64))
    opt = torch.optim.SGD(params, lr=0.05, momentum=0.9)
    return params, x, y, opt


def step(torch, params, x, y, opt):
    F = torch.nn.functional
    h = x
    for i in range(0, len(params) - 2, 2):
        h = F.relu(F.linear(h, params[i], params[i + 1]))
    loss = F.cross_entropy(F.linear(h, params[-2], params[-1]), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def measure(torch, repeat):
    state = setup(torch)
    for _ in range(5):  # warm up
        step(torch, *state)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step(torch, *state)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), step(torch, *setup(torch))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    import retrograd
    results = {"retrograd": measure(retrograd, args.repeat)}
    try:
        import torch
        torch.set_num_threads(1)
        results["torch"] = measure(torch, args.repeat)
    except ImportError:
        print("torch is not installed: retrograd's time only (pip install '.[bench]')")
    for name, (t, loss) in results.items():
        print(f"{name:>10}: {t * 1e6:8.1f} us per training step, first loss = {loss:.6f}")
    if "torch" in results:
        print(f"ratio retrograd / torch: {results['retrograd'][0] / results['torch'][0]:.2f}x "
              "(target <= 1.0x)")


if __name__ == "__main__":
    main()
