"""The schedules that are more than one formula: OneCycleLR, SequentialLR and ReduceLROnPlateau.

They are part of ``retrograd.optim.lr_scheduler`` (imported from there); see
that module for the shared conventions.
"""
import math
import warnings
from bisect import bisect_right

from .lr_scheduler import (
    EPOCH_DEPRECATION_WARNING, LRScheduler, _per_group, _read_groups, _require_optimizer, _write_group,
)


# ------------------------------------------------------------------ OneCycleLR
def _cosine_blend(start, end, fraction):
    """Go from ``start`` (fraction 0) to ``end`` (fraction 1) along half a cosine."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)


def _linear_blend(start, end, fraction):
    return (end - start) * fraction + start


_BLENDS = {"cos": _cosine_blend, "linear": _linear_blend}


def _phase(end_step, lr_from, lr_to, momentum_from, momentum_to):
    # The names are parameter-group keys; this layout is what state_dict() shows.
    return {"end_step": end_step, "start_lr": lr_from, "end_lr": lr_to,
            "start_momentum": momentum_from, "end_momentum": momentum_to}


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm the lr up to ``max_lr``, then anneal it far below the start.

    The momentum (or Adam's beta1) moves the opposite way when ``cycle_momentum``
    is on.  With ``three_phase`` the warm-up is mirrored back down to the
    initial lr before the final annealing.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        _require_optimizer(optimizer)
        self.optimizer = optimizer
        self.total_steps = self._count_steps(total_steps, epochs, steps_per_epoch)

        last = self.total_steps - 1
        warm_end = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                _phase(warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr",
                       "base_momentum", "max_momentum"),
                _phase(last, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                _phase(warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(last, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in _BLENDS:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_func_type = anneal_strategy

        fresh = last_epoch == -1
        peaks = _per_group("max_lr", optimizer, max_lr)
        if fresh:
            for group, peak in zip(optimizer.param_groups, peaks):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            defaults = optimizer.defaults
            if "momentum" not in defaults and "betas" not in defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in defaults
            highs = _per_group("max_momentum", optimizer, max_momentum)
            lows = _per_group("base_momentum", optimizer, base_momentum)
            if fresh:
                for group, high, low in zip(optimizer.param_groups, highs, lows):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _count_steps(total_steps, epochs, steps_per_epoch):
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            return total_steps
        if epochs is None or steps_per_epoch is None:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(epochs, int) or epochs <= 0:
            raise ValueError(f"Expected positive integer epochs, but got {epochs}")
        if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
            raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
        return epochs * steps_per_epoch

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value,) + tuple(group["betas"][1:])
        else:
            group["momentum"] = value

    def _locate(self, step):
        """The phase that ``step`` falls in, and how far through it the step is."""
        phases = self._schedule_phases
        begin = 0.0
        for phase in phases[:-1]:
            if step <= phase["end_step"]:
                break
            begin = phase["end_step"]
        else:
            phase = phases[-1]
        return phase, (step - begin) / (phase["end_step"] - begin)

    def get_lr(self):
        self._warn_if_called_directly()
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"Tried to step {step} times. The specified number of total steps is {self.total_steps}"
            )
        blend = _BLENDS[self._anneal_func_type]
        phase, fraction = self._locate(step)
        lrs = []
        for group in self.optimizer.param_groups:
            lrs.append(blend(group[phase["start_lr"]], group[phase["end_lr"]], fraction))
            if self.cycle_momentum:
                momentum = blend(group[phase["start_momentum"]], group[phase["end_momentum"]], fraction)
                self._set_momentum(group, momentum)
        return lrs


# ---------------------------------------------------------------- SequentialLR
class SequentialLR(LRScheduler):
    """Hand control from one scheduler to the next at each milestone epoch."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        me = type(self).__name__
        if len(schedulers) == 0:
            raise ValueError(f"{me} expects at least one scheduler, but got no scheduler.")
        for i, sub in enumerate(schedulers):
            if not hasattr(sub, "optimizer"):
                raise TypeError(f"{me} at index {i} should have `optimizer` as its attribute.")
            if isinstance(sub, ReduceLROnPlateau):
                raise ValueError(
                    f"{me} does not support `ReduceLROnPlateau` scheduler as it requires additional "
                    f"kwargs to be specified when calling `step`, but got one at index {i} in the "
                    "given schedulers sequence."
                )
            if sub.optimizer != optimizer:
                raise ValueError(
                    f"{me} expects all schedulers to belong to the same optimizer, but got scheduler "
                    f"{type(sub).__name__} at index {i} has {sub.optimizer}, which is "
                    f"different from {type(optimizer).__name__}."
                )
        if len(milestones) + 1 != len(schedulers):
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more than the "
                f"number of milestone points, but got number of schedulers {len(schedulers)} and the "
                f"number of milestones to be equal to {len(milestones)}"
            )
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer

        # Building the children already stepped each of them once; take those
        # steps back and let only the child in charge at epoch 0 take its first step.
        for group in optimizer.param_groups:
            _write_group(group, "lr", group["initial_lr"])
        self.recursive_undo()
        first = schedulers[bisect_right(milestones, 0)]
        first._take_first_step()
        self._last_lr = first.get_last_lr()

    def recursive_undo(self, sched=None):
        """Step back ``last_epoch`` of every scheduler below ``sched`` (default: this one)."""
        pending = [self if sched is None else sched]
        while pending:
            node = pending.pop()
            children = getattr(node, "_schedulers", None)
            if children is not None:
                pending.extend(reversed(children))
            elif hasattr(node, "last_epoch"):
                node.last_epoch -= 1

    def step(self):
        self.last_epoch += 1
        slot = bisect_right(self._milestones, self.last_epoch)
        active = self._schedulers[slot]
        if slot > 0 and self._milestones[slot - 1] == self.last_epoch:
            active._apply(0)  # a newly started scheduler begins at its own epoch 0
        else:
            active.step()
        self._last_lr = active.get_last_lr()

    def state_dict(self):
        saved = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        saved["_schedulers"] = [sub.state_dict() for sub in self._schedulers]
        return saved

    def load_state_dict(self, state_dict):
        self.__dict__.update({k: v for k, v in state_dict.items() if k != "_schedulers"})
        for sub, sub_state in zip(self._schedulers, state_dict["_schedulers"]):
            sub.load_state_dict(sub_state)


# ----------------------------------------------------------- ReduceLROnPlateau
class ReduceLROnPlateau(LRScheduler):
    """Cut the lr by ``factor`` once a watched metric has not improved for ``patience`` epochs."""

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        self.factor = factor
        _require_optimizer(optimizer)
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _read_groups(optimizer, "lr")
        self._configure_comparison(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._clear_history()

    def _clear_history(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def step(self, metrics, epoch=None):
        value = float(metrics)
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch

        if self._improves_on(value, self.best):
            self.best = value
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:  # bad epochs during a cooldown do not count
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._lower_lrs(self.last_epoch)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _read_groups(self.optimizer, "lr")

    def _lower_lrs(self, epoch):
        groups = self.optimizer.param_groups
        if len(self.min_lrs) != len(groups):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"The number of param groups in the `optimizer` ({len(groups)}) "
                    f"differs from when `ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually "
                    "due to a new param group being added to the optimizer. Please modify the `min_lrs` "
                    "field to match the length of the `optimizer` param groups."
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, floor in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, floor)
            if old - new > self.eps:  # ignore changes too small to matter
                _write_group(group, "lr", new)

    def _improves_on(self, a, best):
        if self.mode == "min":
            bar = best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold
            return a < bar
        bar = best * (self.threshold + 1.0) if self.threshold_mode == "rel" else best + self.threshold
        return a > bar

    def _configure_comparison(self, mode, threshold, threshold_mode):
        if mode not in ("min", "max"):
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._configure_comparison(mode=self.mode, threshold=self.threshold, threshold_mode=self.threshold_mode)
