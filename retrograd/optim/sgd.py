"""SGD: stochastic gradient descent with momentum, dampening, Nesterov, weight decay."""
import retrograd as torch
from ..ops import primitive as _primitive

from .optimizer import (Optimizer, _check_lr, _plain_hparam, _without_grad, _closure_loss)

__all__ = ["SGD"]


class SGD(Optimizer):
    """torch.optim.SGD, the single-tensor algorithm in PyTorch's order of operations."""
    _GROUP_DEFAULTS = {"nesterov": False, "maximize": False, "foreach": None, "differentiable":
                       False, "fused": False}  # for pickles that lack them

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr, "momentum": momentum, "dampening": dampening,
            "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
            "foreach": foreach, "differentiable": differentiable, "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)


    @_without_grad
    def step(self, closure=None):
        """Perform a single optimization step; returns the closure's loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            momentum, lr = group["momentum"], _plain_hparam(group["lr"])
            if isinstance(lr, torch.Tensor):
                lr = lr.item()
            # (read once per group: the per-parameter cost is what many small layers pay)
            options = (group["weight_decay"], momentum, lr, group["dampening"],
                       group["nesterov"], group["maximize"])
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if momentum != 0:
                    state = self.state[p]
                    state["momentum_buffer"] = _sgd_update(
                        p, grad, state.get("momentum_buffer"), *options)
                else:
                    _sgd_update(p, grad, None, *options)
        return loss


def _sgd_update(param, grad, buf, weight_decay, momentum, lr, dampening, nesterov, maximize):
    if isinstance(lr, torch.Tensor):
        lr = lr.item()
    if buf is not None and _plain_arrays(param, grad, buf):
        _sgd_arrays(param, grad, buf, weight_decay, momentum, lr, dampening, nesterov,
                    maximize)
        return buf
    grad = grad if not maximize else -grad
    if weight_decay != 0:
        grad = grad.add(param, alpha=weight_decay)
    if momentum != 0:
        if buf is None:
            buf = grad.detach().clone()
        else:
            buf.mul_(momentum).add_(grad, alpha=1 - dampening)
        if nesterov:
            grad = grad.add(buf, alpha=momentum)
        else:
            grad = buf
    param.add_(grad, alpha=-lr)
    return buf


def _plain_arrays(*tensors):
    """Whether the update may run on the arrays themselves: float32/float64 tensors of one
    dtype, none of them a vmap batch or a forward-mode dual, the written ones writeable."""
    dtype = tensors[0]._data.dtype
    if dtype.kind != "f" or dtype.itemsize < 4:
        return False
    # (a tangent matters only while a dual level is live, and then every call goes
    # through the dispatcher: otherwise no getattr per tensor, ~0.15 us each)
    dual = _primitive._hook is not None
    for t in tensors:
        if t._is_batched or t._data.dtype is not dtype or \
                dual and getattr(t, "_fw", None) is not None:
            return False
    return tensors[0]._data.flags.writeable and tensors[2]._data.flags.writeable


def _sgd_arrays(param, grad, buf, weight_decay, momentum, lr, dampening, nesterov, maximize):
    """The momentum update of ``_sgd_update`` as NumPy in-place operations, in the same
    order with the same roundings (the in-place methods' kernels: other * alpha, then the
    add), bumping the version counters as the methods do: the per-step cost is then the
    arithmetic, which matters with many small parameters (PyTorch's foreach idea)."""
    p, g, b = param._data, grad._data, buf._data
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + p * weight_decay
    b *= momentum
    b += g if dampening == 0 else g * (1 - dampening)
    if nesterov:
        g = g + b * momentum
    else:
        g = b
    p += g * -lr
    buf._bump_version(2)  # buf.mul_(...).add_(...)
    param._bump_version()
