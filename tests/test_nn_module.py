"""torch.nn machinery against PyTorch: Parameter, Module registration and traversal, modes,
state dicts and their errors, hooks, repr, containers, nn.init, nn.utils."""
import math
import re
from collections import OrderedDict

import numpy as np
import pytest

import retrograd
from conftest import REAL_TORCH
from nn_helpers import pair, inputs, check_same, to_np

needs_torch = pytest.mark.skipif(REAL_TORCH is None, reason="PyTorch not installed")


def _net(lib):
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 4)
            self.seq = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 2, bias=False))
            self.shared = self.fc  # the same module twice: listed once
            self.scale = nn.Parameter(lib.ones(2))
            self.register_buffer("steps", lib.zeros((), dtype=lib.int64))
            self.register_buffer("cache", lib.zeros(2), persistent=False)

        def forward(self, x):
            return self.seq(lib.tanh(self.fc(x))) * self.scale
    return Net()


# ----- Parameter
def test_parameter_is_a_leaf_tensor_that_prints_as_pytorch(m):
    p = m.nn.Parameter(m.tensor([1.0, 2.0]))
    assert isinstance(p, m.Tensor) and p.is_leaf and p.requires_grad
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    q = m.nn.Parameter(m.ones(2), requires_grad=False)
    assert not q.requires_grad
    assert type(p * 2) is m.Tensor
    assert repr(m.nn.Parameter()) == "Parameter containing:\ntensor([], requires_grad=True)"


def test_parameter_shares_memory_with_its_data(m):
    t = m.zeros(3)
    p = m.nn.Parameter(t)
    with m.no_grad():
        p.add_(1)
    assert t.tolist() == [1.0, 1.0, 1.0]


# ----- registration and traversal
def test_named_members_and_state_dict_keys(m):
    m.manual_seed(0)
    net = _net(m)
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "fc.weight", "fc.bias", "seq.0.weight", "seq.0.bias", "seq.2.weight"]
    assert [n for n, _ in net.named_parameters(prefix="net", recurse=False)] == ["net.scale"]
    assert len(list(net.named_parameters(remove_duplicate=False))) == 8
    assert [n for n, _ in net.named_buffers()] == ["steps", "cache"]
    assert list(net.state_dict().keys()) == [
        "scale", "steps", "fc.weight", "fc.bias", "seq.0.weight", "seq.0.bias", "seq.2.weight",
        "shared.weight", "shared.bias"]
    assert isinstance(net.state_dict(), OrderedDict)
    assert [n for n, _ in net.named_children()] == ["fc", "seq"]
    assert [n for n, _ in net.named_modules()] == ["", "fc", "seq", "seq.0", "seq.1", "seq.2"]
    assert len(list(net.modules())) == 6
    assert net.state_dict()["fc.weight"].requires_grad is False
    assert net.state_dict(keep_vars=True)["fc.weight"] is net.fc.weight


def test_setattr_moves_between_stores_and_delattr(m):
    mod = m.nn.Module()
    mod.w = m.nn.Parameter(m.ones(1))
    mod.register_buffer("b", m.ones(1))
    mod.b = m.zeros(1)  # a tensor assigned to a buffer's name stays a buffer
    assert "b" in mod._buffers and "w" in mod._parameters
    mod.w = None
    assert mod._parameters["w"] is None and mod.w is None
    del mod.b
    assert "b" not in mod._buffers
    with pytest.raises(AttributeError, match="^'Module' object has no attribute 'b'"):
        mod.b
    mod.register_parameter("w", None)
    with pytest.raises(TypeError, match=re.escape(
            "cannot assign 'torch.FloatTensor' as parameter 'w' (torch.nn.Parameter or None "
            "expected)") if False else "^cannot assign '"):
        mod.w = m.ones(1)


@needs_torch
def test_registration_errors_as_pytorch():
    for lib in (retrograd, REAL_TORCH):
        mod = lib.nn.Module()
        with pytest.raises(KeyError) as e1:
            mod.register_buffer("a.b", None)
        with pytest.raises(TypeError) as e2:
            mod.add_module("x", 3)
        with pytest.raises(KeyError) as e3:
            mod.register_parameter("", None)
        with pytest.raises(AttributeError) as e4:
            mod.missing
        if lib is retrograd:
            ours = [str(e.value) for e in (e1, e2, e3, e4)]
        else:
            assert ours == [str(e.value) for e in (e1, e2, e3, e4)]


def test_modes_zero_grad_requires_grad_apply(m):
    net = _net(m)
    assert net.training and net.seq[1].training
    assert net.eval() is net and not net.seq[1].training
    net.train()
    assert net.seq[1].training
    net(m.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "Linear", "Tanh", "Linear", "Sequential", "Net"]


def test_to_double_keeps_parameter_objects_and_integer_buffers(m):
    net = _net(m)
    w = net.fc.weight
    assert net.double() is net
    assert net.fc.weight is w and isinstance(w, m.nn.Parameter)
    assert w.dtype == m.float64 and net.steps.dtype == m.int64 and net.cache.dtype == m.float64
    assert net.to(m.float32).fc.weight.dtype == m.float32
    assert net.float().scale.dtype == m.float32
    out = net(m.randn(2, 3))
    assert out.dtype == m.float32


# ----- load_state_dict
@needs_torch
def test_load_state_dict_errors_and_result_as_pytorch():
    texts = {}
    for lib in (retrograd, REAL_TORCH):
        nn = lib.nn
        lin = nn.Linear(3, 2)
        got = [repr(lin.load_state_dict({"weight": lib.zeros(2, 3), "bias": lib.zeros(2)}))]
        got.append(str(lin.load_state_dict({"weight": lib.ones(2, 3), "x": lib.ones(1)},
                                           strict=False)))
        assert lin.weight.tolist() == [[1.0] * 3] * 2  # strict=False copied what matched
        for bad in ({"weight": lib.zeros(2, 3), "foo": lib.zeros(1), "bar.baz": lib.zeros(1)},
                    {"weight": lib.zeros(3, 3), "bias": lib.zeros(2)}):
            with pytest.raises(RuntimeError) as e:
                lin.load_state_dict(bad)
            got.append(str(e.value))
        seq = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
        with pytest.raises(RuntimeError) as e:
            seq.load_state_dict({"0.weight": lib.zeros(2, 2)})
        got.append(str(e.value))
        texts[lib] = got
    assert texts[retrograd] == texts[REAL_TORCH]


def test_load_state_dict_copies_in_place(m):
    a, b = m.nn.Linear(2, 2), m.nn.Linear(2, 2)
    w = b.weight
    b.load_state_dict(a.state_dict())
    assert b.weight is w and b.weight.tolist() == a.weight.tolist()
    assert b.weight.requires_grad


# ----- hooks
def test_forward_hooks_and_handles(m):
    lin = m.nn.Linear(2, 2)
    h1 = lin.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    out = lin(m.ones(1, 2))
    assert out.tolist() == lin.bias.detach().unsqueeze(0).tolist()
    h1.remove()
    h2 = lin.register_forward_hook(lambda mod, args, out: out + 1)
    seen = []
    lin.register_forward_hook(lambda mod, args, out: seen.append(out.tolist()), prepend=True)
    y = lin(m.zeros(1, 2))
    assert y.tolist() == (lin.bias + 1).unsqueeze(0).tolist()
    assert seen == [lin.bias.unsqueeze(0).tolist()]
    h2.remove()
    calls = []
    with lin.register_forward_pre_hook(lambda mod, args, kw: calls.append(1),
                                       with_kwargs=True):
        lin(m.zeros(1, 2))
    lin(m.zeros(1, 2))  # the with block took the hook off again
    assert calls == [1]


@needs_torch
def test_full_backward_hook_matches_pytorch():
    ours, ref = pair(REAL_TORCH, lambda lib: lib.nn.Linear(3, 2))
    rec = {retrograd: [], REAL_TORCH: []}
    for mod, lib in ((ours, retrograd), (ref, REAL_TORCH)):
        def hook(module, gi, go, lib=lib):
            rec[lib].append(([None if g is None else to_np(g) for g in gi],
                             [to_np(g) for g in go]))
            return (gi[0] * 2,)
        mod.register_full_backward_hook(hook)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    (xo,), (xr,) = inputs(REAL_TORCH, x)
    (ours(xo) ** 2).sum().backward()
    (ref(xr) ** 2).sum().backward()
    (gi_o, go_o), = rec[retrograd]
    (gi_r, go_r), = rec[REAL_TORCH]
    np.testing.assert_allclose(gi_o[0], gi_r[0], rtol=1e-5)
    np.testing.assert_allclose(go_o[0], go_r[0], rtol=1e-5)
    np.testing.assert_allclose(to_np(xo.grad), to_np(xr.grad), rtol=1e-5)
    np.testing.assert_allclose(to_np(ours.weight.grad), to_np(ref.weight.grad), rtol=1e-5)


def test_full_backward_hook_without_input_grad(m):
    lin = m.nn.Linear(3, 2)
    got = []
    lin.register_full_backward_hook(lambda mod, gi, go: got.append((gi, go[0].shape)))
    with pytest.warns(UserWarning, match="^Full backward hook is firing"):
        lin(m.ones(4, 3)).sum().backward()
    assert got == [((None,), m.Size([4, 2]))]


# ----- repr
@needs_torch
def test_repr_as_pytorch():
    def build(lib):
        nn = lib.nn
        return [
            nn.Sequential(nn.Linear(2, 3), nn.ReLU()),
            nn.Sequential(OrderedDict(a=nn.Linear(2, 3, bias=False),
                                      b=nn.Sequential(nn.Tanh(), nn.Identity()))),
            nn.ModuleList([nn.Linear(1, 1)] * 3 + [nn.Sigmoid(), nn.Sigmoid()]),
            nn.ModuleList(),
            nn.ModuleDict({"x": nn.Linear(1, 2), "y": nn.Flatten()}),
            nn.ParameterList([lib.ones(2, 3), lib.zeros(1, dtype=lib.float64)]),
            nn.ParameterDict({"w": lib.ones(4), "v": lib.zeros(2, 2)}),
            _net(lib),
        ]
    for a, b in zip(build(retrograd), build(REAL_TORCH)):
        assert repr(a) == repr(b)


# ----- containers
def test_sequential_indexing_and_editing(m):
    nn = m.nn
    s = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    assert len(s) == 3 and isinstance(s[-1], nn.Linear)
    assert isinstance(s[1:], nn.Sequential) and len(s[1:]) == 2
    assert list(s[1:]._modules) == ["1", "2"]
    s.append(nn.Sigmoid())
    del s[0]
    assert list(s._modules) == ["0", "1", "2"] and isinstance(s[0], nn.Tanh)
    s.insert(0, nn.Linear(2, 3))
    assert [type(x).__name__ for x in s] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    assert s(m.ones(5, 2)).shape == m.Size([5, 1])
    with pytest.raises(IndexError, match="^index 9 is out of range"):
        s[9]
    ml = nn.ModuleList([nn.ReLU()])
    ml += [nn.Tanh()]
    ml.append(nn.Identity())
    assert len(ml) == 3 and isinstance(ml[-2], nn.Tanh)
    md = nn.ModuleDict({"a": nn.ReLU()})
    md["b"] = nn.Tanh()
    assert list(md.keys()) == ["a", "b"] and "b" in md
    pd = nn.ParameterDict({"w": m.ones(2)})
    assert isinstance(pd["w"], nn.Parameter)
    pl = nn.ParameterList([m.ones(1)])
    pl.append(m.zeros(2))
    assert [tuple(p.shape) for p in pl] == [(1,), (2,)]
    holder = nn.Module()
    holder.pl, holder.pd = pl, pd
    assert [n for n, _ in holder.named_parameters()] == ["pl.0", "pl.1", "pd.w"]


# ----- Linear vs PyTorch
@needs_torch
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_pytorch(bias):
    ours, ref = pair(REAL_TORCH, lambda lib: lib.nn.Linear(4, 3, bias=bias))
    x = np.random.default_rng(1).standard_normal((2, 5, 4)).astype(np.float32)
    xo, xr = inputs(REAL_TORCH, x)
    check_same(ours, ref, xo, xr)
    assert list(ours.state_dict()) == list(ref.state_dict())


def test_linear_default_init_bounds(m):
    m.manual_seed(0)
    lin = m.nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) gives the same bound
    w, b = to_np(lin.weight), to_np(lin.bias)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.98 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert np.abs(b).max() <= bound


# ----- nn.init
@pytest.mark.parametrize("name,kwargs,std", [
    ("uniform_", dict(a=-2.0, b=2.0), 4 / math.sqrt(12)),
    ("normal_", dict(mean=0.0, std=0.5), 0.5),
    ("xavier_uniform_", dict(gain=2.0), 2.0 * math.sqrt(2 / (200 + 100))),
    ("xavier_normal_", {}, math.sqrt(2 / (200 + 100))),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu"), math.sqrt(2 / 200)),
    ("kaiming_normal_", dict(a=0.1), math.sqrt(2 / (1 + 0.01)) / math.sqrt(100)),
    ("trunc_normal_", dict(std=1.0), 0.8796),
])
def test_init_moments(m, name, kwargs, std):
    m.manual_seed(0)
    t = m.empty(200, 100, requires_grad=True)
    out = getattr(m.nn.init, name)(t, **kwargs)
    assert out is t and t.is_leaf and t.requires_grad
    a = to_np(t)
    assert abs(a.std() - std) < 0.03 * std and abs(a.mean()) < 0.03 * std + 0.01
    if name == "trunc_normal_":
        assert a.min() >= -2 and a.max() <= 2


def test_init_deterministic_ones(m):
    init = m.nn.init
    t = m.empty(3, 5)
    assert init.eye_(t).tolist() == np.eye(3, 5).tolist()
    assert init.constant_(t, 0.5).tolist() == [[0.5] * 5] * 3
    assert init.zeros_(t).sum().item() == 0 and init.ones_(t).sum().item() == 15
    q = init.orthogonal_(m.empty(4, 6), gain=2.0)
    np.testing.assert_allclose(to_np(q @ q.T), 4 * np.eye(4), atol=1e-5)
    q = init.orthogonal_(m.empty(6, 2, 2))
    q = to_np(q).reshape(6, 4)
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)


@needs_torch
def test_calculate_gain_and_fans_as_pytorch():
    cases = [("linear",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
             ("leaky_relu", 0.2), ("selu",), ("conv2d",)]
    for c in cases:
        assert retrograd.nn.init.calculate_gain(*c) == REAL_TORCH.nn.init.calculate_gain(*c)
    for shape in [(3, 4), (5, 2, 3, 3)]:
        assert (retrograd.nn.init._calculate_fan_in_and_fan_out(retrograd.empty(shape))
                == REAL_TORCH.nn.init._calculate_fan_in_and_fan_out(REAL_TORCH.empty(shape)))
    for lib in (retrograd, REAL_TORCH):
        with pytest.raises(ValueError, match="^Fan in and fan out can not be computed"):
            lib.nn.init.xavier_uniform_(lib.empty(3))
        with pytest.raises(ValueError, match="^Unsupported nonlinearity foo"):
            lib.nn.init.calculate_gain("foo")


# ----- nn.utils
@needs_torch
@pytest.mark.parametrize("norm_type", [2.0, 1, float("inf"), 3.5])
def test_clip_grad_norm_matches_pytorch(norm_type):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) * 3 for s in [(3, 4), (5,), ()]]
    results = []
    for lib in (retrograd, REAL_TORCH):
        ps = [lib.nn.Parameter(lib.zeros(g.shape)) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = lib.tensor(g)
        ps.append(lib.nn.Parameter(lib.zeros(2)))  # no grad: ignored
        total = lib.nn.utils.clip_grad_norm_(ps, 1.5, norm_type=norm_type)
        results.append((to_np(total), [to_np(p.grad) for p in ps[:-1]]))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@needs_torch
def test_clip_grad_errors_and_value():
    msgs = []
    for lib in (retrograd, REAL_TORCH):
        p = lib.nn.Parameter(lib.zeros(3))
        p.grad = lib.tensor([1.0, float("inf"), -3.0])
        with pytest.raises(RuntimeError) as e:
            lib.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
        msgs.append(str(e.value))
        p.grad = lib.tensor([1.0, 5.0, -3.0])
        assert lib.nn.utils.clip_grad_value_([p], 2) is None
        assert p.grad.tolist() == [1.0, 2.0, -2.0]
        assert lib.nn.utils.clip_grad_norm_([], 1.0).tolist() == 0.0
    assert msgs[0] == msgs[1]


def test_parameters_vector_round_trip(m):
    lin = m.nn.Linear(3, 2)
    v = m.nn.utils.parameters_to_vector(lin.parameters())
    assert v.shape == m.Size([8])
    assert v.tolist() == lin.weight.flatten().tolist() + lin.bias.tolist()
    w = lin.weight
    m.nn.utils.vector_to_parameters(m.arange(8.0), lin.parameters())
    assert lin.weight is w and lin.weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert lin.bias.tolist() == [6.0, 7.0]
    with pytest.raises(TypeError, match="^expected torch.Tensor, but got: list"):
        m.nn.utils.vector_to_parameters([1.0], lin.parameters())


def _two_input(lib):
    class Mix(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = lib.nn.Parameter(lib.tensor([0.5, -2.0, 3.0]))

        def forward(self, a, scale, b):
            return (a * self.w + b.exp()) * scale, a.sum()
    return Mix()


@needs_torch
def test_backward_hooks_multi_input_and_pre_hook_as_pytorch():
    rec = {}
    for lib in (retrograd, REAL_TORCH):
        mod = _two_input(lib)
        log = rec[lib] = []

        def pre(module, go):
            log.append(("pre", [None if g is None else to_np(g) for g in go]))
            return (go[0] * 3, go[1])

        def post(module, gi, go):
            log.append(("post", [None if g is None else to_np(g) for g in gi],
                        [None if g is None else to_np(g) for g in go]))
        h = mod.register_full_backward_pre_hook(pre)
        mod.register_full_backward_hook(post)
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = lib.tensor([0.1, 0.2, 0.3])  # does not require grad: its grad_input is None
        out, total = mod(a, 2.0, b)
        (out.sum() + total * 2).backward()
        log.append(("a.grad", to_np(a.grad)))
        h.remove()
        mod(a, 2.0, b)[0].sum().backward()
        log.append(("a.grad", to_np(a.grad)))
    ours, ref = rec[retrograd], rec[REAL_TORCH]
    assert [e[0] for e in ours] == [e[0] for e in ref]
    for eo, er in zip(ours, ref):
        for xo, xr in zip(eo[1:], er[1:]):
            if isinstance(xo, list):
                assert [x is None for x in xo] == [x is None for x in xr]
                for u, v in zip(xo, xr):
                    if u is not None:
                        np.testing.assert_allclose(u, v, rtol=1e-6)
            else:
                np.testing.assert_allclose(xo, xr, rtol=1e-6)


def test_submodule_lookup_and_missing_forward(m):
    net = _net(m)
    assert net.get_submodule("seq.2") is net.seq[2]
    assert net.get_parameter("seq.0.bias") is net.seq[0].bias
    with pytest.raises(AttributeError, match="^Sequential has no attribute `7`"):
        net.get_submodule("seq.7")
    with pytest.raises(NotImplementedError,
                       match='^Module \\[Module\\] is missing the required "forward" function'):
        m.nn.Module()(1)
    assert len(list(net.named_modules(remove_duplicate=False))) == 7


def test_always_call_forward_hook_runs_when_forward_raises(m):
    class Boom(m.nn.Module):
        def forward(self, x):
            raise ValueError("boom")
    mod, seen = Boom(), []
    mod.register_forward_hook(lambda mod, args, out: seen.append(("always", out)),
                              always_call=True)
    mod.register_forward_hook(lambda mod, args, out: seen.append("plain"))
    with pytest.raises(ValueError, match="^boom"):
        mod(1)
    assert seen == [("always", None)]


def test_buffer_assignment(m):
    mod = m.nn.Module()
    mod.b = m.nn.Buffer(m.ones(2), persistent=False)
    mod.c = m.nn.Buffer(m.zeros(1))
    assert type(mod.b) is m.Tensor and type(mod.c) is m.Tensor
    assert list(mod.state_dict()) == ["c"] and [n for n, _ in mod.named_buffers()] == ["b", "c"]


@needs_torch
def test_functional_call_per_sample_grads_match_pytorch():
    ours, ref = pair(REAL_TORCH, lambda lib: lib.nn.Sequential(
        lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 1)))
    x = np.random.default_rng(3).standard_normal((5, 3)).astype(np.float32)
    results = []
    for lib, mod in ((retrograd, ours), (REAL_TORCH, ref)):
        params = {k: v.detach() for k, v in mod.named_parameters()}

        def loss(p, xi, lib=lib, mod=mod):
            return lib.func.functional_call(mod, p, (xi.unsqueeze(0),)).sum()
        g = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0))(params, lib.tensor(x))
        results.append({k: to_np(v) for k, v in g.items()})
        assert all(p.grad is None for p in mod.parameters())
    assert list(results[0]) == list(results[1])
    for k in results[0]:
        np.testing.assert_allclose(results[0][k], results[1][k], rtol=1e-5, atol=1e-6)


@needs_torch
def test_module_parameters_train_with_optim_as_pytorch():
    ours, ref = pair(REAL_TORCH, lambda lib: lib.nn.Sequential(
        lib.nn.Linear(3, 5), lib.nn.Tanh(), lib.nn.Linear(5, 2)))
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((6, 3)).astype(np.float32), rng.standard_normal((6, 2))
    losses = []
    for lib, mod in ((retrograd, ours), (REAL_TORCH, ref)):
        opt = lib.optim.Adam(mod.parameters(), lr=0.05, weight_decay=0.01)
        got = []
        for _ in range(4):
            opt.zero_grad()
            loss = ((mod(lib.tensor(x)) - lib.tensor(y, dtype=lib.float32)) ** 2).mean()
            loss.backward()
            opt.step()
            got.append(loss.item())
        losses.append(got)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    for (n, a), (_, b) in zip(ours.state_dict().items(), ref.state_dict().items()):
        np.testing.assert_allclose(to_np(a), to_np(b), rtol=1e-5, atol=1e-6, err_msg=n)


# ----- containers and hooks, operation by operation against PyTorch
def _containers(lib):
    nn = lib.nn
    return dict(
        s=nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid()),
        n=nn.Sequential(OrderedDict(a=nn.ReLU(), b=nn.Tanh(), c=nn.Sigmoid())),
        ml=nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()]),
        pl=nn.ParameterList([lib.ones(1), lib.ones(2), lib.ones(3)]),
        md=nn.ModuleDict({"b": nn.ReLU(), "a": nn.Tanh()}),
        pd=nn.ParameterDict({"b": lib.ones(1), "a": lib.ones(2)}))


def _summary(x):
    if isinstance(x, (list, tuple)):
        return [_summary(v) for v in x]
    if hasattr(x, "_modules"):  # a Module: its class and what it holds, in order
        return (type(x).__name__, [(k, type(v).__name__) for k, v in x._modules.items()],
                [(k, tuple(v.shape)) for k, v in x._parameters.items()])
    if hasattr(x, "shape"):
        return (type(x).__name__, tuple(x.shape))
    return x if isinstance(x, (int, str, bool, type(None))) else type(x).__name__


def _outcome(lib, statement):
    """Run statement on fresh containers: its error (type, text) or the containers after it
    and the value bound to `r`."""
    space = dict(_containers(lib), nn=lib.nn, lib=lib, OrderedDict=OrderedDict)
    try:
        exec(statement, space)
    except Exception as e:
        text = re.sub(r"\b(torch|retrograd)\.nn\.modules\.\w+\.", "", str(e))
        return type(e).__name__, text
    return {k: _summary(v) for k, v in space.items()
            if k not in ("nn", "lib", "OrderedDict", "__builtins__")}


_SEQUENCE_OPS = ["r = {c}[{i}]", "del {c}[{i}]", "{c}[{i}] = {new}", "r = {c}.pop({i})"]
_CONTAINER_CASES = (
    [op.format(c=c, i=i, new="lib.zeros(4)" if c == "pl" else "nn.Identity()")
     for c in ("s", "n", "ml", "pl") for op in _SEQUENCE_OPS
     for i in (0, 2, -1, -3, 3, -4, True, 1.0, "'1'", "1:", "::-1", "0:3:2", "5:9")] +
    [f"r = s.insert({i}, nn.Identity())" for i in (0, 2, 3, -1, -3, -4, 4)] +
    [f"r = ml.insert({i}, nn.Identity())" for i in (0, 2, 3)]
    + ["r = n.insert(3, nn.Identity())", "r = s.insert(0, 3)"] +
    [f"r = {c}.{op}" for c in ("s", "n", "ml") for op in (
        "append(nn.Identity())", "append(3)", "extend([nn.Identity(), nn.ReLU()])", "extend(3)",
        "__add__(s)", "__add__(ml)", "__iadd__(ml)", "__iadd__(s)", "__mul__(2)", "__mul__(0)",
        "__mul__(-1)", "__mul__(1.5)", "__rmul__(2)")
     if (c, op) != ("s", "__iadd__(s)")] +  # PyTorch: "dictionary changed size"; ours works
    ["r = s.__imul__(2)", "r = s(lib.ones(2))", "r = ml(lib.ones(2))", "r = pl(1)",
     "r = pl.append(lib.ones(5))", "r = pl.append(3)", "r = pl.extend(lib.ones(2))",
     "r = pl.extend(3)", "r = pl.__iadd__([lib.ones(1), 3])", "r = list(pl)"] +
    [op.format(c=c, k=k, new="nn.Identity()" if c == "md" else "lib.zeros(3)")
     for c in ("md", "pd") for k in ("'a'", "'z'", 0, None) for op in (
         "r = {c}[{k}]", "del {c}[{k}]", "{c}[{k}] = {new}", "r = {c}.pop({k})",
         "r = {k} in {c}", "r = {c}.get({k})", "r = {c}.setdefault({k}, {new})")] +
    [f"r = {c}.update({arg})" for c in ("md", "pd") for arg in (
        "dict(d=pl[0], c=pl[1])", "OrderedDict(d=pl[0], c=pl[1])", "[('d', pl[0]), ('c', pl[1])]",
        "dict(d=nn.ReLU(), c=nn.ReLU())", "[('d', nn.ReLU()), ('c', nn.ReLU())]",
        "[('d', pl[0], 1)]", "3", "[3]", "['ab']", "pd", "md")] +
    [f"r = type({c})({arg})" for c in ("md", "pd") for arg in (
        "dict(d=pl[0], c=pl[1])", "[('d', nn.ReLU())]", "[('d', 1, 2)]", "3", "None")] +
    [f"r = {c}.{op}" for c in ("md", "pd") for op in (
        "keys()", "values()", "items()", "clear()", "__len__()", "__iter__()",
        "__contains__('b')", "__call__(1)")] +
    ["r = pd.copy()", "r = pd.popitem()", "r = list(reversed(pd))", "r = pd | md",
     "r = pd.__or__(pd)", "r = pd.__ror__(dict(z=pl[0]))", "pd |= dict(z=pl[0])",
     "r = pd.fromkeys(['x', 'y'], pl[0])",
     "r = [repr(v) for v in (s, n, ml, pl, md, pd, nn.ModuleList(), s[:0])]",
     "r = [k for k in dir(s) + dir(ml) + dir(pl) if k[0].isdigit()]"])


@needs_torch
def test_container_operations_as_pytorch():
    for statement in _CONTAINER_CASES:
        ours, ref = _outcome(retrograd, statement), _outcome(REAL_TORCH, statement)
        assert ours == ref, statement


def _hook_log(lib):
    """Hooks of every kind registered (some prepended, some removed) on a Linear: the order
    in which they fire over a forward and a backward, and what they see."""
    lin, log = lib.nn.Linear(2, 2), []

    def hook(*tag, ret=None):
        def fn(module, *args):
            log.append(tag + tuple(type(a).__name__ for a in args))
            return ret
        return fn
    handles = {}
    for i, prepend in enumerate((False, True, False, True)):
        handles["pre", i] = lin.register_forward_pre_hook(hook("pre", i), prepend=prepend)
        handles["prek", i] = lin.register_forward_pre_hook(hook("prek", i), prepend=prepend,
                                                           with_kwargs=True)
        handles["fwd", i] = lin.register_forward_hook(hook("fwd", i), prepend=prepend,
                                                      always_call=i == 2)
        handles["fwdk", i] = lin.register_forward_hook(hook("fwdk", i), prepend=prepend,
                                                       with_kwargs=True)
        handles["bw", i] = lin.register_full_backward_hook(hook("bw", i), prepend=prepend)
        handles["bwpre", i] = lin.register_full_backward_pre_hook(hook("bwpre", i),
                                                                  prepend=prepend)
    for key in (("pre", 3), ("fwdk", 0), ("bw", 1), ("bwpre", 2), ("fwd", 2)):
        handles[key].remove()
    handles["pre", 3].remove()  # a second remove does nothing
    with lin.register_forward_hook(hook("ctx")):
        lin(lib.ones(1, 2, requires_grad=True)).sum().backward()
    log.append("---")
    lin(lib.ones(1, 2, requires_grad=True)).sum().backward()
    lin.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    lin.register_forward_pre_hook(lambda mod, args, kw: ((args[0] + 1,), kw), with_kwargs=True)
    lin.register_forward_hook(lambda mod, args, out: out * 10)
    lin.register_forward_hook(lambda mod, args, kw, out: out + 1, with_kwargs=True)
    x = lib.tensor([[1.0, -1.0]])
    log.append((lin(x) - (lin.weight @ (x.T * 2 + 1) + lin.bias[:, None]).T * 10).tolist())
    return log


@needs_torch
def test_module_hooks_fire_and_leave_as_pytorch():
    assert _hook_log(retrograd) == _hook_log(REAL_TORCH)


def test_module_list_insert_is_list_insert():
    # PyTorch's ModuleList.insert raises KeyError('-1') for a negative index and leaves a gap
    # in the names past the end; ours does what list.insert does
    nn = retrograd.nn
    for index in (-1, -3, -9, 0, 2, 3, 9):
        modules = [nn.ReLU(), nn.Tanh(), nn.Sigmoid()]
        ml = nn.ModuleList(modules)
        new = nn.Identity()
        modules.insert(index, new)
        ml.insert(index, new)
        assert list(ml._modules) == ["0", "1", "2", "3"]
        assert all(a is b for a, b in zip(ml, modules))


@needs_torch
def test_assignment_and_registration_errors_as_pytorch():
    statements = [f"mod.{name} = {value}" for name in ("w", "c", "b")
                  for value in ("lib.ones(1)", "3", "'x'", "None", "nn.Identity()")] + [
        "mod.register_buffer('q', 3)", "mod.register_buffer(3, None)",
        "mod.register_buffer('training', None)", "mod.register_buffer('', None)",
        "mod.register_parameter('q', lib.ones(1))", "mod.register_parameter('q', 3)",
        "mod.register_parameter('a.b', None)", "mod.register_parameter('c', None)",
        "mod.register_parameter('q', nn.Parameter(lib.ones(1)) * 2)",
        "mod.add_module(3, None)", "mod.add_module('a.b', None)", "mod.add_module('', None)",
        "mod.add_module('training', None)", "mod.add_module('x', lib.ones(1, dtype=lib.int64))",
        "mod.add_module('x', OrderedDict())", "del mod.zz", "mod.zz",
        "nn.Module(3)", "nn.Module(3, a=1)", "nn.Linear(1, 1, 1, None, None, 0)",
        "nn.Module.__new__(nn.Module).register_buffer('x', None)",
        "mod.get_parameter('w')", "mod.get_parameter('b')", "mod.get_parameter('c.zz')",
        "mod.get_buffer('w')", "mod.get_buffer('c.weight')", "mod.get_submodule('c.weight')",
        "mod.get_submodule('x.y')", "mod.get_submodule('training')",
        "assert mod.get_buffer('b') is None and mod.get_submodule('') is mod",
        "assert mod.get_parameter('c.bias') is mod.c.bias",
        "nn.Module.__new__(nn.Module).w = nn.Parameter(lib.ones(1))"]

    def run(lib, statement):
        mod = lib.nn.Module()
        mod.register_parameter("w", None)
        mod.c = lib.nn.Linear(1, 1)
        mod.register_buffer("b", None)
        try:
            exec(statement, dict(mod=mod, lib=lib, nn=lib.nn, OrderedDict=OrderedDict))
        except Exception as e:
            text = str(e).replace("collections.", "").replace("retrograd.", "torch.")
            return type(e).__name__, text
        return ([(k, type(v).__name__) for k, v in mod._parameters.items()],
                [(k, type(v).__name__) for k, v in mod._buffers.items()],
                [(k, type(v).__name__) for k, v in mod._modules.items()])
    for statement in statements:
        assert run(retrograd, statement) == run(REAL_TORCH, statement), statement
