"""Makes ``import torch`` (and ``torch.X`` submodules) resolve to retrograd, for
``python -m retrograd run SCRIPT``; a submodule retrograd lacks fails with a clear ImportError."""
import importlib
import importlib.abc
import importlib.util
import sys


class _Alias(importlib.abc.Loader):
    def __init__(self, real):
        self.real = real

    def create_module(self, spec):
        return importlib.import_module(self.real)

    def exec_module(self, module):
        pass


class TorchAsRetrograd(importlib.abc.MetaPathFinder):
    """A meta-path finder that answers for ``torch`` and ``torch.*``."""

    def find_spec(self, name, path, target=None):
        if name != "torch" and not name.startswith("torch."):
            return None
        real = "retrograd" + name[len("torch"):]
        try:
            spec = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            raise ImportError(
                f"retrograd has no counterpart of '{name}' (looked for '{real}'); this "
                f"script needs a part of PyTorch that retrograd does not provide yet",
                name=name)
        return importlib.util.spec_from_loader(name, _Alias(real))


def install():
    """Route later ``import torch`` statements to retrograd (idempotent)."""
    import retrograd  # noqa: F401  (loaded first: the library never imports real torch)
    if not any(isinstance(f, TorchAsRetrograd) for f in sys.meta_path):
        sys.meta_path.insert(0, TorchAsRetrograd())
    for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
        del sys.modules[name]
