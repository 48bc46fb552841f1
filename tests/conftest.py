"""Fixtures shared by the suite: the library under test as ``m`` (retrograd, then PyTorch
as the oracle when installed), and guards that fail a test leaking global state."""
import re
import sys

import pytest

import retrograd


def _real_torch():
    """PyTorch, captured at collection (before anything routes `import torch` to us)."""
    try:
        import torch
    except ImportError:
        return None
    return torch if hasattr(torch, "_C") else None


REAL_TORCH = _real_torch()  # None when the oracle is not installed


@pytest.fixture(params=["retrograd", "torch"])
def m(request):
    """The library under test: retrograd, then PyTorch as the oracle."""
    if request.param == "torch":
        return pytest.importorskip("torch")
    return retrograd


def _libraries():
    return [lib for lib in (retrograd, sys.modules.get("torch")) if lib is not None]


@pytest.fixture(autouse=True)
def global_state_left_alone():
    """Every test must leave grad mode on and the default dtype float32; a leak is
    reported here, not in the later tests it would break."""
    yield
    for lib in _libraries():
        grad_leaked = not lib.is_grad_enabled()
        dtype_leaked = lib.get_default_dtype() is not lib.float32
        lib.set_grad_enabled(True)
        lib.set_default_dtype(lib.float32)
        assert not grad_leaked, f"the test left {lib.__name__}'s grad mode disabled"
        assert not dtype_leaked, f"the test changed {lib.__name__}'s default dtype"


def raises_exact(exc_type, text):
    """pytest.raises that also demands PyTorch's first line, word for word."""
    return pytest.raises(exc_type, match="^" + re.escape(text))
