"""Conv1d, Conv2d, ConvTranspose2d: weights (out, in/groups, *k) (transposed: (in,
out/groups, *k)), kaiming_uniform_(a=sqrt(5)) and bias uniform(+-1/sqrt(fan_in))."""
from .. import functional as F
from .module import Module
from .linear import _weight_and_bias, _fan_in_init

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]


def _spread(value, n):
    """A size given as one int (or already per dimension) as an n-tuple."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


_PADDING_STRINGS = {"same", "valid"}
_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


class _ConvNd(Module):
    """What every convolution stores, checks, initialises and prints. ``_dims`` spatial
    dimensions; sizes given as one int are spread over them."""
    _dims = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 groups, bias, padding_mode, output_padding=0, dtype=None):
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        stride = _spread(stride, n)
        if isinstance(padding, str):
            if padding not in _PADDING_STRINGS:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{_PADDING_STRINGS}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _spread(padding, n)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = _spread(kernel_size, n), stride, padding
        self.dilation = _spread(dilation, n)
        self.transposed = self._transposed
        self.output_padding = _spread(output_padding, n)
        self.groups, self.padding_mode = groups, padding_mode
        self._mode_padding = self._pad_widths()
        if self.transposed:
            weight_shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            weight_shape = (out_channels, in_channels // groups, *self.kernel_size)
        _weight_and_bias(self, weight_shape, out_channels, dtype, bias=bias)
        self.reset_parameters()

    def _pad_widths(self):
        """F.pad's widths (last dimension first, each (before, after)) that padding_mode
        other than "zeros" pads the input with before an unpadded convolution."""
        if self.padding == "valid":
            per_dim = [(0, 0)] * self._dims
        elif self.padding == "same":  # the odd one of an even total goes after
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            per_dim = [(t // 2, t - t // 2) for t in totals]
        else:
            per_dim = [(p, p) for p in self.padding]
        return [w for pair in reversed(per_dim) for w in pair]

    def reset_parameters(self):
        _fan_in_init(self.weight, self.bias)

    def extra_repr(self):
        # PyTorch's: the defaults are left out, but stride always shows
        parts = [str(self.in_channels), str(self.out_channels),
                 f"kernel_size={self.kernel_size}", f"stride={self.stride}"]
        for name, default in (("padding", 0), ("dilation", 1), ("output_padding", 0)):
            value = getattr(self, name)
            if value != (default,) * len(value):
                parts.append(f"{name}={value}")
        if self.groups != 1:
            parts.append(f"groups={self.groups}")
        if self.bias is None:
            parts.append("bias=False")
        if self.padding_mode != "zeros":
            parts.append(f"padding_mode={self.padding_mode}")
        return ", ".join(parts)


class _Conv(_ConvNd):
    """Conv1d and Conv2d: F.conv<N>d, after F.pad for a padding_mode other than zeros."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype=dtype)

    def forward(self, input):
        conv = F.conv1d if self._dims == 1 else F.conv2d
        padding = self.padding
        if self.padding_mode != "zeros":
            input = F.pad(input, self._mode_padding, mode=self.padding_mode)
            padding = (0,) * self._dims
        return conv(input, self.weight, self.bias, self.stride, padding, self.dilation,
                    self.groups)


class Conv1d(_Conv):
    _dims = 1


class Conv2d(_Conv):
    _dims = 2


class ConvTranspose2d(_ConvNd):
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{self.__class__.__name__}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, dtype)

    def _output_padding(self, input, output_size):
        """The output_padding that gives output_size (None: the module's own)."""
        if output_size is None:
            return self.output_padding
        wanted = list(output_size)[-2:]
        smallest = [(input.size(input.dim() - 2 + d) - 1) * self.stride[d]
                    - 2 * self.padding[d] + self.dilation[d] * (self.kernel_size[d] - 1) + 1
                    for d in range(2)]
        largest = [s + self.stride[d] - 1 for d, s in enumerate(smallest)]
        if not all(lo <= w <= hi for lo, w, hi in zip(smallest, wanted, largest)):
            raise ValueError(f"requested an output size of {wanted}, but valid sizes "
                             f"range from {smallest} to {largest} (for an input of "
                             f"{input.size()[2:]})")
        return tuple(w - lo for w, lo in zip(wanted, smallest))

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  output_padding, self.groups, self.dilation)
