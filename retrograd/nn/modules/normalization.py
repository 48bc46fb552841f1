"""BatchNorm1d/2d (running statistics as buffers), LayerNorm, GroupNorm."""
import numbers

import retrograd as _torch
from .. import functional as F
from .. import init
from .module import Module
from .linear import _weight_and_bias

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm"]


class _Norm(Module):
    """A normalization with an optional elementwise affine step (weight ones, bias zeros;
    bias=False leaves the bias out)."""

    def _affine_parameters(self, affine, shape, bias, dtype):
        _weight_and_bias(self, shape, shape, dtype, weight=affine, bias=affine and bias)

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _describe(self, sizes, before_bias, after_bias=()):
        """PyTorch's repr of a normalization: sizes, name=value options, bias=..."""
        def named(names):
            return [f"{name}={getattr(self, name)}" for name in names]
        parts = [str(getattr(self, name)) for name in sizes] + named(before_bias)
        return ", ".join(parts + [f"bias={self.bias is not None}"] + named(after_bias))


class _BatchNorm(_Norm):
    _version = 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self._affine_parameters(affine, num_features, bias, dtype)
        stats = track_running_stats
        self.register_buffer("running_mean",
                             _torch.zeros(num_features, dtype=dtype) if stats else None)
        self.register_buffer("running_var",
                             _torch.ones(num_features, dtype=dtype) if stats else None)
        self.register_buffer("num_batches_tracked",
                             _torch.tensor(0, dtype=_torch.long) if stats else None)
        self.reset_parameters()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs, assign=False):
        # state dicts saved before num_batches_tracked existed (no version 2 metadata) load
        # with the module's own counter, as in PyTorch
        key = prefix + "num_batches_tracked"
        old = local_metadata.get("version", None) is None or local_metadata["version"] < 2
        if old and self.track_running_stats and key not in state_dict:
            counter = self.num_batches_tracked
            state_dict[key] = (counter if counter is not None
                               else _torch.tensor(0, dtype=_torch.long))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys, error_msgs, assign)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        super().reset_parameters()

    def extra_repr(self):
        return self._describe(["num_features"], ["eps", "momentum", "affine"],
                              ["track_running_stats"])

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with _torch.no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        # batch statistics in training, and in eval when there are no running ones
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep else None,
                            self.running_var if keep else None, self.weight, self.bias,
                            use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    def _check_input_dim(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class LayerNorm(_Norm):

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self._affine_parameters(elementwise_affine, self.normalized_shape, bias, dtype)
        self.reset_parameters()

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return self._describe(["normalized_shape"], ["eps", "elementwise_affine"])


class GroupNorm(_Norm):

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        self._affine_parameters(affine, num_channels, bias, dtype)
        self.reset_parameters()

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return self._describe(["num_groups", "num_channels"], ["eps", "affine"])
