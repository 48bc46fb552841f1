"""nn.functional: _functional_basic (see nn/functional.py)."""

__all__ = []
