"""Dropout: zeroes elements with probability p in training mode, identity in eval."""
from ._functional_module import FunctionalModule

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "AlphaDropout"]


class _DropoutNd(FunctionalModule):
    _fn, _options, _shown = "dropout", ("p", "inplace"), ("p", "inplace")

    def __init__(self, p=0.5, inplace=False):
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        super().__init__(p, inplace)

    def forward(self, input):
        return self._call(input, training=self.training)


class Dropout(_DropoutNd):
    """Zeroes elements with probability p (scaling the rest by 1/(1-p)) in training mode."""


class Dropout1d(_DropoutNd):
    _fn = "dropout1d"


class Dropout2d(_DropoutNd):
    _fn = "dropout2d"


class AlphaDropout(_DropoutNd):
    _fn = "alpha_dropout"
