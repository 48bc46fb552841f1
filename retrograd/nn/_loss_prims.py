"""Pointwise losses with their reduction as primitives, with PyTorch's nodes
(MseLossBackward0, SmoothL1LossBackward0, HuberLossBackward0, BinaryCrossEntropyBackward0,
BinaryCrossEntropyWithLogitsBackward0); where PyTorch's backward is a kernel of its own it
is a primitive here too (MseLossBackwardBackward0 on double backward). Each takes
``reduction`` as its first parameter; the vmap rules reduce per example."""
import numpy as np

import retrograd as _t
from ..ops.primitive import primitive, ELEMENTWISE, PROMOTE

__all__ = ["mse_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "batching_rules"]


def _reduce_array(xp, loss, reduction):
    if reduction == "none":
        return loss
    with np.errstate(all="ignore"):
        return loss.sum() if reduction == "sum" else loss.mean()


def _norm(x, reduction):
    """The factor a mean puts on each element's gradient."""
    n = x.size if isinstance(x, np.ndarray) else x.numel()
    return 1.0 / n if reduction == "mean" and n else 1.0


def _reduce(t, reduction):
    return t if reduction == "none" else t.sum() if reduction == "sum" else t.mean()


def _scaled(t, reduction, like):
    s = _norm(like, reduction)
    return t if s == 1.0 else t * s


def _quiet(fn):
    def kernel(xp, *args):
        with np.errstate(all="ignore"):
            return fn(xp, *args)
    return kernel


def _difference_loss(name, node, bwd_node, f, df, d2):
    """A loss of d = x - t: f(d) reduced, its backward b = g * f'(d) (scaled for a mean)
    as a primitive of (g, x, t), b's derivative in x (in t: minus it) g * f''(d)."""
    bwd = primitive(
        f"{name}_backward", bwd_node,
        forward=_quiet(lambda xp, g, x, t, reduction, *p:
                       g * df(xp, x - t, *p) * _norm(x, reduction)),
        vjp=(lambda gg, g, x, t, out, reduction, *p: _scaled(bwd(gg, x, t, "none", *p),
                                                              reduction, x),
             lambda gg, g, x, t, out, reduction, *p: _scaled(d2(gg * g, x - t, *p), reduction, x),
             lambda gg, g, x, t, out, reduction, *p: -_scaled(d2(gg * g, x - t, *p), reduction,
                                                             x)),
        jvp=ELEMENTWISE, dtypes=PROMOTE)

    def jvp(tx, tt, x, t, out, reduction, *p):
        d = tx if tt is None else -tt if tx is None else tx - tt
        return _reduce(bwd(d, x, t, "none", *p), reduction)

    fwd = primitive(
        name, node, forward=_quiet(lambda xp, x, t, reduction, *p:
                                   _reduce_array(xp, f(xp, x - t, *p), reduction)),
        vjp=(lambda g, x, t, out, reduction, *p: bwd(g, x, t, reduction, *p),
             lambda g, x, t, out, reduction, *p: bwd(g, t, x, reduction, *p)),
        jvp=jvp, dtypes=PROMOTE)
    return fwd, bwd


mse_loss, mse_loss_backward = _difference_loss(
    "mse_loss", "MseLossBackward0", "MseLossBackwardBackward0",
    lambda xp, d: d * d, lambda xp, d: 2 * d, lambda gd, d: gd * 2)

smooth_l1_loss, smooth_l1_loss_backward = _difference_loss(
    "smooth_l1_loss", "SmoothL1LossBackward0", "SmoothL1LossBackwardBackward0",
    lambda xp, d, beta: xp.where(xp.abs(d) < beta, 0.5 * d * d / beta, xp.abs(d) - 0.5 * beta),
    lambda xp, d, beta: xp.where(d < -beta, -1, xp.where(d > beta, 1, d / beta)),
    lambda gd, d, beta: _t.where(d.abs() < beta, gd / beta, 0.0))

huber_loss, huber_loss_backward = _difference_loss(
    "huber_loss", "HuberLossBackward0", "HuberLossBackwardBackward0",
    lambda xp, d, delta: xp.where(xp.abs(d) < delta, 0.5 * d * d,
                                  delta * (xp.abs(d) - 0.5 * delta)),
    lambda xp, d, delta: xp.where(d < -delta, -delta, xp.where(d > delta, delta, d)),
    lambda gd, d, delta: _t.where(d.abs() < delta, gd, 0.0))


# ----- binary cross-entropy: logs clamped at -100 (a saturated input gives a finite loss)
_EPS = 1e-12


def _bce_kernel(xp, x, t, reduction, weight):
    loss = (t - 1) * xp.maximum(xp.log1p(-x), -100) - t * xp.maximum(xp.log(x), -100)
    if weight is not None:
        loss = loss * weight._data
    return _reduce_array(xp, loss, reduction)


def _bce_bwd_kernel(xp, g, x, t, reduction, weight):
    out = g * (x - t) / xp.maximum((1 - x) * x, _EPS)
    if weight is not None:
        out = out * weight._data
    return out * _norm(x, reduction)


def _weighted(t, weight):
    return t if weight is None else t * weight


def _bce_target_grad(g, x, reduction, weight):
    logs = _t.log1p(-x).clamp_min(-100) - _t.log(x).clamp_min(-100)
    return _scaled(_weighted(g * logs, weight), reduction, x)


def _bce_bwd_dx(gg, g, x, t, reduction, weight):
    v = (x * (1 - x)).clamp_min(_EPS)
    return _scaled(_weighted(gg * g * ((x * x - 2 * t * x + t) / (v * v)), weight), reduction, x)


def _bce_bwd_dt(gg, g, x, t, reduction, weight):
    return _scaled(_weighted(-gg * g / (x * (1 - x)).clamp_min(_EPS), weight), reduction, x)


binary_cross_entropy_backward = primitive(
    "binary_cross_entropy_backward", "BinaryCrossEntropyBackwardBackward0",
    forward=_quiet(_bce_bwd_kernel),
    vjp=(lambda gg, g, x, t, out, reduction, weight:
         binary_cross_entropy_backward(gg, x, t, reduction, weight),
         lambda gg, g, x, t, out, reduction, weight: _bce_bwd_dx(gg, g, x, t, reduction, weight),
         lambda gg, g, x, t, out, reduction, weight: _bce_bwd_dt(gg, g, x, t, reduction, weight)),
    jvp=ELEMENTWISE, dtypes=PROMOTE)


def _bce_jvp(tx, tt, x, t, out, reduction, weight):
    terms = []
    if tx is not None:
        terms.append(binary_cross_entropy_backward(tx, x, t, "none", weight))
    if tt is not None:
        terms.append(_bce_target_grad(tt, x, "none", weight))
    return _reduce(terms[0] if len(terms) == 1 else terms[0] + terms[1], reduction)


binary_cross_entropy = primitive(
    "binary_cross_entropy", "BinaryCrossEntropyBackward0", forward=_quiet(_bce_kernel),
    vjp=(lambda g, x, t, out, reduction, weight:
         binary_cross_entropy_backward(g, x, t, reduction, weight),
         lambda g, x, t, out, reduction, weight: _bce_target_grad(g, x, reduction, weight)),
    jvp=_bce_jvp, dtypes=PROMOTE)


# ----- with logits: the stable form; PyTorch's backward is a composite
def _bcel_kernel(xp, x, t, reduction, weight, pos_weight):
    soft = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)  # -log_sigmoid(x)
    if pos_weight is not None:
        loss = (1 - t) * x + ((pos_weight._data - 1) * t + 1) * soft
    else:
        loss = (1 - t) * x + soft
    if weight is not None:
        loss = loss * weight._data
    return _reduce_array(xp, loss, reduction)


def _mean_div(t, reduction, like):
    """A mean's 1/n as PyTorch's formula applies it: a division by the element count."""
    if reduction != "mean":
        return t
    from ._functional_loss import _div_scalar
    return _div_scalar(t, like.numel())


def _bcel_dx(g, x, t, reduction, weight, pos_weight):
    if pos_weight is not None:
        pt = pos_weight * t
        r = g * ((pt + 1 - t) * _t.sigmoid(x) - pt)
    else:
        r = (_t.sigmoid(x) - t) * g
    return _mean_div(_weighted(r, weight), reduction, x)


def _bcel_dt(g, x, t, reduction, weight, pos_weight):
    if pos_weight is not None:
        r = g * (-x - (pos_weight - 1) * _t.nn.functional.logsigmoid(x))
    else:
        r = -g * x
    return _mean_div(_weighted(r, weight), reduction, x)


def _bcel_jvp(tx, tt, x, t, out, reduction, weight, pos_weight):
    terms = [f(tan, x, t, "none", weight, pos_weight)
             for f, tan in ((_bcel_dx, tx), (_bcel_dt, tt)) if tan is not None]
    return _reduce(terms[0] if len(terms) == 1 else terms[0] + terms[1], reduction)


binary_cross_entropy_with_logits = primitive(
    "binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0",
    forward=_quiet(_bcel_kernel),
    vjp=(lambda g, x, t, out, reduction, weight, pos_weight:
         _bcel_dx(g, x, t, reduction, weight, pos_weight),
         lambda g, x, t, out, reduction, weight, pos_weight:
         _bcel_dt(g, x, t, reduction, weight, pos_weight)),
    jvp=_bcel_jvp, dtypes=PROMOTE)


# ----- vmap: run with reduction "none" on the physical tensors, then reduce per example

def batching_rules():
    """name -> rule, for func/_rules.py."""
    from ..func._batching import align, BatchedTensor, _loop

    def tensor_params(args):
        return any(type(a) is BatchedTensor for a in args[3:])

    def loss_rule(prim, args, lv):
        x, t, reduction = args[:3]
        if tensor_params(args):
            return _loop(prim, args, lv)
        rank = max(x.dim(), t.dim())
        n = max(x.numel(), t.numel())
        out = prim(align(x, lv, rank), align(t, lv, rank), "none", *args[3:])
        if reduction == "none":
            return out
        flat = out.reshape(tuple(out.shape[:len(lv)]) + (-1,))
        return flat.sum(-1) if reduction == "sum" or n == 0 else flat.sum(-1) / n

    def backward_rule(prim, args, lv):
        g, x, t, reduction = args[:4]
        if tensor_params(args[1:]):
            return _loop(prim, args, lv)
        rank = max(x.dim(), t.dim())
        out = prim(align(g, lv, rank), align(x, lv, rank), align(t, lv, rank), "none",
                   *args[4:])
        n = max(x.numel(), t.numel())
        return out * (1.0 / n) if reduction == "mean" and n else out

    rules = {n: loss_rule for n in ("mse_loss", "smooth_l1_loss", "huber_loss",
                                    "binary_cross_entropy",
                                    "binary_cross_entropy_with_logits")}
    rules.update({n + "_backward": backward_rule for n in ("mse_loss", "smooth_l1_loss",
                                                           "huber_loss",
                                                           "binary_cross_entropy")})
    return rules
