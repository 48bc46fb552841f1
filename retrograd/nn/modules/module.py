"""torch.nn.Module: attribute registration, traversal, modes, hooks, repr (dtype casts and
state dicts live in _module_state.py)."""
import warnings

from ...tensor import Tensor
from ...autograd.graph import HookDict, RemovableHandle
from ..parameter import Parameter, Buffer
from ._module_state import ModuleStateMixin

__all__ = ["Module"]


def _indent(text, spaces=2):
    """Indent every line of text but the first (a nested repr keeps its first line on the
    line of its label)."""
    return text.replace("\n", "\n" + " " * spaces)


def _block(name, lines, inline=False):
    """``Name()``, ``Name(one line)`` or Name( then the lines, indented, then )."""
    if not lines:
        return name + "()"
    if inline:
        return f"{name}({lines[0]})"
    return name + "(\n  " + "\n  ".join(lines) + "\n)"


def _type_name(value):
    """How PyTorch's messages name a value's type: "torch.FloatTensor" for a tensor, the
    qualified class name otherwise (builtins bare)."""
    if isinstance(value, Tensor):
        return value.type()
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def _join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


class _Hook:
    """A hook registered on a Module: its kind, the function and how it is called."""
    __slots__ = ("kind", "fn", "with_kwargs", "always_call")

    def __init__(self, kind, fn, with_kwargs=False, always_call=False):
        self.kind, self.fn = kind, fn
        self.with_kwargs, self.always_call = with_kwargs, always_call

    def call(self, module, args, kwargs, output):
        """A forward hook: fn(module, args[, kwargs], output)."""
        if self.with_kwargs:
            return self.fn(module, args, kwargs, output)
        return self.fn(module, args, output)


def _of_kind(hooks, kind):
    return [h for h in hooks if h.kind == kind]


def _forward_unimplemented(self, *input):
    raise NotImplementedError(
        f'Module [{type(self).__name__}] is missing the required "forward" function')


class Module(ModuleStateMixin):
    """Base class of every layer: assign Parameters, buffers and sub-Modules as attributes
    and they are found by parameters(), state_dict(), to(), train() and repr.

    Its own state: ``_parameters``, ``_buffers``, ``_modules`` (name -> member, in order of
    assignment), ``_unsaved_buffers`` (buffers left out of state_dict) and ``_hooks``."""
    training: bool
    call_super_init = False
    forward = _forward_unimplemented

    def __init__(self, *args, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword "
                            f"argument '{next(iter(kwargs))}'")
        if args:
            raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument but "
                            f"{len(args) + 1} were given")
        state = self.__dict__
        state["training"] = True
        state["_parameters"] = {}
        state["_buffers"] = {}
        state["_unsaved_buffers"] = set()
        state["_hooks"] = HookDict()
        state["_modules"] = {}

    # ----- registration
    def _check_new_member(self, what, name, store):
        """PyTorch's checks, in its order, before a buffer or parameter is registered."""
        if store not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a string. Got {_type_name(name)}")
        if "." in name:
            raise KeyError(f'{what} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{what} name can\'t be empty string ""')
        if hasattr(self, name) and name not in self.__dict__[store]:
            raise KeyError(f"attribute '{name}' already exists")

    def register_buffer(self, name, tensor, persistent=True):
        self._check_new_member("buffer", name, "_buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_type_name(tensor)}' object to buffer "
                            f"'{name}' (torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._unsaved_buffers.discard(name)
        else:
            self._unsaved_buffers.add(name)

    def register_parameter(self, name, param):
        self._check_new_member("parameter", name, "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_type_name(param)}' object to parameter "
                            f"'{name}' (torch.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must "
                f"be created explicitly. To express '{name}' as a function of another Tensor, "
                f"compute the value in the forward() method.")
        self._parameters[name] = param

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_type_name(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_type_name(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def _attribute(self, name):
        if not hasattr(self, name):
            raise AttributeError(f"{self._get_name()} has no attribute `{name}`")
        return getattr(self, name)

    def get_submodule(self, target):
        module = self
        for part in target.split(".") if target else ():
            module = module._attribute(part)
            if not isinstance(module, Module):
                raise AttributeError(f"`{part}` is not an nn.Module")
        return module

    def _get_member(self, target, belongs, what):
        """The parameter or buffer at a dotted path, as get_parameter/get_buffer find it."""
        owner_path, _, name = target.rpartition(".")
        owner = self.get_submodule(owner_path)
        value = owner._attribute(name)
        if not belongs(owner, name, value):
            raise AttributeError(f"`{name}` is not {what}")
        return value

    def get_parameter(self, target):
        return self._get_member(target, lambda owner, name, value: isinstance(value, Parameter),
                                "an nn.Parameter")

    def get_buffer(self, target):
        return self._get_member(target, lambda owner, name, value: name in owner._buffers,
                                "a buffer")

    _STORES = ("_parameters", "_buffers", "_modules")

    def __getattr__(self, name):
        state = self.__dict__
        for store in Module._STORES:
            members = state.get(store)
            if members is not None and name in members:
                return members[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _release_name(self, name, keep):
        """Before name is (re)assigned into the store ``keep``: it leaves every other place
        (its place in ``keep`` stays, so a reassigned member keeps its order)."""
        state = self.__dict__
        state.pop(name, None)
        for store in Module._STORES:
            if store != keep:
                state[store].pop(name, None)
        if keep != "_buffers":
            self._unsaved_buffers.discard(name)

    def __setattr__(self, name, value):
        state = self.__dict__
        params, modules = state.get("_parameters"), state.get("_modules")
        buffers = state.get("_buffers")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._release_name(name, "_parameters")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_type_name(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._release_name(name, "_modules")
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_type_name(value)}' as child module "
                                f"'{name}' (torch.nn.Module or None expected)")
            modules[name] = None
        elif isinstance(value, Buffer) or (buffers is not None and name in buffers):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_type_name(value)}' as buffer '{name}' "
                                "(torch.nn.Buffer, torch.Tensor or None expected)")
            if isinstance(value, Buffer):  # PyTorch stores it as a plain Tensor
                persistent, value = value.persistent, value._as_tensor()
            else:
                persistent = name not in self._unsaved_buffers
            self._release_name(name, "_buffers")
            self.register_buffer(name, value, persistent)
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for store in Module._STORES:
            members = self.__dict__.get(store, {})
            if name in members:
                del members[name]
                self._unsaved_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        names = set(object.__dir__(self))
        for store in Module._STORES:
            names.update(self.__dict__[store])
        return sorted(n for n in names if not n[0].isdigit())

    def __setstate__(self, state):
        self.__dict__.update(state)

    # ----- traversal
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """This module and all below it, depth first, each once (unless remove_duplicate
        is False); walked with an explicit stack."""
        seen = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            path, module = stack.pop()
            if module in seen:
                continue
            if remove_duplicate:
                seen.add(module)
            yield path, module
            children = [(_join(path, n), m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def _named_members(self, store, prefix="", recurse=True, remove_duplicate=True):
        seen = set()
        owners = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                  if recurse else [(prefix, self)])
        for path, owner in owners:
            for name, member in getattr(owner, store).items():
                if member is not None and member not in seen:
                    if remove_duplicate:
                        seen.add(member)
                    yield _join(path, name), member

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        return (p for _, p in self.named_parameters(recurse=recurse))

    def buffers(self, recurse=True):
        return (b for _, b in self.named_buffers(recurse=recurse))

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        return (m for _, m in self.named_children())

    def modules(self):
        return (m for _, m in self.named_modules())

    # ----- modes and bulk changes
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for param in self.parameters():
            grad = param.grad
            if grad is None:
                continue
            if set_to_none:
                param.grad = None
                continue
            # zeroed in place, and cut out of any graph (create_graph=True made one)
            if grad.grad_fn is not None:
                grad.detach_()
            else:
                grad.requires_grad_(False)
            grad.zero_()

    def apply(self, fn):
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ----- hooks and calling
    # All hooks of a module live in one registry, ``_hooks`` (handle id -> _Hook), in
    # firing order; a kind's hooks fire in their order there, so prepending moves a hook to
    # the front and a handle removes its single entry.
    def _add_hook(self, kind, fn, prepend=False, with_kwargs=False, always_call=False):
        hooks = self._hooks
        handle = RemovableHandle(hooks)
        entry = _Hook(kind, fn, with_kwargs, always_call)
        if prepend:
            later = list(hooks.items())
            hooks.clear()
            hooks[handle.id] = entry
            hooks.update(later)
        else:
            hooks[handle.id] = entry
        return handle

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        return self._add_hook("forward_pre", hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        return self._add_hook("forward", hook, prepend, with_kwargs, always_call)

    def register_full_backward_hook(self, hook, prepend=False):
        return self._add_hook("backward", hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        return self._add_hook("backward_pre", hook, prepend)

    def __call__(self, *args, **kwargs):
        if not self._hooks:  # the common case, kept short
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        hooks = list(self._hooks.values())
        for pre in _of_kind(hooks, "forward_pre"):
            if pre.with_kwargs:
                replaced = pre.fn(self, args, kwargs)
                if replaced is not None:
                    if not (isinstance(replaced, tuple) and len(replaced) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {replaced}.")
                    args, kwargs = replaced
            else:
                replaced = pre.fn(self, args)
                if replaced is not None:
                    args = replaced if isinstance(replaced, tuple) else (replaced,)
        grad_hooks = [h.fn for h in _of_kind(hooks, "backward")]
        grad_pre_hooks = [h.fn for h in _of_kind(hooks, "backward_pre")]
        catcher = None
        if grad_hooks or grad_pre_hooks:
            from ._backward_hook import BackwardHook
            catcher = BackwardHook(self, grad_hooks, grad_pre_hooks)
            args = catcher.setup_input_hook(args)
        waiting = list(_of_kind(hooks, "forward"))
        try:
            result = self.forward(*args, **kwargs)
            while waiting:
                post = waiting.pop(0)
                changed = post.call(self, args, kwargs, result)
                if changed is not None:
                    result = changed
        except Exception:
            self._run_always_called(waiting, args, kwargs)
            raise
        return result if catcher is None else catcher.setup_output_hook(result)

    def _run_always_called(self, waiting, args, kwargs):
        """After forward (or a forward hook) raised: the always_call hooks that have not run
        yet get output None; their own errors only warn, so the first error propagates."""
        for post in waiting:
            if post.always_call:
                try:
                    post.call(self, args, kwargs, None)
                except Exception as e:
                    warnings.warn("forward hook with ``always_call=True`` raised an exception "
                                  "that was silenced as another error was raised in forward: "
                                  f"{str(e)}", stacklevel=4)

    # ----- printing
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        own = extra.split("\n") if extra else []
        children = [f"({name}): {_indent(repr(module))}" for name, module in self._modules.items()]
        return _block(self._get_name(), own + children,
                      inline=len(own) == 1 and not children)
