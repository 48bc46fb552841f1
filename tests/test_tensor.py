"""Scenario tests for retrograd's Tensor: creation, random factories, dtypes and type
promotion, attributes and conversions, and a few end-to-end reprs.

Most tests take the library as the fixture ``m`` and run the same lines once with
``m = retrograd`` and once with ``m = torch`` (skipped when PyTorch is not installed).
Every expected value is written out, so the retrograd run checks something on its own and
the torch run proves the expectation is PyTorch's.
"""
import re
import warnings

import numpy as np
import pytest

import retrograd
from conftest import raises_exact

try:
    import torch as _torch
except ImportError:  # the hard-coded expectations still run
    _torch = None

needs_torch = pytest.mark.skipif(_torch is None, reason="PyTorch is not installed")


@pytest.fixture
def default_float64(m):
    """Switch the default float dtype to float64 for one test, restored afterwards."""
    old = m.get_default_dtype()
    m.set_default_dtype(m.float64)
    try:
        yield
    finally:
        m.set_default_dtype(old)


# ---------------------------------------------------------------------------------------
# tensor(): numbers, nested lists, NumPy arrays, other tensors
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("data, dtype_name, shape, values", [
    (3, "int64", (), 3),
    (2.5, "float32", (), 2.5),
    (True, "bool", (), True),
    ([1, 2, 3], "int64", (3,), [1, 2, 3]),
    ([1.5, 2], "float32", (2,), [1.5, 2.0]),
    ([True, False], "bool", (2,), [True, False]),
    ([True, 2], "int64", (2,), [1, 2]),
    ([1, 2.5, True], "float32", (3,), [1.0, 2.5, 1.0]),
    ([[1, 2], [3, 4]], "int64", (2, 2), [[1, 2], [3, 4]]),
    (((1, 2), (3, 4)), "int64", (2, 2), [[1, 2], [3, 4]]),
    ([[1, 2], (3, 4)], "int64", (2, 2), [[1, 2], [3, 4]]),
    ([[[1.0]], [[2.0]]], "float32", (2, 1, 1), [[[1.0]], [[2.0]]]),
    ([], "float32", (0,), []),
    ([[], []], "float32", (2, 0), [[], []]),
])
def test_tensor_from_python_data(m, data, dtype_name, shape, values):
    t = m.tensor(data)
    assert t.dtype is getattr(m, dtype_name)
    assert tuple(t.shape) == shape
    assert t.tolist() == values
    assert t.requires_grad is False and t.is_leaf and t.grad_fn is None


@pytest.mark.parametrize("np_dtype, name", [
    (np.float64, "float64"), (np.float32, "float32"), (np.float16, "float16"),
    (np.int64, "int64"), (np.int32, "int32"), (np.int16, "int16"), (np.int8, "int8"),
    (np.uint8, "uint8"), (np.bool_, "bool"),
])
def test_tensor_from_numpy_keeps_dtype_and_copies(m, np_dtype, name):
    a = np.array([[1, 0], [1, 1]], dtype=np_dtype)
    t = m.tensor(a)
    assert t.dtype is getattr(m, name)
    assert t.shape == (2, 2)
    a[0, 0] = 0  # tensor() copies: the array's later writes do not show
    assert t.tolist()[0][0] == 1


@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy.ndarrays")
@pytest.mark.parametrize("make, dtype_name, values", [
    (lambda: [np.int32(1), 2], "int64", [1, 2]),
    (lambda: [np.float64(1.5), 2], "float64", [1.5, 2.0]),
    (lambda: [np.float16(1), np.int64(2)], "float16", [1.0, 2.0]),
    (lambda: [np.int32(1), 2.5], "float32", [1.0, 2.5]),
    (lambda: np.float32(2.0), "float32", 2.0),
    (lambda: np.int32(7), "int32", 7),
    (lambda: np.bool_(True), "bool", True),
    (lambda: [np.array([1, 2], dtype=np.int32), [3, 4]], "int64", [[1, 2], [3, 4]]),
    (lambda: [np.array([1.5])], "float64", [[1.5]]),
])
def test_tensor_infers_dtype_from_numpy_scalars_and_arrays(m, make, dtype_name, values):
    t = m.tensor(make())
    assert t.dtype is getattr(m, dtype_name)
    assert t.tolist() == values


def test_tensor_from_list_of_zero_d_tensors_promotes(m):
    t = m.tensor([m.tensor(1, dtype=m.uint8), m.tensor(1, dtype=m.int8)])
    assert t.dtype is m.int16 and t.tolist() == [1, 1]
    t = m.tensor([m.tensor(1.5), m.tensor(2.0)])
    assert t.dtype is m.float32 and t.tolist() == [1.5, 2.0]
    with raises_exact(ValueError, "only one element tensors can be converted to Python scalars"):
        m.tensor([m.tensor([1.0, 2.0]), m.tensor([3.0, 4.0])])


def test_tensor_from_tensor_copies_and_warns(m):
    src = m.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match=re.escape(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
            ".requires_grad_(True), rather than torch.tensor(sourceTensor).")):
        t = m.tensor(src)
    assert t.requires_grad is False and t.is_leaf
    assert t.dtype is m.float32 and t.tolist() == [1.0, 2.0]
    with m.no_grad():
        src.mul_(10)
    assert t.tolist() == [1.0, 2.0]  # a copy


def test_tensor_dtype_and_requires_grad_arguments(m):
    t = m.tensor([1, 2], dtype=m.float64, requires_grad=True)
    assert t.dtype is m.float64 and t.requires_grad and t.is_leaf
    assert m.tensor([0.5, -1.7], dtype=m.int64).tolist() == [0, -1]
    assert m.tensor([1, 0, 2], dtype=m.bool).tolist() == [True, False, True]
    assert m.tensor([[1, 2]], dtype=m.float16).dtype is m.float16
    assert m.tensor(3, dtype=m.float32).tolist() == 3.0


@pytest.mark.parametrize("data, exc, text", [
    ([[1, 2], [3]], ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
    ([[1, 2], [3, 4, 5]], ValueError, "expected sequence of length 2 at dim 1 (got 3)"),
    ([[1], [2, 3]], ValueError, "expected sequence of length 1 at dim 1 (got 2)"),
    ([[1, 2], []], ValueError, "expected sequence of length 2 at dim 1 (got 0)"),
    ([[[1], [2]], [[3, 5], [4]]], ValueError, "expected sequence of length 1 at dim 2 (got 2)"),
    ([[1, 2], 3], TypeError, "not a sequence"),
    ([[1.0], 2], TypeError, "not a sequence"),
    ([1, [2]], TypeError, "'list' object cannot be interpreted as an integer"),
    ([1, (2,)], TypeError, "'tuple' object cannot be interpreted as an integer"),
    ([1.0, [2.0]], TypeError, "must be real number, not list"),
    ([1, []], TypeError, "must be real number, not list"),
])
def test_tensor_ragged_lists(m, data, exc, text):
    with raises_exact(exc, text):
        m.tensor(data)


@pytest.mark.parametrize("data, exc, text", [
    ("a", TypeError, "new(): invalid data type 'str'"),
    ([1, "a"], TypeError, "new(): invalid data type 'str'"),
    (["a"], ValueError, "too many dimensions 'str'"),
    ([b"a"], TypeError, "new(): invalid data type 'bytes'"),
    (None, RuntimeError, "Could not infer dtype of NoneType"),
    ([None], RuntimeError, "Could not infer dtype of NoneType"),
    ([1, None, "a"], RuntimeError, "Could not infer dtype of NoneType"),
    ([[1, 2], [None]], RuntimeError, "Could not infer dtype of NoneType"),
    ({1: 2}, RuntimeError, "Could not infer dtype of dict"),
    ([object()], RuntimeError, "Could not infer dtype of object"),
])
def test_tensor_bad_element_types(m, data, exc, text):
    with raises_exact(exc, text):
        m.tensor(data)


def test_legacy_tensor_constructor(m):
    t = m.Tensor([1, 2])
    assert t.dtype is m.float32 and t.tolist() == [1.0, 2.0]
    assert m.Tensor(2, 3).shape == (2, 3) and m.Tensor(2, 3).dtype is m.float32
    assert m.Tensor().shape == (0,)
    src = m.ones(2, dtype=m.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no copy-construct warning: it is an alias
        alias = m.Tensor(src)
    assert alias.dtype is m.float64
    alias.add_(1)
    assert src.tolist() == [2.0, 2.0]


# ---------------------------------------------------------------------------------------
# as_tensor and from_numpy
# ---------------------------------------------------------------------------------------
def test_from_numpy_shares_memory_both_ways(m):
    a = np.array([1.0, 2.0, 3.0])
    t = m.from_numpy(a)
    assert t.dtype is m.float64
    a[0] = 10.0
    assert t.tolist() == [10.0, 2.0, 3.0]
    t.add_(1)
    assert a.tolist() == [11.0, 3.0, 4.0]
    assert np.shares_memory(t.numpy(), a)


@pytest.mark.parametrize("np_dtype, name", [
    (np.float32, "float32"), (np.int32, "int32"), (np.uint8, "uint8"), (np.bool_, "bool"),
    (np.int8, "int8"), (np.int16, "int16"), (np.float16, "float16"),
])
def test_from_numpy_dtypes(m, np_dtype, name):
    t = m.from_numpy(np.zeros((2, 3), dtype=np_dtype))
    assert t.dtype is getattr(m, name) and t.shape == (2, 3)


def test_from_numpy_errors(m):
    with raises_exact(TypeError, "expected np.ndarray (got list)"):
        m.from_numpy([1, 2])
    with raises_exact(TypeError, "can't convert np.ndarray of type numpy.str_. The only "
                                 "supported types are: float64, float32, float16, "):
        m.from_numpy(np.array(["a"]))
    with raises_exact(TypeError, "can't convert np.ndarray of type numpy.object_."):
        m.from_numpy(np.array([None, 1]))


def test_as_tensor(m):
    a = np.array([1.0, 2.0])
    t = m.as_tensor(a)
    a[1] = 5.0
    assert t.tolist() == [1.0, 5.0]  # same dtype: shares memory
    c = m.as_tensor(a, dtype=m.float32)
    a[1] = 7.0
    assert c.dtype is m.float32 and c.tolist() == [1.0, 5.0]  # converted: a copy
    x = m.tensor([1.0, 2.0])
    assert m.as_tensor(x) is x
    assert m.as_tensor(x, dtype=m.float64).dtype is m.float64
    assert m.as_tensor([1, 2]).dtype is m.int64
    assert m.as_tensor([1.0, 2.0], dtype=m.float64).tolist() == [1.0, 2.0]
    assert m.as_tensor(3.5).dtype is m.float32


# ---------------------------------------------------------------------------------------
# zeros / ones / full / empty and their _like twins
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, fill", [("zeros", 0.0), ("ones", 1.0)])
def test_zeros_ones_sizes(m, name, fill):
    f = getattr(m, name)
    for args in [(2, 3), ((2, 3),), ([2, 3],), (m.Size([2, 3]),)]:
        t = f(*args)
        assert t.shape == (2, 3) and t.dtype is m.float32
        assert t.tolist() == [[fill] * 3] * 2
    assert f(()).shape == () and f(()).tolist() == fill
    assert f(0, 3).shape == (0, 3) and f(0, 3).numel() == 0
    assert f(np.int64(2), 3).shape == (2, 3)
    assert f(m.tensor(2), 3).shape == (2, 3)
    assert f(2, dtype=m.int32).tolist() == [int(fill)] * 2
    assert f(2, dtype=m.int32).dtype is m.int32
    assert f(2, requires_grad=True).requires_grad
    assert f(2, dtype=m.bool).dtype is m.bool


def test_empty_shape_and_dtype(m):
    t = m.empty(2, 3)
    assert t.shape == (2, 3) and t.dtype is m.float32
    assert m.empty((4,), dtype=m.int64).dtype is m.int64
    assert m.empty(0).numel() == 0


def test_negative_dimension_errors(m):
    # PyTorch checks zeros' sizes in a kernel of its own, with its own words.
    for args in [(-1,), (-1, 2), ((2, -3),), (2, -1, -3)]:
        with raises_exact(RuntimeError, "zeros: Dimension size must be non-negative."):
            m.zeros(*args)
    with raises_exact(RuntimeError, "Trying to create tensor with negative dimension -1: [-1, 2]"):
        m.ones(-1, 2)
    with raises_exact(RuntimeError, "Trying to create tensor with negative dimension -2: [-2, 3]"):
        m.empty(-2, 3)
    with raises_exact(RuntimeError, "Trying to create tensor with negative dimension -1: [2, -1]"):
        m.full((2, -1), 1.0)
    with raises_exact(RuntimeError, "Trying to create tensor with negative dimension -1: [2, -1]"):
        m.rand(2, -1)
    with raises_exact(RuntimeError, "Trying to create tensor with negative dimension -1: [-1]"):
        m.randn(-1)
    with raises_exact(RuntimeError, "Trying to create tensor with negative dimension -1: [-1]"):
        m.randint(0, 3, (-1,))


def test_bad_size_argument_types(m):
    with raises_exact(TypeError, "ones(): argument 'size' failed to unpack the object at pos 2 "
                                 "with error \"type must be tuple of ints,but got float\""):
        m.ones(2, 3.0)
    with raises_exact(TypeError, "zeros(): argument 'size' (position 1) must be tuple of ints, "
                                 "not float"):
        m.zeros(2.5)
    with raises_exact(TypeError, "zeros(): argument 'size' (position 1) must be tuple of ints, "
                                 "but found element of type float at pos 0"):
        m.zeros((2.5,))
    with raises_exact(TypeError, "ones(): argument 'size' (position 1) must be tuple of ints, "
                                 "not str"):
        m.ones("a")
    with raises_exact(TypeError, "full(): argument 'size' (position 1) must be tuple of ints, "
                                 "not int"):
        m.full(2, 1.5)


@pytest.mark.parametrize("fill, dtype_name, values", [
    (1.5, "float32", [1.5, 1.5]),
    (-1, "int64", [-1, -1]),
    (True, "bool", [True, True]),
])
def test_full_infers_dtype_from_fill_value(m, fill, dtype_name, values):
    t = m.full((2,), fill)
    assert t.dtype is getattr(m, dtype_name) and t.tolist() == values
    assert m.full([2, 2], 3).tolist() == [[3, 3], [3, 3]]
    assert m.full((2,), 3, dtype=m.float64).dtype is m.float64


def test_like_factories(m):
    src = m.ones(2, 3, dtype=m.int32)
    for name, fill in [("zeros_like", 0), ("ones_like", 1)]:
        t = getattr(m, name)(src)
        assert t.shape == (2, 3) and t.dtype is m.int32 and t.tolist() == [[fill] * 3] * 2
    assert m.empty_like(src).shape == (2, 3) and m.empty_like(src).dtype is m.int32
    f = m.full_like(src, 7)
    assert f.dtype is m.int32 and f.tolist() == [[7] * 3] * 2
    assert m.full_like(m.ones(2, dtype=m.int64), 7.9).tolist() == [7, 7]
    assert m.full_like(m.ones(2), 7).tolist() == [7.0, 7.0]
    z = m.zeros_like(m.ones(2), dtype=m.float64)
    assert z.dtype is m.float64
    g = m.ones_like(m.ones(2, requires_grad=True))
    assert g.requires_grad is False  # _like copies shape and dtype, not autograd state
    assert m.zeros_like(m.ones(2), requires_grad=True).requires_grad


# ---------------------------------------------------------------------------------------
# arange, linspace, eye
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, kwargs, dtype_name, values", [
    ((5,), {}, "int64", [0, 1, 2, 3, 4]),
    ((2, 5), {}, "int64", [2, 3, 4]),
    ((0, 10, 3), {}, "int64", [0, 3, 6, 9]),
    ((10, 0, -3), {}, "int64", [10, 7, 4, 1]),
    ((5.0,), {}, "float32", [0.0, 1.0, 2.0, 3.0, 4.0]),
    ((0.0, 3), {}, "float32", [0.0, 1.0, 2.0]),
    ((1, 2.5, 0.5), {}, "float32", [1.0, 1.5, 2.0]),
    ((1, 4), {"dtype": "float64"}, "float64", [1.0, 2.0, 3.0]),
    ((0, 0), {}, "int64", []),
    ((3, 3, 1), {}, "int64", []),
])
def test_arange_values_and_dtype(m, args, kwargs, dtype_name, values):
    kwargs = {k: getattr(m, v) for k, v in kwargs.items()}
    t = m.arange(*args, **kwargs)
    assert t.dtype is getattr(m, dtype_name)
    assert t.tolist() == values


@pytest.mark.parametrize("start, end, step, n", [
    (0, 1, 0.1, 10), (-1.0, 1.0, 0.3, 7), (0, 1, 1 / 3, 3), (0, 2, 0.25, 8),
    (1, 0, -0.1, 10), (0.5, 10.5, 1.0, 10), (0, 10, 3, 4), (0, 1e-3, 1e-4, 10),
])
def test_arange_float_steps_lengths(m, start, end, step, n):
    t = m.arange(start, end, step)
    assert t.shape == (n,)
    assert t.tolist()[0] == pytest.approx(start)
    expected = np.array([start + i * step for i in range(n)], dtype=np.float32)
    np.testing.assert_allclose(np.asarray(t), expected, rtol=1e-6, atol=1e-7)


@needs_torch
@pytest.mark.parametrize("start, end, step", [
    (0, 1, 0.1), (-1.0, 1.0, 0.3), (0, 1, 1 / 3), (0.1, 0.9, 0.2), (1, 0, -0.1),
    (0, 5.5, 0.5), (-3, 3, 0.7), (0, 1, 0.01), (2.5, 7, 1.5),
])
def test_arange_matches_torch_exactly(start, end, step):
    ours = retrograd.arange(start, end, step)
    theirs = _torch.arange(start, end, step)
    assert ours.shape == tuple(theirs.shape) and ours.dtype is retrograd.float32
    # PyTorch's float32 values depend on its SIMD width (it adds steps in float32 within a
    # vector), so the values match to float32 precision, not bit for bit.
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=2e-7, atol=1e-7)


def test_arange_errors(m):
    with raises_exact(RuntimeError, "step must be nonzero"):
        m.arange(0, 1, 0)
    with raises_exact(RuntimeError, "upper bound and lower bound inconsistent with step sign"):
        m.arange(0, -1, 1)
    with raises_exact(RuntimeError, "upper bound and lower bound inconsistent with step sign"):
        m.arange(0, 1, -0.5)


def test_linspace(m):
    t = m.linspace(0, 1, 5)
    assert t.dtype is m.float32 and t.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert m.linspace(0, 10, 1).tolist() == [0.0]
    assert m.linspace(0, 10, 0).shape == (0,)
    assert m.linspace(-1, 1, 3, dtype=m.float64).dtype is m.float64
    assert m.linspace(0, 10, 4, dtype=m.int64).tolist() == [0, 3, 6, 10]
    with raises_exact(RuntimeError, "number of steps must be non-negative"):
        m.linspace(0, 10, -1)


def test_eye(m):
    assert m.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert m.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert m.eye(3, dtype=m.int64).dtype is m.int64
    assert m.eye(0).shape == (0, 0)
    with raises_exact(RuntimeError, "n must be greater or equal to 0, got -1"):
        m.eye(-1)


# ---------------------------------------------------------------------------------------
# random factories: reproducible under manual_seed (values need not match PyTorch's)
# ---------------------------------------------------------------------------------------
def test_manual_seed_reproduces_every_factory():
    def draw():
        return [retrograd.rand(3).tolist(), retrograd.randn(2, 2).tolist(),
                retrograd.randint(0, 10, (5,)).tolist(),
                retrograd.normal(2.0, 3.0, (4,)).tolist()]
    retrograd.manual_seed(1234)
    first = draw()
    retrograd.manual_seed(1234)
    assert draw() == first
    retrograd.manual_seed(4321)
    assert draw() != first
    # the stream moves on between calls
    retrograd.manual_seed(0)
    assert retrograd.rand(4).tolist() != retrograd.rand(4).tolist()


def test_manual_seed_returns_generator_and_initial_seed(m):
    g = m.manual_seed(7)
    assert isinstance(g, m.Generator)
    assert m.initial_seed() == 7


def test_generator_objects_are_independent():
    a = retrograd.Generator().manual_seed(5)
    b = retrograd.Generator().manual_seed(5)
    assert retrograd.rand(3, generator=a).tolist() == retrograd.rand(3, generator=b).tolist()
    state = retrograd.get_rng_state()
    x = retrograd.randn(3).tolist()
    retrograd.set_rng_state(state)
    assert retrograd.randn(3).tolist() == x


def test_random_shapes_dtypes_and_ranges(m):
    m.manual_seed(0)
    r = m.rand(1000)
    assert r.shape == (1000,) and r.dtype is m.float32
    a = np.asarray(r)
    assert a.min() >= 0.0 and a.max() < 1.0 and 0.4 < a.mean() < 0.6
    assert m.rand(2, 3).shape == (2, 3) and m.rand((2, 3)).shape == (2, 3)
    assert m.rand(2, dtype=m.float64).dtype is m.float64
    n = np.asarray(m.randn(4000))
    assert m.randn(3, 2).dtype is m.float32
    assert abs(n.mean()) < 0.1 and 0.9 < n.std() < 1.1
    i = m.randint(3, 7, (2000,))
    assert i.dtype is m.int64 and i.shape == (2000,)
    assert set(i.tolist()) == {3, 4, 5, 6}
    assert m.randint(5, (2, 2)).shape == (2, 2)
    assert set(m.randint(5, (500,)).tolist()) <= {0, 1, 2, 3, 4}
    assert m.randint(0, 3, (2,), dtype=m.int32).dtype is m.int32
    nm = m.normal(5.0, 0.5, (3000,))
    assert nm.dtype is m.float32 and abs(np.asarray(nm).mean() - 5.0) < 0.1
    nt = m.normal(m.zeros(3), 1.0)
    assert nt.shape == (3,) and nt.dtype is m.float32
    nt = m.normal(m.zeros(2, 1, dtype=m.float64), m.ones(3))
    assert nt.shape == (2, 3) and nt.dtype is m.float64
    assert m.rand(2, requires_grad=True).requires_grad


def test_random_errors(m):
    with raises_exact(NotImplementedError, "\"check_uniform_bounds\" not implemented for 'Long'"):
        m.rand(2, dtype=m.int64)
    with raises_exact(NotImplementedError, "\"normal_kernel_cpu\" not implemented for 'Long'"):
        m.randn(2, dtype=m.int64)
    with raises_exact(RuntimeError, "random_ expects 'from' to be less than 'to', but got "
                                    "from=3 >= to=3"):
        m.randint(3, 3, (2,))
    with raises_exact(RuntimeError, "normal expects std >= 0.0, but found std -1"):
        m.normal(0.0, -1.0, (2, 3))
    with raises_exact(RuntimeError, "normal expects std >= 0.0, but found std -0.5"):
        m.normal(0.0, -0.5, (2,))
    with raises_exact(RuntimeError, "normal expects std >= 0.0, but found std -1"):
        m.normal(m.zeros(3), -1.0)


# ---------------------------------------------------------------------------------------
# dtypes, aliases, the default dtype
# ---------------------------------------------------------------------------------------
DTYPE_FACTS = [  # name, is_floating_point, itemsize, is_signed, legacy type
    ("float16", True, 2, True, "torch.HalfTensor"),
    ("float32", True, 4, True, "torch.FloatTensor"),
    ("float64", True, 8, True, "torch.DoubleTensor"),
    ("int8", False, 1, True, "torch.CharTensor"),
    ("int16", False, 2, True, "torch.ShortTensor"),
    ("int32", False, 4, True, "torch.IntTensor"),
    ("int64", False, 8, True, "torch.LongTensor"),
    ("uint8", False, 1, False, "torch.ByteTensor"),
    ("bool", False, 1, False, "torch.BoolTensor"),
]


@pytest.mark.parametrize("name, is_float, itemsize, signed, legacy", DTYPE_FACTS)
def test_dtype_objects(m, name, is_float, itemsize, signed, legacy):
    d = getattr(m, name)
    assert repr(d) == str(d) == f"torch.{name}"
    assert d.is_floating_point is is_float
    assert d.itemsize == itemsize
    assert d.is_signed is signed
    t = m.zeros(2, dtype=d)
    assert t.dtype is d and t.element_size() == itemsize
    assert t.type() == legacy
    assert t.is_floating_point() is is_float


@pytest.mark.parametrize("alias, name", [
    ("float", "float32"), ("double", "float64"), ("half", "float16"), ("long", "int64"),
    ("int", "int32"), ("short", "int16"),
])
def test_dtype_aliases(m, alias, name):
    assert getattr(m, alias) is getattr(m, name)
    assert repr(getattr(m, alias)) == f"torch.{name}"


def test_default_dtype_roundtrip(m):
    assert m.get_default_dtype() is m.float32
    old = m.get_default_dtype()
    try:
        m.set_default_dtype(m.float64)
        assert m.get_default_dtype() is m.float64
        assert m.tensor([1.5]).dtype is m.float64
        assert m.zeros(2).dtype is m.float64
        assert m.arange(3.0).dtype is m.float64
        assert m.rand(2).dtype is m.float64
        assert m.full((1,), 2.0).dtype is m.float64
        assert (m.tensor([1, 2]) * 1.5).dtype is m.float64
        assert (m.tensor([1, 2]) / m.tensor([2, 2])).dtype is m.float64
        assert m.tensor([1, 2]).float().dtype is m.float32  # float() means float32
        m.set_default_dtype(m.float16)
        assert m.ones(1).dtype is m.float16
    finally:
        m.set_default_dtype(old)
    assert m.get_default_dtype() is m.float32
    assert m.tensor([1.5]).dtype is m.float32


def test_set_default_dtype_rejects_integers(m):
    with raises_exact(TypeError, "only floating-point types are supported as the default type"):
        m.set_default_dtype(m.int64)
    assert m.get_default_dtype() is m.float32


def test_promote_types_and_result_type(m):
    assert m.promote_types(m.uint8, m.int8) is m.int16
    assert m.promote_types(m.int64, m.float16) is m.float16
    assert m.promote_types(m.bool, m.uint8) is m.uint8
    assert m.promote_types(m.float32, m.float64) is m.float64
    assert m.promote_types(m.int32, m.int32) is m.int32
    assert m.result_type(m.tensor([1, 2]), 1.5) is m.float32
    assert m.result_type(m.tensor([1, 2], dtype=m.int32),
                         m.tensor(1.5, dtype=m.float64)) is m.float64


# ---------------------------------------------------------------------------------------
# type promotion: the full grid of operand kinds, for + - * /
# ---------------------------------------------------------------------------------------
_AB = {"f16": "float16", "f32": "float32", "f64": "float64", "i8": "int8", "i16": "int16",
       "i32": "int32", "i64": "int64", "u8": "uint8", "b": "bool"}
_KINDS = ["py_float", "py_int", "py_bool"] + [f"{k}_{d}" for k in ("1d", "0d") for d in _AB]
# The dtype of lhs + rhs under PyTorch (default dtype float32), captured from torch 2.13.
# Rows are lhs, columns rhs, both in _KINDS order; '-' marks two Python numbers.
_ADD_TABLE = """
-   -   -   f16 f32 f64 f32 f32 f32 f32 f32 f32 f16 f32 f64 f32 f32 f32 f32 f32 f32
-   -   -   f16 f32 f64 i8  i16 i32 i64 u8  i64 f16 f32 f64 i8  i16 i32 i64 u8  i64
-   -   -   f16 f32 f64 i8  i16 i32 i64 u8  b   f16 f32 f64 i8  i16 i32 i64 u8  b
f16 f16 f16 f16 f32 f64 f16 f16 f16 f16 f16 f16 f16 f16 f16 f16 f16 f16 f16 f16 f16
f32 f32 f32 f32 f32 f64 f32 f32 f32 f32 f32 f32 f32 f32 f32 f32 f32 f32 f32 f32 f32
f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64
f32 i8  i8  f16 f32 f64 i8  i16 i32 i64 i16 i8  f16 f32 f64 i8  i8  i8  i8  i8  i8
f32 i16 i16 f16 f32 f64 i16 i16 i32 i64 i16 i16 f16 f32 f64 i16 i16 i16 i16 i16 i16
f32 i32 i32 f16 f32 f64 i32 i32 i32 i64 i32 i32 f16 f32 f64 i32 i32 i32 i32 i32 i32
f32 i64 i64 f16 f32 f64 i64 i64 i64 i64 i64 i64 f16 f32 f64 i64 i64 i64 i64 i64 i64
f32 u8  u8  f16 f32 f64 i16 i16 i32 i64 u8  u8  f16 f32 f64 u8  u8  u8  u8  u8  u8
f32 i64 b   f16 f32 f64 i8  i16 i32 i64 u8  b   f16 f32 f64 i8  i16 i32 i64 u8  b
f16 f16 f16 f16 f32 f64 f16 f16 f16 f16 f16 f16 f16 f32 f64 f16 f16 f16 f16 f16 f16
f32 f32 f32 f16 f32 f64 f32 f32 f32 f32 f32 f32 f32 f32 f64 f32 f32 f32 f32 f32 f32
f64 f64 f64 f16 f32 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64
f32 i8  i8  f16 f32 f64 i8  i16 i32 i64 u8  i8  f16 f32 f64 i8  i16 i32 i64 i16 i8
f32 i16 i16 f16 f32 f64 i8  i16 i32 i64 u8  i16 f16 f32 f64 i16 i16 i32 i64 i16 i16
f32 i32 i32 f16 f32 f64 i8  i16 i32 i64 u8  i32 f16 f32 f64 i32 i32 i32 i64 i32 i32
f32 i64 i64 f16 f32 f64 i8  i16 i32 i64 u8  i64 f16 f32 f64 i64 i64 i64 i64 i64 i64
f32 u8  u8  f16 f32 f64 i8  i16 i32 i64 u8  u8  f16 f32 f64 i16 i16 i32 i64 u8  u8
f32 i64 b   f16 f32 f64 i8  i16 i32 i64 u8  b   f16 f32 f64 i8  i16 i32 i64 u8  b
"""
_ADD = {(lhs, rhs): cell
        for lhs, row in zip(_KINDS, _ADD_TABLE.split("\n")[1:-1])
        for rhs, cell in zip(_KINDS, row.split())}
_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
        "/": lambda a, b: a / b}
_PAIRS = [(a, b) for a in _KINDS for b in _KINDS if not (a[:2] == "py" and b[:2] == "py")]


def _operand(m, kind):
    if kind == "py_float":
        return 2.5
    if kind == "py_int":
        return 3
    if kind == "py_bool":
        return True
    rank, ab = kind.split("_")
    dtype = getattr(m, _AB[ab])
    values = [True, False] if ab == "b" else [1, 2]
    return m.tensor(values if rank == "1d" else values[0], dtype=dtype)


def _is_bool(kind):
    return kind.endswith("_b") or kind == "py_bool"


def _expected(op, lhs, rhs):
    """PyTorch's result dtype name for ``lhs op rhs``, derived from the + table:
    * promotes as + does, / turns non-floats into the default float, and - refuses bools."""
    add = _AB[_ADD[(lhs, rhs)]]
    if op == "/" and not add.startswith("float"):
        return "float32"
    if op == "-" and (_is_bool(lhs) or _is_bool(rhs)):
        return None  # RuntimeError
    return add


def _result(m, op, lhs, rhs):
    a, b = _operand(m, lhs), _operand(m, rhs)
    try:
        out = _OPS[op](a, b)
    except RuntimeError as e:
        assert str(e).startswith("Subtraction, the `-` operator, with ")
        return None
    shape = (2,) if "1d" in (lhs[:2], rhs[:2]) else ()
    assert tuple(out.shape) == shape
    return str(out.dtype)[len("torch."):]


def _promotion_params():
    for lhs, rhs in _PAIRS:
        for op in _OPS:
            yield pytest.param(op, lhs, rhs, id=f"{lhs}{op}{rhs}")


@pytest.mark.parametrize("op, lhs, rhs", list(_promotion_params()))
def test_type_promotion_grid(op, lhs, rhs):
    assert _result(retrograd, op, lhs, rhs) == _expected(op, lhs, rhs)


@needs_torch
@pytest.mark.parametrize("lhs", _KINDS)
def test_type_promotion_table_is_torchs(lhs):
    """The hard-coded table and its derivation rules are PyTorch's, checked row by row."""
    for rhs in _KINDS:
        if lhs[:2] == "py" and rhs[:2] == "py":
            continue
        for op in _OPS:
            assert _result(_torch, op, lhs, rhs) == _expected(op, lhs, rhs), (lhs, op, rhs)


@pytest.mark.parametrize("lhs, rhs, expected", [
    (("0d", "float64"), ("1d", "float32"), "float32"),   # a 0-d tensor does not widen
    (("1d", "int32"), ("0d", "float64"), "float64"),     # ... unless it brings a float
    (("1d", "int32"), ("0d", "int64"), "int32"),
    (("1d", "uint8"), ("1d", "int8"), "int16"),
    (("1d", "uint8"), ("0d", "int8"), "uint8"),
    (("1d", "bool"), ("0d", "int8"), "int8"),
    (("1d", "float16"), ("0d", "float64"), "float16"),
    (("1d", "float16"), ("1d", "int64"), "float16"),
    (("0d", "int32"), ("0d", "int64"), "int64"),
])
def test_type_promotion_headline_cases(m, lhs, rhs, expected):
    def make(spec):
        rank, name = spec
        return m.tensor([1, 1] if rank == "1d" else 1, dtype=getattr(m, name))
    assert (make(lhs) + make(rhs)).dtype is getattr(m, expected)
    assert (make(rhs) * make(lhs)).dtype is getattr(m, expected)


def test_integer_division_gives_float(m):
    out = m.tensor([1, 2, 3]) / m.tensor([2, 2, 2])
    assert out.dtype is m.float32 and out.tolist() == [0.5, 1.0, 1.5]
    assert (m.tensor([3]) / 2).tolist() == [1.5]
    assert (6 / m.tensor([3], dtype=m.int8)).dtype is m.float32
    assert (m.tensor([True]) / m.tensor([True])).dtype is m.float32


def test_zero_d_integer_overflow_wraps_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (retrograd.tensor(1, dtype=retrograd.uint8) - 3).item() == 254
        assert (retrograd.tensor(250, dtype=retrograd.uint8) * 2).item() == 244
        assert (retrograd.tensor(250, dtype=retrograd.uint8) + 10).item() == 4


def test_integer_overflow_wraps_on_dimensioned_tensors(m):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (m.tensor([1], dtype=m.uint8) - 3).tolist() == [254]
        assert (m.tensor([250], dtype=m.uint8) + 10).tolist() == [4]
        assert (m.tensor([127], dtype=m.int8) + 1).tolist() == [-128]


def test_python_scalars_with_tensors_values(m):
    t = m.tensor([1, 2], dtype=m.int8)
    assert (t * 2.5).dtype is m.float32 and (t * 2.5).tolist() == [2.5, 5.0]
    assert (t + 100).dtype is m.int8
    assert (t + True).tolist() == [2, 3]
    b = m.tensor([True, False])
    assert (b + b).dtype is m.bool and (b + b).tolist() == [True, False]
    assert (b * 3).tolist() == [3, 0]
    assert (b * 1.5).tolist() == [1.5, 0.0]


def test_promotion_follows_default_dtype(m, default_float64):
    assert (m.tensor([1, 2]) + 1.5).dtype is m.float64
    assert (m.tensor([1, 2], dtype=m.float32) + 1.5).dtype is m.float32
    assert (m.tensor([True]) * 0.5).dtype is m.float64
    assert (m.tensor([1]) / m.tensor([1])).dtype is m.float64


# ---------------------------------------------------------------------------------------
# conversions: to(), float(), double(), ...
# ---------------------------------------------------------------------------------------
def test_to_and_casting_methods(m):
    x = m.tensor([1.5, -2.5])
    assert x.to(m.float64).dtype is m.float64
    assert x.to(dtype=m.float64).dtype is m.float64
    assert x.to(m.float32) is x  # nothing to do: the same tensor
    assert x.float() is x
    assert x.to("cpu") is x
    assert x.to(m.int32).tolist() == [1, -2]  # truncation toward zero
    assert x.int().dtype is m.int32 and x.long().dtype is m.int64
    assert x.short().dtype is m.int16 and x.half().dtype is m.float16
    assert x.bool().tolist() == [True, True]
    assert x.double().dtype is m.float64
    i = m.tensor([[1, 2], [3, 4]])
    assert i.float().dtype is m.float32 and i.float().tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert i.double().dtype is m.float64
    assert i.to(x).dtype is m.float32  # to(other) takes the other's dtype
    y = x.to(m.float64)
    y.add_(1)
    assert x.tolist() == [1.5, -2.5]  # a conversion copies


def test_to_keeps_autograd_for_float_targets(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.requires_grad and type(y.grad_fn).__name__ == "ToCopyBackward0"
    y.sum().backward()
    assert x.grad.dtype is m.float32 and x.grad.tolist() == [1.0, 1.0]
    assert x.long().requires_grad is False  # integer results leave the graph


# ---------------------------------------------------------------------------------------
# attributes
# ---------------------------------------------------------------------------------------
def test_shape_and_size(m):
    x = m.zeros(2, 3)
    assert type(x.shape) is m.Size and isinstance(x.shape, tuple)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.shape == x.size()
    assert repr(x.shape) == str(x.size()) == "torch.Size([2, 3])"
    assert repr(m.zeros(()).shape) == "torch.Size([])"
    assert repr(m.zeros(4).shape) == "torch.Size([4])"
    assert x.size(0) == 2 and x.size(1) == 3 and x.size(-1) == 3 and x.size(-2) == 2
    assert x.shape[-1] == 3 and list(x.shape) == [2, 3]
    assert type(x.shape[1:]) is m.Size and repr(x.shape[1:]) == "torch.Size([3])"
    assert repr(x.shape + (4,)) == "torch.Size([2, 3, 4])"
    assert m.Size([2, 3]).numel() == 6
    assert m.Size((2, 3)) == x.shape
    assert x.dim() == x.ndim == x.ndimension() == 2
    assert x.numel() == x.nelement() == 6 and m.numel(x) == 6
    assert m.zeros(0, 3).numel() == 0
    assert m.tensor(2.0).dim() == 0 and m.tensor(2.0).numel() == 1


def test_size_dim_errors(m):
    x = m.zeros(2, 3)
    with raises_exact(IndexError, "Dimension out of range (expected to be in range of [-2, 1], "
                                  "but got 2)"):
        x.size(2)
    with raises_exact(IndexError, "Dimension out of range (expected to be in range of [-2, 1], "
                                  "but got -3)"):
        x.size(-3)
    with raises_exact(IndexError, "Dimension specified as 0 but tensor has no dimensions"):
        m.tensor(1.0).size(0)
    with raises_exact(IndexError, "Dimension specified as -1 but tensor has no dimensions"):
        m.tensor(1.0).size(-1)


def test_dtype_device_and_flags(m):
    x = m.ones(2)
    assert x.dtype is m.float32
    assert str(x.device) == "cpu"
    assert repr(x.device) == "device(type='cpu')"
    assert x.device == m.device("cpu") and x.device == m.device(type="cpu")
    assert (x.device == "cpu") is False  # a device never equals a string, in PyTorch
    assert x.device.type == "cpu" and x.device.index is None
    assert x.is_cuda is False
    assert m.is_tensor(x) and not m.is_tensor([1.0])
    assert isinstance(x, m.Tensor)


def test_strides_and_contiguity(m):
    x = m.arange(6.0).view(2, 3)
    assert x.stride() == (3, 1) and x.stride(0) == 3 and x.stride(-1) == 1
    assert x.is_contiguous()
    assert x.contiguous() is x
    assert x.t().stride() == (1, 3) and not x.t().is_contiguous()
    assert x.t().clone().stride() == (1, 3)  # clone keeps a dense tensor's strides


def test_contiguous_of_transpose_is_contiguous(m):
    x = m.arange(6.0).view(2, 3).t()
    c = x.contiguous()
    assert c.is_contiguous() and c.stride() == (2, 1)
    assert c.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]


def test_item_and_tolist(m):
    assert m.tensor(3).item() == 3 and type(m.tensor(3).item()) is int
    assert type(m.tensor(3.5).item()) is float and m.tensor(3.5).item() == 3.5
    assert m.tensor(True).item() is True
    assert m.tensor([[7.0]]).item() == 7.0
    assert m.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert m.tensor(2.5).tolist() == 2.5
    assert m.tensor([True]).tolist() == [True]
    assert type(m.tensor([1.0]).tolist()[0]) is float
    with raises_exact(RuntimeError, "a Tensor with 2 elements cannot be converted to Scalar"):
        m.tensor([1.0, 2.0]).item()
    with raises_exact(RuntimeError, "a Tensor with 0 elements cannot be converted to Scalar"):
        m.tensor([]).item()
    x = m.tensor([2.0], requires_grad=True)
    assert x.item() == 2.0 and x.tolist() == [2.0]  # no error for tensors that require grad


def test_numpy_conversion(m):
    x = m.tensor([1.0, 2.0])
    a = x.numpy()
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    a[0] = 9.0  # numpy() shares memory
    assert x.tolist() == [9.0, 2.0]
    assert m.tensor([1, 2], dtype=m.int32).numpy().dtype == np.int32
    assert m.tensor(2.0).numpy().shape == ()
    g = m.tensor([1.0], requires_grad=True)
    text = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
    with raises_exact(RuntimeError, text):
        g.numpy()
    with raises_exact(RuntimeError, text):
        (g * 2).numpy()
    assert g.detach().numpy().tolist() == [1.0]


def test_array_protocol(m):
    x = m.arange(6.0).view(2, 3)
    a = np.asarray(x)
    assert a.shape == (2, 3) and a.dtype == np.float32
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert np.asarray(m.tensor([1, 2])).dtype == np.int64
    assert np.asarray(m.tensor(2.0)).shape == ()
    with raises_exact(RuntimeError, "Can't call numpy() on Tensor that requires grad."):
        np.asarray(m.tensor([1.0], requires_grad=True))


def test_clone(m):
    x = m.tensor([1.0, 2.0])
    c = m.clone(x)
    assert c is not x and c.tolist() == [1.0, 2.0] and c.dtype is m.float32
    c.add_(1)
    assert x.tolist() == [1.0, 2.0]
    assert x.clone().tolist() == [1.0, 2.0]
    g = m.tensor([1.0], requires_grad=True)
    cg = g.clone()
    assert cg.requires_grad and not cg.is_leaf
    assert type(cg.grad_fn).__name__ == "CloneBackward0"


def test_len_and_iter(m):
    x = m.arange(6).view(3, 2)
    assert len(x) == 3 and len(x[0]) == 2
    rows = list(x)
    assert len(rows) == 3 and all(isinstance(r, m.Tensor) for r in rows)
    assert [r.tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]
    assert [v.item() for v in m.tensor([1.5, 2.5])] == [1.5, 2.5]
    assert len(m.zeros(0, 3)) == 0 and list(m.zeros(0, 3)) == []
    with raises_exact(TypeError, "len() of a 0-d tensor"):
        len(m.tensor(1.0))
    with raises_exact(TypeError, "iteration over a 0-d tensor"):
        iter(m.tensor(1.0))


def test_iteration_rows_keep_autograd(m):
    x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    total = None
    for i, row in enumerate(x):
        assert row.requires_grad and not row.is_leaf
        total = row.sum() * (i + 1) if total is None else total + row.sum() * (i + 1)
    total.backward()
    assert x.grad.tolist() == [[1.0, 1.0], [2.0, 2.0]]


def test_iteration_uses_one_unbind_node():
    x = retrograd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert [type(r.grad_fn).__name__ for r in rows] == ["UnbindBackward0"] * 2
    assert rows[0].grad_fn is rows[1].grad_fn
    assert [r.output_nr for r in rows] == [0, 1]


@pytest.mark.parametrize("value, as_bool, as_float, as_int", [
    ([2.5], True, 2.5, 2), ([[-2.7]], True, -2.7, -2), (0.0, False, 0.0, 0),
    ([0], False, 0.0, 0), (True, True, 1.0, 1), (5, True, 5.0, 5),
])
def test_one_element_conversions(m, value, as_bool, as_float, as_int):
    t = m.tensor(value)
    assert bool(t) is as_bool
    assert float(t) == pytest.approx(as_float) and type(float(t)) is float
    assert int(t) == as_int and type(int(t)) is int


def test_conversion_errors_on_many_or_no_elements(m):
    two = m.tensor([1.0, 2.0])
    empty = m.tensor([])
    with raises_exact(RuntimeError, "Boolean value of Tensor with more than one value is "
                                    "ambiguous"):
        bool(two)
    with raises_exact(RuntimeError, "Boolean value of Tensor with no values is ambiguous"):
        bool(empty)
    with raises_exact(ValueError, "only one element tensors can be converted to Python scalars"):
        float(two)
    with raises_exact(ValueError, "only one element tensors can be converted to Python scalars"):
        int(two)
    with raises_exact(ValueError, "only one element tensors can be converted to Python scalars"):
        float(empty)


def test_index_protocol(m):
    assert [10, 20, 30][m.tensor(1)] == 20
    assert list(range(5))[m.tensor(1):m.tensor(3)] == [1, 2]
    with pytest.raises(TypeError, match="^only integer tensors of a single element can be "
                                        "converted to an index"):
        [1, 2][m.tensor(1.0)]


def test_format(m):
    assert f"{m.tensor(2.5):.2f}" == "2.50"
    assert f"{m.tensor(3)}" == "3"


# ---------------------------------------------------------------------------------------
# a few end-to-end reprs through the real Tensor (layout details live in test_printing.py)
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, text", [
    (lambda m: m.tensor([3.0], requires_grad=True), "tensor([3.], requires_grad=True)"),
    (lambda m: m.tensor([3.0], requires_grad=True) * 2, "tensor([6.], grad_fn=<MulBackward0>)"),
    (lambda m: m.tensor([1.0, 2.0], requires_grad=True).sum(),
     "tensor(3., grad_fn=<SumBackward0>)"),
    (lambda m: m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True) + 1,
     "tensor([2., 3.], dtype=torch.float64, grad_fn=<AddBackward0>)"),
    (lambda m: m.tensor([1.0, 2.0], requires_grad=True)[0],
     "tensor(1., grad_fn=<SelectBackward0>)"),
    (lambda m: m.tensor([3.0], dtype=m.float64), "tensor([3.], dtype=torch.float64)"),
    (lambda m: m.tensor([1, 2]), "tensor([1, 2])"),
    (lambda m: m.tensor([1, 2], dtype=m.int32), "tensor([1, 2], dtype=torch.int32)"),
    (lambda m: m.tensor([True, False]), "tensor([ True, False])"),
    (lambda m: m.zeros(2, 0), "tensor([], size=(2, 0))"),
    (lambda m: m.arange(6.0).view(2, 3),
     "tensor([[0., 1., 2.],\n        [3., 4., 5.]])"),
    (lambda m: m.tensor([3.0], requires_grad=True).detach(), "tensor([3.])"),
])
def test_repr_end_to_end(m, make, text):
    t = make(m)
    assert repr(t) == text
    assert str(t) == text
