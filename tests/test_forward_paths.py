"""The forward pass's fast paths give exactly what the general paths give: the calls of
one-input and three-input primitives (recording inline) against the general call,
addmm's array-level check of the linear-layer case against its checks in PyTorch's
order, and cross_entropy's class-index case against log_softmax + nll_loss via _nll."""
import warnings

import numpy as np
import pytest

import retrograd
from retrograd.autograd import graph as _graph
from retrograd.ops.primitive import INSTANCES, REGISTRY, Primitive
from retrograd.nn import _functional_loss as _fl
from retrograd.nn._functional_act import _log_softmax

F = retrograd.nn.functional


def _node_state(result, inputs):
    """What a call recorded, comparable between two calls on the same inputs: tensors
    and nodes by identity (as an index into ``inputs``), arrays by bits."""
    def ref(x):
        for i, t in enumerate(inputs):
            if x is t:
                return ("input", i)
        if isinstance(x, retrograd.Tensor):
            return ("tensor", x._data.dtype.str, x._data.tobytes())
        if isinstance(x, tuple) and len(x) == 3 and isinstance(x[0], np.ndarray):
            out, counter, version = x  # a saved output: array, its version counter, version
            return ("out", out.dtype.str, out.tobytes(), counter is result._vc, version)
        if isinstance(x, np.ndarray):
            return ("array", x.dtype.str, x.tobytes())
        return x

    data = (type(result).__name__, result._data.dtype.str, result._data.shape,
            result._data.tobytes(), result.requires_grad, result._output_nr,
            result.is_leaf, result._is_view(), result._base is inputs[0],
            result._vc is None, result.is_inference())
    fn = result.grad_fn
    if fn is None:
        return data, None
    saved = fn._saved
    node = (type(fn).__name__, fn._prim, tuple(map(ref, fn._params)),
            tuple((type(f).__name__ if f is not None else None,
                   ref(getattr(f, "variable", None)) if f is not None else None, nr)
                  for f, nr in fn.next_functions),
            fn._meta, fn._hooks,
            None if saved is None else tuple(
                ("packed", ref(e[1]) if e is not None and e[0] is None else type(e).__name__)
                if fn._versions is _graph.PACKED else ref(e) for e in saved),
            fn._versions,
            "traceback_" in fn.metadata)
    return data, node


def _tensor(shape, requires_grad, nonleaf, dtype=np.float64, seed=0):
    x = retrograd.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))
    if requires_grad:
        x.requires_grad_()
        if nonleaf:
            x = x * 1.5
    return x


UNARY = [  # primitive name, input shape, dtype, params
    ("relu", (3, 4), np.float64, ()),          # saves its output
    ("sin", (3, 4), np.float64, ()),           # saves its input
    ("neg", (3, 4), np.float64, ()),           # saves nothing
    ("exp", (3,), np.float32, ()),
    ("t", (3, 4), np.float64, ()),             # a view
    ("view", (3, 4), np.float64, ((4, 3), (3, 4))),
    ("sum[SumBackward1]", (3, 4), np.float64, ((0,), False, (3, 4))),  # a reduction: meta
    ("log_softmax", (3, 4), np.float32, (1,)),
    ("sqrt", (3, 4), np.int64, ()),            # FLOAT rule: an integer input is cast
]
MODES = ["grad", "no_grad", "inference", "anomaly", "saved_hooks"]


def _mode(mode):
    if mode == "no_grad":
        return retrograd.no_grad()
    if mode == "inference":
        return retrograd.inference_mode()
    if mode == "anomaly":
        return retrograd.autograd.detect_anomaly(check_nan=False)
    if mode == "saved_hooks":
        return retrograd.autograd.graph.saved_tensors_hooks(lambda t: ("packed", t),
                                                            lambda p: p[1])
    import contextlib
    return contextlib.nullcontext()


# (integer inputs cannot require grad: those run without a graph only)
UNARY_CASES = [(*u, grad) for u in UNARY for grad in ("none", "leaf", "nonleaf")
               if grad == "none" or np.dtype(u[2]).kind == "f"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,shape,dtype,params,grad", UNARY_CASES,
                         ids=[f"{c[0]}-{c[4]}" for c in UNARY_CASES])
def test_unary_call_records_what_the_general_call_records(name, shape, dtype, params, grad,
                                                          mode):
    prim = next(p for p in INSTANCES if p.name == name)  # (variants are not registered)
    general = Primitive._make_call(prim)  # the call for any arity
    x = _tensor(shape, grad != "none", grad == "nonleaf", dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (anomaly mode's notice)
        with _mode(mode):
            fast_out = prim.call(x, *params)
            general_out = general(x, *params)
    assert _node_state(fast_out, (x,)) == _node_state(general_out, (x,))
    if fast_out.requires_grad:  # and the two graphs backpropagate the same
        g = retrograd.ones_like(fast_out)
        fa = retrograd.autograd.grad(fast_out, x, g, allow_unused=True)
        ga = retrograd.autograd.grad(general_out, x, g, allow_unused=True)
        assert fa[0]._data.tobytes() == ga[0]._data.tobytes()


def test_unary_call_view_versions_and_in_place_checks():
    """A view made by the fast call shares its base's version counter and is registered
    for in-place regeneration; a saved output modified in place is refused."""
    a = retrograd.randn(3, 4, requires_grad=True) * 1
    v = a.t()
    assert v._base is a and v._vc is a._vc and any(r() is v for r in a._vc[1:])
    y = a.relu()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_unary_call_errors():
    with pytest.raises(TypeError, match=r"relu\(\): argument 'input' \(position 1\) must be "
                                        r"Tensor, not list"):
        retrograd.relu([1.0, 2.0])
    with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
        retrograd.relu(retrograd.tensor([True]))


def test_unary_call_under_forward_ad_and_vmap():
    import retrograd.autograd.forward_ad as fwAD
    x = retrograd.randn(3, 4, dtype=retrograd.float64)
    t = retrograd.randn(3, 4, dtype=retrograd.float64)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, t)
        out = F.relu(d).t()
        tangent = fwAD.unpack_dual(out).tangent
    assert np.array_equal(tangent.numpy(), (t * (x > 0)).t().numpy())
    y = retrograd.vmap(lambda r: F.relu(r).t())(x.reshape(3, 2, 2))
    assert np.array_equal(y.numpy(), np.maximum(x.numpy(), 0).reshape(3, 2, 2)
                          .transpose(0, 2, 1))


ADDMM = [  # bias, mat1, mat2 shapes, dtypes (bias, mat1, mat2)
    ((5,), (3, 4), (4, 5), ("float32",) * 3),     # the fast case
    ((1,), (3, 4), (4, 5), ("float64",) * 3),     # a broadcast bias row: fast
    ((3, 5), (3, 4), (4, 5), ("float64",) * 3),   # a full input: checked
    ((3, 1), (3, 4), (4, 5), ("float64",) * 3),
    ((), (3, 4), (4, 5), ("float64",) * 3),
    ((5,), (3, 4), (4, 5), ("int64",) * 3),       # integers: checked (beta/alpha as ints)
    ((4,), (3, 4), (4, 5), ("float64",) * 3),     # bias of the wrong size
    ((2, 5), (3, 4), (4, 5), ("float64",) * 3),
    ((5,), (3, 4), (3, 5), ("float64",) * 3),     # shapes that do not multiply
    ((5,), (3, 4, 1), (4, 5), ("float64",) * 3),  # not matrices
    ((5,), (3, 4), (4,), ("float64",) * 3),
    ((5,), (3, 4), (4, 5), ("float32", "float64", "float64")),  # mixed dtypes
    ((5,), (3, 4), (4, 5), ("float64", "float32", "float64")),
    ((5,), (3, 4), (4, 5), ("float64", "float64", "float32")),
    ((5,), (3, 4), (4, 5), ("bool",) * 3),
    ((4,), (3, 4), (3, 5), ("float32", "float64", "float64")),  # several faults: order
]


def _addmm_run(lib, shapes, dtypes, kwargs):
    gen = np.random.default_rng(1)
    ts = []
    for s, d in zip(shapes, dtypes):
        a = gen.standard_normal(s) * 3
        ts.append(lib.tensor(a.astype(d) if d != "bool" else a > 0))
    for t in ts:
        if t.dtype.is_floating_point:
            t.requires_grad_()
    try:
        out = lib.addmm(*ts, **kwargs)
    except (RuntimeError, NotImplementedError) as e:
        return type(e).__name__, str(e)
    res = [out.dtype == lib.float32, out.detach().numpy().tobytes()]
    if out.requires_grad:
        res.append(type(out.grad_fn).__name__)
        out.sum().backward()
        res.extend(t.grad.numpy().tobytes() for t in ts)
    return res


@pytest.mark.parametrize("kwargs", [{}, {"beta": 0.5, "alpha": 2}, {"beta": 0}], ids=str)
@pytest.mark.parametrize("bs,m1,m2,dtypes", ADDMM, ids=str)
def test_addmm_fast_case_matches_the_checked_path_and_pytorch(bs, m1, m2, dtypes, kwargs):
    torch = pytest.importorskip("torch")
    ours = _addmm_run(retrograd, (bs, m1, m2), dtypes, kwargs)
    theirs = _addmm_run(torch, (bs, m1, m2), dtypes, kwargs)
    if isinstance(theirs, tuple):
        assert ours == theirs
    else:
        assert ours[0] == theirs[0] and ours[2:3] == theirs[2:3]
        # values: as close as two BLAS orders allow (bit equality is checked below)
        dt = np.float32 if ours[0] else np.float64
        if dtypes[0] != "int64":
            np.testing.assert_allclose(np.frombuffer(ours[1], dt), np.frombuffer(theirs[1], dt),
                                       rtol=1e-5, atol=1e-5)


def test_addmm_fast_case_equals_the_primitive_bitwise():
    from retrograd.ops.linalg_products import addmm_p
    gen = np.random.default_rng(2)
    c, a, b = (retrograd.tensor(gen.standard_normal(s).astype(np.float32), requires_grad=True)
               for s in ((5,), (3, 4), (4, 5)))
    fast = retrograd.addmm(c, a, b, beta=0.5, alpha=3)
    ref = addmm_p(c, a, b, 0.5, 3, 0)  # (layout 0: both matrices row-major)
    assert fast._data.tobytes() == ref._data.tobytes()
    assert _node_state(fast, (c, a, b)) == _node_state(ref, (c, a, b))


def test_addmm_non_tensor_arguments_keep_their_errors():
    m = retrograd.randn(2, 2)
    with pytest.raises(AttributeError):
        retrograd.addmm(m, [[1.0]], m)
    with pytest.raises(AttributeError):
        F.linear([[1.0, 2.0]], m)


CE = [  # input shape, target (shape, dtype), kwargs
    ((4, 3), ((4,), "int64"), {}),                                # the fast case
    ((4, 3), ((4,), "int64"), {"reduction": "sum"}),
    ((4, 3), ((4,), "int64"), {"reduction": "none"}),
    ((4, 3), ((4,), "int64"), {"ignore_index": 1}),
    ((0, 3), ((0,), "int64"), {}),
    ((4, 3), ((4,), "int64"), {"label_smoothing": 0.0}),
    ((4, 3), ((4,), "int64"), {"label_smoothing": -0.0}),
    ((4, 3), ((4,), "uint8"), {}),                                # the general path
    ((4, 3), ((4,), "int32"), {}),
    ((4, 3), ((4,), "int64"), {"weight": True}),
    ((4, 3), ((4,), "int64"), {"label_smoothing": 0.2}),
    ((4, 3), ((4,), "int64"), {"reduction": "bogus"}),
    ((4, 3), ((5,), "int64"), {}),
    ((4, 3), ((4, 1), "int64"), {}),
    ((4, 3), ((4, 3), "float32"), {}),
    ((3,), ((), "int64"), {}),
    ((2, 3, 2), ((2, 2), "int64"), {}),
    ((4, 3), ((4,), "int64"), {"size_average": False}),
    ((4, 3), ((4,), "int64"), {"label_smoothing": 1.5}),
]


def _ce_run(lib, shape, target, kwargs):
    gen = np.random.default_rng(3)
    x = lib.tensor(gen.standard_normal(shape).astype(np.float32), requires_grad=True)
    tshape, tdtype = target
    if tdtype.startswith("float"):
        t = lib.tensor(gen.random(tshape).astype(tdtype))
    else:
        t = lib.tensor(gen.integers(0, shape[1] if len(shape) > 1 else shape[0],
                                    tshape).astype(tdtype))
    kwargs = dict(kwargs)
    if kwargs.get("weight"):
        kwargs["weight"] = lib.tensor(gen.random(shape[1]).astype(np.float32))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss = lib.nn.functional.cross_entropy(x, t, **kwargs)
    except (RuntimeError, ValueError, IndexError) as e:
        return type(e).__name__, str(e)
    loss.sum().backward()
    return (type(loss.grad_fn).__name__, type(loss.grad_fn.next_functions[0][0]).__name__,
            loss.detach().numpy(), x.grad.numpy())


@pytest.mark.parametrize("shape,target,kwargs", CE, ids=str)
def test_cross_entropy_matches_pytorch(shape, target, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = _ce_run(retrograd, shape, target, kwargs), _ce_run(torch, shape, target,
                                                                       kwargs)
    if len(theirs) == 2:  # an error: its type and text
        assert ours == theirs
        return
    assert ours[:2] == theirs[:2]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore_index", [-100, 0])
def test_cross_entropy_fast_case_equals_the_general_path_bitwise(reduction, ignore_index):
    gen = np.random.default_rng(4)
    x = retrograd.tensor(gen.standard_normal((6, 5)).astype(np.float32), requires_grad=True)
    y = retrograd.tensor(gen.integers(0, 5, 6))
    fast = F.cross_entropy(x, y, reduction=reduction, ignore_index=ignore_index)
    general = _fl._nll(_log_softmax(x, 1), y, None, ignore_index, reduction)
    assert fast._data.tobytes() == general._data.tobytes()
    assert type(fast.grad_fn) is type(general.grad_fn)
    assert fast.grad_fn._params == general.grad_fn._params
    lsm_f, lsm_g = fast.grad_fn.next_functions[0][0], general.grad_fn.next_functions[0][0]
    assert type(lsm_f).__name__ == type(lsm_g).__name__ == "LogSoftmaxBackward0"
    assert lsm_f._params == lsm_g._params
    g = retrograd.ones_like(fast)
    (gf,) = retrograd.autograd.grad(fast, x, g)
    (gg,) = retrograd.autograd.grad(general, x, g)
    assert gf._data.tobytes() == gg._data.tobytes()


def test_cross_entropy_fast_case_gradcheck_and_vmap():
    gen = np.random.default_rng(5)
    x = retrograd.tensor(gen.standard_normal((4, 3)), requires_grad=True)
    y = retrograd.tensor(gen.integers(0, 3, 4))
    assert retrograd.autograd.gradcheck(lambda a: F.cross_entropy(a, y), (x,))
    assert retrograd.autograd.gradgradcheck(lambda a: F.cross_entropy(a, y), (x,))
    xs = x.detach().reshape(2, 2, 3)
    ys = y.reshape(2, 2)
    per = retrograd.vmap(F.cross_entropy)(xs, ys)
    ref = [F.cross_entropy(xs[i], ys[i]).item() for i in range(2)]
    np.testing.assert_allclose(per.numpy(), ref, rtol=1e-12)


TERNARY = [  # primitive name, input shapes (None: that argument is None), params
    ("addmm", ((5,), (3, 4), (4, 5)), (1, 1)),
    ("addmm", ((3, 5), (3, 4), (4, 5)), (0.5, 2.0)),   # a full input: no meta for it
    ("addmv", ((3,), (3, 4), (4,)), (1, 1)),
    ("baddbmm", ((2, 3, 5), (2, 3, 4), (2, 4, 5)), (1, 1)),
    ("lerp_tensor", ((3, 4), (3, 4), (4,)), ()),
    ("clamp_tensor", ((3, 4), (4,), None), (np.dtype(np.float64),)),  # a None bound
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("needs", [(1, 1, 1), (0, 1, 1), (1, 0, 0), (0, 0, 1), (0, 0, 0)],
                         ids=str)
@pytest.mark.parametrize("name,shapes,params", TERNARY, ids=[u[0] for u in TERNARY])
def test_ternary_call_records_what_the_general_call_records(name, shapes, params, needs,
                                                            mode):
    prim = REGISTRY[name]
    general = Primitive._make_call(prim)
    xs = tuple(None if s is None else _tensor(s, bool(n), n and i == 1, seed=i)
               for i, (s, n) in enumerate(zip(shapes, needs)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _mode(mode):
            fast_out = prim.call(*xs, *params)
            general_out = general(*xs, *params)
    assert _node_state(fast_out, xs) == _node_state(general_out, xs)
    wrt = [x for x in xs if x is not None and x.requires_grad]
    if fast_out.requires_grad and wrt:
        g = retrograd.ones_like(fast_out)
        fa = retrograd.autograd.grad(fast_out, wrt, g, allow_unused=True)
        ga = retrograd.autograd.grad(general_out, wrt, g, allow_unused=True)
        assert [None if t is None else t._data.tobytes() for t in fa] == \
            [None if t is None else t._data.tobytes() for t in ga]


def test_ternary_call_errors_are_the_general_calls():
    prim = REGISTRY["addmm"]
    general = Primitive._make_call(prim)
    a, b = retrograd.randn(3, 4), retrograd.randn(4, 5)
    for args in [(a, b), (retrograd.randn(3, 5), a, retrograd.randn(3, 5), 1, 1)]:
        errors = []
        for call in (prim.call, general):
            with pytest.raises(Exception) as e:
                call(*args)
            errors.append((type(e.value), str(e.value)))
        assert errors[0] == errors[1]
