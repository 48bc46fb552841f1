"""nn.functional activations and softmax family, composed from retrograd ops (gradients
come from the ops; kinks choose PyTorch's side through where-masks)."""
import warnings

import retrograd as _t
from ..tensor import _wrap_dim

from . import _softmax_prims as _sp, _act_prims as _ap
from ..ops.inplace import inplace_method as _inplace_method

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu",
           "selu_", "celu", "celu_", "gelu", "silu", "mish", "softplus", "softsign",
           "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "logsigmoid", "tanhshrink",
           "softshrink", "hardshrink", "threshold", "threshold_", "softmax", "log_softmax",
           "softmin", "sigmoid", "tanh", "prelu", "glu", "rrelu", "rrelu_"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _finish(input, fn, inplace):
    """inplace=True writes fn(input) into ``input`` (version bump, history) as PyTorch; the
    formula reads a clone so its saved tensors survive the overwrite."""
    if inplace:
        return input.copy_(fn(input.clone() if input.requires_grad else input))
    return fn(input)


def _act(prim, input, inplace, *params, inplace_prim=None):
    """An activation primitive, out of place or in place (the in-place mechanism computes
    from a snapshot of the input, and the node takes over ``input``'s history, as
    PyTorch's ``elu_`` ... do); ``inplace_prim`` is the in-place node's own name."""
    if inplace:
        return _inplace_method(inplace_prim or prim)(input, *params)
    return prim(input, *params)


def sigmoid(input):
    return _t.sigmoid(input)


def tanh(input):
    return _t.tanh(input)


def relu(input, inplace=False):
    # (relu's .call: one Python frame fewer than calling the primitive object)
    return input.relu_() if inplace else _t.relu.call(input)


def relu_(input):
    return input.relu_()


def threshold(input, threshold, value, inplace=False):
    # PyTorch: gradient 0 where input <= threshold
    return _finish(input, lambda x: _t.where(x > threshold, x, value), inplace)


def threshold_(input, threshold, value):
    return globals()["threshold"](input, threshold, value, True)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    # gradient flows only strictly inside (min_val, max_val), as PyTorch's hardtanh_backward
    return _act(_ap.hardtanh, input, inplace, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _act(_ap.leaky_relu, input, inplace, negative_slope,
                inplace_prim=_ap.leaky_relu_inplace)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def elu(input, alpha=1.0, inplace=False):
    return _act(_ap.elu, input, inplace, alpha, 1.0, 1.0, inplace_prim=_ap.elu_inplace)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    return _act(_ap.elu, input, inplace, _SELU_ALPHA, _SELU_SCALE, 1.0,
                inplace_prim=_ap.elu_inplace)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    return _act(_ap.celu, input, inplace, alpha, 1.0, 1.0 / alpha,
                inplace_prim=_ap.celu_inplace)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def gelu(input, approximate="none"):
    if approximate in ("none", "tanh"):
        return _ap.gelu(input, approximate)
    raise RuntimeError("approximate argument must be either none or tanh.")


def silu(input, inplace=False):
    return _act(_ap.silu, input, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    return _ap.softplus(input, beta, threshold)


def mish(input, inplace=False):
    return _act(_ap.mish, input, inplace)


def softsign(input):
    return input / (input.abs() + 1)


def hardsigmoid(input, inplace=False):
    return _act(_ap.hardsigmoid, input, inplace)


def hardswish(input, inplace=False):
    return _act(_ap.hardswish, input, inplace)


def logsigmoid(input):
    return _ap.log_sigmoid(input)


def tanhshrink(input):
    return input - _t.tanh(input)


def softshrink(input, lambd=0.5):
    if lambd < 0:
        top, name = {_t.float64: ("1.79769e+308", "Double"),
                     _t.float16: ("65504", "Half")}.get(input.dtype, ("3.40282e+38", "Float"))
        raise RuntimeError(f"lambda must be in range [0, {top}] for input dtype {name}, but "
                           f"found {lambd:g}")
    return _t.where(input > lambd, input - lambd,
                    _t.where(input < -lambd, input + lambd, input * 0.0))


def hardshrink(input, lambd=0.5):
    return _t.where((input > lambd) | (input < -lambd), input, input * 0.0)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _log_softmax(input, dim):
    return _sp.log_softmax_p(input, _wrap_dim(dim, input.dim()))


def _prepare(name, input, dim, stacklevel, dtype):
    if dim is None:
        dim = _softmax_dim(name, input.dim(), stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    if not input.is_floating_point():
        if name == "softmin":
            input = -input  # PyTorch negates first (refused for bool), then softmax's check
            name = "softmax"
        last = input.dim() == 0 or dim in (-1, input.dim() - 1)
        names = {_t.int64: "Long", _t.int32: "Int", _t.int16: "Short", _t.int8: "Char",
                 _t.uint8: "Byte", _t.bool: "Bool"}
        raise NotImplementedError(f'"{name}_{"lastdim_" if last else ""}kernel_impl" not '
                                  f"implemented for '{names.get(input.dtype, input.dtype)}'")
    return input, _wrap_dim(dim, input.dim())


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    input, dim = _prepare("log_softmax", input, dim, _stacklevel, dtype)
    return _sp.log_softmax_p(input, dim)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    input, dim = _prepare("softmax", input, dim, _stacklevel, dtype)
    return _sp.softmax_p(input, dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    input, dim = _prepare("softmin", input, dim, _stacklevel, dtype)
    return _sp.softmax_p(-input, dim)


def _torch_softmax(input, dim, dtype=None):
    """``torch.softmax`` / ``Tensor.softmax``: the same primitive, dim required."""
    input, dim = _prepare("softmax", input, dim, 0, dtype)
    return _sp.softmax_p(input, dim)


def _torch_log_softmax(input, dim, dtype=None):
    input, dim = _prepare("log_softmax", input, dim, 0, dtype)
    return _sp.log_softmax_p(input, dim)


_t.Tensor.softmax = _torch_softmax
_t.Tensor.log_softmax = _torch_log_softmax


def prelu(input, weight):
    if input.dim() == 0:
        raise RuntimeError("Not allow zero-dim input tensor.")
    if weight.numel() != 1:
        channels = input.size(1) if input.dim() >= 2 else input.size(0)
        if weight.numel() != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {weight.numel()} and channel size = {channels}.")
        if input.dim() >= 2:
            weight = weight.reshape((1, -1) + (1,) * (input.dim() - 2))
    return _t.where(input > 0, input, input * weight)


def glu(input, dim=-1):
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.size(dim)
    if size % 2:
        d = dim % input.dim()
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    a, b = input.chunk(2, dim)
    return a * _t.sigmoid(b)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Eval: leaky_relu with the mean slope; training: a slope per element drawn uniformly
    from [lower, upper] (retrograd's RNG) for the negative entries."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    slope = _t.rand(*input.shape, dtype=input.dtype) * (upper - lower) + lower
    return _finish(input, lambda x: _t.where(x >= 0, x, x * slope), inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)
