"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""
import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from itertools import chain

from ...tensor import Tensor
from ..parameter import Parameter
from .module import Module, _indent, _block

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _offset(idx, length):
    """The 0-based position that an int index (negative counts from the end) names among
    ``length`` items; PyTorch's IndexError when there is none."""
    idx = operator.index(idx)
    pos = idx + length if idx < 0 else idx
    if not 0 <= pos < length:
        raise IndexError(f"index {idx} is out of range")
    return pos


def _as_parameter(value):
    """Containers of parameters wrap plain tensors (anything else is stored as given)."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: sub-Modules in order in ``_modules``, addressed
    by position; removing or inserting one renames them all "0", "1", ..."""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def _name_at(self, idx):
        return list(self._modules)[_offset(idx, len(self._modules))]

    def __setitem__(self, idx, module):
        setattr(self, self._name_at(idx), module)

    def __delitem__(self, idx):
        names = list(self._modules)[idx] if isinstance(idx, slice) else [self._name_at(idx)]
        for name in names:
            delattr(self, name)
        self._renumber(list(self._modules.values()))

    def _renumber(self, modules):
        self._modules = {str(i): module for i, module in enumerate(modules)}

    def _place(self, pos, module):
        modules = list(self._modules.values())
        if pos >= len(modules):  # at the end, as append: the names before it stay
            self._modules[str(len(modules))] = module
        else:
            modules.insert(pos, module)
            self._renumber(modules)

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def pop(self, idx):
        module = self[idx]
        del self[idx]
        return module


class Sequential(_ModuleSequence):
    """Modules called in order, each on the previous one's output. Built from modules
    (named "0", "1", ...) or from one OrderedDict of named modules."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            named = args[0].items()
        else:
            named = ((str(i), module) for i, module in enumerate(args))
        for name, module in named:
            self.add_module(name, module)

    def __getitem__(self, idx):
        if isinstance(idx, slice):  # a Sequential of the chosen ones, under their names
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return self._modules[self._name_at(idx)]

    def _only_sequential(self, other):
        if not isinstance(other, Sequential):
            raise ValueError("add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")
        return other

    def __add__(self, other):
        return Sequential(*self, *self._only_sequential(other))

    def __iadd__(self, other):
        return self.extend(list(self._only_sequential(other)))

    def _repeats(self, times):
        if not isinstance(times, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and "
                            f"{type(times)}")
        if times <= 0:
            raise ValueError(f"Non-positive multiplication factor {times} for {type(self)}")
        return times

    def __mul__(self, times):
        return Sequential(*(list(self) * self._repeats(times)))

    __rmul__ = __mul__

    def __imul__(self, times):
        return self.extend(list(self) * (self._repeats(times) - 1))

    def insert(self, index, module):
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        n = len(self._modules)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        self._place(index + n if index < 0 else index, module)
        return self

    def extend(self, sequential):
        for module in sequential:
            self.append(module)
        return self

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of sub-Modules, registered under "0", "1", ..."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[self._name_at(idx)]

    def __add__(self, other):
        return ModuleList(chain(self, other))

    def __iadd__(self, modules):
        return self.extend(modules)

    def insert(self, index, module):
        """Python list semantics (PyTorch's ModuleList.insert fails on a negative index and
        leaves a gap past the end; both are only ever mistakes)."""
        n = len(self._modules)
        self._place(max(index + n, 0) if index < 0 else index, module)

    def extend(self, modules):
        if not isinstance(modules, Iterable):
            raise TypeError("ModuleList.extend should be called with an iterable, but got "
                            + type(modules).__name__)
        for module in modules:
            self.append(module)
        return self

    def __repr__(self):
        # consecutive modules that print alike are printed once: "(2-4): 3 x Linear(...)"
        runs = []  # [first, last, text]
        for i, module in enumerate(self):
            text = repr(module)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}"
                 for a, b, text in runs]
        return _block(self._get_name(), [_indent(line) for line in lines])


def _pairs(entries, kind, own_type, sort_plain_dicts=False):
    """The (key, value) pairs that ModuleDict/ParameterDict.update take from a dict-like or
    an iterable of pairs, checked one by one with PyTorch's messages."""
    if isinstance(entries, (own_type, OrderedDict)):
        yield from entries.items()
    elif isinstance(entries, Mapping):
        yield from sorted(entries.items()) if sort_plain_dicts else entries.items()
    else:
        for j, pair in enumerate(entries):
            if not isinstance(pair, Iterable):
                raise TypeError(f"{kind} update sequence element #{j} should be Iterable; "
                                f"is{type(pair).__name__}")
            if len(pair) != 2:
                raise ValueError(f"{kind} update sequence element #{j} has length "
                                 f"{len(pair)}; 2 is required")
            yield pair


class ModuleDict(Module):
    """An ordered dict of sub-Modules."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def clear(self):
        self._modules.clear()

    def pop(self, key):
        return self._modules.pop(key)

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules):
        if not isinstance(modules, Iterable):
            raise TypeError("ModuleDict.update should be called with an iterable of key/value "
                            "pairs, but got " + type(modules).__name__)
        for key, module in _pairs(modules, "ModuleDict", ModuleDict):
            self[key] = module


def _entry_line(key, value, dtype_as_type_name):
    """One line of a ParameterList/ParameterDict repr."""
    if not isinstance(value, Tensor):
        return f"  ({key}): Object of type: {type(value).__name__}"
    kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
    # PyTorch's ParameterDict names the tensor type ("torch.FloatTensor"), its List the dtype
    dtype = value.type() if dtype_as_type_name else value.dtype
    size = "x".join(map(str, value.shape))
    return f"  ({key}): {kind} containing: [{dtype} of size {size}]"


class ParameterList(Module):
    """A list of Parameters (plain tensors are wrapped into Parameters)."""

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)([self[i] for i in range(self._size)[idx]])
        return getattr(self, str(_offset(idx, self._size)))

    def __setitem__(self, idx, value):
        setattr(self, str(_offset(idx, self._size)), _as_parameter(value))

    def __len__(self):
        return self._size

    def __iter__(self):
        return (self[i] for i in range(self._size))

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value):
        self._size += 1
        self[-1] = value
        return self

    def extend(self, values):
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError("ParameterList.extend should be called with an iterable, but got "
                            + type(values).__name__)
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        return "\n".join(_entry_line(i, v, False) for i, v in enumerate(self))

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """An ordered dict of Parameters (plain tensors are wrapped into Parameters); the
    values live as the module's attributes, ``_keys`` keeps their order."""

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _checked(key):
        if not isinstance(key, str):
            raise TypeError("Index given to ParameterDict cannot be used as a key as it is not "
                            f"a string (type is '{type(key).__name__}'). Open an issue on "
                            "github if you need non-string keys.")
        return key

    def __getitem__(self, key):
        return getattr(self, self._checked(key))

    def __setitem__(self, key, value):
        self._keys[key] = None
        setattr(self, self._checked(key), _as_parameter(value))

    def __delitem__(self, key):
        del self._keys[key]
        delattr(self, key)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(list(self._keys))

    def __contains__(self, key):
        return key in self._keys

    def __or__(self, other):
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other):  # dict | ParameterDict: the dict's kind of copy, updated
        merged = other.copy()
        merged.update(self)
        return merged

    def __ior__(self, other):
        self.update(other)
        return self

    def copy(self):
        return ParameterDict(OrderedDict(self.items()))

    @classmethod
    def fromkeys(cls, keys, default=None):
        return cls((key, default) for key in keys)

    def setdefault(self, key, default=None):
        if key not in self._keys:
            self[key] = default
        return self[key]

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def get(self, key, default=None):
        return self[key] if key in self._keys else default

    def keys(self):
        return self._keys.keys()

    def items(self):
        return ((key, self[key]) for key in self._keys)

    def values(self):
        return (self[key] for key in self._keys)

    def update(self, parameters):
        if not isinstance(parameters, Iterable):
            raise TypeError("ParametersDict.update should be called with an iterable of "
                            "key/value pairs, but got " + type(parameters).__name__)
        for key, value in _pairs(parameters, "ParameterDict", ParameterDict, True):
            self[key] = value

    def extra_repr(self):
        return "\n".join(_entry_line(k, v, True) for k, v in self.items())

    def __call__(self, input):
        raise RuntimeError("ParameterDict should not be called.")
