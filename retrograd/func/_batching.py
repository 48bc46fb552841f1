"""vmap's batched tensors (the rules are in _rules.py). A BatchedTensor holds a physical tensor whose
leading dims are the batch dims of its vmap levels (outermost first); its logical shape is
the rest. A primitive called on one goes to a batching rule that calls the same primitives
on the physical tensors (so autograd and forward AD see ordinary whole-array work), or,
for a primitive without a rule, to a per-example loop whose results are stacked."""
import itertools

import numpy as np

from ..tensor import Tensor
from ..ops.primitive import primitive
from ..ops import shape as _shape
from ..autograd import forward_ad as _fw
from ..ops import inplace as _inplace_mod
import sys as _sys

_new = object.__new__
LEVELS = []   # [(level, batch size)] of the active vmaps, outermost first
_next = [1]
fallback_hits = {}  # primitive name -> how many calls went through the per-example loop


class BatchedTensor(Tensor):
    """A tensor inside vmap: one logical example of a batch kept physically whole."""
    __slots__ = ("_phys", "_lv")
    _is_batched = True

    def __repr__(self):
        text = repr(self._phys)
        for i in reversed(range(len(self._lv))):
            text = f"BatchedTensor(lvl={self._lv[i]}, bdim={i}, value=\n    " + \
                text.replace("\n", "\n    ") + "\n)"
        return text

    __str__ = __repr__

    def _no_data(self, *a, **k):
        raise RuntimeError(
            "vmap: It looks like you're calling .item() on a Tensor. We don't support vmap "
            "over calling .item() on a Tensor, please try to rewrite what you're doing with "
            "other operations. If error is occurring somewhere inside PyTorch internals, "
            "please file a bug report.")

    item = tolist = _no_data

    def numpy(self, force=False):
        raise RuntimeError("vmap: cannot call numpy() on a BatchedTensor: the values of the "
                           "whole batch are not one array inside the vmapped function")

    __array__ = numpy

    def __bool__(self):
        raise RuntimeError(
            "vmap: It looks like you're attempting to use a Tensor in some data-dependent "
            "control flow. We don't support that yet, please shout over at "
            "https://github.com/pytorch/functorch/issues/257 .")

    __float__ = __int__ = __index__ = _no_data

    def backward(self, *args, **kwargs):
        raise RuntimeError(
            "backward() called inside a functorch transform. This is not supported, please "
            "use functorch.grad or functorch.vjp instead or call backward() outside of "
            "functorch transforms.")

    def detach(self):
        return wrap(self._phys.detach(), self._lv)

    def requires_grad_(self, requires_grad=True):
        self._phys.requires_grad_(requires_grad)
        self._requires_grad = self._phys._requires_grad
        return self


class DataDependentError(RuntimeError):
    """Python code read a batched tensor's values: vmap then calls the function once per
    example instead (func/_vmap.py)."""


def _data_dependent(*args, **kwargs):
    raise DataDependentError(
        "vmap: an operation read the values of a batched tensor in Python (a data-dependent "
        "operation, such as one whose output shape depends on the values); retrograd cannot "
        "batch it. Move it out of the vmapped function, or use ops with static shapes.")


_SHAPE_ONLY = {np.reshape, np.shape, np.ndim, np.size, np.broadcast_to, np.result_type,
               np.may_share_memory, np.shares_memory}


class _Logical(np.ndarray):
    """What a BatchedTensor shows as ``_data``: example 0's memory with the logical shape,
    dtype and layout, for the code that reads shapes. Reading its values would see one
    example only, so every value-reading NumPy entry point refuses."""

    def __array_ufunc__(self, *args, **kwargs):
        _data_dependent()

    def __array_function__(self, func, types, args, kwargs):
        if func not in _SHAPE_ONLY:
            _data_dependent()
        args = tuple(a.view(np.ndarray) if isinstance(a, _Logical) else a for a in args)
        return func(*args, **kwargs)

    # (indexing stays allowed: it computes shapes, and its result is guarded the same way)
    __setitem__ = item = tolist = astype = copy = __iter__ = _data_dependent
    __float__ = __int__ = __bool__ = __index__ = __array__ = _data_dependent


def wrap(phys, lv):
    """The BatchedTensor over ``phys`` with levels ``lv`` (a plain tensor when none)."""
    if not lv:
        return phys
    t = _new(BatchedTensor)
    nb = len(lv)
    arr = phys._data
    if all(arr.shape[:nb]):
        view = arr[(0,) * nb + (Ellipsis,)]  # a view: the logical shape, dtype and layout
    else:
        view = np.broadcast_to(np.zeros((), arr.dtype), arr.shape[nb:])
    t._data = view.view(_Logical)
    t._phys, t._lv = phys, lv
    t._requires_grad = phys._requires_grad
    t.grad_fn = phys.grad_fn
    t._grad = t._vc = t._base = t._acc = None
    t._output_nr = phys._output_nr
    t._retains_grad = False
    return t


def unwrap(t):
    return (t._phys, t._lv) if type(t) is BatchedTensor else (t, ())


def sizes():
    return dict(LEVELS)


def align(t, lv, rank):
    """t's physical tensor with a dim per level of ``lv`` (size 1 where t is not batched
    there), then its logical dims left-padded with size-1 dims to ``rank``."""
    phys, tlv = unwrap(t)
    lshape = phys.shape[len(tlv):]
    if tlv == lv and len(lshape) == rank:
        return phys
    sz = phys.shape
    shape = tuple(sz[tlv.index(lv_)] if lv_ in tlv else 1 for lv_ in lv) + \
        (1,) * (rank - len(lshape)) + tuple(lshape)
    return _shape.reshape(phys, shape)


def expand_to(t, lv, bs=None):
    """t's physical tensor batched (expanded where it was not) at every level of ``lv``."""
    phys = align(t, lv, t.dim())
    bs = bs or sizes()
    return phys.expand(tuple(bs[x] for x in lv) + tuple(phys.shape[len(lv):]))


def _levels_of(args):
    lv = set()
    for a in args:
        if type(a) is BatchedTensor:
            lv.update(a._lv)
    return tuple(sorted(lv))


# ----- the per-example loop, for primitives without a rule

_stackers = {}


def _stacker(k):
    """A primitive stacking k tensors along a new dim 0 (the loop's results)."""
    p = _stackers.get(k)
    if p is None:
        def vjp_i(i):
            return lambda g, *rest: g.select(0, i)

        def jvp(*a):
            ts, ins = a[:k], a[k:2 * k]
            parts = [t if t is not None else ins[i].detach() * 0 for i, t in enumerate(ts)]
            return _stacker(k)(*parts)
        p = primitive(f"vmap_stack{k}", "StackBackward0",
                      forward=lambda xp, *arrays: xp.stack(arrays),
                      vjp=tuple(vjp_i(i) for i in range(k)), jvp=jvp, nin=k, register=False)
        _stackers[k] = p
    return p


def concat(pieces, d):
    """torch.cat of ``pieces`` along dim ``d`` (vmap's chunks), differentiable both ways."""
    d = d % pieces[0].dim()
    lens = tuple(p.shape[d] for p in pieces)
    key = ("cat", d, lens)
    p = _stackers.get(key)
    if p is None:
        offs = [sum(lens[:i]) for i in range(len(lens))]

        def vjp_i(i):
            idx = (slice(None),) * d + (slice(offs[i], offs[i] + lens[i]),)
            return lambda g, *rest: g[idx]

        def jvp(*a):
            ts, ins = a[:len(lens)], a[len(lens):2 * len(lens)]
            return concat([t if t is not None else ins[i].detach() * 0
                           for i, t in enumerate(ts)], d)
        p = primitive(f"vmap_cat{lens}", "CatBackward0",
                      forward=lambda xp, *arrays: xp.concatenate(arrays, axis=d),
                      vjp=tuple(vjp_i(i) for i in range(len(lens))), jvp=jvp,
                      nin=len(lens), register=False)
        _stackers[key] = p
    return p(*pieces)


def _stack(results, batch):
    if not results:
        raise RuntimeError("vmap: an operation without a batching rule was called on an "
                           "empty batch; retrograd cannot infer its output's shape")
    out = _stacker(len(results))(*results)
    return out.reshape(batch + tuple(out.shape[1:]))


def _loop(prim, args, lv):
    base = prim.name.split("[", 1)[0]
    fallback_hits[base] = fallback_hits.get(base, 0) + 1
    bs = sizes()
    batch = tuple(bs[x] for x in lv)
    results = []
    for idx in itertools.product(*(range(n) for n in batch)):
        ex = []
        for a in args:
            if type(a) is BatchedTensor:
                phys = a._phys
                sel = tuple(idx[lv.index(x)] for x in a._lv)
                for d, i in enumerate(sel):
                    phys = _shape.select_p(phys, 0, i, tuple(phys.shape))
                ex.append(phys)
            else:
                ex.append(a)
        results.append(prim(*ex))
    if results and isinstance(results[0], tuple):
        return tuple(_stack([r[j] for r in results], batch) for j in range(len(results[0])))
    return _stack(results, batch)


def batched_call(prim, args):
    """The dispatcher's entry for a primitive called with a BatchedTensor argument."""
    lv = _levels_of(args)
    rule = _rules._rule_for(prim)
    out = (rule or _loop)(prim, args, lv)
    if isinstance(out, tuple):
        return tuple(wrap(o, lv) for o in out)
    return wrap(out, lv)


# ----- in-place ops on batched tensors: the physical tensor is written

def inplace(self, result, apply):
    rp, rlv = unwrap(result)
    slv = unwrap(self)[1]
    if tuple(result.shape) != tuple(self.shape) or not set(rlv) <= set(slv):
        extra = tuple(sizes()[x] for x in rlv if x not in slv)
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, self.shape))}] doesn't match the "
            f"broadcast shape [{', '.join(map(str, extra + tuple(result.shape)))}]")
    if rlv != self._lv:
        rp = expand_to(result, self._lv)
    phys = self._phys
    apply(phys, rp)
    self._requires_grad = phys._requires_grad
    self.grad_fn = phys.grad_fn
    self._output_nr = phys._output_nr
    return self


# ----- a per-example loop at the level of a public function

def _example(x, lv, idx):
    if type(x) is BatchedTensor:
        phys = x._phys
        for lvl in x._lv:
            phys = _shape.select_p(phys, 0, idx[lv.index(lvl)], tuple(phys.shape))
        return phys
    if isinstance(x, (tuple, list)):
        return type(x)(_example(y, lv, idx) for y in x)
    return x


def _nested_levels(xs):
    lv = set()
    for x in xs:
        if type(x) is BatchedTensor:
            lv.update(x._lv)
        elif isinstance(x, (tuple, list)):
            lv.update(_nested_levels(x))
    return lv


def has_batched(xs):
    """Whether a BatchedTensor is among ``xs`` (or in a tuple/list among them)."""
    return bool(_fw._vmap_depth[0]) and bool(_nested_levels(xs))


def gather_batched(gather, input, dim, index):
    """gather with a batched index (per-example targets): one whole-array gather on the
    physical tensors, the batch dims leading both."""
    lv = tuple(sorted(_nested_levels((input, index))))
    if input.dim() == 0 or index.dim() != input.dim():
        return per_example(gather, input, dim, index)
    d = dim % input.dim()
    out = gather(expand_to(input, lv), d + len(lv), expand_to(index, lv))
    return wrap(out, lv)


def getitem_batched(getitem, x, index):
    """x[i] for a batched integer tensor i (per-example positions along dim 0): one
    advanced index of the physical tensors, batch positions paired by an arange."""
    if type(index) is not BatchedTensor or index.is_floating_point() or \
            index.dtype.is_floating_point or str(index.dtype) == "torch.bool" or x.dim() == 0:
        return per_example(getitem, x, index)
    lv = tuple(sorted(_nested_levels((x, index))))
    bs = sizes()
    batch = tuple(bs[v] for v in lv)
    n = 1
    for b in batch:
        n *= b
    px = expand_to(x, lv)
    px = _shape.reshape(px, (n,) + tuple(px.shape[len(lv):]))
    pi = expand_to(index, lv)
    pi = _shape.reshape(pi, (n,) + tuple(pi.shape[len(lv):]))
    from .._creation import arange
    rows = _shape.reshape(arange(n), (n,) + (1,) * (pi.dim() - 1))
    out = getitem(px, (rows, pi))
    return wrap(_shape.reshape(out, batch + tuple(out.shape[1:])), lv)


def per_example(fn, *args, **kwargs):
    """``fn(*args)`` inside vmap for a function whose Python code reads tensor values (an
    indexing function given a batched index tensor): called once per example and the
    results stacked (each call an ordinary differentiable one)."""
    lv = tuple(sorted(_nested_levels(args)))
    key = f"{getattr(fn, '__name__', 'function')} (called per example)"
    fallback_hits[key] = fallback_hits.get(key, 0) + 1
    bs = sizes()
    batch = tuple(bs[x] for x in lv)
    results = [fn(*(_example(a, lv, idx) for a in args), **kwargs)
               for idx in itertools.product(*(range(n) for n in batch))]
    if isinstance(results[0], tuple):
        return tuple(wrap(_stack([r[j] for r in results], batch), lv)
                     for j in range(len(results[0])))
    return wrap(_stack(results, batch), lv)


# ----- autograd.Function under vmap

class _VmapInfo(tuple):
    """What a Function's vmap staticmethod receives first: batch_size and randomness."""
    __slots__ = ()

    @property
    def batch_size(self):
        return self[0]

    @property
    def randomness(self):
        return self[1]


def function_apply_batched(cls, setup, args, kwargs, apply, base):
    lv = _levels_of(args)
    if getattr(cls, "generate_vmap_rule", False):
        # one call per example (each an ordinary Function call, its node in the graph)
        bs = sizes()
        batch = tuple(bs[x] for x in lv)
        results = []
        for idx in itertools.product(*(range(n) for n in batch)):
            ex = []
            for a in args:
                if type(a) is BatchedTensor:
                    phys = a._phys
                    for x in a._lv:
                        phys = _shape.select_p(phys, 0, idx[lv.index(x)], tuple(phys.shape))
                    ex.append(phys)
                else:
                    ex.append(a)
            results.append(apply(cls, setup, tuple(ex), kwargs))
        if isinstance(results[0], tuple):
            return tuple(wrap(_stack([r[j] for r in results], batch), lv)
                         if isinstance(results[0][j], Tensor) else results[0][j]
                         for j in range(len(results[0])))
        return wrap(_stack(results, batch), lv)
    if cls.vmap is not base.vmap:
        if len(lv) != 1:
            raise NotImplementedError("retrograd: a Function's own vmap staticmethod under "
                                      "nested vmaps is not supported yet")
        from . import _vmap
        info = _VmapInfo((sizes()[lv[0]], _vmap._RANDOMNESS[-1] if _vmap._RANDOMNESS
                          else "error"))
        in_dims = tuple(0 if type(a) is BatchedTensor else None for a in args)
        phys = tuple(a._phys if type(a) is BatchedTensor else a for a in args)
        out, out_dims = cls.vmap(info, in_dims, *phys)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        dims = (out_dims,) * len(outs) if not isinstance(out_dims, tuple) else out_dims
        res = []
        for o, d in zip(outs, dims):
            if d is None or not isinstance(o, Tensor):
                res.append(o)
            else:
                d = d % o.dim()
                if d:
                    o = _shape.permute_p(o, (d,) + tuple(k for k in range(o.dim()) if k != d))
                res.append(wrap(o, lv))
        return res[0] if single else tuple(res)
    raise RuntimeError(
        f"You tried to vmap over {cls.__name__}, but it does not have vmap support. Please "
        "override and implement the vmap staticmethod or set generate_vmap_rule=True. For "
        "more details, please see https://pytorch.org/docs/main/notes/extending.func.html")


# ----- forward AD on batched tensors

def make_dual_batched(tensor, tangent, level, set_tangent):
    lv = _levels_of((tensor, tangent))
    p = expand_to(tensor, lv) if unwrap(tensor)[1] != lv else tensor._phys
    t = expand_to(tangent, lv) if unwrap(tangent)[1] != lv else tangent._phys
    dual = _shape.view_p(p, tuple(p.shape), tuple(p.shape))
    set_tangent(dual, level, t)
    return wrap(dual, lv)


def unpack_batched(tensor, level, unpack):
    primal, tangent = unpack(tensor._phys, level)
    return wrap(primal, tensor._lv), None if tangent is None else wrap(tangent, tensor._lv)


_fw._batching[0] = batched_call
_inplace_mod._batched[0] = _sys.modules[__name__]

from . import _rules  # noqa: E402  (the rules use this module's helpers)
