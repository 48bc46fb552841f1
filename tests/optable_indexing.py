"""The op table's indexing entries (see tests/opinfo.py, which assembles every family).
Index tensors are parameters: samples hold them as lists or NumPy arrays, and each op
builds the tensor with ``m.tensor(...)``, so one entry runs on retrograd and on torch.
The NumPy references loop over index positions (plain, independent of the kernels)."""
import itertools
import warnings

import numpy as np

from opinfo_base import T, S, OpInfo, REAL, TIES, NONZERO  # noqa: F401

I64 = np.int64
EMPTY = np.zeros(0, I64)


def _idx(i):
    return np.asarray(i, dtype=I64)


def _gather_ref(x, d, i):
    i = _idx(i)
    if x.ndim == 0:
        return x.reshape(1)[i.reshape(-1)].reshape(i.shape)
    out = np.empty(i.shape, x.dtype)
    for pos in itertools.product(*map(range, i.shape)):
        src = list(pos)
        src[d] = i[pos]
        out[pos] = x[tuple(src)]
    return out


def _scatter_ref(x, d, i, src, reduce=None, include_self=True):
    i = _idx(i)
    out = x.copy().reshape(x.shape or (1,))
    i = i.reshape(i.shape or (1,))
    if isinstance(src, np.ndarray):
        src = src.reshape(src.shape or (1,))
    hits = {}
    for pos in itertools.product(*map(range, i.shape)):
        dst = list(pos)
        dst[d] = i[pos]
        hits.setdefault(tuple(dst), []).append(src[pos] if isinstance(src, np.ndarray) else src)
    for dst, vals in hits.items():
        vals = ([out[dst]] if include_self and reduce else []) + vals
        if reduce is None:
            out[dst] = vals[-1]
        elif reduce in ("sum", "add"):
            out[dst] = np.sum(vals)
        elif reduce in ("prod", "multiply"):
            out[dst] = np.prod(vals)
        elif reduce == "mean":
            out[dst] = np.mean(vals)
        elif reduce == "amax":
            out[dst] = np.max(vals)
        else:
            out[dst] = np.min(vals)
    return out.reshape(x.shape)


def _index_add_ref(x, d, i, src, alpha=1):
    out = x.copy()
    for k, j in enumerate(_idx(i).reshape(-1)):
        np.moveaxis(out, d, 0)[j] += alpha * np.moveaxis(src, d, 0)[k]
    return out


def _index_fill_ref(x, d, i, v):
    out = x.copy().reshape(x.shape or (1,))
    for j in _idx(i).reshape(-1):
        np.moveaxis(out, d, 0)[j] = v
    return out.reshape(x.shape)


def _index_copy_ref(x, d, i, src):
    out = x.copy()
    for k, j in enumerate(_idx(i).reshape(-1)):
        np.moveaxis(out, d, 0)[j] = np.moveaxis(src, d, 0)[k]
    return out


def _put_ref(x, idx, v, accumulate):
    out = x.copy()
    pos = np.stack(np.broadcast_arrays(*map(_idx, idx)), -1).reshape(-1, len(idx))
    vals = np.broadcast_to(v, np.broadcast_shapes(*(np.shape(i) for i in idx)) +
                           x.shape[len(idx):]).reshape((len(pos),) + x.shape[len(idx):])
    for p, val in zip(pos, vals):
        out[tuple(p)] = out[tuple(p)] + val if accumulate else val
    return out


def _ix(m, index):
    """A sample's index with its NumPy arrays as module ``m``'s tensors."""
    conv = (lambda i: m.tensor(i) if isinstance(i, np.ndarray) else i)
    return tuple(map(conv, index)) if isinstance(index, tuple) else conv(index)


def _no_grad(m, fn):
    """(scatter(reduce=) records a node whose backward raises, in both libraries: the table
    compares its values without grad; tests/test_indexing.py checks the node)"""
    with m.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (PyTorch deprecates reduce= with a tensor src)
        return fn()


def _setitem(m, x, index, v):
    y = x.clone()
    y[_ix(m, index)] = v
    return y


def _setitem_ref(x, index, v):
    y = x.copy()
    y[index] = v
    return y


def _getitem_ref(x, index):
    """NumPy's indexing, except that ints are applied first (as PyTorch's selects), so an
    int never counts as an advanced index (x[0, :, [0, 1]] has shape (4, 2), not (2, 4))."""
    if isinstance(index, tuple) and not any(i is None or i is Ellipsis for i in index):
        dim, rest = 0, []
        for i in index:
            if type(i) is int:
                x = np.take(x, i, axis=dim)
            else:
                rest.append(i)
                dim += 1
        index = tuple(rest)
    return x[index]


def _take_along_ref(x, i, d):
    i = _idx(i)
    return np.take_along_axis(x.reshape(-1) if d is None else x,
                              i.reshape(-1) if d is None else i, 0 if d is None else d)


G2 = [[0, 1], [2, 3]]
GATHER = [S(T(3, 4), 1, G2), S(T(3, 4), -1, [[0, 0, 3]], note="repeated, smaller index"),
          S(T(3, 4), 0, [[2, 1, 0, 0], [1, 1, 1, 1]]), S(T(), 0, 0), S(T(), 0, [0, 0]),
          S(T(4, 3, nc=True), 1, [[2], [0], [1], [1]]), S(T(3, 4), 1, np.zeros((0, 2), I64)),
          S(T(1, 4), 0, [[0, 0, 0]]), S(T(2, 3, 4), -2, np.array([[[2, 0], [1, 1]]]))]
SCATTER_IDX = [[0, 3], [2, 1]]  # no repeats within a row: scatter's winner is unspecified
SCATTER = [S(T(3, 4), 1, SCATTER_IDX, T(2, 2)), S(T(3, 4), -2, [[0, 1, 2, 0]], T(1, 4)),
           S(T(), 0, 0, T()), S(T(4, 3, nc=True), 1, [[2], [0]], T(2, 1)),
           S(T(3, 4), 0, np.zeros((0, 4), I64), T(0, 4))]
SCATTER_ADD = [S(T(3, 4), 1, [[0, 0, 3], [1, 1, 1]], T(2, 3)), S(T(3, 4), 0, [[2, 2, 0, 2]], T(1, 4)),
               S(T(), 0, [0, 0], T(2)), S(T(4, 3, nc=True), -1, [[0, 0], [2, 2]], T(2, 2)),
               S(T(3, 4), 1, np.zeros((3, 0), I64), T(3, 0))]
REDUCE_SAMPLES = [S(T(3, 4), 1, [[0, 0, 3], [1, 1, 1]], T(2, 3)),
                  S(T(4, 3, nc=True), 0, [[0, 0, 0], [3, 0, 3]], T(2, 3)),
                  S(T(), 0, [0, 0], T(2))]
INDEX_SELECT = [S(T(3, 4), 0, [0, 0, 2]), S(T(3, 4), -1, [3]), S(T(3, 4), 1, 2),
                S(T(), 0, [0]), S(T(3, 4), 0, EMPTY), S(T(4, 3, nc=True), 1, [2, 0, 2]),
                S(T(1, 3), 0, [0, 0]), S(T(3, 4), 0, np.array([1, 2], np.int32))]
TAKE_ALONG = [S(T(3, 4), [[0], [1], [2]], 1), S(T(3, 4), [5, 1, 11], None),
              S(T(3, 4), [[0]], 1), S(T(3, 1), [[0, 0]], 0), S(T(4, 3, nc=True), [[2, 0, 1]], -2),
              S(T(2, 3, 4), np.zeros((2, 1, 0), I64), -1)]
MASK = np.array([True, False, True, False])
GETITEM = [S(T(3, 4), [0, 2, 0]), S(T(3, 4), (slice(None), [1, -1])),
           S(T(3, 4, 5), ([0, 1], slice(None), 0)), S(T(3, 4, 5), (0, slice(None), [0, 1])),
           S(T(3, 4, 5), ([[0], [2]], [1, 3])), S(T(3, 4, 5), ([0, 1], slice(1, 3), [[0], [1]])),
           S(T(3, 4), np.array([[True, False, True, True]] * 3)), S(T(3, 4), (slice(None), MASK)),
           S(T(3, 4), True), S(T(3, 4), False), S(T(), True), S(T(3, 4), (Ellipsis, [3, 3, 0])),
           S(T(3, 4), (None, [1, 1])), S(T(3, 4), np.array([2, 0], np.int32)),
           S(T(4, 3, nc=True), ([3, 0], slice(None, None, 2))), S(T(3, 4), EMPTY),
           S(T(3, 4, 5), ([0, 1], Ellipsis, [1, 2])), S(T(3, 4), np.array(1)),
           S(T(3, 4), np.array(True)), S(T(3, 4), [True, False, True])]
SETITEM = [S(T(3, 4), 0, T(4)), S(T(3, 4), (slice(1, None), 2), T(2)), S(T(3, 4), 1, 2.5),
           S(T(3, 4), (slice(None), [0, 2]), T(3, 1)), S(T(3, 4), [2, 0], T(4)),
           S(T(3, 4), np.array([[True, False, True, True]] * 3), T(9)),
           S(T(3, 4), (slice(1, None), [0, 1]), T(2)), S(T(3, 4), Ellipsis, T(4)),
           S(T(3, 4), slice(None), -1.0), S(T(3, 4), (None, 1), T(1, 1, 4)),
           S(T(4, 3, nc=True), (slice(None, None, 2), 1), T()), S(T(), Ellipsis, T()),
           S(T(3, 4), [0, 0], 1.5)]

OPS = [
    OpInfo("gather", lambda m, x, d, i: m.gather(x, d, m.tensor(i)), _gather_ref, GATHER,
           ("gather", "scatter_add")),
    OpInfo("gather_method", lambda m, x, d, i: x.gather(d, m.tensor(i)), _gather_ref,
           GATHER[:2], ("gather", "scatter_add")),
    OpInfo("scatter", lambda m, x, d, i, s: m.scatter(x, d, m.tensor(i), s), _scatter_ref,
           SCATTER, ("scatter", "scatter_value", "gather")),
    OpInfo("scatter_value", lambda m, x, d, i, v: x.scatter(d, m.tensor(i), v), _scatter_ref,
           [S(T(3, 4), 1, SCATTER_IDX, 2.5), S(T(3, 4), 0, [[2, 0, 0, 1]], -1),
            S(T(), 0, 0, 1.5), S(T(4, 3, nc=True), 1, np.zeros((4, 0), I64), 0.0)],
           ("scatter_value",), second_order=False),
    OpInfo("scatter_legacy_reduce",
           lambda m, x, d, i, s, r: _no_grad(m, lambda: x.scatter(d, m.tensor(i), s, reduce=r)),
           _scatter_ref,
           [S(T(3, 4), 1, [[0, 0, 3], [1, 1, 1]], T(2, 3), "add"),
            S(T(3, 4), 0, [[2, 2, 0, 2]], T(1, 4), "multiply"),
            S(T(3, 4), 0, [[2, 2, 0, 2]], 2.0, "multiply")],
           ("scatter_legacy_reduce",), differentiable=False),
    OpInfo("scatter_add", lambda m, x, d, i, s: m.scatter_add(x, d, m.tensor(i), s),
           lambda x, d, i, s: _scatter_ref(x, d, i, s, "sum", True),
           SCATTER_ADD, ("scatter_add", "gather")),
    *[OpInfo(f"scatter_reduce_{r}_{inc}",
             (lambda r, inc: lambda m, x, d, i, s: x.scatter_reduce(d, m.tensor(i), s, r,
                                                                     include_self=inc))(r, inc),
             (lambda r, inc: lambda x, d, i, s: _scatter_ref(x, d, i, s, r, inc))(r, inc),
             REDUCE_SAMPLES, ("scatter_reduce",), domain=NONZERO if r == "prod" else REAL,
             second_order=r in ("prod", "mean", "sum"))
      for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)],
    OpInfo("index_select", lambda m, x, d, i: m.index_select(x, d, m.tensor(i)),
           lambda x, d, i: np.take(x, _idx(i).reshape(-1), d) if x.ndim else x,
           INDEX_SELECT, ("index_select", "index_add")),
    OpInfo("index_add", lambda m, x, d, i, s, a: x.index_add(d, m.tensor(i), s, alpha=a),
           _index_add_ref,
           [S(T(3, 4), 0, [0, 0, 2], T(3, 4), 1), S(T(3, 4), -1, [3, 3], T(3, 2), 2.5),
            S(T(4, 3, nc=True), 1, [1], T(4, 1, nc=True), 1), S(T(3, 4), 0, EMPTY, T(0, 4), 1),
            S(T(3, 4), 0, np.array([1, 1], np.int32), T(2, 4), -1)],
           ("index_add", "index_select", "mul"), second_order=False),
    OpInfo("index_fill", lambda m, x, d, i, v: x.index_fill(d, m.tensor(i), v),
           _index_fill_ref,
           [S(T(3, 4), 1, [0, 2, 2], -1.5), S(T(3, 4), -2, [1], 0), S(T(), 0, [0], 2.0),
            S(T(4, 3, nc=True), 0, EMPTY, 1.0)],
           ("index_fill",), second_order=False),
    OpInfo("index_fill_tensor", lambda m, x, d, i, v: x.index_fill(d, m.tensor(i), v),
           _index_fill_ref,
           [S(T(3, 4), 1, [0, 2, 2], T()), S(T(4, 3, nc=True), 0, [3], T())],
           ("index_fill_tensor", "index_fill", "index_select", "sum"), second_order=False),
    OpInfo("index_copy", lambda m, x, d, i, s: x.index_copy(d, m.tensor(i), s),
           _index_copy_ref,
           [S(T(3, 4), 0, [2, 0], T(2, 4)), S(T(3, 4), -1, [1], T(3, 1)),
            S(T(4, 3, nc=True), 1, [2, 0, 1], T(4, 3, nc=True)), S(T(3, 4), 0, EMPTY, T(0, 4))],
           ("index_copy", "index_fill", "index_select"), second_order=False),
    OpInfo("masked_select", lambda m, x, k: m.masked_select(x, m.tensor(k)),
           lambda x, k: np.broadcast_to(x, np.broadcast_shapes(x.shape, k.shape))[
               np.broadcast_to(k, np.broadcast_shapes(x.shape, k.shape))],
           [S(T(3, 4), MASK), S(T(3, 1), np.array([MASK, ~MASK, MASK])), S(T(), MASK[:2]),
            S(T(3, 4), np.zeros((3, 4), bool)), S(T(4, 3, nc=True), MASK[:3]),
            S(T(2, 1, 4), MASK)],
           ("masked_select", "index_put", "sum"), second_order=False),
    OpInfo("take", lambda m, x, i: m.take(x, m.tensor(i)),
           lambda x, i: x.reshape(-1)[_idx(i)],
           [S(T(3, 4), [[0, 11], [3, 3]]), S(T(3, 4), [-1, -12]), S(T(), [0, 0]), S(T(), 0),
            S(T(3, 4), EMPTY), S(T(4, 3, nc=True), [1, 4, 1])],
           ("take", "index_put", "view"), second_order=False),
    OpInfo("take_along_dim", lambda m, x, i, d: m.take_along_dim(x, m.tensor(i), d),
           _take_along_ref, TAKE_ALONG, ("gather", "expand", "view", "scatter_add", "sum"),
           second_order=False),
    OpInfo("nonzero", lambda m, x: m.nonzero(x), np.argwhere,
           [S(T(3, 4)), S(T()), S(T(0, 3)), S(T(4, 3, nc=True)), S(T(2, 1, 3))],
           (), domain=TIES, differentiable=False),
    OpInfo("argwhere", lambda m, x: x.argwhere(), np.argwhere, [S(T(3, 4)), S(T())],
           (), domain=TIES, differentiable=False),
    OpInfo("index_put", lambda m, x, i, v, acc: m.index_put(x, tuple(map(m.tensor, i)), v, acc),
           lambda x, i, v, acc: _put_ref(x, i, v, acc),
           [S(T(3, 4), ([0, 0, 2],), T(4), True), S(T(3, 4), ([0, 2], [1, 3]), T(2), False),
            S(T(3, 4), ([[0], [2]], [1, 3]), T(), True), S(T(3, 4), (EMPTY,), T(4), False),
            S(T(4, 3, nc=True), ([1, 1],), T(1, 3), True)],
           ("index_put", "index", "sum"), second_order=False),
    OpInfo("getitem_advanced", lambda m, x, i: x[_ix(m, i)], _getitem_ref, GETITEM,
           ("index", "index_put", "select", "select_backward", "slice", "slice_backward",
            "unsqueeze", "squeeze"),
           second_order=False),
    OpInfo("setitem", _setitem, _setitem_ref, SETITEM,
           ("clone", "index_put", "index", "select", "slice", "unsqueeze", "view", "expand",
            "sum"),
           second_order=False),
]

_G = np.array([[0, 1], [2, 3]])
_SR = (1, np.array([[0, 0, 3], [1, 1, 1]]))
PRIM_SAMPLES = {
    "gather": [([T(3, 4)], (1, _G, (3, 4))), ([T(3, 4)], (0, np.array([[2, 2, 0, 1]]), (3, 4)))],
    "scatter_add": [([T(3, 4), T(2, 3)], _SR), ([T(3, 4), T(3, 3)], (1, np.array([[1], [3]])))],
    "scatter": [([T(3, 4), T(2, 2)], (1, np.array(SCATTER_IDX))),
                ([T(3, 4), T(3, 3)], (1, np.array([[1], [3]])))],
    "scatter_value": [([T(3, 4)], (1, np.array(SCATTER_IDX), 2.5))],
    "scatter_reduce": [([T(3, 4, domain=NONZERO), T(2, 3, domain=NONZERO)], _SR + (r, inc))
                       for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)],
    "index_select": [([T(3, 4)], (0, np.array([0, 0, 2]), (3, 4)))],
    "index_add": [([T(3, 4), T(3, 4)], (0, np.array([0, 0, 2]), 1)),
                  ([T(3, 4), T(3, 2)], (1, np.array([3, 3]), 2.5))],
    "index_fill": [([T(3, 4)], (1, np.array([0, 2, 2]), -1.5))],
    "index_fill_tensor": [([T(3, 4), T()], (1, np.array([0, 2, 2])))],
    "index_copy": [([T(3, 4), T(2, 4)], (0, np.array([2, 0])))],
    "masked_select": [([T(3, 1)], (np.array([MASK, ~MASK, MASK]), (3, 4)))],
    "take": [([T(3, 4)], (np.array([[0, 11], [3, 3]]), (3, 4)))],
    "index": [([T(3, 4)], ((np.array([0, 0, 2]),), (3, 4))),
              ([T(3, 4, 5)], ((np.array([0, 1]), slice(None), np.array([[0], [1]])), (3, 4, 5)))],
    "index_put": [([T(3, 4), T(4)], (None, (np.array([0, 0, 2]),), True)),
                  ([T(3, 4), T(2)], (None, (np.array([0, 2]), np.array([1, 3])), False)),
                  ([T(3, 4), T(2)], ((slice(1, None),), (slice(None), np.array([0, 1])), False)),
                  ([T(3, 4), T(4)], ((1,), None, False))],
}
