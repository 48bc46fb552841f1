"""retrograd.save / retrograd.load: round trips, shared memory, file objects, and refusal of
corrupt, truncated, foreign and pickle-carrying files."""
import collections
import io
import json
import pickle
import zipfile

import numpy as np
import pytest

import retrograd as torch
from conftest import REAL_TORCH


def roundtrip(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf)


def same(a, b):
    assert type(a) is type(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.requires_grad == b.requires_grad
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32",
                                   "int64", "uint8", "bool"])
def test_dtypes_shapes_values_exact(dtype):
    dt = getattr(torch, dtype)
    data = np.random.default_rng(0).standard_normal((3, 4, 2)) * 50
    for arr in (data, data[0, 0, 0], data[:, :0]):
        t = torch.tensor(np.asarray(arr).astype(dt.np))
        same(roundtrip(t), t)


def test_special_floats_and_requires_grad():
    t = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0, 1e-45, 3.4e38])
    out = roundtrip(t)
    assert out.numpy().tobytes() == t.numpy().tobytes()
    leaf = torch.ones(2, 3, requires_grad=True)
    nonleaf = leaf * 2
    a, b = roundtrip([leaf, nonleaf])
    # as PyTorch: the flag survives, and the loaded tensors are leaves
    assert a.requires_grad and a.is_leaf and b.requires_grad and b.is_leaf
    np.testing.assert_array_equal(b.detach().numpy(), 2 * np.ones((2, 3), np.float32))


def test_views_save_their_own_data_and_share_memory():
    x = torch.arange(24.).reshape(4, 6)
    views = [x[1:3, ::2], x.t(), x[2], x.expand(2, 4, 6), x.reshape(-1)[5:7]]
    out = roundtrip([x] + views)
    for a, b in zip(out, [x] + views):
        same(a, b)
        assert a.stride() == b.stride()
    out[0][2, 0] = -1.0  # loaded tensors still share one storage
    assert out[1][1, 0].item() == -1.0 and out[3][0].item() == -1.0
    assert out[2][0, 2].item() == -1.0
    # a view saved alone stores only the bytes it covers
    buf = io.BytesIO()
    torch.save(torch.zeros(1000)[:2], buf)
    assert len(buf.getvalue()) < 2000


def test_same_tensor_twice_is_one_object():
    x = torch.randn(3)
    a, b, c = roundtrip((x, {"again": x}, x.clone()))
    assert a is b["again"] and a is not c


def test_containers_and_scalars():
    obj = {"a": [1, -2 ** 70, 2.5, float("nan"), None, True, False, "text", ""],
           3: (torch.float16, torch.int64, torch.bool, torch.Size([2, 0, 3])),
           (1, "k"): {"nested": [[], (), {}]}, 2.5: b"\x00\xff", "c": 1 + 2j,
           "dev": torch.device("cpu")}
    out = roundtrip(obj)
    assert list(out) == list(obj)
    assert out["a"][:3] == [1, -2 ** 70, 2.5] and np.isnan(out["a"][3])
    assert out["a"][4:] == [None, True, False, "text", ""]
    assert type(out["a"][5]) is bool and type(out["a"][0]) is int
    assert out[3] == obj[3] and type(out[3][3]) is torch.Size and out[3][0] is torch.float16
    assert out[(1, "k")] == {"nested": [[], (), {}]}
    assert out[2.5] == b"\x00\xff" and out["c"] == 1 + 2j and out["dev"] == torch.device("cpu")


def test_state_dict_like_ordered_dict():
    sd = collections.OrderedDict([("0.weight", torch.randn(4, 3)), ("0.bias", torch.randn(4)),
                                  ("bn.num_batches_tracked", torch.tensor(7)),
                                  ("bn.running_mean", torch.zeros(4))])
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])
    opt = {"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.ones(4, 3)}},
           "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "params": [0, 1]}]}
    out = roundtrip({"model": sd, "optim": opt, "epoch": 5})
    assert type(out["model"]) is collections.OrderedDict
    assert list(out["model"]) == list(sd)
    for k in sd:
        same(out["model"][k], sd[k])
    assert out["model"]._metadata == sd._metadata
    assert list(out["optim"]["state"]) == [0]
    same(out["optim"]["state"][0]["exp_avg"], opt["state"][0]["exp_avg"])
    assert out["optim"]["param_groups"] == [{"lr": 0.001, "betas": (0.9, 0.999),
                                             "params": [0, 1]}]


class _StandInParameter(torch.Tensor):
    """Used only while retrograd.nn.Parameter is absent: nn.Parameter's constructor shape."""

    def __new__(cls, data, requires_grad=True):
        from retrograd.tensor import _MADE_SLOTS
        p = object.__new__(cls)
        src = data.detach()
        for name in _MADE_SLOTS:
            setattr(p, name, getattr(src, name))
        p._requires_grad = bool(requires_grad)
        return p

    def __init__(self, data, requires_grad=True):
        pass


def test_parameter_round_trip(monkeypatch):
    Parameter = getattr(torch.nn, "Parameter", None)
    if Parameter is None:
        Parameter = type("Parameter", (_StandInParameter,), {})
        monkeypatch.setattr(torch.nn, "Parameter", Parameter, raising=False)
    p = Parameter(torch.randn(2, 2))
    q = Parameter(torch.randn(2), requires_grad=False)
    a, b, c = roundtrip([p, q, {"again": p}])
    assert type(a) is Parameter and type(b) is Parameter and c["again"] is a
    same(a, p)
    same(b, q)
    assert a.is_leaf and a.requires_grad and not b.requires_grad


def test_path_and_file_object(tmp_path):
    x = torch.randn(5, 2, dtype=torch.float64)
    path = tmp_path / "x.pt"
    torch.save({"x": x}, path)
    same(torch.load(path)["x"], x)
    same(torch.load(str(path), map_location="cpu", weights_only=False)["x"], x)
    with open(path, "rb") as fh:
        same(torch.load(fh, map_location=torch.device("cpu"))["x"], x)
    with open(tmp_path / "y.pt", "wb") as fh:
        torch.save([x], fh)
    with open(tmp_path / "y.pt", "rb") as fh:
        same(torch.load(fh)[0], x)


def test_unsupported_types_at_save_time():
    class Thing:
        pass
    for bad, where in ((Thing(), "obj"), ({"a": [1, lambda: 0]}, "obj['a'][1]"),
                       ({"s": {1, 2}}, "obj['s']"), (np.ones(2), "obj")):
        with pytest.raises(RuntimeError, match="cannot save an object of type") as e:
            torch.save(bad, io.BytesIO())
        assert f"at {where})" in str(e.value)
    loop = []
    loop.append(loop)
    with pytest.raises(RuntimeError, match="contains itself"):
        torch.save(loop, io.BytesIO())


def saved_bytes(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def test_corrupt_and_truncated_files():
    data = saved_bytes({"w": torch.randn(50, 50), "b": torch.ones(3)})
    for cut in (0, 10, len(data) // 2, len(data) - 10):
        with pytest.raises(RuntimeError, match="retrograd.load: ") as e:
            torch.load(io.BytesIO(data[:cut]))
        assert "corrupt or truncated" in str(e.value) or "not a retrograd file" in str(e.value)
    # flip bytes inside the tensor data: the zip's CRC catches it
    pos = data.index(b"\x93NUMPY") + 300
    bad = data[:pos] + bytes(b ^ 0xFF for b in data[pos:pos + 8]) + data[pos + 8:]
    with pytest.raises(RuntimeError, match="corrupt or truncated"):
        torch.load(io.BytesIO(bad))
    with pytest.raises(RuntimeError, match="not a retrograd file"):
        torch.load(io.BytesIO(b"hello, this is not a checkpoint at all"))


def rewrite(data, edit):
    """The archive with its JSON document changed by ``edit(doc)``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            blob = src.read(name)
            if name.endswith("data.json"):
                doc = json.loads(blob)
                edit(doc)
                blob = json.dumps(doc).encode()
            dst.writestr(name, blob)
    return out.getvalue()


def test_wrong_magic_version_and_bad_records():
    data = saved_bytes([torch.arange(6).reshape(2, 3)])
    with pytest.raises(RuntimeError, match="not a retrograd file \\(wrong magic\\)"):
        torch.load(io.BytesIO(rewrite(data, lambda d: d.update(magic="torch"))))
    with pytest.raises(RuntimeError, match="unsupported format version 99"):
        torch.load(io.BytesIO(rewrite(data, lambda d: d.update(version=99))))

    def grow(d):
        d["obj"]["v"][0]["shape"] = [1000, 1000]
    with pytest.raises(RuntimeError, match="corrupt or truncated"):
        torch.load(io.BytesIO(rewrite(data, grow)))

    def odd_type(d):
        d["obj"]["v"].append({"T": "function", "v": "os.system"})
    with pytest.raises(RuntimeError, match="unknown node type 'function'"):
        torch.load(io.BytesIO(rewrite(data, odd_type)))


class _Boom:
    def __reduce__(self):
        return (_Boom.fire, ())

    @staticmethod
    def fire():
        _Boom.fired = True
        return "fired"


_Boom.fired = False


def test_pickle_payloads_are_refused_without_running():
    # a raw pickle stream
    with pytest.raises(RuntimeError, match="not a retrograd file.*pickle"):
        torch.load(io.BytesIO(pickle.dumps(_Boom())))
    # a PyTorch-style zip whose data.pkl holds the payload
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps(_Boom()))
        zf.writestr("archive/version", "3\n")
    with pytest.raises(RuntimeError, match="not a retrograd file.*PyTorch"):
        torch.load(io.BytesIO(out.getvalue()))
    # our own container with a pickled object array where a storage belongs
    data = saved_bytes(torch.ones(3))
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            blob = src.read(name)
            if name.endswith(".npy"):
                evil = io.BytesIO()
                np.save(evil, np.array([_Boom()], dtype=object), allow_pickle=True)
                blob = evil.getvalue()
            dst.writestr(name, blob)
    with pytest.raises(RuntimeError, match="refusing entry .*pickled object array"):
        torch.load(io.BytesIO(out.getvalue()))
    assert _Boom.fired is False


@pytest.mark.skipif(REAL_TORCH is None, reason="PyTorch not installed")
def test_real_torch_file_is_refused(tmp_path):
    path = tmp_path / "real.pt"
    REAL_TORCH.save({"w": REAL_TORCH.ones(2)}, path)
    with pytest.raises(RuntimeError, match="not a retrograd file: this looks like a PyTorch"):
        torch.load(path)
    legacy = tmp_path / "legacy.pt"
    REAL_TORCH.save({"w": REAL_TORCH.ones(2)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="not a retrograd file"):
        torch.load(legacy)


def test_map_location_and_pickle_module_arguments():
    data = saved_bytes(torch.ones(2))
    same(torch.load(io.BytesIO(data), map_location={"cpu": "cpu"}), torch.ones(2))
    same(torch.load(io.BytesIO(data), map_location=lambda t, loc: t * 2), torch.full((2,), 2.))
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA"):
        torch.load(io.BytesIO(data), map_location="cuda")
    same(torch.load(io.BytesIO(data), map_location=lambda storage, loc: storage), torch.ones(2))
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        torch.load(io.BytesIO(data), pickle_module=pickle)
