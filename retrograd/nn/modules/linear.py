"""Identity, Linear, Bilinear: affine layers with PyTorch's default init; and the helpers
that every layer with a weight and an optional bias uses to make and initialise them."""
import math

import retrograd as _torch
from ..parameter import Parameter
from .. import functional as F
from .. import init
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear", "NonDynamicallyQuantizableLinear"]


def _linear(input, weight, bias=None):
    return F.linear(input, weight, bias)


def _new_parameters(module, dtype, *specs):
    """Register uninitialised Parameters from (name, shape, wanted) specs; an unwanted one
    is registered as None (PyTorch keeps the name, so state dicts and repr know it is
    off)."""
    for name, shape, wanted in specs:
        module.register_parameter(
            name, Parameter(_torch.empty(shape, dtype=dtype)) if wanted else None)


def _weight_and_bias(module, weight_shape, bias_shape, dtype, weight=True, bias=True):
    _new_parameters(module, dtype, ("weight", weight_shape, weight),
                    ("bias", bias_shape, bias))


def _fan_in_init(weight, bias):
    """PyTorch's default for Linear and convolutions: kaiming_uniform_(a=sqrt(5)) weight,
    bias uniform in +-1/sqrt(fan_in)."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Identity(Module):
    """Returns its input; ignores any constructor arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b; W: (out_features, in_features), kaiming_uniform_(a=sqrt(5)) init."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        _weight_and_bias(self, (out_features, in_features), out_features, dtype, bias=bias)
        self.reset_parameters()

    def reset_parameters(self):
        _fan_in_init(self.weight, self.bias)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class NonDynamicallyQuantizableLinear(Linear):
    """MultiheadAttention's out_proj (a plain Linear under another name, as in PyTorch)."""


class Bilinear(Module):
    """y = x1^T A x2 + b; A: (out_features, in1_features, in2_features)."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        _weight_and_bias(self, (out_features, in1_features, in2_features), out_features,
                         dtype, bias=bias)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.size(1))
        for param in (self.weight, self.bias):
            if param is not None:
                init.uniform_(param, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
