"""What the benchmarks share: one BLAS/OpenMP thread for both libraries (torch runs with
set_num_threads(1)), and timing that interleaves them, a round of one library then a round
of the other, so that a change in the load of a shared machine hits both alike; each
library's figure is the median time per call over the rounds."""
import os
import statistics
import sys
import time

# (set before NumPy is imported, which reads them once; OpenBLAS's spinning worker threads
# also make small matmuls erratic on a busy machine)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def libraries():
    """{"retrograd": retrograd, "torch": torch}; torch only where it is installed."""
    import retrograd
    libs = {"retrograd": retrograd}
    try:
        import torch
    except ImportError:
        print("torch is not installed: retrograd's time only (pip install '.[bench]')")
    else:
        torch.set_num_threads(1)
        libs["torch"] = torch
    return libs


def interleaved(calls, rounds, per_round, warmup=5):
    """Median seconds per call of each zero-argument callable in ``calls`` (name ->
    callable), timed in alternating rounds of ``per_round`` calls."""
    for call in calls.values():
        for _ in range(warmup):
            call()
    times = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            t0 = time.perf_counter()
            for _ in range(per_round):
                call()
            times[name].append((time.perf_counter() - t0) / per_round)
    return {name: statistics.median(ts) for name, ts in times.items()}


def ratio_line(medians, target=None):
    """The ratio retrograd / torch as the benchmarks print it (None without torch)."""
    if "torch" not in medians:
        return None
    text = f"ratio retrograd / torch: {medians['retrograd'] / medians['torch']:.2f}x"
    return text + (f" (target <= {target}x)" if target is not None else "")


def compare_training(setup, step, rounds, per_round, unit="us", target=None):
    """Time ``step(lib, *setup(lib))`` in both libraries (fresh states, interleaved) and
    print each one's time per step and first loss (from another fresh state: the two
    libraries must agree on it), then the ratio."""
    libs = libraries()
    first_loss = {name: step(lib, *setup(lib)) for name, lib in libs.items()}
    states = {name: setup(lib) for name, lib in libs.items()}
    calls = {name: (lambda lib=lib, st=states[name]: step(lib, *st)) for name, lib in libs.items()}
    medians = interleaved(calls, rounds, per_round)
    scale = {"us": 1e6, "ms": 1e3}[unit]
    for name, t in medians.items():
        print(f"{name:>10}: {t * scale:8.{1 if unit == 'us' else 2}f} {unit} per training step, "
              f"first loss = {first_loss[name]:.6f}")
    line = ratio_line(medians, target)
    if line:
        print(line)


def optimizer_step(opt, loss):
    """The end of every training step: zero_grad, backward, step; the loss as a number."""
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()
