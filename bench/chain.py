"""Benchmark "chain": a 0-d x with requires_grad; 1,000 times y = y * 1.0001 + 0.001;
y.backward(). retrograd and PyTorch run the same workload in one process; prints the ratio.

    python bench/chain.py [--ops 1000] [--repeat 30]
"""
import argparse
import os
import sys
import statistics
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def workload(torch, n_ops):
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(n_ops):
        y = y * 1.0001 + 0.001
    y.backward()
    return x.grad.item()


def measure(torch, n_ops, repeat):
    workload(torch, n_ops)  # warm up (imports, caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        workload(torch, n_ops)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    import retrograd
    results = {"retrograd": measure(retrograd, args.ops, args.repeat)}
    grads = {"retrograd": workload(retrograd, args.ops)}
    try:
        import torch
        torch.set_num_threads(1)
        results["torch"] = measure(torch, args.ops, args.repeat)
        grads["torch"] = workload(torch, args.ops)
    except ImportError:
        print("torch is not installed: retrograd's time only (pip install '.[bench]')")
    n = 2 * args.ops  # ops per run: one mul and one add per step
    for name, t in results.items():
        print(f"{name:>10}: {t * 1e3:8.2f} ms per run, {t / n * 1e6:6.2f} us per op "
              f"(forward + backward), dx = {grads[name]:.6f}")
    if "torch" in results:
        print(f"ratio retrograd / torch: {results['retrograd'] / results['torch']:.2f}x "
              "(target <= 0.7x)")


if __name__ == "__main__":
    main()
