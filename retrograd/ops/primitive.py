"""How a primitive is declared (forward on arrays, one VJP formula per input, a JVP), and
its call: the fast path (nothing to record) and the recording path (node, saved values,
next_functions). The registry of all primitives lives here."""
import dis

import numpy as np

from ..autograd.grad_mode import STATE
from ..autograd.graph import node_class, _next_seq
from .. import dtypes as _dt

__all__ = ["primitive", "REGISTRY", "ELEMENTWISE", "LINEAR", "PROMOTE", "FLOAT", "COMPARE"]

REGISTRY = {}  # name -> Primitive: the one list the namespace, docs and tests enumerate

# JVP shorthands. ELEMENTWISE: every input's Jacobian is diagonal, so the JVP is the sum
# of the VJP formulas applied to the tangents. LINEAR: the op is linear in its one input,
# so the JVP is the op applied to the tangent.
ELEMENTWISE = "elementwise"
LINEAR = "linear"

# dtype rules for the inputs. PROMOTE: cast tensor inputs to PyTorch's result type.
# FLOAT: the same, then integers and bool go to the default float dtype (exp, /, ...).
# COMPARE: promote the inputs; the result is bool.
PROMOTE, FLOAT, COMPARE = "promote", "float", "compare"

_ndarray = np.ndarray
_NO_EDGE = (None, 0)
Tensor = None  # bound by tensor.py once the class exists (it imports this module)


def broadcast_shapes(*shapes):
    """PyTorch's broadcasting of shapes, with its error message."""
    out = ()
    for s in shapes:
        n = max(len(out), len(s))
        a = (1,) * (n - len(out)) + tuple(out)
        b = (1,) * (n - len(s)) + tuple(s)
        res = []
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y and x != 1 and y != 1:
                raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor "
                                   f"b ({y}) at non-singleton dimension {i}")
            res.append(y if x == 1 else x)
        out = tuple(res)
    return out


def _loaded_names(fn):
    """The argument names a formula actually reads: what must be saved for it."""
    code = fn.__code__
    names = set(code.co_cellvars)  # arguments captured by a nested function
    for ins in dis.get_instructions(code):
        if "FAST" in ins.opname or "DEREF" in ins.opname:
            v = ins.argval
            names.update(v if isinstance(v, tuple) else (v,))
    return names


class Primitive:
    """One differentiable operation. Calling it runs ``forward`` on the inputs' arrays;
    when grad mode is on and an input requires grad it also records a node whose
    backward applies ``vjp[i]`` for each input ``i`` that needs a gradient."""

    def __init__(self, name, node, forward, vjp=(), jvp=None, nin=None, dtypes=None,
                 view=False):
        self.name = name
        self.node_name = node
        self.node_cls = node_class(node) if node else None
        self.forward = forward
        self.vjp = tuple(vjp)
        self.jvp = jvp
        self.nin = len(self.vjp) if nin is None else nin
        self.dtypes = dtypes
        self.view = view
        self.differentiable = bool(self.vjp)
        self._uses = [self._inputs_used_by(f) for f in self.vjp]
        self._plans = {}

    def __repr__(self):
        return f"<primitive {self.name}>"

    def _inputs_used_by(self, fn):
        """(indices of inputs, uses out) that formula ``fn`` reads."""
        code = fn.__code__
        if code.co_flags & 0x04:  # *args: cannot tell, save everything
            return tuple(range(self.nin)), True
        argnames = code.co_varnames[:code.co_argcount]
        loaded = _loaded_names(fn)
        used = tuple(i for i in range(self.nin) if argnames[1 + i] in loaded)
        return used, argnames[1 + self.nin] in loaded

    def _plan(self, mask):
        """Which inputs (and whether the output) to save, given which inputs need grad."""
        plan = self._plans.get(mask)
        if plan is None:
            idx, out = set(), False
            for need, (used, uses_out) in zip(mask, self._uses):
                if need:
                    idx.update(used)
                    out = out or uses_out
            plan = self._plans[mask] = (tuple(sorted(idx)), out)
        return plan

    def __call__(self, *args):
        nin = self.nin
        inputs = args[:nin]
        rule = self.dtypes
        if rule is not None:
            rdt = _dt.cached_result_type(inputs)
            if rule is FLOAT and rdt.category != 2:
                rdt = _dt._default[0]
            npd = rdt.np
        arrays = []
        record = False
        for x in inputs:
            if isinstance(x, Tensor):
                a = x._data
                if rule is not None and a.dtype != npd:
                    a = a.astype(npd)
                arrays.append(a)
                if x._requires_grad:
                    record = True
            else:
                arrays.append(x)
        try:
            out = self.forward(np, *arrays, *args[nin:])
        except ValueError as e:
            if "broadcast" in str(e):  # NumPy's words; PyTorch's are the ones users search
                broadcast_shapes(*(np.shape(a) for a in arrays))
            raise
        if type(out) is not _ndarray:
            out = np.asarray(out)
        if rule is not None and rule is not COMPARE and out.dtype != npd:
            out = out.astype(npd)
        if record and STATE.enabled and self.differentiable:
            result = self._record(inputs, args[nin:], out)
        else:
            result = Tensor._make(out)
        if self.view:
            result._become_view_of(inputs[0])
        return result

    def _record(self, inputs, params, out):
        node = self.node_cls()
        node._seq = _next_seq()
        node._prim = self
        node._params = params
        node._retained = None
        edges = []
        meta = []
        mask = []
        for x in inputs:
            if isinstance(x, Tensor) and x._requires_grad:
                fn = x.grad_fn
                edges.append((fn, x._output_nr) if fn is not None else (x._accumulator(), 0))
                meta.append((x._data.shape, x._data.dtype))
                mask.append(True)
            else:
                edges.append(_NO_EDGE)
                meta.append(None)
                mask.append(False)
        node.next_functions = tuple(edges)
        node._meta = tuple(meta)
        idx, save_out = self._plan(tuple(mask))
        result = Tensor._make(out, True, node)
        if idx or save_out:
            saved = [None] * (self.nin + 1)
            versions = None
            for i in idx:
                x = saved[i] = inputs[i]
                if isinstance(x, Tensor):
                    if versions is None:
                        versions = [None] * (self.nin + 1)
                    versions[i] = x._version
            if save_out:
                counter = result._version_counter()
                saved[-1] = (out, counter, counter[0])
            node._saved = tuple(saved)
            node._versions = None if versions is None else tuple(versions)
        else:
            node._saved = None
            node._versions = None
        return result

    def jvp_apply(self, tangents, inputs, out, params=()):
        """The forward-mode derivative: the output's tangent from the inputs' tangents
        (None means zero)."""
        rule = self.jvp
        if rule == LINEAR:
            t = tangents[0]
            return None if t is None else self(t, *params)
        if rule == ELEMENTWISE:
            total = None
            for f, t in zip(self.vjp, tangents):
                if t is not None:
                    term = f(t, *inputs, out, *params)
                    total = term if total is None else total + term
            if total is not None and total.shape != out.shape:
                total = total.expand(out.shape)
            return total
        return rule(*tangents, *inputs, out, *params)

    def variant(self, node):
        """The same primitive under another node name (PyTorch names overloads apart:
        SumBackward0 for a full sum, SumBackward1 with dims)."""
        return primitive(f"{self.name}[{node}]", node, self.forward, self.vjp, self.jvp,
                         self.nin, self.dtypes, self.view, register=False)


def primitive(name, node, forward, vjp=(), jvp=None, nin=None, dtypes=None, view=False,
              register=True):
    """Declare a primitive: its name, its PyTorch node name, ``forward(xp, *arrays,
    *params)``, one VJP formula ``(grad, *inputs, out, *params)`` per input written in
    Tensor ops, and its JVP (ELEMENTWISE, LINEAR, or ``(*tangents, *inputs, out,
    *params)``). ``nin`` counts the tensor inputs when there is no VJP (comparisons)."""
    p = Primitive(name, node, forward, vjp, jvp, nin, dtypes, view)
    if register:
        if name in REGISTRY:
            raise ValueError(f"primitive {name!r} declared twice")
        REGISTRY[name] = p
    return p
