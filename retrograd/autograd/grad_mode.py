"""Grad mode, per thread: no_grad, enable_grad, set_grad_enabled, inference_mode, each a
context manager and a decorator (of functions and of generator functions)."""
import functools
import inspect
import threading
import warnings

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "inference_mode", "is_inference_mode_enabled"]


class _State(threading.local):
    # Class attributes are the defaults every new thread starts from.
    enabled = True
    inference = False


STATE = _State()
# Called with the new inference flag whenever it changes: tensor.py marks the tensors made
# inside inference mode (a process-wide switch: one thread in inference mode while another
# records a graph is not supported).
_inference_hooks = []


def _set_inference(on):
    if STATE.inference != on:
        STATE.inference = on
        for hook in _inference_hooks:
            hook(on)


def is_grad_enabled():
    return STATE.enabled


def is_inference_mode_enabled():
    return STATE.inference


def _wrap_generator(mode, gen):
    """Run each step of a generator inside the mode, and none of the caller's code."""
    @functools.wraps(gen)
    def wrapper(*args, **kwargs):
        g = gen(*args, **kwargs)
        try:
            with mode.clone():
                response = g.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with mode.clone():
                        g.close()
                    raise
                except BaseException as e:
                    with mode.clone():
                        response = g.throw(e)
                else:
                    with mode.clone():
                        response = g.send(request)
        except StopIteration as e:
            return e.value
    return wrapper


class _Mode:
    """Base of the grad-mode managers: a context manager and, applied to a function,
    a decorator that runs every call of it inside the mode."""

    def __new__(cls, *args, **kwargs):
        # `@no_grad` without parentheses decorates directly, as in PyTorch.
        if cls in (no_grad, enable_grad) and len(args) == 1 and callable(args[0]):
            return cls()(args[0])
        if cls is inference_mode and args and callable(args[0]) \
                and not isinstance(args[0], bool):
            return cls()(args[0])
        return super().__new__(cls)

    def __call__(self, fn):
        if isinstance(fn, type):
            warnings.warn(
                "Decorating classes is deprecated and will be disabled in future versions. You "
                "should only decorate functions or methods. To preserve the current behavior "
                "of class decoration, you can directly decorate the `__init__` method and "
                "nothing else.", FutureWarning, stacklevel=2)
        elif not callable(fn):
            raise TypeError(f"{type(self).__name__} can only decorate functions")
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(self, fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()

    def __enter__(self):
        self._prev = (STATE.enabled, STATE.inference)
        self._set()
        return None

    def __exit__(self, *exc):
        STATE.enabled = self._prev[0]
        _set_inference(self._prev[1])
        return False


class no_grad(_Mode):
    """Operations inside record no graph (as torch.no_grad)."""

    def _set(self):
        STATE.enabled = False


class enable_grad(_Mode):
    """Re-enables recording inside a no_grad block (as torch.enable_grad)."""

    def _set(self):
        STATE.enabled = True


class set_grad_enabled(_Mode):
    """Sets grad mode on or off: takes effect at once when called as a function, and is
    restored on exit when used as a context manager (as torch.set_grad_enabled)."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._prev = (STATE.enabled, STATE.inference)
        STATE.enabled = self.mode

    def clone(self):
        return type(self)(self.mode)

    def __call__(self, fn):
        # As a decorator it must not leave the mode switched: restore what __init__ changed.
        STATE.enabled = self._prev[0]
        return super().__call__(fn)

    def __repr__(self):
        return f"torch.autograd.grad_mode.set_grad_enabled(mode={self.mode})"

    def _set(self):
        STATE.enabled = self.mode

    def __enter__(self):
        # The previous mode was captured when the object was made, before it switched.
        self._set()
        return None


class inference_mode(_Mode):
    """Like no_grad, for code that will never need gradients (as torch.inference_mode):
    tensors made inside are inference tensors, which autograd refuses to save and which
    cannot be changed in place outside inference mode. ``inference_mode(False)`` turns
    it off again, with grad mode on."""

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def clone(self):
        return type(self)(self.mode)

    def _set(self):
        STATE.enabled = not self.mode
        _set_inference(self.mode)


for _cls in (no_grad, enable_grad, set_grad_enabled, inference_mode):
    _cls.__module__ = "torch.autograd.grad_mode"  # repr() names PyTorch's module


class _unsafe_preserve_version_counter:
    """Restores the tensors' version counters on exit: in-place changes inside go unseen
    by autograd's checks (as torch.autograd.grad_mode._unsafe_preserve_version_counter)."""

    def __init__(self, tensors):
        self.tensors = (tensors,) if hasattr(tensors, "_data") else tuple(tensors)
        self.prev_versions = tuple(t._version for t in self.tensors)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        for t, v in zip(self.tensors, self.prev_versions):
            t._version_counter()[0] = v
        return False
