"""Scenario tests for backward hooks: Tensor.register_hook (leaves and non-leaves, replacing
the gradient), register_post_accumulate_grad_hook, Node.register_hook/register_prehook,
register_multi_grad_hook, removable handles, retain_grad's place in PyTorch's firing order,
hooks under autograd.grad; saved_tensors_hooks and save_on_cpu; and that hooks leak nothing.

Each test runs with ``m = retrograd`` and with ``m = torch`` (the oracle, when installed):
hook call orders are recorded in lists and compared with the written-out expectation.
"""
import gc
import weakref

import pytest

import retrograd
from conftest import REAL_TORCH, raises_exact


def vals(gs):
    return [None if g is None else g.tolist() for g in gs]


def test_firing_order_of_all_hook_kinds(m):
    log = []
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * 3
    y.register_hook(lambda g: log.append(("tensor_y1", g.tolist())))
    y.retain_grad()  # runs after every tensor hook of y, whatever the registration order
    y.register_hook(lambda g: (log.append(("tensor_y2", g.tolist())), g * 10)[1])
    y.grad_fn.register_prehook(lambda go: log.append(("pre_y", vals(go))))
    y.grad_fn.register_hook(lambda gi, go: log.append(("post_y", vals(gi), vals(go))))
    x.register_hook(lambda g: log.append(("tensor_x", g.tolist())))
    x.register_post_accumulate_grad_hook(lambda t: log.append(("post_acc_x", t.grad.tolist())))
    acc = y.grad_fn.next_functions[0][0]
    acc.register_prehook(lambda go: log.append(("pre_acc", vals(go))))
    acc.register_hook(lambda gi, go: log.append(("post_acc", gi, vals(go))))
    z.sum().backward()
    assert log == [
        ("tensor_y1", [3.0, 3.0]), ("tensor_y2", [3.0, 3.0]), ("pre_y", [[30.0, 30.0]]),
        ("post_y", [[60.0, 60.0], None], [[30.0, 30.0]]), ("tensor_x", [60.0, 60.0]),
        ("pre_acc", [[60.0, 60.0]]), ("post_acc_x", [60.0, 60.0]),
        ("post_acc", (), [[60.0, 60.0]])]
    assert y.grad.tolist() == [30.0, 30.0] and x.grad.tolist() == [60.0, 60.0]


def test_tensor_hook_replaces_gradient_before_accumulation(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.register_hook(lambda g: g * 2)
    x.register_hook(lambda g: g + 1)  # sees the first hook's result
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 9.0, 13.0]


def test_hook_replacing_a_gradient_flows_downstream(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    h.register_hook(lambda g: m.zeros_like(g))
    (h * 3 + x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_node_hooks_may_replace_gradients(m):
    a = m.tensor([0.0, 0.0, 0.0], requires_grad=True)
    b = a * 1
    handle = b.grad_fn.register_hook(lambda gi, go: (go[0] * 2, None))
    b.sum().backward(retain_graph=True)
    assert a.grad.tolist() == [2.0, 2.0, 2.0]
    handle.remove()
    a.grad = None
    b.sum().backward(retain_graph=True)
    assert a.grad.tolist() == [1.0, 1.0, 1.0]
    handle = b.grad_fn.register_prehook(lambda go: (go[0] * 3,))
    a.grad = None
    b.sum().backward(retain_graph=True)
    assert a.grad.tolist() == [3.0, 3.0, 3.0]
    handle.remove()
    handle.remove()  # removing twice is harmless
    a.grad = None
    b.sum().backward()
    assert a.grad.tolist() == [1.0, 1.0, 1.0]


def test_handles_remove_only_their_hook_and_work_as_context_managers(m):
    log = []
    x = m.tensor(1.0, requires_grad=True)
    h1 = x.register_hook(lambda g: log.append(1))
    x.register_hook(lambda g: log.append(2))
    with x.register_hook(lambda g: log.append(3)):
        (x * 2).backward()
    h1.remove()
    (x * 2).backward()
    assert log == [1, 2, 3, 2]
    assert type(h1).__name__ == "RemovableHandle"
    assert type(h1).__module__ == "torch.utils.hooks"


def test_hook_errors(m):
    a = m.ones(2, requires_grad=True)

    def myhook(g):
        return m.ones(3)

    def myhook2(g):
        return g.double()

    for hook, exc, text in [
            (myhook, RuntimeError, "hook 'myhook' has changed the size of value"),
            (myhook2, RuntimeError, "hook 'myhook2' has changed the type of value (was "
                                    "torch.FloatTensor got torch.DoubleTensor)"),
            (lambda g: 3, TypeError, "expected Variable, but hook returned 'int'")]:
        b = a * 2
        b.register_hook(hook)
        with raises_exact(exc, text):
            b.sum().backward()
    b = a * 2
    b.grad_fn.register_hook(lambda gi, go: (1, 2))
    with raises_exact(TypeError, "expected Variable, but hook returned 'int'"):
        b.sum().backward()
    b = a * 2
    b.grad_fn.register_prehook(lambda go: (1, 2))
    with raises_exact(RuntimeError, "hook '<lambda>' has returned an incorrect number of "
                                    "values (got 2, but expected 1)"):
        b.sum().backward()
    no_grad_text = "cannot register a hook on a tensor that doesn't require gradient"
    with raises_exact(RuntimeError, no_grad_text):
        m.ones(2).register_hook(print)
    with raises_exact(RuntimeError, no_grad_text):
        m.ones(2).register_post_accumulate_grad_hook(print)
    with raises_exact(RuntimeError, "post accumulate grad hooks cannot be registered on "
                                    "non-leaf tensors"):
        b.register_post_accumulate_grad_hook(print)


def test_post_accumulate_grad_hook_sees_the_accumulated_grad(m):
    seen = []
    w = m.tensor([1.0, 2.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    assert seen == [[3.0, 3.0], [6.0, 6.0]]
    # autograd.grad accumulates nothing, so the hook does not run
    m.autograd.grad((w * 3).sum(), w)
    assert len(seen) == 2


def test_optimizer_step_in_post_accumulate_grad_hook(m):
    w = m.tensor([1.0, 2.0], requires_grad=True)

    def step(p):
        with m.no_grad():
            p -= 0.5 * p.grad
        p.grad = None

    w.register_post_accumulate_grad_hook(step)
    (w * w).sum().backward()
    assert w.tolist() == [0.0, 0.0] and w.grad is None


def test_hooks_under_autograd_grad(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    h = x.register_hook(lambda g: g * 100)
    # the leaf's hook runs before its gradient is captured
    assert m.autograd.grad((x * 2).sum(), x)[0].tolist() == [200.0, 200.0]
    h.remove()
    assert m.autograd.grad((x * 2).sum(), x)[0].tolist() == [2.0, 2.0]
    x.register_hook(lambda g: g * 100)
    y = x * 2
    y.register_hook(lambda g: g * 10)
    assert m.autograd.grad((y * 3).sum(), y)[0].tolist() == [30.0, 30.0]
    # PyTorch captures the gradient of a node that also runs before its tensor hooks
    y = x * 2
    y.register_hook(lambda g: g * 10)
    gy, gx = m.autograd.grad((y * 3).sum(), [y, x])
    assert gy.tolist() == [3.0, 3.0] and gx.tolist() == [6000.0, 6000.0]


def test_autograd_grad_runs_no_node_beyond_the_inputs(m):
    log = []
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.grad_fn.register_prehook(lambda go: log.append("pre"))
    y.grad_fn.register_hook(lambda gi, go: log.append("post"))
    other = x.exp()
    other.grad_fn.register_prehook(lambda go: log.append("other"))
    m.autograd.grad((y * 3).sum() + other.sum(), y)
    assert log == []
    (y * 3).sum().backward(inputs=[y])
    assert log == ["pre", "post"]


def test_hook_on_an_output_that_got_no_gradient_sees_none(m):
    class Two(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    seen = []
    q = m.tensor([1.0, 2.0], requires_grad=True)
    a, b = Two.apply(q)
    b.register_hook(lambda g: seen.append(g))
    a.sum().backward()
    assert seen == [None] and q.grad.tolist() == [2.0, 2.0]
    a, b = Two.apply(q)
    b.register_hook(lambda g: m.ones(2))
    with raises_exact(RuntimeError, "can't replace a None gradient with a non-None value"):
        a.sum().backward()


def test_multi_grad_hook_all(m):
    calls = []
    a = m.rand(2, 3, requires_grad=True)
    b = m.rand(2, 3, requires_grad=True)
    c = a * b
    d = a * b
    handle = m.autograd.graph.register_multi_grad_hook(
        (a, b, c, d), lambda grads: calls.append([g is not None for g in grads]))
    c.sum().backward(retain_graph=True)
    c.sum().backward(inputs=(a,), retain_graph=True)
    assert calls == [[True, True, True, False], [True, False, True, False]]
    handle.remove()
    c.sum().backward(retain_graph=True)
    assert len(calls) == 2


def test_multi_grad_hook_any(m):
    calls = []
    a = m.rand(2, 3, requires_grad=True)
    b = m.rand(2, 3, requires_grad=True)
    c, d = a * b, a * b
    m.autograd.graph.register_multi_grad_hook((a, b, c, d), lambda g: calls.append(g.shape),
                                              mode="any")
    (c.sum() + d.sum()).backward(retain_graph=True)
    (c.sum() + d.sum()).backward()
    assert calls == [(2, 3), (2, 3)]
    with raises_exact(ValueError, "Expects mode to be one of ('all', 'any') but got x"):
        m.autograd.graph.register_multi_grad_hook((a,), print, mode="x")


def test_in_place_op_moves_retain_grad_and_later_hooks_to_the_new_node(m):
    log = []
    x = m.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    h.retain_grad()
    h.register_hook(lambda g: log.append(("old", g.tolist())))
    h.mul_(3)
    h.register_hook(lambda g: log.append(("new", g.tolist())))
    (h * 5).sum().backward()
    assert log == [("new", [5.0, 5.0]), ("old", [15.0, 15.0])]
    assert h.grad.tolist() == [5.0, 5.0] and x.grad.tolist() == [15.0, 15.0]


def test_retained_grad_keeps_its_graph_under_create_graph(m):
    import warnings
    x = m.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    h.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (h * h).sum().backward(create_graph=True)
    assert h.grad.tolist() == [2.0, 8.0] and type(h.grad.grad_fn).__name__ == "CloneBackward0"
    (h * h).sum().backward()
    assert h.grad.tolist() == [4.0, 16.0] and h.grad.grad_fn is None
    # the leaf's grad is added to in place: it keeps the graph of the first backward
    assert x.grad.tolist() == [8.0, 64.0] and type(x.grad.grad_fn).__name__ == "CopyBackwards"


def test_calling_a_node_computes_its_input_gradients(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    w = m.tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    gx, gw = y.grad_fn(m.ones(2))
    assert gx.tolist() == [3.0, 4.0] and gw.tolist() == [1.0, 2.0]
    assert type(gx.grad_fn).__name__ == "MulBackward0"  # recorded: grad mode is on
    g = x.exp().grad_fn(m.ones(2))
    assert g.tolist() == pytest.approx([2.7182817, 7.389056])
    gx, gc = (x * 2).grad_fn(m.ones(2))
    assert gx.tolist() == [2.0, 2.0] and gc is None
    assert y.grad_fn.next_functions[0][0](m.ones(2)) == () and x.grad.tolist() == [1.0, 1.0]


def test_node_name_and_metadata(m):
    x = m.tensor([1.0], requires_grad=True)
    y = x * 2
    assert y.grad_fn.name() == "MulBackward0"
    y.grad_fn.metadata["tag"] = 1
    assert y.grad_fn.metadata == {"tag": 1}
    assert isinstance(y.grad_fn, m.autograd.graph.Node)


# ---------------------------------------------------------------------------------------
# saved_tensors_hooks
# ---------------------------------------------------------------------------------------
def test_saved_tensors_hooks_pack_and_unpack_what_ops_save(m):
    log = []

    def pack(t):
        log.append(("pack", t.tolist(), t.grad_fn is not None))
        return t.detach()

    def unpack(t):
        log.append(("unpack", t.tolist()))
        return t

    a = m.tensor([1.0, 2.0], requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = (a * a).exp()
        a + 1  # saves nothing
        a.sum()
    y.sum().backward()
    e = [round(v, 4) for v in y.tolist()]
    assert [(k, [round(v, 4) for v in t], *r) for k, t, *r in log] == [
        ("pack", [1.0, 2.0], False), ("pack", [1.0, 2.0], False), ("pack", e, True),
        ("unpack", e), ("unpack", [1.0, 2.0]), ("unpack", [1.0, 2.0])]
    assert [round(v, 4) for v in a.grad.tolist()] == [round(2 * 2.7182817, 4),
                                                      round(4 * 54.59815, 4)]


def test_saved_tensors_hooks_errors(m):
    a = m.tensor([1.0, 2.0], requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: 3, lambda o: o):
        y = a.exp()
    with raises_exact(TypeError, "Output of saved tensor unpack_hook expected to be a Tensor "
                                 "but got result of type int"):
        y.sum().backward()
    with m.autograd.graph.saved_tensors_hooks(lambda t: t.detach(), lambda o: o):
        y = a.exp()
    y.sum().backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second"):
        y.sum().backward()
    with m.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
        with raises_exact(RuntimeError, "no hooks here"):
            m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t).__enter__()


def test_saved_tensors_hooks_innermost_pair_wins(m):
    log = []
    x = m.tensor(2.0, requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: log.append("outer") or t.detach(),
                                              lambda t: t):
        with m.autograd.graph.saved_tensors_hooks(lambda t: log.append("inner") or t.detach(),
                                                  lambda t: t):
            y = x.sin()
        z = y.sin()
    (z + y).backward()
    assert log == ["inner", "outer"]


def test_higher_order_through_packed_tensors(m):
    x = m.tensor(1.5, requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: t * 1, lambda t: t):
        y = x * x * x
    (g,) = m.autograd.grad(y, x, create_graph=True)
    (g2,) = m.autograd.grad(g, x)
    assert g.item() == pytest.approx(6.75) and g2.item() == pytest.approx(9.0)


def test_packed_tensors_skip_the_version_check(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: t.clone(), lambda t: t):
        h = x * 1
        y = h * h
    h.detach().add_(10)  # the packed copy is what backward reads
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_save_on_cpu(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    with m.autograd.graph.save_on_cpu():
        y = (x * x).sin()
    y.sum().backward()
    expected = (x.detach() * x.detach()).cos() * 2 * x.detach()
    assert x.grad.tolist() == pytest.approx(expected.tolist())


def test_packed_saved_tensors_are_released_after_backward(m):
    x = m.randn(3, requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: t.detach(), lambda t: t):
        a = x * 2
        y = a.sin()
    ref = weakref.ref(a)
    del a
    y.sum().backward()
    gc.collect()
    assert ref() is None


def test_saved_tensors_hooks_are_per_thread(m):
    import threading
    log = []
    entered, done = threading.Event(), threading.Event()

    def other_thread():
        with m.autograd.graph.saved_tensors_hooks(lambda t: log.append("pack") or t.detach(),
                                                  lambda t: t):
            entered.set()
            done.wait(10)

    worker = threading.Thread(target=other_thread)
    worker.start()
    entered.wait(10)
    try:
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x.exp().sum().backward()  # this thread has no hooks: nothing is packed
    finally:
        done.set()
        worker.join()
    assert log == [] and x.grad.tolist() == pytest.approx([2.7182817, 7.389056])


def test_no_packing_cost_or_state_when_no_hooks_are_active():
    from retrograd.autograd import graph
    x = retrograd.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    assert not graph._SAVED_HOOKS and y.grad_fn._versions is not graph.PACKED


# ---------------------------------------------------------------------------------------
# hooks leak nothing
# ---------------------------------------------------------------------------------------
def test_hooks_do_not_keep_graphs_alive():
    gc.collect()
    gc.disable()
    try:
        w = retrograd.randn(3, requires_grad=True)
        w.register_hook(lambda g: g * 1)
        w.register_post_accumulate_grad_hook(lambda p: None)
        refs = []
        for _ in range(50):
            h = (w * 2).exp()
            h.register_hook(lambda g: g)
            h.grad_fn.register_prehook(lambda go: None)
            h.grad_fn.register_hook(lambda gi, go: None)
            h.retain_grad()
            loss = h.sum()
            loss.backward()
            refs += [weakref.ref(h), weakref.ref(loss.grad_fn)]
            w.grad = None
        del h, loss
        assert sum(r() is not None for r in refs) == 0
    finally:
        gc.enable()


def _hooked_graph_log(m):
    """A graph with branches, a custom Function, a leaf used twice and retained grads; every
    tensor and node hook appends its label: the log is the firing order."""
    log = []

    class Twice(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            log.append("Twice.backward")
            return g1 * 2 + g2 * 3

    def watch(t, name):
        t.register_hook(lambda g: log.append(f"tensor {name}"))
        if t.grad_fn is not None:
            node = t.grad_fn
            node.register_prehook(lambda go: log.append(f"pre {name}"))
            node.register_hook(lambda gi, go: log.append(f"post {name}"))
        return t

    a = watch(m.tensor([1.0, 2.0], requires_grad=True), "a")
    b = watch(m.tensor([3.0, 4.0], requires_grad=True), "b")
    a.register_post_accumulate_grad_hook(lambda t: log.append("acc a"))
    c = watch(a * b, "c")
    d = watch(c.exp(), "d")
    e, f = Twice.apply(c)
    watch(e, "e")
    f.register_hook(lambda g: log.append("tensor f"))
    g = watch(a.sin() + f, "g")
    g.retain_grad()
    loss = watch((d + e).sum() + g.sum(), "loss")
    loss.backward()
    return log, [round(v, 4) for v in a.grad.tolist() + b.grad.tolist() + g.grad.tolist()]


@pytest.mark.skipif(REAL_TORCH is None, reason="PyTorch is not installed")
def test_firing_order_through_a_branching_graph_is_pytorchs():
    assert _hooked_graph_log(retrograd) == _hooked_graph_log(REAL_TORCH)


def _random_graph_log(m, seed):
    """A seeded random graph of mul/add/sin/exp over several leaves with tensor hooks on the
    leaves and on some intermediates; several roots; sometimes backward(inputs=...)."""
    import random
    rng = random.Random(seed)
    log = []
    n_leaves = rng.randint(2, 7)
    leaves = [m.tensor([1.0 + i, 0.5], requires_grad=True) for i in range(n_leaves)]
    for i, leaf_ in enumerate(leaves):
        leaf_.register_hook(lambda g, i=i: log.append(f"leaf{i}"))
    pool = list(leaves)
    for k in range(rng.randint(1, 12)):
        op = rng.choice(["mul", "add", "sin", "exp"])
        a, b = rng.choice(pool), rng.choice(pool)
        t = {"mul": lambda: a * b, "add": lambda: a + b, "sin": lambda: a.sin(),
             "exp": lambda: (a * 0.1).exp()}[op]()
        if rng.random() < 0.5:
            t.register_hook(lambda g, k=k: log.append(f"t{k}"))
        pool.append(t)
    roots = rng.sample(pool[n_leaves:], k=min(len(pool) - n_leaves, rng.randint(1, 3)))
    m.autograd.backward([r.sum() for r in roots], retain_graph=True)
    if rng.random() < 0.5:
        m.autograd.backward([roots[0].sum()], inputs=leaves[: rng.randint(1, n_leaves)])
    return log


@pytest.mark.skipif(REAL_TORCH is None, reason="PyTorch is not installed")
def test_firing_order_on_random_graphs_is_pytorchs():
    for seed in range(150):
        assert _random_graph_log(retrograd, seed) == _random_graph_log(REAL_TORCH, seed), seed
