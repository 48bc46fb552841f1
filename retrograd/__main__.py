"""``python -m retrograd``: the built-in demo (the seed notebook's autograd tour, narrated, then
a network trained on handwritten digits); ``python -m retrograd run SCRIPT [ARGS]`` runs a
PyTorch script with torch -> retrograd."""
import argparse
import runpy
import sys

USAGE = """usage: python -m retrograd [--epochs N] [--seed S]
                                     run the autograd tour, then train on the digits
       python -m retrograd run SCRIPT [ARGS...]
                                     run a PyTorch script with `torch` resolving to retrograd"""


def tour():
    import retrograd as torch

    def say(text):
        print(f"\n# {text}")

    def show(code, env):
        print(">>> " + code.replace("\n", "\n... "))
        try:
            compiled = compile(code, "<tour>", "eval")
        except SyntaxError:
            exec(code, env)
            return
        result = eval(compiled, env)
        if result is not None:
            print(repr(result))

    env = {"torch": torch}
    print("retrograd: PyTorch's define-by-run autograd, on NumPy. A tour of the seed notebook.")
    say("Tensors track operations only when they require grad.")
    for line in ["x = torch.ones(1)", "x.requires_grad", "y = torch.ones(1)", "z = x + y",
                 "z.requires_grad", "w = torch.ones(1, requires_grad=True)", "total = w + z",
                 "total.requires_grad", "z.grad == x.grad == y.grad == None"]:
        show(line, env)
    say("A graph is recorded as you compute: each result's grad_fn points back to its inputs.")
    for line in ["x = torch.tensor([3], dtype=torch.float, requires_grad=True)",
                 "y = 2*x + 3", "y", "y.grad_fn", "y.grad_fn.next_functions",
                 "y.grad_fn.next_functions[0][0].next_functions",
                 "y.grad_fn.next_functions[0][0].next_functions[0][0].next_functions"]:
        show(line, env)
    say("backward() walks the graph and accumulates dy/dx into the leaf's .grad (here 2).")
    for line in ["y.backward()", "x.grad"]:
        show(line, env)
    say("Gradients accumulate across backward calls until you reset them.")
    for line in ["y = (x * x).sum()", "y.backward()", "x.grad", "x.grad = None"]:
        show(line, env)
    say("detach() shares the data but leaves the graph; no_grad() records nothing.")
    for line in ["z = x.detach()", "z.requires_grad", "with torch.no_grad():\n    y = x * 2",
                 "y.requires_grad"]:
        show(line, env)
    say("Any chain of operations works, e.g. d/dv of sum(sigmoid(W @ v)):")
    for line in ["_ = torch.manual_seed(0)", "W = torch.randn(3, 2, requires_grad=True)",
                 "v = torch.tensor([1.0, -1.0], requires_grad=True)",
                 "out = torch.sigmoid(W @ v).sum()", "out", "out.backward()", "v.grad"]:
        show(line, env)
    print("\nRun your own PyTorch autograd code unchanged: python -m retrograd run SCRIPT")


def demo_parser():
    from ._demo import DEFAULT_EPOCHS
    parser = argparse.ArgumentParser(prog="python -m retrograd", usage=USAGE[len("usage: "):],
                                     description="The autograd tour, then a training demo.")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                        help=f"training epochs of the digits demo (default {DEFAULT_EPOCHS}; "
                             "1 is a quick check)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights, the data split and the batch order")
    return parser


def demo(argv):
    args = demo_parser().parse_args(argv)
    tour()
    from . import _demo
    missing = _demo.missing_requirements()
    if missing:
        print(f"\nThe training demo did not run: it needs {' and '.join(missing)}, which "
              f"{'is' if len(missing) == 1 else 'are'} not installed. Install with\n    "
              f"{_demo.INSTALL_HINT}\nand run python -m retrograd again.")
        return 0
    _demo.run(epochs=args.epochs, seed=args.seed)
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["run"]:
        return demo(argv)
    if len(argv) < 2:
        print(USAGE, file=sys.stderr)
        return 2
    from ._torch_alias import install
    install()
    script = argv[1]
    sys.argv = argv[1:]
    sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
