"""The history of views after in-place ops (PyTorch's view+inplace semantics): an in-place
op on a view makes its base's node a CopySlices wrapping the op's node, and every view of
the storage reads from the base again through an AsStridedBackward0 node, located by a
ViewGeometry (where the view's elements sit in its base)."""
import numpy as np

from ..tensor import Tensor
from ..autograd.graph import PrimitiveNode, node_class, _next_seq
from ..autograd.anomaly_mode import ANOMALY, record as _anomaly_record
from .primitive import primitive, LINEAR, Primitive


def _history_moved(t, old_fn):
    """``t`` got a new grad_fn from an in-place op: retain_grad (and, where the library has
    them, tensor hooks) follow PyTorch's rules for the new node."""
    changed = getattr(t, "_grad_fn_changed", None)
    if changed is not None:  # the hooks machinery's own rule
        if old_fn is not None:
            changed(old_fn)
        return
    if not t._retains_grad:
        return
    retained = getattr(old_fn, "_retained", None)
    if retained:
        for nr, ref in list(retained.items()):
            if ref() is t:
                del retained[nr]
    t._retains_grad = False
    t.retain_grad()


def new_node(cls):
    """A node made outside a primitive's record path, with the per-node fields the engine
    reads (whichever of them this version of graph.py has) cleared."""
    node = cls()
    node._seq = _next_seq()
    for name in _NODE_FIELDS:
        setattr(node, name, None)
    return node


_NODE_FIELDS = tuple(n for n in ("_retained", "_hooks", "_saved", "_versions", "_out_meta")
                     if hasattr(PrimitiveNode, n))


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
    node = new_node(_AS_STRIDED)
    node._prim = as_strided_view
    node._params = (ViewGeometry(view, base),)
    node.next_functions = ((base.grad_fn, base._output_nr),)
    node._meta = (None,)
    if ANOMALY.enabled:
        _anomaly_record(node)
    old_fn = view.grad_fn
    view.grad_fn = node
    view._output_nr = 0
    view._requires_grad = True
    _history_moved(view, old_fn)


# ----- CopySlices: the base's history after one of its views changed in place
def _copy_slices_unpack(self):
    """CopySlices' saved values are the in-place op's: checked and named as that op's
    (Exp, Mul...)."""
    if not _wraps_op(self):
        return PrimitiveNode._unpack(self)
    fn, geom = self._params[0], self._params[1]
    saved, out = PrimitiveNode._unpack(fn)
    if out is not None and out.grad_fn is fn:
        # the saved output is the view's value now: its history is the view's (a strided
        # read of this node's base), as PyTorch unpacks an in-place-on-view output
        node = new_node(_AS_STRIDED)
        node._prim = as_strided_view
        node._params = (geom,)
        node.next_functions = ((self, 0),)
        node._meta = (None,)
        t = Tensor._make(out._data, True, node)
        fw = getattr(out, "_fw", None)
        if fw is not None:
            t._fw = fw
        out = t
    return saved, out


def _wraps_op(node):
    try:
        return type(node._prim) is _CopySlicesRule
    except AttributeError:  # (still being built)
        return False


def _slot_proxy(slot):
    """A CopySlices that wraps an op's node keeps no saved values of its own: it reads and
    frees the op's (as PyTorch's CopySlices releases its fn's), so double backward through
    the op's node sees them freed too."""
    def get(self):
        return getattr(self._params[0], slot.__name__) if _wraps_op(self) else slot.__get__(self)

    def set(self, value):
        if _wraps_op(self):
            setattr(self._params[0], slot.__name__, value)
        else:
            slot.__set__(self, value)
    return property(get, set)


# The base's node after an in-place op on a view: the gradient of the base outside the view
# passes through to the base's old history; inside the view it goes through the in-place
# op's node (as PyTorch's CopySlices wraps it). One class per node name (node_class), shared
# with the indexing family's x[...] = v; PyTorch's C++ nodes name themselves with their
# namespace.
CopySlices = node_class("CopySlices")
CopySlices._unpack = _copy_slices_unpack
CopySlices._saved = _slot_proxy(PrimitiveNode._saved)
CopySlices._versions = _slot_proxy(PrimitiveNode._versions)
for _name in ("CopySlices", "CopyBackwards"):
    node_class(_name).name = (lambda n: lambda self: f"torch::autograd::{n}")(_name)


class _CopySlicesRule:
    """What the engine reads of a node's primitive, for CopySlices over an ``nin``-input
    op: one formula per edge (edge 0 is the base), fed with the op's saved values."""
    __slots__ = ("vjp", "_nothing_saved", "name", "nin")
    nout = 1
    view = False
    vjp_data = None  # (Tensor formulas only)

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
    vjp_data = None
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
    node = new_node(CopySlices)
    if ANOMALY.enabled:
        _anomaly_record(node)
    base_edge = _edge(base)
    direct = isinstance(fn, PrimitiveNode) and result._output_nr == 0 and fn.next_functions and \
        fn.next_functions[0] == _edge(view) and isinstance(fn._prim, Primitive) and \
        fn._prim.nout == 1
    if direct:
        nin = len(fn.next_functions)
        rule = _RULES.get(nin)
        if rule is None:
            rule = _RULES[nin] = _CopySlicesRule(nin)
        node._params = (fn, geom) + tuple(fn._params)
        node._prim = rule  # from here on, node._saved is fn's (see _slot_proxy)
        node.next_functions = (base_edge,) + tuple(fn.next_functions[1:])
        node._meta = (None,) + tuple(fn._meta[1:])
    else:
        node._prim = _ANY_RULE
        node._params = (fn, geom)
        node.next_functions = (base_edge, (fn, result._output_nr))
        node._meta = (None, None)
        node._saved = node._versions = None
    return node
