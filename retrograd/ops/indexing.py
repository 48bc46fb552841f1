"""Indexing primitives: gather/scatter, index_select/index_add, masked ops, take, nonzero,
advanced ``__getitem__`` and ``__setitem__``."""

__all__ = []  # public functions, re-exported as retrograd.X
METHODS = {}  # Tensor methods, merged by ops/__init__.py
