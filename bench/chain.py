"""Benchmark "chain": a 0-d x with requires_grad; 1,000 times y = y * 1.0001 + 0.001;
y.backward(). retrograd and PyTorch run the same workload in one process, interleaved;
prints the ratio.

    python bench/chain.py [--ops 1000] [--repeat 30]
"""
import argparse

import _compare


def workload(torch, n_ops):
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(n_ops):
        y = y * 1.0001 + 0.001
    y.backward()
    return x.grad.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=30, help="rounds (of one run each)")
    args = ap.parse_args()
    libs = _compare.libraries()
    grads = {name: workload(lib, args.ops) for name, lib in libs.items()}
    calls = {name: (lambda lib=lib: workload(lib, args.ops)) for name, lib in libs.items()}
    medians = _compare.interleaved(calls, args.repeat, 1, warmup=1)
    n = 2 * args.ops  # ops per run: one mul and one add per step
    for name, t in medians.items():
        print(f"{name:>10}: {t * 1e3:8.2f} ms per run, {t / n * 1e6:6.2f} us per op "
              f"(forward + backward), dx = {grads[name]:.6f}")
    line = _compare.ratio_line(medians, target=0.7)
    if line:
        print(line)


if __name__ == "__main__":
    main()
