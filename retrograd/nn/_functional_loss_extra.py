"""nn.functional margin, ranking, embedding and likelihood losses (the less common ones),
composed from retrograd ops with PyTorch's reductions."""
import math

import retrograd as _t

from ._functional_act import logsigmoid
from ._functional_loss import _reduce, _reduction, _values

__all__ = ["margin_ranking_loss", "soft_margin_loss", "cosine_embedding_loss",
           "poisson_nll_loss", "gaussian_nll_loss", "hinge_embedding_loss",
           "triplet_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss"]


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same "
                           f"dimension but got sizes: input1: {input1.size()}, input2: "
                           f"{input2.size()}, target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    return _reduce(_t.log1p(_t.exp(-target * input)), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    margin_clamp = (margin - input).clamp_min(0)
    loss = _t.where(target != 1, margin_clamp, 0.0) + _t.where(target != -1, input, 0.0)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """ATen's formula: cos = <x1,x2> / sqrt((|x1|^2 + eps)(|x2|^2 + eps)), eps = 1e-12."""
    reduction = _reduction(reduction, size_average, reduce)
    dim = input1.dim() - 1
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + 1e-12
    mag2 = (input2 * input2).sum(dim) + 1e-12
    cos = prod / _t.sqrt(mag1 * mag2)
    pos = _t.where(target == 1, 1 - cos, 0.0)
    neg = _t.where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _reduce(pos + neg, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = _t.exp(input) - target * input
    else:
        loss = input - target * _t.log(input + eps)
    if full:
        stirling = target * _t.log(target) - target + 0.5 * _t.log(2 * math.pi * target)
        loss = loss + _t.where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = _t.full_like(input, float(var))
    if var.size() != input.size():
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.size(-1) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    values = _values(var)
    if values is not None and (values < 0).any():
        raise ValueError("var has negative entry/entries")
    with _t.no_grad():
        clamped = var.clamp(min=eps)
    var = var + (clamped - var).detach()  # PyTorch clamps in place without grad tracking
    loss = 0.5 * (_t.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    from ._functional_norm import pairwise_distance
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _t.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp_min(0), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    squeeze = input.dim() <= 1
    x = input.reshape(1, -1) if squeeze else input
    y = target.reshape(-1)
    n_cls = x.size(1)
    xy = x.gather(1, y.unsqueeze(1))
    z = (x - xy + margin).clamp_min(0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight.index_select(0, y).unsqueeze(1)
    z = _t.where(_t.arange(n_cls) == y.unsqueeze(1), 0.0, z)
    loss = z.sum(1) / n_cls
    if squeeze:
        loss = loss.reshape(target.shape)
    return _reduce(loss, reduction)
