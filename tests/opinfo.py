"""The op table: one entry per operator in scope (the op as ``op(m, *args)`` for m =
retrograd or torch, a NumPy reference, sample inputs, input domain, what it supports, the
registry primitives it exercises) and a per-primitive sample table for JVP/VJP checks.
Every test that loops over ops reads this file."""
import numpy as np

from opinfo_base import (Domain, T, S, OpInfo, make_arrays, to_module, REAL, POS, NONZERO,  # noqa: F401  (re-exported)
                         BOOL, TIES, UNARY, BINARY, CMP, INT_DOMAIN, unary, _sigmoid, _axis,
                         _flatten, _squeeze, _expand, _matmul_samples)
import optable_pointwise
import optable_reduction
import optable_shape
import optable_indexing
import optable_linalg
import optable_nn

# one table per op family, each with OPS (entries) and PRIM_SAMPLES (JVP/VJP samples)
FAMILY_TABLES = (optable_pointwise, optable_reduction, optable_shape, optable_indexing,
                 optable_linalg, optable_nn)

CORE_OPS = [
    # ----- arithmetic (Python numbers on either side, broadcasting, 0-d, empty)
    OpInfo("add", lambda m, a, b: a + b, lambda a, b: a + b, BINARY, ("add",),
           second_order=False),
    OpInfo("add_alpha", lambda m, a, b: m.add(a, b, alpha=2), lambda a, b: a + 2 * b,
           BINARY[:3], ("add",), second_order=False),
    OpInfo("sub", lambda m, a, b: a - b, lambda a, b: a - b, BINARY, ("sub", "rsub"),
           second_order=False),
    OpInfo("sub_alpha", lambda m, a, b: m.sub(a, b, alpha=0.5), lambda a, b: a - 0.5 * b,
           BINARY[:3], ("sub",), second_order=False),
    OpInfo("mul", lambda m, a, b: a * b, lambda a, b: a * b, BINARY, ("mul",)),
    OpInfo("div", lambda m, a, b: a / b, lambda a, b: a / b, BINARY, ("div", "reciprocal", "mul"),
           domain=(REAL, NONZERO)),
    OpInfo("neg", lambda m, a: -a, lambda a: -a, UNARY, ("neg",), second_order=False),
    OpInfo("pow", lambda m, a, b: a ** b, lambda a, b: np.power(a, b),
           [S(T(3, 4), T(3, 4)), S(T(3, 1), T(4)), S(T(), T(2, 3)), S(T(4, 3, nc=True), T(3)),
            S(T(3, 4), 2), S(T(3, 4, domain=REAL), 2), S(T(3, 4), 0.5),
            S(T(3, 4, domain=NONZERO), -1), S(T(3, 4), 0), S(2, T(3, 4)), S(0.5, T()),
            S(T(0, 2), 3)],
           ("pow_tensor_tensor", "pow_tensor_scalar", "pow_scalar_tensor"), domain=(POS, REAL)),
    OpInfo("reciprocal", lambda m, a: m.reciprocal(a), lambda a: 1 / a, UNARY, ("reciprocal",),
           domain=NONZERO),
    # ----- unary math
    unary("exp", np.exp), unary("log", np.log, POS), unary("sin", np.sin), unary("cos", np.cos),
    unary("tanh", np.tanh, prims=("tanh", "tanh_backward")),
    unary("sigmoid", _sigmoid, prims=("sigmoid", "sigmoid_backward")),
    unary("sqrt", np.sqrt, POS),
    unary("relu", lambda a: np.maximum(a, 0).astype(a.dtype), NONZERO, second_order=False,
          prims=("relu", "threshold_backward")),
    unary("abs", np.abs, NONZERO, second_order=False, prims=("abs", "sign")),
    unary("sign", np.sign, NONZERO, second_order=False),
    OpInfo("where", lambda m, c, a, b: m.where(c, a, b), np.where,
           [S(T(3, 4, dtype="bool"), T(3, 4), T(3, 4)), S(T(3, 1, dtype="bool"), T(4), T(3, 4)),
            S(T(3, 4, dtype="bool"), T(3, 4), 0.0), S(T(3, 4, dtype="bool"), 1.5, T(4)),
            S(T(dtype="bool"), T(), T(2, 2)),
            S(T(4, 3, dtype="bool", nc=True), T(4, 3, nc=True), T(3))],
           ("where",), domain=(BOOL, REAL, REAL), second_order=False),
    # ----- copies and casts
    OpInfo("clone", lambda m, a: a.clone(), lambda a: a.copy(), UNARY, ("clone",),
           second_order=False),
    OpInfo("to", lambda m, a: a.to(m.float32 if a.dtype == m.float64 else m.float64),
           lambda a: a.astype(np.float32 if a.dtype == np.float64 else np.float64), UNARY,
           ("to_dtype",), second_order=False, check=dict(eps=1e-3, atol=1e-3)),
    OpInfo("to_int", lambda m, a: a.to(m.int64), lambda a: a.astype(np.int64), UNARY,
           ("to_dtype",), differentiable=False),
    # ----- comparisons (no gradient, bool result)
    *[OpInfo(n, (lambda f: lambda m, a, b: f(a, b))(f), (lambda f: lambda a, b: f(a, b))(f),
             CMP, (n,), domain=TIES, differentiable=False)
      for n, f in [("eq", lambda a, b: a == b), ("ne", lambda a, b: a != b),
                   ("lt", lambda a, b: a < b), ("le", lambda a, b: a <= b),
                   ("gt", lambda a, b: a > b), ("ge", lambda a, b: a >= b)]],
    # ----- bitwise (registered primitives; integers and bools only)
    *[OpInfo(n, (lambda f: lambda m, a, b: f(a, b))(f), (lambda f: lambda a, b: f(a, b))(f),
             [S(T(3, 4), T(3, 4)), S(T(3, 1), T(4)), S(T(2, 3), 1), S(True, T(2, 3))], (n,),
             differentiable=False, dtypes=INT_DOMAIN)
      for n, f in [("bitwise_and", lambda a, b: a & b), ("bitwise_or", lambda a, b: a | b),
                   ("bitwise_xor", lambda a, b: a ^ b)]],
    OpInfo("bitwise_not", lambda m, a: ~a, lambda a: ~a, UNARY[:4], ("bitwise_not",),
           differentiable=False, dtypes=INT_DOMAIN),
    # ----- reductions
    OpInfo("sum", lambda m, a: m.sum(a), lambda a: np.sum(a), UNARY, ("sum",),
           second_order=False),
    OpInfo("sum_dim", lambda m, a, d, k: a.sum(d, keepdim=k),
           lambda a, d, k: np.sum(a, axis=_axis(a, d), keepdims=k),
           [S(T(3, 4), 1, False), S(T(3, 4), -1, True), S(T(2, 3, 4), (0, -1), False),
            S(T(2, 3, 4), (2, 0), True), S(T(), 0, False), S(T(1, 3), 0, False),
            S(T(4, 3, nc=True), 0, True), S(T(0, 3), 0, False), S(T(2, 3), (), False)],
           ("sum",), second_order=False),
    OpInfo("mean", lambda m, a: m.mean(a), lambda a: np.mean(a), UNARY[:4], ("mean",),
           second_order=False),
    OpInfo("mean_dim", lambda m, a, d, k: m.mean(a, dim=d, keepdim=k),
           lambda a, d, k: np.mean(a, axis=_axis(a, d), keepdims=k),
           [S(T(3, 4), 1, False), S(T(3, 4), -2, True), S(T(2, 3, 4), (0, -1), False),
            S(T(2, 3, 4), (1,), True), S(T(), -1, False), S(T(4, 3, nc=True), 1, True)],
           ("mean",), second_order=False),
    # ----- shapes and views
    OpInfo("reshape", lambda m, a, s: a.reshape(s), lambda a, s: a.reshape(s),
           [S(T(3, 4), (4, 3)), S(T(3, 4), (-1,)), S(T(2, 3, 4), (6, -1)), S(T(), (1, 1)),
            S(T(4, 3, nc=True), (12,)), S(T(0, 3), (3, 0)),
            S(T(1, 4, 3, nc=True), (4, 3), note="a view of a non-contiguous tensor")],
           ("view", "unsafe_view", "clone"), second_order=False),
    OpInfo("view", lambda m, a, s: a.view(s), lambda a, s: a.reshape(s),
           [S(T(3, 4), (4, 3)), S(T(3, 4), (2, -1)), S(T(), (1,)),
            S(T(4, 3, nc=True), (4, 1, 3))],
           ("view",), second_order=False),
    OpInfo("flatten", lambda m, a, s, e: m.flatten(a, s, e), _flatten,
           [S(T(2, 3, 4), 0, -1), S(T(2, 3, 4), 1, 2), S(T(), 0, -1), S(T(4, 3, nc=True), 0, 1),
            S(T(3, 1, 4, nc=True), 0, 1), S(T(2, 3, 4), 2, 2)],
           ("view", "unsafe_view", "clone"), second_order=False),
    OpInfo("transpose", lambda m, a, d0, d1: a.transpose(d0, d1),
           lambda a, d0, d1: np.swapaxes(a, d0, d1) if a.ndim else a,
           [S(T(3, 4), 0, 1), S(T(2, 3, 4), -1, 0), S(T(2, 3), 1, 1), S(T(), 0, -1),
            S(T(4, 3, nc=True), 1, 0)], ("transpose",), second_order=False),
    OpInfo("t", lambda m, a: a.t(), lambda a: a.T,
           [S(T(3, 4)), S(T(4)), S(T()), S(T(4, 3, nc=True))], ("t",), second_order=False),
    OpInfo("permute", lambda m, a, d: a.permute(d), lambda a, d: np.transpose(a, d),
           [S(T(2, 3, 4), (2, 0, 1)), S(T(2, 3, 4), (-1, 0, -2)), S(T(), ()),
            S(T(4, 3, nc=True), (1, 0))],
           ("permute",), second_order=False),
    OpInfo("unsqueeze", lambda m, a, d: a.unsqueeze(d), lambda a, d: np.expand_dims(a, d),
           [S(T(3, 4), 0), S(T(3, 4), -1), S(T(3, 4), 1), S(T(), 0), S(T(4, 3, nc=True), -2)],
           ("unsqueeze",), second_order=False),
    OpInfo("squeeze", lambda m, a, d: a.squeeze() if d is None else a.squeeze(d), _squeeze,
           [S(T(3, 1, 4, 1), None), S(T(3, 1, 4), 1), S(T(3, 1, 4), 0), S(T(1, 3, 1), (0, -1)),
            S(T(), None), S(T(), 0), S(T(1, 4, 1, nc=True), -1)], ("squeeze",), second_order=False),
    OpInfo("expand", lambda m, a, s: a.expand(s), _expand,
           [S(T(3, 1), (3, 4)), S(T(3, 1), (2, 3, 4)), S(T(1, 4), (-1, 4)), S(T(), (2, 3)),
            S(T(3, 1), (2, -1, 4)), S(T(4, 1, nc=True), (4, 3)), S(T(1, 3), (0, 3))],
           ("expand", "sum"), second_order=False),
    OpInfo("select", lambda m, a, d, i: a.select(d, i), lambda a, d, i: np.take(a, i, axis=d),
           [S(T(3, 4), 0, 1), S(T(3, 4), 1, -1), S(T(2, 3, 4), -2, 2), S(T(4, 3, nc=True), 1, 0)],
           ("select", "select_backward"), second_order=False),
    OpInfo("getitem", lambda m, a, i: a[i], lambda a, i: a[i],
           [S(T(3, 4), 1), S(T(3, 4), -1), S(T(5, 4), slice(1, 4)),
            S(T(5, 4), slice(None, None, 2)),
            S(T(5, 4), (slice(1, None, 2), None, Ellipsis)), S(T(2, 3, 4), (Ellipsis, 0)),
            S(T(3, 4), None), S(T(3, 4), Ellipsis), S(T(3, 4), (slice(None), 1)),
            S(T(3, 4), ()), S(T(), None), S(T(), Ellipsis), S(T(5, 4), slice(-2, 10)),
            S(T(4, 5, nc=True), (slice(None, None, 3), -2)), S(T(3, 4), slice(3, 1)),
            S(T(2, 3, 4), (1, None, slice(0, 2), Ellipsis, None))],
           ("select", "select_backward", "slice", "slice_backward", "unsqueeze", "alias"),
           second_order=False),
    # ----- matrix products
    OpInfo("matmul", lambda m, a, b: a @ b, np.matmul, _matmul_samples(),
           ("dot", "mv", "mm", "bmm", "squeeze", "unsafe_view", "expand", "view")),
    OpInfo("mm", lambda m, a, b: m.mm(a, b), np.matmul,
           [S(T(3, 4), T(4, 2)), S(T(1, 3), T(3, 1)), S(T(3, 4, nc=True), T(4, 2, nc=True)),
            S(T(0, 3), T(3, 2))],
           ("mm",)),
    OpInfo("bmm", lambda m, a, b: m.bmm(a, b), np.matmul,
           [S(T(2, 3, 4), T(2, 4, 2)), S(T(1, 1, 3), T(1, 3, 1))], ("bmm",)),
    OpInfo("mv", lambda m, a, b: m.mv(a, b), np.matmul,
           [S(T(3, 4), T(4)), S(T(3, 4, nc=True), T(4)), S(T(0, 3), T(3))], ("mv",)),
    OpInfo("dot", lambda m, a, b: m.dot(a, b), np.dot,
           [S(T(4), T(4)), S(T(1), T(1)), S(T(0), T(0))], ("dot",)),
]
OPS = CORE_OPS + [o for table in FAMILY_TABLES for o in table.OPS]
OPS_BY_NAME = {o.name: o for o in OPS}
assert len(OPS_BY_NAME) == len(OPS), "duplicate entry names"


# ----- per-primitive samples for JVP/VJP agreement: (tensor inputs, params(m, rng))

def _cond(m, rng):
    return (m.tensor(rng.random((3, 4)) < 0.5),)


CORE_PRIM_SAMPLES = {
    "add": [([T(3, 4), T(4)], (1,)), ([T(3, 4), T(3, 4)], (2.5,))],
    "sub": [([T(3, 4), T(4)], (1,)), ([T(1, 4), T(3, 1)], (-2,))],
    "rsub": [([T(3, 4)], (2.0, 1)), ([T(3, 4)], (1, 3))],
    "mul": [([T(3, 4), T(4)], ()), ([T(), T(2, 3)], ())],
    "div": [([T(3, 4), T(4, domain=NONZERO)], ())],
    "neg": [([T(3, 4)], ())],
    "reciprocal": [([T(3, 4, domain=NONZERO)], ())],
    "pow_tensor_scalar": [([T(3, 4, domain=POS)], (2.5,)), ([T(3, 4)], (3,)), ([T(3, 4)], (0,))],
    "pow_tensor_tensor": [([T(3, 4, domain=POS), T(4)], ())],
    "pow_scalar_tensor": [([T(3, 4)], (2.0,)), ([T(3, 4)], (0.5,))],
    **{n: [([T(3, 4, domain=d)], ())] for n, d in [
        ("exp", REAL), ("log", POS), ("sin", REAL), ("cos", REAL), ("tanh", REAL),
        ("sqrt", POS), ("sigmoid", REAL), ("relu", NONZERO), ("sign", NONZERO), ("abs", NONZERO),
        ("clone", REAL)]},
    **{n: [([T(3, 4), T(3, 4, domain=d)], ())] for n, d in [
        ("tanh_backward", REAL), ("sigmoid_backward", REAL)]},
    "threshold_backward": [([T(3, 4), T(3, 4, domain=NONZERO)], (0,))],
    "where": [([T(3, 4), T(4)], _cond), ([T(3, 4), T(3, 4)], _cond)],
    "to_dtype": [([T(3, 4)], lambda m, rng: (m.float32,)),
                 ([T(3, 4)], lambda m, rng: (m.float64,))],
    "view": [([T(3, 4)], ((4, 3), (3, 4)))],
    "unsafe_view": [([T(3, 4)], ((2, 6), (3, 4)))],
    "alias": [([T(3, 4)], ())],
    "transpose": [([T(2, 3, 4)], (0, 2))],
    "t": [([T(3, 4)], ()), ([T(4)], ())],
    "permute": [([T(2, 3, 4)], ((2, 0, 1),))],
    "unsqueeze": [([T(3, 4)], (1,))],
    "squeeze": [([T(3, 1, 4, 1)], ((1, 3), (3, 1, 4, 1)))],
    "expand": [([T(3, 1)], ((2, 3, 4), (3, 1)))],
    "select": [([T(3, 4)], (1, 2, (3, 4)))],
    "select_backward": [([T(4)], ((3, 4), 0, 1))],
    "slice": [([T(5, 4)], (0, 1, 5, 2, (5, 4)))],
    "slice_backward": [([T(2, 4)], ((5, 4), 0, 1, 5, 2))],
    "sum": [([T(3, 4)], (None, False, (3, 4))), ([T(2, 3, 4)], ((0, 2), True, (2, 3, 4)))],
    "mean": [([T(3, 4)], ((0, 1), False, (3, 4))), ([T(2, 3, 4)], ((1,), True, (2, 3, 4)))],
    "dot": [([T(4), T(4)], ())],
    "mv": [([T(3, 4), T(4)], ())],
    "mm": [([T(3, 4), T(4, 2)], ())],
    "bmm": [([T(2, 3, 4), T(2, 4, 2)], ())],
}
PRIM_SAMPLES = dict(CORE_PRIM_SAMPLES)
for _table in FAMILY_TABLES:
    _dup = set(PRIM_SAMPLES) & set(_table.PRIM_SAMPLES)
    assert not _dup, f"JVP samples given twice: {_dup}"
    PRIM_SAMPLES.update(_table.PRIM_SAMPLES)
