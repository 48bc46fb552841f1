"""The in-place mechanism: an in-place op computes out of place, writes the values back
into the tensor's memory (so views see them), bumps the version counter and takes over the
result's history. Families build their ``op_`` methods with ``inplace_method``."""
import numpy as np

from ..tensor import Tensor
from ..autograd.grad_mode import STATE

_batched = [None]  # func/_batching.py, for in-place ops on vmap's batched tensors
_LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_OF_LEAF_INPLACE = ("a view of a leaf Variable that requires grad is being used in an "
                         "in-place operation.")


def needs_generic_path(*tensors):
    """Whether an in-place write must go through its primitive and apply_inplace even
    when nothing is recorded: a forward-mode tangent or a vmap batched tensor is involved
    (a direct write to ``_data`` would skip the tangent, or write one example only)."""
    for t in tensors:
        if getattr(t, "_fw", None) is not None or (type(t) is not Tensor and
                                                    hasattr(t, "_lv")):
            return True
    return False


def _check_inplace(self):
    if STATE.enabled:
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(_LEAF_INPLACE)
        base = self._base
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError(_VIEW_OF_LEAF_INPLACE)


def apply_inplace(self, result):
    """Make ``self`` hold ``result`` (an out-of-place result of the same op): its values are
    written into self's memory (so views see them), the version counter is bumped, and
    self's history becomes result's."""
    if (type(self) is not Tensor or type(result) is not Tensor) and \
            (hasattr(self, "_lv") or hasattr(result, "_lv")):  # inside vmap (func/_batching)
        return _batched[0].inplace(self, result, apply_inplace)
    if result._data.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the "
            f"broadcast shape [{', '.join(map(str, result._data.shape))}]")
    if not np.can_cast(result._data.dtype, self._data.dtype, "same_kind") and \
            result.dtype.category > self.dtype.category:
        raise RuntimeError(f"result type {result.dtype._legacy} can't be cast to the desired "
                           f"output type {self.dtype._legacy}")
    if result._requires_grad and self._base is not None and STATE.enabled:
        raise RuntimeError(
            "in-place operation on a view of a tensor that is part of a graph: retrograd does "
            "not rebase view histories yet (PyTorch's CopySlices); use the out-of-place op")
    if not self._data.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to "
            "a single memory location. Please clone() the tensor before performing the "
            "operation.")
    self._data[...] = result._data
    self._bump_version()
    if getattr(result, "_fw", None) is not None or getattr(self, "_fw", None) is not None:
        _take_tangents(self, result)
    if result._requires_grad and STATE.enabled:
        old_fn = self.grad_fn
        self.grad_fn = result.grad_fn
        self._output_nr = result._output_nr
        self._requires_grad = True
        if old_fn is not None:
            self._grad_fn_changed(old_fn)
    return self


def _take_tangents(self, result):
    """Forward-mode AD: self's tangents become result's; a tangent self already has is
    overwritten in place, so the tangents of its views and base see the change."""
    new = dict(getattr(result, "_fw", None) or {})
    for lvl, t in (getattr(self, "_fw", None) or {}).items():
        nt = new.get(lvl)
        if nt is not None and t._data.flags.writeable and t._data.shape == nt._data.shape:
            t._data[...] = nt._data
            new[lvl] = t
    self._fw = new or None


def _snapshot(self):
    """A copy of self's values that carries self's history: what an in-place op computes
    from, so the values its node saves are not the ones it then overwrites."""
    if type(self) is not Tensor and hasattr(self, "_lv"):
        return _batched[0].wrap(_snapshot(self._phys), self._lv)
    snap = Tensor._make(self._data.copy(), self._requires_grad, self.grad_fn)
    snap._output_nr = self._output_nr
    snap._fw = getattr(self, "_fw", None)
    return snap


def inplace_method(fn):
    """The in-place method ``fn_`` of an out-of-place function ``fn(self, *args)``."""
    def method(self, *args, **kwargs):
        _check_inplace(self)
        if STATE.enabled and (self._requires_grad or any(
                getattr(a, "_requires_grad", False) for a in (*args, *kwargs.values()))):
            snap = _snapshot(self)
            args = tuple(snap if a is self else a for a in args)
            return apply_inplace(self, fn(snap, *args, **kwargs))
        return apply_inplace(self, fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    return method


def zero_(self):
    _check_inplace(self)
    if type(self) is not Tensor and hasattr(self, "_lv"):
        zero_(self._phys)
        return self
    self._data[...] = 0
    self._bump_version()
    return self


def fill_(self, value):
    _check_inplace(self)
    if type(self) is not Tensor and hasattr(self, "_lv"):
        fill_(self._phys, value)
        return self
    self._data[...] = value.item() if hasattr(value, "_data") else value
    self._bump_version()
    return self


