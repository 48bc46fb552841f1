"""The op table's reduction entries (see tests/opinfo.py, which assembles every family)."""
import numpy as np  # noqa: F401

from opinfo_base import (Domain, T, S, OpInfo, REAL, POS, NONZERO, BOOL, TIES, UNARY,  # noqa: F401
                         BINARY, CMP, INT_DOMAIN, unary)

OPS = []
PRIM_SAMPLES = {}  # primitive name -> [(tensor input specs, params or params(m, rng))]
