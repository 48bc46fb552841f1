"""vmap's batching rules: (prim, args, levels) -> the physical result. Pointwise ops align
their operands; reductions, shape ops, indexing, matrix products and linalg shift their
dims past the batch dims; a primitive without a rule runs once per example (_loop)."""
import numpy as np

from ..tensor import Tensor
from ..ops.primitive import ELEMENTWISE, COMPARE, REGISTRY
from ..ops import shape as _shape, linalg as _linalg
from ._batching import BatchedTensor, wrap, align, expand_to, sizes, _loop


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
    a, b = args[:2]  # (then mm's layout param: the batched product takes its own)
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


def _prod(prim, args, lv):
    a, dim, keepdim, dtype = args
    if a.dim() == 0:
        return _loop(prim, args, lv)
    nb = len(lv)
    p = align(a, lv, a.dim())
    if dim is None:  # every logical dim: flattened into one
        p = _shape.reshape(p, tuple(p.shape[:nb]) + (-1,))
        return prim(p, nb, False, dtype)
    return prim(p, dim + nb, keepdim, dtype)


def _take_values(prim, args, lv):
    """The reductions' values-at-indices (max(dim), sort, topk...): the index array
    broadcast over the batch."""
    a, idx, dim, squeeze = args
    if a.dim() == 0 or isinstance(idx, Tensor):
        return _loop(prim, args, lv)
    p = expand_to(a, lv)
    nb = len(lv)
    idx = np.ascontiguousarray(np.broadcast_to(idx, tuple(p.shape[:nb]) + np.shape(idx)))
    return prim(p, idx, dim + nb, squeeze)


def _scatter_values(prim, args, lv):
    g, idx, dim, squeeze, in_shape = args
    if not in_shape or isinstance(idx, Tensor):
        return _loop(prim, args, lv)
    p = expand_to(g, lv)
    nb = len(lv)
    batch = tuple(p.shape[:nb])
    idx = np.ascontiguousarray(np.broadcast_to(idx, batch + np.shape(idx)))
    return prim(p, idx, dim + nb, squeeze, batch + tuple(in_shape))


RULES.update({
    "take_values": _take_values, "scatter_values": _scatter_values,
    "prod": _prod, "cumsum": _dims_shifted(0), "cumprod": _dims_shifted(0),
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




# nn's primitives declare their rules next to them (nn is loaded before func)
from ..nn import _softmax_prims, _loss_prims  # noqa: E402
RULES.update(_softmax_prims.batching_rules())
RULES.update(_loss_prims.batching_rules())
