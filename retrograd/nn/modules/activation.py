"""Activation modules: each calls its nn.functional counterpart with PyTorch's constructor
arguments and repr (FunctionalModule does the calling and printing)."""
import warnings

import retrograd as _torch
from ..parameter import Parameter
from .. import functional as F
from .module import Module
from ._functional_module import FunctionalModule

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
           "Softplus", "Softsign", "Hardtanh", "Hardsigmoid", "Hardswish", "LogSigmoid",
           "Softmax", "LogSoftmax", "Softmin", "Tanh", "Sigmoid", "Tanhshrink", "Softshrink",
           "Hardshrink", "Threshold", "PReLU", "GLU"]


class _InplaceOnly(FunctionalModule):
    _options = ("inplace",)

    def __init__(self, inplace=False):
        super().__init__(inplace)


class ReLU(_InplaceOnly):
    _fn = "relu"


class SELU(_InplaceOnly):
    _fn = "selu"


class SiLU(_InplaceOnly):
    _fn = "silu"


class Mish(_InplaceOnly):
    _fn = "mish"


class Hardsigmoid(_InplaceOnly):
    _fn = "hardsigmoid"


class Hardswish(_InplaceOnly):
    _fn = "hardswish"


class Softsign(FunctionalModule):
    _fn = "softsign"


class LogSigmoid(FunctionalModule):
    _fn = "logsigmoid"


class Tanhshrink(FunctionalModule):
    _fn = "tanhshrink"


class Tanh(FunctionalModule):
    _fn = "tanh"


class Sigmoid(FunctionalModule):
    _fn = "sigmoid"


class Hardtanh(FunctionalModule):
    _fn, _options = "hardtanh", ("min_val", "max_val", "inplace")

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None,
                 max_value=None):
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to "
                          "`min_val`", FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to "
                          "`max_val`", FutureWarning, stacklevel=2)
            max_val = max_value
        super().__init__(min_val, max_val, inplace)
        if self.max_val <= self.min_val:
            raise AssertionError(f"max_val ({self.max_val}) must be greater than min_val "
                                 f"({self.min_val})")


class ReLU6(Hardtanh):
    """Hardtanh between 0 and 6, printed with its inplace flag only."""
    _shown = ()

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)


class LeakyReLU(FunctionalModule):
    _fn, _options = "leaky_relu", ("negative_slope", "inplace")

    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__(negative_slope, inplace)


class ELU(FunctionalModule):
    _fn, _options = "elu", ("alpha", "inplace")

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(alpha, inplace)


class CELU(ELU):
    _fn = "celu"


class GELU(FunctionalModule):
    _fn, _options = "gelu", ("approximate",)

    def __init__(self, approximate="none"):
        super().__init__(approximate)


class Softplus(FunctionalModule):
    _fn, _options = "softplus", ("beta", "threshold")

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__(beta, threshold)


class Threshold(FunctionalModule):
    _fn, _options = "threshold", ("threshold", "value", "inplace")

    def __init__(self, threshold, value, inplace=False):
        super().__init__(threshold, value, inplace)


class _Shrink(FunctionalModule):
    _options = ("lambd",)

    def __init__(self, lambd=0.5):
        super().__init__(lambd)

    def extra_repr(self):
        return str(self.lambd)


class Softshrink(_Shrink):
    _fn = "softshrink"


class Hardshrink(_Shrink):
    _fn = "hardshrink"


class _AlongDim(FunctionalModule):
    _options = ("dim",)

    def __init__(self, dim=None):
        super().__init__(dim)

    def __setstate__(self, state):  # modules pickled before dim existed
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None


class Softmax(_AlongDim):
    _fn = "softmax"


class LogSoftmax(_AlongDim):
    _fn = "log_softmax"


class Softmin(_AlongDim):
    _fn = "softmin"


class GLU(_AlongDim):
    _fn = "glu"

    def __init__(self, dim=-1):
        super().__init__(dim)


class PReLU(Module):

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(_torch.empty(num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        from .. import init as _init
        _init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
