"""The in-place mechanism: an in-place op computes out of place, writes the values back
into the tensor's memory (so views see them), bumps the version counter and takes over the
result's history. On a view, the base's history is rebased through a CopySlices node and
every view of the storage gets an AsStridedBackward0 history (PyTorch's view+inplace).
Families build their ``op_`` methods with ``inplace_method``."""
import numpy as np

from ..tensor import Tensor, INFERENCE
from ..autograd.grad_mode import STATE
from ..autograd.graph import PrimitiveNode, node_class, _next_seq, FREED, _short_name
from ..autograd.anomaly_mode import ANOMALY, record as _anomaly_record, record_inplace
from .primitive import primitive, LINEAR, Primitive

_LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_OF_LEAF_INPLACE = ("a view of a leaf Variable that requires grad is being used in an "
                         "in-place operation.")
_NO_GRAD_VIEW = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block "
    "(if you don't want the inplace to be tracked) or both outside (if you want the inplace "
    "to be tracked).")
_INFERENCE_INPLACE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
    "clone to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details.")
_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to "
            "a single memory location. Please clone() the tensor before performing the "
            "operation.")


def _requires_grad(x):
    return isinstance(x, Tensor) and x._requires_grad


def _check_inplace(self, args=()):
    """PyTorch's refusals, all before anything is written."""
    if self._vc is INFERENCE and not STATE.inference:
        raise RuntimeError(_INFERENCE_INPLACE)
    if STATE.enabled:
        base = self._base
        if base is not None and (base._requires_grad or self._requires_grad or
                                 any(map(_requires_grad, args))) and self._made_in_no_grad():
            raise RuntimeError(_NO_GRAD_VIEW)
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
    if result._requires_grad and STATE.enabled:
        _take_over_history(self, result)
    return self


def _take_over_history(self, result):
    fn = result.grad_fn
    _repoint_saved_output(fn, result, self)
    base = self._base
    if base is None:
        retained = _unretain(self)
        self.grad_fn = fn
        self._output_nr = result._output_nr
        self._requires_grad = True
        if retained:
            self.retain_grad()
    else:
        retained = _unretain(base)
        base.grad_fn = _copy_slices(self, base, result)
        base._output_nr = 0
        base._requires_grad = True
        if retained:
            base.retain_grad()
    for view in self._views():
        _regenerate_view_history(view)


def _unretain(t):
    """Whether ``t`` retains its grad; if so, its current node stops storing it there (its
    history is about to move, and retain_grad registers it on the new node)."""
    if not t._retains_grad:
        return False
    node = t.grad_fn
    retained = getattr(node, "_retained", None)
    if retained:
        for nr, ref in list(retained.items()):
            if ref() is t:
                del retained[nr]
    t._retains_grad = False
    return True


def _repoint_saved_output(fn, result, self):
    """A node that saved its output (exp, sigmoid...) must see it as ``self``'s memory and
    version from now on: a later in-place change of self is then detected in backward."""
    saved = getattr(fn, "_saved", None)
    if saved is None or saved is FREED or not isinstance(fn, PrimitiveNode):
        return
    out = saved[-1]
    if out is not None and out[0] is result._data:
        counter = self._version_counter()
        fn._saved = saved[:-1] + ((self._data, counter, counter[0]),)


# ----- view geometry, and the primitives that gather from / scatter into a base
class ViewGeometry:
    """Where a view's elements sit in its base: computed from the arrays' strides when the
    view is rebased, turned into flat indices of the base only when backward needs them."""
    __slots__ = ("base_shape", "base_strides", "shape", "strides", "offset", "itemsize",
                 "_index")

    def __init__(self, view, base):
        v, b = view._data, base._data
        self.base_shape, self.base_strides = b.shape, b.strides
        self.shape, self.strides = v.shape, v.strides
        self.offset = v.__array_interface__["data"][0] - b.__array_interface__["data"][0]
        self.itemsize = b.itemsize
        self._index = None

    def __repr__(self):
        return f"ViewGeometry(size={list(self.shape)}, offset={self.offset // self.itemsize})"

    def index(self):
        """For each element of the view, its position in the base's row-major order."""
        if self._index is None:
            view_addr = _addresses(self.shape, self.strides, self.offset)
            c_strides = _c_strides(self.base_shape, self.itemsize)
            if all(s == c or n == 1 for s, c, n in
                   zip(self.base_strides, c_strides, self.base_shape)):
                idx = view_addr // self.itemsize
            else:
                base_addr = _addresses(self.base_shape, self.base_strides, 0).ravel()
                order = np.argsort(base_addr, kind="stable")
                idx = order[np.searchsorted(base_addr[order], view_addr.ravel())]
                idx = idx.reshape(self.shape)
            self._index = idx.astype(np.intp)
        return self._index

    def overlapping(self):
        return any(s == 0 and n > 1 for s, n in zip(self.strides, self.shape))


def _addresses(shape, strides, offset):
    addr = np.array(offset, dtype=np.int64)
    for n, s in zip(shape, strides):
        addr = addr[..., None] + np.arange(n, dtype=np.int64) * s
    return addr


def _c_strides(shape, itemsize):
    out, acc = [], itemsize
    for n in reversed(shape):
        out.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(out))


def _gather_kernel(xp, a, geom):
    return xp.reshape(a, -1)[geom.index()]


def _scatter_kernel(xp, g, geom):
    z = xp.zeros(int(np.prod(geom.base_shape)), dtype=g.dtype)
    if geom.overlapping():
        xp.add.at(z, geom.index(), g)
    else:
        z[geom.index()] = g
    return z.reshape(geom.base_shape)


def _scatter_into_kernel(xp, base, src, geom):
    out = xp.array(base, copy=True).reshape(-1)
    out[geom.index()] = src
    return out.reshape(geom.base_shape)


# The history of a view after its storage changed in place: its base, strided
as_strided_view = primitive(
    "as_strided_view", "AsStridedBackward0", forward=_gather_kernel,
    vjp=(lambda g, a, out, geom: as_strided_backward(g, geom),), jvp=LINEAR, register=False)
as_strided_backward = primitive(
    "as_strided_backward", "AsStridedBackwardBackward0", forward=_scatter_kernel,
    vjp=(lambda g, a, out, geom: as_strided_view(g, geom),), jvp=LINEAR, register=False)
# the base with the view's elements replaced by src
as_strided_scatter = primitive(
    "as_strided_scatter", "AsStridedScatterBackward0", forward=_scatter_into_kernel,
    vjp=(lambda g, base, src, out, geom: as_strided_scatter(g, _zeros_of(src), geom),
         lambda g, base, src, out, geom: as_strided_view(g, geom)),
    jvp=lambda tb, ts, base, src, out, geom: as_strided_scatter(
        _zeros_like(out) if tb is None else tb,
        _zeros_of(src) if ts is None else ts, geom),
    register=False)


def _zeros_like(t):
    return Tensor._make(np.zeros(t._data.shape, dtype=t._data.dtype))


def _zeros_of(t):
    return _zeros_like(t)


_AS_STRIDED = node_class("AsStridedBackward0")


def _regenerate_view_history(view):
    """A view's history after its storage changed in place: a strided read of its base's
    (new) history, as PyTorch regenerates it (AsStridedBackward0)."""
    base = view._base
    if not base._requires_grad or base.grad_fn is None:
        return
    node = _AS_STRIDED()
    node._seq = _next_seq()
    node._prim = as_strided_view
    node._params = (ViewGeometry(view, base),)
    node._retained = None
    node._saved = None
    node._versions = None
    node.next_functions = ((base.grad_fn, base._output_nr),)
    node._meta = (None,)
    if ANOMALY.enabled:
        _anomaly_record(node)
    retained = _unretain(view)
    view.grad_fn = node
    view._output_nr = 0
    view._requires_grad = True
    if retained:
        view.retain_grad()


# ----- CopySlices: the base's history after one of its views changed in place
class CopySlices(PrimitiveNode):
    """The base's node after an in-place op on a view: the gradient of the base outside
    the view passes through to the base's old history; inside the view it goes through
    the in-place op's node ``fn`` (as PyTorch's CopySlices wraps it)."""
    __slots__ = ()
    __module__ = "builtins"

    def _unpack(self):
        # the in-place op's saved values, checked and named as that op's (Exp, Mul...)
        saved = self._saved
        if saved is not None and saved is not FREED and type(saved) is not tuple:
            saved.materialize()  # recomputed by utils.checkpoint
            saved = self._saved
        if saved is None or saved is FREED or not isinstance(self._params[0], PrimitiveNode):
            return PrimitiveNode._unpack(self)
        fn = self._params[0]
        prev = fn._saved, fn._versions
        fn._saved, fn._versions = saved, self._versions
        try:
            return PrimitiveNode._unpack(fn)
        finally:
            fn._saved, fn._versions = prev


class _CopySlicesRule:
    """What the engine reads of a node's primitive, for CopySlices over an ``nin``-input
    op: one formula per edge (edge 0 is the base), fed with the op's saved values."""
    __slots__ = ("vjp", "_nothing_saved", "name", "nin")
    nout = 1
    view = False

    def __init__(self, nin):
        self.nin = nin
        self.name = "copy_slices"
        self._nothing_saved = (None,) * nin
        self.vjp = (self._base_grad,) + tuple(self._input_grad(i) for i in range(1, nin))

    def _split(self, rest):
        nin = self.nin
        return rest[:nin], rest[nin], rest[nin + 1], rest[nin + 2], rest[nin + 3:]

    def _base_grad(self, grad, *rest):
        saved, out, fn, geom, params = self._split(rest)
        g = fn._prim.vjp[0](as_strided_view(grad, geom), *saved, out, *params)
        if g is None:
            g = _zeros_like(as_strided_view(grad, geom))
        elif fn._meta[0] is not None:
            from ..autograd.engine import _conform
            g = _conform(g, fn._meta[0], fn, 0)
        return as_strided_scatter(grad, g, geom)

    def _input_grad(self, i):
        def formula(grad, *rest):
            saved, out, fn, geom, params = self._split(rest)
            return fn._prim.vjp[i](as_strided_view(grad, geom), *saved, out, *params)
        return formula


class _CopySlicesAnyRule:
    """CopySlices over a result whose node does not read the view directly (a composite
    in-place op): the base's gradient outside the view goes to its old history, inside it
    into the result's history (which reaches the view's old values on its own)."""
    __slots__ = ()
    name = "copy_slices"
    nin = 2
    nout = 1
    view = False
    _nothing_saved = (None, None)
    vjp = (lambda grad, a, b, out, fn, geom:
           as_strided_scatter(grad, _zeros_like(as_strided_view(grad, geom)), geom),
           lambda grad, a, b, out, fn, geom: as_strided_view(grad, geom))


_RULES = {}
_ANY_RULE = _CopySlicesAnyRule()


def _edge(t):
    if not t._requires_grad:
        return (None, 0)
    fn = t.grad_fn
    return (fn, t._output_nr) if fn is not None else (t._accumulator(), 0)


def _copy_slices(view, base, result):
    fn = result.grad_fn
    geom = ViewGeometry(view, base)
    node = CopySlices()
    node._seq = _next_seq()
    node._retained = None
    if ANOMALY.enabled:
        _anomaly_record(node)
    base_edge = _edge(base)
    direct = isinstance(fn, PrimitiveNode) and type(fn) is not CopySlices and \
        result._output_nr == 0 and fn.next_functions and \
        fn.next_functions[0] == _edge(view) and isinstance(fn._prim, Primitive) and \
        fn._prim.nout == 1
    if direct:
        nin = len(fn.next_functions)
        rule = _RULES.get(nin)
        if rule is None:
            rule = _RULES[nin] = _CopySlicesRule(nin)
        node._prim = rule
        node._params = (fn, geom) + tuple(fn._params)
        node.next_functions = (base_edge,) + tuple(fn.next_functions[1:])
        node._meta = (None,) + tuple(fn._meta[1:])
        # the op's saved values move here: freed with this node, named after the op
        node._saved, node._versions = fn._saved, fn._versions
        fn._saved = fn._versions = None
    else:
        node._prim = _ANY_RULE
        node._params = (fn, geom)
        node.next_functions = (base_edge, (fn, result._output_nr))
        node._meta = (None, None)
        node._saved = node._versions = None
    return node


# ----- the in-place methods
def _snapshot(self):
    """A copy of self's values that carries self's history: what an in-place op computes
    from, so the values its node saves are not the ones it then overwrites."""
    snap = Tensor._make(self._data.copy(), self._requires_grad, self.grad_fn)
    snap._output_nr = self._output_nr
    return snap


def _records(self, args):
    return STATE.enabled and (self._requires_grad or any(map(_requires_grad, args)))


def inplace_method(fn):
    """The in-place method ``fn_`` of an out-of-place function ``fn(self, *args)``."""
    def method(self, *args, **kwargs):
        _check_inplace(self, args)
        if _records(self, args):
            snap = _snapshot(self)
            args = tuple(snap if a is self else a for a in args)
            return apply_inplace(self, fn(snap, *args, **kwargs))
        return apply_inplace(self, fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    return method


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
copy_p = primitive("copy_", "CopyBackwards",
                   forward=lambda xp, a, src: xp.broadcast_to(src, a.shape).astype(a.dtype),
                   vjp=(lambda g, a, src, out: _zeros_like(g),
                        lambda g, a, src, out: g),
                   jvp=lambda ta, ts, a, src, out:
                   _zeros_like(out) if ts is None else ts.expand(out.shape).to(out.dtype),
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
    if _records(self, ()):
        return apply_inplace(self, zero_p(_snapshot(self)))
    return _write(self, 0)


def fill_(self, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        _check_inplace(self, (value,))
        if _records(self, (value,)):
            return apply_inplace(self, fill_tensor_p(_snapshot(self), value))
        return _write(self, value._data)
    _check_inplace(self)
    if _records(self, ()):
        return apply_inplace(self, fill_scalar_p(_snapshot(self), value))
    return _write(self, value)


def copy_(self, src, non_blocking=False):
    """Copy ``src``'s values (broadcast, cast to self's dtype) into self, in place."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    _check_inplace(self, (src,))
    try:
        np.broadcast_shapes(src._data.shape, self._data.shape)
        ok = np.broadcast_shapes(src._data.shape, self._data.shape) == self._data.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(
            f"The size of tensor a ({self._data.shape[-1] if self._data.ndim else 1}) must "
            f"match the size of tensor b ({src._data.shape[-1] if src._data.ndim else 1}) at "
            f"non-singleton dimension {max(self._data.ndim - 1, 0)}")
    if _records(self, (src,)):
        return apply_inplace(self, copy_p(_snapshot(self), src))
    src_data = src._data
    if np.shares_memory(src_data, self._data):
        src_data = src_data.copy()
    return _write(self, src_data)
