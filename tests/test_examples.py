"""Each script in examples/ runs (with shrunk sizes) and reaches the result its docstring
states; the cheap ones also run unchanged on real PyTorch."""
import ast
import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXAMPLES = os.path.join(ROOT, "examples")

# `import retrograd as torch` gets real torch: the proof that a script is PyTorch code
ON_REAL_TORCH = ("import runpy, sys, torch; sys.modules['retrograd'] = torch; "
                 "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


def run_example(name, *args, real_torch=False):
    path = os.path.join(EXAMPLES, name)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # the examples multiply small matrices, where a second BLAS thread costs more than it
    # gains, and on a busy 2-core machine several times more
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    command = ([sys.executable, "-c", ON_REAL_TORCH] if real_torch else [sys.executable])
    proc = subprocess.run([*command, path, *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def figure(pattern, text):
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in output:\n{text}"
    return float(match.group(1))


def check_polynomial_fit(out):
    ratio = figure(r"final mse: \S+ +\(least-squares optimum: \S+, ratio ([\d.]+)\)", out)
    assert ratio < 1.01
    assert figure(r"final mse: ([\d.]+)", out) < 0.01


def check_newton_hessian(out):
    assert figure(r"distance to \(1, 1\): (\S+)", out) < 1e-10
    assert figure(r"rosenbrock: .* after (\d+) Newton steps", out) < 10
    assert figure(r"logistic: \|grad\| (\S+)", out) < 1e-10
    assert figure(r"logistic: .* after (\d+) Newton steps", out) < 10


def test_polynomial_fit_reaches_the_least_squares_optimum():
    check_polynomial_fit(run_example("polynomial_fit.py", "--steps", 300, "--points", 50))


def test_newton_hessian_converges_to_the_known_minima():
    check_newton_hessian(run_example("newton_hessian.py", "--samples", 100))


def test_digits_mlp_learns_the_digits():
    pytest.importorskip("sklearn")
    out = run_example("digits_mlp.py", "--epochs", 5)
    assert "Sequential(\n  (0): Linear(in_features=64, out_features=128, bias=True)" in out
    assert figure(r"test accuracy: ([\d.]+)\n?$", out) >= 0.85


def test_digits_cnn_learns_the_digits():
    pytest.importorskip("sklearn")
    out = run_example("digits_cnn.py", "--epochs", 2, "--channels", 8)
    assert "(conv1): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))" in out
    assert figure(r"test accuracy: ([\d.]+)\n?$", out) >= 0.9


def test_char_transformer_loss_falls_and_it_continues_a_prompt():
    out = run_example("char_transformer.py", "--steps", 200, "--d-model", 32, "--layers", 1,
                      "--block", 16, "--batch-size", 16)
    assert figure(r"step +1  loss ([\d.]+)", out) > 3.0        # about ln(30): a guess
    assert figure(r"final loss: ([\d.]+)", out) < 1.5
    continuation = re.search(r"greedy continuation: '(.*)'", out).group(1)
    assert continuation.startswith("backward walks") and len(continuation) == 14 + 60


@pytest.mark.parametrize("name, args, check", [
    ("polynomial_fit.py", ("--steps", 300, "--points", 50), check_polynomial_fit),
    ("newton_hessian.py", ("--samples", 100), check_newton_hessian),
])
def test_example_runs_unchanged_on_pytorch(name, args, check):
    pytest.importorskip("torch")
    check(run_example(name, *args, real_torch=True))


def example_files():
    return sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".py"))


@pytest.mark.parametrize("name", example_files())
def test_example_is_pytorch_code_with_a_stated_result(name):
    with open(os.path.join(EXAMPLES, name)) as f:
        tree = ast.parse(f.read())
    doc = ast.get_docstring(tree)
    assert doc and "Result:" in doc and f"python examples/{name}" in doc
    imports = [(a.name, a.asname) for node in ast.walk(tree) if isinstance(node, ast.Import)
               for a in node.names]
    assert ("retrograd", "torch") in imports and "argparse" in dict(imports)
    assert not any(name == "torch" or name.startswith("torch.") for name, _ in imports)
    # `from torch import nn` would bypass the alias and fetch real torch
    assert not any(isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
        ("torch", "retrograd")) for node in ast.walk(tree))


def test_every_example_has_a_run_test():
    with open(os.path.abspath(__file__)) as f:
        source = f.read()
    for name in example_files():
        assert source.count(f'run_example("{name}"') >= 1, name
