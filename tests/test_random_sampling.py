"""The random samplers beyond rand/randn/randint/normal: randperm, rand_like, randn_like,
randint_like, bernoulli(_), multinomial, poisson, random_, exponential_, geometric_,
log_normal_, cauchy_. Compared with PyTorch on everything but the values (retrograd draws
from its own stream): shapes, dtypes, requires_grad and nodes, error types and texts,
warnings; then reproducibility, statistical sanity under fixed seeds, the in-place
machinery (versions, leaf refusals, zero gradients), and vmap's refusal."""
import math
import warnings

import numpy as np
import pytest

import retrograd as rt
from conftest import REAL_TORCH, raises_exact

needs_torch = pytest.mark.skipif(REAL_TORCH is None, reason="PyTorch (the oracle) not installed")
NAN, INF = math.nan, math.inf


def _env(m):
    """The same inputs, built by either library (each case gets fresh ones)."""
    return dict(
        torch=m, NAN=NAN, INF=INF,
        x=m.rand(3, 4), xd=m.rand(3, dtype=m.float64), xh=m.rand(2, 3).half(),
        xi=m.ones(3, dtype=m.int32), xl=m.ones(3, dtype=m.int64),
        xb=m.ones(3, dtype=m.bool), xu=m.ones(3, dtype=m.uint8),
        xs=m.ones(3, dtype=m.int16), xc=m.ones(3, dtype=m.int8),
        s0=m.tensor(0.5), e0=m.zeros(0), e03=m.zeros(0, 3), e30=m.zeros(3, 0),
        w=m.tensor([0.1, 0.0, 0.5, 0.4]), W=m.rand(2, 5) + 0.1,
        pg=m.rand(3, requires_grad=True), G=m.Generator())


def _outcome(m, expr):
    """What ``expr`` gives: (shape, dtype name, requires_grad, node name) or the error's
    type and first line, and the warnings' texts."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            r = eval(expr, _env(m))
            res = (tuple(r.shape), str(r.dtype), r.requires_grad,
                   None if r.grad_fn is None else r.grad_fn.name())
        except Exception as e:  # noqa: BLE001  (the error is the outcome)
            res = (type(e).__name__, (str(e).splitlines() or [""])[0])
    texts = [str(w.message).split(" (Triggered internally")[0] for w in caught
             if issubclass(w.category, UserWarning)]
    return res, texts


CASES = [
    # randperm
    "torch.randperm(5)", "torch.randperm(0)", "torch.randperm(1)", "torch.randperm(-1)",
    "torch.randperm(n=4)", "torch.randperm(5, dtype=torch.float32)",
    "torch.randperm(5, dtype=torch.float64)", "torch.randperm(5, dtype=torch.float16)",
    "torch.randperm(5, dtype=torch.int8)", "torch.randperm(128, dtype=torch.int8)",
    "torch.randperm(129, dtype=torch.int8)", "torch.randperm(256, dtype=torch.uint8)",
    "torch.randperm(257, dtype=torch.uint8)", "torch.randperm(40000, dtype=torch.int16)",
    "torch.randperm(5, dtype=torch.int32)", "torch.randperm(5, dtype=torch.bool)",
    "torch.randperm(2049, dtype=torch.float16)", "torch.randperm(2050, dtype=torch.float16)",
    "torch.randperm(2.5)", "torch.randperm(True)", "torch.randperm(torch.tensor(5))",
    "torch.randperm(5, requires_grad=True)", "torch.randperm(-1, dtype=torch.bool)",
    "torch.randperm(5, dtype=torch.float32, requires_grad=True)", "torch.randperm(2**70)",
    "torch.randperm(5, device='cuda')", "torch.randperm(5, generator=G)",
    "torch.randperm(5, 'x')", "torch.randperm()", "torch.randperm(5, 6)",
    # rand_like / randn_like
    "torch.rand_like(x)", "torch.rand_like(xd)", "torch.rand_like(xh)", "torch.rand_like(s0)",
    "torch.rand_like(e03)", "torch.rand_like(xi)", "torch.rand_like(xi, dtype=torch.float64)",
    "torch.rand_like(x, dtype=torch.int64)", "torch.rand_like(x, requires_grad=True)",
    "torch.rand_like(pg)", "torch.rand_like(3)", "torch.rand_like(x, generator=G)",
    "torch.rand_like(x, device='cuda')", "torch.rand_like(x, dtype=torch.float16)",
    "torch.randn_like(x)", "torch.randn_like(xi)", "torch.randn_like(xb)",
    "torch.randn_like(x, dtype=torch.float16)", "torch.randn_like(xl, requires_grad=True)",
    "torch.randn_like(xd, requires_grad=True)", "torch.randn_like(e0)",
    "torch.randn_like(x, generator=G)", "torch.randn_like([1.0])",
    # randint_like
    "torch.randint_like(x, 5)", "torch.randint_like(x, 2, 5)", "torch.randint_like(xi, 5)",
    "torch.randint_like(xi, -5, 2)", "torch.randint_like(x, 5, dtype=torch.int64)",
    "torch.randint_like(x, 5, 2)", "torch.randint_like(x, 5, 5)", "torch.randint_like(x, 0)",
    "torch.randint_like(x, -3)", "torch.randint_like(x, 5.5)", "torch.randint_like(x)",
    "torch.randint_like(x, low=1, high=5)", "torch.randint_like(x, high=5)",
    "torch.randint_like(x, 1, high=3)", "torch.randint_like(x, 3, 1.5)",
    "torch.randint_like(x, high=3, low=1.5)", "torch.randint_like(x, True)",
    "torch.randint_like(x, 5, requires_grad=True)",
    "torch.randint_like(xi, 5, requires_grad=True)", "torch.randint_like(xi, 300)",
    "torch.randint_like(xu, 300)", "torch.randint_like(xu, 256)", "torch.randint_like(xb, 2)",
    "torch.randint_like(xb, 3)", "torch.randint_like(xi, 2**40)", "torch.randint_like(xu, -1, 3)",
    "torch.randint_like(xc, -200, 3)", "torch.randint_like(xs, -40000, 3)",
    "torch.randint_like(xl, -2**63, 2**63 - 1)", "torch.randint_like(x, 2**63)",
    "torch.randint_like(x, 2**25)", "torch.randint_like(xh, 5000)",
    "torch.randint_like(x, -2**25, 0)", "torch.randint_like(xd, 2**60)",
    "torch.randint_like(x, torch.tensor(5))", "torch.randint_like(x, 5, generator=G)",
    "torch.randint_like(x, 300, dtype=torch.int8)", "torch.randint_like(xb, 1, 2)",
    "torch.rand_like(xb)", "torch.rand_like(xi, dtype=torch.float16, requires_grad=True)",
    "torch.randint_like(e03, 4)", "torch.randint_like(s0, 4)", "torch.randint_like(5, 4)",
    # bernoulli
    "torch.bernoulli(x)", "torch.bernoulli(xd)", "torch.bernoulli(xh)", "torch.bernoulli(s0)",
    "torch.bernoulli(e03)", "torch.bernoulli(x, 0.3)", "torch.bernoulli(x, p=0.3)",
    "torch.bernoulli(x, 1)", "torch.bernoulli(xi, 0.5)", "torch.bernoulli(xb, 0.5)",
    "torch.bernoulli(xi)", "torch.bernoulli(xb)", "torch.bernoulli(x * 2)",
    "torch.bernoulli(-x)", "torch.bernoulli(x.clone().fill_(NAN))", "torch.bernoulli(x, 1.5)",
    "torch.bernoulli(x, -0.5)", "torch.bernoulli(x, NAN)", "torch.bernoulli(pg)",
    "torch.bernoulli(pg, 0.5)", "pg.bernoulli()", "pg.bernoulli(0.5)",
    "torch.bernoulli(x, generator=G)", "torch.bernoulli(0.5)", "torch.bernoulli(x, s0)",
    "torch.bernoulli(x, torch.rand(3))", "torch.bernoulli(x, 'a')",
    "torch.bernoulli(x, 0.5, G)", "torch.bernoulli(x, p=None)", "x.bernoulli(p=0.5)",
    # bernoulli_
    "x.clone().bernoulli_()", "x.clone().bernoulli_(0.2)", "x.clone().bernoulli_(p=0.3)",
    "x.clone().bernoulli_(torch.rand(4))", "x.clone().bernoulli_(torch.rand(3, 4).double())",
    "x.clone().bernoulli_(torch.rand(2, 4))", "x.clone().bernoulli_(torch.rand(5))",
    "xi.clone().bernoulli_(0.3)", "xb.clone().bernoulli_(0.3)", "xu.clone().bernoulli_(s0)",
    "x.clone().bernoulli_(1.5)", "x.clone().bernoulli_(-0.1)", "x.clone().bernoulli_(NAN)",
    "xb.clone().bernoulli_(2.)", "x.clone().bernoulli_(torch.tensor([0.5, 2., 0.5, 0.5]))",
    "x.clone().bernoulli_(torch.tensor(NAN))", "x.clone().bernoulli_(torch.ones(4).long())",
    "x.clone().bernoulli_(torch.ones(4).bool())", "x.clone().bernoulli_('a')",
    "x.clone().bernoulli_(1)", "x.clone().bernoulli_(True)", "e03.clone().bernoulli_(0.5)",
    "x.clone().bernoulli_(0.3, generator=G)", "pg.clone().bernoulli_(0.3)",
    "pg.clone().bernoulli_(torch.rand(3))", "torch.rand(3).bernoulli_(pg)",
    "pg.bernoulli_(0.3)", "s0.clone().bernoulli_(torch.rand(3))",
    # multinomial
    "torch.multinomial(w, 2)", "torch.multinomial(w, 4)", "torch.multinomial(w, 5)",
    "torch.multinomial(w, 5, True)", "torch.multinomial(w, 5, replacement=True)",
    "torch.multinomial(w, 1, True)", "torch.multinomial(W, 3)", "torch.multinomial(W, 6)",
    "torch.multinomial(W, 6, True)", "torch.multinomial(w, 0)", "torch.multinomial(w, -1)",
    "torch.multinomial(w, 2.0)", "torch.multinomial(w, True)", "torch.multinomial(s0, 1)",
    "torch.multinomial(torch.rand(2, 2, 2), 1)", "torch.multinomial(torch.tensor([[[1]]]), 0)",
    "torch.multinomial(torch.tensor([1., -1.]), 1)",
    "torch.multinomial(torch.tensor([1., INF]), 1)",
    "torch.multinomial(torch.tensor([1., NAN]), 1)",
    "torch.multinomial(torch.tensor([0., 0.]), 1)", "torch.multinomial(torch.zeros(2, 3), 1)",
    "torch.multinomial(torch.tensor([[1., 1.], [0., 0.]]), 1)",
    "torch.multinomial(torch.tensor([1, 2]), 1)", "torch.multinomial(torch.tensor([1]), 0)",
    "torch.multinomial(xd, 2)", "torch.multinomial(xh, 2)", "torch.multinomial(e0, 1)",
    "torch.multinomial(e03, 1)", "torch.multinomial(e30, 1)", "torch.multinomial(e0, 0)",
    "torch.multinomial(pg, 2)", "torch.multinomial(w, 2, generator=G)", "w.multinomial(2)",
    "torch.multinomial(torch.tensor([1., 0., 0.]), 3)",
    "torch.multinomial(torch.tensor([1., -1.]), 2, True)",
    "torch.multinomial(torch.tensor([1., INF]), 2, True)",
    "torch.multinomial(torch.tensor([1., NAN]), 2, True)",
    "torch.multinomial(torch.tensor([0., 0.]), 2, True)",
    "torch.multinomial(torch.tensor([[1., 1.], [-1., 0.]]), 2, True)",
    "torch.multinomial(torch.tensor([[1., 1.], [NAN, 0.]]), 2, True)",
    "torch.multinomial(torch.tensor([[1., 1.], [1., INF]]), 1)",
    "torch.multinomial(torch.tensor([3e38, 3e38]), 2, True)",
    "torch.multinomial(torch.tensor([1e-45, 0.]), 1)", "torch.multinomial(w, 3, False)",
    "torch.multinomial(W.t(), 2)", "torch.multinomial(W.t(), 7, True)",
    "torch.multinomial(W, 1, replacement=True)", "torch.multinomial(e03, 5, True)",
    # poisson
    "torch.poisson(x)", "torch.poisson(x * 1000)", "torch.poisson(xd)", "torch.poisson(xh)",
    "torch.poisson(s0)", "torch.poisson(e03)", "torch.poisson(-x)", "torch.poisson(xi)",
    "torch.poisson(xl)", "torch.poisson(x.clone().fill_(NAN))", "torch.poisson(pg)",
    "torch.poisson(x, G)", "torch.poisson(x, generator=G)", "torch.poisson(3.)",
    "torch.poisson(x, 3)", "torch.poisson(torch.tensor([1e10, 1e18, 1e30]))",
    # random_
    "x.clone().random_()", "xd.clone().random_()", "xh.clone().random_()",
    "xi.clone().random_()", "xl.clone().random_()", "xb.clone().random_()",
    "xu.clone().random_()", "xc.clone().random_()", "xs.clone().random_()",
    "xi.clone().random_(5)", "xi.clone().random_(2, 5)", "xi.clone().random_(5, 2)",
    "xi.clone().random_(0)", "xi.clone().random_(2, None)", "xi.clone().random_(to=5)",
    "xi.clone().random_(**{'from': 2, 'to': 5})", "xi.clone().random_(**{'from': 2})",
    "xi.clone().random_(1, to=4)", "xi.clone().random_(1, 2, 3)", "xi.clone().random_(2.5)",
    "xi.clone().random_(1, 'a')", "xi.clone().random_(True)", "xi.clone().random_(from_=3)",
    "xi.clone().random_(torch.tensor(4))", "xi.clone().random_(torch.tensor(4.))",
    "xi.clone().random_(-3, 2)", "xu.clone().random_(-3, 2)", "xu.clone().random_(300)",
    "xb.clone().random_(3)", "xb.clone().random_(2)", "xb.clone().random_(1, None)",
    "xb.clone().random_(2, None)", "xu.clone().random_(300, None)", "xc.clone().random_(-5, None)",
    "xs.clone().random_(-40000, 1)", "xi.clone().random_(2**40)", "xl.clone().random_(2**62)",
    "xl.clone().random_(-2**63, 2**63 - 1)", "xl.clone().random_(2**63)",
    "xl.clone().random_(-2**64, 4)", "xl.clone().random_(5, None)",
    "x.clone().random_(2**30)", "x.clone().random_(-2**25, 3)", "x.clone().random_(3, None)",
    "x.clone().random_(2**25, None)", "x.clone().random_(2**24, None)",
    "xd.clone().random_(2**60)", "xh.clone().random_(5000)", "torch.ones(2).random_(2.5, 3)",
    "pg.random_()", "pg.clone().random_()", "pg.clone().random_(5, generator=G)",
    "pg.clone().random_(1, 4)", "pg.clone().random_(1, None)", "e03.clone().random_()",
    "s0.clone().random_(3)",
    # exponential_
    "x.clone().exponential_()", "x.clone().exponential_(2.)", "x.clone().exponential_(lambd=3)",
    "x.clone().exponential_(0)", "x.clone().exponential_(-1)", "x.clone().exponential_(INF)",
    "x.clone().exponential_(NAN)", "x.clone().exponential_(1e-7)", "xi.clone().exponential_()",
    "xl.clone().exponential_()", "xb.clone().exponential_()", "xu.clone().exponential_()",
    "xi.clone().exponential_(-1)", "pg.clone().exponential_()", "pg.exponential_()",
    "x.clone().exponential_(2, generator=G)", "x.clone().exponential_(2, G)",
    "s0.clone().exponential_()", "e0.clone().exponential_()", "xd.clone().exponential_(0.5)",
    # geometric_
    "x.clone().geometric_(0.5)", "x.clone().geometric_()", "x.clone().geometric_(0)",
    "x.clone().geometric_(1)", "x.clone().geometric_(1.5)", "x.clone().geometric_(-0.5)",
    "x.clone().geometric_(NAN)", "xi.clone().geometric_(0.5)", "xu.clone().geometric_(0.5)",
    "xl.clone().geometric_(p=0.2)", "xb.clone().geometric_(0.5)", "xb.clone().geometric_(2)",
    "pg.clone().geometric_(0.3)", "e03.clone().geometric_(0.3)",
    "x.clone().geometric_(0.5, generator=G)",
    # log_normal_
    "x.clone().log_normal_()", "x.clone().log_normal_(mean=2, std=0.5)",
    "x.clone().log_normal_(0, 0)", "x.clone().log_normal_(0, -1)",
    "x.clone().log_normal_(0, NAN)", "xi.clone().log_normal_()", "xb.clone().log_normal_()",
    "xi.clone().log_normal_(0, -1)", "pg.clone().log_normal_()", "xh.clone().log_normal_()",
    "x.clone().log_normal_(INF, 1)", "s0.clone().log_normal_(generator=G)",
    # cauchy_
    "x.clone().cauchy_()", "x.clone().cauchy_(median=1, sigma=2)", "x.clone().cauchy_(1, 0)",
    "x.clone().cauchy_(1, -1)", "xi.clone().cauchy_()", "xl.clone().cauchy_()",
    "xb.clone().cauchy_()", "xu.clone().cauchy_()", "xc.clone().cauchy_()",
    "xs.clone().cauchy_()", "xi.clone().cauchy_(0, -1)", "pg.clone().cauchy_()",
    "x.clone().cauchy_(INF, 1)", "x.clone().cauchy_(0, INF)", "e0.clone().cauchy_()",
    "xd.clone().cauchy_(generator=G)",
]


@needs_torch
@pytest.mark.parametrize("expr", CASES)
def test_outcome_matches_torch(expr):
    """Result shape, dtype, requires_grad and node, or error type and first line, and any
    warning, as PyTorch gives them."""
    assert _outcome(rt, expr) == _outcome(REAL_TORCH, expr)


def test_namespace_and_methods():
    for name in ("randperm", "rand_like", "randn_like", "randint_like", "bernoulli",
                 "multinomial", "poisson"):
        assert callable(getattr(rt, name)), name
    for name in ("bernoulli", "bernoulli_", "multinomial", "random_", "exponential_",
                 "geometric_", "log_normal_", "cauchy_"):
        assert callable(getattr(rt.Tensor, name)), name
    if REAL_TORCH is not None:  # the same split between functions and methods as PyTorch
        for name in ("random_", "exponential_", "geometric_", "log_normal_", "cauchy_",
                     "bernoulli_", "poisson", "randperm"):
            assert hasattr(rt, name) == hasattr(REAL_TORCH, name), name
            assert hasattr(rt.Tensor, name) == hasattr(REAL_TORCH.Tensor, name), name


# ----- reproducibility
DRAWS = {
    "randperm": lambda g: rt.randperm(50, generator=g),
    "rand_like": lambda g: rt.rand_like(rt.zeros(4, 3), generator=g),
    "randn_like": lambda g: rt.randn_like(rt.zeros(4, 3), generator=g),
    "randint_like": lambda g: rt.randint_like(rt.zeros(20, dtype=rt.int64), -5, 99,
                                              generator=g),
    "bernoulli": lambda g: rt.bernoulli(rt.full((30,), 0.5), generator=g),
    "bernoulli_p": lambda g: rt.bernoulli(rt.zeros(30), 0.3, generator=g),
    "bernoulli_": lambda g: rt.zeros(30).bernoulli_(rt.full((30,), 0.4), generator=g),
    "multinomial": lambda g: rt.multinomial(rt.rand(3, 8, generator=rt.Generator()), 5,
                                            generator=g),
    "multinomial_r": lambda g: rt.multinomial(rt.ones(8), 20, True, generator=g),
    "poisson": lambda g: rt.poisson(rt.full((20,), 4.0), g),
    "random_": lambda g: rt.zeros(20).random_(3, 1000, generator=g),
    "exponential_": lambda g: rt.zeros(20).exponential_(generator=g),
    "geometric_": lambda g: rt.zeros(20).geometric_(0.2, generator=g),
    "log_normal_": lambda g: rt.zeros(20).log_normal_(generator=g),
    "cauchy_": lambda g: rt.zeros(20).cauchy_(generator=g),
}


@pytest.mark.parametrize("name", list(DRAWS))
def test_reproducible(name):
    """The same seed gives the same values (global seed, and an own generator), an own
    generator ignores the global state, and the next draw differs."""
    draw = DRAWS[name]
    state = rt.get_rng_state()
    try:
        rt.manual_seed(123)
        a, a2 = draw(None).numpy().copy(), draw(None).numpy().copy()
        rt.manual_seed(123)
        b = draw(None).numpy()
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, a2)  # the global stream moved on
        g = rt.Generator().manual_seed(7)
        c = draw(g).numpy().copy()
        rt.manual_seed(999)
        rt.rand(5)
        d = draw(rt.Generator().manual_seed(7)).numpy()
        np.testing.assert_array_equal(c, d)
        before = rt.get_rng_state().numpy().copy()
        draw(rt.Generator().manual_seed(1))
        np.testing.assert_array_equal(rt.get_rng_state().numpy(), before)  # untouched
    finally:
        rt.set_rng_state(state)


# ----- values
@pytest.fixture
def seeded():
    state = rt.get_rng_state()
    rt.manual_seed(2024)
    yield
    rt.set_rng_state(state)


def test_randperm_is_a_permutation(seeded):
    for n, dtype in ((0, rt.int64), (1, rt.int64), (100, rt.int64), (128, rt.int8),
                     (256, rt.uint8), (2049, rt.float16), (300, rt.float32)):
        p = rt.randperm(n, dtype=dtype)
        np.testing.assert_array_equal(np.sort(p.numpy().astype(np.int64)), np.arange(n))
    assert not np.array_equal(rt.randperm(100).numpy(), np.arange(100))


def test_like_factories_values(seeded):
    u = rt.rand_like(rt.zeros(20000, dtype=rt.float64)).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
    z = rt.randn_like(rt.zeros(20000)).numpy()
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    r = rt.randint_like(rt.zeros(20000), 3, 10).numpy()
    assert set(np.unique(r)) == set(range(3, 10)) and r.dtype == np.float32
    r = rt.randint_like(rt.zeros(5000, dtype=rt.int8), 4).numpy()
    assert set(np.unique(r)) == {0, 1, 2, 3}
    r = rt.randint_like(rt.zeros(5000, dtype=rt.int64), -2**63, 2**63 - 1).numpy()
    assert r.min() < -2**60 and r.max() > 2**60


def test_bernoulli_values(seeded):
    p = rt.tensor([0.0, 1.0, 0.25, 0.9]).expand(20000, 4).contiguous()
    b = rt.bernoulli(p).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0}
    np.testing.assert_allclose(b.mean(0), [0.0, 1.0, 0.25, 0.9], atol=0.02)
    b = rt.bernoulli(rt.zeros(20000, dtype=rt.int32), 0.3).numpy()
    assert b.dtype == np.int32 and set(np.unique(b)) == {0, 1} and abs(b.mean() - 0.3) < 0.02
    assert rt.bernoulli(rt.zeros(50), 1.0).numpy().tolist() == [1.0] * 50
    assert rt.bernoulli(rt.zeros(50), 0.0).numpy().tolist() == [0.0] * 50
    t = rt.zeros(20000, 2)
    t.bernoulli_(rt.tensor([0.1, 0.7]))  # broadcast along rows
    np.testing.assert_allclose(t.numpy().mean(0), [0.1, 0.7], atol=0.02)
    t = rt.zeros(20000, dtype=rt.bool).bernoulli_()
    assert abs(t.numpy().mean() - 0.5) < 0.02


def test_multinomial_without_replacement(seeded):
    w = rt.tensor([[0.0, 1.0, 0.0, 3.0, 2.0, 0.0, 4.0],
                   [5.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0]])
    for _ in range(200):
        s = rt.multinomial(w, 3).numpy()
        assert s.shape == (2, 3)
        assert all(len(set(row)) == 3 for row in s)  # distinct indices
        assert not np.any(w.numpy()[np.arange(2)[:, None], s] == 0)  # no zero weight
    # zero weights come last, once the others are used up (as PyTorch: by index)
    np.testing.assert_array_equal(rt.multinomial(rt.tensor([0.0, 1.0, 0.0]), 3).numpy(),
                                  [1, 0, 2])
    # the first draw follows the weights: index i first with probability w_i / sum(w)
    first = np.array([rt.multinomial(rt.tensor([1.0, 2.0, 7.0]), 2).numpy()[0]
                      for _ in range(3000)])
    np.testing.assert_allclose(np.bincount(first, minlength=3) / 3000, [0.1, 0.2, 0.7],
                               atol=0.03)
    perm = rt.multinomial(rt.ones(10), 10).numpy()
    np.testing.assert_array_equal(np.sort(perm), np.arange(10))


def test_multinomial_with_replacement(seeded):
    w = rt.tensor([[1.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 2.5]], dtype=rt.float64)
    s = rt.multinomial(w, 20000, replacement=True).numpy()
    assert s.shape == (2, 20000) and s.dtype == np.int64
    np.testing.assert_allclose(np.bincount(s[0], minlength=4) / 20000, [0.25, 0, 0.75, 0],
                               atol=0.02)
    assert np.all(s[1] == 3)
    one = rt.multinomial(rt.tensor([0.0, 0.0, 1e-30, 0.0]), 50, True).numpy()
    assert np.all(one == 2)
    many = rt.rand(500, 30)
    many[:, ::3] = 0
    many[7] = 0
    many[7, 29] = 1.0  # a row with its only weight last
    s = rt.multinomial(many, 100, True).numpy()
    assert not np.any(many.numpy()[np.arange(500)[:, None], s] == 0)
    assert np.all(s[7] == 29) and s.min() >= 0 and s.max() <= 29


def test_poisson_values(seeded):
    rates = rt.tensor([0.0, 0.5, 4.0, 100.0]).expand(20000, 4).contiguous()
    s = rt.poisson(rates).numpy()
    assert s.dtype == np.float32 and np.all(s == np.round(s)) and np.all(s[:, 0] == 0)
    np.testing.assert_allclose(s.mean(0), [0, 0.5, 4, 100], rtol=0.03, atol=0.02)
    np.testing.assert_allclose(s.var(0), [0, 0.5, 4, 100], rtol=0.1, atol=0.02)
    huge = rt.poisson(rt.tensor([1e13, 1e30, INF], dtype=rt.float64)).numpy()
    assert abs(huge[0] / 1e13 - 1) < 1e-4 and abs(huge[1] / 1e30 - 1) < 1e-9
    assert huge[2] == INF


def test_random_values(seeded):
    def values(t, *args):
        return t.random_(*args).numpy().astype(np.float64)
    v = values(rt.zeros(20000, dtype=rt.int64), 3, 9)
    assert set(np.unique(v)) == set(range(3, 9))
    v = values(rt.zeros(20000, dtype=rt.int8), 5)
    assert set(np.unique(v)) == set(range(5))
    v = values(rt.zeros(20000, dtype=rt.uint8))
    assert v.min() == 0 and v.max() == 255
    v = values(rt.zeros(20000, dtype=rt.int8))  # random_(): from 0 to the type's maximum
    assert v.min() == 0 and v.max() == 127
    v = values(rt.zeros(20000, dtype=rt.int8), -128, 127)
    assert v.min() == -128 and v.max() == 126
    v = values(rt.zeros(20000, dtype=rt.bool))
    assert set(np.unique(v)) == {0, 1}
    assert np.all(values(rt.zeros(100, dtype=rt.bool), 1, None) == 1)
    v = values(rt.zeros(20000, dtype=rt.float16))  # 0..2^11 included
    assert v.min() >= 0 and v.max() <= 2048 and v.max() > 1900 and np.all(v == np.round(v))
    v = values(rt.zeros(2000), 2**24 - 1, None)
    assert set(np.unique(v)) == {2**24 - 1, 2**24}


def test_continuous_samplers_values(seeded):
    e = rt.zeros(40000, dtype=rt.float64).exponential_(2.0).numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.5) < 0.02 and abs(e.std() - 0.5) < 0.02
    assert np.all(rt.zeros(10).exponential_(INF).numpy() == 0)
    g = rt.zeros(40000, dtype=rt.int32).geometric_(0.25).numpy()
    assert g.min() == 1 and abs(g.mean() - 4) < 0.1
    ln = rt.zeros(40000, dtype=rt.float64).log_normal_(0.5, 0.25).numpy()
    assert ln.min() > 0 and abs(np.log(ln).mean() - 0.5) < 0.01
    assert abs(np.log(ln).std() - 0.25) < 0.01
    c = rt.zeros(40001, dtype=rt.float64).cauchy_(3.0, 0.5).numpy()
    assert abs(np.median(c) - 3.0) < 0.03  # (no mean; the median and quartiles)
    q1, q3 = np.percentile(c, [25, 75])
    assert abs(q1 - 2.5) < 0.03 and abs(q3 - 3.5) < 0.03


# ----- the in-place machinery and gradients
INPLACE = {"random_": (), "exponential_": (), "geometric_": (0.3,), "log_normal_": (),
           "cauchy_": (), "bernoulli_": (0.5,), "bernoulli_t": None}


def _call(t, name, p=None):
    if name == "bernoulli_t":
        return t.bernoulli_(p if p is not None else rt.full(t.shape, 0.5))
    return getattr(t, name)(*INPLACE[name])


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_machinery(name):
    t = rt.zeros(3, 4)
    view = t[1]
    v0 = t._version
    out = _call(view, name)
    assert out is view and t._version == v0 + 1 == view._version
    assert np.all(t.numpy()[[0, 2]] == 0)  # the rest left alone
    np.testing.assert_array_equal(t.numpy()[1], view.numpy())  # written through the view
    leaf = rt.zeros(3, requires_grad=True)
    with raises_exact(RuntimeError, "a leaf Variable that requires grad is being used in "
                                    "an in-place operation."):
        _call(leaf, name)
    with raises_exact(RuntimeError, "a view of a leaf Variable that requires grad is being "
                                    "used in an in-place operation."):
        _call(leaf[:2], name)
    with rt.no_grad():  # allowed without grad mode, and nothing recorded
        assert _call(leaf, name).grad_fn is None
    with raises_exact(RuntimeError, "unsupported operation: more than one element of the "
                                    "written-to tensor refers to a single memory location."):
        _call(rt.zeros(3).expand(2, 3), name)
    with rt.inference_mode():
        inf = rt.zeros(3)
    with raises_exact(RuntimeError, "Inplace update to inference tensor outside "
                                    "InferenceMode is not allowed."):
        _call(inf, name)


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_gives_zero_gradient(name):
    """Overwritten values get a zero gradient; so does a tensor p of bernoulli_ (as
    PyTorch); gradients reaching the parts left alone pass."""
    a = rt.rand(2, 3, requires_grad=True)
    y = a * 2
    _call(y[0], name)
    (y * 3).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [[0, 0, 0], [6, 6, 6]])
    if name == "bernoulli_t":
        p = rt.rand(3, requires_grad=True)
        z = rt.zeros(3).bernoulli_(p)
        assert z.requires_grad and z.grad_fn.name() == "BernoulliBackward1"
        z.sum().backward()
        np.testing.assert_array_equal(p.grad.numpy(), [0, 0, 0])


def test_out_of_place_gradients():
    p = rt.rand(4, requires_grad=True)
    rt.bernoulli(p).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), np.zeros(4))
    p.grad = None
    rt.poisson(p).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), np.zeros(4))
    r = rt.bernoulli(p, 0.5)
    assert r.grad_fn.name() == "torch::autograd::NotImplemented"
    with raises_exact(RuntimeError, "derivative for aten::bernoulli is not implemented"):
        r.sum().backward()
    assert not rt.multinomial(p, 2).requires_grad
    with rt.no_grad():
        assert rt.bernoulli(p).grad_fn is None and rt.poisson(p).grad_fn is None


@needs_torch
def test_out_of_place_gradients_match_torch():
    for m in (rt, REAL_TORCH):
        p = m.rand(4, requires_grad=True)
        m.bernoulli(p).sum().backward()
        assert p.grad.tolist() == [0.0] * 4
        with pytest.raises(RuntimeError, match="derivative for aten::bernoulli is not"):
            m.bernoulli(p, 0.5).sum().backward()


# ----- vmap
@pytest.mark.parametrize("fn", [
    lambda x: rt.bernoulli(x), lambda x: rt.poisson(x), lambda x: rt.multinomial(x, 1),
    lambda x: x.clone().exponential_(), lambda x: x.clone().random_(3),
    lambda x: rt.rand_like(x), lambda x: rt.randint_like(x, 4),
    lambda x: x.clone().bernoulli_(0.5), lambda x: x * rt.randperm(3)])
def test_vmap_refuses(fn):
    """As PyTorch, randomness='error' (the default) refuses random ops; where retrograd
    cannot sample per example it says so rather than returning something odd."""
    x = rt.rand(2, 3)
    with raises_exact(RuntimeError, "vmap: called random operation while in randomness "
                                    "error mode."):
        rt.vmap(fn)(x)
    with pytest.raises(NotImplementedError, match="vmap"):
        rt.vmap(fn, randomness="different")(x)


def test_vmap_same_randomness():
    x = rt.rand(4, 3)
    rt.manual_seed(5)
    out = rt.vmap(lambda t: t + rt.rand_like(t), randomness="same")(x)
    rt.manual_seed(5)
    np.testing.assert_allclose(out.numpy(), (x + rt.rand(3)).numpy())
    with pytest.raises(NotImplementedError, match="bernoulli is not supported inside vmap"):
        rt.vmap(rt.bernoulli, randomness="same")(x)


# ----- forward mode, out=
def test_forward_ad():
    """Tangents through the samplers: zero (as PyTorch), none where PyTorch has none, and
    PyTorch's refusal for bernoulli(input, p)."""
    import retrograd.autograd.forward_ad as fw
    with fw.dual_level():
        x = fw.make_dual(rt.rand(3, dtype=rt.float64), rt.ones(3, dtype=rt.float64))
        for y in (rt.bernoulli(x * 0.5), rt.poisson(x), (x * 2).exponential_(),
                  (x * 2).random_(3), (x * 1).bernoulli_(x * 0.5)):
            np.testing.assert_array_equal(fw.unpack_dual(y).tangent.numpy(), np.zeros(3))
        assert fw.unpack_dual(rt.zeros(3, dtype=rt.float64).bernoulli_(x * 0.5)).tangent \
            is None
        with raises_exact(NotImplementedError, "Trying to use forward AD with aten::bernoulli "
                                               "that does not support it."):
            rt.bernoulli(x, 0.5)


def test_out_is_refused_not_ignored():
    for call in (lambda: rt.randperm(3, out=rt.zeros(3)),
                 lambda: rt.bernoulli(rt.rand(3), out=rt.zeros(3)),
                 lambda: rt.multinomial(rt.rand(3), 2, out=rt.zeros(2, dtype=rt.int64))):
        with pytest.raises(NotImplementedError, match=r"\(out=\.\.\.\) is not supported"):
            call()


def test_init_sparse_uses_randperm(seeded):
    """nn.init.sparse_ draws rows with torch.randperm: it runs now, zeroing
    ceil(sparsity * rows) entries of each column."""
    w = rt.nn.init.sparse_(rt.empty(10, 4), 0.3)
    assert np.all((w.numpy() == 0).sum(0) == 3)



@needs_torch
@pytest.mark.parametrize("fill", ["uniform_", "normal_"])
def test_filling_an_expanded_tensor_is_refused_as_pytorch(fill):
    msgs = []
    for lib in (rt, REAL_TORCH):
        with pytest.raises(RuntimeError) as info:
            getattr(lib.ones(3).expand(2, 3), fill)()
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]
