"""Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""
import retrograd as torch

from .optimizer import (Optimizer, _check_lr, _step_dtype, _as_number, _plain_hparam, _without_grad, _closure_loss)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """torch.optim.Adagrad, the single-tensor algorithm in PyTorch's order of operations."""
    _GROUP_DEFAULTS = {"foreach": None, "maximize": False, "differentiable": False, "fused":
                       None}  # for pickles that lack them

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable, "fused": fused,
        }
        super().__init__(params, defaults)
        # Adagrad creates its state eagerly, in the constructor, as PyTorch does.
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = torch.tensor(0.0, dtype=_step_dtype())
                state["sum"] = torch.full_like(p, initial_accumulator_value)


    @_without_grad
    def step(self, closure=None):
        """Perform a single optimization step; returns the closure's loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            lr = _as_number(_plain_hparam(group["lr"]))
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                step_t, state_sum = state["step"], state["sum"]
                step_t += 1
                step = _as_number(step_t)
                grad = param.grad if not group["maximize"] else -param.grad
                if group["weight_decay"] != 0:
                    grad = grad.add(param, alpha=group["weight_decay"])
                clr = lr / (1 + (step - 1) * group["lr_decay"])
                state_sum.addcmul_(grad, grad, value=1)
                std = state_sum.sqrt().add_(group["eps"])
                param.addcdiv_(grad, std, value=-clr)
        return loss
