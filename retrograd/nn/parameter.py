"""torch.nn.Parameter: a leaf Tensor that a Module registers as a parameter."""
from ..tensor import Tensor, _MADE_SLOTS

__all__ = ["Parameter", "Buffer"]

_new = object.__new__


class Parameter(Tensor):
    """A Tensor that, assigned to a Module attribute, joins ``module.parameters()``.
    It shares the data's memory (PyTorch's ``Parameter(data)`` does not copy)."""
    __module__ = "torch.nn.parameter"

    def __new__(cls, data=None, requires_grad=True):
        import retrograd as _torch
        if data is None:
            data = _torch.empty(0)
        p = _new(cls)
        src = data.detach()
        for name in _MADE_SLOTS:
            setattr(p, name, getattr(src, name))
        p._requires_grad = False
        p.requires_grad = requires_grad  # refuses integer dtypes, as PyTorch does
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(Tensor._make(self._data.copy()), self._requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self._data, self._requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(Tensor._make(data), requires_grad)


class Buffer(Tensor):
    """torch.nn.Buffer: marks a tensor assigned to a Module attribute as a buffer."""
    __module__ = "torch.nn.parameter"

    def __new__(cls, data=None, *, persistent=True):
        import retrograd as _torch
        if data is None:
            data = _torch.empty(0)
        b = _new(cls)
        for name in _MADE_SLOTS:
            setattr(b, name, getattr(data, name))
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent=True):
        pass

    def _as_tensor(self):
        t = _new(Tensor)
        for name in _MADE_SLOTS:
            setattr(t, name, getattr(self, name))
        return t
