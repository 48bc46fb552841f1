"""retrograd.save / retrograd.load: a zip holding one JSON document (the object's structure)
plus one .npy entry per storage. Loading never runs code: no pickle anywhere, and the .npy
entries are read with allow_pickle=False."""
import collections
import io
import json
import os
import zipfile

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor, Size, device as _device

__all__ = ["save", "load"]

MAGIC = "retrograd.save"
VERSION = 1
_DOC = "retrograd_save/data.json"
_STORAGE = "retrograd_save/storages/{}.npy"
_SCALARS = (bool, int, float, str, type(None))


class _SaveError(RuntimeError):
    pass


def _where(path):
    return "obj" + "".join(f"[{p!r}]" for p in path)


def _byte_bounds(arr):
    """[low, high) addresses of the bytes a (non-empty) array reads."""
    lo = hi = arr.__array_interface__["data"][0]
    for n, st in zip(arr.shape, arr.strides):
        if st < 0:
            lo += (n - 1) * st
        else:
            hi += (n - 1) * st
    return lo, hi + arr.itemsize


def _root(arr):
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr


class _Writer:
    """Turns an object into JSON-able nodes, collecting tensor storages as it goes."""

    def __init__(self):
        self.groups = {}     # id(root array) -> [root, [(array, node), ...]]
        self.memo = {}       # id(tensor) -> its node (same tensor twice loads as one object)
        self.keep = []       # keeps the ids above alive while saving
        self.active = set()  # containers being encoded (a cycle cannot be saved)
        self.next_ref = 0

    def encode(self, obj, path=()):
        if isinstance(obj, _SCALARS):
            if isinstance(obj, float) and not np.isfinite(obj):
                return {"T": "float", "v": repr(obj)}
            return obj if not isinstance(obj, str) else {"T": "str", "v": obj}
        if isinstance(obj, Tensor):
            return self.tensor(obj, path)
        if isinstance(obj, _dt.dtype):
            return {"T": "dtype", "v": obj.name}
        if isinstance(obj, _device):
            return {"T": "device", "v": str(obj)}
        if isinstance(obj, complex):
            return {"T": "complex", "v": [repr(obj.real), repr(obj.imag)]}
        if isinstance(obj, bytes):
            return {"T": "bytes", "v": obj.hex()}
        if type(obj) in (list, tuple, dict, collections.OrderedDict, Size):
            if id(obj) in self.active:
                raise _SaveError(f"retrograd.save: cannot save a container that contains "
                                 f"itself (at {_where(path)})")
            self.active.add(id(obj))
            try:
                return self.container(obj, path)
            finally:
                self.active.discard(id(obj))
        raise _SaveError(
            f"retrograd.save: cannot save an object of type {type(obj).__module__}."
            f"{type(obj).__qualname__} (at {_where(path)}); the format holds tensors, "
            f"dtypes, devices, Size, numbers, str, bytes, None and dict/OrderedDict/list/"
            f"tuple of them")

    def container(self, obj, path):
        if isinstance(obj, dict):
            items = [[self.encode(k, path + (f"<key {k!r}>",)), self.encode(v, path + (k,))]
                     for k, v in obj.items()]
            node = {"T": "odict" if type(obj) is collections.OrderedDict else "dict",
                    "v": items}
            meta = getattr(obj, "_metadata", None)  # Module.state_dict's per-module versions
            if meta is not None:
                node["meta"] = self.encode(meta, path + ("_metadata",))
            return node
        kind = {list: "list", tuple: "tuple", Size: "size"}[type(obj)]
        return {"T": kind, "v": [self.encode(v, path + (i,)) for i, v in enumerate(obj)]}

    def tensor(self, t, path):
        node = self.memo.get(id(t))
        if node is not None:
            if "ref" not in node:
                node["ref"] = self.next_ref
                self.next_ref += 1
            return {"T": "ref", "v": node["ref"]}
        cls = type(t).__name__
        if type(t) is not Tensor and cls != "Parameter":
            raise _SaveError(f"retrograd.save: cannot save a tensor subclass "
                             f"{type(t).__module__}.{type(t).__qualname__} (at {_where(path)})")
        arr = t.detach().numpy()
        node = {"T": "tensor", "cls": cls, "dtype": t.dtype.name, "shape": list(arr.shape),
                "strides": list(arr.strides), "requires_grad": bool(t.requires_grad)}
        self.memo[id(t)] = node
        self.keep.append(t)
        root = _root(arr)
        if arr.size == 0 or not (root.flags.c_contiguous or root.flags.f_contiguous):
            root = np.ascontiguousarray(arr)  # its own storage
            node["strides"] = list(root.strides)
            arr = root
        self.groups.setdefault(id(root), [root, []])[1].append((arr, node))
        return node

    def storages(self):
        """One byte buffer per group of tensors sharing memory: the span they cover."""
        out = []
        for root, members in self.groups.values():
            flat = root.reshape(-1, order="A" if root.flags.f_contiguous else "C")
            flat = flat.view(np.uint8) if flat.size else np.zeros(0, np.uint8)
            base = flat.__array_interface__["data"][0]
            lows, highs = [], []
            for arr, _ in members:
                lo, hi = _byte_bounds(arr)
                lows.append(lo)
                highs.append(hi)
            lo, hi = min(lows), max(highs)
            k = len(out)
            for arr, node in members:
                node["storage"] = k
                node["offset"] = arr.__array_interface__["data"][0] - lo
            out.append(flat[lo - base:hi - base])
        return out


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save ``obj`` (tensors and Parameters, dtypes, Size, numbers, str, None and nested
    dict/OrderedDict/list/tuple of them) to a path or a writable binary file object."""
    if pickle_module is not None:
        raise RuntimeError("retrograd.save does not use pickle; pickle_module is not "
                           "supported")
    w = _Writer()
    doc = {"magic": MAGIC, "version": VERSION, "byteorder": "little", "obj": w.encode(obj)}
    doc["storages"] = len(w.groups)
    storages = w.storages()
    opened = isinstance(f, (str, bytes, os.PathLike))
    fh = open(f, "wb") if opened else f
    try:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr(_DOC, json.dumps(doc, allow_nan=False))
            for k, buf in enumerate(storages):
                with zf.open(_STORAGE.format(k), "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, np.ascontiguousarray(buf),
                                              allow_pickle=False)
    finally:
        if opened:
            fh.close()


def _corrupt(why):
    return RuntimeError(f"retrograd.load: the file is corrupt or truncated ({why})")


_PICKLE_MSG = ("retrograd.load: not a retrograd file: this looks like a PyTorch "
               "(pickle-based) checkpoint. retrograd never unpickles, since unpickling can "
               "run arbitrary code; load it with PyTorch and re-save the tensors with "
               "retrograd.save")


class _Reader:
    def __init__(self, zf, n_storages, map_location):
        self.zf = zf
        self.n = n_storages
        self.storages = {}
        self.refs = {}
        self.map_location = map_location
        from . import nn
        self.Parameter = getattr(nn, "Parameter", None)

    def storage(self, k):
        if not isinstance(k, int) or not 0 <= k < self.n:
            raise _corrupt(f"bad storage index {k!r}")
        if k not in self.storages:
            name = _STORAGE.format(k)
            try:
                with self.zf.open(name) as entry:
                    arr = np.lib.format.read_array(entry, allow_pickle=False)
            except KeyError:
                raise _corrupt(f"missing entry {name}") from None
            except ValueError as e:
                if "allow_pickle" in str(e):
                    raise RuntimeError(f"retrograd.load: refusing entry {name}: it holds a "
                                       f"pickled object array, which could run code") from None
                raise _corrupt(f"{name}: {e}") from None
            except (zipfile.BadZipFile, EOFError, OSError) as e:
                raise _corrupt(f"{name}: {e}") from None
            if arr.dtype != np.uint8 or arr.ndim != 1:
                raise _corrupt(f"{name} is not a byte buffer")
            self.storages[k] = arr
        return self.storages[k]

    def decode(self, node):
        if isinstance(node, (bool, int, float)) or node is None:
            return node
        if not isinstance(node, dict) or "T" not in node:
            raise _corrupt(f"unexpected node {str(node)[:60]}")
        kind, v = node["T"], node.get("v")
        if kind == "str":
            return v
        if kind == "float":
            return float(v)
        if kind in ("list", "tuple", "size"):
            items = [self.decode(x) for x in v]
            return items if kind == "list" else tuple(items) if kind == "tuple" else Size(items)
        if kind in ("dict", "odict"):
            out = (collections.OrderedDict if kind == "odict" else dict)(
                (_hashable(self.decode(k)), self.decode(x)) for k, x in v)
            if "meta" in node:
                out._metadata = self.decode(node["meta"])
            return out
        if kind == "tensor":
            return self.tensor(node)
        if kind == "ref":
            if v not in self.refs:
                raise _corrupt(f"reference {v!r} to a tensor not yet loaded")
            return self.refs[v]
        if kind == "dtype":
            if v not in _dt._NAMES:
                raise _corrupt(f"unknown dtype {v!r}")
            return _dt._NAMES[v]
        if kind == "device":
            return _device(v)
        if kind == "complex":
            return complex(float(v[0]), float(v[1]))
        if kind == "bytes":
            return bytes.fromhex(v)
        raise _corrupt(f"unknown node type {kind!r}")

    def tensor(self, node):
        from ._creation import from_numpy
        try:
            dtype = _dt._NAMES[node["dtype"]]
            buf = self.storage(node["storage"])
            arr = np.ndarray(tuple(node["shape"]), dtype=dtype.np.newbyteorder("<"),
                             buffer=buf, offset=node["offset"], strides=tuple(node["strides"]))
        except (KeyError, TypeError, ValueError) as e:
            raise _corrupt(f"bad tensor record: {e!r}") from None
        t = from_numpy(arr)
        if callable(self.map_location):
            t = self.map_location(t, "cpu")
        if node.get("cls") == "Parameter" and self.Parameter is not None:
            t = self.Parameter(t, requires_grad=bool(node["requires_grad"]))
        elif node["requires_grad"]:
            t.requires_grad_(True)
        if "ref" in node:
            self.refs[node["ref"]] = t
        return t


def _hashable(k):
    return tuple(_hashable(x) for x in k) if isinstance(k, list) else k


def _check_map_location(map_location):
    if map_location is None or callable(map_location):
        return
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    for target in targets:
        kind = _device(target).type
        if kind == "cuda":
            raise RuntimeError("Attempting to deserialize object on a CUDA device but "
                               "torch.cuda.is_available() is False. If you are running on a "
                               "CPU-only machine, please use torch.load with "
                               "map_location=torch.device('cpu') to map your storages to "
                               "the CPU.")
        if kind != "cpu":
            raise RuntimeError(f"retrograd.load: map_location={map_location!r}: retrograd "
                               f"loads tensors on the CPU only")


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None,
         **pickle_load_args):
    """Load what ``save`` wrote, from a path or a readable binary file object. The format
    holds data only, so ``weights_only`` changes nothing: loading can never run code.
    ``mmap`` is accepted but the file is read into memory (same values, no mapping);
    a callable ``map_location`` gets each loaded tensor and ``'cpu'`` (PyTorch passes a
    storage) and returns the tensor to use."""
    if pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                           "specified")
    _check_map_location(map_location)
    if isinstance(f, (str, bytes, os.PathLike)):
        with open(f, "rb") as fh:
            data = fh.read()
    else:
        data = f.read()
    if not isinstance(data, bytes):
        raise RuntimeError("retrograd.load: the file object must be opened in binary mode")
    if data[:1] == b"\x80" or data[:2] in (b"(d", b"(l", b"}q", b"]q"):
        raise RuntimeError(_PICKLE_MSG)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        if data[:4] != b"PK\x03\x04":
            raise RuntimeError("retrograd.load: not a retrograd file (it is not a zip "
                               "archive)") from None
        raise _corrupt(f"{e}") from None
    with zf:
        names = zf.namelist()
        if _DOC not in names:
            if any(n.endswith("data.pkl") for n in names):
                raise RuntimeError(_PICKLE_MSG)
            raise RuntimeError(f"retrograd.load: not a retrograd file (no {_DOC} entry)")
        try:
            doc = json.loads(zf.read(_DOC).decode("utf-8"))
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
            raise _corrupt(f"{_DOC}: {e}") from None
        if not isinstance(doc, dict) or doc.get("magic") != MAGIC:
            raise RuntimeError("retrograd.load: not a retrograd file (wrong magic)")
        if doc.get("version") != VERSION:
            raise RuntimeError(f"retrograd.load: unsupported format version "
                               f"{doc.get('version')!r} (this retrograd reads {VERSION})")
        try:
            return _Reader(zf, doc["storages"], map_location).decode(doc["obj"])
        except RecursionError:
            raise _corrupt("structure nested too deeply") from None
        except (KeyError, TypeError, AttributeError) as e:
            raise _corrupt(f"bad structure: {e!r}") from None
