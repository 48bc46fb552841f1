"""dtype objects (float32, int64, bool, ...), the default float dtype, and PyTorch's type promotion."""
import numpy as np

__all__ = ["dtype", "float16", "float32", "float64", "int8", "int16", "int32", "int64",
           "uint8", "bool_", "get_default_dtype", "set_default_dtype", "promote_types",
           "result_type", "from_numpy_dtype"]

_BOOL, _INT, _FLOAT = 0, 1, 2  # promotion categories, lowest to highest


class dtype:
    """A tensor element type; prints as ``torch.float32`` like PyTorch's."""
    __slots__ = ("name", "np", "category", "itemsize", "is_floating_point", "is_signed",
                 "_legacy", "_cname")
    __module__ = "torch"  # type(torch.float32) prints <class 'torch.dtype'>

    def __init__(self, name, np_dtype, category, legacy, cname):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == _FLOAT
        self.is_signed = self.np.kind in "if"
        self._legacy = legacy  # "Float" as in torch.FloatTensor
        self._cname = cname    # "float" as in PyTorch's C++ messages

    is_complex = False

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):  # dtypes are singletons
        return (_by_name, (self.name,))

    def to_real(self):
        return self

    def to_complex(self):
        raise NotImplementedError("complex dtypes are not supported by retrograd")


float16 = dtype("float16", np.float16, _FLOAT, "Half", "c10::Half")
float32 = dtype("float32", np.float32, _FLOAT, "Float", "float")
float64 = dtype("float64", np.float64, _FLOAT, "Double", "double")
int8 = dtype("int8", np.int8, _INT, "Char", "signed char")
int16 = dtype("int16", np.int16, _INT, "Short", "short")
int32 = dtype("int32", np.int32, _INT, "Int", "int")
int64 = dtype("int64", np.int64, _INT, "Long", "long int")
uint8 = dtype("uint8", np.uint8, _INT, "Byte", "unsigned char")
bool_ = dtype("bool", np.bool_, _BOOL, "Bool", "bool")

ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)
_FROM_NP = {d.np: d for d in ALL}
_NAMES = {d.name: d for d in ALL}


def _by_name(name):
    return _NAMES[name]


def from_numpy_dtype(np_dtype):
    """The retrograd dtype of a NumPy dtype; TypeError for kinds PyTorch lacks."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).type.__name__}. The only "
            "supported types are: float64, float32, float16, int64, int32, int16, int8, "
            "uint8, and bool.") from None


_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    if d not in (float16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d
    _RESULT_CACHE.clear()


def promote_types(a, b):
    """PyTorch's promotion of two dtypes: a higher category wins outright (int64 with
    float16 gives float16); within a category the wider type wins (uint8 with int8 gives int16)."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return _FROM_NP[np.promote_types(a.np, b.np)]


def _scalar_dtype(x):
    """The dtype a Python number takes part in promotion with (a 'wrapped number')."""
    if x is True or x is False:
        return bool_
    if isinstance(x, int):
        return int64
    if isinstance(x, float):
        return _default[0]
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


def _combine(higher, lower):
    # PyTorch's rule for merging a higher-priority group's dtype (dimensioned tensors) with
    # a lower one's (0-d tensors, then Python numbers): the lower group matters only when
    # it brings a float to a non-float, or anything to bool.
    if higher is None:
        return lower
    if lower is None or higher.category == _FLOAT:
        return higher
    if higher is bool_ or lower.category == _FLOAT:
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """The dtype PyTorch gives an op on these operands (Tensors and Python numbers):
    dimensioned tensors take priority over 0-d tensors, which take priority over Python
    numbers, unless a lower group brings a higher category (a Python float times an int
    tensor gives the default float dtype)."""
    groups = [None, None, None]  # dimensioned, zero-dim, Python numbers
    for x in operands:
        data = getattr(x, "_data", None)
        if data is not None:
            d, g = _FROM_NP[data.dtype], (0 if data.ndim else 1)
        else:
            d, g = _scalar_dtype(x), 2
        groups[g] = d if groups[g] is None else promote_types(groups[g], d)
    return _combine(groups[0], _combine(groups[1], groups[2]))


_RESULT_CACHE = {}


def promotion_key(x):
    """A hashable stand-in for an operand's role in promotion."""
    data = getattr(x, "_data", None)
    if data is not None:
        return data.dtype if data.ndim else (data.dtype, 0)
    return bool if (x is True or x is False) else type(x)


def cached_result_type(operands):
    key = tuple(map(promotion_key, operands))
    d = _RESULT_CACHE.get(key)
    if d is None:
        d = _RESULT_CACHE[key] = result_type(*operands)
    return d
