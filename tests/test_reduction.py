"""Reductions beyond the op table: named result tuples, gradients at ties, prod/cumprod at
zeros (first and second order), norms at zero, NaNs, index tie-breaking, error texts and
dtype rules, each compared with PyTorch where it is installed."""
import warnings

import numpy as np
import pytest

import retrograd as rt
from retrograd.ops import reduction as R
from conftest import REAL_TORCH as torch

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the oracle) not installed")
NAN, INF = float("nan"), float("inf")


def _lib_fn(m, name):
    """linalg.vector_norm / matrix_norm: PyTorch's, or ours before linalg re-exports them."""
    fn = getattr(getattr(m, "linalg", None), name, None)
    return fn if fn is not None else getattr(R, "linalg_" + name)


def _both(fn, data, dtype="float64", grad=True):
    """fn run on retrograd and torch with the same leaf: (output, leaf) for each."""
    out = []
    for m in (rt, torch):
        x = m.tensor(np.array(data, dtype=dtype), requires_grad=grad)
        out.append((fn(m, x), x))
    return out


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _same(a, b, what=""):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    assert str(a.dtype) == str(b.dtype), (what, a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=what)


def _grads_match(fn, data, weights=None):
    """Values, node names and x.grad of fn(x) (a tensor) vs PyTorch's."""
    (ro, rx), (to, tx) = _both(fn, data)
    _same(ro, to, "value")
    assert type(ro.grad_fn).__name__ == type(to.grad_fn).__name__
    w = np.ones(tuple(to.shape)) if weights is None else np.asarray(weights, float)
    ro.backward(rt.tensor(w))
    to.backward(torch.tensor(w))
    assert (rx.grad is None) == (tx.grad is None)
    if tx.grad is not None:
        _same(rx.grad, tx.grad, "grad")


def _second_order_matches(fn, data, seed=0):
    """d/dx <w, grad fn(x)>: the gradient of the gradient, vs PyTorch's."""
    rng = np.random.default_rng(seed)
    res = []
    for m in (rt, torch):
        x = m.tensor(np.array(data, float), requires_grad=True)
        y = fn(m, x)
        u = m.tensor(np.random.default_rng(seed + 1).standard_normal(tuple(y.shape)))
        g, = m.autograd.grad(y, x, u, create_graph=True)
        w = m.tensor(np.random.default_rng(seed + 2).standard_normal(tuple(x.shape)))
        gg = m.autograd.grad((g * w).sum(), x, allow_unused=True)[0] if g.requires_grad \
            else None  # the gradient does not depend on x (a selection)
        if gg is not None and getattr(gg, "_is_zerotensor", lambda: False)():
            gg = None  # PyTorch's symbolic zero
        res.append((g, gg))
    _same(res[0][0], res[1][0], "first order")
    if res[1][1] is None:
        assert res[0][1] is None or not np.any(_np(res[0][1]))
    else:
        _same(res[0][1], res[1][1], "second order")
    del rng


# ----- named tuples

NAMED = {
    "max": lambda m, x: m.max(x, 1), "min": lambda m, x: x.min(0, keepdim=True),
    "sort": lambda m, x: x.sort(1, descending=True), "topk": lambda m, x: m.topk(x, 2),
    "kthvalue": lambda m, x: x.kthvalue(2, 0), "median": lambda m, x: x.median(1),
    "nanmedian": lambda m, x: m.nanmedian(x, 0), "mode": lambda m, x: x.mode(),
    "cummax": lambda m, x: m.cummax(x, 1), "cummin": lambda m, x: x.cummin(0),
    "aminmax": lambda m, x: m.aminmax(x, dim=1), "max_0d": lambda m, x: x[0, 0].max(0),
}


@needs_torch
@pytest.mark.parametrize("case", list(NAMED))
def test_named_tuple_repr_fields_and_unpacking(case):
    data = [[0.5, 2.0, -1.0], [3.0, 1.5, 0.25]]
    (r, _), (t, _) = _both(NAMED[case], data, "float32")
    assert repr(r) == repr(t)
    assert type(r).__name__ == type(t).__name__ and isinstance(r, tuple) and len(r) == 2
    assert type(r).__module__ == "torch.return_types"
    names = ("min", "max") if case == "aminmax" else ("values", "indices")
    first, second = r  # unpacking
    assert first is r[0] is getattr(r, names[0]) and second is r[1] is getattr(r, names[1])
    assert r[-1] is second and r[:1] == (first,)
    for ours, theirs in zip(r, t):
        _same(ours, theirs)
        assert ours.requires_grad == theirs.requires_grad
    assert getattr(rt.return_types, type(r).__name__) is type(r)


@needs_torch
def test_every_pytorch_return_type_exists_with_its_fields():
    ours = {n for n in dir(rt.return_types) if not n.startswith("_")}
    theirs = {n for n in dir(torch.return_types) if not n.startswith("_") and
              hasattr(getattr(torch.return_types, n), "n_fields")}
    assert theirs <= ours
    for name in theirs:
        t_cls, r_cls = getattr(torch.return_types, name), getattr(rt.return_types, name)
        values = tuple(range(t_cls.n_fields))
        assert repr(r_cls(values)) == repr(t_cls(values))


def test_named_tuple_from_a_sequence():
    r = rt.return_types.max((rt.tensor(1.0), rt.tensor(0)))
    assert r.values.item() == 1.0 and r.indices.item() == 0 and r.n_fields == 2
    with pytest.raises(TypeError):
        rt.return_types.max((1,))


# ----- gradients at ties: split evenly (amax, max(), median(), norm inf) or to the index

TIES = [[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, -1.0], [0.5, 0.5, 0.5, 0.5]]
TIE_CASES = {
    "amax_dim": lambda m, x: m.amax(x, 1), "amax_all": lambda m, x: x.amax(),
    "amax_tuple": lambda m, x: x.amax((0, 1), keepdim=True), "amin_dim": lambda m, x: x.amin(0),
    "max_all": lambda m, x: x.max(), "min_all": lambda m, x: m.min(x),
    "max_dim": lambda m, x: x.max(1).values, "min_dim": lambda m, x: x.min(0).values,
    "median_all": lambda m, x: x.median(), "median_dim": lambda m, x: x.median(1).values,
    "kthvalue": lambda m, x: x.kthvalue(2, 1).values, "kthvalue0": lambda m, x: x.kthvalue(2, 0)[0],
    "nanmedian_all": lambda m, x: x.nanmedian(), "mode": lambda m, x: x.mode(1).values,
    "cummax": lambda m, x: x.cummax(1).values, "cummin": lambda m, x: m.cummin(x, 0).values,
    "sort": lambda m, x: x.sort(1).values, "sort_desc": lambda m, x: x.sort(0, True).values,
    "aminmax": lambda m, x: (lambda r: r.min + 2 * r.max)(m.aminmax(x)),
    "aminmax_dim": lambda m, x: (lambda r: r.min + 2 * r.max)(m.aminmax(x, dim=1)),
    "norm_inf": lambda m, x: _lib_fn(m, "vector_norm")(x, INF, 1),
    "norm_-inf": lambda m, x: _lib_fn(m, "vector_norm")(x, -INF),
    "matrix_norm_1": lambda m, x: _lib_fn(m, "matrix_norm")(x, 1),
}


@needs_torch
@pytest.mark.parametrize("case", list(TIE_CASES))
def test_gradient_at_ties_matches_torch(case):
    _grads_match(TIE_CASES[case], TIES)


@needs_torch
@pytest.mark.parametrize("case", ["amax_dim", "max_all", "median_all", "norm_inf", "max_dim",
                                  "sort", "cummax", "aminmax"])
def test_gradient_at_ties_second_order(case):
    _second_order_matches(TIE_CASES[case], TIES)


# ----- indices where elements are equal: which one PyTorch returns

INDEX_CASES = {
    "max": lambda m, x: x.max(1).indices, "min": lambda m, x: m.min(x, 0).indices,
    "argmax": lambda m, x: x.argmax(1), "argmin_all": lambda m, x: x.argmin(),
    "argmax_keepdim": lambda m, x: m.argmax(x, keepdim=True),
    "median": lambda m, x: x.median(1).indices, "median0": lambda m, x: x.median(0).indices,
    "nanmedian": lambda m, x: x.nanmedian(1).indices, "mode": lambda m, x: x.mode(1).indices,
    "mode0": lambda m, x: x.mode(0).indices, "cummax": lambda m, x: x.cummax(1).indices,
    "cummin": lambda m, x: x.cummin(0).indices, "sort": lambda m, x: x.sort(1).indices,
    "sort_desc": lambda m, x: x.sort(1, descending=True).indices,
    "sort_stable": lambda m, x: x.sort(dim=0, stable=True).indices,
    "argsort_desc": lambda m, x: m.argsort(x, 0, descending=True),
    "kthvalue": lambda m, x: x.kthvalue(3, 1).indices,
    "kthvalue0": lambda m, x: m.kthvalue(x, 2, 0, keepdim=True).indices,
    "kthvalue_last": lambda m, x: x.kthvalue(7, -1).indices,
    "topk": lambda m, x: x.topk(3, 1).indices, "topk0": lambda m, x: m.topk(x, 4, 0)[1],
    "topk_smallest": lambda m, x: x.topk(2, 1, largest=False).indices,
    "topk_unsorted": lambda m, x: x.topk(5, 1, sorted=False).indices,
    "topk_unsorted_smallest": lambda m, x: x.topk(6, 0, False, False).indices,
}


@needs_torch
@pytest.mark.parametrize("case", list(INDEX_CASES))
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_indices_at_ties_match_torch(case, dtype):
    rng = np.random.default_rng(7)
    data = rng.integers(-2, 3, size=(6, 7)).astype(dtype)
    (r, _), (t, _) = _both(INDEX_CASES[case], data, dtype, grad=False)
    _same(r, t)


@needs_torch
@pytest.mark.parametrize("case", ["topk", "topk_smallest"])
def test_topk_where_pytorch_heap_selects_points_at_the_values(case):
    """Where PyTorch runs std::partial_sort (k * 64 <= n), equal elements keep their order
    here: the values are PyTorch's, the indices point at equal values (the same ones when
    there are no ties)."""
    data = np.random.default_rng(3).integers(-2, 3, size=(5, 200)).astype("float64")
    calls = {"topk": lambda m, x: m.topk(x, 3, 1),
             "topk_smallest": lambda m, x: x.topk(2, 1, largest=False)}
    dim = 1
    (r, rx), (t, tx) = _both(calls[case], data)
    _same(r.values, t.values)
    _same(rx.gather(dim, r.indices) if hasattr(rx, "gather") else
          np.take_along_axis(data, _np(r.indices), dim), t.values)


# ----- prod and cumprod at zeros: PyTorch's exact gradient, first and second order

ZERO_DATA = {
    "one_zero": [[2.0, 0.0, 3.0, -1.5], [1.0, 2.0, -0.5, 4.0]],
    "two_zeros": [[0.0, 2.0, 0.0, 3.0], [1.5, 0.0, 2.0, -1.0]],
    "all_zero": [[0.0, 0.0], [0.0, 0.0]],
    "first_and_last": [[0.0, 2.0, 3.0, 0.0]],
}
ZERO_CASES = {
    "prod": lambda m, x: x.prod(), "prod_dim1": lambda m, x: m.prod(x, 1),
    "prod_dim0_keepdim": lambda m, x: x.prod(0, keepdim=True),
    "cumprod1": lambda m, x: x.cumprod(1), "cumprod0": lambda m, x: m.cumprod(x, 0),
    "cumprod_neg": lambda m, x: x.cumprod(-1) * 1.5,
}


@needs_torch
@pytest.mark.parametrize("data", list(ZERO_DATA))
@pytest.mark.parametrize("case", list(ZERO_CASES))
def test_prod_cumprod_zeros_match_torch(case, data):
    _grads_match(ZERO_CASES[case], ZERO_DATA[data])
    _second_order_matches(ZERO_CASES[case], ZERO_DATA[data])


def test_cumprod_first_order_forms_agree():
    """The O(n) form (no graph) and the quadratic one (create_graph) give the same."""
    x0 = np.array([[1.5, 0.0, 2.0, 0.0, -1.0], [0.0, 3.0, 1.0, 2.0, 0.5]])
    w = np.random.default_rng(0).standard_normal(x0.shape)
    x = rt.tensor(x0, requires_grad=True)
    g1, = rt.autograd.grad(x.cumprod(1), x, rt.tensor(w))
    g2, = rt.autograd.grad(x.cumprod(1), x, rt.tensor(w), create_graph=True)
    np.testing.assert_allclose(g1._data, g2._data, rtol=1e-12)
    assert g2.requires_grad


# ----- norms at zero and at kinks

NORM_AT_ZERO = [2, 1, INF, -INF, 3, 1.5, 0.5, 0]


@needs_torch
@pytest.mark.parametrize("p", NORM_AT_ZERO)
@pytest.mark.parametrize("data", [[0.0, 0.0, 0.0], [[0.0, 1.0], [0.0, 0.0]], [0.0, -2.0, 1.0]])
def test_norm_at_zero_matches_torch(p, data):
    _grads_match(lambda m, x: m.norm(x, p), data)
    if np.asarray(data).ndim == 2:
        _grads_match(lambda m, x: _lib_fn(m, "vector_norm")(x, p, 1, True), data)


@needs_torch
def test_norm_second_order_at_and_near_zero():
    _second_order_matches(lambda m, x: x.norm(), [0.0, 0.0])
    _second_order_matches(lambda m, x: x.norm(dim=1), [[0.0, 0.0], [3.0, 4.0]])
    _second_order_matches(lambda m, x: _lib_fn(m, "vector_norm")(x, 3), [1.0, -2.0, 0.5])


def test_norm_fro_is_two_norm():
    x = rt.tensor([[3.0, 4.0], [0.0, 0.0]], requires_grad=True)
    y = x.norm()
    assert y.item() == 5.0 and y.grad_fn.name() == "LinalgVectorNormBackward0"
    y.backward()
    np.testing.assert_allclose(x.grad._data, [[0.6, 0.8], [0.0, 0.0]])


# ----- NaNs and infinities

NAN_DATA = [[1.0, NAN, 3.0, NAN], [2.0, 0.5, -1.0, 4.0], [NAN, NAN, NAN, NAN]]
NAN_CASES = {
    "max_all": lambda m, x: x.max(), "min_all": lambda m, x: x.min(),
    "max_dim": lambda m, x: x.max(1).values, "amax": lambda m, x: x[1:2].amax(1),
    "amax_nan": lambda m, x: x.amax(1), "amin_nan_all": lambda m, x: x.amin(),
    "median_all": lambda m, x: x.median(), "median_dim": lambda m, x: x.median(1).values,
    "kthvalue": lambda m, x: x.kthvalue(2, 1).values, "kthvalue0": lambda m, x: x.kthvalue(2, 0)[0],
    "nanmedian_all": lambda m, x: x.nanmedian(),
    "nanmedian_dim": lambda m, x: x[:2].nanmedian(1)[0],
    "nansum": lambda m, x: m.nansum(x), "nansum_dim": lambda m, x: x.nansum(1, keepdim=True),
    "nanmean": lambda m, x: x[:2].nanmean(), "nanmean_dim": lambda m, x: m.nanmean(x[:2], 0),
    "cummax": lambda m, x: x.cummax(1).values, "cummin": lambda m, x: x.cummin(1).values,
    "sort": lambda m, x: x.sort(1).values, "sort_desc": lambda m, x: x.sort(1, True).values,
    "topk": lambda m, x: x[:2].topk(2, 1).values,
}


@needs_torch
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # mul's inf * 0
@pytest.mark.parametrize("case", list(NAN_CASES))
def test_nans_match_torch(case):
    _grads_match(NAN_CASES[case], NAN_DATA)


@needs_torch
@pytest.mark.parametrize("fn", [lambda m, x: x.max(1).indices, lambda m, x: x.argmax(1),
                                lambda m, x: x.argmin(1), lambda m, x: x.median(1).indices,
                                lambda m, x: x[:2].nanmedian(1).indices,
                                lambda m, x: x.cummax(1).indices, lambda m, x: x.cummin(1)[1],
                                lambda m, x: x.sort(1).indices, lambda m, x: x.mode(1).indices,
                                lambda m, x: x.sort(1, descending=True).indices,
                                lambda m, x: x.kthvalue(2, 1).indices,
                                lambda m, x: x.kthvalue(4, 1).indices])
def test_nan_indices_match_torch(fn):
    (r, _), (t, _) = _both(fn, NAN_DATA, grad=False)
    _same(r, t)


@needs_torch
def test_logsumexp_with_infinities_matches_torch():
    data = [[-INF, -INF, -INF], [INF, 1.0, 2.0], [-INF, 0.0, 1.0], [1000.0, 1000.0, -1000.0]]
    (r, _), (t, _) = _both(lambda m, x: m.logsumexp(x, 1), data, grad=False)
    _same(r, t)
    _grads_match(lambda m, x: x.logsumexp(1), data[2:])


# ----- var / std: corrections, degrees of freedom <= 0, std at zero

VAR_CASES = {
    "var_c0": lambda m, x: x.var(correction=0), "var_unbiased_false": lambda m, x: x.var(1, False),
    "var_c2_keepdim": lambda m, x: m.var(x, 1, correction=2, keepdim=True),
    "var_dof_zero": lambda m, x: x.var(1, correction=4),
    "var_dof_neg": lambda m, x: x.var(1, correction=5),
    "var_all_dof_zero": lambda m, x: x[0].var(correction=4),
    "std_at_zero": lambda m, x: x[2].std(), "std_dim_at_zero": lambda m, x: x.std(1),
    "std_c0": lambda m, x: m.std(x, 0, correction=0),
    "var_0d": lambda m, x: x[0, 0].var(correction=0),
    "var_empty": lambda m, x: x[:0].var(1, correction=0),
    "std_empty_all": lambda m, x: x[:0].std(),
}


@needs_torch
@pytest.mark.parametrize("case", list(VAR_CASES))
def test_var_std_match_torch(case):
    data = [[1.0, 2.0, 4.0, 7.0], [0.5, -1.0, 2.0, 0.0], [3.0, 3.0, 3.0, 3.0]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _grads_match(VAR_CASES[case], data)
    texts = [str(w.message).split(" (Triggered")[0] for w in caught
             if w.category is UserWarning]
    ours, theirs = texts[:len(texts) // 2], texts[len(texts) // 2:]
    assert ours == theirs


@needs_torch
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # mul's inf * 0
@pytest.mark.filterwarnings("ignore::UserWarning")  # degrees of freedom <= 0: both warn
def test_var_std_second_order():
    data = [[1.0, 2.0, 4.0, 7.0], [0.5, -1.0, 2.0, 0.0]]
    _second_order_matches(lambda m, x: x.var(1), data)
    _second_order_matches(lambda m, x: x.std(), data)
    _second_order_matches(lambda m, x: (lambda r: r[0] * 3 + r[1])(m.std_mean(x, 1)), data)
    # one element along a dim that was named: PyTorch's dim case (2 / 0), not its all case
    _second_order_matches(lambda m, x: x.var(0), [1.5])
    _second_order_matches(lambda m, x: x.var((0, 1)), [[1.5]])


@needs_torch
def test_var_mean_std_mean_one_node_and_gradients():
    data = [[1.0, 2.0, 4.0, 7.0], [0.5, -1.0, 2.0, 0.0]]
    for name in ("var_mean", "std_mean"):
        (r, rx), (t, tx) = _both(lambda m, x: getattr(m, name)(x, 1, keepdim=True), data)
        assert r[0].grad_fn is r[1].grad_fn
        assert type(r[0].grad_fn).__name__ == type(t[0].grad_fn).__name__
        assert isinstance(r, tuple) and type(r) is type(t) is tuple
        r[1].sum().backward()  # only the mean: the var's gradient is filled in as zeros
        t[1].sum().backward()
        _same(rx.grad, tx.grad)


# ----- dtype rules

DTYPE_CASES = {
    "prod_int": lambda m: m.tensor([1, 2, 3], dtype=m.int8).prod(),
    "prod_bool_dim": lambda m: m.tensor([[True, False]]).prod(1),
    "prod_dtype": lambda m: m.tensor([1, 2], dtype=m.int32).prod(dtype=m.float32),
    "prod_int16": lambda m: m.tensor([[100, 100]], dtype=m.int8).prod(1, dtype=m.int16),
    "sum_int8_wraps": lambda m: m.tensor([100, 100], dtype=m.int8).sum(dtype=m.int8),
    "sum_dim_int32": lambda m: m.tensor([[100, 100]], dtype=m.int8).sum(1, dtype=m.int32),
    "nansum_int8": lambda m: m.nansum(m.tensor([100, 100], dtype=m.int8), dtype=m.int8),
    "mean_int_dtype": lambda m: m.tensor([1, 2]).mean(dtype=m.float64),
    "cumsum_int32": lambda m: m.tensor([1, 2], dtype=m.int32).cumsum(0),
    "cumsum_bool": lambda m: m.tensor([True, True]).cumsum(0),
    "cumsum_int8_dtype": lambda m: m.tensor([100, 100], dtype=m.int8).cumsum(0, dtype=m.int8),
    "cumsum_dtype_float": lambda m: m.cumsum(m.tensor([1, 2]), 0, dtype=m.float64),
    "cumprod_uint8": lambda m: m.tensor([3, 4], dtype=m.uint8).cumprod(0),
    "cumprod_half": lambda m: m.tensor([3, 4], dtype=m.float16).cumprod(0),
    "cumsum_half_accumulates_in_float": lambda m: m.full((5000,), 0.5, dtype=m.float16).cumsum(0),
    "sum_bool": lambda m: m.tensor([True, True]).sum(),
    "nansum_int": lambda m: m.nansum(m.tensor([1, 2], dtype=m.int16)),
    "amax_int": lambda m: m.tensor([[1, 5]], dtype=m.int16).amax(1),
    "max_bool": lambda m: m.tensor([True, False]).max(),
    "max_dim_uint8": lambda m: m.tensor([[1, 5]], dtype=m.uint8).max(1).values,
    "argmax": lambda m: m.tensor([1.0, 3.0]).argmax(),
    "argmin_int": lambda m: m.tensor([[1, 3]], dtype=m.int8).argmin(1),
    "all_float": lambda m: m.tensor([1.0, 0.5]).all(),
    "all_uint8": lambda m: m.tensor([1, 2], dtype=m.uint8).all(),
    "any_uint8_dim": lambda m: m.tensor([[0, 2]], dtype=m.uint8).any(1, keepdim=True),
    "any_int": lambda m: m.tensor([0, 2]).any(0),
    "all_empty_dims": lambda m: m.tensor([[0.0, 2.0]]).all(()),
    "count_nonzero": lambda m: m.count_nonzero(m.tensor([[0, 2], [3, 0]], dtype=m.int8), 0),
    "logsumexp_int": lambda m: m.tensor([1, 2]).logsumexp(0),
    "logsumexp_bool": lambda m: m.tensor([True, False]).logsumexp(0),
    "sort_int": lambda m: m.tensor([3, 1, 2], dtype=m.int16).sort().values,
    "sort_bool": lambda m: m.tensor([True, False]).sort(descending=True).indices,
    "median_int": lambda m: m.tensor([3, 1, 2, 5]).median(),
    "mode_int": lambda m: m.tensor([3, 1, 3, 1, 2]).mode().values,
    "kthvalue_0d_bool": lambda m: m.tensor(True).kthvalue(1).values,
    "cummax_int": lambda m: m.tensor([1, 3, 2], dtype=m.int32).cummax(0).values,
    "cummax_bool": lambda m: m.tensor([False, True, False]).cummax(0).indices,
    "aminmax_int": lambda m: m.aminmax(m.tensor([[1, 3], [2, 0]]), dim=0).max,
    "norm_dtype": lambda m: _lib_fn(m, "vector_norm")(m.tensor([3.0, 4.0]), dtype=m.float64),
    "norm_half": lambda m: m.tensor([3.0, 4.0], dtype=m.float16).norm(),
    "var_half": lambda m: m.tensor([3.0, 4.0, 1.0], dtype=m.float16).var(),
    "mean_half": lambda m: m.var_mean(m.tensor([3.0, 4.0, 1.0], dtype=m.float16))[1],
}


@needs_torch
@pytest.mark.parametrize("case", list(DTYPE_CASES))
def test_dtype_rules_match_torch(case):
    r, t = DTYPE_CASES[case](rt), DTYPE_CASES[case](torch)
    assert str(r.dtype) == str(t.dtype)
    np.testing.assert_allclose(_np(r).astype(float), _np(t).astype(float), rtol=1e-3)


@needs_torch
def test_dtype_argument_is_cast_inside_the_node():
    for fn in (lambda m, x: m.cumsum(x, 0, dtype=m.float64),
               lambda m, x: x.sum(dtype=m.float64), lambda m, x: m.mean(x, 0, dtype=m.float64),
               lambda m, x: m.nansum(x, dtype=m.float64),
               lambda m, x: m.prod(x, dtype=m.float64),
               lambda m, x: _lib_fn(m, "vector_norm")(x, dtype=m.float64)):
        res = []
        for m in (rt, torch):
            x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
            y = fn(m, x)
            y.sum().backward()
            res.append((str(y.dtype), [n[0].name() for n in y.grad_fn.next_functions],
                        str(x.grad.dtype), x.grad.tolist()))
        assert res[0] == res[1]


# ----- errors: PyTorch's type and first line

ERRORS = {
    "max_empty": lambda m: m.zeros(0, 3).max(),
    "min_empty": lambda m: m.zeros(0).min(),
    "amax_empty": lambda m: m.zeros(0, 3).amax(),
    "amax_empty_dim": lambda m: m.zeros(0, 3).amax(0),
    "amin_empty_dim": lambda m: m.zeros(2, 0).amin(1),
    "amax_repeated": lambda m: m.zeros(2, 3).amax((0, 0)),
    "max_dim_empty": lambda m: m.zeros(0, 3).max(0),
    "max_dim_empty_negative": lambda m: m.zeros(0, 3).max(-2),
    "max_dim_range": lambda m: m.zeros(2, 3).max(2),
    "max_tuple": lambda m: m.zeros(2, 3).max((0, 1)),
    "argmax_empty": lambda m: m.zeros(0, 3).argmax(),
    "argmax_empty_dim": lambda m: m.zeros(2, 0).argmax(-1),
    "argmax_tuple": lambda m: m.zeros(2, 3).argmax((0, 1)),
    "argmax_bool": lambda m: m.ones(2, dtype=m.bool).argmax(),
    "argmin_bool": lambda m: m.ones(2, dtype=m.bool).argmin(0),
    "median_empty_dim": lambda m: m.zeros(0, 3).median(0),
    "median_bool": lambda m: m.ones(2, dtype=m.bool).median(),
    "median_dim_bool": lambda m: m.ones(2, dtype=m.bool).median(0),
    "median_dim_bool_empty": lambda m: m.ones(0, dtype=m.bool).median(0),
    "nanmedian_bool": lambda m: m.ones(2, dtype=m.bool).nanmedian(),
    "kthvalue_empty": lambda m: m.zeros(2, 0).kthvalue(1),
    "kthvalue_too_big": lambda m: m.zeros(3).kthvalue(4),
    "kthvalue_zero": lambda m: m.zeros(3).kthvalue(0),
    "kthvalue_bool": lambda m: m.ones(3, dtype=m.bool).kthvalue(1),
    "mode_empty": lambda m: m.zeros(2, 0).mode(),
    "topk_too_big": lambda m: m.zeros(3).topk(4),
    "topk_negative": lambda m: m.zeros(3).topk(-1),
    "topk_bool": lambda m: m.ones(3, dtype=m.bool).topk(1),
    "topk_empty": lambda m: m.zeros(0, 3).topk(1, 0),
    "sort_dim": lambda m: m.zeros(2, 3).sort(2),
    "cumsum_no_dim": lambda m: m.zeros(2).cumsum(),
    "cumsum_dim": lambda m: m.zeros(2).cumsum(1),
    "cumprod_dim": lambda m: m.zeros(2, 3).cumprod(-3),
    "cummax_dim": lambda m: m.zeros(2).cummax(1),
    "var_int": lambda m: m.tensor([1, 2]).var(),
    "std_int": lambda m: m.tensor([1, 2]).std(0),
    "var_mean_int": lambda m: m.var_mean(m.tensor([1, 2])),
    "std_mean_bool": lambda m: m.std_mean(m.tensor([True])),
    "var_dim_range": lambda m: m.zeros(2).var(1),
    "prod_tuple": lambda m: m.zeros(2, 3).prod((0, 1)),
    "prod_dim_range": lambda m: m.zeros(2, 3).prod(2),
    "logsumexp_range": lambda m: m.zeros(2, 3).logsumexp(2),
    "norm_int": lambda m: m.tensor([1, 2]).norm(),
    "vector_norm_int": lambda m: _lib_fn(m, "vector_norm")(m.tensor([1, 2])),
    "vector_norm_int_dtype": lambda m: _lib_fn(m, "vector_norm")(m.ones(2), dtype=m.int64),
    "vector_norm_empty_inf": lambda m: _lib_fn(m, "vector_norm")(m.zeros(0), INF),
    "vector_norm_empty_neg": lambda m: _lib_fn(m, "vector_norm")(m.zeros(0), -1),
    "vector_norm_empty_neg_frac": lambda m: _lib_fn(m, "vector_norm")(m.zeros(0), -1.5),
    "vector_norm_empty_ninf": lambda m: _lib_fn(m, "vector_norm")(m.zeros(0), -INF),
    "vector_norm_empty_dim": lambda m: _lib_fn(m, "vector_norm")(m.zeros(2, 0), INF, 1),
    "matrix_norm_1d": lambda m: _lib_fn(m, "matrix_norm")(m.ones(2)),
    "matrix_norm_order": lambda m: _lib_fn(m, "matrix_norm")(m.ones(2, 2), 3),
    "matrix_norm_same_dims": lambda m: _lib_fn(m, "matrix_norm")(m.ones(2, 2), 1, (0, 0)),
    "matrix_norm_int": lambda m: _lib_fn(m, "matrix_norm")(m.ones(2, 2, dtype=m.int64)),
    "norm_fro_3_dims": lambda m: m.zeros(2, 3, 4).norm("fro", (0, 1, 2)),
    "aminmax_empty": lambda m: m.zeros(2, 0).aminmax(),
    "aminmax_empty_dim": lambda m: m.zeros(2, 0).aminmax(dim=1),
    "amax_all_dims_named_empty": lambda m: m.zeros(2, 0).amax((0, 1)),
    "nanmedian_empty_dim": lambda m: m.zeros(2, 0).nanmedian(1),
    "vector_norm_all_dims_named_empty": lambda m: _lib_fn(m, "vector_norm")(m.zeros(0, 2), INF,
                                                                             (0, 1)),
    "matrix_norm_empty_ninf": lambda m: _lib_fn(m, "matrix_norm")(m.zeros(0, 2), -INF),
    "mean_int": lambda m: m.tensor([1, 2]).mean(0),
    "mean_int_dtype": lambda m: m.ones(2).mean(dtype=m.int64),
    "cumsum_bool_dtype": lambda m: m.ones(2).cumsum(0, dtype=m.bool),
    "cumprod_bool_dtype": lambda m: m.ones(2, dtype=m.bool).cumprod(0, dtype=m.bool),
    "norm_narrowing": lambda m: m.ones(2, 2).norm(p=1, dim=1, dtype=m.float16),
    "vector_norm_narrowing": lambda m: _lib_fn(m, "vector_norm")(
        m.ones(2, dtype=m.float64), dtype=m.float32),
    "matrix_norm_narrowing": lambda m: _lib_fn(m, "matrix_norm")(
        m.ones(2, 2, dtype=m.float64), 1, dtype=m.float16),
    "nanmean_int": lambda m: m.tensor([1, 2]).nanmean(),
    "all_dim_range": lambda m: m.zeros(2).all(1),
    "count_nonzero_range": lambda m: m.zeros(2).count_nonzero(1),
}


@needs_torch
@pytest.mark.parametrize("case", list(ERRORS))
def test_error_matches_torch(case):
    results = []
    for m in (rt, torch):
        with pytest.raises(Exception) as info:
            ERRORS[case](m)
        results.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert results[0] == results[1]


# ----- empty tensors where PyTorch computes something

EMPTY = {
    "prod": lambda m: m.zeros(0, 3).prod(), "prod_dim": lambda m: m.zeros(0, 3).prod(0),
    "sum_dim": lambda m: m.zeros(0, 3).sum(0), "logsumexp": lambda m: m.zeros(2, 0).logsumexp(1),
    "median": lambda m: m.zeros(0).median(),
    "median_int": lambda m: m.zeros(0, dtype=m.int64).median(),
    "nanmedian_int8": lambda m: m.zeros(0, 2, dtype=m.int8).nanmedian(),
    "median_bool": lambda m: m.zeros(0, dtype=m.bool).median(),
    "nanmedian": lambda m: m.zeros(2, 0).nanmedian(),
    "max_dim": lambda m: m.zeros(0, 3).max(1).values, "amax": lambda m: m.zeros(0, 3).amax(1),
    "sort": lambda m: m.zeros(0, 3).sort(0).indices,
    "topk0": lambda m: m.zeros(0, 3).topk(0, 0).values,
    "cummax": lambda m: m.zeros(2, 0).cummax(1).indices, "cumsum": lambda m: m.zeros(0).cumsum(0),
    "all": lambda m: m.zeros(0).all(), "any": lambda m: m.zeros(0, 2).any(0),
    "norm0": lambda m: _lib_fn(m, "vector_norm")(m.zeros(0), 0),
    "norm2_dim": lambda m: _lib_fn(m, "vector_norm")(m.zeros(0, 2), 2, 0),
    "var": lambda m: m.zeros(0).var(), "aminmax": lambda m: m.zeros(2, 0).aminmax(dim=0).min,
    "matrix_norm1": lambda m: _lib_fn(m, "matrix_norm")(m.zeros(0, 2), 1),
    "matrix_norm1_empty_rows": lambda m: _lib_fn(m, "matrix_norm")(
        m.zeros(2, 0, requires_grad=True), 1),
    "matrix_norm_inf_batched": lambda m: _lib_fn(m, "matrix_norm")(
        m.zeros(3, 0, 2, requires_grad=True), INF, keepdim=True),
    "matrix_norm_inf_empty": lambda m: _lib_fn(m, "matrix_norm")(
        m.zeros(0, 2, requires_grad=True), INF),
}


@needs_torch
@pytest.mark.parametrize("case", list(EMPTY))
def test_empty_matches_torch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r, t = EMPTY[case](rt), EMPTY[case](torch)
    _same(r, t)
    assert r.requires_grad == t.requires_grad and \
        (r.grad_fn and r.grad_fn.name()) == (t.grad_fn and t.grad_fn.name())


# ----- methods, functions, in-place variants, max(input, other)

METHODS = ("prod amax amin max min argmax argmin var std norm logsumexp cumsum cumprod cummax "
           "cummin all any count_nonzero median nanmedian nansum nanmean sort argsort msort "
           "topk kthvalue aminmax mode cumsum_ cumprod_ sum mean").split()
FUNCTIONS = [m for m in METHODS if not m.endswith("_")] + ["var_mean", "std_mean"]


def test_methods_and_functions_exist():
    missing = [f"Tensor.{n}" for n in METHODS if not hasattr(rt.Tensor, n)]
    missing += [f"retrograd.{n}" for n in FUNCTIONS if not hasattr(rt, n)]
    assert not missing
    if torch is not None:
        assert not [n for n in METHODS if not hasattr(torch.Tensor, n)]
        assert not [n for n in FUNCTIONS if not hasattr(torch, n)]


@needs_torch
def test_inplace_cumsum_cumprod_match_torch():
    for name in ("cumsum_", "cumprod_"):
        res = []
        for m in (rt, torch):
            x = m.tensor([[1.0, 2.0, 0.5], [3.0, -1.0, 2.0]], requires_grad=True)
            y = x * 1
            v = y._version
            getattr(y, name)(1)
            y.sum().backward()
            res.append((y.tolist(), y._version - v, y.grad_fn.name(), x.grad.tolist()))
        assert res[0] == res[1]


@needs_torch
@pytest.mark.parametrize("fn", [lambda m, a, b: m.max(a, b), lambda m, a, b: a.min(b),
                                lambda m, a, b: m.max(a, other=b) * m.min(b, a)])
def test_max_min_of_two_tensors_match_torch(fn):
    res = []
    for m in (rt, torch):
        a = m.tensor([1.0, 5.0, 2.0, NAN], requires_grad=True)
        b = m.tensor([3.0, 4.0, 2.0, 1.0], requires_grad=True)
        y = fn(m, a, b)
        y.backward(m.ones(4))
        res.append((y.detach().numpy(), y.grad_fn.name(), a.grad.numpy(), b.grad.numpy()))
    assert res[0][1] == res[1][1]
    for r, t in zip(res[0][::2] + res[0][3:], res[1][::2] + res[1][3:]):
        _same(r, t)


def test_max_min_with_a_tensor_dispatch_to_maximum_minimum(monkeypatch):
    """max(input, other) is pointwise's maximum (the real one is tested with it)."""
    from retrograd.ops import pointwise
    calls = []
    monkeypatch.setattr(pointwise, "maximum", lambda a, b: calls.append("maximum") or a,
                        raising=False)
    monkeypatch.setattr(pointwise, "minimum", lambda a, b: calls.append("minimum") or b,
                        raising=False)
    a, b = rt.tensor([1.0, 5.0]), rt.tensor([3.0, 4.0])
    assert rt.max(a, b) is a and a.min(b) is b
    assert calls[-2:] == ["maximum", "minimum"]


NUMPY_NAMES = {
    "sum": lambda m, x: x.sum(axis=1, keepdims=True), "mean": lambda m, x: m.mean(x, axis=0),
    "amax": lambda m, x: m.amax(x, axis=(0, 1)), "max": lambda m, x: x.max(axis=1).values,
    "argmin": lambda m, x: x.argmin(axis=0, keepdims=True), "std": lambda m, x: x.std(axis=1),
    "cumsum": lambda m, x: m.cumsum(x, axis=1), "sort": lambda m, x: x.sort(axis=0).indices,
    "logsumexp": lambda m, x: x.logsumexp(axis=1, keepdims=True),
    "all": lambda m, x: (x > 0).all(axis=1), "median": lambda m, x: x.median(axis=1).values,
    "input_keyword": lambda m, x: m.sum(input=x, dim=0),
    "numpy_int_dims": lambda m, x: x.amax(np.int64(1)) + x.logsumexp(np.int64(1)) +
    x.max(np.int64(1)).values + x.var(np.int64(1)) + x.topk(np.int64(1), np.int64(1))[0][:, 0],
}


@needs_torch
@pytest.mark.parametrize("case", list(NUMPY_NAMES))
def test_numpy_argument_names_as_pytorch_accepts(case):
    (r, _), (t, _) = _both(NUMPY_NAMES[case], [[0.5, 2.0, -1.0], [3.0, 1.5, 0.25]])
    _same(r, t)


@needs_torch
@pytest.mark.parametrize("ord", ["nuc", 2, -2])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), True), ((2, 0), False)])
def test_singular_value_norms_go_through_linalg_svdvals(monkeypatch, ord, dim, keepdim):
    """'nuc' and +-2 take linalg's svdvals (stood in for here by NumPy's); shapes, values
    and the reductions around it as PyTorch's."""
    from retrograd.ops import linalg
    monkeypatch.setattr(linalg, "svdvals", lambda A: rt.tensor(
        np.linalg.svd(A._data, compute_uv=False)), raising=False)
    data = np.random.default_rng(0).standard_normal((3, 2, 4))
    r = _lib_fn(rt, "matrix_norm")(rt.tensor(data), ord, dim, keepdim)
    t = _lib_fn(torch, "matrix_norm")(torch.tensor(data), ord, dim, keepdim)
    _same(r, t)
    if dim == (-2, -1) and not keepdim:
        _same(rt.norm(rt.tensor(data[0]), "nuc"), torch.norm(torch.tensor(data[0]), "nuc"))


def test_singular_value_norms_need_linalg():
    from retrograd.ops import linalg
    if getattr(linalg, "svdvals", None) is None and not hasattr(rt, "linalg"):
        with pytest.raises(NotImplementedError):
            _lib_fn(rt, "matrix_norm")(rt.ones(2, 2), "nuc")



@needs_torch
def test_kthvalue_picks_pytorchs_element_among_equal_ones():
    """kthvalue runs PyTorch's quickselect: among equal elements it reports the same index,
    on long rows too."""
    rng = np.random.default_rng(11)
    for n, k in [(5, 2), (40, 17), (300, 1), (300, 150), (257, 257)]:
        data = rng.integers(0, 4, size=(3, n)).astype("float64")
        data[rng.random(data.shape) < 0.05] = NAN
        (r, _), (t, _) = _both(lambda m, x: x.kthvalue(k, 1), data, grad=False)
        _same(r.indices, t.indices)
        _same(r.values, t.values)



@needs_torch
def test_topk_picks_pytorchs_elements_among_equal_ones():
    rng = np.random.default_rng(12)
    for n, k, largest, srt in [(5, 2, True, True), (40, 17, False, True), (63, 1, True, True),
                               (100, 30, True, False), (9, 9, False, False),
                               (150, 40, True, True), (200, 200, False, True)]:
        data = rng.integers(0, 4, size=(3, n)).astype("float64")
        data[rng.random(data.shape) < 0.05] = NAN
        (r, _), (t, _) = _both(lambda m, x: x.topk(k, 1, largest, srt), data, grad=False)
        _same(r.indices, t.indices)
        _same(r.values, t.values)
