"""Tests for retrograd._printing: tensor repr must match PyTorch's byte for byte.

Inputs are NumPy arrays wrapped in a tiny fake tensor, so these tests do not
depend on retrograd's Tensor. Where torch is importable, outputs are compared
against torch's own repr(); hard-coded strings (captured from torch 2.13)
keep checking the essentials when it is not.
"""

import importlib
import importlib.util
import math
import pathlib
import time

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load_printing():
    # Prefer the real package; fall back to loading the file directly in case
    # retrograd/__init__.py is mid-rewrite and does not import cleanly.
    try:
        return importlib.import_module("retrograd._printing")
    except Exception:
        path = ROOT / "retrograd" / "_printing.py"
        spec = importlib.util.spec_from_file_location("retrograd._printing", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


P = _load_printing()
ORIGINAL_HOOK = P._default_float_name


# ---------------------------------------------------------------------------
# Fake tensor
# ---------------------------------------------------------------------------


class FakeDtype:
    def __init__(self, name):
        self.name = name

    def __str__(self):
        return "torch." + self.name


class FakeGradFn:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


class FakeTensor:
    """Just the attributes _printing reads."""

    def __init__(self, data, requires_grad=False, grad_fn=None):
        self._data = data if isinstance(data, np.ndarray) else np.asarray(data)
        self.dtype = FakeDtype(self._data.dtype.name)  # numpy names == torch names here
        self.grad_fn = FakeGradFn(grad_fn) if grad_fn else None
        self.requires_grad = requires_grad or grad_fn is not None
        self.is_leaf = grad_fn is None


def ours(arr, **kw):
    return P.tensor_repr(FakeTensor(arr, **kw))


def theirs(torch, arr, requires_grad=False, grad_fn=False):
    t = torch.from_numpy(np.array(arr, order="C"))  # ascontiguousarray would make 0-d 1-d
    if requires_grad or grad_fn:
        t = t.clone().requires_grad_()
    if grad_fn:
        t = t.clone()  # -> CloneBackward0, values unchanged
    return repr(t)


def grad_fn_name(torch):
    return type(torch.zeros(1, requires_grad=True).clone().grad_fn).__name__


@pytest.fixture(autouse=True)
def _isolate(monkeypatch):
    """Restore print options (ours and torch's) and pin the default float dtype."""
    saved = P.get_printoptions()
    monkeypatch.setattr(P, "_default_float_name", lambda: "float32")
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch_saved = torch._tensor_str.get_printoptions()
        torch_dtype = torch.get_default_dtype()
        torch.set_default_dtype(torch.float32)
    yield
    P.set_printoptions(**saved)
    if torch is not None:
        torch.set_printoptions(**torch_saved)
        torch.set_default_dtype(torch_dtype)


def set_both(torch, **opts):
    P.set_printoptions(**opts)
    torch.set_printoptions(**opts)


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

rng = np.random.default_rng(1234)
CASES = {}


def case(name, arr):
    assert name not in CASES
    CASES[name] = arr


FLOATS = ("float32", "float64", "float16")


def array_of(vals, dt):
    # float16 overflows some values to inf on purpose; that is a case too.
    with np.errstate(over="ignore"):
        return np.array(vals, dtype=dt)

INTS = ("int8", "int16", "int32", "int64", "uint8")

# 0-d
for dt in FLOATS:
    for v in (3.0, -0.5, 0.0, -0.0, 0.1, 1e-5, 1e10, 123.456, -7.0, math.nan, math.inf, -math.inf):
        case(f"scalar-{dt}-{v!r}", array_of(v, dt))
for dt in INTS:
    case(f"scalar-{dt}", np.array(-5 if dt != "uint8" else 200, dtype=dt))
case("scalar-bool-T", np.array(True))
case("scalar-bool-F", np.array(False))

# 1-D floats exercising the mode / width rules
vectors = {
    "ints": [1, 2, 3],
    "mixed": [1.5, -2.25, 3.0],
    "wide-range": [1e-5, 1.0, 1e5],
    "exactly-1e-4": [1e-4, 1.0],
    "ratio-1000": [0.001, 1.0],
    "ratio-over-1000": [0.001, 1.001],
    "int-ratio": [1.0, 1001.0],
    "int-ratio-1000": [1.0, 1000.0],
    "big-int": [1e8, 2.0e8],
    "just-1e8": [1e8],
    "big-frac": [123456.789],
    "huge": [1e20, -3e21],
    "tiny": [1e-20, 1.0],
    "small": [1e-3, 0.5],
    "nan-int": [math.nan, 1.0],
    "nan-frac": [math.nan, 1.25],
    "infs": [math.inf, -math.inf, 1.5],
    "infs-int": [math.inf, -math.inf, 2.0],
    "inf-sci": [math.inf, 1e-6, 1.0],
    "zeros": [0.0, 0.0],
    "negzero": [-0.0, 1.0],
    "negzero-frac": [-0.0, 1.5],
    "negzero-only": [-0.0, 0.0],
    "all-nan": [math.nan, math.nan],
    "nan-zero": [0.0, math.nan],
    "neg-ints": [-100.0, 5.0, 0.0],
    "sci-neg": [-1e-5, 3.0e4],
    "rounding": [0.99995, 9.99995, 1.00005],
    "sci-int-big": [1e9, 1.0, -3.0],
}
for dt in FLOATS:
    for name, vals in vectors.items():
        case(f"vec-{name}-{dt}", array_of(vals, dt))

# random floats at many scales and lengths (line wrapping)
for scale in (1e-7, 1e-3, 1.0, 37.0, 1e4, 1e9):
    for n in (1, 5, 17, 40, 100):
        case(f"randn-{scale}-{n}", (rng.standard_normal(n) * scale).astype("float32"))
case("randn-f64-wrap", rng.standard_normal(60))
case("randn-f16-wrap", rng.standard_normal(60).astype("float16"))
case("arange-float", np.arange(30, dtype="float32"))

# n-D floats
for shape in [(1, 1), (3, 4), (5, 1), (1, 5), (2, 30), (10, 10), (2, 3, 4), (3, 1, 2),
              (2, 2, 2, 2), (2, 3, 2, 2), (1, 2, 1, 2, 2), (2, 2, 12)]:
    case(f"randn-{shape}", rng.standard_normal(shape).astype("float32"))
    case(f"ints-as-float-{shape}", rng.integers(-50, 50, shape).astype("float64"))
case("mixed-sci-2d", np.array([[1e-6, 1.0], [3.0, 1e6]], dtype="float32"))
case("nan-2d", np.array([[math.nan, 1.0], [-math.inf, 100.0]], dtype="float32"))

# integers and bools
for dt in INTS:
    lo, hi = (0, 256) if dt == "uint8" else ((-128, 128) if dt == "int8" else (-30000, 30000))
    case(f"int-vec-{dt}", rng.integers(lo, hi, 12).astype(dt))
    case(f"int-2d-{dt}", rng.integers(lo, hi, (4, 25)).astype(dt))
    case(f"int-3d-{dt}", rng.integers(lo, hi, (2, 3, 4)).astype(dt))
case("int64-big", np.array([2**62, -(2**63), 7], dtype="int64"))
case("int64-wrap", np.arange(-40, 40, dtype="int64") * 12345)
case("bool-vec", rng.integers(0, 2, 30).astype(bool))
case("bool-2d", rng.integers(0, 2, (3, 5)).astype(bool))
case("bool-all-true", np.ones(4, dtype=bool))

# summarization (numel > 1000)
case("arange-1001", np.arange(1001))
case("randn-2000", rng.standard_normal(2000).astype("float32"))
case("randn-1000x1000", rng.standard_normal((1000, 1000)).astype("float32"))
case("randn-40x40", rng.standard_normal((40, 40)))
case("randn-100x3", rng.standard_normal((100, 3)).astype("float32"))
case("randn-3x400", rng.standard_normal((3, 400)).astype("float32"))
case("randn-7x7x30", rng.standard_normal((7, 7, 30)).astype("float32"))
case("randn-10x10x11", rng.standard_normal((10, 10, 11)).astype("float32"))
case("randn-2x3x4x5x10", rng.standard_normal((2, 3, 4, 5, 10)).astype("float32"))
case("randn-8x8x8x8", rng.standard_normal((8, 8, 8, 8)).astype("float32"))
hidden = np.arange(2000, dtype="float32")
hidden[1000] = 1e9  # not shown, so must not affect width or sci mode
case("hidden-outlier", hidden)
case("int-summary", np.arange(5000).reshape(50, 100))
case("int32-summary", np.arange(5000, dtype="int32").reshape(10, 500))
case("bool-summary", rng.integers(0, 2, (40, 40)).astype(bool))
case("f16-summary", rng.standard_normal((50, 50)).astype("float16"))
case("ints-as-float-summary", np.arange(3000, dtype="float64"))

# non-contiguous views
base = rng.standard_normal((6, 8)).astype("float32")
case("transposed", base.T)
case("reversed", base[::-1, ::-2])
case("strided-1d", np.arange(40, dtype="float64")[::3])

# empty
for dt in FLOATS + INTS + ("bool",):
    for shape in [(0,), (0, 3), (3, 0), (2, 0, 4)]:
        case(f"empty-{dt}-{shape}", np.zeros(shape, dtype=dt))

# A smaller set re-run under every print-option combination.
OPTION_ARRAYS = [
    "scalar-float32-0.1", "scalar-float32-1e-05", "vec-ints-float32", "vec-mixed-float32",
    "vec-wide-range-float64", "vec-nan-int-float32", "vec-zeros-float32", "vec-infs-float32",
    "vec-negzero-float32", "randn-1.0-40", "randn-1e-07-17", "randn-37.0-100", "randn-(3, 4)",
    "randn-(2, 3, 4)", "randn-(2, 30)", "int-vec-int64", "int-2d-int32", "bool-vec",
    "arange-1001", "randn-40x40", "randn-7x7x30", "int-summary", "bool-summary",
    "empty-float32-(0, 3)", "empty-int64-(0,)", "scalar-bool-T", "arange-float",
]
OPTIONS = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 8},
    {"threshold": 5},
    {"threshold": 0},
    {"threshold": 5, "edgeitems": 1},
    {"threshold": 5, "edgeitems": 0},
    {"edgeitems": 0},
    {"edgeitems": 5},
    {"threshold": 10, "edgeitems": 10},
    {"linewidth": 40},
    {"linewidth": 120},
    {"linewidth": 10},
    {"sci_mode": True},
    {"sci_mode": False},
    {"sci_mode": True, "precision": 2},
    {"profile": "short"},
    {"profile": "full"},
    {"profile": "default"},
    {"profile": "short", "precision": 6, "linewidth": 60},
]


# ---------------------------------------------------------------------------
# Comparisons against real torch
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    torch = pytest.importorskip("torch")
    arr = CASES[name]
    assert ours(arr) == theirs(torch, arr)


@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("name", OPTION_ARRAYS)
def test_matches_torch_with_options(name, opts):
    torch = pytest.importorskip("torch")
    set_both(torch, **opts)
    assert P.get_printoptions() == torch._tensor_str.get_printoptions()
    arr = CASES[name]
    assert ours(arr) == theirs(torch, arr)


GRAD_ARRAYS = [
    "scalar-float32-3.0", "vec-mixed-float32", "vec-mixed-float64", "vec-mixed-float16",
    "randn-1.0-17", "randn-1.0-40", "randn-37.0-100", "randn-(3, 4)", "randn-(2, 3, 4)",
    "randn-(10, 10)", "randn-40x40", "randn-1000x1000", "randn-f64-wrap", "empty-float32-(0,)",
    "empty-float64-(0, 3)",
]
# 1-D rows whose last line ends right around the linewidth, to hit the
# suffix-on-a-new-line boundary from both sides.
for n in range(1, 13):
    case(f"suffix-edge-{n}", np.full(n, 1.2345, dtype="float32"))
    case(f"suffix-edge-f64-{n}", np.full(n, 1.2345, dtype="float64"))
    GRAD_ARRAYS += [f"suffix-edge-{n}", f"suffix-edge-f64-{n}"]


@pytest.mark.parametrize("mode", ["requires_grad", "grad_fn"])
@pytest.mark.parametrize("name", GRAD_ARRAYS)
def test_autograd_suffixes_match_torch(name, mode):
    torch = pytest.importorskip("torch")
    arr = CASES[name]
    if mode == "requires_grad":
        assert ours(arr, requires_grad=True) == theirs(torch, arr, requires_grad=True)
    else:
        assert ours(arr, grad_fn=grad_fn_name(torch)) == theirs(torch, arr, grad_fn=True)


@pytest.mark.parametrize("linewidth", [30, 45, 60])
@pytest.mark.parametrize("name", ["suffix-edge-3", "suffix-edge-f64-5", "vec-mixed-float64"])
def test_suffixes_wrap_with_narrow_linewidth(name, linewidth):
    torch = pytest.importorskip("torch")
    set_both(torch, linewidth=linewidth)
    arr = CASES[name]
    assert ours(arr, grad_fn=grad_fn_name(torch)) == theirs(torch, arr, grad_fn=True)


DEFAULT_F64_ARRAYS = [n for n in CASES if n.startswith(("vec-", "empty-", "scalar-"))][::3] + [
    "randn-(3, 4)", "randn-f64-wrap", "int-vec-int32", "bool-vec"]


@pytest.mark.parametrize("name", DEFAULT_F64_ARRAYS)
def test_float64_default_dtype_matches_torch(name, monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(P, "_default_float_name", lambda: "float64")
    torch.set_default_dtype(torch.float64)
    arr = CASES[name]
    assert ours(arr) == theirs(torch, arr)
    if arr.dtype.kind == "f" and arr.size:
        assert ours(arr, requires_grad=True) == theirs(torch, arr, requires_grad=True)


def test_printoptions_state_matches_torch():
    torch = pytest.importorskip("torch")
    assert P.get_printoptions() == torch._tensor_str.get_printoptions()
    for opts in OPTIONS + [{"profile": "nonsense"}, {"threshold": math.inf}]:
        set_both(torch, **opts)
        assert P.get_printoptions() == torch._tensor_str.get_printoptions()


# ---------------------------------------------------------------------------
# Hard-coded expectations (captured from torch 2.13), run without torch
# ---------------------------------------------------------------------------

f32 = "float32"
HARDCODED = [
    (np.array(3.0, dtype=f32), "tensor(3.)"),
    (np.array(True), "tensor(True)"),
    (np.array(-0.5, dtype=f32), "tensor(-0.5000)"),
    (np.array([1.0, 2.0, 3.0], dtype=f32), "tensor([1., 2., 3.])"),
    (np.array([1.5, -2.25], dtype=f32), "tensor([ 1.5000, -2.2500])"),
    (np.array([1e-5, 1.0, 1e5], dtype=f32), "tensor([1.0000e-05, 1.0000e+00, 1.0000e+05])"),
    (np.array([1e-4], dtype=f32), "tensor([1.0000e-04])"),
    (np.array([-0.0, 1.0], dtype=f32), "tensor([-0., 1.])"),
    (np.array([0.0, math.nan], dtype=f32), "tensor([0., nan])"),
    (np.array([math.inf, -math.inf, 1.5], dtype=f32), "tensor([   inf,   -inf, 1.5000])"),
    (np.array([1, -20, 300]), "tensor([  1, -20, 300])"),
    (np.array([1, 2], dtype="int32"), "tensor([1, 2], dtype=torch.int32)"),
    (np.array([1.0, 2.0]), "tensor([1., 2.], dtype=torch.float64)"),
    (np.array([True, False]), "tensor([ True, False])"),
    (np.arange(6, dtype=f32).reshape(2, 3), "tensor([[0., 1., 2.],\n        [3., 4., 5.]])"),
    (
        np.arange(8, dtype="int64").reshape(2, 2, 2),
        "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])",
    ),
    (np.arange(10000), "tensor([   0,    1,    2,  ..., 9997, 9998, 9999])"),
    (
        np.arange(2000).reshape(1000, 2),
        "tensor([[   0,    1],\n        [   2,    3],\n        [   4,    5],\n"
        "        ...,\n        [1994, 1995],\n        [1996, 1997],\n        [1998, 1999]])",
    ),
    (
        np.arange(30, dtype=f32) + 100,
        "tensor([100., 101., 102., 103., 104., 105., 106., 107., 108., 109., 110., 111.,\n"
        "        112., 113., 114., 115., 116., 117., 118., 119., 120., 121., 122., 123.,\n"
        "        124., 125., 126., 127., 128., 129.])",
    ),
    (np.zeros(0, dtype=f32), "tensor([])"),
    (np.zeros((0, 3), dtype=f32), "tensor([], size=(0, 3))"),
    (np.zeros(0, dtype="int64"), "tensor([], dtype=torch.int64)"),
    (np.zeros((2, 0), dtype=bool), "tensor([], size=(2, 0), dtype=torch.bool)"),
]


@pytest.mark.parametrize("arr,expected", HARDCODED, ids=[e for _, e in HARDCODED])
def test_hardcoded(arr, expected):
    assert ours(arr) == expected


@pytest.mark.parametrize("arr,expected", HARDCODED, ids=[e for _, e in HARDCODED])
def test_hardcoded_strings_are_torchs(arr, expected):
    torch = pytest.importorskip("torch")
    assert theirs(torch, arr) == expected


def test_hardcoded_autograd_suffixes():
    assert ours(np.array([1.0, 2.0], dtype=f32), requires_grad=True) == (
        "tensor([1., 2.], requires_grad=True)"
    )
    assert ours(np.array([1.0, 2.0]), grad_fn="AddBackward0") == (
        "tensor([1., 2.], dtype=torch.float64, grad_fn=<AddBackward0>)"
    )
    # A multi-line body whose last line is too long for the suffix.
    arr = np.full(12, 1.2345, dtype=f32)
    assert ours(arr, requires_grad=True) == (
        "tensor([1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345,\n"
        "        1.2345, 1.2345, 1.2345], requires_grad=True)"
    )
    arr = np.full(9, 1.2345, dtype=f32)
    assert ours(arr, requires_grad=True) == (
        "tensor([1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345],\n"
        "       requires_grad=True)"
    )


def test_hardcoded_options():
    P.set_printoptions(precision=2)
    assert ours(np.array([1.12345], dtype=f32)) == "tensor([1.12])"
    P.set_printoptions(threshold=5)
    assert ours(np.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    P.set_printoptions(precision=4, sci_mode=True)
    assert ours(np.array([1.5, 2.0], dtype=f32)) == "tensor([1.5000e+00, 2.0000e+00])"
    # With no nonzero finite values the forced sci mode has nothing to act on.
    assert ours(np.array([0.0, 0.0], dtype=f32)) == "tensor([0., 0.])"
    P.set_printoptions(sci_mode=False)
    assert ours(np.array([1e-5, 1.0], dtype=f32)) == "tensor([0.0000, 1.0000])"
    P.set_printoptions(edgeitems=0, threshold=5)
    assert ours(np.zeros((4, 4), dtype=f32)) == "tensor([...], size=(4, 4))"
    assert ours(np.array(2.0, dtype=f32)) == "tensor(2., size=())"
    P.set_printoptions(profile="default")
    assert P.get_printoptions() == {
        "precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None,
    }
    P.set_printoptions(profile="full")
    assert P.get_printoptions()["threshold"] == math.inf
    P.set_printoptions(profile="short")
    assert P.get_printoptions() == {
        "precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80, "sci_mode": None,
    }


def test_default_float64_hook(monkeypatch):
    monkeypatch.setattr(P, "_default_float_name", lambda: "float64")
    assert ours(np.array([1.0, 2.0])) == "tensor([1., 2.])"
    assert ours(np.array([1.0, 2.0], dtype=f32)) == "tensor([1., 2.], dtype=torch.float32)"
    assert ours(np.zeros(0)) == "tensor([])"
    assert ours(np.zeros(0, dtype=f32)) == "tensor([], dtype=torch.float32)"


def test_default_float_name_hook_returns_a_float_name():
    # The autouse fixture patches the hook, so call the original captured at import.
    assert ORIGINAL_HOOK() in ("float16", "float32", "float64", "bfloat16")


def test_large_tensor_is_summarized_before_formatting():
    # Formatting 9 million elements in Python would take many seconds.
    arr = np.random.default_rng(0).standard_normal((3000, 3000)).astype(f32)
    start = time.perf_counter()
    text = ours(arr)
    assert time.perf_counter() - start < 2.0
    assert text.count("\n") == 6 and "..." in text


def test_does_not_mutate_input():
    arr = np.array([[1.5, math.nan], [-0.0, 1e9]], dtype=f32)
    before = arr.copy()
    ours(arr)
    np.testing.assert_array_equal(arr, before)
