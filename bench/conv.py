"""Benchmark "conv": conv2d forward + backward on a (64, 8, 28, 28) float32 batch with 16
3x3 filters and a bias (padding 1), then max_pool2d(2) forward + backward. retrograd and
PyTorch run the same workload in one process; prints the medians and the ratio.

    python bench/conv.py [--repeat 10]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def setup(torch):
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((64, 8, 28, 28), dtype=np.float32))
    w = torch.tensor(rng.standard_normal((16, 8, 3, 3), dtype=np.float32) * 0.1,
                     requires_grad=True)
    b = torch.tensor(np.zeros(16, np.float32), requires_grad=True)
    return x.requires_grad_(), w, b


def conv_step(torch, x, w, b):
    y = torch.nn.functional.conv2d(x, w, b, padding=1)
    y.sum().backward()


def pool_step(torch, x, w, b):
    torch.nn.functional.max_pool2d(x, 2).sum().backward()


def measure(torch, step, repeat):
    args = setup(torch)
    step(torch, *args)  # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step(torch, *args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    import retrograd
    try:
        import torch
    except ImportError:
        torch = None
    for name, step in (("conv2d fwd+bwd", conv_step), ("max_pool2d fwd+bwd", pool_step)):
        r = measure(retrograd, step, args.repeat)
        line = f"{name:20s} retrograd {r * 1e3:8.2f} ms"
        if torch is not None:
            t = measure(torch, step, args.repeat)
            line += f"   torch {t * 1e3:8.2f} ms   ratio {r / t:5.2f}x"
        print(line)


if __name__ == "__main__":
    main()
