"""Linear algebra beyond the op table: error types and texts (singular matrices, shapes,
dtypes), einsum's grammar, named-tuple results, gradients of each decomposition output
against PyTorch's, and what PyTorch refuses to differentiate."""
import warnings

import numpy as np
import pytest

import retrograd as rt
from retrograd.autograd import gradcheck, gradgradcheck

from conftest import REAL_TORCH as _TORCH


@pytest.fixture
def torch():
    if _TORCH is None:
        pytest.skip("PyTorch (the oracle) is not installed")
    return _TORCH


def _mat(m, *shape, seed=0, shift=None, dtype=None):
    a = np.random.default_rng(seed).uniform(-1, 1, shape)
    if shift is not None:
        a = a + shift * np.eye(shape[-1])
    return m.tensor(a, dtype=dtype or m.float64)


SINGULAR = [[1.0, 2.0], [2.0, 4.0]]

ERRORS = {
    "inv_singular": lambda m: m.linalg.inv(m.tensor(SINGULAR)),
    "inv_zeros": lambda m: m.linalg.inv(m.zeros(3, 3)),
    "inv_batch_singular": lambda m: m.linalg.inv(m.stack([m.eye(2), m.tensor(SINGULAR)]))
    if hasattr(m, "stack") else m.linalg.inv(m.tensor([np.eye(2), SINGULAR], dtype=m.float32)),
    "inv_nonsquare": lambda m: m.linalg.inv(m.zeros(2, 3)),
    "inv_1d": lambda m: m.linalg.inv(m.zeros(3)),
    "inv_long": lambda m: m.linalg.inv(m.eye(3, dtype=m.int64)),
    "inv_half": lambda m: m.linalg.inv(m.eye(3, dtype=m.float16)),
    "inverse_nonsquare": lambda m: m.inverse(m.zeros(2, 3)),
    "det_nonsquare": lambda m: m.linalg.det(m.zeros(2, 3)),
    "det_long": lambda m: m.det(m.eye(2, dtype=m.int64)),
    "det_half": lambda m: m.linalg.det(m.eye(2, dtype=m.float16)),
    "slogdet_1d": lambda m: m.linalg.slogdet(m.zeros(3)),
    "logdet_long": lambda m: m.logdet(m.eye(2, dtype=m.int64)),
    "solve_singular": lambda m: m.linalg.solve(m.tensor(SINGULAR), m.ones(2)),
    "solve_shapes_vector": lambda m: m.linalg.solve(m.eye(2), m.ones(3)),
    "solve_shapes_matrix": lambda m: m.linalg.solve(m.eye(2), m.ones(3, 2)),
    "solve_shapes_right": lambda m: m.linalg.solve(m.eye(2), m.ones(2, 3), left=False),
    "solve_dtypes": lambda m: m.linalg.solve(m.eye(2), m.ones(2, dtype=m.float64)),
    "solve_vector_right": lambda m: m.linalg.solve(m.eye(2), m.ones(2), left=False),
    "solve_nonsquare": lambda m: m.linalg.solve(m.ones(2, 3), m.ones(2)),
    "solve_batch_broadcast": lambda m: m.linalg.solve(m.eye(3).expand(2, 3, 3), m.ones(4, 3, 1)),
    "cholesky_not_pd": lambda m: m.linalg.cholesky(-m.eye(3)),
    "cholesky_minor_3": lambda m: m.linalg.cholesky(m.tensor(np.diag([1.0, 1.0, -1.0]))),
    "cholesky_batch": lambda m: m.linalg.cholesky(m.tensor(np.stack([np.eye(2), -np.eye(2)]))),
    "cholesky_long": lambda m: m.linalg.cholesky(m.eye(2, dtype=m.int64)),
    "cholesky_half": lambda m: m.linalg.cholesky(m.eye(2, dtype=m.float16)),
    "qr_mode": lambda m: m.linalg.qr(m.ones(3, 2), mode="x"),
    "qr_1d": lambda m: m.linalg.qr(m.ones(3)),
    "eigh_nonsquare": lambda m: m.linalg.eigh(m.ones(3, 2)),
    "eigh_uplo": lambda m: m.linalg.eigh(m.eye(3), UPLO="X"),
    "eigh_long": lambda m: m.linalg.eigh(m.eye(3, dtype=m.int64)),
    "eigvalsh_half": lambda m: m.linalg.eigvalsh(m.eye(3, dtype=m.float16)),
    "svd_1d": lambda m: m.linalg.svd(m.ones(3)),
    "svd_long": lambda m: m.linalg.svd(m.ones(3, 3, dtype=m.int64)),
    "svdvals_half": lambda m: m.linalg.svdvals(m.ones(3, 3, dtype=m.float16)),
    "pinv_long": lambda m: m.linalg.pinv(m.ones(3, 3, dtype=m.int64)),
    "pinv_1d": lambda m: m.linalg.pinv(m.ones(3)),
    "matrix_power_nonsquare": lambda m: m.linalg.matrix_power(m.ones(2, 3), 2),
    "matrix_power_singular": lambda m: m.linalg.matrix_power(m.tensor(SINGULAR), -1),
    "matrix_power_long_negative": lambda m: m.linalg.matrix_power(m.ones(2, 2, dtype=m.int64), -1),
    "matrix_power_bool": lambda m: m.linalg.matrix_power(m.ones(2, 2, dtype=m.bool), 2),
    "matrix_rank_long": lambda m: m.linalg.matrix_rank(m.ones(2, 2, dtype=m.int64)),
    "matrix_rank_1d": lambda m: m.linalg.matrix_rank(m.ones(2)),
    "outer_2d": lambda m: m.outer(m.ones(2, 2), m.ones(2)),
    "outer_2d_vec2": lambda m: m.outer(m.ones(2), m.ones(2, 2)),
    "inner_shapes": lambda m: m.inner(m.ones(2), m.ones(3)),
    "tensordot_sizes": lambda m: m.tensordot(m.ones(2), m.ones(3), dims=1),
    "tensordot_negative": lambda m: m.tensordot(m.ones(2), m.ones(2), dims=-1),
    "tensordot_too_many": lambda m: m.tensordot(m.ones(2), m.ones(2), dims=2),
    "tensordot_lengths": lambda m: m.tensordot(m.ones(2, 2), m.ones(2, 2), dims=([0, 1], [0])),
    "tensordot_int_pair": lambda m: m.tensordot(m.ones(2, 3), m.ones(3, 2), dims=(1, 0)),
    "tensordot_dtypes": lambda m: m.tensordot(m.ones(2), m.ones(2, dtype=m.float64), dims=1),
    "cross_no_dim3": lambda m: m.cross(m.ones(2, 2), m.ones(2, 2)),
    "linalg_cross_length": lambda m: m.linalg.cross(m.ones(3, 2), m.ones(3, 2)),
    "linalg_cross_ndim": lambda m: m.linalg.cross(m.ones(3), m.ones(2, 3)),
    "linalg_cross_dtypes": lambda m: m.linalg.cross(m.ones(3), m.ones(3, dtype=m.float64)),
    "linalg_cross_broadcast": lambda m: m.linalg.cross(m.ones(2, 3), m.ones(4, 3)),
    "addmm_shapes": lambda m: m.addmm(m.ones(2, 2), m.ones(2, 3), m.ones(2, 2)),
    "addmm_input": lambda m: m.addmm(m.ones(3), m.ones(2, 2), m.ones(2, 2)),
    "addmm_1d": lambda m: m.addmm(m.ones(2), m.ones(2), m.ones(2, 2)),
    "addmm_dtypes": lambda m: m.addmm(m.ones(2), m.ones(2, 2), m.ones(2, 2, dtype=m.float64)),
    "addmv_shapes": lambda m: m.addmv(m.ones(2), m.ones(2, 3), m.ones(2)),
    "baddbmm_batches": lambda m: m.baddbmm(m.ones(1), m.ones(2, 2, 3), m.ones(3, 3, 2)),
    "baddbmm_sizes": lambda m: m.baddbmm(m.ones(1), m.ones(2, 2, 3), m.ones(2, 2, 2)),
    "baddbmm_2d": lambda m: m.baddbmm(m.ones(1), m.ones(2, 3), m.ones(2, 3, 2)),
    "addbmm_input": lambda m: m.addbmm(m.ones(3, 3), m.ones(2, 2, 3), m.ones(2, 3, 2)),
    "addbmm_sizes": lambda m: m.addbmm(m.ones(1), m.ones(2, 2, 3), m.ones(2, 2, 2)),
    "addbmm_batches": lambda m: m.addbmm(m.ones(1), m.ones(2, 2, 3), m.ones(3, 3, 2)),
    "addmm_input_2d": lambda m: m.addmm(m.ones(3, 3), m.ones(2, 2), m.ones(2, 2)),
    "addmm_input_3d": lambda m: m.addmm(m.ones(1, 2, 2), m.ones(2, 2), m.ones(2, 2)),
    "multi_dot_one": lambda m: m.linalg.multi_dot([m.ones(2, 2)]),
    "multi_dot_3d": lambda m: m.linalg.multi_dot([m.ones(2, 2, 2), m.ones(2, 2)]),
    "multi_dot_middle_1d": lambda m: m.linalg.multi_dot([m.ones(2, 2), m.ones(2), m.ones(2, 2)]),
    "multi_dot_shapes": lambda m: m.linalg.multi_dot([m.ones(2, 3), m.ones(2, 2)]),
    "vecdot_long": lambda m: m.linalg.vecdot(m.ones(2, dtype=m.int64), m.ones(2)),
    "einsum_no_operands": lambda m: m.einsum("ij"),
    "einsum_too_few": lambda m: m.einsum("ij,jk", m.ones(2, 2)),
    "einsum_too_many": lambda m: m.einsum("ij", m.ones(2, 2), m.ones(2, 2)),
    "einsum_subscripts": lambda m: m.einsum("i", m.ones(2, 2)),
    "einsum_ellipsis_subscripts": lambda m: m.einsum("...ijk", m.ones(2, 2)),
    "einsum_bad_char": lambda m: m.einsum("i1", m.ones(2, 2)),
    "einsum_bad_output_char": lambda m: m.einsum("ij->i1", m.ones(2, 2)),
    "einsum_two_ellipses": lambda m: m.einsum("......", m.ones(2, 2)),
    "einsum_bad_dot": lambda m: m.einsum("i.j", m.ones(2, 2)),
    "einsum_output_twice": lambda m: m.einsum("ij->ii", m.ones(2, 2)),
    "einsum_output_unknown": lambda m: m.einsum("ij->k", m.ones(2, 2)),
    "einsum_output_ellipsis_twice": lambda m: m.einsum("...i->......", m.ones(2, 2)),
    "einsum_sizes": lambda m: m.einsum("ij,jk", m.ones(2, 3), m.ones(2, 2)),
    "einsum_repeated_sizes": lambda m: m.einsum("ii", m.ones(2, 3)),
    "einsum_ellipsis_broadcast": lambda m: m.einsum("...i,...i", m.ones(2, 3), m.ones(4, 3)),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_error_matches_torch(case, torch):
    results = []
    for m in (rt, torch):
        with pytest.raises(Exception) as info, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ERRORS[case](m)
        results.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert results[0] == results[1]


def test_linalg_error_is_a_runtime_error():
    assert issubclass(rt.linalg.LinAlgError, RuntimeError)
    with pytest.raises(rt.linalg.LinAlgError):
        rt.linalg.inv(rt.zeros(2, 2))


# ----- einsum: every grammar case against PyTorch (values, graph, gradients)

EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 2)]), ("ij,jk", [(3, 4), (4, 2)]), ("ji", [(3, 4)]),
    ("ij->", [(3, 4)]), ("ii", [(3, 3)]), ("ii->i", [(3, 3)]), ("iji->j", [(2, 3, 2)]),
    ("i,i->", [(4,), (4,)]), ("i,j", [(3,), (4,)]), ("j,i", [(3,), (4,)]),
    ("...,...", [(2, 3), (2, 3)]), ("...ij->...ji", [(2, 3, 4)]), ("i...->...", [(2, 3, 4)]),
    ("b...ij,b...jk->b...ik", [(2, 1, 3, 4), (2, 5, 4, 2)]), ("...ij,jk", [(2, 3, 4), (4, 5)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("ij,jk,kl", [(2, 3), (3, 4), (4, 5)]),
    ("abc,cd,da->b", [(2, 3, 4), (4, 5), (5, 2)]), ("ij,ij->", [(3, 4), (3, 4)]),
    ("i,i,i->i", [(3,), (3,), (3,)]), ("ij,j->i", [(3, 4), (4,)]), ("Ab,bC->AC", [(2, 3), (3, 4)]),
    ("i j , j k", [(3, 4), (4, 2)]), ("ij,kl->ijkl", [(2, 3), (1, 2)]), ("ij,1j->i", None),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]), ("ij,ij->i", [(3, 1), (1, 4)]),
    ("i,i", [(0,), (0,)]), ("ij,jk->ik", [(0, 3), (3, 2)]), ("aa...", [(2, 2, 3)]),
    ("a...a->...", [(2, 3, 1, 2)]),
]


@pytest.mark.parametrize("eq,shapes", [c for c in EINSUM_CASES if c[1]], ids=lambda x: str(x))
def test_einsum_matches_torch(eq, shapes, torch):
    arrays = [np.random.default_rng(i).standard_normal(s) for i, s in enumerate(shapes)]
    res = []
    for m in (rt, torch):
        ts = [m.tensor(a, requires_grad=True) for a in arrays]
        out = m.einsum(eq, *ts)
        g = np.random.default_rng(9).standard_normal(tuple(out.shape))
        out.backward(m.tensor(g))
        res.append((out.detach().numpy(), tuple(out.shape), out.grad_fn.name(),
                    [t.grad.numpy() for t in ts], out.is_contiguous()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-10, atol=1e-12)
    assert res[0][1:3] == res[1][1:3] and res[0][4] == res[1][4]
    for a, b in zip(res[0][3], res[1][3]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_einsum_gradgradcheck():
    a, b = _mat(rt, 3, 4).requires_grad_(), _mat(rt, 4, 2, seed=1).requires_grad_()
    assert gradgradcheck(lambda x, y: rt.einsum("ij,jk->ik", x, y) ** 2, (a, b))
    c = _mat(rt, 3, 3, seed=2).requires_grad_()
    assert gradgradcheck(lambda x: rt.einsum("ii->i", x) ** 3, (c,))


def test_einsum_operand_list_and_identity(torch):
    res = []
    for m in (rt, torch):
        y = m.ones(2, 3, requires_grad=True)
        outs = [m.einsum("ij", [y]), m.einsum("ij->ij", y), m.einsum("ij->ji", y)]
        res.append([(o is y, o.grad_fn and o.grad_fn.name(), o._base is y) for o in outs])
    assert res[0] == res[1]


# ----- named tuples

def test_named_tuples(torch):
    A = _mat(rt, 3, 3, shift=3)
    s = rt.linalg.slogdet(A)
    assert s.sign is s[0] and s.logabsdet is s[1]
    assert repr(s).startswith("torch.return_types.linalg_slogdet(\nsign=tensor(")
    tA = torch.tensor(A.numpy())
    assert repr(s) == repr(torch.linalg.slogdet(tA))
    assert repr(rt.slogdet(A)) == repr(torch.slogdet(tA))
    q = rt.linalg.qr(A)
    assert q.Q is q[0] and q.R is q[1] and len(q) == 2
    e = rt.linalg.eigh(A + A.t())
    assert e.eigenvalues is e[0] and e.eigenvectors is e[1]
    u = rt.linalg.svd(A)
    assert u.U is u[0] and u.S is u[1] and u.Vh is u[2]
    Q, R = rt.linalg.qr(A)  # unpacks as a tuple
    assert isinstance(rt.linalg.qr(A), tuple)


# ----- gradients of each output of the decompositions, against PyTorch

def _grads(m, fn, *arrays):
    xs = [m.tensor(a, requires_grad=True) for a in arrays]
    out = fn(m, *xs)
    out.backward(m.tensor(np.linspace(0.5, 1.5, int(np.prod(tuple(out.shape)))).reshape(
        tuple(out.shape))))
    return out.detach().numpy(), [x.grad.numpy() if x.grad is not None else None for x in xs]


def _sign_fixed(V, axis):
    """Eigen/singular vectors with a sign convention (first entry positive) so their
    gradients compare across libraries."""
    first = V.select(axis, 0).unsqueeze(axis)
    return V * (first / first.abs()).detach()


GRAD_CASES = {
    "eigh_V": (lambda m, a: _sign_fixed(m.linalg.eigh(a @ a.t() + 3 * m.eye(3))[1], -2), (3, 3)),
    "eigh_L": (lambda m, a: m.linalg.eigh(a @ a.t() + 3 * m.eye(3), UPLO="U")[0], (3, 3)),
    "eigh_both": (lambda m, a: (lambda r: _sign_fixed(r[1], -2) * r[0])(
        m.linalg.eigh(a + a.t())), (3, 3)),
    "svd_U_tall": (lambda m, a: _sign_fixed(m.linalg.svd(a, full_matrices=False)[0], -2), (4, 3)),
    "svd_Vh_tall": (lambda m, a: _sign_fixed(m.linalg.svd(a, full_matrices=False)[2], -1), (4, 3)),
    "svd_U_wide": (lambda m, a: _sign_fixed(m.linalg.svd(a, full_matrices=False)[0], -2), (3, 5)),
    "svd_Vh_wide": (lambda m, a: _sign_fixed(m.linalg.svd(a, full_matrices=False)[2], -1), (3, 5)),
    "svd_full_square": (lambda m, a: (lambda r: _sign_fixed(r[0], -2) * r[1])(
        m.linalg.svd(a)), (3, 3)),
    "svd_S": (lambda m, a: m.linalg.svd(a)[1], (4, 3)),
    "torch_svd": (lambda m, a: (lambda r: _sign_fixed(r[2], -2) * r[1])(m.svd(a)), (4, 3)),
    "qr_Q": (lambda m, a: m.linalg.qr(a)[0], (4, 3)),
    "qr_R_wide": (lambda m, a: m.linalg.qr(a)[1], (3, 5)),
    "qr_Q_wide": (lambda m, a: m.linalg.qr(a)[0], (3, 5)),
    "qr_both_wide": (lambda m, a: (lambda r: r[0] @ r[1] * r[1])(m.linalg.qr(a)), (3, 5)),
    "qr_complete_square": (lambda m, a: (lambda r: r[0] * 2 + r[1])(
        m.linalg.qr(a, mode="complete")), (3, 3)),
    "cholesky_upper": (lambda m, a: m.linalg.cholesky(a @ a.t() + 3 * m.eye(3), upper=True),
                       (3, 3)),
    "cholesky_raw": (lambda m, a: m.linalg.cholesky(a + 4 * m.eye(3)), (3, 3)),
    "eigh_raw_upper": (lambda m, a: m.linalg.eigvalsh(a + 4 * m.eye(3), UPLO="U"), (3, 3)),
    "slogdet_sign_only": (lambda m, a: m.linalg.slogdet(a + 3 * m.eye(3))[0], (3, 3)),
    "pinv_wide_batch": (lambda m, a: m.linalg.pinv(a), (2, 3, 4)),
    "det_batch": (lambda m, a: m.linalg.det(a + 2 * m.eye(3)), (2, 3, 3)),
    "solve_left_false": (lambda m, a: m.linalg.solve(a + 3 * m.eye(3), a[:2], left=False),
                         (3, 3)),
    "matrix_power_0": (lambda m, a: m.linalg.matrix_power(a, 0), (3, 3)),
    "torch_cholesky": (lambda m, a: m.cholesky(a @ a.t() + 3 * m.eye(3)), (3, 3)),
    "pinverse": (lambda m, a: m.pinverse(a), (3, 4)),
    "eigvalsh_repeated": (lambda m, a: m.linalg.eigvalsh(a * 0 + m.eye(3)), (3, 3)),
    "svdvals_repeated": (lambda m, a: m.linalg.svdvals(a * 0 + m.eye(3)), (3, 3)),
}


@pytest.mark.parametrize("case", list(GRAD_CASES))
def test_decomposition_gradients_match_torch(case, torch):
    fn, shape = GRAD_CASES[case]
    a = np.random.default_rng(3).uniform(-1, 1, shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _grads(rt, fn, a), _grads(torch, fn, a)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-9, atol=1e-10)
    for x, y in zip(ours[1], theirs[1]):
        assert (x is None) == (y is None)
        if x is not None:
            np.testing.assert_allclose(x, y, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("case", ["eigh_V", "svd_U_tall", "svd_Vh_wide", "qr_both_wide",
                                  "cholesky_upper", "pinv_wide_batch", "solve_left_false"])
def test_decomposition_gradgradcheck(case):
    fn, shape = GRAD_CASES[case]
    a = rt.tensor(np.random.default_rng(4).uniform(-1, 1, shape), requires_grad=True)
    assert gradcheck(lambda x: fn(rt, x), (a,))
    assert gradgradcheck(lambda x: fn(rt, x), (a,))


QR_REFUSED = {
    "qr_r_mode": lambda m, a: m.linalg.qr(a, mode="r")[1].sum().backward(),
    "qr_complete_tall": lambda m, a: m.linalg.qr(a, mode="complete")[0].sum().backward(),
}


@pytest.mark.parametrize("case", list(QR_REFUSED))
def test_qr_refuses_to_differentiate_as_torch(case, torch):
    a = np.random.default_rng(0).uniform(-1, 1, (4, 3))
    results = []
    for m in (rt, torch):
        with pytest.raises(RuntimeError) as info:
            QR_REFUSED[case](m, m.tensor(a, requires_grad=True))
        results.append(str(info.value).splitlines()[0])
    assert results[0] == results[1]


def test_qr_mode_r_and_empty_q(torch):
    a = np.random.default_rng(0).uniform(-1, 1, (4, 3))
    Q, R = rt.linalg.qr(rt.tensor(a), mode="r")
    tQ, tR = torch.linalg.qr(torch.tensor(a), mode="r")
    assert tuple(Q.shape) == tuple(tQ.shape) == (0,)
    np.testing.assert_allclose(R.numpy(), tR.numpy(), atol=1e-12)


def test_slogdet_negative_and_logdet_nan(torch):
    a = np.diag([-2.0, 1.0, 3.0])
    for m in (rt, torch):
        s, l = m.linalg.slogdet(m.tensor(a))
        assert s.item() == -1.0 and abs(l.item() - np.log(6)) < 1e-12
        assert np.isnan(m.logdet(m.tensor(a)).item())
        assert m.linalg.slogdet(m.zeros(2, 2)).logabsdet.item() == -np.inf


def test_results_strides_match_torch(torch):
    a = np.random.default_rng(0).uniform(-1, 1, (2, 4, 3))
    s = a[0, :3] @ a[0, :3].T + 3 * np.eye(3)
    fns = [lambda m, x: m.linalg.qr(x)[0], lambda m, x: m.linalg.svd(x)[0],
           lambda m, x: m.linalg.svd(x, full_matrices=False)[2],
           lambda m, x: m.linalg.pinv(x), lambda m, x: m.linalg.cholesky(m.tensor(s)),
           lambda m, x: m.linalg.eigh(m.tensor(s))[1], lambda m, x: m.linalg.inv(m.tensor(s)),
           lambda m, x: m.linalg.solve(m.tensor(s), m.tensor(a[0].T)),
           lambda m, x: m.linalg.solve(m.tensor(s), m.tensor(a[0])[:2], left=False)]
    for fn in fns:
        ours, theirs = fn(rt, rt.tensor(a)), fn(torch, torch.tensor(a))
        assert ours.stride() == theirs.stride() and ours.is_contiguous() == theirs.is_contiguous()


def test_cross_default_dim_warns(torch):
    # (PyTorch warns once per process, so only the shape is compared with it)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = rt.cross(rt.ones(3, 2), rt.ones(3, 2))
    assert any("Using torch.cross without specifying the dim" in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tuple(out.shape) == tuple(torch.cross(torch.ones(3, 2), torch.ones(3, 2)).shape)


def test_chain_matmul(torch):
    a = np.random.default_rng(0).standard_normal((2, 3))
    b = np.random.default_rng(1).standard_normal((3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = rt.chain_matmul(rt.tensor(a), rt.tensor(b))
        theirs = torch.chain_matmul(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_matrix_rank_tolerances(torch):
    a = np.diag([1.0, 1e-3, 1e-9, 0.0])
    for kw in [{}, {"atol": 1e-4}, {"rtol": 1e-2}, {"atol": 1e-12, "rtol": 0.0},
               {"hermitian": True}]:
        ours = rt.linalg.matrix_rank(rt.tensor(a), **kw)
        theirs = torch.linalg.matrix_rank(torch.tensor(a), **kw)
        assert ours.item() == theirs.item() and str(ours.dtype) == str(theirs.dtype), kw


def test_pinv_tolerances(torch):
    a = np.diag([2.0, 1e-3, 1e-12])
    for kw in [{}, {"atol": 1e-2}, {"rtol": 1e-2}, {"hermitian": True}]:
        np.testing.assert_allclose(rt.linalg.pinv(rt.tensor(a), **kw).numpy(),
                                   torch.linalg.pinv(torch.tensor(a), **kw).numpy(), rtol=1e-12)


def test_integer_scalars_truncate_like_torch(torch):
    args = [np.ones(2, dtype=np.int64), np.ones((2, 2), dtype=np.int64),
            np.ones((2, 2), dtype=np.int64)]
    for fn in (lambda m, c, a, b: m.addmm(c, a, b, beta=2.5, alpha=1.5),
               lambda m, c, a, b: m.addmv(c, a, b[0], beta=2.5, alpha=1.5)):
        ours = fn(rt, *map(rt.tensor, args))
        theirs = fn(torch, *map(torch.tensor, args))
        assert ours.tolist() == theirs.tolist() and str(ours.dtype) == str(theirs.dtype)


def test_addmm_beta_zero_ignores_nan(torch):
    for m in (rt, torch):
        out = m.addmm(m.full((2, 2), float("nan")), m.ones(2, 2), m.ones(2, 2), beta=0)
        assert out.tolist() == [[2.0, 2.0], [2.0, 2.0]]


LINALG_NAMES = ("inv det slogdet solve cholesky qr eigh eigvalsh svd svdvals pinv matrix_power "
                "matrix_rank multi_dot vecdot cross matmul lstsq matrix_exp solve_triangular "
                "cond tensorinv tensorsolve inv_ex cholesky_ex solve_ex lu lu_factor "
                "lu_factor_ex lu_solve diagonal norm vector_norm matrix_norm vander "
                "LinAlgError").split()
TORCH_NAMES = ("outer ger inner tensordot einsum addmm addmv baddbmm addbmm cross kron inverse "
               "det logdet slogdet cholesky svd qr pinverse matrix_power matrix_exp vdot "
               "chain_matmul cholesky_solve cholesky_inverse addr lu_unpack lu lu_solve cdist "
               "triangular_solve").split()
METHOD_NAMES = ("outer ger inner addmm addmv baddbmm addbmm cross kron inverse det logdet "
                "slogdet cholesky svd qr pinverse matrix_power matrix_exp vdot addmm_ addmv_ "
                "baddbmm_ addbmm_ addr addr_ cholesky_solve cholesky_inverse lu lu_solve").split()


def test_namespaces_and_methods(torch):
    for n in LINALG_NAMES:
        assert hasattr(rt.linalg, n) and hasattr(torch.linalg, n), n
    for n in TORCH_NAMES:
        assert hasattr(rt, n) and hasattr(torch, n), n
    for n in METHOD_NAMES:
        assert hasattr(rt.Tensor, n) and hasattr(torch.Tensor, n), n


LSTSQ_ERRORS = {
    "lstsq_1d": lambda m: m.linalg.lstsq(m.ones(3), m.ones(3)),
    "lstsq_rows": lambda m: m.linalg.lstsq(m.ones(4, 3), m.ones(3, 2)),
    "lstsq_driver": lambda m: m.linalg.lstsq(m.ones(4, 3), m.ones(4, 2), driver="foo"),
    "lstsq_dims": lambda m: m.linalg.lstsq(m.ones(2, 4, 3), m.ones(4)),
    "lstsq_batch": lambda m: m.linalg.lstsq(m.ones(2, 4, 3), m.ones(4, 2)),
    "matrix_norm_nuc_long": lambda m: m.linalg.matrix_norm(m.ones(2, 2, dtype=m.int64), "nuc"),
}


@pytest.mark.parametrize("case", list(LSTSQ_ERRORS))
def test_lstsq_and_norm_errors_match_torch(case, torch):
    results = []
    for m in (rt, torch):
        with pytest.raises(Exception) as info:
            LSTSQ_ERRORS[case](m)
        results.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert results[0] == results[1]


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("shapes", [((4, 3), (4, 2)), ((4, 3), (4,)), ((3, 4), (3, 2)),
                                    ((2, 4, 3), (2, 4, 2)), ((2, 4, 3), (2, 4))])
def test_lstsq_matches_torch(driver, shapes, torch):
    """Every output (values, dtypes, strides, which ones carry a gradient) and the gradients
    from the solution and the residuals."""
    a = np.random.default_rng(0).uniform(-1, 1, shapes[0])
    b = np.random.default_rng(1).uniform(-1, 1, shapes[1])
    res = []
    for m in (rt, torch):
        A, B = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        out = m.linalg.lstsq(A, B, driver=driver)
        loss = (out.solution ** 2).sum()
        if out.residuals.numel():
            loss = loss + (out.residuals * 3).sum()
        loss.backward()
        res.append(([x.detach().numpy() for x in out] + [A.grad.numpy(), B.grad.numpy()],
                    [(str(x.dtype), x.requires_grad) for x in out], out.solution.stride()))
    for x, y in zip(res[0][0], res[1][0]):
        assert x.shape == y.shape
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-10)
    assert res[0][1:] == res[1][1:]


def test_lstsq_gradgradcheck():
    a = rt.tensor(np.random.default_rng(0).uniform(-1, 1, (4, 3)), requires_grad=True)
    b = rt.tensor(np.random.default_rng(1).uniform(-1, 1, (4, 2)), requires_grad=True)

    def f(x, y):
        out = rt.linalg.lstsq(x, y, driver="gelsd")
        return out.solution * out.residuals.sum()
    assert gradcheck(f, (a, b)) and gradgradcheck(f, (a, b))


MORE_ERRORS = {
    "solve_long_nonsquare": lambda m: m.linalg.solve(m.ones(2, 3, dtype=m.int64), m.ones(2)),
    "solve_1d_dtypes": lambda m: m.linalg.solve(m.ones(3), m.ones(2, dtype=m.int64)),
    "trsolve_shapes": lambda m: m.linalg.solve_triangular(m.eye(3), m.ones(2, 2), upper=True),
    "trsolve_shapes_right": lambda m: m.linalg.solve_triangular(m.eye(3), m.ones(2, 2),
                                                                upper=True, left=False),
    "trsolve_1d": lambda m: m.linalg.solve_triangular(m.eye(3), m.ones(3), upper=True),
    "trsolve_nonsquare": lambda m: m.linalg.solve_triangular(m.ones(2, 3), m.ones(2, 2),
                                                             upper=True),
    "trsolve_long": lambda m: m.linalg.solve_triangular(m.eye(3, dtype=m.int64),
                                                        m.ones(3, 2, dtype=m.int64), upper=True),
    "matrix_exp_nonsquare": lambda m: m.linalg.matrix_exp(m.ones(2, 3)),
    "matrix_exp_long": lambda m: m.linalg.matrix_exp(m.ones(2, 2, dtype=m.int64)),
    "matrix_exp_1d": lambda m: m.linalg.matrix_exp(m.ones(2)),
    "cond_1d": lambda m: m.linalg.cond(m.ones(2)),
    "tensorinv_ind": lambda m: m.linalg.tensorinv(m.ones(4, 2, 2), ind=0),
    "tensorinv_shape": lambda m: m.linalg.tensorinv(m.ones(4, 2, 3), ind=1),
    "cholesky_solve_sizes": lambda m: m.cholesky_solve(m.ones(3, 2), m.eye(2)),
    "cholesky_solve_1d": lambda m: m.cholesky_solve(m.ones(3), m.eye(3)),
    "cholesky_solve_dtypes": lambda m: m.cholesky_solve(m.ones(3, 2), m.eye(3, dtype=m.float64)),
    "cholesky_solve_long": lambda m: m.cholesky_solve(m.ones(3, 2, dtype=m.int64),
                                                      m.eye(3, dtype=m.int64)),
    "cholesky_inverse_nonsquare": lambda m: m.cholesky_inverse(m.ones(2, 3)),
    "cholesky_inverse_long": lambda m: m.cholesky_inverse(m.eye(2, dtype=m.int64)),
    "cholesky_inverse_1d": lambda m: m.cholesky_inverse(m.ones(3)),
    "cholesky_inverse_singular": lambda m: m.cholesky_inverse(m.tensor(np.diag([1.0, 0.0, 2.0]))),
    "addr_vec1": lambda m: m.addr(m.ones(3, 4), m.ones(3, 2), m.ones(4)),
    "addr_vec2": lambda m: m.addr(m.ones(3, 4), m.ones(3), m.ones(2, 4)),
    "addr_input": lambda m: m.addr(m.ones(3), m.ones(3), m.ones(4)),
    "addr_input_3d": lambda m: m.addr(m.ones(2, 2, 2), m.ones(2), m.ones(2)),
    "addr_bool_beta": lambda m: m.addr(m.ones(3, 4), m.ones(3), m.ones(4), beta=True),
    "addr_float_alpha_ints": lambda m: m.addr(m.ones(3, 4, dtype=m.int64), m.ones(3, dtype=m.int64),
                                              m.ones(4, dtype=m.int64), alpha=0.5),
    "inv_ex_check": lambda m: m.linalg.inv_ex(m.tensor(SINGULAR), check_errors=True),
    "inv_ex_nonsquare": lambda m: m.linalg.inv_ex(m.ones(2, 3)),
    "cholesky_ex_check": lambda m: m.linalg.cholesky_ex(-m.eye(2), check_errors=True),
    "cholesky_ex_check_batch": lambda m: m.linalg.cholesky_ex(
        m.tensor(np.stack([np.eye(2), np.diag([1.0, -1.0])])), check_errors=True),
    "cholesky_ex_long": lambda m: m.linalg.cholesky_ex(m.eye(2, dtype=m.int64)),
    "solve_ex_check": lambda m: m.linalg.solve_ex(m.tensor(SINGULAR), m.ones(2),
                                                  check_errors=True),
    "solve_ex_shapes": lambda m: m.linalg.solve_ex(m.eye(2), m.ones(3)),
    "lu_factor_singular": lambda m: m.linalg.lu_factor(m.zeros(2, 2)),
    "lu_factor_singular_batch": lambda m: m.linalg.lu_factor(
        m.tensor(np.stack([np.eye(2), np.zeros((2, 2))]))),
    "lu_factor_ex_check": lambda m: m.linalg.lu_factor_ex(m.zeros(2, 2), check_errors=True),
    "lu_factor_1d": lambda m: m.linalg.lu_factor(m.ones(3)),
    "lu_1d": lambda m: m.linalg.lu(m.ones(3)),
    "lu_long": lambda m: m.linalg.lu_factor(m.eye(3, dtype=m.int64)),
    "lu_no_pivot": lambda m: m.linalg.lu_factor(m.eye(3), pivot=False),
    "lu_solve_shapes": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3)), m.ones(2, 2)),
    "lu_solve_shapes_right": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3)),
                                                         m.ones(2, 2), left=False),
    "lu_solve_1d": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3)), m.ones(3)),
    "lu_solve_dtypes": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3)),
                                                   m.ones(3, 2, dtype=m.float64)),
    "lu_solve_nonsquare": lambda m: m.linalg.lu_solve(m.ones(3, 4), m.ones(3, dtype=m.int32),
                                                      m.ones(3, 2)),
    "lu_unpack_pivots": lambda m: m.lu_unpack(m.eye(3), m.ones(3)),
    "cdist_long": lambda m: m.cdist(m.ones(3, 2, dtype=m.int64), m.ones(3, 2, dtype=m.int64)),
    "cdist_dtypes": lambda m: m.cdist(m.ones(3, 2), m.ones(3, 2, dtype=m.float64)),
    "cdist_columns": lambda m: m.cdist(m.ones(3, 2), m.ones(3, 3)),
    "cdist_1d": lambda m: m.cdist(m.ones(3), m.ones(3, 3)),
    "cdist_negative_p": lambda m: m.cdist(m.ones(3, 2), m.ones(3, 2), p=-1),
    "cdist_batch": lambda m: m.cdist(m.ones(2, 3, 2), m.ones(4, 3, 2)),
    "cdist_half": lambda m: m.cdist(m.ones(3, 2, dtype=m.float16), m.ones(3, 2, dtype=m.float16)),
    "cdist_mode": lambda m: m.cdist(m.ones(3, 2), m.ones(3, 2), compute_mode="x"),
    "norm_ord_3d": lambda m: m.linalg.norm(m.ones(2, 2, 2), ord=2),
    "norm_dims_3": lambda m: m.linalg.norm(m.ones(2, 2, 2), dim=(0, 1, 2)),
    "norm_str_ord_1d": lambda m: m.linalg.norm(m.ones(3), ord="fro"),
    "norm_nuc_half": lambda m: m.linalg.norm(m.ones(2, 2, dtype=m.float16), ord="nuc"),
    "vander_n": lambda m: m.linalg.vander(m.ones(3), N=1),
    "vander_bool": lambda m: m.linalg.vander(m.ones(3, dtype=m.bool)),
    "vander_half": lambda m: m.linalg.vander(m.ones(3, dtype=m.float16)),
    "triangular_solve_1d": lambda m: m.triangular_solve(m.ones(3), m.eye(3)),
    "triangular_solve_sizes": lambda m: m.triangular_solve(m.ones(2, 2), m.eye(3)),
    "triangular_solve_dtypes": lambda m: m.triangular_solve(m.ones(3, 2),
                                                            m.eye(3, dtype=m.float64)),
    "triangular_solve_long": lambda m: m.triangular_solve(m.ones(3, 2, dtype=m.int64),
                                                          m.eye(3, dtype=m.int64)),
    "vdot_2d": lambda m: m.vdot(m.ones(2, 2), m.ones(2)),
    "vdot_sizes": lambda m: m.vdot(m.ones(2), m.ones(3)),
    "vdot_dtypes": lambda m: m.vdot(m.ones(2), m.ones(2, dtype=m.float64)),
}


@pytest.mark.parametrize("case", list(MORE_ERRORS))
def test_more_errors_match_torch(case, torch):
    results = []
    for m in (rt, torch):
        with pytest.raises(Exception) as info, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (deprecated functions warn first)
            MORE_ERRORS[case](m)
        results.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert results[0] == results[1]


def test_solve_triangular_singular_gives_infinities_as_torch(torch):
    a = np.triu(np.random.default_rng(0).uniform(-1, 1, (3, 3)) + 3 * np.eye(3))
    a[1, 1] = 0
    ours = rt.linalg.solve_triangular(rt.tensor(a), rt.ones(3, 2, dtype=rt.float64), upper=True)
    theirs = torch.linalg.solve_triangular(torch.tensor(a), torch.ones(3, 2, dtype=torch.float64),
                                           upper=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_solve_triangular_reads_one_triangle(torch):
    a = np.random.default_rng(0).uniform(-1, 1, (3, 3)) + 3 * np.eye(3)
    b = np.random.default_rng(1).uniform(-1, 1, (3, 2))
    for kw in [dict(upper=True), dict(upper=False, unitriangular=True),
               dict(upper=True, left=False)]:
        bb = b.T if kw.get("left") is False else b
        ours = rt.linalg.solve_triangular(rt.tensor(a), rt.tensor(bb), **kw)
        theirs = torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(bb), **kw)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
        assert ours.stride() == theirs.stride()
    mixed = rt.linalg.solve_triangular(rt.tensor(a, dtype=rt.float32), rt.tensor(b), upper=True)
    assert mixed.dtype == rt.float32  # PyTorch solves in A's dtype


def test_deprecated_svd_and_qr(torch):
    a = np.random.default_rng(0).uniform(-1, 1, (4, 3))
    res = []
    for m in (rt, torch):
        x = m.tensor(a, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            U, S, V = m.svd(x, compute_uv=False)
            Q, R = x.qr(some=False)
            U2, S2, V2 = x.svd()
            kind = type(m.qr(x.detach())).__name__
        res.append((tuple(U.shape), tuple(V.shape), U.requires_grad, float(U.abs().sum()),
                    tuple(Q.shape), Q.grad_fn.name(), V2.grad_fn.name(), V2.stride(), kind))
        np.testing.assert_allclose(S.detach().numpy(), np.linalg.svd(a, compute_uv=False))
    assert res[0] == res[1]


def test_inplace_products(torch):
    a = np.random.default_rng(0).uniform(-1, 1, (3, 4))
    res = []
    for m in (rt, torch):
        x = m.tensor(a, requires_grad=True)
        c = m.ones(3, 3, dtype=m.float64, requires_grad=True)
        d = c * 1
        v0 = d._version
        d.addmm_(x, x.t(), beta=0.5, alpha=2)
        e = m.ones(3, dtype=m.float64) * 1
        e.addmv_(x, x[0].detach())
        f = m.zeros(2, 3, 3, dtype=m.float64)
        f.baddbmm_(x.detach()[None].expand(2, 3, 4), x.detach().t()[None].expand(2, 4, 3))
        h = m.zeros(3, 3, dtype=m.float64)
        h.addbmm_(x.detach()[None].expand(2, 3, 4), x.detach().t()[None].expand(2, 4, 3))
        (d.sum() + e.sum()).backward()
        res.append((d.grad_fn.name(), d._version - v0, d.detach().numpy(), e.detach().numpy(),
                    f.numpy(), h.numpy(), x.grad.numpy(), c.grad.numpy()))
    assert res[0][:2] == res[1][:2]
    for x, y in zip(res[0][2:], res[1][2:]):
        np.testing.assert_allclose(x, y, rtol=1e-12)


def test_matrix_exp_half_is_finite():
    # PyTorch 2.13's CPU float16 matrix_exp overflows to inf on [[1, 1], [1, 1]]; we keep the
    # exact value (computed in float32), see the report
    out = rt.linalg.matrix_exp(rt.ones(2, 2, dtype=rt.float16))
    assert out.dtype == rt.float16
    np.testing.assert_allclose(out.numpy().astype(float), [[4.1945, 3.1945], [3.1945, 4.1945]],
                               rtol=1e-3)


@pytest.mark.parametrize("args", [
    ([(2, 3), [0, 1], (3, 4), [1, 2], [0, 2]]), ([(2, 3), [Ellipsis, 1], (3, 4), [1, 2]]),
    ([(2, 3), [0, 27]]), ([(3, 3), [5, 5]]), ([(2, 3), [0, 52]]), ([(2, 3), [-1, 0]])],
    ids=str)
def test_einsum_sublist_format(args, torch):
    res = []
    for m in (rt, torch):
        ops = [m.tensor(np.arange(float(np.prod(a))).reshape(a)) if isinstance(a, tuple) and
               all(isinstance(d, int) for d in a) and i % 2 == 0 else a
               for i, a in enumerate(args)]
        try:
            out = m.einsum(*ops)
            res.append((tuple(out.shape), out.numpy().tolist()))
        except Exception as e:  # noqa: BLE001  (the error is the outcome)
            res.append((type(e).__name__, str(e).splitlines()[0]))
    assert res[0] == res[1]


def test_det_of_singular_matrices_has_torch_gradient(torch):
    """PyTorch's first derivative of det at an exactly singular matrix is 0 (its LU solve
    with a zero right-hand side); a batch mixes singular and regular matrices."""
    mats = np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [0.5, 3.0]], [[0.0, 0.0], [0.0, 0.0]]])
    res = []
    for m in (rt, torch):
        a = m.tensor(mats, requires_grad=True)
        d = m.linalg.det(a)
        d.backward(m.tensor([1.0, 2.0, 3.0], dtype=m.float64))
        res.append((d.detach().numpy(), a.grad.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0])
    np.testing.assert_allclose(res[0][1], res[1][1], atol=1e-12)


def test_addr_bool_and_promotion(torch):
    cases = [lambda m: m.addr(m.tensor([[True, False]]), m.tensor([True]), m.tensor([False, True]),
                              beta=False, alpha=True),
             lambda m: m.addr(m.ones(3, 4, dtype=m.int32), m.ones(3, dtype=m.int64), m.ones(4)),
             lambda m: m.addr(m.full((3, 4), float("nan")), m.ones(3), m.ones(4), beta=0)]
    for case in cases:
        ours, theirs = case(rt), case(torch)
        assert ours.tolist() == theirs.tolist() and str(ours.dtype) == str(theirs.dtype)


def test_tolerance_forms(torch):
    """The deprecated positional rcond / tol, and tensor tolerances (one per matrix)."""
    d = np.diag([2.0, 1e-3, 1e-12])
    batch = np.stack([d, d])
    cases = [lambda m: m.linalg.pinv(m.tensor(d), 1e-2),
             lambda m: m.linalg.pinv(m.tensor(d), rcond=1e-2),
             lambda m: m.linalg.pinv(m.tensor(batch), atol=m.tensor([0.1, 1e-6], dtype=m.float64)),
             lambda m: m.linalg.matrix_rank(m.tensor(batch),
                                            atol=m.tensor([1e-4, 10.0], dtype=m.float64)),
             lambda m: m.linalg.matrix_rank(m.tensor(batch),
                                            rtol=m.tensor([1e-4, 0.9], dtype=m.float64)),
             lambda m: m.linalg.matrix_rank(m.tensor(d), tol=0.5),
             lambda m: m.linalg.matrix_rank(m.tensor(d), 1e-6)]
    for case in cases:
        ours, theirs = case(rt), case(torch)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
        assert str(ours.dtype) == str(theirs.dtype)


def test_ex_functions_report_failures_in_info(torch):
    """info per matrix as PyTorch's (LAPACK's pivot / minor index); the failed matrices'
    values are unspecified (NaN here), the others' exact."""
    mats = np.stack([np.eye(3) * 2, np.diag([1.0, 0.0, 2.0]), np.diag([1.0, 1.0, -1.0])])
    rhs = np.ones((3, 3, 2))
    for fn in (lambda m: m.linalg.inv_ex(m.tensor(mats)),
               lambda m: m.linalg.cholesky_ex(m.tensor(mats)),
               lambda m: m.linalg.solve_ex(m.tensor(mats), m.tensor(rhs))):
        ours, theirs = fn(rt), fn(torch)
        assert type(ours).__name__ == type(theirs).__name__
        assert ours[1].tolist() == theirs[1].tolist() and str(ours[1].dtype) == str(theirs[1].dtype)
        ok = theirs[1].numpy() == 0
        np.testing.assert_allclose(ours[0].numpy()[ok], theirs[0].numpy()[ok], rtol=1e-12)
        assert np.isnan(ours[0].numpy()[~ok]).all()


# ----- Hypothesis: random einsum equations (repeated labels, size-1 broadcasting,
# ellipses, implicit and explicit outputs) against PyTorch: values, graph, gradients

from hypothesis import given, settings, strategies as st  # noqa: E402


@st.composite
def _einsum_problems(draw):
    letters = "abcd"
    sizes = {c: draw(st.integers(1, 3)) for c in letters}
    ell_shape = draw(st.lists(st.integers(1, 2), min_size=0, max_size=2))
    n_ops = draw(st.integers(1, 3))
    terms, shapes = [], []
    for _ in range(n_ops):
        labels = draw(st.lists(st.sampled_from(letters), min_size=0, max_size=3))
        # one size per label of this operand (a repeated label keeps it); some broadcast
        own = {c: sizes[c] if draw(st.integers(0, 4)) else 1 for c in set(labels)}
        tokens = list(labels)
        if draw(st.booleans()):
            k = draw(st.integers(0, len(ell_shape)))
            lead = [s if draw(st.booleans()) else 1 for s in ell_shape[len(ell_shape) - k:]]
            pos = draw(st.integers(0, len(labels)))
            tokens = tokens[:pos] + [("...", lead)] + tokens[pos:]
        term, shape = "", []
        for t in tokens:
            if isinstance(t, tuple):
                term += "..."
                shape += t[1]
            else:
                term += t
                shape.append(own[t])
        terms.append(term)
        shapes.append(tuple(shape))
    lhs = ",".join(terms)
    used = sorted(set("".join(terms).replace(".", "")))
    if draw(st.booleans()):
        return lhs, shapes
    out = draw(st.permutations(used))
    out = "".join(out[:draw(st.integers(0, len(out)))])
    if any("..." in t for t in terms) and draw(st.booleans()):
        pos = draw(st.integers(0, len(out)))
        out = out[:pos] + "..." + out[pos:]
    return lhs + "->" + out, shapes


@settings(max_examples=60, deadline=None)
@given(problem=_einsum_problems(), seed=st.integers(0, 2 ** 16))
def test_einsum_random_equations_match_torch(problem, seed):
    if _TORCH is None:
        pytest.skip("PyTorch (the oracle) is not installed")
    eq, shapes = problem
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    res = []
    for m in (rt, _TORCH):
        ts = [m.tensor(a, requires_grad=True) for a in arrays]
        try:
            out = m.einsum(eq, *ts)
        except Exception as e:  # noqa: BLE001  (an invalid problem must fail alike)
            res.append((type(e).__name__, str(e).splitlines()[0]))
            continue
        g = np.random.default_rng(seed + 1).standard_normal(tuple(out.shape))
        names = out.grad_fn.name() if out.grad_fn is not None else None
        if out.requires_grad:
            out.backward(m.tensor(g))
        res.append((out.detach().numpy(), names,
                    [t.grad.numpy() if t.grad is not None else None for t in ts]))
    if isinstance(res[1][0], str) or isinstance(res[0][0], str):
        assert isinstance(res[0][0], str) and res[0] == res[1], (eq, res[0][:2], res[1][:2])
        return
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-9, atol=1e-10, err_msg=eq)
    assert res[0][1] == res[1][1], eq
    for x, y in zip(res[0][2], res[1][2]):
        assert (x is None) == (y is None), eq
        if x is not None:
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-10, err_msg=eq)


# ----- Hypothesis: decompositions over random batch shapes and matrix sizes vs PyTorch

def _gauge_free(m, name, a, b):
    """Each function as a gauge-invariant value of A (and B), so gradients compare."""
    n = a.shape[-1]
    eye = m.eye(n, dtype=a.dtype)
    if name == "inv":
        return m.linalg.inv(a + 2 * n * eye)
    if name == "det":
        return m.linalg.det(a + 2 * eye)
    if name == "slogdet":
        return m.linalg.slogdet(a + 2 * n * eye).logabsdet
    if name == "solve":
        return m.linalg.solve(a + 2 * n * eye, b)
    if name == "cholesky":
        return m.linalg.cholesky(a @ a.transpose(-2, -1) + n * eye)
    if name == "eigh":
        L, V = m.linalg.eigh(a + a.transpose(-2, -1))
        return V * V * L.unsqueeze(-2)
    if name == "svd":
        U, S, Vh = m.linalg.svd(a, full_matrices=False)
        return (U * U * S.unsqueeze(-2)) @ (Vh * Vh)
    if name == "qr":
        Q, R = m.linalg.qr(a)
        return Q.sum(-1, keepdim=True) * R.sum(-2, keepdim=True)
    if name == "pinv":
        return m.linalg.pinv(a)
    if name == "matrix_exp":
        return m.linalg.matrix_exp(a)
    if name == "lu":
        P, L, U = m.linalg.lu(a)
        return L.sum(-1, keepdim=True) * U.sum(-2, keepdim=True)
    if name == "lu_solve":
        return m.linalg.lu_solve(*m.linalg.lu_factor(a + 2 * n * eye), b)
    if name == "cholesky_solve":
        return m.cholesky_solve(b, m.linalg.cholesky(a @ a.transpose(-2, -1) + n * eye))
    raise ValueError(name)


_SQUARE = ("inv", "det", "slogdet", "solve", "cholesky", "eigh", "matrix_exp", "lu_solve",
           "cholesky_solve")


@settings(max_examples=50, deadline=None)
@given(name=st.sampled_from(list(_SQUARE) + ["svd", "qr", "pinv", "lu"]),
       batch=st.lists(st.integers(1, 3), max_size=2), m_=st.integers(1, 4), n_=st.integers(1, 4),
       k=st.integers(1, 3), bcast=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_decompositions_random_shapes_match_torch(name, batch, m_, n_, k, bcast, seed):
    if _TORCH is None:
        pytest.skip("PyTorch (the oracle) is not installed")
    if name in _SQUARE:
        m_ = n_
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, tuple(batch) + (m_, n_))
    b = rng.uniform(-1, 1, (tuple(batch[1:]) if bcast else tuple(batch)) + (n_, k))
    res = []
    for m in (rt, _TORCH):
        A, B = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        out = _gauge_free(m, name, A, B)
        out.backward(m.tensor(np.random.default_rng(seed + 1).standard_normal(tuple(out.shape))))
        res.append((out.detach().numpy(), A.grad.numpy(),
                    None if B.grad is None else B.grad.numpy()))
    for x, y in zip(res[0], res[1]):
        assert (x is None) == (y is None)
        if x is not None:
            assert x.shape == y.shape, name
            np.testing.assert_allclose(x, y, rtol=1e-7, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (3, 5), (5, 3), (1, 1), (2, 0, 0)],
                         ids=str)
def test_lu_matches_torch(shape, torch):
    """Pivots, factors, P, info, layouts and the gradients of L and U (square, wide, tall)."""
    a = np.random.default_rng(0).standard_normal(shape)
    if a.size:
        a[..., 0, :] *= 1e-3  # pivoting matters
    res = []
    for m in (rt, torch):
        A = m.tensor(a, requires_grad=True)
        LU, piv, info = m.linalg.lu_factor_ex(A)
        P, L, U = m.linalg.lu(A)
        (L.sum() * 3 + (U ** 2).sum() + (LU ** 3).sum()).backward()
        res.append(([x.detach().numpy() for x in (LU, piv, info, P, L, U)] + [A.grad.numpy()],
                    [(str(x.dtype), x.requires_grad) for x in (LU, piv, info, P, L, U)],
                    [x.stride() if x.numel() else None for x in (LU, L, U)]))
    for x, y in zip(res[0][0], res[1][0]):
        assert x.shape == y.shape
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)
    assert res[0][1:] == res[1][1:]


def test_deprecated_torch_lu(torch):
    a = np.random.default_rng(0).standard_normal((2, 3, 3))
    res = []
    for m in (rt, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            x = m.tensor(a, requires_grad=True)
            two, three = m.lu(x), x.lu(get_infos=True)
            singular = m.lu(m.zeros(2, 2))[1].tolist()
        res.append((len(two), len(three), two[0].grad_fn.name(), str(three[2].dtype),
                    two[0].detach().numpy().round(12).tolist(), two[1].tolist(), singular))
        if m is rt:  # (PyTorch warns once per process)
            assert any("torch.lu is deprecated" in str(w.message) for w in caught)
    assert res[0] == res[1]


def test_cdist_subgradients_match_torch(torch):
    """Zero differences and zero distances, ties of the max norm: PyTorch's choices."""
    a = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    b = np.zeros((2, 2))
    for p in [0.0, 0.5, 1.0, 2.0, 3.0, float("inf")]:
        res = []
        for m in (rt, torch):
            x, y = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
            out = m.cdist(x, y, p=p)
            out.backward(m.ones_like(out))
            res.append((out.detach().numpy(), x.grad.numpy(), y.grad.numpy()))
        for u, v in zip(*res):
            np.testing.assert_allclose(u, v, rtol=1e-12, err_msg=str(p))


def test_linalg_diagonal(torch):
    a = np.arange(24.0).reshape(2, 3, 4)
    res = []
    for m in (rt, torch):
        x = m.tensor(a, requires_grad=True)
        outs = [m.linalg.diagonal(x), m.linalg.diagonal(x, offset=1, dim1=0, dim2=2)]
        sum(o.sum() for o in outs).backward()
        res.append([(o.tolist(), o.grad_fn.name(), o._base is x) for o in outs] +
                   [x.grad.tolist()])
    assert res[0] == res[1]


def test_deprecated_torch_lu_solve(torch):
    a = np.random.default_rng(0).standard_normal((3, 3)) + 3 * np.eye(3)
    b = np.random.default_rng(1).standard_normal((3, 2))
    res = []
    for m in (rt, torch):
        A = m.tensor(a, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = m.lu_solve(m.tensor(b), *m.linalg.lu_factor(A))
            y = m.tensor(b).lu_solve(*m.linalg.lu_factor(A))
        (x.sum() + y.sum()).backward()
        res.append((x.detach().numpy(), A.grad.numpy(), x.grad_fn.name(), x.stride()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-10)
    assert res[0][2:] == res[1][2:]


def test_named_tuples_are_torch_return_types(torch):
    a = np.random.default_rng(0).standard_normal((3, 3)) + 3 * np.eye(3)
    calls = [lambda m, x: m.linalg.qr(x), lambda m, x: m.linalg.eigh(x + x.t()),
             lambda m, x: m.linalg.svd(x), lambda m, x: m.linalg.slogdet(x),
             lambda m, x: m.linalg.lu(x), lambda m, x: m.linalg.lu_factor(x),
             lambda m, x: m.linalg.lstsq(x, x), lambda m, x: m.linalg.inv_ex(x),
             lambda m, x: m.svd(x), lambda m, x: m.slogdet(x)]
    for call in calls:
        ours, theirs = call(rt, rt.tensor(a)), call(torch, torch.tensor(a))
        assert type(ours).__name__ == type(theirs).__name__
        assert isinstance(ours, getattr(rt.return_types, type(theirs).__name__))
