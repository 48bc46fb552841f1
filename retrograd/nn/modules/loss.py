"""Loss modules: each holds its reduction (and class weights as buffers) and calls its
nn.functional counterpart; they print without options, as PyTorch's do."""
import warnings

from ._functional_module import FunctionalModule

__all__ = ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss"]


def _reduction(size_average, reduce, reduction):
    """The reduction that the deprecated size_average/reduce flags ask for (either left
    out counts as true; PyTorch's warning names it), or ``reduction`` when neither is
    given."""
    if size_average is None and reduce is None:
        return reduction
    if not (True if reduce is None else reduce):
        reduction = "none"
    else:
        reduction = "mean" if (True if size_average is None else size_average) else "sum"
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", stacklevel=4)
    return reduction


class _Loss(FunctionalModule):
    """``forward(input, target)`` is ``F.<_fn>(input, target, reduction=..., **options)``;
    a subclass lists its further options after "reduction" and passes their values to
    _setup."""
    _options, _shown = ("reduction",), ()

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        self._setup(size_average, reduce, reduction)

    def _setup(self, size_average, reduce, reduction, *more):
        FunctionalModule.__init__(self, _reduction(size_average, reduce, reduction), *more)

    def forward(self, input, target):
        return self._call(input, target)


class L1Loss(_Loss):
    _fn = "l1_loss"


class MSELoss(_Loss):
    _fn = "mse_loss"


class SmoothL1Loss(_Loss):
    _fn, _options = "smooth_l1_loss", ("reduction", "beta")

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        self._setup(size_average, reduce, reduction, beta)


class HuberLoss(_Loss):
    _fn, _options = "huber_loss", ("reduction", "delta")

    def __init__(self, reduction="mean", delta=1.0):
        self._setup(None, None, reduction, delta)


class KLDivLoss(_Loss):
    _fn, _options = "kl_div", ("reduction", "log_target")

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        self._setup(size_average, reduce, reduction, log_target)


class _WeightedLoss(_Loss):
    """A loss with per-class weights (a buffer, None when not given)."""
    _tensor_options = ("weight", "pos_weight")


class NLLLoss(_WeightedLoss):
    _fn, _options = "nll_loss", ("reduction", "weight", "ignore_index")

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        self._setup(size_average, reduce, reduction, weight, ignore_index)


class CrossEntropyLoss(_WeightedLoss):
    _fn = "cross_entropy"
    _options = ("reduction", "weight", "ignore_index", "label_smoothing")

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        self._setup(size_average, reduce, reduction, weight, ignore_index,
                         label_smoothing)


class BCELoss(_WeightedLoss):
    _fn, _options = "binary_cross_entropy", ("reduction", "weight")

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        self._setup(size_average, reduce, reduction, weight)


class BCEWithLogitsLoss(_WeightedLoss):
    _fn = "binary_cross_entropy_with_logits"
    _options = ("reduction", "weight", "pos_weight")

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        self._setup(size_average, reduce, reduction, weight, pos_weight)
