"""Module's state: dtype casts (_apply, to, float, double) and state dicts (state_dict,
load_state_dict with PyTorch's missing/unexpected/size-mismatch texts)."""
from collections import OrderedDict, namedtuple

from ...tensor import Tensor
from ..parameter import Parameter

__all__ = ["ModuleStateMixin"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns; prints PyTorch's "<All keys matched successfully>"
    when both lists are empty."""
    __slots__ = ()

    def __repr__(self):
        if self.missing_keys or self.unexpected_keys:
            return super().__repr__()
        return "<All keys matched successfully>"

    __str__ = __repr__


class ModuleStateMixin:
    """The state half of Module (kept in its own file; Module inherits it)."""

    def _apply(self, fn, recurse=True):
        import retrograd as _torch
        if recurse:
            for module in self.children():
                module._apply(fn)
        for key, param in self._parameters.items():
            if param is None:
                continue
            with _torch.no_grad():
                param_applied = fn(param)
            param.data = param_applied
            if param.grad is not None:
                with _torch.no_grad():
                    grad_applied = fn(param.grad)
                param.grad.data = grad_applied
        for key, buf in self._buffers.items():
            if buf is not None:
                self._buffers[key] = fn(buf)
        return self

    def to(self, *args, **kwargs):
        import retrograd as _torch
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, _torch.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
        if dtype is not None and not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but "
                            f"got desired dtype={dtype}")

        def convert(t):
            if dtype is not None and (t.is_floating_point() or t.is_complex()):
                return t.to(dtype)
            return t
        return self._apply(convert)

    def _cast_floats(self, dtype):
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def float(self):
        import retrograd as _torch
        return self._cast_floats(_torch.float32)

    def double(self):
        import retrograd as _torch
        return self._cast_floats(_torch.float64)

    def half(self):
        import retrograd as _torch
        return self._cast_floats(_torch.float16)

    def type(self, dst_type):
        return self._apply(lambda t: t.type(dst_type))

    def cpu(self):
        return self

    # ----- state dicts
    def _state_members(self):
        """This module's own entries of a state dict: parameters, then the buffers that
        are saved (None ones are left out)."""
        for name, param in self._parameters.items():
            if param is not None:
                yield name, param
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._unsaved_buffers:
                yield name, buf

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, value in self._state_members():
            destination[prefix + name] = value if keep_vars else value.detach()

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        if args:  # the deprecated positional form (destination, prefix, keep_vars)
            destination, prefix, keep_vars = (args + (destination, prefix, keep_vars)[len(args):])
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        metadata = getattr(destination, "_metadata", None)
        if metadata is not None:  # keyed by the module's path: "" for the root, "seq.0", ...
            metadata[prefix[:-1]] = {"version": getattr(self, "_version", 1)}
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=destination, prefix=f"{prefix}{name}.",
                                 keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs, assign=False):
        import retrograd as _torch
        own = dict(self._state_members())
        for name, current in own.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            given = state_dict[key]
            if not isinstance(given, Tensor):
                error_msgs.append(
                    f'While copying the parameter named "{key}", expected torch.Tensor or '
                    f"Tensor-like object from checkpoint but received {type(given)}")
            elif given.shape != current.shape:
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {given.shape} from "
                    f"checkpoint, the shape in current model is {current.shape}.")
            else:
                try:
                    with _torch.no_grad():
                        self._take(name, current, given, assign)
                except Exception as ex:
                    error_msgs.append(
                        f'While copying the parameter named "{key}", whose dimensions in the '
                        f"model are {current.size()} and whose dimensions in the checkpoint "
                        f"are {given.size()}, an exception occurred : {ex.args}.")
        if strict:  # keys under this prefix that name neither an entry nor a child
            for key in state_dict:
                if key.startswith(prefix):
                    head, dot, _ = key[len(prefix):].partition(".")
                    if head not in (self._modules if dot else own):
                        unexpected_keys.append(key)

    def _take(self, name, current, given, assign):
        """Load one entry: copy into the existing tensor, or (assign=True) adopt the given
        one (a parameter stays a Parameter with its requires_grad)."""
        if not assign:
            current.copy_(given)
        elif isinstance(current, Parameter):
            self._parameters[name] = Parameter(given, requires_grad=current.requires_grad)
        else:
            self._buffers[name] = given

    def load_state_dict(self, state_dict, strict=True, assign=False):
        if not isinstance(state_dict, dict):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        metadata = getattr(state_dict, "_metadata", None) or {}
        # depth first, parents before children; each module sees only the keys under it
        stack = [(self, "", OrderedDict(state_dict))]
        while stack:
            module, prefix, entries = stack.pop()
            module._load_from_state_dict(entries, prefix, metadata.get(prefix[:-1], {}), True,
                                         missing, unexpected, errors, assign)
            below = []
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = f"{prefix}{name}."
                    below.append((child, child_prefix, {k: v for k, v in entries.items()
                                                        if k.startswith(child_prefix)}))
            stack.extend(reversed(below))
        if strict:
            named = [("Unexpected", unexpected), ("Missing", missing)]
            for what, keys in named:  # missing keys first, then unexpected, then the rest
                if keys:
                    listed = ", ".join(f'"{k}"' for k in keys)
                    errors.insert(0, f"{what} key(s) in state_dict: {listed}. ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:"
                               "\n\t" + "\n\t".join(errors))
        return _IncompatibleKeys(missing, unexpected)
