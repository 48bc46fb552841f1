"""Grad mode, per thread: no_grad, enable_grad, set_grad_enabled, inference_mode."""
import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "inference_mode", "is_inference_mode_enabled"]


class _State(threading.local):
    # Class attributes are the defaults every new thread starts from.
    enabled = True
    inference = False


STATE = _State()


def is_grad_enabled():
    return STATE.enabled


def is_inference_mode_enabled():
    return STATE.inference


class _Mode:
    """Base of the grad-mode managers: a context manager and, applied to a function,
    a decorator that runs every call of it inside the mode."""

    def __new__(cls, *args):
        # `@no_grad` without parentheses decorates directly, as in PyTorch.
        if cls in (no_grad, enable_grad) and len(args) == 1 and callable(args[0]):
            return cls()(args[0])
        if cls is inference_mode and args and callable(args[0]) \
                and not isinstance(args[0], bool):
            return cls()(args[0])
        return super().__new__(cls)

    def __call__(self, fn):
        if isinstance(fn, type) or not callable(fn):
            raise TypeError(f"{type(self).__name__} can only decorate functions")

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
        STATE.enabled, STATE.inference = self._prev
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
        STATE.enabled, STATE.inference = self._prev
        return super().__call__(fn)

    def _set(self):
        STATE.enabled = self.mode

    def __enter__(self):
        # The previous mode was captured when the object was made, before it switched.
        self._set()
        return None


class inference_mode(_Mode):
    """Like no_grad, for code that will never need gradients (as torch.inference_mode)."""

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def clone(self):
        return type(self)(self.mode)

    def _set(self):
        if self.mode:
            STATE.enabled = False
            STATE.inference = True
