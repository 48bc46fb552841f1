"""The op table's vocabulary: input domains, tensor specs (T), samples (S), OpInfo, the
shared sample lists, and how samples become NumPy arrays and library tensors. The table
itself is tests/opinfo.py (core entries) plus one tests/optable_<family>.py per op family."""
from dataclasses import dataclass, field

import numpy as np

# ----- input specifications


class Domain:
    """Where sample values come from: floats uniform in [low, high] (random sign when
    ``signed``), integers uniform in ``ints``, bools fair coins."""

    def __init__(self, low, high, signed=False, ints=(-3, 3), step=None):
        self.low, self.high, self.signed, self.ints, self.step = low, high, signed, ints, step

    def sample(self, rng, shape, dtype):
        dtype = np.dtype(dtype)
        if dtype == np.bool_:
            return rng.random(shape) < 0.5
        if dtype.kind in "iu":
            a = rng.integers(self.ints[0], self.ints[1] + 1, size=shape)
        else:
            a = rng.uniform(self.low, self.high, size=shape)
            if self.step:  # few distinct values, so that comparisons see ties
                a = np.round(a / self.step) * self.step
        if self.signed:
            a = a * rng.choice([-1, 1], size=shape)
        return np.asarray(a).astype(dtype)


REAL = Domain(-2.0, 2.0)
POS = Domain(0.5, 2.0, ints=(1, 3))                  # log, sqrt, the base of x ** y
NONZERO = Domain(0.5, 2.0, signed=True, ints=(1, 3))  # divisors; kinks of relu/abs/sign
BOOL = Domain(0, 1)
TIES = Domain(-1.0, 1.0, ints=(-1, 1), step=0.5)     # comparisons


class T:
    """A tensor input: its shape; ``nc`` makes it a non-contiguous leaf (a permuted copy);
    ``dtype`` pins its dtype (else the test's dtype); ``domain`` overrides the entry's."""
    __slots__ = ("shape", "nc", "dtype", "domain")

    def __init__(self, *shape, nc=False, dtype=None, domain=None):
        self.shape, self.nc, self.dtype, self.domain = shape, nc, dtype, domain

    def __repr__(self):
        extra = "".join([",nc" if self.nc else "", f",{self.dtype}" if self.dtype else ""])
        return f"T{self.shape}{extra}"


class S:
    """One sample: the op's positional arguments. ``T`` specs become tensors; anything
    else (Python numbers, dims, shapes, indices) is passed through unchanged."""

    def __init__(self, *args, note=""):
        self.args, self.note = args, note

    def __repr__(self):
        return "(" + ", ".join(map(repr, self.args)) + ")" + (f" {self.note}" if self.note else "")


def make_arrays(sample, domains, dtype, seed):
    """The sample's NumPy inputs (tensors as arrays in their dtype, the rest unchanged)."""
    rng = np.random.default_rng(seed)
    out, k = [], 0
    for a in sample.args:
        if isinstance(a, T):
            dom = a.domain or (domains[k] if isinstance(domains, tuple) else domains)
            out.append(dom.sample(rng, a.shape, a.dtype or dtype))
            k += 1
        else:
            out.append(a)
    return out


def to_module(m, sample, arrays, requires_grad=True):
    """The arrays as module ``m``'s tensors (retrograd or torch); floating inputs become
    leaves that require grad; ``nc`` inputs are leaves whose memory is permuted."""
    out = []
    for spec, a in zip(sample.args, arrays):
        if not isinstance(spec, T):
            out.append(a)
            continue
        if spec.nc and a.ndim >= 2:
            rev = tuple(reversed(range(a.ndim)))
            x = m.tensor(np.ascontiguousarray(a.transpose(rev))).permute(*rev).detach()
        else:
            x = m.tensor(a)
        if requires_grad and a.dtype.kind == "f":
            x.requires_grad_(True)
        out.append(x)
    return out


# ----- the table

@dataclass
class OpInfo:
    """One operator: how to call it on either library, what NumPy says it computes, the
    samples to call it on, and what the tests may expect of it."""
    name: str
    op: object             # op(m, *args) for m = retrograd or torch
    ref: object            # ref(*args) on NumPy arrays
    samples: list
    prims: tuple           # the REGISTRY primitives it exercises (forward and backward)
    domain: object = REAL  # one Domain, or a tuple with one per tensor input
    differentiable: bool = True
    second_order: bool = True  # nonzero second derivative: gradgradcheck every sample
    dtypes: tuple = ("float32", "float64")  # forward-vs-reference dtypes
    grid: tuple = ("float16", "float32", "float64", "int32", "int64", "bool")
    check: dict = field(default_factory=dict)  # gradcheck/gradgradcheck tolerances


UNARY = [S(T(3, 4)), S(T()), S(T(1, 3, 1)), S(T(4, 3, nc=True)), S(T(0, 3))]
BINARY = [S(T(3, 4), T(3, 4)), S(T(3, 1), T(1, 4)), S(T(4), T(2, 3, 4)), S(T(), T(2, 3)),
          S(T(2, 3), T()), S(T(4, 3, nc=True), T(3)), S(T(0, 3), T(3)), S(T(3, 4), 2.5),
          S(2, T(3, 4)), S(T(2, 3), -3)]
CMP = BINARY[:7] + [S(T(3, 4), 0.5), S(0, T(3, 4)), S(T(2, 3), -1)]
INT_DOMAIN = ("int32", "int64", "bool")


def unary(name, np_ref, domain=REAL, second_order=True, prims=None):
    return OpInfo(name, lambda m, a: getattr(m, name)(a), np_ref, UNARY, prims or (name,),
                  domain=domain, second_order=second_order)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _axis(a, d):
    """PyTorch's reduction dims as a NumPy axis: () means all; dim 0 of a 0-d tensor is itself."""
    return None if d == () or a.ndim == 0 else d


def _flatten(a, s, e):
    if a.ndim == 0:
        return a.reshape(1)
    s, e = s % a.ndim, e % a.ndim
    return a.reshape(a.shape[:s] + (-1,) + a.shape[e + 1:]) if a.size else \
        a.reshape(a.shape[:s] + (int(np.prod(a.shape[s:e + 1])),) + a.shape[e + 1:])


def _squeeze(a, d):
    dims = range(a.ndim) if d is None else [x % max(a.ndim, 1) for x in np.atleast_1d(d)]
    return a.reshape(tuple(n for i, n in enumerate(a.shape) if not (i in dims and n == 1)))


def _expand(a, s):
    lead = len(s) - a.ndim
    shape = tuple(a.shape[i - lead] if v == -1 else v for i, v in enumerate(s))
    return np.broadcast_to(a, shape)


def _matmul_samples():
    return [S(T(4), T(4)), S(T(3, 4), T(4)), S(T(4), T(4, 3)), S(T(3, 4), T(4, 2)),
            S(T(2, 3, 4), T(4, 2)), S(T(2, 3, 4), T(4)), S(T(4), T(2, 4, 3)),
            S(T(3, 4), T(2, 4, 2)), S(T(2, 1, 3, 4), T(3, 4, 2)), S(T(1, 3, 4), T(2, 4, 2)),
            S(T(4, 3, nc=True), T(3, 2, nc=True)), S(T(2, 3, 4, nc=True), T(4, 2)),
            S(T(0, 3), T(3, 2)), S(T(1, 3), T(3, 1))]
