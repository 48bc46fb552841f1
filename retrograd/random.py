"""Random numbers: our own Generator (NumPy's PCG64; it does not reproduce PyTorch's stream),
manual_seed, and the random factories rand, randn, randint, normal, randperm, rand_like,
randn_like, randint_like (the samplers that take a tensor live in ops/sampling.py)."""
import numbers
import warnings

import numpy as np

from . import dtypes as _dt
from ._creation import _size, _size_seq, _finish, _check_device
from .tensor import Tensor

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "default_generator",
           "rand", "randn", "randint", "normal", "get_rng_state", "set_rng_state",
           "randperm", "rand_like", "randn_like", "randint_like"]


class Generator:
    """A source of random numbers, seedable with ``manual_seed`` (as torch.Generator)."""
    __module__ = "torch._C"  # print(torch.manual_seed(0)): <torch._C.Generator object at 0x...>

    def __init__(self, device="cpu"):
        self._seed = 67280421310721  # PyTorch's default seed
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        seed = int(seed)
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed & ((1 << 64) - 1)))
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy) & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        from ._creation import tensor
        state = self._rng.bit_generator.state
        words = [state["state"]["state"], state["state"]["inc"], state["has_uint32"],
                 state["uinteger"]]
        raw = b"".join(int(w).to_bytes(16, "little") for w in words)
        return tensor(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        raw = bytes(new_state._data.tolist())
        w = [int.from_bytes(raw[i:i + 16], "little") for i in range(0, 64, 16)]
        self._rng.bit_generator.state = {
            "bit_generator": "PCG64", "state": {"state": w[0], "inc": w[1]},
            "has_uint32": w[2], "uinteger": w[3]}
        return self

    @property
    def device(self):
        from .tensor import CPU
        return CPU


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator; returns it, as PyTorch does."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


_vmap_check = [None]  # set by retrograd.func while a vmap runs: its randomness= rule


def _rng(generator):
    if _vmap_check[0] is not None:
        _vmap_check[0]()
    return (generator or default_generator)._rng


def _float_dtype(dtype, fn):
    dtype = dtype or _dt.get_default_dtype()
    if not dtype.is_floating_point:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{dtype._legacy}'")
    return dtype


def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False,
         out=None, layout=None, pin_memory=False):
    """Uniform on [0, 1)."""
    _check_device(device)
    dtype = _float_dtype(dtype, "check_uniform_bounds")
    arr = _rng(generator).random(_size(sizes, "rand", size)).astype(dtype.np)
    return _finish(arr, requires_grad)


def randn(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False,
          out=None, layout=None, pin_memory=False):
    """Standard normal."""
    _check_device(device)
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    arr = _rng(generator).standard_normal(_size(sizes, "randn", size)).astype(dtype.np)
    return _finish(arr, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False, out=None, layout=None, pin_memory=False):
    """Integers uniform on [low, high); ``randint(high, size)`` and
    ``randint(low, high, size)`` as in PyTorch; int64 unless dtype says otherwise."""
    _check_device(device)
    if size is None:
        if high is None:
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    dtype = dtype or _dt.int64
    arr = _rng(generator).integers(low, high, _size_seq(size, "randint")).astype(dtype.np)
    return _finish(arr, requires_grad)


def _cfmt(x):
    """A number as PyTorch's C++ messages print it (-1.0 as -1)."""
    return f"{x:g}"


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           device=None, requires_grad=False, layout=None, pin_memory=False):
    """Normal samples: from tensors of means and/or stds (broadcast), or from two numbers
    and a size."""
    rng = _rng(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        if np.any(np.asarray(s) < 0):
            raise RuntimeError(f"normal expects std >= 0.0, but found std "
                               f"{_cfmt(np.asarray(s).min().item())}")
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        ref = mean if isinstance(mean, Tensor) else std
        arr = (m + s * rng.standard_normal(shape)).astype(ref._data.dtype)
        return Tensor._make(arr)
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments: with float "
                        "mean and std, a size is required")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_cfmt(std)}")
    _check_device(device)
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    arr = (mean + std * rng.standard_normal(_size_seq(size, "normal"))).astype(dtype.np)
    return _finish(arr, requires_grad)


# ----- integers: PyTorch's argument checks, shared with Tensor.random_ (ops/sampling.py)
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def _type_name(x):
    if isinstance(x, Tensor):
        return "Tensor"
    if isinstance(x, Generator):
        return "torch._C.Generator"
    return type(x).__name__


def _invalid_combination(fn, args, kwargs):
    """PyTorch's TypeError (first line) for arguments no overload of ``fn`` takes."""
    pos = [_type_name(a) for a in args]
    kws = [f"{k}={_type_name(v)}" for k, v in kwargs.items()]
    got = ", ".join(pos + kws) if pos else "".join(k + ", " for k in kws)
    return TypeError(f"{fn}() received an invalid combination of arguments - got ({got}), "
                     f"but expected one of:")


def _int_arg(x):
    """An int argument as PyTorch's parser takes one (ints, NumPy integers, integer 0-d
    tensors; not bools, not floats), else None; ValueError past int64 as PyTorch."""
    if isinstance(x, Tensor):
        if x._data.dtype.kind not in "iu" or x._data.size != 1:
            return None
        x = x._data.reshape(()).item()
    if isinstance(x, bool) or not isinstance(x, (numbers.Integral, np.integer)):
        return None
    x = int(x)
    if not _INT64_MIN <= x <= _INT64_MAX:
        raise ValueError("Overflow when unpacking long long")
    return x


_FLOAT_DIGITS = {"float16": 11, "float32": 24, "float64": 53}  # consecutive integers: 2^d
_C_NAMES = {"int16": "short int"}  # as these messages spell them (elsewhere "short")


def _int_limits(dtype):
    if dtype is _dt.bool_:
        return 0, 1
    info = np.iinfo(dtype.np)
    return int(info.min), int(info.max)


def _check_from_to(dtype, lo, hi):
    """Whether [lo, hi) fits ``dtype``: PyTorch's error for integer types, its warning for
    floating ones (beyond 2^digits not every integer is representable)."""
    if dtype.is_floating_point:
        d = _FLOAT_DIGITS[dtype.name]
        for what, v in (("from", lo), ("to - 1", hi - 1)):
            if not -(1 << d) <= v <= (1 << d):
                warnings.warn(f"{what} is out of bounds [-(2^{d}), 2^{d}]. Due to precision "
                              f"limitations {dtype._cname} can support discrete uniform "
                              f"distribution only within this range. This warning will become "
                              f"an error in version 1.7 release, please fix the code in "
                              f"advance", UserWarning, stacklevel=4)
        return
    mn, mx = _int_limits(dtype)
    cname = _C_NAMES.get(dtype.name, dtype._cname)
    if not mn <= lo <= mx:
        raise RuntimeError(f"from is out of bounds for {cname}")
    if not mn <= hi - 1 <= mx:
        raise RuntimeError(f"to - 1 is out of bounds for {cname}")


def _check_less(lo, hi):
    if lo >= hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={lo} >= to={hi}")


def _draw_ints(rng, lo, hi_inclusive, shape, dtype):
    """Integers uniform on [lo, hi_inclusive], as an array of ``dtype``."""
    return rng.integers(lo, hi_inclusive, shape, dtype=np.int64,
                        endpoint=True).astype(dtype.np)


def _no_out(fn, out):
    if out is not None:  # (rather than ignore it)
        raise NotImplementedError(f"retrograd: {fn}(out=...) is not supported; use the "
                                  f"returned tensor (out.copy_(result) writes it into out)")


def _check_tensor(fn, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _like_shape(input):
    """The shape a ``*_like`` factory gives: the logical one (inside vmap, the shape of one
    example; with randomness='same' every example then gets the same values)."""
    return tuple(input.shape)


# ----- factories
def randperm(*args, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False, **kwargs):
    """``randperm(n)``: a random permutation of 0..n-1 (int64 unless dtype says otherwise)."""
    if len(args) + len(kwargs) != 1 or (kwargs and "n" not in kwargs):
        raise _invalid_combination("randperm", args, kwargs)
    n = args[0] if args else kwargs["n"]
    _no_out("randperm", out)
    m = _int_arg(n)
    if m is None:
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    _check_device(device)
    if m < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {m}: [{m}]")
    dtype = dtype or _dt.int64
    if dtype is _dt.bool_:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    if dtype.is_floating_point:
        d = _FLOAT_DIGITS[dtype.name]
        if m > (1 << d) + 1:
            raise RuntimeError(f"n cannot be greater than 2^{d}+1 for {dtype._legacy} type."
                               if d != 11 else
                               f"n cannot be greater than {(1 << d) + 1} for Half type.")
    elif m - 1 > _int_limits(dtype)[1]:
        raise RuntimeError(f"value cannot be converted to type {dtype.np.name}_t without "
                           f"overflow")
    arr = _rng(generator).permutation(m).astype(dtype.np)
    return _finish(arr, requires_grad)


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None,
              requires_grad=False, memory_format=None):
    """Uniform on [0, 1), in input's shape (and dtype, unless dtype says otherwise)."""
    _check_tensor("rand_like", input)
    _check_device(device)
    dtype = _float_dtype(dtype or input.dtype, "check_uniform_bounds")
    arr = _rng(generator).random(_like_shape(input)).astype(dtype.np)
    return _finish(arr, requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None,
               requires_grad=False, memory_format=None):
    """Standard normal, in input's shape (and dtype, unless dtype says otherwise)."""
    _check_tensor("randn_like", input)
    _check_device(device)
    dtype = _float_dtype(dtype or input.dtype, "normal_kernel_cpu")
    arr = _rng(generator).standard_normal(_like_shape(input)).astype(dtype.np)
    return _finish(arr, requires_grad)


def randint_like(input, *args, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, **kwargs):
    """Integers uniform on [low, high) in input's shape and dtype (unless dtype says
    otherwise): ``randint_like(input, high)`` or ``randint_like(input, low, high)``."""
    if not isinstance(input, Tensor):  # (two overloads: PyTorch names none of them)
        raise _invalid_combination("randint_like", (input, *args), kwargs)
    unknown = set(kwargs) - {"low", "high"}
    if unknown:
        raise TypeError(f"randint_like() got an unexpected keyword argument "
                        f"'{sorted(unknown)[0]}'")
    kwargs = {k: kwargs[k] for k in ("low", "high") if k in kwargs}  # (messages' order)
    given = (input, *args)
    if len(args) > 2 or (len(args) == 2 and kwargs) or "low" in kwargs and len(args) == 1:
        raise _invalid_combination("randint_like", given, kwargs)
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        low, high = (args[0], kwargs["high"]) if "high" in kwargs else (0, args[0])
    elif "high" in kwargs:
        low, high = kwargs.get("low", 0), kwargs["high"]
    else:
        raise _invalid_combination("randint_like", given, kwargs)
    lo, hi = _int_arg(low), _int_arg(high)
    if lo is None or hi is None:
        raise _invalid_combination("randint_like", given, kwargs)
    _check_device(device)
    dtype = dtype or input.dtype
    _check_less(lo, hi)
    _check_from_to(dtype, lo, hi)
    arr = _draw_ints(_rng(generator), lo, hi - 1, _like_shape(input), dtype)
    return _finish(arr, requires_grad)
