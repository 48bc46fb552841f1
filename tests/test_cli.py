"""The command line: the seed tour under `python -m retrograd run` prints exactly what
PyTorch printed for it, the built-in demo runs (the tour, then training on the digits), and
scripts see torch as retrograd."""
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
    return subprocess.run([sys.executable, "-m", "retrograd", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


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


def assert_tour(out):
    assert "tensor([9.], grad_fn=<AddBackward0>)" in out
    assert "<AccumulateGrad object at 0x" in out
    assert "x.grad\ntensor([2.])" in out


def demo_accuracy(out):
    match = re.search(r"test accuracy: ([\d.]+)% \((\d+)/(\d+) test images\)", out)
    assert match, out
    correct, total = int(match.group(2)), int(match.group(3))
    assert total == 360 and abs(float(match.group(1)) - 100 * correct / total) < 0.01
    return correct / total


def test_demo_runs_the_tour_then_learns_the_digits():
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    proc = run_retrograd()
    assert proc.returncode == 0, proc.stderr
    assert_tour(proc.stdout)
    assert "after 20 epochs" in proc.stdout
    assert demo_accuracy(proc.stdout) >= 0.95


def test_demo_quick_mode_prints_the_summary_the_bar_and_the_accuracy():
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    proc = run_retrograd("--epochs", "1", "--seed", "1")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert_tour(out)
    assert out.index("<AccumulateGrad object") < out.index("DigitsNet(\n  (flatten): Flatten(")
    assert "    (4): Linear(in_features=128, out_features=10, bias=True)\n  )\n)\n" in out
    assert re.search(r"layers\.2 \(Linear\) +\[-1, 128\] +16,512\n", out)
    assert "Total trainable parameters: 26,122" in out
    assert re.search(r"23/23 .*epoch 1/1, loss=[\d.]+", proc.stderr), proc.stderr
    assert demo_accuracy(out) > 0.5 and "after 1 epoch\n" in out
    assert re.search(r"wall time: [\d.]+ s", out)


def test_demo_model_prints_as_pytorch_prints_it():
    torch = pytest.importorskip("torch")
    from retrograd._demo import DigitsNet

    class TorchDigitsNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            nn = torch.nn
            self.flatten = nn.Flatten()
            self.layers = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128),
                                        nn.ReLU(), nn.Linear(128, 10))
    TorchDigitsNet.__name__ = "DigitsNet"
    assert repr(DigitsNet()) == repr(TorchDigitsNet())
    assert (sum(p.numel() for p in DigitsNet().parameters())
            == sum(p.numel() for p in TorchDigitsNet().parameters()) == 26122)


def test_demo_without_its_packages_says_how_to_install_them():
    hide = "import sys; sys.modules['sklearn'] = None; import runpy; "
    proc = subprocess.run(
        [sys.executable, "-c", hide + "runpy.run_module('retrograd', run_name='__main__')"],
        env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert_tour(proc.stdout)
    assert "The training demo did not run: it needs scikit-learn, which is not installed" \
        in proc.stdout
    assert 'pip install "retrograd[demo]"' in proc.stdout


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
    proc = run_retrograd("run")
    assert proc.returncode == 2 and "usage" in proc.stderr
    proc = run_retrograd("-h")
    assert proc.returncode == 0 and "run SCRIPT" in proc.stdout and "--epochs" in proc.stdout
