"""Benchmark "conv": conv2d forward + backward on a (64, 8, 28, 28) float32 batch with 16
3x3 filters and a bias (padding 1), then max_pool2d(2) forward + backward. retrograd and
PyTorch run the same workload in one process, on one BLAS thread each, timed in
interleaved rounds (bench/_compare.py); prints the medians and the ratio.

    python bench/conv.py [--rounds 15] [--calls 4]
"""
import argparse

import _compare  # (first: it pins BLAS threads before NumPy is imported)
import numpy as np


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--calls", type=int, default=4, help="calls per round")
    args = ap.parse_args()
    libs = _compare.libraries()
    for name, step in (("conv2d fwd+bwd", conv_step), ("max_pool2d fwd+bwd", pool_step)):
        states = {lib_name: setup(lib) for lib_name, lib in libs.items()}
        calls = {lib_name: (lambda lib=lib, st=states[lib_name]: step(lib, *st))
                 for lib_name, lib in libs.items()}
        medians = _compare.interleaved(calls, args.rounds, args.calls, warmup=2)
        line = f"{name:20s} retrograd {medians['retrograd'] * 1e3:8.2f} ms"
        if "torch" in medians:
            line += (f"   torch {medians['torch'] * 1e3:8.2f} ms   ratio "
                     f"{medians['retrograd'] / medians['torch']:5.2f}x")
        print(line)


if __name__ == "__main__":
    main()
