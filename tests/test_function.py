"""Scenario tests for custom autograd.Function: forward/backward and setup_context styles,
the <Name>Backward node and its next_functions, saved tensors (version checks, freed after
backward), needs_input_grad, mark_dirty, mark_non_differentiable, set_materialize_grads,
non-tensor arguments and outputs, several outputs on one node, double backward,
once_differentiable, PyTorch's errors for wrong gradients, and memory.

Each test runs with ``m = retrograd`` and with ``m = torch`` (the oracle, when installed).
Classes are defined inside the tests, against ``m.autograd.Function``.
"""
import gc
import tracemalloc
import weakref

import pytest

import retrograd
from conftest import raises_exact

FREED = ("Trying to backward through the graph a second time (or directly access saved "
         "tensors after they have already been freed).")
HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its "
        "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")


def scale_fn(m):
    class MyFn(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            ctx.seen_needs = ctx.needs_input_grad
            return g * ctx.k, None
    return MyFn


def simple(m, backward, forward=lambda ctx, x: x * 2, name="Fn"):
    return type(m.autograd.Function)(name, (m.autograd.Function,), {
        "forward": staticmethod(forward), "backward": staticmethod(backward)})


def test_forward_backward_node_and_next_functions(m):
    MyFn = scale_fn(m)
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = MyFn.apply(x, 3)
    node = y.grad_fn
    assert type(node).__name__ == "MyFnBackward" and node.name() == "MyFnBackward"
    assert str(type(node)) == "<class 'torch.autograd.function.MyFnBackward'>"
    assert [type(n).__name__ for n, _ in node.next_functions] == ["AccumulateGrad"]
    assert repr(y) == "tensor([3., 6.], grad_fn=<MyFnBackward>)"
    assert isinstance(node, m.autograd.graph.Node)
    assert repr(node).startswith("<torch.autograd.function.MyFnBackward object at 0x")
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and node.seen_needs == (True, False)
    assert node.needs_input_grad == (True, False)


def test_saved_tensors_freed_after_backward(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = scale_fn(m).apply(x, 3)
    y.sum().backward()
    with raises_exact(RuntimeError, FREED):
        y.grad_fn.saved_tensors
    with raises_exact(RuntimeError, FREED):
        y.sum().backward()
    y = scale_fn(m).apply(x, 3)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    assert x.grad.tolist() == [9.0, 9.0]


def test_a_function_that_saved_nothing_runs_twice(m):
    Fn = simple(m, lambda ctx, g: g * 2)
    x = m.tensor([1.0], requires_grad=True)
    y = Fn.apply(x)
    y.backward()
    y.backward()
    assert x.grad.tolist() == [4.0]


def test_setup_context_style(m):
    log = []

    class Cube(m.autograd.Function):
        @staticmethod
        def forward(x, power=3):
            return x ** power

        @staticmethod
        def setup_context(ctx, inputs, output):
            log.append((type(inputs).__name__, len(inputs), output.requires_grad))
            x, power = inputs
            ctx.power = power
            ctx.save_for_backward(x, output)

        @staticmethod
        def backward(ctx, g):
            x, out = ctx.saved_tensors
            log.append((type(out.grad_fn).__name__, out.requires_grad))
            return g * ctx.power * out / x, None

    x = m.tensor(2.0, requires_grad=True)
    y = Cube.apply(x)  # the default power is bound, as PyTorch does
    (g,) = m.autograd.grad(y, x, create_graph=True)
    assert y.item() == 8.0 and g.item() == 12.0
    assert log == [("tuple", 2, False), ("CubeBackward", True)]
    (g2,) = m.autograd.grad(g, x)
    assert g2.item() == pytest.approx(12.0)


def test_double_backward_through_a_function(m):
    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            ctx.grad_mode = m.is_grad_enabled()
            return g * 3 * x ** 2

    x = m.tensor(2.0, requires_grad=True)
    y = Cube.apply(x)
    (g,) = m.autograd.grad(y, x, create_graph=True)
    assert g.item() == 12.0 and type(g.grad_fn).__name__ == "MulBackward0"
    assert y.grad_fn.grad_mode is True
    (g2,) = m.autograd.grad(g, x, create_graph=True)
    (g3,) = m.autograd.grad(g2, x)
    assert (g2.item(), g3.item()) == (12.0, 6.0)
    assert m.autograd.gradcheck(Cube.apply, (m.tensor([0.5, 1.5], dtype=m.float64,
                                                      requires_grad=True),))
    assert m.autograd.gradgradcheck(Cube.apply, (m.tensor([0.5, 1.5], dtype=m.float64,
                                                          requires_grad=True),))


def test_forward_runs_without_grad_mode_and_without_recording(m):
    seen = []

    def forward(ctx, x):
        seen.append(m.is_grad_enabled())
        y = x * 2
        seen.append(y.grad_fn)
        return y

    Fn = simple(m, lambda ctx, g: g, forward)
    Fn.apply(m.tensor([1.0], requires_grad=True))
    assert seen == [False, None]


def test_no_node_when_nothing_requires_grad(m):
    MyFn = scale_fn(m)
    y = MyFn.apply(m.ones(2), 2)
    assert not y.requires_grad and y.grad_fn is None
    with m.no_grad():
        y = MyFn.apply(m.ones(2, requires_grad=True), 2)
    assert not y.requires_grad and y.grad_fn is None


def test_several_outputs_and_non_tensor_outputs(m):
    log = []

    class Multi(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, 5, x * 3, m.tensor(0)

        @staticmethod
        def backward(ctx, g1, g2, g3, g4):
            log.append((g1.tolist(), g2, g3.tolist(), g4.dtype, g4.tolist()))
            return g1 + g3

    x = m.tensor([1.0, 2.0], requires_grad=True)
    a, five, b, i = Multi.apply(x)
    assert five == 5 and a.grad_fn is b.grad_fn
    assert (a.output_nr, b.output_nr, i.output_nr) == (0, 2, 0)
    assert (a.requires_grad, b.requires_grad, i.requires_grad) == (True, True, False)
    a.sum().backward()
    assert log == [([1.0, 1.0], None, [0.0, 0.0], m.int64, 0)]
    assert x.grad.tolist() == [1.0, 1.0]


def test_set_materialize_grads_false_passes_none(m):
    log = []

    class NM(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            log.append(g2)
            return g1 * 2

    x = m.tensor([1.0, 2.0], requires_grad=True)
    a, b = NM.apply(x)
    a.sum().backward()
    assert log == [None] and x.grad.tolist() == [2.0, 2.0]


def test_mark_non_differentiable(m):
    log = []

    class ND(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = m.tensor([1, 0])
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, gi):
            log.append(gi.tolist())
            return g * 2

    x = m.tensor([1.0, 2.0], requires_grad=True)
    y, idx = ND.apply(x)
    assert not idx.requires_grad and idx.grad_fn is None and idx.output_nr == 0
    y.sum().backward()
    assert log == [[0, 0]] and x.grad.tolist() == [2.0, 2.0]

    class ND2(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            r = x * 2
            ctx.mark_non_differentiable(r)
            return r

        @staticmethod
        def backward(ctx, g):
            return g

    r = ND2.apply(x)
    assert (r.requires_grad, r.grad_fn, r.is_leaf) == (False, None, True)


def test_mark_dirty_in_place_custom_op(m):
    class MulTwo_(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = m.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = MulTwo_.apply(h)
    assert y is h and type(h.grad_fn).__name__ == "MulTwo_Backward"
    assert h._version == 2 and h.tolist() == [2.0, 4.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with raises_exact(RuntimeError, "a leaf Variable that requires grad has been used in an "
                                    "in-place operation."):
        MulTwo_.apply(x)

    class NotReturned(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g

    with raises_exact(RuntimeError, "Some elements marked as dirty during the forward method "
                                    "were not returned as output. The inputs that are "
                                    "modified inplace must all be outputs of the Function."):
        NotReturned.apply(x * 1)


def test_input_returned_unchanged_becomes_a_new_view(m):
    Ident = simple(m, lambda ctx, g: g, lambda ctx, x: x, "Ident")
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = Ident.apply(x)
    assert y is not x and y._base is x and type(y.grad_fn).__name__ == "IdentBackward"
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_saved_tensor_version_checks(m):
    class Sq(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class SqOut(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x ** 2
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return 2 * g

    x = m.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = Sq.apply(h)
    h.add_(1)
    with raises_exact(RuntimeError, "one of the variables needed for gradient computation has "
                                    "been modified by an inplace operation: [torch.FloatTensor "
                                    "[2]], which is output 0 of Add, is at version 1; expected "
                                    "version 0 instead. " + HINT):
        y.sum().backward()
    y = Sq.apply(x)
    x.detach().add_(1)
    with raises_exact(RuntimeError, "one of the variables needed for gradient computation has "
                                    "been modified by an inplace operation: [torch.FloatTensor "
                                    "[2]] is at version 1; expected version 0 instead. " + HINT):
        y.sum().backward()
    y = SqOut.apply(x)
    y.detach().add_(1)
    with raises_exact(RuntimeError, "one of the variables needed for gradient computation has "
                                    "been modified by an inplace operation: [torch.FloatTensor "
                                    "[2]], which is output 0 of SqOut, is at version 1; "
                                    "expected version 0 instead. " + HINT):
        y.sum().backward()


def test_save_for_backward_accepts_none_and_refuses_non_tensors(m):
    log = []

    def forward(ctx, x):
        ctx.save_for_backward(x, None)
        return x * 2

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        log.append((a.tolist(), b))
        return g * 2

    x = m.tensor([1.0, 2.0], requires_grad=True)
    simple(m, backward, forward).apply(x).sum().backward()
    assert log == [([1.0, 2.0], None)]

    def bad_forward(ctx, x):
        ctx.save_for_backward(x, 3)
        return x

    with raises_exact(TypeError, "save_for_backward can only save variables, but argument 1 "
                                 "is of type int"):
        simple(m, backward, bad_forward).apply(x)


def test_wrong_gradients_raise_pytorchs_errors(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    two_args = lambda ctx, x, y: x * y  # noqa: E731
    with raises_exact(RuntimeError, "function BadBackward returned an incorrect number of "
                                    "gradients (expected 2, got 1)"):
        simple(m, lambda ctx, g: g, two_args, "Bad").apply(x, x).sum().backward()
    with raises_exact(RuntimeError, "Function Bad2Backward returned an invalid gradient at "
                                    "index 0 - got [3] but expected shape compatible with [2]"):
        simple(m, lambda ctx, g: m.ones(3), lambda ctx, x: x.sum(), "Bad2").apply(x).backward()
    with raises_exact(RuntimeError, "function Bad3Backward returned a gradient different than "
                                    "None at position 2, but the corresponding forward input "
                                    "was not a Variable"):
        simple(m, lambda ctx, g: (g, g), two_args, "Bad3").apply(x, 2).sum().backward()
    with raises_exact(RuntimeError, "expected Variable or None (got int)"):
        simple(m, lambda ctx, g: 3).apply(x).sum().backward()


def test_gradients_are_fitted_to_the_inputs(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    # extra gradients are fine when they are None
    simple(m, lambda ctx, g: (g, None, None)).apply(x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    x.grad = None
    simple(m, lambda ctx, g: g.double()).apply(x).sum().backward()  # cast to the input's
    assert x.grad.dtype == m.float32 and x.grad.tolist() == [1.0, 1.0]
    x.grad = None
    simple(m, lambda ctx, g: m.ones(3, 2)).apply(x).sum().backward()  # summed to its shape
    assert x.grad.tolist() == [3.0, 3.0]


def test_once_differentiable(m):
    class Once(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = m.tensor(2.0, requires_grad=True)
    Once.apply(x).backward()
    assert x.grad.item() == 4.0
    y = Once.apply(x) * x
    (g,) = m.autograd.grad(y, x, create_graph=True)
    err = g.grad_fn.next_functions[1][0]
    assert str(type(err)) == "<class 'Error'>" and err.name() == "torch::autograd::Error"
    with raises_exact(RuntimeError, "trying to differentiate twice a function that was marked "
                                    "with @once_differentiable"):
        g.backward()


def test_legacy_use_and_missing_backward(m):
    Fn = simple(m, lambda ctx, g: g)
    with pytest.warns(DeprecationWarning, match="should not be instantiated"):
        fn = Fn()
    with raises_exact(RuntimeError, "Legacy autograd function with non-static forward method "
                                    "is deprecated."):
        fn(m.ones(1))

    class NoBackward(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    with raises_exact(NotImplementedError, "You must implement either the backward or vjp "
                                           "method for your custom autograd.Function to use "
                                           "it with backward mode AD."):
        NoBackward.apply(m.ones(1, requires_grad=True)).sum().backward()


def test_vjp_may_be_defined_instead_of_backward(m):
    class Fn(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def vjp(ctx, g):
            return g * 2

    x = m.tensor([1.0], requires_grad=True)
    Fn.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0]


def test_jvp_is_kept_on_the_function(m):
    class Fn(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def jvp(ctx, t):
            return t * 2

    assert Fn.jvp(None, 3) == 6


def test_hooks_on_function_nodes(m):
    log = []
    Fn = simple(m, lambda ctx, g: g * 2)
    x = m.tensor([1.0], requires_grad=True)
    y = Fn.apply(x)
    y.grad_fn.register_prehook(lambda go: log.append("pre"))
    y.grad_fn.register_hook(lambda gi, go: (log.append("post"), (gi[0] * 5,))[1])
    y.register_hook(lambda g: log.append("tensor"))
    y.sum().backward()
    assert log == ["tensor", "pre", "post"] and x.grad.tolist() == [10.0]


def test_function_in_a_larger_graph_keeps_pytorchs_order(m):
    order = []

    def make(tag):
        def backward(ctx, g):
            order.append(tag)
            return g
        return simple(m, backward, lambda ctx, x: x * 1, "F" + tag)

    x = m.tensor([1.0], requires_grad=True)
    a = make("a").apply(x)
    b = make("b").apply(a * 2)
    c = make("c").apply(a * 3)
    (b + c).sum().backward()
    assert order == ["c", "b", "a"] and x.grad.tolist() == [5.0]


def test_keyword_arguments_and_output_structure(m):
    class F(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k=2):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * 2, None

    class G(m.autograd.Function):
        @staticmethod
        def forward(x, k=2):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    class OneTuple(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return (x * 2,)

        @staticmethod
        def backward(ctx, g):
            return g

    class Twice(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            return y, y

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 + g2

    x = m.ones(2, requires_grad=True)
    assert F.apply(x, k=3).tolist() == [3.0, 3.0] and F.apply(x).tolist() == [2.0, 2.0]
    G.apply(x, k=3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    r = OneTuple.apply(x)
    assert type(r) is tuple and len(r) == 1
    a, b = Twice.apply(x)
    assert a is b and a.output_nr == 1
    x.grad = None
    (a.sum() + b.sum()).backward()
    assert x.grad.tolist() == [2.0, 2.0]
    assert F._backward_cls.__name__ == "FBackward" and F._backward_cls._forward_cls is F
    assert isinstance(F.apply(x).grad_fn, m.autograd.function.BackwardCFunction)


def test_saved_tensors_during_forward_are_empty(m):
    seen = []

    def forward(ctx, x):
        ctx.save_for_backward(x)
        seen.append(ctx.saved_tensors)
        return x * 2

    simple(m, lambda ctx, g: g, forward).apply(m.ones(1, requires_grad=True))
    assert seen == [()]


# ---------------------------------------------------------------------------------------
# memory
# ---------------------------------------------------------------------------------------
def square_fn():
    class Sq(retrograd.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * x
            ctx.save_for_backward(x, y)
            return y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return 2 * x * g
    return Sq


def test_saved_tensors_released_after_backward():
    Sq = square_fn()
    x = retrograd.randn(3, requires_grad=True)
    a = x * 2
    y = Sq.apply(a)
    ref = weakref.ref(a)
    del a
    gc.collect()
    assert ref() is not None  # saved by the node
    y.sum().backward()
    gc.collect()
    assert ref() is None


def test_no_reference_cycles_through_function_nodes():
    Sq = square_fn()
    gc.collect()
    gc.disable()
    try:
        w = retrograd.randn(4, requires_grad=True)
        refs = []
        for _ in range(200):
            h = Sq.apply(w * 1.5)
            loss = Sq.apply(h).sum()
            loss.backward()
            refs += [weakref.ref(h), weakref.ref(h.grad_fn), weakref.ref(loss)]
            w.grad = None
        del h, loss
        assert sum(r() is not None for r in refs) == 0
    finally:
        gc.enable()


def test_training_loop_memory_stays_flat():
    Sq = square_fn()
    w = retrograd.randn(16, 8, requires_grad=True)
    w.register_hook(lambda g: g * 1)
    w.register_post_accumulate_grad_hook(lambda p: None)

    def step():
        x = retrograd.randn(32, 16)
        h = Sq.apply((x @ w).tanh())
        h.register_hook(lambda g: g)
        loss = h.mean()
        loss.backward()
        with retrograd.no_grad():
            w.sub_(0.01 * w.grad)
        w.grad = None

    for _ in range(100):
        step()
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(100):
            step()
        gc.collect()
        first = tracemalloc.get_traced_memory()[0]
        for _ in range(800):
            step()
        gc.collect()
        last = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert last - first < 100_000, f"memory grew by {last - first} bytes over 800 steps"


def test_ordinary_use_creates_no_reference_cycles():
    """gc finds nothing to collect after steps using Functions, hooks and retain_grad."""
    Sq = square_fn()
    w = retrograd.randn(4, requires_grad=True)
    w.register_hook(lambda g: g * 1)
    w.register_post_accumulate_grad_hook(lambda p: None)
    gc.collect()
    gc.disable()
    try:
        for _ in range(100):
            h = Sq.apply(w * 1.5)
            h.retain_grad()
            h.register_hook(lambda g: g)
            loss = Sq.apply(h.tanh()).sum()
            loss.backward()
            with retrograd.no_grad():
                w.sub_(0.01 * w.grad)
            w.grad = None
        del h, loss
        assert gc.collect() == 0
    finally:
        gc.enable()
