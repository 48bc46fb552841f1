"""Pooling modules: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d."""
from ._functional_module import FunctionalModule
from .conv import _spread

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d"]


class _MaxPoolNd(FunctionalModule):
    _options = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")
    _shown = _options[:-1]

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__(kernel_size, kernel_size if stride is None else stride, padding,
                         dilation, ceil_mode, return_indices)


class MaxPool1d(_MaxPoolNd):
    _fn = "max_pool1d"


class MaxPool2d(_MaxPoolNd):
    _fn = "max_pool2d"


class AvgPool1d(FunctionalModule):
    _fn = "avg_pool1d"
    _options = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")
    _shown = _options[:3]

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        stride = kernel_size if stride is None else stride
        super().__init__(*(_spread(v, 1) for v in (kernel_size, stride, padding)), ceil_mode,
                         count_include_pad)


class AvgPool2d(FunctionalModule):
    _fn = "avg_pool2d"
    _options = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                "divisor_override")
    _shown = _options[:3]

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__(kernel_size, kernel_size if stride is None else stride, padding,
                         ceil_mode, count_include_pad, divisor_override)


class _AdaptiveAvgPoolNd(FunctionalModule):
    _options = ("output_size",)

    def __init__(self, output_size):
        super().__init__(output_size)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    _fn = "adaptive_avg_pool1d"


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    _fn = "adaptive_avg_pool2d"
