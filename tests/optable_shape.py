"""The op table's shape entries (see tests/opinfo.py, which assembles every family)."""
import warnings

import numpy as np

from opinfo_base import T, S, OpInfo


# ----- NumPy references
def _flip(a, dims):
    return np.flip(a, dims) if a.ndim else a.copy()


def _diag_embed(a, offset, d1, d2):
    nd = a.ndim + 1
    d1, d2 = d1 % nd, d2 % nd
    n = a.shape[-1] + abs(offset)
    shape = list(a.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, n)
    out = np.zeros(shape, a.dtype)
    view = np.diagonal(out, offset, d1, d2)
    view.flags.writeable = True
    view[...] = a
    return out


def _cat(*args):
    arrays, dim = [a for a in args[:-1] if a.shape != (0,)], args[-1]
    dtype = np.result_type(*args[:-1])
    return np.concatenate(arrays, dim).astype(dtype) if arrays else np.empty(0, dtype)


def _hstack(*ts):
    ts = [np.atleast_1d(t) for t in ts]
    return np.concatenate(ts, 0 if ts[0].ndim == 1 else 1)


def _column_stack(*ts):
    return np.concatenate([t.reshape(t.size, 1) if t.ndim <= 1 else t for t in ts], 1)


def _pieces(a, bounds, dim):
    return np.split(a, bounds, axis=dim)


def _tensor_split(a, arg, dim, k):
    if isinstance(arg, list):
        n = a.shape[dim]
        arg = [min(max(i + n if i < 0 else i, 0), n) for i in arg]
        bounds = [0] + arg + [n]
        return np.take(a, range(bounds[k], max(bounds[k], bounds[k + 1])), axis=dim)
    return np.array_split(a, arg, axis=dim)[k]


def _split(a, s, dim, k):
    if isinstance(s, list):
        return np.split(a, np.cumsum(s)[:-1], axis=dim)[k]
    return np.split(a, range(s, a.shape[dim], s), axis=dim)[k]


def _chunk(a, c, dim, k):
    n = -(-a.shape[dim] // c)
    if n == 0:
        return a
    return np.split(a, range(n, a.shape[dim], n), axis=dim)[k]


def _T(m, a):
    """``a.T``, whose deprecation warning for other than 2-D tensors tests/test_shape.py checks."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return a.T


def _tri(name):
    def op(m, a, k):
        return getattr(a, name)(k)
    return op


OPS = [
    # ----- views
    OpInfo("movedim", lambda m, a, s, d: a.movedim(s, d), np.moveaxis,
           [S(T(2, 3, 4), 0, 2), S(T(2, 3, 4), (0, 1), (2, 0)), S(T(2, 3, 4), -1, 0),
            S(T(), (), ()), S(T(4, 3, nc=True), 0, 1), S(T(3, 4), 1, 1), S(T(0, 3), 0, -1)],
           ("permute", "alias"), second_order=False),
    OpInfo("moveaxis", lambda m, a, s, d: m.moveaxis(a, s, d), np.moveaxis,
           [S(T(2, 3, 4), (2, 0), (0, -1)), S(T(3, 4), 0, 1)], ("permute",), second_order=False),
    OpInfo("swapdims", lambda m, a, d0, d1: m.swapdims(a, d0, d1), np.swapaxes,
           [S(T(2, 3, 4), 0, -1), S(T(3, 4, nc=True), 1, 0)], ("transpose",),
           second_order=False),
    OpInfo("unflatten", lambda m, a, d, s: a.unflatten(d, s),
           lambda a, d, s: a.reshape(a.shape[:d % a.ndim] + tuple(s) + a.shape[d % a.ndim + 1:]),
           [S(T(3, 4), 1, (2, 2)), S(T(3, 4), -1, (2, -1)), S(T(3, 4), 0, (1, 3, 1)),
            S(T(0, 4), 0, (-1, 2)), S(T(4, 3, nc=True), 1, (3, 1)), S(T(6), 0, [2, 3])],
           ("view",), second_order=False),
    OpInfo("narrow", lambda m, a, d, s, n: m.narrow(a, d, s, n),
           lambda a, d, s, n: np.take(a, range(s % a.shape[d] if s < 0 else s,
                                               (s % a.shape[d] if s < 0 else s) + n), axis=d),
           [S(T(3, 4), 1, 1, 2), S(T(3, 4), 0, -2, 2), S(T(3, 4), -1, 4, 0),
            S(T(4, 3, nc=True), 0, 1, 3), S(T(0, 3), 1, 1, 2), S(T(2, 3, 4), 2, 0, 4)],
           ("slice", "slice_backward"), second_order=False),
    OpInfo("T", _T, lambda a: a.T,
           [S(T(3, 4)), S(T(4, 3, nc=True)), S(T(2, 3, 4)), S(T(4)), S(T(1, 0))],
           ("permute",), second_order=False),
    OpInfo("mT", lambda m, a: a.mT, lambda a: np.swapaxes(a, -1, -2),
           [S(T(3, 4)), S(T(2, 3, 4)), S(T(4, 3, nc=True)), S(T(2, 1, 0))],
           ("transpose",), second_order=False),
    OpInfo("mH", lambda m, a: a.mH, lambda a: np.swapaxes(a, -1, -2),
           [S(T(2, 3, 4)), S(T(4, 3, nc=True))], ("transpose",), second_order=False),
    OpInfo("H", lambda m, a: a.H, lambda a: a.T, [S(T(3, 4)), S(T(4, 3, nc=True))],
           ("transpose",), second_order=False),
    OpInfo("adjoint", lambda m, a: m.adjoint(a), lambda a: np.swapaxes(a, -1, -2),
           [S(T(2, 3, 4)), S(T(3, 4))], ("transpose",), second_order=False),
    OpInfo("broadcast_to", lambda m, a, s: m.broadcast_to(a, s), np.broadcast_to,
           [S(T(3, 1), (2, 3, 4)), S(T(), (2, 2)), S(T(4, 1, nc=True), (4, 3)),
            S(T(1, 3), (0, 3)), S(T(3), (3,))],
           ("expand", "sum"), second_order=False),
    OpInfo("broadcast_tensors", lambda m, a, b: m.broadcast_tensors(a, b)[0] * 2 +
           m.broadcast_tensors(a, b)[1],
           lambda a, b: (lambda x, y: x * 2 + y)(*np.broadcast_arrays(a, b)),
           [S(T(3, 1), T(4)), S(T(3, 4), T(3, 4)), S(T(), T(2, 3)), S(T(4, 3, nc=True), T(3))],
           ("expand",), second_order=False),
    OpInfo("atleast_1d", lambda m, a: m.atleast_1d(a), np.atleast_1d,
           [S(T()), S(T(3)), S(T(2, 3))], ("view",), second_order=False),
    OpInfo("atleast_2d", lambda m, a: m.atleast_2d(a), np.atleast_2d,
           [S(T()), S(T(3)), S(T(2, 3))], ("view", "unsqueeze"), second_order=False),
    OpInfo("atleast_3d", lambda m, a: m.atleast_3d(a), np.atleast_3d,
           [S(T()), S(T(3)), S(T(2, 3)), S(T(2, 3, 4)), S(T(4, 3, nc=True))],
           ("view", "unsqueeze"), second_order=False),
    OpInfo("diagonal", lambda m, a, o, d1, d2: a.diagonal(o, d1, d2), np.diagonal,
           [S(T(3, 4), 0, 0, 1), S(T(3, 4), 1, 0, 1), S(T(3, 4), -1, 1, 0),
            S(T(2, 3, 4), 1, -1, 0), S(T(4, 3, nc=True), 0, 0, 1), S(T(3, 4), 5, 0, 1),
            S(T(0, 3), 0, 0, 1), S(T(2, 3, 4), -2, 2, 1)],
           ("diagonal", "diagonal_backward"), second_order=False),
    # ----- copies
    OpInfo("repeat", lambda m, a, r: a.repeat(r), np.tile,
           [S(T(3, 4), (2, 1)), S(T(3, 4), (2, 1, 3)), S(T(), (2, 3)), S(T(4, 3, nc=True), (1, 2)),
            S(T(2, 0), (2, 2)), S(T(3, 1), (1, 1)), S(T(3, 4), (0, 2)), S(T(), ())],
           ("repeat", "sum"), second_order=False),
    OpInfo("tile", lambda m, a, r: m.tile(a, r), np.tile,
           [S(T(3, 4), (2,)), S(T(2, 3), (2, 1, 1)), S(T(), (3,)), S(T(4, 3, nc=True), (2, 1))],
           ("repeat",), second_order=False),
    OpInfo("repeat_interleave", lambda m, a, r, d: a.repeat_interleave(r, d), np.repeat,
           [S(T(3, 4), 2, None), S(T(3, 4), 3, 1), S(T(3, 4), 2, -2), S(T(), 3, None),
            S(T(4, 3, nc=True), 2, 0), S(T(0, 2), 2, 0), S(T(2, 3), 0, 1)],
           ("unsqueeze", "expand", "clone", "view"), second_order=False),
    OpInfo("repeat_interleave_tensor",
           lambda m, a, r, d: m.repeat_interleave(a, m.tensor(r), d), np.repeat,
           [S(T(3, 4), [1, 2, 0], 0), S(T(3, 4), [2, 0, 1, 1], -1), S(T(2, 2), [3], None),
            S(T(4, 3, nc=True), [1, 0, 2], 1), S(T(2, 3), [0, 0], 0)],
           ("index_select", "index_add"), second_order=False),
    OpInfo("flip", lambda m, a, d: m.flip(a, d), _flip,
           [S(T(3, 4), (0,)), S(T(3, 4), (0, 1)), S(T(2, 3, 4), (-1, 0)), S(T(), (0,)),
            S(T(4, 3, nc=True), (1,)), S(T(0, 3), (0,)), S(T(3, 4), ()), S(T(2, 3, 4, nc=True), (1,))],
           ("flip",), second_order=False),
    OpInfo("flip_method", lambda m, a: a.flip(1, -1), lambda a: np.flip(a, (1, -1)),
           [S(T(2, 3, 4))], ("flip",), second_order=False),
    OpInfo("fliplr", lambda m, a: a.fliplr(), np.fliplr, [S(T(3, 4)), S(T(2, 3, 4)),
                                                          S(T(4, 3, nc=True))],
           ("flip",), second_order=False),
    OpInfo("flipud", lambda m, a: m.flipud(a), np.flipud, [S(T(3, 4)), S(T(4)),
                                                           S(T(4, 3, nc=True))],
           ("flip",), second_order=False),
    OpInfo("rot90", lambda m, a, k, d: m.rot90(a, k, d), lambda a, k, d: np.rot90(a, k, d),
           [S(T(3, 4), 1, (0, 1)), S(T(3, 4), 2, (0, 1)), S(T(3, 4), -1, (1, 0)),
            S(T(3, 4), 0, (0, 1)), S(T(2, 3, 4), 3, (2, 0)), S(T(4, 3, nc=True), 1, (0, 1)),
            S(T(0, 3), 5, (0, -1))],
           ("rot90",), second_order=False),
    OpInfo("ravel", lambda m, a: a.ravel(), np.ravel,
           [S(T(3, 4)), S(T()), S(T(4, 3, nc=True)), S(T(0, 2))], ("view", "clone"),
           second_order=False),
    OpInfo("roll", lambda m, a, s, d: a.roll(s, d), np.roll,
           [S(T(3, 4), 1, 0), S(T(3, 4), (1, -2), (0, 1)), S(T(3, 4), 5, None), S(T(), 2, None),
            S(T(4, 3, nc=True), -1, 1), S(T(0, 3), 1, 0), S(T(2, 3, 4), 2, -1),
            S(T(0, 3), 1, None)],
           ("roll",), second_order=False),
    OpInfo("tril", _tri("tril"), np.tril,
           [S(T(3, 4), 0), S(T(3, 4), 1), S(T(4, 3), -1), S(T(2, 3, 4), 0),
            S(T(4, 3, nc=True), 2), S(T(0, 3), 0), S(T(3, 3), -5)],
           ("tril",), second_order=False),
    OpInfo("triu", lambda m, a, k: m.triu(a, k), np.triu,
           [S(T(3, 4), 0), S(T(3, 4), -1), S(T(2, 3, 4), 2), S(T(4, 3, nc=True), 1)],
           ("triu",), second_order=False),
    OpInfo("diag", lambda m, a, k: m.diag(a, k), np.diag,
           [S(T(4), 0), S(T(4), 1), S(T(4), -2), S(T(3, 4), 0), S(T(3, 4), 1), S(T(3, 4), -1),
            S(T(4, 3, nc=True), 0), S(T(0), 0), S(T(3, 4), 7)],
           ("diag_embed", "diagonal_copy", "diagonal"), second_order=False),
    OpInfo("diag_embed", lambda m, a, o, d1, d2: a.diag_embed(o, d1, d2), _diag_embed,
           [S(T(3), 0, -2, -1), S(T(2, 3), 1, 0, 2), S(T(2, 3), -1, -1, 0),
            S(T(4, 3, nc=True), 0, -2, -1), S(T(2, 0), 0, 0, 1)],
           ("diag_embed", "diagonal"), second_order=False),
    OpInfo("trace", lambda m, a: a.trace(), np.trace,
           [S(T(3, 4)), S(T(4, 3, nc=True)), S(T(0, 3)), S(T(3, 3))],
           ("trace", "diagonal_backward"), second_order=False),
    # ----- joining
    OpInfo("cat", lambda m, *args: m.cat(args[:-1], args[-1]), _cat,
           [S(T(2, 3), T(4, 3), 0), S(T(2, 3), T(2, 1), T(2, 2), -1), S(T(2, 3), 1),
            S(T(0), T(2, 3), 0), S(T(2, 0), T(2, 3), 1), S(T(4, 3, nc=True), T(4, 3), 0),
            S(T(0), T(0), 0), S(T(2, 3, nc=True), T(2, 3, nc=True), 1),
            S(T(1, 2), T(1, 2), T(1, 2), T(1, 2), T(1, 2), 0)],
           ("cat", "slice"), second_order=False),
    OpInfo("concatenate", lambda m, a, b: m.concatenate((a, b), axis=1),
           lambda a, b: np.concatenate((a, b), 1), [S(T(2, 3), T(2, 1))], ("cat",),
           second_order=False),
    OpInfo("stack", lambda m, *args: m.stack(args[:-1], args[-1]),
           lambda *args: np.stack(args[:-1], args[-1]).astype(np.result_type(*args[:-1])),
           [S(T(2, 3), T(2, 3), 0), S(T(2, 3), T(2, 3), T(2, 3), -1), S(T(), T(), 0),
            S(T(4, 3, nc=True), T(4, 3), 1), S(T(0, 2), T(0, 2), 1), S(T(3), 1)],
           ("stack", "select"), second_order=False),
    OpInfo("hstack", lambda m, *ts: m.hstack(ts), _hstack,
           [S(T(3), T(2)), S(T(2, 3), T(2, 1)), S(T(), T())], ("cat",), second_order=False),
    OpInfo("vstack", lambda m, *ts: m.vstack(ts), lambda *ts: np.vstack(ts),
           [S(T(3), T(3)), S(T(2, 3), T(1, 3)), S(T(), T())], ("cat", "unsqueeze"),
           second_order=False),
    OpInfo("dstack", lambda m, *ts: m.dstack(ts), lambda *ts: np.dstack(ts),
           [S(T(3), T(3)), S(T(2, 3), T(2, 3)), S(T(2, 3, 1), T(2, 3, 2)), S(T(), T())],
           ("cat", "unsqueeze"), second_order=False),
    OpInfo("column_stack", lambda m, *ts: m.column_stack(ts), _column_stack,
           [S(T(3), T(3, 2)), S(T(), T(1, 2)), S(T(2, 3), T(2))], ("cat", "view"),
           second_order=False),
    # ----- splitting (one piece each; PyTorch's pieces share one node)
    OpInfo("split", lambda m, a, s, d, k: a.split(s, d)[k], _split,
           [S(T(5, 4), 2, 0, 2), S(T(5, 4), [1, 3], 1, 1), S(T(3, 4), 4, -1, 0),
            S(T(4, 3, nc=True), 2, 1, 1), S(T(0, 3), 2, 0, 0), S(T(3, 4), [0, 4], 1, 0)],
           ("split", "split_with_sizes", "slice", "cat"), second_order=False),
    OpInfo("chunk", lambda m, a, c, d, k: m.chunk(a, c, d)[k], _chunk,
           [S(T(5, 4), 3, 0, 2), S(T(5, 4), 2, -1, 1), S(T(4, 3, nc=True), 5, 1, 2),
            S(T(0, 3), 2, 0, 1)],
           ("split", "split_with_sizes"), second_order=False),
    OpInfo("unbind", lambda m, a, d, k: a.unbind(d)[k], lambda a, d, k: np.take(a, k, d),
           [S(T(3, 4), 0, 1), S(T(3, 4), -1, 3), S(T(4, 3, nc=True), 1, 0), S(T(2, 0), 0, 1)],
           ("unbind", "stack"), second_order=False),
    # all pieces, weighted: one node shared by every piece, as PyTorch's
    OpInfo("split_all", lambda m, a, s, d: m.cat([p * (i + 1) for i, p in enumerate(a.split(s, d))], d),
           lambda a, s, d: np.concatenate([p * (i + 1) for i, p in enumerate(
               np.split(a, np.cumsum(s)[:-1] if isinstance(s, list) else range(s, a.shape[d], s),
                        axis=d))], d),
           [S(T(5, 4), 2, 0), S(T(5, 4), [1, 0, 3], 1), S(T(4, 3, nc=True), 1, 1),
            S(T(6), 2, 0)],
           ("split", "split_with_sizes", "cat", "mul"), second_order=False),
    OpInfo("unbind_all", lambda m, a, d: m.stack([p * (i + 1) for i, p in enumerate(a.unbind(d))], d),
           lambda a, d: a * np.expand_dims(np.arange(1, a.shape[d] + 1), tuple(
               i for i in range(a.ndim) if i != d % a.ndim)),
           [S(T(3, 4), 1), S(T(2, 3, 4), -1), S(T(4, 3, nc=True), 0)],
           ("unbind", "stack", "mul"), second_order=False),
    OpInfo("iter", lambda m, a: m.stack([r * (i + 1) for i, r in enumerate(a)]),
           lambda a: a * np.arange(1, a.shape[0] + 1).reshape((-1,) + (1,) * (a.ndim - 1)),
           [S(T(3, 4)), S(T(2)), S(T(1, 3))], ("unbind", "stack"), second_order=False),
    OpInfo("tensor_split", lambda m, a, x, d, k: a.tensor_split(x, d)[k], _tensor_split,
           [S(T(5, 4), 3, 0, 2), S(T(5, 4), [1, 3], 1, 1), S(T(3, 4), [-1, 5], 1, 2),
            S(T(3, 4), [3, 1], 1, 1), S(T(4, 3, nc=True), 2, 0, 0)],
           ("slice",), second_order=False),
    OpInfo("meshgrid", lambda m, a, b, k, i: m.meshgrid(a, b, indexing=i)[k],
           lambda a, b, k, i: np.meshgrid(a, b, indexing=i)[k],
           [S(T(3), T(4), 0, "ij"), S(T(3), T(4), 1, "xy"), S(T(), T(2), 1, "ij"),
            S(T(3), T(4), 0, "xy"), S(T(0), T(2), 1, "ij")],
           ("view", "expand"), second_order=False),
]

PRIM_SAMPLES = {  # primitive name -> [(tensor input specs, params or params(m, rng))]
    "repeat": [([T(3, 4)], ((2, 1, 3),)), ([T()], ((2,),))],
    "flip": [([T(3, 4)], ((0, 1),)), ([T(2, 3, 4)], ((1,),))],
    "roll": [([T(3, 4)], ((1, -2), (0, 1))), ([T(3, 4)], (5, None))],
    "tril": [([T(3, 4)], (1,))],
    "rot90": [([T(3, 4)], (1, 0, 1)), ([T(2, 3, 4)], (2, 2, 0))],
    "triu": [([T(2, 3, 4)], (-1,))],
    "diagonal": [([T(3, 4)], (1, 0, 1, (3, 4))), ([T(2, 3, 4)], (-1, 2, 0, (2, 3, 4)))],
    "diagonal_backward": [([T(3)], ((3, 4), 1, 0, 1))],
    "diagonal_copy": [([T(3, 4)], (-1, 0, 1, (3, 4)))],
    "diag_embed": [([T(2, 3)], (1, 0, 2, (4, 2, 4)))],
    "trace": [([T(3, 4)], ((3, 4),))],
    "cat": [([T(2, 3), T(1, 3)], (0, ((0, 2), (2, 1)))), ([T(0), T(2, 3)], (1, (None, (0, 3))))],
    "stack": [([T(2, 3), T(2, 3)], (1,))],
    "split": [([T(5, 4)], (0, (0, 2, 5))), ([T(3, 4)], (1, (0, 0, 4)))],
    "split_with_sizes": [([T(5, 4)], (1, (0, 3, 4)))],
    "unbind": [([T(2, 3)], (0,)), ([T(3, 2)], (-1 % 2,))],
}
