"""Random numbers: our own Generator (NumPy's PCG64; it does not reproduce PyTorch's stream),
manual_seed, and the random factories rand, randn, randint, normal."""
import numpy as np

from . import dtypes as _dt
from ._creation import _size, _size_seq, _finish, _check_device
from .tensor import Tensor

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "default_generator",
           "rand", "randn", "randint", "normal", "get_rng_state", "set_rng_state"]


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
