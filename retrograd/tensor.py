"""Tensor: an array with dtype, device, requires_grad, grad, grad_fn and a version counter.
Python operators and methods delegate to the ops; no math lives here."""
import warnings
import weakref

from . import dtypes as _dt
from .autograd import graph as _graph
from .autograd import grad_mode as _grad_mode
from . import autograd as _autograd  # (may be partly initialized here: used at call time)

__all__ = ["Tensor", "Size", "device"]

_new = object.__new__


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``torch.Size([2, 3])``."""
    __module__ = "torch"  # type(x.shape) prints <class 'torch.Size'>, as in PyTorch

    def __reduce__(self):  # by a function of ours: the name torch.Size may be PyTorch's
        return (_rebuild_size, (tuple(self),))

    def __repr__(self):
        return f"torch.Size([{', '.join(map(str, self))}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


class device:
    """Where a tensor lives: ``device(type='cpu')``."""
    __slots__ = ("type", "index")
    __module__ = "torch"  # type(x.device) prints <class 'torch.device'>

    def __reduce__(self):
        return (_rebuild_device, (self.type, self.index))

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif ":" in type:
            type, idx = type.split(":", 1)
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(
                "Expected one of cpu, cuda device type at start of device string: " + type)
        self.type = type
        self.index = index

    def __repr__(self):
        idx = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{idx})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        # As in PyTorch, a device never equals a string: compare str(d) or d.type instead.
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


class _InferenceMarker(list):
    """The version counter of inference tensors: there is none, and saving one for
    backward is refused (the record path reads item 0 of a saved tensor's counter)."""
    __slots__ = ()

    def __getitem__(self, i):
        raise RuntimeError(
            "Inference tensors cannot be saved for backward. Please do not use Tensors created "
            "in inference mode in computation tracked by autograd. To work around this, you "
            "can make a clone to get a normal tensor and use it in autograd, or use "
            "`torch.no_grad()` instead of `torch.inference_mode()`.")

    def append(self, item):  # never registers views: shared by every inference tensor
        pass


INFERENCE = _InferenceMarker()


class _MadeInInference:
    """The mark a view of a normal tensor made in inference mode leaves in its version
    counter's list: called, it gives None (it is no view to regenerate)."""
    __slots__ = ("ref",)

    def __init__(self, view):
        self.ref = weakref.ref(view)

    def __call__(self):
        return None

    def alive(self):
        return self.ref() is not None
_new_vc = None  # what _make gives new tensors: INFERENCE inside inference mode
_grad_state = _grad_mode.STATE


def _set_inference(on):
    global _new_vc
    _new_vc = INFERENCE if on else None


_grad_mode._inference_hooks.append(_set_inference)

_NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information.")

_LEAF_ONLY = ("you can only change requires_grad flags of leaf variables. If you want to use "
              "a computed variable in a subgraph that doesn't require differentiation use "
              "var_no_grad = var.detach().")


class Tensor:
    """A multi-dimensional array that can record the operations done on it (PyTorch's
    ``torch.Tensor``). ``_data`` is the NumPy array; ``grad_fn`` the node that made it."""
    __slots__ = ("_data", "_requires_grad", "grad_fn", "_grad", "_output_nr", "_vc",
                 "_base", "_acc", "_retains_grad", "__weakref__",
                 # set only once a hook is registered (so _make never pays for them)
                 "_bw_hooks", "_pa_hooks",
                 # forward-mode tangents {dual level: tangent}, set only on dual tensors
                 # (autograd/forward_ad.py); read with getattr(t, "_fw", None)
                 "_fw")
    __array_priority__ = 1000  # NumPy defers to our reflected operators
    # type(x) prints <class 'torch.Tensor'> as tutorials show; pickling goes through
    # __reduce_ex__ (a function of ours), never through this name
    __module__ = "torch"
    is_cuda = False
    is_sparse = False
    is_quantized = False
    is_meta = False
    _is_batched = False  # True on vmap's BatchedTensor (func/_batching.py)

    @staticmethod
    def _make(data, requires_grad=False, grad_fn=None):
        """Wrap an array without validation: the fast path every op result takes."""
        t = _new(Tensor)
        t._data = data
        t._requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._grad = None
        t._output_nr = 0
        t._vc = _new_vc  # None; in inference mode the inference marker
        t._base = None
        t._acc = None
        t._retains_grad = False
        return t

    def __init__(self, *args, dtype=None, device=None):
        # The legacy constructor: torch.Tensor(2, 3) is uninitialized of that shape,
        # torch.Tensor([1, 2]) copies data; both in the default float dtype.
        from ._creation import tensor as _tensor, empty as _empty
        if len(args) == 1 and isinstance(args[0], Tensor):
            # torch.Tensor(t) aliases t's memory and dtype, silently (no copy warning).
            src = Tensor._make(args[0]._data)
            src._vc = args[0]._version_counter()
        elif len(args) == 1 and not isinstance(args[0], int):
            src = _tensor(args[0], dtype=dtype or _dt.get_default_dtype())
        else:
            src = _empty(*(args or (0,)), dtype=dtype)
        for name in _MADE_SLOTS:
            setattr(self, name, getattr(src, name))

    # ----- versions, views, and the leaf's gradient sink
    # ``_vc`` is the version counter shared by a storage's tensors: a list whose item 0 is
    # the version and whose other items are weak references to the views made of it in
    # grad mode (so an in-place op can regenerate their history); None until needed;
    # INFERENCE for inference tensors, which track no version.
    @property
    def _version(self):
        vc = self._vc
        if vc is None:
            return 0
        if vc is INFERENCE:
            raise RuntimeError("Inference tensors do not track version counter.")
        return vc[0]

    def _saved_version(self):
        """The version a node saving this tensor records (refused for inference tensors)."""
        vc = self._vc
        return 0 if vc is None else vc[0]

    def _version_counter(self):
        vc = self._vc
        if vc is None:
            vc = self._vc = [0]
        return vc

    def _bump_version(self, times=1):
        vc = self._version_counter()
        if vc is not INFERENCE:
            vc[0] += times

    def _become_view_of(self, base):
        vc = base._vc
        if vc is None:
            vc = base._vc = [0]
        self._vc = vc
        self._base = base._base if base._base is not None else base
        if vc is not INFERENCE:
            if _grad_state.enabled:
                # registered, so an in-place op on the storage can regenerate its history;
                # unregistered views are those made in no_grad mode
                vc.append(weakref.ref(self))
                if len(vc) > 32 and len(vc) & (len(vc) - 1) == 0:  # powers of two: amortized
                    vc[1:] = [r for r in vc[1:] if r() is not None or
                              type(r) is _MadeInInference and r.alive()]
            elif _grad_state.inference:  # remembered for its own error message
                vc.append(_MadeInInference(self))

    def _views(self):
        """The live views of this storage made in grad mode (see _become_view_of)."""
        vc = self._vc
        if vc is None or vc is INFERENCE or len(vc) == 1:
            return []
        return [v for v in (r() for r in vc[1:]) if v is not None]

    def _made_in_no_grad(self):
        """Whether this view was made in no_grad mode (PyTorch's CreationMeta::NO_GRAD_MODE)."""
        vc = self._vc
        return vc is not None and vc is not INFERENCE and \
            not any(r() is self for r in vc[1:])

    def _made_in_inference(self):
        """Whether this view (of a normal tensor) was made in inference mode."""
        vc = self._vc
        return vc is not None and vc is not INFERENCE and \
            any(type(r) is _MadeInInference and r.ref() is self for r in vc[1:])

    def is_inference(self):
        return self._vc is INFERENCE

    def _is_view(self):
        return self._base is not None

    def _accumulator(self):
        """This leaf's AccumulateGrad node, held weakly as PyTorch does: the graph keeps it
        alive, and every use of the leaf in one graph shares it."""
        ref = self._acc
        acc = ref() if ref is not None else None
        if acc is None:
            acc = _graph.AccumulateGrad(self)
            self._acc = weakref.ref(acc)
        return acc

    # ----- autograd attributes
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if self.grad_fn is not None:
            # PyTorch's hint about detach() comes only with the request to turn it off.
            raise RuntimeError(_LEAF_ONLY if not value else _LEAF_ONLY.split(" If", 1)[0])
        if value and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
        if value:
            self._check_inference_requires_grad()
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        requires_grad = bool(requires_grad)
        if self.grad_fn is not None:
            if requires_grad:  # a non-leaf already requires grad: nothing to change
                return self
            raise RuntimeError(_LEAF_ONLY)
        if requires_grad and not self.dtype.is_floating_point:
            # PyTorch words this one differently from the attribute setter's.
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad:
            self._check_inference_requires_grad()
        self._requires_grad = requires_grad
        return self

    def _check_inference_requires_grad(self):
        if self._vc is INFERENCE and not _grad_state.inference:
            raise RuntimeError("Setting requires_grad=True on inference tensor outside "
                               "InferenceMode is not allowed.")

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def grad(self):
        # PyTorch warns only while there is nothing to return (backward(inputs=[nonleaf])
        # fills a non-leaf's .grad without retain_grad).
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(_NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '[{', '.join(map(str, value.shape))}]'"
                    f" to a tensor of size '[{', '.join(map(str, self.shape))}]'. Please ensure "
                    "that the gradient and the tensor are the same size")
            if value.dtype is not self.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value.dtype._cname}' to a "
                    f"tensor with grad_dtype '{self.dtype._legacy}'. The gradient must match "
                    "the tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                    "tensor's grad_dtype attribute with a specific dtype, or None to allow any "
                    "dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and "
                    "its gradient may break downstream systems that assume they match.")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        """Keep this non-leaf's gradient in ``.grad`` during backward (no-op on leaves)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        hooks = _graph.node_hooks(self.grad_fn)
        if hooks.retained is None:
            hooks.retained = {}
        hooks.retained[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    # ----- hooks
    @property
    def _backward_hooks(self):
        return getattr(self, "_bw_hooks", None)

    @property
    def _post_accumulate_grad_hooks(self):
        return getattr(self, "_pa_hooks", None)

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed, before it is used
        or accumulated; a returned tensor replaces the gradient."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        hooks = getattr(self, "_bw_hooks", None)
        if hooks is None:
            hooks = self._bw_hooks = _graph.HookDict()
            if self.grad_fn is not None:
                self.grad_fn._register_hook_dict(self)
            else:
                self._mark_accumulator_hooked()
        handle = _graph.RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after a gradient was accumulated into this leaf's .grad."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        hooks = getattr(self, "_pa_hooks", None)
        if hooks is None:
            hooks = self._pa_hooks = _graph.HookDict()
            self._mark_accumulator_hooked()
        handle = _graph.RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def _grad_fn_changed(self, old_fn):
        """An in-place op gave this tensor a new grad_fn (PyTorch's
        update_tensor_hooks_on_new_gradfn): hooks registered before stay with the old node,
        later ones go to the new node, and retain_grad follows the tensor."""
        if getattr(self, "_bw_hooks", None) is not None:
            self._bw_hooks = None
        if self._retains_grad:
            retained = old_fn._hooks.retained if old_fn._hooks is not None else None
            if retained:
                for nr, ref in list(retained.items()):
                    if ref() is self:
                        del retained[nr]
            hooks = _graph.node_hooks(self.grad_fn)
            if hooks.retained is None:
                hooks.retained = {}
            hooks.retained[self._output_nr] = weakref.ref(self)

    def _mark_accumulator_hooked(self):
        """A leaf's hooks live on the leaf; its accumulator (if alive) must take the
        engine's general path to run them."""
        _graph._LEAF_HOOKS[0] = True
        acc = self._acc() if self._acc is not None else None
        if acc is not None:
            _graph.node_hooks(acc)

    def detach(self):
        """A tensor sharing this one's data and version counter, outside any graph."""
        t = Tensor._make(self._data)
        t._vc = self._version_counter()
        return t

    def detach_(self):
        if self._base is not None and (self._base._requires_grad or self._requires_grad):
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is "
                "set as True, gradients are views of DDP buckets, and hence detach_() cannot "
                "be called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        self.grad_fn = None
        self._requires_grad = False
        self._output_nr = 0
        self._retains_grad = False
        return self

    @property
    def data(self):
        # PyTorch's .data: the same memory, outside the graph, with a version counter of
        # its own, so in-place changes through it go unnoticed by autograd's checks
        t = Tensor._make(self._data)
        t._vc = INFERENCE if self._vc is INFERENCE else None
        return t

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._data = value._data

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into the leaves' ``.grad`` (as torch.Tensor.backward)."""
        # the package, bound at import (a function-level import costs each call ~0.5 us)
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ----- attributes and conversions
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim_of_shape(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dt._FROM_NP[self._data.dtype]

    @property
    def device(self):
        return CPU

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return False

    def stride(self, dim=None):
        if self._data.size == 0:  # NumPy reports 0 for empty arrays; PyTorch contiguous ones
            st, acc = [], 1
            for n in reversed(self._data.shape):
                st.append(acc)
                acc *= max(n, 1)
            st = tuple(reversed(st))
        else:
            st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim_of_shape(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        a = self._data
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def _scalar(self, kind):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return kind(self._data.reshape(()).item())

    def __float__(self):
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()).item())

    def __bool__(self):
        if self._data.size != 1:
            if self._data.size == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        from ._printing import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __reduce_ex__(self, proto):
        return (_rebuild, (self._data, self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        t = Tensor._make(self._data.copy(), self._requires_grad)
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t


# the slots Tensor._make sets (hook slots stay unset until a hook is registered)
_MADE_SLOTS = tuple(n for n in Tensor.__slots__ if n not in ("__weakref__", "_bw_hooks",
                                                             "_pa_hooks", "_fw"))


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_inference(input):
    return input.is_inference()


def numel(input):
    return input.numel()


def is_floating_point(input):
    return input.is_floating_point()


def _rebuild(data, requires_grad):
    return Tensor._make(data, requires_grad)


def _rebuild_size(dims):
    return Size(dims)


def _rebuild_device(type, index):
    return device(type, index)


def _wrap_dim(dim, ndim):
    """A dimension index made non-negative, with PyTorch's error when out of range."""
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}],"
                         f" but got {dim})")
    return dim + n if dim < 0 else dim


def _wrap_dim_of_shape(dim, ndim):
    """_wrap_dim for size(dim)/stride(dim), which a 0-d tensor has no entries of."""
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _wrap_dim(dim, ndim)


_graph._tensor_cls[0] = Tensor
from .autograd import engine as _engine  # noqa: E402 (needs Tensor: it runs _accumulate)
_engine._calibrate_stealing()
