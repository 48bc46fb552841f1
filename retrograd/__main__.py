"""``python -m retrograd``: the built-in demo (the seed notebook's autograd tour, narrated);
``python -m retrograd run SCRIPT [ARGS]`` runs a PyTorch script with torch -> retrograd."""
import runpy
import sys

USAGE = """usage: python -m retrograd            run the built-in autograd tour
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


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        tour()
        return 0
    if argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    if argv[0] != "run" or len(argv) < 2:
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
