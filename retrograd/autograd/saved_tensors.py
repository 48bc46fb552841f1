"""Saved tensors under pack/unpack hooks: saved_tensors_hooks, save_on_cpu,
disable_saved_tensors_hooks, and packing what primitives and Functions save (only while a
pair of hooks is active: the recording path checks _SAVED_HOOKS once)."""
import threading

from . import graph

PACKED = object()  # a node's _versions when its _saved holds packed entries
# One entry per active saved_tensors_hooks context in any thread: the recording path's one
# check. The hooks themselves are per thread, as PyTorch's.
_SAVED_HOOKS = []
_LOCAL = threading.local()
_DISABLED = [None]  # the error message while saved_tensors_hooks are disabled


def _hooks_stack():
    try:
        return _LOCAL.stack
    except AttributeError:
        _LOCAL.stack = []
        return _LOCAL.stack


def hooks_active():
    """Whether this thread has a pack/unpack pair in effect."""
    return bool(_SAVED_HOOKS) and bool(_hooks_stack())


class _Packed:
    """A saved tensor as a pack hook returned it, with what unpacking needs to put it back
    in the graph (its grad_fn, output number, leaf accumulator)."""
    __slots__ = ("obj", "requires_grad", "grad_fn", "output_nr", "acc", "is_output")


def pack(tensor, is_output=False):
    """Run the innermost pack hook on a tensor being saved for backward."""
    packed = _Packed()
    packed.requires_grad = tensor._requires_grad
    packed.grad_fn = None if is_output else tensor.grad_fn  # an output's is the saver
    packed.is_output = is_output
    packed.output_nr = tensor._output_nr
    packed.acc = tensor._acc
    version = tensor._version
    pack_hook, unpack_hook = _hooks_stack()[-1]
    packed.obj = pack_hook(tensor)
    if tensor._version != version:
        raise RuntimeError(
            "A saved tensors pack hook is modifying its input in place. Tensors provided as "
            "input to pack hook can not be modified by in-place operations as this can lead "
            "to unexpected side-effects. Please open an issue if you need to perform in-place "
            "operations on the input to a pack hook.")
    return packed, unpack_hook


def unpack(entry, saved_for):
    packed, unpack_hook = entry
    value = unpack_hook(packed.obj)
    Tensor = graph._tensor_cls[0]
    if not isinstance(value, Tensor):
        raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                        f"result of type {type(value).__name__}")
    grad_fn = packed.grad_fn
    if packed.is_output and packed.requires_grad:
        grad_fn = saved_for  # not kept in the entry: that would be a reference cycle
    t = Tensor._make(value._data, packed.requires_grad, grad_fn)
    t._output_nr = packed.output_nr
    t._acc = packed.acc
    t._vc = value._version_counter()
    return t


def _pack_primitive(node, result):
    """Replace what a primitive node saved by packed entries (saved_tensors_hooks active)."""
    if not _hooks_stack():  # active in another thread only
        return
    Tensor = graph._tensor_cls[0]
    saved = node._saved
    entries = []
    for value in saved[:-1]:
        entries.append(pack(value) if isinstance(value, Tensor) else (None, value))
    if saved[-1] is None:
        entries.append(None)
    elif isinstance(result, tuple):  # a multi-output primitive's outputs
        entries.append(tuple(pack(r, is_output=True) for r in result))
    else:
        entries.append(pack(result, is_output=True))
    node._saved = tuple(entries)
    node._versions = PACKED


def _unpack_packed(saved, node):
    inputs = tuple(None if e is None else e[1] if e[0] is None else unpack(e, node)
                   for e in saved[:-1])
    out = saved[-1]
    if out is None:
        return inputs, None
    if node._prim.nout != 1:
        return inputs, tuple(unpack(e, node) for e in out)
    return inputs, unpack(out, node)


class saved_tensors_hooks:
    """Pack every tensor saved for backward with ``pack_hook`` while the context is
    active, and unpack it with ``unpack_hook`` when backward needs it."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _DISABLED[0] is not None:
            raise RuntimeError(_DISABLED[0])
        _hooks_stack().append((self.pack_hook, self.unpack_hook))
        _SAVED_HOOKS.append(None)

    def __exit__(self, *args):
        _hooks_stack().pop()
        _SAVED_HOOKS.pop()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept on the CPU and moved back to their device for backward
    (on the CPU: no copy, as in PyTorch)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack_to_cpu(tensor):
            return (tensor.device, tensor.cpu())

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack_to_cpu, unpack_from_cpu)


class disable_saved_tensors_hooks:
    """While active, entering saved_tensors_hooks raises RuntimeError(error_message)."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        self.prev = _DISABLED[0]
        _DISABLED[0] = self.error_message

    def __exit__(self, *args):
        _DISABLED[0] = self.prev

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with disable_saved_tensors_hooks(self.error_message):
                return fn(*args, **kwargs)
        return wrapper
