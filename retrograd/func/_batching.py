"""vmap's batched tensors and batching rules. A BatchedTensor holds a physical tensor whose
leading dims are the batch dims of its vmap levels (outermost first); its logical shape is
the rest. A primitive called on one goes to a batching rule that calls the same primitives
on the physical tensors (so autograd and forward AD see ordinary whole-array work), or,
for a primitive without a rule, to a per-example loop whose results are stacked."""
import itertools

import numpy as np

from ..tensor import Tensor

from ..ops.primitive import primitive, ELEMENTWISE, COMPARE, REGISTRY
from ..ops import shape as _shape, linalg as _linalg
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


def _data_dependent(*args, **kwargs):
    raise RuntimeError(
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


# ----- batching rules: (prim, args, lv) -> physical result, batched at lv

def _pointwise(prim, args, lv):
    rank = max((a.dim() for a in args if isinstance(a, Tensor)), default=0)
    phys = [align(a, lv, rank) if type(a) is BatchedTensor else a for a in args]
    return prim(*phys)


def _shift(d, nb):
    return d + nb


def _view(prim, args, lv):
    a, shape, in_shape = args
    p = align(a, lv, a.dim())
    return _shape.reshape(p, tuple(p.shape[:len(lv)]) + tuple(shape))


def _alias(prim, args, lv):
    return prim(align(args[0], lv, args[0].dim()))


def _transpose(prim, args, lv):
    a, d0, d1 = args
    nb = len(lv)
    p = align(a, lv, a.dim())
    if a.dim() == 0:
        return _shape.alias_p(p)
    return _shape.transpose_p(p, d0 + nb, d1 + nb)


def _t(prim, args, lv):
    a = args[0]
    p = align(a, lv, a.dim())
    nb = len(lv)
    return _shape.transpose_p(p, nb, nb + 1) if a.dim() == 2 else _shape.alias_p(p)


def _permute(prim, args, lv):
    a, dims = args
    nb = len(lv)
    return prim(align(a, lv, a.dim()), tuple(range(nb)) + tuple(d + nb for d in dims))


def _unsqueeze(prim, args, lv):
    a, dim = args
    return prim(align(a, lv, a.dim()), dim + len(lv))


def _with_dims_and_shape(prim, args, lv):
    """squeeze(dims, in_shape)."""
    a, dims, in_shape = args
    p = align(a, lv, a.dim())
    nb = len(lv)
    return prim(p, tuple(d + nb for d in dims), tuple(p.shape))


def _expand(prim, args, lv):
    a, shape, in_shape = args
    p = align(a, lv, len(shape))
    nb = len(lv)
    return _shape.expand_p(p, tuple(p.shape[:nb]) + tuple(shape), tuple(p.shape))


def _select(prim, args, lv):
    a, dim, index, in_shape = args
    p = align(a, lv, a.dim())
    return prim(p, dim + len(lv), index, tuple(p.shape))


def _slice(prim, args, lv):
    a, dim, start, stop, step, in_shape = args
    p = align(a, lv, a.dim())
    return prim(p, dim + len(lv), start, stop, step, tuple(p.shape))


def _select_backward(prim, args, lv):
    g, in_shape, dim, index = args
    p = align(g, lv, g.dim())
    nb = len(lv)
    return prim(p, tuple(p.shape[:nb]) + tuple(in_shape), dim + nb, index)


def _slice_backward(prim, args, lv):
    g, in_shape, dim, start, stop, step = args
    p = align(g, lv, g.dim())
    nb = len(lv)
    return prim(p, tuple(p.shape[:nb]) + tuple(in_shape), dim + nb, start, stop, step)


_DIM_PARAMS = {"dims", "dim", "keepdim", "in_shape", "dtype", "correction", "ord", "root"}


def _param_names(prim):
    """The names of a primitive's params (after its tensor inputs), from its forward."""
    import inspect
    try:
        names = list(inspect.signature(prim.forward).parameters)[1 + prim.nin:]
    except (TypeError, ValueError):
        return None
    return None if any(n.startswith("*") for n in names) else tuple(names)


def _dims_rule(names):
    """A rule for a one-input op whose params are dims ('dims': a tuple or None for all,
    'dim': an int), the input's shape ('in_shape') and options (keepdim, dtype, ...):
    the reductions' convention."""
    di, dsi, si = (names.index(n) if n in names else None for n in ("dims", "dim", "in_shape"))

    def rule(prim, args, lv):
        a, params = args[0], list(args[1:])
        if a.dim() == 0:  # (dims=() would mean every physical dim, batch included)
            return _loop(prim, args, lv)
        nb = len(lv)
        p = align(a, lv, a.dim())
        if di is not None:
            d = params[di]
            params[di] = tuple(range(nb, p.ndim)) if d is None else \
                tuple(x + nb for x in d) if isinstance(d, (tuple, list)) else d + nb
        if dsi is not None:
            if params[dsi] is None:
                return _loop(prim, args, lv)
            params[dsi] = params[dsi] + nb
        if si is not None:
            params[si] = tuple(p.shape)
        return prim(p, *params)
    return rule


def _full_batch(ps, lv):
    bs = sizes()
    return tuple(bs[x] for x in lv)


def _matmul_phys(pa, pb, lv, na, nb_):
    """Batched matrix product of physical operands (a: lv + [..., n, k] with ``na``
    logical dims, b likewise), as one bmm or, when b is unbatched, one mm."""
    nlv = len(lv)
    batch = _full_batch(None, lv)
    if type(pb) is not BatchedTensor and pb.ndim == nb_ and nb_ == 2 and na == 2:
        # b unbatched: fold the batch into a's rows, one mm
        n, k = pa.shape[-2:]
        total = n
        for b in batch:
            total *= b
        rows = pa.expand(batch + (n, k)).reshape(total, k)
        return _linalg.mm(rows, pb).reshape(batch + (n, pb.shape[-1]))
    inner_a, inner_b = tuple(pa.shape[nlv:]), tuple(pb.shape[nlv:])
    extra = inner_a[:-2]
    rows = 1
    for n in batch + extra:
        rows *= n
    a3 = pa.expand(batch + inner_a).reshape((rows,) + inner_a[-2:])
    b3 = pb.expand(batch + inner_b).reshape((rows,) + inner_b[-2:])
    out = _linalg.bmm(a3, b3)
    return out.reshape(batch + extra + (inner_a[-2], inner_b[-1]))


def _mm(prim, args, lv):
    a, b = args
    pa = align(a, lv, 2)
    pb = align(b, lv, 2) if type(b) is BatchedTensor else b
    return _matmul_phys(pa, pb, lv, 2, 2)


def _bmm(prim, args, lv):
    a, b = args
    return _matmul_phys(align(a, lv, 3), align(b, lv, 3), lv, 3, 3)


def _mv(prim, args, lv):
    m, v = args
    pm_ = align(m, lv, 2)
    if type(v) is BatchedTensor:
        pv = align(v, lv, 1).unsqueeze(-1)
        return _matmul_phys(pm_, pv, lv, 2, 2).squeeze(-1)
    return _matmul_phys(pm_, v.unsqueeze(-1), lv, 2, 2).squeeze(-1)


def _dot(prim, args, lv):
    a, b = args
    pa = align(a, lv, 1) if type(a) is BatchedTensor else a
    pb = align(b, lv, 1) if type(b) is BatchedTensor else b
    return (pa * pb).sum(-1)


# ----- indexing by index arrays (params): the batch dims become leading dims of the data
# and, where the op needs an index per element (gather/scatter), of the index too

def _indexing(kind):
    def rule(prim, args, lv):
        tensors = [a for a in args if isinstance(a, Tensor)]
        a = args[0]
        if a.dim() == 0 or any(isinstance(x, Tensor) for x in args[prim.nin:]):
            return _loop(prim, args, lv)  # (0-d data, or tensor params: the loop is exact)
        nb = len(lv)
        phys = [expand_to(t, lv) for t in tensors]
        batch = tuple(phys[0].shape[:nb])
        params = list(args[prim.nin:])
        params[0] = params[0] + nb  # dim
        if kind == "per_element":  # the index has the data's rank: batch it too
            idx = np.asarray(params[1])
            params[1] = np.broadcast_to(idx, batch + idx.shape)
        if kind == "with_shape":
            params[-1] = tuple(phys[0].shape)
        return prim(*phys, *params)
    return rule


RULES = {
    "view": _view, "unsafe_view": _view, "alias": _alias, "transpose": _transpose, "t": _t,
    "permute": _permute, "unsqueeze": _unsqueeze, "squeeze": _with_dims_and_shape,
    "expand": _expand, "select": _select, "slice": _slice,
    "select_backward": _select_backward, "slice_backward": _slice_backward,
    "mm": _mm, "bmm": _bmm, "mv": _mv, "dot": _dot,
    "index_select": _indexing("with_shape"), "index_add": _indexing("dim"),
    "index_copy": _indexing("dim"), "index_fill": _indexing("dim"),
    "scatter": _indexing("per_element"),
    "scatter_add": _indexing("per_element"), "scatter_reduce": _indexing("per_element"),
    "scatter_value": _indexing("per_element"),
}


def _gather(prim, args, lv):
    a, dim, index, in_shape = args
    if a.dim() == 0 or isinstance(index, Tensor):
        return _loop(prim, args, lv)
    p = expand_to(a, lv)
    nb = len(lv)
    idx = np.asarray(index)
    return prim(p, dim + nb, np.broadcast_to(idx, tuple(p.shape[:nb]) + idx.shape),
                tuple(p.shape))


RULES["gather"] = _gather


def _index(prim, args, lv):
    """a[adv] with index arrays that are adjacent (NumPy keeps their dims in place; apart,
    it would move them in front of the batch dims): the batch dims lead, unindexed."""
    a, adv, in_shape = args
    pos = [k for k, x in enumerate(adv) if not isinstance(x, slice)]
    if not pos or pos != list(range(pos[0], pos[-1] + 1)) or \
            any(isinstance(x, Tensor) for x in adv):
        return _loop(prim, args, lv)
    p = align(a, lv, a.dim())
    return prim(p, (slice(None),) * len(lv) + tuple(adv), tuple(p.shape))


RULES["index"] = _index


def _take(prim, args, lv):
    a, index, in_shape = args
    if isinstance(index, Tensor):
        return _loop(prim, args, lv)
    p = align(a, lv, a.dim())
    nb = len(lv)
    flat = _shape.reshape(p, tuple(p.shape[:nb]) + (-1,))
    return _index(REGISTRY["index"], (wrap(flat, lv), (np.asarray(index),),
                                     tuple(flat.shape[nb:])), lv)


def _masked_select(prim, args, lv):
    a, mask, bshape = args
    if isinstance(mask, Tensor):
        return _loop(prim, args, lv)
    nb = len(lv)
    p = align(a, lv, len(bshape))
    p = p.expand(tuple(p.shape[:nb]) + tuple(bshape))
    sel = np.nonzero(np.broadcast_to(mask, bshape))
    return REGISTRY["index"](p, (slice(None),) * nb + sel, tuple(p.shape))


RULES["take"] = _take


# ----- the shape family's joins, splits, flips and diagonals: dims shifted by the batch

def _join(prim, args, lv):
    k = prim.nin
    ts, params = args[:k], list(args[k:])
    if any(t.dim() == 0 for t in ts if isinstance(t, Tensor)) or \
            len(params) > 1 and None in params[1]:  # (cat's legacy empty tensors)
        return _loop(prim, args, lv)
    phys = [expand_to(t, lv) for t in ts]
    params[0] = params[0] + len(lv)
    return prim(*phys, *params)


def _dims_shifted(*positions, shape_at=None, grow_shape=None):
    """A rule for a one-input op whose params at ``positions`` are dims (ints or tuples
    of ints), the param at ``shape_at`` the input's shape, at ``grow_shape`` a shape that
    gains the batch dims in front."""
    def rule(prim, args, lv):
        a, params = args[0], list(args[prim.nin:])
        nb = len(lv)
        if a.dim() == 0 or any(params[i] is None for i in positions):
            return _loop(prim, args, lv)
        p = align(a, lv, a.dim())
        for i in positions:
            d = params[i]
            params[i] = tuple(x + nb for x in d) if isinstance(d, (tuple, list)) else d + nb
        if shape_at is not None:
            params[shape_at] = tuple(p.shape)
        if grow_shape is not None:
            params[grow_shape] = tuple(p.shape[:nb]) + tuple(params[grow_shape])
        return prim(p, *params)
    return rule


def _repeat(prim, args, lv):
    a, reps = args
    p = align(a, lv, len(reps))
    return prim(p, (1,) * len(lv) + tuple(reps))


def _last_two(prim, args, lv):
    a = args[0]
    if a.dim() < 2:
        return _loop(prim, args, lv)
    return prim(align(a, lv, a.dim()), *args[1:])


RULES.update({
    "cat": _join, "stack": _join, "split": _dims_shifted(0), "split_with_sizes":
    _dims_shifted(0), "unbind": _dims_shifted(0), "flip": _dims_shifted(0),
    "roll": _dims_shifted(1), "rot90": _dims_shifted(1, 2), "repeat": _repeat,
    "tril": _last_two, "triu": _last_two,
    "diagonal": _dims_shifted(1, 2, shape_at=3), "diagonal_copy": _dims_shifted(1, 2, shape_at=3),
    "diag_embed": _dims_shifted(1, 2, grow_shape=3),
    "diagonal_backward": _dims_shifted(2, 3, grow_shape=0),
})
RULES["masked_select"] = _masked_select
_POINTWISE_NAMES = {"neg", "clone", "to_dtype", "bitwise_and", "bitwise_or", "bitwise_xor",
                    "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "isfinite",
                    "isinf", "isnan", "isneginf", "isposinf", "logical_and", "logical_or",
                    "logical_xor", "gcd", "lcm", "isclose"}
# linalg ops on the last two dims whose kernels take stacks of matrices (NumPy's linalg)
_MATRIX_OPS = {"linalg_cholesky", "linalg_cholesky_ex", "linalg_det", "linalg_eigh",
               "linalg_eigvalsh", "linalg_inv", "linalg_inv_ex", "linalg_matrix_exp",
               "linalg_pinv", "linalg_qr", "linalg_slogdet", "linalg_svd", "linalg_svdvals",
               "linalg_lu", "linalg_lu_factor_ex", "cholesky_inverse"}


_GENERIC = {}  # primitive -> its rule worked out from its params' names (or None)


def _rule_for(prim):
    base = prim.name.split("[", 1)[0]
    rule = RULES.get(base)
    if rule is None and (prim.jvp == ELEMENTWISE or prim.dtypes == COMPARE or
                         base in _POINTWISE_NAMES):
        rule = _pointwise
    if rule is None and base in _MATRIX_OPS:
        rule = _last_two
    if rule is None:
        if prim in _GENERIC:
            return _GENERIC[prim]
        names = _param_names(prim)
        if prim.nin == 1 and names and set(names) <= _DIM_PARAMS and \
                ("dims" in names or "dim" in names):
            rule = _dims_rule(names)
        _GENERIC[prim] = rule
    return rule


def fallback_ops():
    """The registered primitives that have no batching rule: under vmap they run once
    per example (correct, but a Python loop)."""
    return sorted(n for n, p in REGISTRY.items() if _rule_for(p) is None)


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
    rule = _rule_for(prim)
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


def per_example(fn, *args, **kwargs):
    """``fn(*args)`` inside vmap for a function whose Python code reads tensor values (an
    indexing function given a batched index tensor): called once per example and the
    results stacked (each call an ordinary differentiable one)."""
    lv = tuple(sorted(_nested_levels(args)))
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
