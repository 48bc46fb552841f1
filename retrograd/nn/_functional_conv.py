"""nn.functional: _functional_conv (see nn/functional.py)."""

__all__ = []
