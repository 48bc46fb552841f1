"""In-place operations and views against PyTorch: version counters, the modified-in-place
error, leaf refusals, CopySlices/AsStridedBackward0 history on views of non-leaves, views
made in no_grad mode, .data, and optimizer-style updates."""
import numpy as np
import pytest

import retrograd
from conftest import raises_exact, REAL_TORCH

MODIFIED = ("one of the variables needed for gradient computation has been modified by an "
            "inplace operation: ")
HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its "
        "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."
NO_GRAD_VIEW = "A view was created in no_grad mode and is being modified inplace with grad mode enabled."


def names(t):
    return type(t.grad_fn).__name__


def next_names(node):
    return [None if n is None else type(n).__name__ for n, _ in node.next_functions]


def exp_(t):
    """t.exp_(), also before the pointwise family provides it (the mechanism is this one)."""
    if hasattr(t, "exp_"):
        return t.exp_()
    from retrograd.ops.inplace import inplace_method
    return inplace_method(retrograd.exp)(t)


def leaf(m, values=(1.0, 2.0, 3.0)):
    return m.tensor(list(values), requires_grad=True)


# ----- the modified-in-place error
@pytest.mark.parametrize("code, text", [
    ("a = x.sigmoid(); a.mul_(2); a.sum().backward()",
     "[torch.FloatTensor [3]], which is output 0 of Sigmoid, is at version 1; expected "
     "version 0 instead. "),
    ("x2 = x * 1; y = x2 * x2; x2.mul_(2); y.sum().backward()",
     "[torch.FloatTensor [3]], which is output 0 of Mul, is at version 1; expected version 0 "
     "instead. "),
    ("y = (x * 1).exp(); exp_(y); y.mul_(2); y.sum().backward()",
     "[torch.FloatTensor [3]], which is output 0 of Exp, is at version 2; expected version 1 "
     "instead. "),
    ("x2 = x.double(); y = x2 * x2; x2.add_(1); y.sum().backward()",
     "[torch.DoubleTensor [3]], which is output 0 of Add, is at version 1; expected version 0 "
     "instead. "),
    ("y = x * 1; v = y[:2]; exp_(v); v.mul_(2); y.sum().backward()",
     "[torch.FloatTensor [2]], which is output 0 of Exp, is at version 2; expected version 1 "
     "instead. "),
    ("y = x.exp(); v = y[0:2]; z = v * v; y.add_(1); z.sum().backward()",
     "[torch.FloatTensor [2]], which is output 0 of AsStrided, is at version 1; expected "
     "version 0 instead. "),
    ("y = x.exp(); y[0].add_(1); y.sum().backward()",
     "[torch.FloatTensor [3]], which is output 0 of Exp, is at version 1; expected version 0 "
     "instead. "),
])
def test_modified_by_an_inplace_operation(m, code, text):
    x = leaf(m)
    with raises_exact(RuntimeError, MODIFIED + text + HINT):
        exec(code, {"x": x, "torch": m, "exp_": exp_})


def test_modified_leaf_saved_names_no_node(m):
    x = leaf(m)
    y = x * x
    with m.no_grad():
        x.add_(1)
    with raises_exact(RuntimeError, MODIFIED + "[torch.FloatTensor [3]] is at version 1; "
                      "expected version 0 instead. " + HINT):
        y.sum().backward()


def test_leaf_not_saved_may_change_under_no_grad(m):
    x = leaf(m)
    y = (x * 1) * (x * 1)
    with m.no_grad():
        x.add_(1)
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


# ----- refusals happen before anything is written
@pytest.mark.parametrize("code, text", [
    ("x.mul_(2)", LEAF), ("x.zero_()", LEAF), ("x.fill_(1.0)", LEAF), ("x.copy_(x * 2)", LEAF),
    ("x += 1", LEAF), ("x[0].mul_(2)", VIEW_OF_LEAF), ("x[1:].add_(1)", VIEW_OF_LEAF),
    ("x.view(3, 1).t().zero_()", VIEW_OF_LEAF), ("x.unsqueeze(0).fill_(2.0)", VIEW_OF_LEAF),
])
def test_inplace_on_leaf_or_its_view_refused_untouched(m, code, text):
    x = leaf(m)
    with raises_exact(RuntimeError, text):
        exec(code, {"x": x})
    assert x.tolist() == [1.0, 2.0, 3.0] and x._version == 0


def test_leaf_updates_under_no_grad(m):
    w = leaf(m)
    (w * w).sum().backward()
    with m.no_grad():
        w -= 0.1 * w.grad
        w.add_(1)
        w[0].mul_(10)
        w.grad.zero_()
    assert w.is_leaf and w.requires_grad and w.grad_fn is None and w._version == 3
    assert np.allclose(w.tolist(), [18.0, 2.6, 3.4])
    (w * 2).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0, 2.0]


def test_expanded_view_is_not_writable(m):
    y = leaf(m) * 1
    with raises_exact(RuntimeError, "unsupported operation: more than one element of the "
                      "written-to tensor refers to a single memory location."):
        y.expand(2, 3).mul_(2)


# ----- views of non-leaves: CopySlices
def test_inplace_on_select_view_rebases_history(m):
    x = leaf(m)
    y = x * 1
    v = y[0]
    v.mul_(2)
    assert names(y) == "CopySlices" and names(v) == "AsStridedBackward0"
    assert next_names(y.grad_fn) == ["MulBackward0", None]
    assert v.grad_fn.next_functions[0][0] is y.grad_fn
    assert y._version == v._version == 1
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 1.0, 1.0]


def test_chain_of_views_and_other_views_regenerated(m):
    x = leaf(m, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    w = leaf(m, [0.5, -1.0, 2.0])
    y = (x * 1).view(2, 3)
    col = y.t()[1]  # a view of a view: y[:, 1]
    row = y[0]
    col.mul_(w[:2])
    assert names(y) == "AsStridedBackward0" and names(row) == "AsStridedBackward0"
    assert names(col) == "AsStridedBackward0"
    assert names(y._base) == "CopySlices"
    (row * m.tensor([1.0, 2.0, 3.0])).sum().backward(retain_graph=True)
    assert x.grad.tolist() == [1.0, 2.0 * 0.5, 3.0, 0.0, 0.0, 0.0]
    assert w.grad.tolist() == [2.0 * 2.0, 0.0, 0.0]
    x.grad = None
    w.grad = None
    (y * y).sum().backward()
    assert np.allclose(x.grad.tolist(), [2, 2 * 2 * 0.25, 6, 8, 2 * 5 * 1.0, 12])
    assert np.allclose(w.grad.tolist(), [2 * 2 * 2 * 0.5, 2 * 5 * 5 * -1.0, 0.0])


VIEWS = {
    "slice": lambda y: y[1:3], "column": lambda y: y[:, 1], "t": lambda y: y.t(),
    "transpose-step": lambda y: y.transpose(0, 1)[::2], "flat-slice": lambda y: y.view(-1)[2:5],
    "unsqueeze-select": lambda y: y.unsqueeze(0)[0, 1], "row-view": lambda y: y[0].view(1, 3),
    "permute-slice": lambda y: y.permute(1, 0)[1:], "squeeze": lambda y: y.squeeze(),
    "ellipsis-step": lambda y: y[..., ::2], "select-select": lambda y: y[2][1],
}


def _inplace_on_view_scenario(lib, view, op):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((3, 3)).tolist(), requires_grad=True)
    w = lib.tensor(rng.standard_normal((3, 3)).tolist(), requires_grad=True)
    y = x * 2
    v = VIEWS[view](y)
    other = w.reshape(-1)[: v.numel()].reshape(v.shape)
    if op == "zero_":
        v.zero_()
    elif op == "exp_":
        exp_(v)
    else:
        getattr(v, op)(other)
    out = (y * lib.tensor(rng.standard_normal((3, 3)).tolist())).sum() + (v * v).sum()
    out.backward()
    return (names(y), names(v), x.grad.numpy().copy(),
            None if w.grad is None else w.grad.numpy().copy(), y.detach().numpy().copy())


@pytest.mark.skipif(REAL_TORCH is None, reason="compares with PyTorch")
@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("op", ["mul_", "add_", "copy_", "zero_", "exp_"])
def test_inplace_on_view_matches_pytorch(view, op):
    ours = _inplace_on_view_scenario(retrograd, view, op)
    theirs = _inplace_on_view_scenario(REAL_TORCH, view, op)
    assert ours[:2] == theirs[:2]
    assert np.allclose(ours[2], theirs[2], atol=1e-5)
    assert (ours[3] is None) == (theirs[3] is None)
    if ours[3] is not None:
        assert np.allclose(ours[3], theirs[3], atol=1e-5)
    assert np.allclose(ours[4], theirs[4], atol=1e-5)


def test_inplace_on_view_of_buffer_gives_it_history(m):
    x = leaf(m)
    y = m.zeros(3)
    v = y[0:2]
    v.copy_(x[:2] * 3)
    assert names(y) == "CopySlices" and next_names(y.grad_fn) == [None, "MulBackward0"]
    assert names(v) == "AsStridedBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 0.0]


def test_view_of_buffer_follows_base_getting_history(m):
    w = leaf(m)
    y = m.zeros(3)
    v = y[0:2]
    y.add_(w)
    assert v.requires_grad and names(v) == "AsStridedBackward0"
    (v * 2).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0, 0.0]


def test_base_used_elsewhere_keeps_old_history(m):
    x = leaf(m)
    y = x * 2
    before = y.sum()
    y[1:].mul_(x[1:])
    after = (y * m.tensor([1.0, 10.0, 100.0])).sum()
    (before + after).backward()
    # before: 2 each; after: y0 = 2x0 -> 2; y1 = 2x1^2 -> 40 x1; y2 -> 400 x2
    assert x.grad.tolist() == [2.0 + 2.0, 2.0 + 80.0, 2.0 + 1200.0]


def test_inplace_on_base_regenerates_view_history(m):
    x = leaf(m)
    y = x * 1
    v = y[:2]
    y.mul_(3)
    assert names(y) == "MulBackward0" and names(v) == "AsStridedBackward0"
    v.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 0.0]


def test_retained_grad_of_view_survives_rebase(m):
    x = leaf(m)
    y = x * 1
    v = y[:2]
    v.retain_grad()
    v.mul_(2)
    (v * 5).sum().backward()
    assert v.grad.tolist() == [5.0, 5.0] and x.grad.tolist() == [10.0, 10.0, 0.0]


def test_double_backward_through_copy_slices():
    from retrograd.autograd import gradcheck, gradgradcheck

    def f(x, w):
        y = x * 1
        y[1:3].mul_(w)
        y[0].copy_(w.sum())
        return y * y

    x = retrograd.randn(4, dtype=retrograd.float64, requires_grad=True)
    w = retrograd.randn(2, dtype=retrograd.float64, requires_grad=True)
    assert gradcheck(f, (x, w))
    assert gradgradcheck(f, (x, w))


# ----- views made in no_grad mode
def test_no_grad_view_modified_with_grad_refused(m):
    x = leaf(m)
    y = x * 1
    with m.no_grad():
        v = y[0:2]
        w = x[0:2]
        v.mul_(2)  # inside no_grad: allowed, not tracked
    assert names(y) == "MulBackward0"
    with raises_exact(RuntimeError, NO_GRAD_VIEW):
        v.mul_(2)
    with raises_exact(RuntimeError, NO_GRAD_VIEW):
        w.add_(1)  # the no_grad error comes before the view-of-a-leaf one
    buf = m.zeros(3)
    with m.no_grad():
        bv = buf[0:2]
    with raises_exact(RuntimeError, NO_GRAD_VIEW):
        bv.add_(x[:2])
    bv.add_(1)  # nothing requires grad: allowed
    assert buf.tolist() == [1.0, 1.0, 0.0]


# ----- zero_, fill_, copy_ on non-leaves
@pytest.mark.parametrize("code, node, nxt", [
    ("y.zero_()", "ZeroBackward0", ["MulBackward0"]),
    ("y.fill_(2.0)", "FillBackward2", ["MulBackward0"]),
    ("y.fill_(torch.tensor(3.0))", "FillBackward3", ["MulBackward0", None]),
    ("y.fill_(x.sum())", "FillBackward3", ["MulBackward0", "SumBackward0"]),
    ("y.copy_(x.detach())", "CopyBackwards", ["MulBackward0", None]),
    ("y.copy_(x * 2)", "CopyBackwards", ["MulBackward0", "MulBackward0"]),
])
def test_zero_fill_copy_record_history(m, code, node, nxt):
    x = leaf(m)
    y = x * 1
    exec(code, {"x": x, "y": y, "torch": m})
    assert names(y) == node and next_names(y.grad_fn) == nxt
    (y * m.tensor([1.0, 2.0, 3.0])).sum().backward()
    expected = {"ZeroBackward0": None, "FillBackward2": None, "CopyBackwards": None}
    if "x.sum()" in code:
        assert x.grad.tolist() == [6.0, 6.0, 6.0]
    elif "x * 2" in code:
        assert x.grad.tolist() == [2.0, 4.0, 6.0]
    else:
        assert node in expected or "tensor(3.0)" in code
        assert x.grad is None or x.grad.tolist() == [0.0, 0.0, 0.0]


def test_copy_broadcasts_and_casts(m):
    y = m.zeros(2, 3)
    y.copy_(m.tensor([1, 2, 3]))
    assert y.tolist() == [[1.0, 2.0, 3.0]] * 2 and y.dtype == m.float32 and y._version == 1
    x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
    z = m.zeros(3, 2)
    z.copy_(x)
    z.sum().backward()
    assert x.grad.dtype == m.float64 and x.grad.tolist() == [3.0, 3.0]


# ----- .data
def test_data_shares_memory_not_history_nor_version(m):
    x = leaf(m)
    y = x.exp()
    d = y.data
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf and d._base is None
    d.mul_(2)
    assert d._version == 1 and y._version == 0  # autograd does not see the change
    y.sum().backward()  # no error; uses the changed values
    assert np.allclose(x.grad.tolist(), (2 * np.exp([1.0, 2.0, 3.0])).tolist())


def test_assigning_data_swaps_it(m):
    x = leaf(m)
    x.data = m.zeros(2, dtype=m.float64)
    assert x.dtype == m.float64 and x.shape == (2,) and x.requires_grad and x._version == 0
    x.data.add_(1)
    assert x.tolist() == [1.0, 1.0] and x._version == 0


def test_detach_shares_the_version_counter(m):
    x = leaf(m)
    y = x.exp()
    d = y.detach()
    d.mul_(2)
    assert y._version == 1
    with raises_exact(RuntimeError, MODIFIED):
        y.sum().backward()


def test_multi_output_views_refuse_inplace():
    from retrograd.ops.primitive import primitive, LINEAR
    halves = primitive(  # views of the input, as split's outputs are
        "test_halves2", "SplitBackward0", nout=2, view=True,
        forward=lambda xp, a: (a[: a.shape[0] // 2], a[a.shape[0] // 2:]),
        vjp=(lambda grads, a, outs: retrograd.tensor(np.concatenate([g._data for g in grads])),),
        jvp=LINEAR, register=False)
    x = retrograd.ones(4, requires_grad=True)
    a, b = halves(x * 1)
    with raises_exact(RuntimeError, "Output 1 of Split is a view and is being modified inplace. "
                      "This view is the output of a function that returns multiple views. Such "
                      "functions do not allow the output views to be modified inplace. You should "
                      "replace the inplace operation by an out-of-place one."):
        b.mul_(2)
    c, d = halves(retrograd.ones(4))
    d.mul_(2)  # nothing requires grad: allowed
    if REAL_TORCH is not None:
        with raises_exact(RuntimeError, "Output 1 of Split is a view"):
            (REAL_TORCH.ones(4, requires_grad=True) * 1).split(2)[1].mul_(2)


def test_retained_grad_of_base_survives_rebase(m):
    x = leaf(m)
    y = x * 1
    y.retain_grad()
    y[1:].mul_(3)
    (y * 2).sum().backward()
    assert y.grad.tolist() == [2.0, 2.0, 2.0] and x.grad.tolist() == [2.0, 6.0, 6.0]


def test_retained_grad_survives_inplace_on_itself(m):
    x = leaf(m)
    y = x * 1
    y.retain_grad()
    y.mul_(3)
    (y * 2).sum().backward()
    assert y.grad.tolist() == [2.0, 2.0, 2.0] and x.grad.tolist() == [6.0, 6.0, 6.0]


def test_inplace_on_view_with_a_composite_result():
    # the result's node does not read the view directly: the generic CopySlices path
    from retrograd.ops.inplace import inplace_method

    def squash(a, b):
        return (a * b).tanh() * 2

    x = retrograd.tensor([0.1, 0.2, 0.3, 0.4], dtype=retrograd.float64, requires_grad=True)
    w = retrograd.tensor([0.5, -1.0], dtype=retrograd.float64, requires_grad=True)

    def f(x, w):
        y = x * 1
        inplace_method(squash)(y[1:3], w)
        return y * y

    assert retrograd.autograd.gradcheck(f, (x, w))
    assert retrograd.autograd.gradgradcheck(f, (x, w))
    y = x * 1
    inplace_method(squash)(y[1:3], w)
    assert names(y) == "CopySlices" and next_names(y.grad_fn) == ["MulBackward0", "MulBackward0"]


def test_no_reference_cycles_and_saved_values_released():
    import gc
    from retrograd.utils.checkpoint import checkpoint
    gc.collect()
    gc.disable()
    try:
        w = retrograd.randn(5, requires_grad=True)
        for _ in range(3):
            y = w * 1
            y[1:3].mul_(w[:2])
            v = y[0:2]
            exp_(y)
            z = checkpoint(lambda a: (a * a).sin(), y, use_reentrant=False)
            r = checkpoint(lambda a: (a * a).sin(), y, use_reentrant=True)
            loss = z.sum() + r.sum() + v.sum()
            copy_slices = y.grad_fn.next_functions[0][0]
            assert type(copy_slices).__name__ == "CopySlices"
            loss.backward()
            assert copy_slices._saved_tensors_released
            del y, v, z, r, loss, copy_slices
            assert gc.collect() == 0
    finally:
        gc.enable()


def test_cpp_node_names(m):
    x = leaf(m)
    y = x * 1
    y[0].mul_(2)
    assert y.grad_fn.name() == "torch::autograd::CopySlices"
    assert y[0:1].grad_fn.name() == "SliceBackward0"
    z = x * 1
    z.copy_(x)
    assert z.grad_fn.name() == "torch::autograd::CopyBackwards"
    z.zero_()
    assert z.grad_fn.name() == "ZeroBackward0"


def test_setitem_on_views_of_non_leaves(m):
    x = m.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 2
    v = y[1:]
    v[0] = x[0] * 10
    v[1:] *= x[2:]
    assert next_names(y.grad_fn) == ["CopySlices", "AsStridedBackward0"]
    assert names(v) == "AsStridedBackward0"
    (y * m.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [22.0, 0.0, 36.0, 64.0]
    assert y.tolist() == [2.0, 10.0, 18.0, 32.0]


def test_setitem_on_views_double_backward():
    def f(x):
        y = x * 2
        v = y[1:]
        v[0] = x[0] * x[1]
        v[1:] *= x[2:]
        return y * y

    x = retrograd.tensor([0.5, -1.0, 2.0, 1.5], dtype=retrograd.float64, requires_grad=True)
    assert retrograd.autograd.gradcheck(f, (x,))
    assert retrograd.autograd.gradgradcheck(f, (x,))


INPLACE_ON_VIEW_OPS = [
    ("exp_", ()), ("sin_", ()), ("tanh_", ()), ("sigmoid_", ()), ("abs_", ()), ("neg_", ()),
    ("sqrt_", ()), ("relu_", ()), ("log_", ()), ("reciprocal_", ()), ("square_", ()),
    ("floor_", ()), ("sign_", ()), ("nan_to_num_", ()), ("clamp_", (0.3, 0.7)),
    ("add_", ("w",)), ("sub_", ("w",)), ("mul_", ("w",)), ("div_", ("w",)), ("pow_", ("w",)),
    ("atan2_", ("w",)), ("maximum_", ("w",)), ("hypot_", ("w",)), ("lerp_", ("w", 0.3)),
    ("addcmul_", ("w", "w")), ("addcdiv_", ("w", "w")), ("clamp_min_", (0.5,)),
    ("masked_fill_", ("mask", 2.0)), ("xlogy_", ("w",)),
]


def _op_on_view(lib, op, args):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.uniform(0.2, 0.9, (3, 4)), requires_grad=True)
    w = lib.tensor(rng.uniform(0.2, 0.9, (2, 4)), requires_grad=True)
    y = x * 1
    v = y[1:]
    getattr(v, op)(*[w if a == "w" else (w > 0.5) if a == "mask" else a for a in args])
    (y * lib.tensor(rng.standard_normal((3, 4)))).sum().backward()
    return (names(y), names(v), next_names(y.grad_fn), x.grad.numpy().copy(),
            None if w.grad is None else w.grad.numpy().copy())


@pytest.mark.skipif(REAL_TORCH is None, reason="compares with PyTorch")
@pytest.mark.parametrize("op, args", INPLACE_ON_VIEW_OPS, ids=[o for o, _ in INPLACE_ON_VIEW_OPS])
def test_family_inplace_ops_on_views_match_pytorch(op, args):
    if not hasattr(retrograd.Tensor, op):
        pytest.skip(f"{op} is not in this build")
    ours, theirs = _op_on_view(retrograd, op, args), _op_on_view(REAL_TORCH, op, args)
    assert ours[:3] == theirs[:3]
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-6)
    assert (ours[4] is None) == (theirs[4] is None)
    if ours[4] is not None:
        np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-6)


@pytest.mark.parametrize("case", ["plain", "exp_", "view_mul", "view_exp", "setitem", "chain"])
def test_inplace_forward_ad_and_forward_over_reverse(case):
    if not hasattr(retrograd.autograd, "forward_ad"):
        pytest.skip("needs forward-mode AD")

    def f(x, w):
        y = x * 1
        if case == "plain":
            y.mul_(x)
        elif case == "exp_":
            exp_(y)
        elif case == "view_mul":
            y[1:3].mul_(w)
        elif case == "view_exp":
            exp_(y[1:3])
        elif case == "setitem":
            y[0] = x[3] * 5
        else:
            v = y.view(2, 2).t()
            v[1].mul_(w)
            y[0] = y[3].clone() * 5
        return y * y

    x = retrograd.tensor([0.5, 1.0, 1.5, 2.0], dtype=retrograd.float64, requires_grad=True)
    w = retrograd.tensor([2.0, 3.0], dtype=retrograd.float64, requires_grad=True)
    assert retrograd.autograd.gradcheck(f, (x, w), check_forward_ad=True)
    assert retrograd.autograd.gradgradcheck(f, (x, w), check_fwd_over_rev=True)


@pytest.mark.skipif(REAL_TORCH is None, reason="compares with PyTorch")
def test_view_tangent_flows_into_base():
    def run(lib):
        fwAD = lib.autograd.forward_ad
        x = lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64)
        w = lib.tensor([2.0, 3.0], dtype=lib.float64)
        with fwAD.dual_level():
            wd = fwAD.make_dual(w, lib.tensor([1.0, -1.0], dtype=lib.float64))
            y = x * 1  # no tangent
            y[1:3].mul_(wd)  # the view's tangent lands in (a new, zero) tangent of y
            xd = fwAD.make_dual(x, lib.ones(4, dtype=lib.float64))
            z = xd * 1
            z[1:3].mul_(z[2:4].clone() * w)
            return fwAD.unpack_dual(y).tangent.tolist(), fwAD.unpack_dual(z).tangent.tolist()
    assert run(retrograd) == run(REAL_TORCH)


def test_copy_slices_frees_the_wrapped_ops_saved_values():
    x = retrograd.ones(3, requires_grad=True)
    y = x * 1
    exp_(y[1:])
    copy_slices = y.grad_fn
    op = copy_slices._params[0]
    assert type(op).__name__ == "ExpBackward0" and op._saved is copy_slices._saved
    y.sum().backward()
    assert copy_slices._saved_tensors_released and op._saved_tensors_released


@pytest.mark.skipif(REAL_TORCH is None, reason="compares with PyTorch")
def test_split_unbind_outputs_and_diagonal_views_match_pytorch():
    def run(lib):
        out = []
        x = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        for f in ("y.split(2)", "y.unbind()", "y.chunk(2)", "list(y.view(2, 2))"):
            y = x * 1
            pieces = eval(f)
            try:
                pieces[1].mul_(2)
                out.append("ok")
            except RuntimeError as e:
                out.append(str(e).split(".")[0])
        y = x * 1
        y.view(2, 2).diagonal().mul_(3)
        (y * lib.arange(4.0)).sum().backward()
        return out, x.grad.tolist(), names(y)
    assert run(retrograd) == run(REAL_TORCH)


def _double_dirty(lib):
    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            a.mul_(2)
            ctx.mark_dirty(a)
            return a

        @staticmethod
        def backward(ctx, g):
            return g * 2
    return Double


def test_function_marking_a_view_dirty_rebases_its_base(m):
    double = _double_dirty(m)
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[1:]
    out = double.apply(v)
    assert out is v and names(y) == "CopySlices" and names(out) == "AsStridedBackward0"
    (y * m.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 20.0, 200.0] and y.tolist() == [1.0, 4.0, 6.0]
    with raises_exact(RuntimeError, VIEW_OF_LEAF):
        double.apply(x[1:])
