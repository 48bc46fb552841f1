"""The command line: the seed tour under `python -m retrograd run` prints exactly what
PyTorch printed for it, the built-in demo runs, and scripts see torch as retrograd."""
import os
import re
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared", "conformance")


def run_retrograd(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "retrograd", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def normalized(text):
    return [re.sub(r"0x[0-9a-fA-F]+", "0xADDR", line).rstrip() for line in text.splitlines()]


@pytest.mark.parametrize("folder", [os.path.join(HERE, "conformance"), SHARED])
def test_seed_tour_prints_what_pytorch_prints(folder):
    if not os.path.exists(os.path.join(folder, "seed_tour.py")):
        pytest.skip(f"{folder} not present")
    proc = run_retrograd("run", "seed_tour.py", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    with open(os.path.join(folder, "seed_tour.expected")) as f:
        expected = f.read()
    assert normalized(proc.stdout) == normalized(expected)


def test_demo_runs_the_narrated_tour():
    proc = run_retrograd()
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "tensor([9.], grad_fn=<AddBackward0>)" in out
    assert "<AccumulateGrad object at 0x" in out
    assert "x.grad\ntensor([2.])" in out


def test_run_passes_arguments_and_resolves_submodules(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import sys
        import torch
        import torch.autograd
        from torch.autograd import grad
        x = torch.tensor(2.0, requires_grad=True)
        print(sys.argv[1:], grad(x * x, x)[0], torch.__name__)
    """))
    proc = run_retrograd("run", str(script), "a", "--b")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['a', '--b'] tensor(4.) retrograd"


def test_run_names_a_missing_submodule(tmp_path):
    script = tmp_path / "script.py"
    script.write_text("import torch.distributed\n")
    proc = run_retrograd("run", str(script))
    assert proc.returncode != 0
    assert "ImportError" in proc.stderr and "torch.distributed" in proc.stderr


def test_usage_errors():
    proc = run_retrograd("frobnicate")
    assert proc.returncode == 2 and "usage" in proc.stderr
