"""Learning-rate schedulers (the torch.optim.lr_scheduler API).

Each scheduler owns one optimizer and rewrites the ``lr`` entry of every
parameter group when ``step()`` is called.  Most schedules are chained: the
next lr is derived from the lr currently in the group, so several schedulers
can act on the same optimizer.  Passing an explicit epoch to ``step`` switches
to the direct (closed-form) formula where a schedule has one.

The float operations of every formula are performed in the order PyTorch uses,
so that the lr sequences agree bit for bit with torch.

This module holds the base class and the simple schedules; OneCycleLR,
SequentialLR and ReduceLROnPlateau live in ``_lr_policies`` and are re-exported
here.
"""
import math
import types
import warnings
from bisect import bisect_right
from collections import Counter
from contextlib import contextmanager
from weakref import WeakMethod

from retrograd import Tensor

from .optimizer import Optimizer, _plain_hparam

__all__ = [
    "LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "LinearLR", "ExponentialLR",
    "SequentialLR", "CosineAnnealingLR", "ReduceLROnPlateau", "OneCycleLR",
]

# User-visible texts; these must read exactly as PyTorch's do.
EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being "
    "deprecated where possible. Please use `scheduler.step()` to step the "
    "scheduler. During the deprecation, if epoch is different from None, the "
    "closed form is used instead of the new chainable form, where available. "
    "Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose."
)
_SEE_DOCS = "See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"
_MSG_STEP_REPLACED = (
    "Seems like `optimizer.step()` has been overridden after learning rate scheduler "
    "initialization. Please, make sure to call `optimizer.step()` before "
    "`lr_scheduler.step()`. " + _SEE_DOCS
)
_MSG_WRONG_ORDER = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
    "In PyTorch 1.1.0 and later, you should call them in the opposite order: "
    "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this "
    "will result in PyTorch skipping the first value of the learning rate schedule. " + _SEE_DOCS
)
_MSG_USE_GET_LAST_LR = "To get the last learning rate computed by the scheduler, please use `get_last_lr()`."
_MSG_NO_INITIAL_LR = (
    "param 'initial_lr' is not specified in param_groups[{}] when resuming "
    "scheduler with last_epoch >= 0.\nThis typically happens when:\n"
    "1. You're trying to resume training from a checkpoint but haven't properly "
    "loaded the optimizer state\n2. You're using last_epoch >= 0 for a fresh "
    "training run (not recommended)"
)

# Attribute set on the replacement optimizer.step so that a scheduler can tell
# whether the step it instrumented is still in place.
_TRACKER_MARK = "_retrograd_lr_step_tracker"
_STEPPED_FLAG = "_opt_called"


# ---------------------------------------------------------------- small helpers
def _detached(value):
    """A value safe to keep: tensors are copied, numbers are returned as they are."""
    return value.clone() if isinstance(value, Tensor) else value


def _read_groups(optimizer, key):
    """The ``key`` entry of every parameter group, as an independent list."""
    return [_detached(group[key]) for group in optimizer.param_groups]


def _write_group(group, key, value):
    """Store ``value`` under ``key``; a tensor entry is updated in place."""
    current = group[key]
    if isinstance(current, Tensor):
        current.fill_(_plain_hparam(value))
    else:
        group[key] = value


def _per_group(name, optimizer, value):
    """Broadcast a scalar to one value per group, or check a given sequence's length."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. "
                f"{name} has {len(value)} values, param_groups has {n}."
            )
        values = list(value)
    else:
        values = [value for _ in range(n)]
    return [_detached(v) for v in values]


def _require_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


def _instrument_step(optimizer):
    """Replace ``optimizer.step`` by a version that records it has run (done once)."""
    if getattr(optimizer.step, _TRACKER_MARK, False):
        return
    original = WeakMethod(optimizer.step)

    def step(*args, **kwargs):
        bound = original()
        setattr(bound.__self__, _STEPPED_FLAG, True)
        return bound(*args, **kwargs)

    step.__doc__ = getattr(optimizer.step, "__doc__", None)
    setattr(step, _TRACKER_MARK, True)
    optimizer.step = step


@contextmanager
def _flag_set(obj, name):
    """Turn the boolean attribute ``name`` on for the duration of the block."""
    setattr(obj, name, True)
    try:
        yield
    finally:
        setattr(obj, name, False)


# ------------------------------------------------------------------- base class
class LRScheduler:
    """Base class of the epoch-driven schedules.

    Subclasses implement ``get_lr`` (the chained rule, called with
    ``last_epoch`` already advanced) and may implement ``_closed_form`` (the
    direct rule used when ``step`` is given an epoch).
    """

    # Both flags are instance state (they appear in state_dict) once set.
    _get_lr_called_within_step = False
    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        _require_optimizer(optimizer)
        self.optimizer = optimizer
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group in groups:
                group.setdefault("initial_lr", _detached(group["lr"]))
        else:
            missing = [i for i, group in enumerate(groups) if "initial_lr" not in group]
            if missing:
                raise KeyError(_MSG_NO_INITIAL_LR.format(missing[0]))
        self.base_lrs = _read_groups(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        _instrument_step(optimizer)
        self._take_first_step()

    def _take_first_step(self):
        """Apply the epoch-0 learning rates (the step every scheduler takes when built)."""
        self._step_count = 0
        with _flag_set(self, "_is_initial"):
            self.step()

    # -- state
    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)

    def get_last_lr(self):
        return self._last_lr

    def get_lr(self):
        raise NotImplementedError

    def _warn_if_called_directly(self):
        if not self._get_lr_called_within_step:
            warnings.warn(_MSG_USE_GET_LAST_LR, UserWarning, stacklevel=3)

    def _current_lrs(self):
        return _read_groups(self.optimizer, "lr")

    # -- stepping
    def _check_call_order(self):
        step_fn = self.optimizer.step
        if not getattr(step_fn, _TRACKER_MARK, False):
            warnings.warn(_MSG_STEP_REPLACED, UserWarning, stacklevel=3)
        elif not getattr(self.optimizer, _STEPPED_FLAG, False):
            warnings.warn(_MSG_WRONG_ORDER, UserWarning, stacklevel=3)

    def step(self, epoch=None):
        if self._step_count == 1:
            self._check_call_order()
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._apply(epoch)

    def _apply(self, epoch):
        """Move to the next (or the given) epoch and write the new lrs into the optimizer."""
        with _flag_set(self, "_get_lr_called_within_step"):
            if epoch is None:
                self.last_epoch += 1
                new_lrs = self.get_lr()
            else:
                self.last_epoch = epoch
                direct = getattr(self, "_closed_form", None)
                new_lrs = direct() if direct is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, new_lrs):
            _write_group(group, "lr", lr)
        self._last_lr = self._current_lrs()


# ----------------------------------------------------------- simple schedules
class LambdaLR(LRScheduler):
    """lr = initial lr * lr_lambda(epoch), with one function per group or one shared."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def state_dict(self):
        # Plain functions cannot be saved; callable objects are saved by their attributes.
        saved = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        saved["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else dict(fn.__dict__) for fn in self.lr_lambdas
        ]
        return saved

    def load_state_dict(self, state_dict):
        fn_states = state_dict["lr_lambdas"]
        self.__dict__.update({k: v for k, v in state_dict.items() if k != "lr_lambdas"})
        for fn, fn_state in zip(self.lr_lambdas, fn_states):
            if fn_state is not None:
                fn.__dict__.update(fn_state)

    def get_lr(self):
        self._warn_if_called_directly()
        epoch = self.last_epoch
        return [base * fn(epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class StepLR(LRScheduler):
    """Decay the lr by ``gamma`` once every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_directly()
        boundary = self.last_epoch != 0 and self.last_epoch % self.step_size == 0
        if not boundary:
            return self._current_lrs()
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]

    def _closed_form(self):
        decays = self.last_epoch // self.step_size
        return [base * self.gamma ** decays for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Decay the lr by ``gamma`` at each milestone (a repeated milestone decays repeatedly)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_directly()
        hits = self.milestones.get(self.last_epoch, 0)
        if not hits:
            return self._current_lrs()
        return [g["lr"] * self.gamma ** hits for g in self.optimizer.param_groups]

    def _closed_form(self):
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma ** passed for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Ramp the lr factor linearly from ``start_factor`` to ``end_factor`` over ``total_iters`` epochs."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        if start_factor <= 0 or start_factor > 1.0:
            raise ValueError(
                "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."
            )
        if end_factor < 0 or end_factor > 1.0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_directly()
        epoch = self.last_epoch
        groups = self.optimizer.param_groups
        if epoch == 0:
            return [g["lr"] * self.start_factor for g in groups]
        if self._is_initial or epoch > self.total_iters:
            return self._current_lrs()
        # Ratio between the factor at this epoch and the factor at the previous one.
        span = self.end_factor - self.start_factor
        ratio = 1.0 + span / (self.total_iters * self.start_factor + (epoch - 1) * span)
        return [g["lr"] * ratio for g in groups]

    def _closed_form(self):
        span = self.end_factor - self.start_factor
        done = min(self.total_iters, self.last_epoch)
        return [base * (self.start_factor + span * done / self.total_iters) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Decay the lr by ``gamma`` every epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_directly()
        if self._is_initial:
            return self._current_lrs()
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]

    def _closed_form(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal the lr from its initial value to ``eta_min`` along a cosine of period ``2 * T_max``."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_directly()
        if self._is_initial:
            return self._current_lrs()
        t, period, floor = self.last_epoch, self.T_max, self.eta_min
        groups = self.optimizer.param_groups
        if self._step_count == 1 and t > 0:
            # Resumed mid-schedule: jump straight onto the curve.
            return [floor + (base - floor) * (1 + math.cos(t * math.pi / period)) / 2 for base in self.base_lrs]
        if (t - 1 - period) % (2 * period) == 0:
            # Leaving the bottom of the curve: the ratio form would divide by zero.
            bump = 1 - math.cos(math.pi / period)
            return [g["lr"] + (base - floor) * bump / 2 for base, g in zip(self.base_lrs, groups)]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (g["lr"] - floor) + floor for g in groups]

    def _closed_form(self):
        t, floor = self.last_epoch, self.eta_min
        return [floor + (base - floor) * (1 + math.cos(math.pi * t / self.T_max)) / 2 for base in self.base_lrs]


from ._lr_policies import OneCycleLR, ReduceLROnPlateau, SequentialLR  # noqa: E402  (needs LRScheduler)
