"""How a primitive is declared (forward on arrays, one VJP formula per input, a JVP), and
its call: the fast path (nothing to record) and the recording path (node, saved values,
next_functions). The registry of all primitives lives here."""
import dis

import numpy as np

from ..autograd.grad_mode import STATE
from ..autograd.graph import node_class, _next_seq, _SAVED_HOOKS, _pack_primitive
from ..autograd.anomaly_mode import ANOMALY, record as _anomaly_record
from .. import dtypes as _dt

__all__ = ["primitive", "REGISTRY", "ELEMENTWISE", "LINEAR", "PROMOTE", "FLOAT", "COMPARE"]

REGISTRY = {}  # name -> Primitive: the one list the namespace, docs and tests enumerate
INSTANCES = []  # every Primitive, variants (SumBackward1, ...) included: for tracing tools

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
_NO_META2 = (None, None)
_NO_META1 = (None,)
Tensor = _make = None  # bound by bind_tensor() once the class exists (no import cycle)
# While a dual level (forward-mode AD) or a vmap is active, every primitive call goes
# through this dispatcher (autograd/forward_ad.py); otherwise it is None and costs each
# call one global read.
_hook = None


def bind_tensor(cls):
    global Tensor, _make
    Tensor, _make = cls, cls._make


def operand(x):
    """An operand as PyTorch takes it: Python numbers stay numbers ('wrapped numbers'),
    NumPy scalars become Python numbers, NumPy arrays become tensors."""
    if isinstance(x, (int, float, Tensor)):
        return x
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        _dt.from_numpy_dtype(x.dtype)
        return Tensor._make(x.copy())
    raise TypeError(f"unsupported operand type: '{type(x).__name__}'")


def broadcast_shapes(*shapes):
    """PyTorch's broadcasting of shapes, with its error message (which names the last
    mismatching dimension: sizes are matched from the right)."""
    out = ()
    for s in shapes:
        n = max(len(out), len(s))
        a = (1,) * (n - len(out)) + tuple(out)
        b = (1,) * (n - len(s)) + tuple(s)
        for i in reversed(range(n)):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of "
                                   f"tensor b ({b[i]}) at non-singleton dimension {i}")
        out = tuple(y if x == 1 else x for x, y in zip(a, b))
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


def _rerun_with_wrapped_ints(forward, arrays, params):
    """Rerun a kernel NumPy refused because a Python int is out of an integer tensor's
    range: PyTorch first converts the number to the tensor's dtype, wrapping around
    (int8 * 1000 multiplies by -24), and refuses only what does not fit 64 bits."""
    dt = next((a.dtype for a in arrays if type(a) is _ndarray and a.dtype.kind in "iu"), None)
    if dt is None:
        raise  # (the OverflowError being handled) no integer tensor: nothing to wrap to

    def wrap(v):
        if type(v) is not int:
            return v
        if not -(1 << 63) <= v < 1 << 64:
            raise OverflowError("int too big to convert") from None
        return np.array(v % (1 << 64), dtype=np.uint64).astype(dt)[()]

    return forward(np, *map(wrap, arrays), *map(wrap, params))


class Primitive:
    """One differentiable operation. Calling it runs ``forward`` on the inputs' arrays;
    when grad mode is on and an input requires grad it also records a node whose
    backward applies ``vjp[i]`` for each input ``i`` that needs a gradient."""
    __slots__ = ("name", "node_name", "node_cls", "forward", "vjp", "jvp", "nin", "dtypes",
                 "view", "differentiable", "_uses", "_plans", "_nothing_saved", "_scalars",
                 "call", "nout", "vjp_data")

    def __init__(self, name, node, forward, vjp=(), jvp=None, nin=None, dtypes=None,
                 view=False, nout=1, vjp_data=None):
        self.name = name
        self.node_name = node
        self.node_cls = node_class(node) if node else None
        self.forward = forward
        self.vjp = tuple(vjp)
        self.jvp = jvp
        # Optional: the same formulas on bare arrays (g, saved input arrays, output array,
        # params -> array), which the engine runs instead when no graph of the backward is
        # built (see engine.py); each must give the bits its Tensor formula gives.
        self.vjp_data = None if vjp_data is None else tuple(vjp_data)
        if self.vjp_data is not None and (len(self.vjp_data) != len(self.vjp) or nout != 1):
            raise ValueError("vjp_data needs one formula per vjp formula, one output")
        self.nin = len(self.vjp) if nin is None else nin
        self.dtypes = dtypes
        self.view = view
        self.nout = nout
        if nout != 1 and jvp == ELEMENTWISE:
            raise ValueError("a multi-output primitive's JVP must be a function")
        self.differentiable = bool(self.vjp)
        self._uses = [self._inputs_used_by(f) for f in self.vjp]
        self._plans = {}  # input-needs-grad bit mask -> (inputs to save, save output)
        self._nothing_saved = (None,) * self.nin
        # Elementwise kernels may run on NumPy scalars, ~10x faster than on 0-d arrays.
        self._scalars = jvp == ELEMENTWISE
        self.call = self._make_multi_call() if nout != 1 else \
            self._make_unary_call() if self.nin == 1 else \
            self._make_ternary_call() if self.nin == 3 and dtypes is None else self._make_call()
        INSTANCES.append(self)

    def __repr__(self):
        return f"<primitive {self.name}>"

    @property
    def __name__(self):  # torch.exp.__name__ is 'exp': code that names its functions reads it
        return self.name

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
        """Which inputs (and whether the output) to save, given which inputs need grad
        (bit i of ``mask`` set when input i does)."""
        idx, out = set(), False
        for i, (used, uses_out) in enumerate(self._uses):
            if mask >> i & 1:
                idx.update(used)
                out = out or uses_out
        plan = self._plans[mask] = (tuple(sorted(idx)), out)
        return plan

    def _result_dtype(self, inputs):
        """The NumPy dtype the inputs are cast to; the common cases (same dtypes, a
        Python number with a float tensor) skip the full promotion rules."""
        if len(inputs) == 2:
            a, b = inputs
            if isinstance(a, Tensor):
                da = a._data.dtype
                tb = type(b)
                if (tb is float and da.kind == "f") or (tb is int and da.kind in "fiu") or \
                        (isinstance(b, Tensor) and b._data.dtype is da):
                    if self.dtypes is FLOAT and da.kind != "f":
                        return _dt._default[0].np
                    return da
        rdt = _dt.cached_result_type(inputs)
        if self.dtypes is FLOAT and rdt.category != 2:
            rdt = _dt._default[0]
        return rdt.np

    def _make_call(self):
        """The call, as a closure over this primitive's fields: on the hot path attribute
        lookups become cell reads, and operators bind ``call`` as a method directly."""
        nin, rule, forward, scalars = self.nin, self.dtypes, self.forward, self._scalars
        differentiable, view, name = self.differentiable, self.view, self.name
        result_dtype, record2, record_n = self._result_dtype, self._record2, self._record
        prim = self

        def call(*args):
            if _hook is not None:
                return _hook(prim, args)
            npd = None
            if nin == 2:
                # Binary ops are most of any workload: promote, cast and unwrap inline. npd
                # stays None when no cast is needed: same dtypes, or a Python number with a
                # tensor it cannot widen (NumPy's weak scalars then keep the tensor's dtype).
                a, b = args[0], args[1]
                tyb = type(b)
                if tyb is not float and tyb is not int and not isinstance(b, Tensor):
                    b = operand(b)
                    tyb = type(b)
                    args = (a, b) + args[2:]
                ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
                if rule is not None:
                    k = a._data.dtype.kind if ta else None
                    if not (ta and (k == "f" or rule is not FLOAT and k in "iu") and
                            (tyb is float and k == "f" or tyb is int or
                             tb and b._data.dtype is a._data.dtype)):
                        npd = result_dtype((a, b))
                record = False
                if ta:
                    aa = a._data
                    if npd is not None and aa.dtype is not npd:
                        aa = aa.astype(npd)
                    if aa.ndim == 0 and scalars and aa.dtype.kind == "f":
                        aa = aa[()]  # NumPy scalars compute ~10x faster than 0-d arrays
                        # (integers stay arrays: scalar math warns where PyTorch wraps)
                    record = a._requires_grad
                else:
                    aa = a
                if tb:
                    bb = b._data
                    if npd is not None and bb.dtype is not npd:
                        bb = bb.astype(npd)
                    if bb.ndim == 0 and scalars and bb.dtype.kind == "f":
                        bb = bb[()]
                    record = record or b._requires_grad
                else:
                    bb = b
                arrays = (aa, bb)
            elif nin == 1:
                x = args[0]
                if not isinstance(x, Tensor):
                    raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, "
                                    f"not {type(x).__name__}")
                a = x._data
                if rule is FLOAT and a.dtype.kind != "f":
                    a = a.astype(_dt._default[0].np)
                record = x._requires_grad
                arrays = (a,)
            else:
                npd = result_dtype(args[:nin]) if rule is not None else None
                arrays = []
                record = False
                for x in args[:nin]:
                    if isinstance(x, Tensor):
                        a = x._data
                        if npd is not None and a.dtype is not npd:
                            a = a.astype(npd)
                        arrays.append(a)
                        if x._requires_grad:
                            record = True
                    else:
                        arrays.append(x)
            try:
                if nin == 2 and len(args) == 2:
                    out = forward(np, aa, bb)
                else:
                    out = forward(np, *arrays, *args[nin:])
            except ValueError as e:
                if "broadcast" in str(e):  # NumPy's words; PyTorch's are the ones users search
                    broadcast_shapes(*(np.shape(a) for a in arrays))
                raise
            except OverflowError:
                out = _rerun_with_wrapped_ints(forward, arrays, args[nin:])
            if type(out) is not _ndarray:
                out = np.asarray(out)
            if npd is not None and rule is not COMPARE and out.dtype is not npd:
                out = out.astype(npd)
            if record and STATE.enabled and differentiable:
                if nin == 2:
                    result = record2(args[0], args[1], args[2:], out)
                else:
                    result = record_n(args[:nin], args[nin:], out)
            else:
                result = _make(out)
            if view:
                result._become_view_of(args[0])
            return result

        return call

    def _make_unary_call(self):
        """``_make_call`` for one tensor input (activations, views, reductions: most unary
        calls), with the branches for other arities dropped and recording unrolled (the
        one input requires grad whenever it records, so the save plan is fixed)."""
        rule, forward, name = self.dtypes, self.forward, self.name
        differentiable, view = self.differentiable, self.view
        node_cls, prim = self.node_cls, self
        save_x, save_out = self._plan(1) if differentiable else ((), False)
        save_x = bool(save_x)
        saves = save_x or save_out

        def call(*args):
            if _hook is not None:
                return _hook(prim, args)
            x = args[0]
            if not isinstance(x, Tensor):
                raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, "
                                f"not {type(x).__name__}")
            a = x._data
            if rule is FLOAT and a.dtype.kind != "f":
                a = a.astype(_dt._default[0].np)
            try:
                out = forward(np, a) if len(args) == 1 else forward(np, a, *args[1:])
            except ValueError as e:
                if "broadcast" in str(e):  # (kept as _make_call has it)
                    broadcast_shapes(np.shape(a))
                raise
            except OverflowError:
                out = _rerun_with_wrapped_ints(forward, (a,), args[1:])
            if type(out) is not _ndarray:
                out = np.asarray(out)
            if x._requires_grad and STATE.enabled and differentiable:
                # _record for one input, inline
                node = node_cls()
                node._seq = _next_seq()
                node._prim = prim
                node._params = args[1:]
                node._hooks = None
                if ANOMALY.enabled:
                    _anomaly_record(node)
                result = _make(out, True, node)
                fn = x.grad_fn
                node.next_functions = ((fn, x._output_nr) if fn is not None else
                                       (x._accumulator(), 0),)
                d = x._data
                node._meta = _NO_META1 if d.shape == out.shape and d.dtype is out.dtype \
                    else ((d.shape, d.dtype),)
                if saves:
                    so = None
                    if save_out:
                        counter = result._version_counter()
                        so = (out, counter, counter[0])
                    if save_x:
                        node._saved = (x, so)
                        node._versions = (x._saved_version(), None)
                    else:
                        node._saved = (None, so)
                        node._versions = None
                    if _SAVED_HOOKS:
                        _pack_primitive(node, result)
                else:
                    node._saved = None
                    node._versions = None
            else:
                result = _make(out)
            if view:
                result._become_view_of(x)
            return result

        return call

    def _make_ternary_call(self):
        """``_make_call`` for three inputs without dtype rules (addmm, the linear layer's
        op, and the other fused products), unrolled: no lists or loops over the inputs,
        recording inline."""
        forward, differentiable, view = self.forward, self.differentiable, self.view
        node_cls, prim, plans, make_plan = self.node_cls, self, self._plans, self._plan
        general = self._make_call()

        def call(*args):
            if _hook is not None:
                return _hook(prim, args)
            if len(args) < 3:
                return general(*args)  # (fewer arguments: the general call's error)
            a, b, c = args[0], args[1], args[2]
            ra = rb = rc = False
            if isinstance(a, Tensor):
                xa = a._data
                ra = a._requires_grad
            else:
                xa = a
            if isinstance(b, Tensor):
                xb = b._data
                rb = b._requires_grad
            else:
                xb = b
            if isinstance(c, Tensor):
                xc = c._data
                rc = c._requires_grad
            else:
                xc = c
            try:
                out = forward(np, xa, xb, xc) if len(args) == 3 else \
                    forward(np, xa, xb, xc, *args[3:])
            except ValueError as e:
                if "broadcast" in str(e):  # NumPy's words; PyTorch's are the ones users search
                    broadcast_shapes(np.shape(xa), np.shape(xb), np.shape(xc))
                raise
            except OverflowError:
                out = _rerun_with_wrapped_ints(forward, (xa, xb, xc), args[3:])
            if type(out) is not _ndarray:
                out = np.asarray(out)
            if (ra or rb or rc) and STATE.enabled and differentiable:
                # _record for three inputs, inline
                node = node_cls()
                node._seq = _next_seq()
                node._prim = prim
                node._params = args[3:]
                node._hooks = None
                if ANOMALY.enabled:
                    _anomaly_record(node)
                result = _make(out, True, node)
                out_shape, out_dtype = out.shape, out.dtype
                ea = eb = ec = _NO_EDGE
                ma = mb = mc = None
                if ra:
                    fn = a.grad_fn
                    ea = (fn, a._output_nr) if fn is not None else (a._accumulator(), 0)
                    if xa.shape != out_shape or xa.dtype is not out_dtype:
                        ma = (xa.shape, xa.dtype)
                if rb:
                    fn = b.grad_fn
                    eb = (fn, b._output_nr) if fn is not None else (b._accumulator(), 0)
                    if xb.shape != out_shape or xb.dtype is not out_dtype:
                        mb = (xb.shape, xb.dtype)
                if rc:
                    fn = c.grad_fn
                    ec = (fn, c._output_nr) if fn is not None else (c._accumulator(), 0)
                    if xc.shape != out_shape or xc.dtype is not out_dtype:
                        mc = (xc.shape, xc.dtype)
                node.next_functions = (ea, eb, ec)
                node._meta = (ma, mb, mc)
                mask = ra + 2 * rb + 4 * rc
                plan = plans.get(mask)
                idx, save_out = plan if plan is not None else make_plan(mask)
                if idx or save_out:
                    so = None
                    if save_out:
                        counter = result._version_counter()
                        so = (out, counter, counter[0])
                    sa = a if 0 in idx else None
                    sb = b if 1 in idx else None
                    sc = c if 2 in idx else None
                    node._saved = (sa, sb, sc, so)
                    ta, tb, tc = (isinstance(sa, Tensor), isinstance(sb, Tensor),
                                  isinstance(sc, Tensor))
                    if ta or tb or tc:
                        node._versions = (sa._saved_version() if ta else None,
                                          sb._saved_version() if tb else None,
                                          sc._saved_version() if tc else None, None)
                    else:
                        node._versions = None
                    if _SAVED_HOOKS:
                        _pack_primitive(node, result)
                else:
                    node._saved = None
                    node._versions = None
            else:
                result = _make(out)
            if view:
                result._become_view_of(a)
            return result

        return call

    def _make_multi_call(self):
        """The call of a primitive with several outputs (``nout``): a tuple of tensors that
        share one node, as output_nr 0, 1, ...; integer and bool outputs (indices, signs)
        never require grad."""
        nin, rule, forward, name = self.nin, self.dtypes, self.forward, self.name
        differentiable, view = self.differentiable, self.view
        result_dtype, record_multi = self._result_dtype, self._record_multi
        prim = self

        def call(*args):
            if _hook is not None:
                return _hook(prim, args)
            npd = result_dtype(args[:nin]) if rule is not None else None
            arrays = []
            record = False
            for k, x in enumerate(args[:nin]):
                if isinstance(x, Tensor):
                    a = x._data
                    if npd is not None and a.dtype is not npd:
                        a = a.astype(npd)
                    arrays.append(a)
                    record = record or x._requires_grad
                elif nin == 1:
                    raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, "
                                    f"not {type(x).__name__}")
                else:
                    arrays.append(x)
            outs = tuple(o if type(o) is _ndarray else np.asarray(o)
                         for o in forward(np, *arrays, *args[nin:]))
            if record and STATE.enabled and differentiable:
                results = record_multi(args[:nin], args[nin:], outs)
            else:
                results = tuple(map(_make, outs))
            if view:
                for r in results:
                    r._become_view_of(args[0])
            return results

        return call

    def __call__(self, *args):
        return self.call(*args)

    def _record2(self, a, b, params, out):
        """``_record`` unrolled for two inputs: most recorded ops are binary, and the
        per-op cost is what a scalar-heavy workload pays."""
        node = self.node_cls()
        node._seq = _next_seq()
        node._prim = self
        node._params = params
        node._hooks = None
        if ANOMALY.enabled:
            _anomaly_record(node)
        result = _make(out, True, node)
        ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
        ra, rb = ta and a._requires_grad, tb and b._requires_grad
        ea = eb = _NO_EDGE
        ma = mb = None
        if ra:
            fn = a.grad_fn
            ea = (fn, a._output_nr) if fn is not None else (a._accumulator(), 0)
            d = a._data
            if d.shape != out.shape or d.dtype is not out.dtype:
                ma = (d.shape, d.dtype)
        if rb:
            fn = b.grad_fn
            eb = (fn, b._output_nr) if fn is not None else (b._accumulator(), 0)
            d = b._data
            if d.shape != out.shape or d.dtype is not out.dtype:
                mb = (d.shape, d.dtype)
        node.next_functions = (ea, eb)
        node._meta = _NO_META2 if ma is None and mb is None else (ma, mb)
        mask = ra + 2 * rb
        plan = self._plans.get(mask)
        idx, save_out = plan if plan is not None else self._plan(mask)
        if idx or save_out:
            sa, sb = 0 in idx, 1 in idx
            so = None
            if save_out:
                counter = result._version_counter()
                so = (out, counter, counter[0])
            node._saved = (a if sa else None, b if sb else None, so)
            if (sa and ta) or (sb and tb):
                node._versions = (a._saved_version() if sa and ta else None,
                                  b._saved_version() if sb and tb else None, None)
            else:
                node._versions = None
            if _SAVED_HOOKS:  # saved_tensors_hooks active: pack what was saved
                _pack_primitive(node, result)
        else:
            node._saved = None
            node._versions = None
        return result

    def _record(self, inputs, params, out):
        """The recording path: a node linked to the inputs' nodes, holding what the VJP
        formulas of the inputs that need a gradient will read."""
        node = self.node_cls()
        node._seq = _next_seq()
        node._prim = self
        node._params = params
        node._hooks = None
        if ANOMALY.enabled:
            _anomaly_record(node)
        result = _make(out, True, node)
        edges = []
        meta = []  # (shape, dtype) of an input the engine must reduce/cast its grad to
        mask = 0
        bit = 1
        out_shape, out_dtype = out.shape, out.dtype
        for x in inputs:
            if isinstance(x, Tensor) and x._requires_grad:
                fn = x.grad_fn
                edges.append((fn, x._output_nr) if fn is not None else (x._accumulator(), 0))
                d = x._data
                meta.append(None if d.shape == out_shape and d.dtype is out_dtype
                            else (d.shape, d.dtype))
                mask |= bit
            else:
                edges.append(_NO_EDGE)
                meta.append(None)
            bit <<= 1
        node.next_functions = tuple(edges)
        node._meta = tuple(meta)
        plan = self._plans.get(mask)
        idx, save_out = plan if plan is not None else self._plan(mask)
        if idx or save_out:
            saved = [None] * (self.nin + 1)
            versions = None
            for i in idx:
                x = saved[i] = inputs[i]
                if isinstance(x, Tensor):
                    if versions is None:
                        versions = [None] * (self.nin + 1)
                    versions[i] = x._saved_version()
            if save_out:
                counter = result._version_counter()
                saved[-1] = (out, counter, counter[0])
            node._saved = tuple(saved)
            node._versions = None if versions is None else tuple(versions)
            if _SAVED_HOOKS:
                _pack_primitive(node, result)
        else:
            node._saved = None
            node._versions = None
        return result

    def _record_multi(self, inputs, params, outs):
        """``_record`` for several outputs: one node; each floating output is its output
        ``output_nr``; the node keeps the outputs' shapes and dtypes, so that the engine can
        fill in zeros for an output no gradient reached."""
        node = self.node_cls()
        node._seq = _next_seq()
        node._prim = self
        node._params = params
        node._hooks = None
        if ANOMALY.enabled:
            _anomaly_record(node)
        node._out_meta = tuple((o.shape, o.dtype) for o in outs)
        results = []
        for nr, o in enumerate(outs):
            if o.dtype.kind in "fc":
                r = _make(o, True, node)
                r._output_nr = nr
            else:
                r = _make(o)
            results.append(r)
        edges, meta, mask = [], [], 0
        for bit, x in enumerate(inputs):
            if isinstance(x, Tensor) and x._requires_grad:
                fn = x.grad_fn
                edges.append((fn, x._output_nr) if fn is not None else (x._accumulator(), 0))
                d = x._data
                meta.append((d.shape, d.dtype))
                mask |= 1 << bit
            else:
                edges.append(_NO_EDGE)
                meta.append(None)
        node.next_functions = tuple(edges)
        node._meta = tuple(meta)
        plan = self._plans.get(mask)
        idx, save_out = plan if plan is not None else self._plan(mask)
        saved = [None] * (self.nin + 1)
        versions = None
        for i in idx:
            x = saved[i] = inputs[i]
            if isinstance(x, Tensor):
                versions = versions or [None] * (self.nin + 1)
                versions[i] = x._saved_version()
        if save_out:
            saved[-1] = tuple((o, c, c[0]) for o, c in
                              ((r._data, r._version_counter()) for r in results))
        node._saved = tuple(saved) if idx or save_out else None
        node._versions = None if versions is None else tuple(versions)
        if _SAVED_HOOKS and node._saved is not None:
            _pack_primitive(node, tuple(results))
        return tuple(results)

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
                         self.nin, self.dtypes, self.view, register=False, nout=self.nout,
                         vjp_data=self.vjp_data)


def primitive(name, node, forward, vjp=(), jvp=None, nin=None, dtypes=None, view=False,
              register=True, nout=1, vjp_data=None):
    """Declare a primitive: its name, its PyTorch node name, ``forward(xp, *arrays,
    *params)``, one VJP formula ``(grad, *inputs, out, *params)`` per input written in
    Tensor ops, and its JVP (ELEMENTWISE, LINEAR, or ``(*tangents, *inputs, out,
    *params)``). ``nin`` counts the tensor inputs when there is no VJP (comparisons).
    With ``nout`` > 1 the forward returns a tuple of arrays and the call a tuple of
    tensors sharing one node; each VJP formula then reads ``(grads, *inputs, outs,
    *params)``: a gradient per output (zeros where none arrived; None for integer
    outputs) and the outputs; the JVP returns a tuple of tangents. ``vjp_data``, for the
    hottest one-output primitives, repeats the VJP formulas on arrays (engine.py)."""
    p = Primitive(name, node, forward, vjp, jvp, nin, dtypes, view, nout, vjp_data)
    if register:
        if name in REGISTRY:
            raise ValueError(f"primitive {name!r} declared twice")
        REGISTRY[name] = p
    return p
