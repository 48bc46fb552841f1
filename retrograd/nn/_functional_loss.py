"""nn.functional losses (regression, classification, divergence), composed from
retrograd ops with PyTorch's reductions, legacy size_average/reduce and error texts."""
import warnings

import numpy as np

import retrograd as _t
from ..tensor import Tensor as _Tensor

from ._functional_act import _log_softmax
from . import _softmax_prims as _sp, _loss_prims as _lp
from ..ops.pointwise import mul_scalar as _mul_scalar, div as _div

# x / number as PyTorch records it inside its C++ (Tensor, Scalar) overloads
_div_scalar = _div.variant("DivBackward1")

_INT64 = np.dtype(np.int64)  # (a target array of this very dtype is an int64 tensor)

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]


def _legacy(size_average, reduce, emit_warning=True):
    """torch.nn._reduction.legacy_get_string."""
    warning = ("size_average and reduce args will be deprecated, please use reduction='{}' "
               "instead.")
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit_warning:
        warnings.warn(warning.format(ret))
    return ret


def _reduction(reduction, size_average=None, reduce=None):
    if size_average is not None or reduce is not None:
        return _legacy(size_average, reduce)
    return reduction


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _size_warning(input, target):
    if target.size() != input.size():
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input "
                      f"size ({input.size()}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)


def _pointwise(input, target, reduction, weight, elementwise, mean_by_weight=True):
    _size_warning(input, target)
    input, target = _t.broadcast_tensors(input, target)
    loss = elementwise(input, target)
    if weight is None:
        return _reduce(loss, reduction)
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum() if mean_by_weight else loss.mean()
    if reduction in ("none", "sum"):
        return _reduce(loss, reduction)
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


def _fused(prim, input, target, reduction, *params):
    """A loss PyTorch computes in one kernel (one node), inputs broadcast first."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    _size_warning(input, target)
    if input.shape != target.shape:
        input, target = _t.broadcast_tensors(input, target)
    return prim(input, target, reduction, *params)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    if weight is None:
        return _fused(_lp.mse_loss, input, target, _reduction(reduction, size_average, reduce))
    return _pointwise(input, target, _reduction(reduction, size_average, reduce), weight,
                      lambda x, t: (x - t) ** 2)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    return _pointwise(input, target, _reduction(reduction, size_average, reduce), weight,
                      lambda x, t: (x - t).abs())


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta > 0:  # (beta 0 is PyTorch's l1_loss composite)
        return _fused(_lp.smooth_l1_loss, input, target,
                      _reduction(reduction, size_average, reduce), float(beta))
    return _pointwise(input, target, _reduction(reduction, size_average, reduce), None,
                      lambda x, t: (x - t).abs())


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is None:
        return _fused(_lp.huber_loss, input, target, reduction, float(delta))
    def huber(x, t):  # PyTorch: the unreduced fused loss, then the weights
        return _lp.huber_loss(x, t, "none", float(delta))
    return _pointwise(input, target, reduction, weight, huber, mean_by_weight=False)


def _not_differentiable(fn, **args):
    """PyTorch's fused kernels refuse gradients for their weight arguments."""
    if _t.is_grad_enabled():
        for name, value in args.items():
            if value is not None and value.requires_grad:
                raise RuntimeError(f"The function '{fn}' is not differentiable with respect "
                                   f"to argument '{name}'. This input cannot have "
                                   "requires_grad True.")


def _values(tensor):
    """The array behind a tensor for argument checks; None under vmap, where the values
    are per example (the check is skipped rather than forcing a per-example fallback)."""
    try:
        return tensor.detach().numpy()
    except RuntimeError:
        return None


def _dtype_name(dtype):
    return {_t.float32: "Float", _t.float64: "Double", _t.float16: "Half", _t.int64: "Long",
            _t.int32: "Int", _t.int16: "Short", _t.int8: "Char", _t.uint8: "Byte",
            _t.bool: "Bool"}.get(dtype, str(dtype))


def _nll(input, target, weight, ignore_index, reduction):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    nd = input.dim()
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if target.dtype is _t.uint8:
        target = target.long()
    elif target.dtype is not _t.int64:
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{_dtype_name(target.dtype)}")
    if nd >= 2 and input.size(0) != target.size(0):
        raise ValueError(f"Expected input batch_size ({input.size(0)}) to match target "
                         f"batch_size ({target.size(0)}).")
    cls = 1 if nd >= 2 else 0
    if nd == 1 and target.dim() == 1:
        if target.numel() != 1:
            raise ValueError("For 1D input, 1D target must have size 1, but got target "
                               f"size: {target.numel()}")
        target = target.reshape(())
    if nd == 1 and target.dim() > 0 or nd >= 2 and tuple(target.shape) != (
            tuple(input.shape[:1]) + tuple(input.shape[2:])):
        if nd > 2:
            raise RuntimeError(f"Expected target size {_size_list(input)}, got "
                               f"{list(target.shape)}".replace(",]", "]"))
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    n_cls = input.size(cls)
    if weight is not None and weight.numel() != n_cls:
        raise RuntimeError(f"weight tensor should be defined either for all {n_cls} classes "
                           f"or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    if nd <= 2:
        return _sp.nll_loss_p(input, target, weight, reduction, ignore_index)
    if nd == 4:
        return _sp.nll_loss2d_p(input, target, weight, reduction, ignore_index)
    # PyTorch's nll_loss_nd: other ranks run as 4-d (N, C, 1, rest) and come back
    n = input.size(0)
    flat = input.contiguous().view(n, n_cls, 1, -1) if input.numel() else \
        input.reshape(n, n_cls, 1, -1)
    out = _sp.nll_loss2d_p(flat, target.reshape(n, 1, -1), weight, reduction, ignore_index)
    return out.view(target.shape) if reduction == "none" else out


def _size_list(input):
    shape = [input.size(0)] + list(input.shape[2:])
    return "[" + ", ".join(str(s) for s in shape) + "]"


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    return _nll(input, target, weight, ignore_index,
                _reduction(reduction, size_average, reduce))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    # The common case, class indices for a batch of logits, recognized from the arrays: it
    # passes every check of the general path below, which it then equals step for step
    # (log_softmax over dim 1, then nll_loss_p), minus the Tensor method calls.
    if weight is None and not label_smoothing > 0 and isinstance(input, _Tensor) and \
            isinstance(target, _Tensor):
        shape, tshape = input._data.shape, target._data.shape
        if len(shape) == 2 and len(tshape) == 1 and tshape[0] == shape[0] and \
                target._data.dtype is _INT64 and reduction in ("none", "mean", "sum"):
            return _sp.nll_loss_p.call(_sp.log_softmax_p.call(input, 1), target, None,
                                       reduction, ignore_index)
    cls = 1 if input.dim() >= 2 else 0
    n_cls = input.size(cls)
    logp = _log_softmax(input, cls)
    if weight is not None:
        wshape = [1] * input.dim()
        wshape[cls] = n_cls
        wfull = weight.reshape(wshape)
    if tuple(input.shape) == tuple(target.shape):  # class probabilities
        if not target.is_floating_point():
            raise RuntimeError("Expected floating point type for target with class "
                               f"probabilities, got {_dtype_name(target.dtype)}")
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(f"{reduction} is not a valid value for reduction")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_cls
        prod = logp * target
        if weight is not None:
            prod = prod * wfull
        if reduction == "none":
            return -prod.sum(cls)
        loss = -prod.sum()
        return _div_scalar(loss, input.numel() // n_cls if input.numel() else 0) \
            if reduction == "mean" else loss
    nll = _nll(logp, target, weight, ignore_index, reduction)
    if label_smoothing <= 0:
        return nll
    # PyTorch's label smoothing: the mean of -log p over the classes (weighted), added to
    # the nll with weights (1 - ls, ls / classes)
    smooth = -(logp * wfull if weight is not None else logp).sum(cls)
    ignored = target == ignore_index
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            denom = weight.index_select(0, target.masked_select(~ignored).reshape(-1)).sum()
        else:
            denom = (~ignored).sum()
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return _mul_scalar(nll, 1 - label_smoothing) + _mul_scalar(smooth,
                                                               label_smoothing / n_cls)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the "
                         f"input size ({input.size()}) is deprecated. Please ensure they have "
                         "the same size.")
    _not_differentiable("binary_cross_entropy", weight=weight)
    values = _values(input)
    if values is not None and values.size and ((values < 0).any() or (values > 1).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _lp.binary_cross_entropy(input, target, reduction, weight)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    reduction = _reduction(reduction, size_average, reduce)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    _not_differentiable("binary_cross_entropy_with_logits", weight=weight,
                        pos_weight=pos_weight)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _lp.binary_cross_entropy_with_logits(input, target, reduction, weight, pos_weight)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns "
                      "with the KL div math definition.'mean' will be changed to behave the "
                      "same as 'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        loss = _t.exp(target) * (target - input)
    else:
        loss = _t.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.size(0) if input.dim() != 0 else loss.sum()
    return _reduce(loss, reduction)
