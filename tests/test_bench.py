"""The benchmarks stay runnable: each runs once at its smallest size and prints its
figures (no timing is judged here: the machines are shared and noisy), and where PyTorch
is installed, both libraries report the same result of the same workload."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHES = {  # name: the script and its smallest arguments
    "chain": ["chain.py", "--ops", "50", "--repeat", "1"],
    "mlp": ["mlp.py", "--rounds", "1", "--steps", "1"],
    "mlp-tiny": ["mlp.py", "--rounds", "1", "--steps", "1", "--tiny"],
    "cnn": ["cnn.py", "--rounds", "1", "--steps", "1", "--size", "8"],
}


def _run(script, *args):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "bench", script), *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("name", sorted(BENCHES))
def test_bench_runs_and_both_libraries_agree(name):
    out = _run(*BENCHES[name])
    assert re.search(r"retrograd: .* (us|ms)", out)
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    assert "ratio retrograd / torch:" in out
    results = dict(re.findall(r"^\s*(retrograd|torch):.*(?:=|loss =) ?(-?[0-9.]+)$", out, re.M))
    assert set(results) == {"retrograd", "torch"}, out
    assert abs(float(results["retrograd"]) - float(results["torch"])) < 1e-5, out
