"""The in-place mechanism: an in-place op computes out of place, writes the values back
into the tensor's memory (so views see them), bumps the version counter and takes over the
result's history. On a view, the base's history is rebased through a CopySlices node and
every view of the storage gets an AsStridedBackward0 history (ops/view_history.py).
Families build their ``op_`` methods with ``inplace_method``."""
import numpy as np

from ..tensor import Tensor, INFERENCE
from ..autograd.grad_mode import STATE
from ..autograd.graph import PrimitiveNode, _short_name
from ..autograd.anomaly_mode import ANOMALY, record_inplace
from .primitive import primitive, LINEAR
from .view_history import _copy_slices, _regenerate_view_history, _history_moved, _zeros_like

_batched = [None]  # func/_batching.py, for in-place ops on vmap's batched tensors

_LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_OF_LEAF_INPLACE = ("a view of a leaf Variable that requires grad is being used in an "
                         "in-place operation.")
_NO_GRAD_VIEW = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block "
    "(if you don't want the inplace to be tracked) or both outside (if you want the inplace "
    "to be tracked).")
_INFERENCE_VIEW = (
    "A view was created in inference mode and is being modified inplace in normal mode. Given "
    "that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the inference_mode block "
    "(if you don't want the inplace to be tracked) or both outside (if you want the inplace to "
    "be tracked).")
_INFERENCE_INPLACE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
    "clone to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details.")
_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to "
            "a single memory location. Please clone() the tensor before performing the "
            "operation.")


def _requires_grad(x):
    return isinstance(x, Tensor) and x._requires_grad


def needs_generic_path(*tensors):
    """Whether an in-place write must go through its primitive and apply_inplace even
    when nothing is recorded: a forward-mode tangent or a vmap batched tensor is involved
    (a direct write to ``_data`` would skip the tangent, or write one example only)."""
    for t in tensors:
        if getattr(t, "_fw", None) is not None or (type(t) is not Tensor and
                                                    hasattr(t, "_lv")):
            return True
    return False


def _check_inplace(self, args=()):
    """PyTorch's refusals, all before anything is written."""
    if self._vc is INFERENCE and not STATE.inference:
        raise RuntimeError(_INFERENCE_INPLACE)
    if STATE.enabled:
        base = self._base
        if base is not None and (base._requires_grad or self._requires_grad or
                                 any(map(_requires_grad, args))) and self._made_in_no_grad():
            raise RuntimeError(_INFERENCE_VIEW if self._made_in_inference() else _NO_GRAD_VIEW)
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(_VIEW_OF_LEAF_INPLACE if base is not None else _LEAF_INPLACE)
        if base is not None and self.grad_fn is not None:
            prim = getattr(self.grad_fn, "_prim", None)
            if getattr(prim, "nout", 1) != 1 and getattr(prim, "view", False):
                raise RuntimeError(
                    f"Output {self._output_nr} of {_short_name(self.grad_fn)} is a view and is "
                    "being modified inplace. This view is the output of a function that returns "
                    "multiple views. Such functions do not allow the output views to be "
                    "modified inplace. You should replace the inplace operation by an "
                    "out-of-place one.")
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError(_VIEW_OF_LEAF_INPLACE)


def apply_inplace(self, result):
    """Make ``self`` hold ``result`` (an out-of-place result of the same op): its values are
    written into self's memory (so views see them), the version counter is bumped, and
    self's history becomes result's (through CopySlices when self is a view)."""
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
    if not self._data.flags.writeable:
        raise RuntimeError(_OVERLAP)
    self._data[...] = result._data
    self._bump_version()
    if ANOMALY.enabled:
        record_inplace(self)
    if getattr(result, "_fw", None) is not None or getattr(self, "_fw", None) is not None:
        _take_tangents(self, result)
    if result._requires_grad and STATE.enabled:
        _take_over_history(self, result)
    return self


def _take_tangents(self, result):
    """Forward-mode AD: self's tangents become result's; a tangent self already has is
    overwritten in place, so the tangents of its views and base see the change."""
    new = dict(getattr(result, "_fw", None) or {})
    old = getattr(self, "_fw", None) or {}
    for lvl, nt in list(new.items()):
        t = old.get(lvl)
        if t is None and self._base is not None:
            # a view without a tangent: it writes into its base's (zeros until now)
            t = _view_of_base_tangent(self, self._base, lvl)
        if t is not None and t._data.flags.writeable and t._data.shape == nt._data.shape:
            t._data[...] = nt._data
            new[lvl] = t
    self._fw = new or None


def _view_of_base_tangent(view, base, lvl):
    """The part of ``base``'s tangent at ``lvl`` that ``view`` covers, as a view of it
    (the base gets a zero tangent first if it has none); None where the layouts differ."""
    fw = getattr(base, "_fw", None) or {}
    bt = fw.get(lvl)
    b = base._data
    if bt is None:
        if not b.flags.c_contiguous:
            return None
        bt = Tensor._make(np.zeros(b.shape, dtype=b.dtype))
        base._fw = {**fw, lvl: bt}
    arr = bt._data
    if not arr.flags.c_contiguous or arr.dtype != b.dtype or not b.flags.c_contiguous:
        return None
    v = view._data
    offset = (v.__array_interface__["data"][0] - b.__array_interface__["data"][0]) // b.itemsize
    return Tensor._make(np.lib.stride_tricks.as_strided(arr.reshape(-1)[offset:], v.shape,
                                                        v.strides))


def _take_over_history(self, result):
    fn = result.grad_fn
    _repoint_saved_output(fn, result, self)
    base = self._base
    if base is None:
        old_fn = self.grad_fn
        self.grad_fn = fn
        self._output_nr = result._output_nr
        self._requires_grad = True
        _history_moved(self, old_fn)
    else:
        old_fn = base.grad_fn
        base.grad_fn = _copy_slices(self, base, result)
        base._output_nr = 0
        base._requires_grad = True
        _history_moved(base, old_fn)
    for view in self._views():
        _regenerate_view_history(view)


def rebase_dirty_view(view):
    """A custom Function marked a view dirty (its grad_fn is the Function's node now): the
    base's history goes through a CopySlices, and the storage's views read from it."""
    base = view._base
    if base._requires_grad and base.grad_fn is None:
        raise RuntimeError(_VIEW_OF_LEAF_INPLACE)
    old_fn = base.grad_fn
    base.grad_fn = _copy_slices(view, base, view)
    base._output_nr = 0
    base._requires_grad = True
    _history_moved(base, old_fn)
    for v in view._views():
        _regenerate_view_history(v)


def _repoint_saved_output(fn, result, self):
    """A node that saved its output (exp, sigmoid...) must see it as ``self``'s memory and
    version from now on: a later in-place change of self is then detected in backward."""
    saved = getattr(fn, "_saved", None)
    if type(saved) is not tuple or not isinstance(fn, PrimitiveNode):
        return  # nothing saved, freed, or to be recomputed (utils.checkpoint)
    out = saved[-1]
    if out is not None and out[0] is result._data:
        counter = self._version_counter()
        fn._saved = saved[:-1] + ((self._data, counter, counter[0]),)


# ----- the in-place methods
def _snapshot(self):
    """A copy of self's values that carries self's history: what an in-place op computes
    from, so the values its node saves are not the ones it then overwrites."""
    if type(self) is not Tensor and hasattr(self, "_lv"):
        return _batched[0].wrap(_snapshot(self._phys), self._lv)
    snap = Tensor._make(self._data.copy(), self._requires_grad, self.grad_fn)
    snap._output_nr = self._output_nr
    fw = getattr(self, "_fw", None)
    if fw:  # its tangents too: the in-place op overwrites self's tangents in place
        snap._fw = {lvl: _snapshot(t) for lvl, t in fw.items()}
    return snap


def _records(self, args):
    return STATE.enabled and (self._requires_grad or any(map(_requires_grad, args)))


def inplace_method(fn, direct=None):
    """The in-place method ``fn_`` of an out-of-place function ``fn(self, *args)``.
    ``direct(array, args, kwargs)``, where given, writes the result straight into self's
    array (a NumPy ``out=``) when nothing is recorded and no tangent or vmap batch is
    involved, and returns False for the cases it leaves to the general path (which then
    also words the errors): optimizers' updates are such writes, many per step."""
    def method(self, *args, **kwargs):
        operands = (*args, *kwargs.values()) if kwargs else args
        _check_inplace(self, operands)
        if _records(self, operands):
            snap = _snapshot(self)
            args = tuple(snap if a is self else a for a in args)
            return apply_inplace(self, fn(snap, *args, **kwargs))
        if direct is not None and not self._is_batched and getattr(self, "_fw", None) is None \
                and _plain_operands(operands) and direct(self._data, args, kwargs):
            self._bump_version()
            if ANOMALY.enabled:
                record_inplace(self)
            return self
        return apply_inplace(self, fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    return method


def _plain_operands(operands):
    for x in operands:
        if isinstance(x, Tensor) and (x._is_batched or getattr(x, "_fw", None) is not None):
            return False
    return True


def _float_operand(d, x):
    """x as an operand of an in-place write into the float32/float64 array d, or None
    when the general path must decide (other dtypes, promotion, bools, non-numbers)."""
    if d.dtype.kind != "f" or d.dtype.itemsize < 4 or not d.flags.writeable:
        return None
    if isinstance(x, Tensor):  # (Parameters too; batched and dual ones never get here)
        a = x._data
        return a if a.dtype is d.dtype else None
    tx = type(x)
    return x if tx is float or tx is int else None


def _direct_binary(ufunc, scaled, quiet=False):
    """``direct`` for add_/sub_ (``scaled``: other times alpha first, as their kernels
    compute it), mul_ and div_, in their kernels' order of operations."""
    def direct(d, args, kwargs):
        if len(args) != 1:
            return False
        alpha = 1
        if kwargs:
            if not scaled or len(kwargs) != 1 or "alpha" not in kwargs:
                return False
            alpha = kwargs["alpha"]
            if type(alpha) is not float and type(alpha) is not int:
                return False
        o = _float_operand(d, args[0])
        if o is None:
            return False
        if alpha != 1:
            o = o * alpha
        try:
            if quiet:
                with np.errstate(all="ignore"):
                    ufunc(d, o, out=d)
            else:
                ufunc(d, o, out=d)
        except ValueError:  # not broadcastable into self: the general path's error
            return False
        return True
    return direct


DIRECT = {"add": _direct_binary(np.add, True), "sub": _direct_binary(np.subtract, True),
          "mul": _direct_binary(np.multiply, False),
          "div": _direct_binary(np.true_divide, False, quiet=True)}


zero_p = primitive("zero_", "ZeroBackward0", forward=lambda xp, a: xp.zeros_like(a),
                   vjp=(lambda g, a, out: _zeros_like(g),), jvp=LINEAR, register=False)
fill_scalar_p = primitive("fill_", "FillBackward2",
                          forward=lambda xp, a, value: xp.full_like(a, value),
                          vjp=(lambda g, a, out, value: _zeros_like(g),),
                          jvp=lambda t, a, out, value: _zeros_like(out), register=False)
fill_tensor_p = primitive("fill_[tensor]", "FillBackward3",
                          forward=lambda xp, a, value: xp.full_like(a, value),
                          vjp=(lambda g, a, value, out: _zeros_like(g),
                               lambda g, a, value, out: g.sum()),
                          jvp=lambda ta, tv, a, value, out:
                          _zeros_like(out) if tv is None else tv.expand(out.shape),
                          register=False)
def _write(self, array_or_value):
    if not self._data.flags.writeable:
        raise RuntimeError(_OVERLAP)
    self._data[...] = array_or_value
    self._bump_version()
    if ANOMALY.enabled:
        record_inplace(self)
    return self


def zero_(self):
    _check_inplace(self)
    if type(self) is not Tensor and hasattr(self, "_lv"):  # vmap's batched tensor
        zero_(self._phys)
        return self
    if _records(self, ()) or needs_generic_path(self):
        return apply_inplace(self, zero_p(_snapshot(self)))
    return _write(self, 0)


def fill_(self, value):
    if type(self) is not Tensor and hasattr(self, "_lv"):  # vmap's batched tensor
        _check_inplace(self)
        fill_(self._phys, value)
        return self
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        _check_inplace(self, (value,))
        if _records(self, (value,)) or needs_generic_path(self, value):
            return apply_inplace(self, fill_tensor_p(_snapshot(self), value))
        return _write(self, value._data)
    _check_inplace(self)
    if _records(self, ()) or needs_generic_path(self):
        return apply_inplace(self, fill_scalar_p(_snapshot(self), value))
    return _write(self, value)
