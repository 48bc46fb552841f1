"""The op table's reduction entries (see tests/opinfo.py, which assembles every family).
Ties, NaNs, zeros of prod/cumprod and error texts are scenario tests in test_reduction.py
(a gradcheck at a tie of three is not a derivative)."""
import numpy as np

from opinfo_base import Domain, T, S, OpInfo, NONZERO, TIES, UNARY

INF = float("inf")
ZEROS = Domain(-2.0, 2.0, step=1.0)  # integers -2..2 as floats: zeros appear (prod, cumprod)
FLOATS = ("float16", "float32", "float64")


def _ax(a, d):
    """PyTorch dims as a NumPy axis: None or () means all; dim 0 of a 0-d tensor is itself."""
    if d is None or d == () or a.ndim == 0:
        return None
    return d


def _vnorm(m):
    linalg = getattr(m, "linalg", None)
    fn = getattr(linalg, "vector_norm", None)
    return fn if fn is not None else m.ops.reduction.linalg_vector_norm


def _mnorm(m):
    linalg = getattr(m, "linalg", None)
    fn = getattr(linalg, "matrix_norm", None)
    return fn if fn is not None else m.ops.reduction.linalg_matrix_norm


# dims samples: int, negative, tuples, keepdim, 0-d, size-1, non-contiguous, empty
DIMS = [S(T(3, 4), 1, False), S(T(3, 4), -1, True), S(T(2, 3, 4), (0, -1), False),
        S(T(2, 3, 4), (2, 0), True), S(T(), 0, False), S(T(1, 3), 0, False),
        S(T(4, 3, nc=True), 0, True), S(T(0, 3), 1, False)]
DIM = [S(T(3, 4), 1, False), S(T(3, 4), -1, True), S(T(2, 3, 4), 0, False),
       S(T(2, 3, 4), -2, True), S(T(), 0, False), S(T(), -1, True), S(T(1, 3), 0, False),
       S(T(4, 3, nc=True), 0, True), S(T(5), 0, False), S(T(0, 3), 1, False)]
NONEMPTY = UNARY[:4]


def _np_var(a, d, c, k):
    with np.errstate(all="ignore"):
        n = a.size if _ax(a, d) is None else np.prod([a.shape[i] for i in np.atleast_1d(d)])
        mu = np.mean(a, axis=_ax(a, d), keepdims=True)
        return (np.sum((a - mu) ** 2, axis=_ax(a, d), keepdims=k) / max(0, n - c)).astype(a.dtype)


def _np_norm(a, p, d, k):
    ax = _ax(a, d)
    b = np.abs(a)
    if p == INF:
        return np.amax(b, axis=ax, keepdims=k)
    if p == -INF:
        return np.amin(b, axis=ax, keepdims=k)
    if p == 0:
        return np.sum(b != 0, axis=ax, keepdims=k).astype(a.dtype)
    return (np.sum(b ** p, axis=ax, keepdims=k) ** (1.0 / p)).astype(a.dtype)


def _np_matrix_norm(a, o, d, k):
    if o == "fro":
        return np.sqrt(np.sum(a * a, axis=d, keepdims=k))
    return np.linalg.norm(a, o, axis=d, keepdims=k).astype(a.dtype)


def _np_logsumexp(a, d, k):
    with np.errstate(all="ignore"):
        return np.log(np.sum(np.exp(a), axis=_ax(a, d), keepdims=k)).astype(a.dtype)


def _np_sorted(a, d, desc):
    if a.ndim == 0:
        return a
    s = np.sort(a, axis=d)
    return np.flip(s, d) if desc else s


def _np_argsort(a, d, desc):
    if a.ndim == 0:
        return np.zeros((), np.int64)
    if desc:
        return np.flip(a.shape[d] - 1 - np.argsort(np.flip(a, d), axis=d, kind="stable"), d)
    return np.argsort(a, axis=d, kind="stable")


def _np_take(a, idx, d, keep):
    if a.ndim == 0:
        return a
    v = np.take_along_axis(a, idx, axis=d)
    return v if keep else v.squeeze(d)


def _np_kth(a, k, d, keep):
    if a.ndim == 0:
        return a
    v = np.take(np.sort(a, axis=d), [k - 1], axis=d)
    return v if keep else v.squeeze(d)


def _np_median(a, d, keep):
    if a.ndim == 0:
        return a
    n = a.shape[d]
    return _np_kth(a, (n - 1) // 2 + 1, d, keep)


def _np_cum(fn):
    return lambda a, d: a.copy() if a.ndim == 0 else fn(a, axis=d).astype(a.dtype)


def _np_cummax_idx(a, d, ufunc):
    if a.ndim == 0:
        return np.zeros((), np.int64)
    run = ufunc.accumulate(a, axis=d)
    pos = np.arange(a.shape[d]).reshape([-1 if i == d else 1 for i in range(a.ndim)])
    return np.maximum.accumulate(np.where(a == run, pos, 0), axis=d)


def _np_topk(a, k, d, largest):
    if a.ndim == 0:
        return a
    s = _np_sorted(a, d, largest)
    return np.take(s, np.arange(k), axis=d)


def _np_mode(a, d, keep):
    if a.ndim == 0:
        return a
    return _np_kth(a, 1, d, keep)  # samples have distinct values: the smallest


OPS = [
    # ----- prod: whole and along a dim, zeros included (PyTorch's exact gradient)
    OpInfo("prod", lambda m, a: m.prod(a), lambda a: np.prod(a),
           UNARY + [S(T(3, 4, domain=ZEROS)), S(T(2, 3, domain=ZEROS))],
           ("prod",)),
    OpInfo("prod_dim", lambda m, a, d, k: a.prod(d, keepdim=k),
           lambda a, d, k: np.prod(a, axis=_ax(a, d), keepdims=k),
           DIM + [S(T(3, 4, domain=ZEROS), 1, False), S(T(4, 3, domain=ZEROS), 0, True)],
           ("prod",)),
    OpInfo("prod_dtype", lambda m, a: m.prod(a, 0, dtype=m.float64),
           lambda a: np.prod(a, axis=0, dtype=np.float64), [S(T(3, 4)), S(T(4))],
           ("prod",), dtypes=("float32",), grid=()),
    OpInfo("sum_dtype", lambda m, a, d: m.sum(a, d, dtype=m.float64),
           lambda a, d: np.sum(a, axis=_ax(a, d), dtype=np.float64),
           [S(T(3, 4), None), S(T(3, 4), 1), S(T(), 0), S(T(3, 4), ())], ("sum",),
           dtypes=("float32",),
           second_order=False),
    OpInfo("mean_dtype", lambda m, a, d: a.mean(d, dtype=m.float64),
           lambda a, d: np.mean(a, axis=_ax(a, d), dtype=np.float64),
           [S(T(3, 4), None), S(T(3, 4), (0, 1))], ("mean",), dtypes=("float32",),
           second_order=False),
    OpInfo("nansum_dtype", lambda m, a: m.nansum(a, dtype=m.float64),
           lambda a: np.nansum(a, dtype=np.float64), [S(T(3, 4))], ("nansum",),
           dtypes=("float32",), second_order=False),
    # ----- amax / amin / max / min (ties: test_reduction.py)
    OpInfo("amax", lambda m, a, d, k: m.amax(a, d, k),
           lambda a, d, k: np.amax(a, axis=_ax(a, d), keepdims=k),
           DIMS + [S(T(2, 3), (), False)], ("amax",), second_order=False),
    OpInfo("amin", lambda m, a, d, k: a.amin(d, keepdim=k),
           lambda a, d, k: np.amin(a, axis=_ax(a, d), keepdims=k),
           DIMS, ("amin",), second_order=False),
    OpInfo("max", lambda m, a: m.max(a), lambda a: np.max(a), NONEMPTY, ("select_all",),
           second_order=False),
    OpInfo("min", lambda m, a: a.min(), lambda a: np.min(a), NONEMPTY, ("select_all",),
           second_order=False),
    OpInfo("max_dim", lambda m, a, d, k: m.max(a, d, k).values,
           lambda a, d, k: np.amax(a, axis=_ax(a, d), keepdims=k), DIM, ("take_values",),
           second_order=False),
    OpInfo("min_dim", lambda m, a, d, k: a.min(dim=d, keepdim=k)[0],
           lambda a, d, k: np.amin(a, axis=_ax(a, d), keepdims=k), DIM, ("take_values",),
           second_order=False),
    OpInfo("max_other", lambda m, a, b: m.max(a, b), np.maximum,
           [S(T(3, 4), T(3, 4)), S(T(3, 1), T(4)), S(T(), T(2, 3)), S(T(4, 3, nc=True), T(3))],
           ("maximum",), second_order=False),
    OpInfo("min_other", lambda m, a, b: a.min(b), np.minimum,
           [S(T(3, 4), T(3, 4)), S(T(0, 3), T(3))], ("minimum",), second_order=False),
    OpInfo("max_dim_indices", lambda m, a, d, k: m.max(a, d, k).indices,
           lambda a, d, k: np.zeros((), np.int64) if a.ndim == 0 else
           np.argmax(a, axis=d, keepdims=k), DIM[:-1], (), differentiable=False),
    OpInfo("min_dim_indices", lambda m, a, d, k: m.min(a, d, k)[1],
           lambda a, d, k: np.zeros((), np.int64) if a.ndim == 0 else
           np.argmin(a, axis=d, keepdims=k), DIM[:-1], (), differentiable=False),
    OpInfo("aminmax", lambda m, a, d, k: (lambda r: r.min * 2 + r.max)(
        m.aminmax(a, dim=d, keepdim=k)),
           lambda a, d, k: 2 * np.amin(a, axis=_ax(a, d), keepdims=k) +
           np.amax(a, axis=_ax(a, d), keepdims=k),
           [S(T(3, 4), 1, False), S(T(3, 4), -1, True), S(T(), 0, False),
            S(T(4, 3, nc=True), 0, True), S(T(0, 3), 1, False)],
           ("aminmax",), second_order=False),
    OpInfo("aminmax_all", lambda m, a: (lambda r: r.min * 2 + r.max)(m.aminmax(a)),
           lambda a: 2 * np.amin(a) + np.amax(a), NONEMPTY, ("aminmax",), second_order=False),
    OpInfo("argmax", lambda m, a, d, k: m.argmax(a, d, keepdim=k),
           lambda a, d, k: np.argmax(a, axis=_ax(a, d), keepdims=k if d is not None else False)
           if d is not None or not k else np.argmax(a).reshape((1,) * a.ndim),
           [S(T(3, 4), None, False), S(T(3, 4), None, True), S(T(3, 4), 1, False),
            S(T(2, 3, 4), -2, True), S(T(), 0, False), S(T(), None, False),
            S(T(4, 3, nc=True), 0, False), S(T(0, 3), 1, False)],
           (), domain=TIES, differentiable=False),
    OpInfo("argmin", lambda m, a, d, k: a.argmin(d, k),
           lambda a, d, k: np.argmin(a, axis=_ax(a, d), keepdims=k) if d is not None else
           np.argmin(a), [S(T(3, 4), None, False), S(T(3, 4), 0, True), S(T(2, 3, 4), -1, False),
                          S(T(4, 3, nc=True), 1, False)],
           (), domain=TIES, differentiable=False),
    # ----- logsumexp
    OpInfo("logsumexp", lambda m, a, d, k: m.logsumexp(a, d, k), _np_logsumexp,
           DIMS + [S(T(2, 3, domain=Domain(50.0, 60.0)), 1, False, note="needs the max out")],
           ("logsumexp",)),
    # ----- var / std and their means
    OpInfo("var", lambda m, a, d, c, k: m.var(a, d, correction=c, keepdim=k), _np_var,
           [S(T(3, 4), None, 1, False), S(T(3, 4), 1, 1, False), S(T(3, 4), -1, 0, True),
            S(T(2, 3, 4), (0, 2), 1, False), S(T(2, 3, 4), (2, 0), 2, True),
            S(T(1, 3), 1, 1, False), S(T(4, 3, nc=True), 0, 1, False)],
           ("var",)),  # (empty inputs warn, in PyTorch too: test_reduction.py)
    OpInfo("var_unbiased", lambda m, a, d, u: a.var(d, u), lambda a, d, u: _np_var(a, d, int(u),
                                                                                   False),
           [S(T(3, 4), 1, False), S(T(3, 4), 0, True)], ("var",), grid=()),
    OpInfo("std", lambda m, a, d, c, k: a.std(d, correction=c, keepdim=k),
           lambda a, d, c, k: np.sqrt(_np_var(a, d, c, k)),
           [S(T(3, 4), None, 1, False), S(T(3, 4), 1, 1, False), S(T(3, 4), -1, 0, True),
            S(T(2, 3, 4), (0, 2), 1, False), S(T(4, 3, nc=True), 0, 1, False)], ("std",)),
    OpInfo("std_unbiased_all", lambda m, a, u: m.std(a, u), lambda a, u: np.std(a, ddof=int(u)),
           [S(T(3, 4), True), S(T(5), False)], ("std",), grid=()),
    OpInfo("var_mean", lambda m, a, d, c, k: (lambda r: r[0] + r[1])(
        m.var_mean(a, d, correction=c, keepdim=k)),
           lambda a, d, c, k: _np_var(a, d, c, k) + np.mean(a, axis=_ax(a, d), keepdims=k),
           [S(T(3, 4), None, 1, False), S(T(3, 4), 1, 1, True), S(T(2, 3, 4), (0, 2), 0, False),
            S(T(4, 3, nc=True), 0, 1, False)], ("var_mean",)),
    OpInfo("std_mean", lambda m, a, d, c, k: (lambda r: r[0] * 2 + r[1])(
        m.std_mean(a, d, correction=c, keepdim=k)),
           lambda a, d, c, k: 2 * np.sqrt(_np_var(a, d, c, k)) +
           np.mean(a, axis=_ax(a, d), keepdims=k),
           [S(T(3, 4), None, 1, False), S(T(3, 4), -1, 1, True), S(T(2, 3, 4), (1,), 0, False)],
           ("var_mean",)),
    # ----- nansum / nanmean (NaNs themselves: test_reduction.py)
    OpInfo("nansum", lambda m, a, d, k: m.nansum(a, d, k),
           lambda a, d, k: np.nansum(a, axis=_ax(a, d), keepdims=k),
           DIMS + [S(T(3, 4), None, False)],
           ("nansum",), second_order=False),
    OpInfo("nanmean", lambda m, a, d, k: a.nanmean(d, k),
           lambda a, d, k: np.nanmean(a, axis=_ax(a, d), keepdims=k),
           DIMS[:-1] + [S(T(3, 4), None, False)], ("nansum", "div"), second_order=False),
    # ----- norms
    OpInfo("vector_norm", lambda m, a, p, d, k: _vnorm(m)(a, p, d, k), _np_norm,
           [S(T(3, 4), 2, None, False), S(T(3, 4), 2, 1, True), S(T(2, 3, 4), 1, (0, 2), False),
            S(T(3, 4), INF, -1, False), S(T(3, 4), -INF, 0, True), S(T(3, 4), 0, 1, False),
            S(T(3, 4), 3, None, False), S(T(3, 4), 0.5, 1, False), S(T(3, 4), -1, 1, False),
            S(T(3, 4), 1.5, 0, False), S(T(), 2, None, False), S(T(4, 3, nc=True), 2, 0, False),
            S(T(0, 3), 2, 1, False), S(T(0, 3), 1, None, False)],
           ("linalg_vector_norm",), domain=NONZERO),
    OpInfo("norm", lambda m, a, p, d, k: m.norm(a, p, d, k),
           lambda a, p, d, k: _np_norm(a, 2 if p == "fro" else p, d, k),
           [S(T(3, 4), "fro", None, False), S(T(2, 3, 4), "fro", (0, 1), True),
            S(T(3, 4), 1, 1, False), S(T(3, 4), INF, None, False), S(T(3, 4), 3, 0, True),
            S(T(), "fro", None, False), S(T(4, 3, nc=True), 2, (0, 1), False)],
           ("linalg_vector_norm",), domain=NONZERO),
    OpInfo("norm_method", lambda m, a: a.norm(), lambda a: np.sqrt(np.sum(a * a)), UNARY,
           ("linalg_vector_norm",), domain=NONZERO),
    OpInfo("matrix_norm", lambda m, a, o, d, k: _mnorm(m)(a, o, d, k), _np_matrix_norm,
           [S(T(3, 4), "fro", (-2, -1), False), S(T(3, 4), 1, (-2, -1), False),
            S(T(2, 3, 4), -1, (-2, -1), True), S(T(3, 4), INF, (0, 1), False),
            S(T(3, 4), -INF, (1, 0), False), S(T(2, 4, 3, nc=True), 1, (2, 0), False),
            S(T(3, 4), "fro", (1, 0), True)],
           ("linalg_vector_norm", "amax"), domain=NONZERO, second_order=False),
    # ----- cumulative
    OpInfo("cumsum", lambda m, a, d: m.cumsum(a, d), _np_cum(np.cumsum),
           [S(T(3, 4), 1), S(T(3, 4), -2), S(T(2, 3, 4), 1), S(T(), 0), S(T(1, 3), 0),
            S(T(4, 3, nc=True), 1), S(T(0, 3), 0), S(T(0, 3), 1)],
           ("cumsum",), second_order=False),
    OpInfo("cumsum_dtype", lambda m, a: a.cumsum(0, dtype=m.float64),
           lambda a: np.cumsum(a, 0, dtype=np.float64), [S(T(3, 4))], ("cumsum",),
           dtypes=("float32",), second_order=False),
    OpInfo("cumprod", lambda m, a, d: m.cumprod(a, d), _np_cum(np.cumprod),
           [S(T(3, 4), 1), S(T(3, 4), -2), S(T(2, 3, 4), 1), S(T(), 0), S(T(1, 3), 0),
            S(T(4, 3, nc=True), 1), S(T(0, 3), 1), S(T(3, 4, domain=ZEROS), 1),
            S(T(2, 5, domain=ZEROS), -1), S(T(6, domain=ZEROS), 0)],
           ("cumprod",)),
    OpInfo("cummax", lambda m, a, d: m.cummax(a, d).values, _np_cum(np.maximum.accumulate),
           [S(T(3, 4), 1), S(T(3, 4), -2), S(T(), 0), S(T(4, 3, nc=True), 1), S(T(0, 3), 1)],
           ("take_values",), second_order=False),
    OpInfo("cummin", lambda m, a, d: a.cummin(d)[0], _np_cum(np.minimum.accumulate),
           [S(T(3, 4), 1), S(T(2, 3, 4), 0), S(T(), -1)], ("take_values",), second_order=False),
    OpInfo("cummax_indices", lambda m, a, d: m.cummax(a, d).indices,
           lambda a, d: _np_cummax_idx(a, d, np.maximum),
           [S(T(3, 4), 1), S(T(2, 3, 4), 0), S(T(), 0)], (), domain=TIES, differentiable=False),
    OpInfo("cummin_indices", lambda m, a, d: m.cummin(a, d).indices,
           lambda a, d: _np_cummax_idx(a, d, np.minimum),
           [S(T(3, 4), 1), S(T(4, 3, nc=True), 0)], (), domain=TIES, differentiable=False),
    # ----- logical reductions and counts (no gradient)
    OpInfo("all", lambda m, a, d, k: m.all(a) if d is None else m.all(a, d, k),
           lambda a, d, k: np.all(a) if d is None else np.all(a, axis=_ax(a, d), keepdims=k),
           [S(T(3, 4), None, False), S(T(3, 4), 1, False), S(T(3, 4), -1, True),
            S(T(2, 3, 4), (0, 2), False), S(T(), 0, False), S(T(0, 3), 1, False),
            S(T(4, 3, nc=True), 0, True)], (), domain=TIES, differentiable=False),
    OpInfo("any", lambda m, a, d, k: a.any() if d is None else a.any(d, keepdim=k),
           lambda a, d, k: np.any(a) if d is None else np.any(a, axis=_ax(a, d), keepdims=k),
           [S(T(3, 4), None, False), S(T(3, 4), 0, True), S(T(2, 3, 4), (1, -1), True),
            S(T(0, 3), 0, False)], (), domain=TIES, differentiable=False),
    OpInfo("count_nonzero", lambda m, a, d: m.count_nonzero(a, d),
           lambda a, d: np.asarray(np.count_nonzero(a, axis=_ax(a, d)), np.int64),
           [S(T(3, 4), None), S(T(3, 4), 1), S(T(2, 3, 4), (0, -1)), S(T(), None),
            S(T(0, 3), 1)], (), domain=TIES, differentiable=False),
    # ----- median, mode, kthvalue (distinct values; ties: test_reduction.py)
    OpInfo("median", lambda m, a: m.median(a), lambda a: _np_median(a.reshape(-1), 0, False),
           NONEMPTY, ("select_all",), second_order=False),
    OpInfo("median_dim", lambda m, a, d, k: m.median(a, d, k).values, _np_median, DIM[:-1],
           ("take_values",), second_order=False),
    OpInfo("median_dim_indices", lambda m, a, d, k: a.median(d, k).indices,
           lambda a, d, k: _np_argsort_at(a, d, k, (a.shape[d] - 1) // 2 if a.ndim else 0),
           DIM[:-1], (), differentiable=False),
    OpInfo("nanmedian", lambda m, a: a.nanmedian(), lambda a: _np_median(a.reshape(-1), 0, False),
           NONEMPTY, ("select_all",), second_order=False),
    OpInfo("nanmedian_dim", lambda m, a, d, k: m.nanmedian(a, d, k)[0], _np_median,
           DIM[:4], ("take_values",), second_order=False),
    OpInfo("mode", lambda m, a, d, k: m.mode(a, d, k).values, _np_mode,
           DIM[:-1], ("take_values",), second_order=False),
    OpInfo("kthvalue", lambda m, a, k, d, kd: m.kthvalue(a, k, d, kd).values,
           lambda a, k, d, kd: _np_kth(a, k, d, kd),
           [S(T(3, 4), 2, 1, False), S(T(3, 4), 1, -1, True), S(T(2, 3, 4), 3, 1, False),
            S(T(), 1, 0, False), S(T(4, 3, nc=True), 4, 0, True)],
           ("take_values",), second_order=False),
    OpInfo("kthvalue_indices", lambda m, a, k, d: a.kthvalue(k, d).indices,
           lambda a, k, d: _np_argsort_at(a, d, False, k - 1),
           [S(T(3, 4), 2, 1), S(T(2, 3, 4), 3, 1)], (), differentiable=False),
    # ----- sorting
    OpInfo("sort", lambda m, a, d, desc: m.sort(a, d, desc).values, _np_sorted,
           [S(T(3, 4), -1, False), S(T(3, 4), 0, True), S(T(2, 3, 4), 1, False),
            S(T(), 0, False), S(T(1, 3), 0, True), S(T(4, 3, nc=True), 1, True),
            S(T(0, 3), 1, False)], ("take_values",), second_order=False),
    OpInfo("sort_stable", lambda m, a, d, desc: a.sort(dim=d, descending=desc,
                                                       stable=True).indices,
           _np_argsort, [S(T(3, 4), -1, False), S(T(3, 5), 1, True), S(T(4, 3), 0, True),
                         S(T(), 0, False)],
           (), domain=TIES, differentiable=False),
    OpInfo("sort_stable_values", lambda m, a, d: m.sort(a, dim=d, stable=True).values,
           lambda a, d: np.sort(a, axis=d), [S(T(3, 4), 1), S(T(4, 3, nc=True), 0)],
           ("take_values",), second_order=False, grid=()),
    OpInfo("argsort", lambda m, a, d, desc: m.argsort(a, d, desc), _np_argsort,
           [S(T(3, 4), -1, False), S(T(3, 4), 0, True), S(T(4, 3, nc=True), 1, False)], (),
           differentiable=False, grid=FLOATS),
    OpInfo("msort", lambda m, a: m.msort(a), lambda a: np.sort(a, axis=0),
           [S(T(3, 4)), S(T(4))], ("take_values",), second_order=False),
    OpInfo("topk", lambda m, a, k, d, lg: m.topk(a, k, d, lg).values, _np_topk,
           [S(T(3, 4), 2, 1, True), S(T(3, 4), 3, -1, False), S(T(2, 3, 4), 1, 0, True),
            S(T(), 1, 0, True), S(T(4, 3, nc=True), 4, 0, False), S(T(3, 4), 0, 1, True),
            S(T(0, 3), 2, 1, True)], ("take_values",), second_order=False),
    OpInfo("topk_indices", lambda m, a, k, d, lg: a.topk(k, d, lg)[1],
           lambda a, k, d, lg: np.take(_np_argsort(a, d, lg), np.arange(k), axis=d),
           [S(T(3, 4), 2, 1, True), S(T(3, 4), 3, 0, False)], (), differentiable=False),
]


def _np_argsort_at(a, d, keep, pos):
    if a.ndim == 0:
        return np.zeros((), np.int64)
    v = np.take(np.argsort(a, axis=d, kind="stable"), [pos], axis=d)
    return v if keep else v.squeeze(d)


def _idx(shape, dim, k):
    def make(m, rng):
        s = list(shape)
        s[dim] = k
        return (rng.integers(0, shape[dim], size=s), dim, False)
    return make


def _idx_squeezed(m, rng):
    return (rng.integers(0, 4, size=(3, 1)), 1, True)


PRIM_SAMPLES = {
    "prod": [([T(3, 4)], (1, False, None)), ([T(3, 4)], (None, False, None)),
             ([T(2, 3, domain=ZEROS)], (0, True, None))],
    "cumsum": [([T(3, 4)], (1, False, None)), ([T(3, 4)], (0, True, None))],
    "cumprod": [([T(3, 4)], (1, None)), ([T(3, 4, domain=ZEROS)], (1, None))],
    "amax": [([T(3, 4)], ((1,), False)), ([T(2, 3, 4)], ((0, 2), True)),
             ([T(3, 4)], (None, False))],
    "amin": [([T(3, 4)], ((0,), True))],
    "aminmax": [([T(3, 4)], ((1,), False)), ([T(3, 4)], (None, False))],
    "select_all": [([T(3, 4)], (how,)) for how in ("max", "min", "median", "nanmedian")],
    "logsumexp": [([T(3, 4)], ((1,), False)), ([T(2, 3, 4)], ((0, 2), True))],
    "var": [([T(3, 4)], ((1,), 1, False)), ([T(3, 4)], (None, 0, False)),
            ([T(3, 4)], (None, 1, True))],
    "std": [([T(3, 4)], ((0,), 1, True)), ([T(3, 4)], (None, 1, False))],
    "var_mean": [([T(3, 4)], ((1,), 1, False, False)), ([T(3, 4)], (None, 0, False, True)),
                 ([T(3, 4)], (None, 1, True, False))],
    "nansum": [([T(3, 4)], ((1,), False)), ([T(3, 4)], (None, False))],
    "linalg_vector_norm": [([T(3, 4, domain=NONZERO)], (p, d, False, None)) for p, d in
                           [(2.0, None), (1.0, (1,)), (INF, (0,)), (3.0, None), (0.5, (1,)),
                            (-INF, None), (1.5, (0,))]],
    "take_values": [([T(3, 4)], _idx((3, 4), 1, 2)), ([T(3, 4)], _idx_squeezed)],
    "scatter_values": [([T(3, 2)], lambda m, rng: (rng.integers(0, 4, size=(3, 2)), 1, False,
                                                   (3, 4))),
                       ([T(3)], lambda m, rng: (rng.integers(0, 4, size=(3, 1)), 1, True,
                                                (3, 4)))],
}
