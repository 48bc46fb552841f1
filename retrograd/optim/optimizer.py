"""Optimizer: the base class of torch.optim (param groups, per-parameter state, state dicts)."""
import functools
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain

import retrograd as torch
from retrograd import Tensor
from retrograd.autograd.graph import HookDict, RemovableHandle

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

# Hooks every optimizer runs around its step, registered through the module-level functions.
_ALL_STEP_HOOKS = {"pre": HookDict(), "post": HookDict()}


def _register(hooks, hook):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


def register_optimizer_step_pre_hook(hook):
    """Register ``hook(optimizer, args, kwargs)`` to run before every optimizer's step."""
    return _register(_ALL_STEP_HOOKS["pre"], hook)


def register_optimizer_step_post_hook(hook):
    """Register ``hook(optimizer, args, kwargs)`` to run after every optimizer's step."""
    return _register(_ALL_STEP_HOOKS["post"], hook)


class _Required:
    """Marker default: the option has no default, every parameter group must give it."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


def _type_name(obj):
    """How PyTorch's error texts name the type of an object (torch.typename)."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if name is None:
        module = type(obj).__module__ or ""
        name = type(obj).__qualname__
    return name if module in ("", "builtins") else f"{module}.{name}"


def _plain_hparam(x):
    """A one-element tensor hyperparameter squeezed to 0-d; anything else unchanged."""
    if isinstance(x, Tensor) and x.dim() != 0:
        return x.squeeze()
    return x


def _as_number(x):
    return x.item() if isinstance(x, Tensor) else x


def _step_dtype():
    """dtype of the per-parameter 'step' counters: float64 only under a float64 default."""
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def _without_grad(step):
    """Decorator: the optimizer's update runs with autograd recording off."""

    @functools.wraps(step)
    def run(self, *args, **kwargs):
        with torch.no_grad():
            return step(self, *args, **kwargs)

    return run


def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


# Per-optimizer hook tables, kept in one dict attribute.
_HOOK_KINDS = ("step_pre", "step_post", "state_dict_pre", "state_dict_post", "load_pre", "load_post")


def _register_ordered(hooks, hook, first=False):
    handle = _register(hooks, hook)
    if first:  # HookDict keeps insertion order: re-insert the others after this one
        others = [(k, v) for k, v in hooks.items() if k != handle.id]
        hooks.clear()
        hooks[handle.id] = hook
        hooks.update(others)
    return handle


def _with_step_hooks(step):
    """Wrap an optimizer class's step so that the global and per-instance hooks run around it."""

    @functools.wraps(step)
    def run(*args, **kwargs):
        opt = args[0]
        for hook in chain(_ALL_STEP_HOOKS["pre"].values(), opt._hooks["step_pre"].values()):
            replaced = hook(opt, args, kwargs)
            if replaced is None:
                continue
            if not (isinstance(replaced, tuple) and len(replaced) == 2):
                raise RuntimeError(
                    f"{step} must return None or a tuple of (new_args, new_kwargs), but got {replaced}."
                )
            args, kwargs = replaced
        result = step(*args, **kwargs)
        for hook in chain(opt._hooks["step_post"].values(), _ALL_STEP_HOOKS["post"].values()):
            hook(opt, args, kwargs)
        return result

    run._runs_step_hooks = True
    return run


def _restore_tensor(param, value, key, group):
    """A loaded state tensor placed like its parameter: floats take the parameter's dtype,
    'step' counters keep theirs (float32 when the group is fused or capturable)."""
    if key == "step":
        if group.get("fused", False) or group.get("capturable", False):
            return value.to(dtype=torch.float32, device=param.device)
        return value
    if param.is_floating_point():
        return value.to(dtype=param.dtype, device=param.device)
    return value.to(device=param.device)


def _restore_state(param, value, group, key=None):
    """Walk a loaded state entry (dicts, lists, tuples) and re-place the tensors in it."""
    if isinstance(value, Tensor):
        return _restore_tensor(param, value, key, group)
    if isinstance(value, dict):
        return {k: _restore_state(param, v, group, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_restore_state(param, v, group) for v in value)
    return value


class Optimizer:
    """Base class for all optimizers: holds param_groups and a per-parameter state."""

    def __init__(self, params, defaults):
        if defaults.get("differentiable"):
            # PyTorch's differentiable steps (recorded by autograd) are not implemented.
            raise NotImplementedError("retrograd.optim: differentiable=True is not supported")
        self.defaults = defaults
        self._hooks = {kind: HookDict() for kind in _HOOK_KINDS}
        self._hook_class_step()
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be "
                "an iterable of Tensors or dicts, but got " + _type_name(params)
            )
        self.state = defaultdict(dict)
        self.param_groups = []
        given = list(params)
        if not given:
            raise ValueError("optimizer got an empty parameter list")
        groups = given if isinstance(given[0], dict) else [{"params": given}]
        for group in groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    # per-group options a pickled optimizer from an older version may lack, by subclass
    _GROUP_DEFAULTS = {}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for group in self.__dict__.get("param_groups", ()):
            for key, value in self._GROUP_DEFAULTS.items():
                group.setdefault(key, value)
        if "_hooks" not in self.__dict__:
            self._hooks = {kind: HookDict() for kind in _HOOK_KINDS}
        self._hook_class_step()
        self.defaults.setdefault("differentiable", False)

    def _hook_class_step(self):
        # The class's step is wrapped once, the first time an instance is made (hooks are per call).
        cls = type(self)
        if not getattr(cls.step, "_runs_step_hooks", False):
            cls.step = _with_step_hooks(cls.step)

    def register_step_pre_hook(self, hook):
        """Register ``hook(optimizer, args, kwargs) -> None or (args, kwargs)`` before step."""
        return _register_ordered(self._hooks["step_pre"], hook)

    def register_step_post_hook(self, hook):
        """Register ``hook(optimizer, args, kwargs)`` to run after step."""
        return _register_ordered(self._hooks["step_post"], hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """Register ``hook(optimizer)`` to run before state_dict()."""
        return _register_ordered(self._hooks["state_dict_pre"], hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """Register ``hook(optimizer, state_dict) -> None or state_dict`` after state_dict()."""
        return _register_ordered(self._hooks["state_dict_post"], hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """Register ``hook(optimizer, state_dict) -> None or state_dict`` before loading."""
        return _register_ordered(self._hooks["load_pre"], hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """Register ``hook(optimizer)`` to run after load_state_dict()."""
        return _register_ordered(self._hooks["load_post"], hook, prepend)

    def __repr__(self):
        text = type(self).__name__ + " ("
        for n, group in enumerate(self.param_groups):
            text += f"\nParameter Group {n}\n"
            text += "".join(f"    {k}: {group[k]}\n" for k in sorted(group) if k != "params")
        return text + ")"

    def state_dict(self):
        """The state keyed by integer parameter index, and the groups with index lists."""
        for hook in self._hooks["state_dict_pre"].values():
            hook(self)
        # A parameter's number is its position in the concatenated groups; one listed twice in
        # its first group takes the later position, later groups keep the earlier number.
        index, offset = {}, 0
        packed_groups = []
        for group in self.param_groups:
            first_seen = {}
            for pos, p in enumerate(group["params"], offset):
                if id(p) not in index:
                    first_seen[id(p)] = pos
            index.update(first_seen)
            offset += len(group["params"])
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            packed_groups.append(packed)
        packed_state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        result = {"state": packed_state, "param_groups": packed_groups}
        for hook in self._hooks["state_dict_post"].values():
            changed = hook(self, result)
            if changed is not None:
                result = changed
        return result

    def load_state_dict(self, state_dict):
        """Restore the state onto the current parameters, matched by position in the groups."""
        state_dict = state_dict.copy()
        for hook in self._hooks["load_pre"].values():
            changed = hook(self, state_dict)
            if changed is not None:
                state_dict = changed
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for mine, saved in zip(self.param_groups, saved_groups):
            if len(mine["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group "
                    "that doesn't match the size of optimizer's group"
                )
        # Saved index -> (current parameter, the saved group that lists it).
        owner = {}
        for mine, saved in zip(self.param_groups, saved_groups):
            for i, p in zip(saved["params"], mine["params"]):
                owner[i] = p
        group_of = {}
        for saved in state_dict["param_groups"]:
            for i in saved["params"]:
                group_of.setdefault(i, saved)

        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in owner:
                p = owner[key]
                state[p] = _restore_state(p, value, group_of.get(key, {}))
            else:
                state[key] = value

        groups = []
        for mine, saved in zip(self.param_groups, saved_groups):
            saved["params"] = mine["params"]
            if "param_names" in mine and "param_names" not in saved:
                saved["param_names"] = mine["param_names"]
            groups.append(saved)
        self.__setstate__({"state": state, "param_groups": groups})
        for hook in self._hooks["load_post"].values():
            hook(self)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors (to None by default)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                # Cut the gradient off any graph before clearing it in place.
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g.zero_()

    def step(self, closure=None):
        raise NotImplementedError

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with 'params' and per-group options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_type_name(param_group)}")
        given = param_group["params"]
        if isinstance(given, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a list instead."
            )
        given = [given] if isinstance(given, Tensor) else list(given)

        # Entries may be tensors or (name, tensor) pairs, but not a mix of the two.
        named = [item for item in given if isinstance(item, tuple)]
        param_group["params"] = [item[1] if isinstance(item, tuple) else item for item in given]
        if named:
            if len(named) != len(given):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            param_group["param_names"] = [item[0] for item in named]

        tensors = param_group["params"]
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _type_name(t))
            if not self.defaults.get("differentiable", None) and not (t.is_leaf or t.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for option, default in self.defaults.items():
            if default is required and option not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {option}"
                )
            param_group.setdefault(option, default)

        if len(set(tensors)) != len(tensors):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )

        taken = set()
        for group in self.param_groups:
            taken.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                current = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {current} to the optimizer"
                )
        if not taken.isdisjoint(tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)


def _closure_loss(closure):
    """The loss of a step's closure, computed with grad mode on (the step itself runs
    without it); None without a closure."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()
