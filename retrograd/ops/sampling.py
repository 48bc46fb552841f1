"""Sampling from tensors: bernoulli, multinomial and poisson, and the in-place samplers
bernoulli_, random_, exponential_, geometric_, log_normal_ and cauchy_, drawing from
retrograd's Generator (random.py; not PyTorch's stream) with PyTorch's argument checks.

None is differentiable. As in PyTorch, a sample drawn from a tensor that requires grad is
recorded under a node that gives that tensor a zero gradient (BernoulliBackward0,
PoissonBackward0; bernoulli with a number p records a node whose backward refuses), and an
in-place sampler on a tensor with history gives the overwritten values a zero gradient
(ExponentialBackward0, ...). In-place samplers make PyTorch's in-place checks first."""
import numbers

import numpy as np

from .primitive import primitive
from .pointwise import _zeros_like
from .pointwise_api import _random_node
from .inplace import _check_inplace, apply_inplace, _snapshot, needs_generic_path, _OVERLAP
from ..autograd.grad_mode import STATE
from .. import dtypes as _dt
from .. import random as _random
from ..random import _int_arg, _invalid_combination, _check_tensor
from ..tensor import Tensor

__all__ = ["bernoulli", "multinomial", "poisson"]


# ----- the nodes
_NODES = {name: _random_node(name) for name in (
    "RandomBackward0", "RandomBackward1", "RandomBackward2", "ExponentialBackward0",
    "GeometricBackward0", "LogNormalBackward0", "CauchyBackward0", "BernoulliBackward0",
    "BernoulliBackward2", "PoissonBackward0")}

# bernoulli_(p) with a tensor p: two inputs (self's old values, p), a zero gradient to each
_NODES["BernoulliBackward1"] = primitive(
    "BernoulliBackward1", "BernoulliBackward1",
    forward=lambda xp, a, p, values: values.astype(a.dtype),
    vjp=(lambda g, a, p, out, values: _zeros_like(a),
         lambda g, a, p, out, values: _zeros_like(p)),
    # forward mode: a zero tangent where self had one; p's tangent is dropped (as PyTorch)
    jvp=lambda ta, tp, a, p, out, values: None if ta is None else _zeros_like(ta),
    register=False)


def _no_derivative(*args):
    raise RuntimeError("derivative for aten::bernoulli is not implemented")


def _no_forward_derivative(*args):
    raise NotImplementedError("Trying to use forward AD with aten::bernoulli that does not "
                              "support it.")


# bernoulli(input, p) with a number p: PyTorch records a node whose backward refuses
_BERNOULLI_P = primitive("bernoulli", "NotImplemented",
                         forward=lambda xp, a, values: values.astype(a.dtype),
                         vjp=(_no_derivative,), jvp=_no_forward_derivative, register=False)


def _is_batched(t):
    return isinstance(t, Tensor) and type(t) is not Tensor and hasattr(t, "_lv")


def _rng(fn, generator, *tensors):
    """The generator's NumPy Generator, after vmap's randomness check; vmap's batched
    tensors are refused with a clear error (randomness='same' is not supported here)."""
    rng = _random._rng(generator)
    if any(_is_batched(t) for t in tensors):
        raise NotImplementedError(
            f"retrograd: {fn} is not supported inside vmap; draw the random values outside "
            f"vmap (with a batch dimension) and pass them in")
    return rng


def _records(*tensors):
    return STATE.enabled and any(t._requires_grad for t in tensors)


def _sampled(node, input, values):
    """The out-of-place result: values in input's dtype, recorded under ``node`` when
    input requires grad (a zero gradient, or a refusal)."""
    if _records(input) or needs_generic_path(input):
        return node(input, values)
    return Tensor._make(np.asarray(values).astype(input._data.dtype))


def _fill(self, node, draw, p=None):
    """Overwrite self with ``draw(shape)`` through the in-place machinery: the checks,
    the version bump, and a node taking over self's history when something records."""
    tensors = () if p is None else (p,)
    _check_inplace(self, tensors)
    if not self._data.flags.writeable:  # an expanded tensor: elements share memory
        raise RuntimeError(_OVERLAP)
    values = draw(self._data.shape)
    if _records(self, *tensors) or needs_generic_path(self, *tensors):
        return apply_inplace(self, node(_snapshot(self), *tensors, values))
    self._data[...] = values
    self._bump_version()
    return self


def _positional(name, params, required=0):
    """A method taking ``params`` positionally after self, with PyTorch's wording of a
    wrong count (``exponential_(2, g)``, ``geometric_()``) instead of Python's."""
    def wrap(fn):
        def method(self, *args, **kwargs):
            if len(args) > len(params):
                took = (f"from {required} to {len(params)}" if required < len(params)
                        else f"{len(params)}")
                raise TypeError(f"{name}() takes {took} positional arguments but "
                                f"{len(args)} were given")
            missing = [p for p in params[len(args):required] if p not in kwargs]
            if missing:
                raise TypeError(f"{name}() missing {len(missing)} required positional "
                                f"arguments: " + ", ".join(f'"{p}"' for p in missing))
            return fn(self, *args, **kwargs)
        method.__name__ = method.__qualname__ = name
        method.__doc__ = fn.__doc__
        return method
    return wrap


def _cfmt(x):
    return f"{x:g}"


def _float_arg(fn, x, args, kwargs):
    """A float argument as PyTorch's parser takes one (numbers, one-element tensors)."""
    if isinstance(x, Tensor) and x._data.size == 1:
        return float(x._data.reshape(()).item())
    if isinstance(x, (numbers.Real, np.number)):
        return float(x)
    raise _invalid_combination(fn, args, kwargs)


# ----- bernoulli
_P_RANGE = ("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
            "message be improved?  If so, please report an enhancement request to PyTorch.)")


def _prob_tensor(p):
    if not p.dtype.is_floating_point:
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for "
                                  f"'{p.dtype._legacy}'")
    if not np.all((p._data >= 0) & (p._data <= 1)):  # (NaN fails both)
        raise RuntimeError(_P_RANGE)


def _check_p(p):
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_cfmt(p)}")


def bernoulli(input, *args, generator=None, out=None, **kwargs):
    """Samples 1 with probability ``input`` (elementwise), or with probability ``p`` in
    input's shape and dtype (``bernoulli(input, p)``)."""
    _check_tensor("bernoulli", input)
    _random._no_out("bernoulli", out)
    rng = _rng("bernoulli", generator, input)
    if len(args) > 1 or set(kwargs) - {"p"} or (args and kwargs):
        raise _invalid_combination("bernoulli", (input, *args), kwargs)
    if not args and not kwargs:
        _prob_tensor(input)
        values = rng.random(input._data.shape) < input._data
        return _sampled(_NODES["BernoulliBackward0"], input, values)
    p = args[0] if args else kwargs["p"]
    if isinstance(p, Tensor) and p._data.ndim or p is None:
        raise _invalid_combination("bernoulli", (input, *args), kwargs)
    p = _float_arg("bernoulli", p, (input, *args), kwargs)
    _check_p(p)
    return _sampled(_BERNOULLI_P, input, rng.random(input._data.shape) < p)


@_positional("bernoulli_", ("p",))
def bernoulli_(self, p=0.5, *, generator=None):
    """Overwrite self with samples: 1 with probability p (a number, or a float tensor
    broadcast to self's shape), else 0."""
    rng = _rng("bernoulli_", generator, self, *([p] if isinstance(p, Tensor) else []))
    if isinstance(p, Tensor):
        _prob_tensor(p)
        from .shape import expand
        probs = expand(p.detach(), self.shape)._data
        return _fill(self, _NODES["BernoulliBackward1"],
                     lambda shape: rng.random(shape) < probs, p)
    p = _float_arg("bernoulli_", p, (p,), {})
    _check_p(p)
    return _fill(self, _NODES["BernoulliBackward2"], lambda shape: rng.random(shape) < p)


# ----- random_
def random_(self, *args, generator=None, **kwargs):
    """Overwrite self with integers uniform on [from, to): ``random_()`` (from 0 to the
    largest integer self's dtype holds, or 2^mantissa digits for floating types, both
    included), ``random_(to)``, ``random_(from, to)`` (``to=None``: as high as random_())."""
    rng = _rng("random_", generator, self)
    if len(args) > 2:
        raise TypeError(f"random_() takes 2 positional arguments but {len(args)} were given")
    if set(kwargs) - {"from", "to"} or ("from" in kwargs and "to" not in kwargs) or \
            ("from" in kwargs and args) or ("to" in kwargs and len(args) > 1):
        raise _invalid_combination("random_", args, kwargs)
    kwargs = {k: kwargs[k] for k in (*kwargs, "from", "to") if k in kwargs}
    given = list(args) + [kwargs[k] for k in ("from", "to") if k in kwargs]
    if len(given) == 1 and "to" not in kwargs:
        form, lo, hi = 1, 0, given[0]  # random_(to)
    elif len(given) == 1:
        form, lo, hi = 1, 0, given[0]
    elif given:
        form, lo, hi = 0, given[0], given[1]
    else:
        form, lo, hi = 2, 0, None
    lo = _int_arg(lo)
    hi_i = None if hi is None else _int_arg(hi)
    if lo is None or (hi is not None and hi_i is None) or (form == 1 and hi is None):
        raise _invalid_combination("random_", args, kwargs)
    dtype = self.dtype
    if dtype.is_floating_point:
        top = 1 << _random._FLOAT_DIGITS[dtype.name]
    else:
        top = _random._int_limits(dtype)[1]
    if hi_i is None:  # random_() and random_(from, None): up to ``top``, included
        if form == 0 and dtype.is_floating_point and not lo < top:
            raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or "
                               f"equal to 'to_inc' casted to dtype, but got from={lo} > "
                               f"to_inc={top}")
        _random._check_from_to(dtype, lo, top + 1)
        hi_inc = top
    else:
        _random._check_less(lo, hi_i)
        _random._check_from_to(dtype, lo, hi_i)
        hi_inc = hi_i - 1
    return _fill(self, _NODES[f"RandomBackward{form}"],
                 lambda shape: _random._draw_ints(rng, lo, hi_inc, shape, dtype))


# ----- continuous in-place samplers
def _continuous(self, fn, kernel):
    """PyTorch's refusal of a non-floating self, worded per sampler."""
    if self.dtype.is_floating_point:
        return
    if fn == "exponential_":
        raise RuntimeError(f"Exponential distribution is a continuous probability "
                           f"distribution. dtype must be a floating point but you specified "
                           f"{self.dtype._legacy}")
    if fn == "cauchy_":
        raise RuntimeError(f"Cauchy distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_random._C_NAMES.get(self.dtype.name, self.dtype._cname)}")
    raise NotImplementedError(f"\"{kernel}\" not implemented for '{self.dtype._legacy}'")


@_positional("exponential_", ("lambd",))
def exponential_(self, lambd=1.0, *, generator=None):
    """Overwrite self with samples of the exponential distribution of rate ``lambd``."""
    rng = _rng("exponential_", generator, self)
    lambd = _float_arg("exponential_", lambd, (lambd,), {})
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found "
                           f"lambda={_cfmt(lambd)}")
    _continuous(self, "exponential_", None)
    return _fill(self, _NODES["ExponentialBackward0"],
                 lambda shape: rng.standard_exponential(shape) / lambd)


@_positional("geometric_", ("p",), 1)
def geometric_(self, p, *, generator=None):
    """Overwrite self with the number of Bernoulli(p) trials up to the first success
    (1, 2, ...); integer tensors too."""
    rng = _rng("geometric_", generator, self)
    p = _float_arg("geometric_", p, (p,), {})
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_cfmt(p)}")
    if self.dtype is _dt.bool_:
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    return _fill(self, _NODES["GeometricBackward0"], lambda shape: rng.geometric(p, shape))


@_positional("log_normal_", ("mean", "std"))
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Overwrite self with exp(N(mean, std^2)) samples."""
    rng = _rng("log_normal_", generator, self)
    mean = _float_arg("log_normal_", mean, (mean, std), {})
    std = _float_arg("log_normal_", std, (mean, std), {})
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_cfmt(std)}")
    _continuous(self, "log_normal_", "log_normal_cpu")
    return _fill(self, _NODES["LogNormalBackward0"],
                 lambda shape: np.exp(mean + std * rng.standard_normal(shape)))


@_positional("cauchy_", ("median", "sigma"))
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Overwrite self with samples of the Cauchy distribution (median, scale sigma)."""
    rng = _rng("cauchy_", generator, self)
    median = _float_arg("cauchy_", median, (median, sigma), {})
    sigma = _float_arg("cauchy_", sigma, (median, sigma), {})
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_cfmt(sigma)}")
    _continuous(self, "cauchy_", None)
    return _fill(self, _NODES["CauchyBackward0"],
                 lambda shape: median + sigma * rng.standard_cauchy(shape))


# ----- poisson
_POISSON_NORMAL = 1e12  # beyond this rate, the (exact enough) normal approximation


def poisson(input, generator=None):
    """Poisson samples of rates ``input`` (float, same shape and dtype)."""
    _check_tensor("poisson", input)
    if generator is not None and not isinstance(generator, _random.Generator):
        raise TypeError(f"poisson(): argument 'generator' (position 2) must be "
                        f"torch.Generator, not {type(generator).__name__}")
    rng = _rng("poisson", generator, input)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for "
                                  f"'{input.dtype._legacy}'")
    rates = input._data.astype(np.float64)
    if not np.all(rates >= 0):  # (NaN fails too)
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    big = rates > _POISSON_NORMAL
    if big.any():  # NumPy refuses rates near 2^63; an infinite rate gives inf here
        values = rng.poisson(np.where(big, 0.0, rates))
        with np.errstate(invalid="ignore"):
            approx = np.round(rates + np.sqrt(rates) * rng.standard_normal(rates.shape))
        approx[np.isinf(rates)] = np.inf
        values = np.where(big, approx, values)
    else:
        values = rng.poisson(rates)
    return _sampled(_NODES["PoissonBackward0"], input, values)


# ----- multinomial
_BAD_ENTRY = "probability tensor contains either `inf`, `nan` or element < 0"
_ZERO_SUM = "invalid multinomial distribution (sum of probabilities <= 0)"


def _check_rows_fast(probs):
    """PyTorch's checks on the whole tensor (sampling without replacement, or once)."""
    if not (probs.max() < np.inf and probs.min() >= 0):
        raise RuntimeError(_BAD_ENTRY)
    if np.any(probs.sum(axis=1) == 0):
        raise RuntimeError(_ZERO_SUM)


def _check_rows_kernel(probs):
    """PyTorch's checks row by row, entry by entry (sampling several with replacement):
    the first offending row's first offending entry names the error."""
    bad = ~((probs >= 0) & np.isfinite(probs))
    with np.errstate(invalid="ignore"):
        failing = bad.any(axis=1) | ~(probs.sum(axis=1) > 0)
    if not failing.any():
        return
    row = int(np.argmax(failing))
    if bad[row].any():
        v = probs[row, int(np.argmax(bad[row]))]
        kind = "= infinity or NaN" if v >= 0 else "< 0"  # (NaN reads as < 0 first)
        raise RuntimeError(f"invalid multinomial distribution (encountering probability "
                           f"entry {kind})")
    raise RuntimeError(_ZERO_SUM)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices (int64) drawn from each row of non-negative weights ``input``
    (1-d or 2-d): without replacement each index at most once per row (zero-weight
    categories only once the others are used up), with replacement independently."""
    _check_tensor("multinomial", input)
    _random._no_out("multinomial", out)
    rng = _rng("multinomial", generator, input)
    n = _int_arg(num_samples)
    if n is None:
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, "
                        f"not {type(num_samples).__name__}")
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype._legacy}")
    if n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    ncat = input.shape[-1]
    if not replacement and n > ncat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if ncat > 1 << 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    probs = input._data.astype(np.float64).reshape(-1, ncat)
    if probs.size == 0:
        return Tensor._make(np.zeros((*input.shape[:-1], n), dtype=np.int64))
    if not replacement or n == 1:
        _check_rows_fast(probs)
        # the exponential race: index i wins with probability p_i / sum(p); taking the n
        # smallest E_i / p_i draws without replacement (zero weights tie last, by index)
        e = np.maximum(rng.standard_exponential(probs.shape), np.finfo(np.float64).tiny)
        keys = probs / e
        out = np.argsort(-keys, axis=1, kind="stable")[:, :n]
    else:
        _check_rows_kernel(probs)
        # inverse CDF, all rows in one search: row r's normalized CDF shifted into
        # [r, r + 1] (a zero weight adds an empty interval, so it is never drawn)
        rows = np.arange(probs.shape[0])[:, None]
        cdf = np.cumsum(probs, axis=1)
        cdf = cdf / cdf[:, -1:] + rows
        u = rng.random((probs.shape[0], n)) + rows
        idx = np.searchsorted(cdf.ravel(), u.ravel(), side="right").reshape(u.shape)
        last = ncat - 1 - np.argmax(probs[:, ::-1] > 0, axis=1)  # the last nonzero weight
        first = np.argmax(probs > 0, axis=1)
        out = np.clip(idx - rows * ncat, first[:, None], last[:, None])
    return Tensor._make(out.astype(np.int64).reshape(*input.shape[:-1], n))


METHODS = {"bernoulli": bernoulli, "bernoulli_": bernoulli_, "multinomial": multinomial,
           "random_": random_, "exponential_": exponential_, "geometric_": geometric_,
           "log_normal_": log_normal_, "cauchy_": cauchy_}
