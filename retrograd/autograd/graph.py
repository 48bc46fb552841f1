"""The graph's nodes: Node (a recorded op's backward), AccumulateGrad (a leaf's sink), and
the saved-tensor checks (freed after backward, modified in place)."""
import itertools
import re
import weakref

__all__ = ["Node", "AccumulateGrad", "node_class"]

# PyTorch runs ready nodes highest sequence number first; AccumulateGrad goes first of all.
_next_seq = itertools.count().__next__
_ACCUMULATE_SEQ = 1 << 62

FREED = object()  # marks a node whose saved tensors were released by a backward pass

FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class Node:
    """A node of the backward graph: PyTorch's ``grad_fn`` objects are instances of its
    subclasses (``AddBackward0``, ``AccumulateGrad``, ...)."""
    __slots__ = ("next_functions", "_seq", "__weakref__")

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def metadata(self):
        return _metadata.setdefault(self, {})


# Node.metadata is rarely used; keep it out of every node's slots.
_metadata = weakref.WeakKeyDictionary()


class PrimitiveNode(Node):
    """The backward of one call of a primitive: what its VJP formulas need, saved at
    forward time (inputs only when another input's formula uses them, the output as a
    bare array plus its version counter so no reference cycle forms)."""
    __slots__ = ("_prim", "_saved", "_versions", "_params", "_meta", "_retained", "_out_meta")

    def _unpack(self):
        """The saved inputs and output as Tensors, after the version checks."""
        saved = self._saved
        if saved is None:  # nothing was needed (add, or no input needing it)
            return self._prim._nothing_saved, None
        if saved is FREED:
            raise RuntimeError(FREED_MSG)
        if type(saved) is not tuple:  # to be recomputed first (utils.checkpoint)
            saved.materialize()
            saved = self._saved
            if saved is None or saved is FREED:
                return self._unpack()
        versions = self._versions
        if versions is not None:
            for value, version in zip(saved, versions):
                if version is not None and value._version != version:
                    err = RuntimeError(_modified_msg(value, value._version, version,
                                                     value.grad_fn))
                    err._version_counter = value._vc  # for anomaly mode's report
                    raise err
        out = saved[-1]
        if out is not None:
            if self._prim.nout != 1:
                return saved[:-1], tuple(self._unpack_output(o, nr) for nr, o in enumerate(out))
            out = self._unpack_output(out, 0)
        return saved[:-1], out

    def _unpack_output(self, saved_output, nr):
        array, counter, version = saved_output
        if counter[0] != version:
            err = RuntimeError(_modified_msg_array(array, counter[0], version, self, nr))
            err._version_counter = counter  # for anomaly mode's report
            raise err
        floating = array.dtype.kind in "fc"
        t = _tensor_cls[0]._make(array, floating, self if floating else None)
        t._output_nr = nr
        return t

    def _release(self):
        if self._saved is not None:
            self._saved = FREED

    @property
    def _saved_tensors_released(self):
        return self._saved is FREED


class AccumulateGrad(Node):
    """The sink of a leaf that requires grad: adds what reaches it into ``variable.grad``."""
    __slots__ = ("variable",)
    __module__ = "builtins"  # type(...) prints <class 'AccumulateGrad'>, as PyTorch's

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()
        self._seq = _ACCUMULATE_SEQ + _next_seq()

    def name(self):
        return "torch::autograd::AccumulateGrad"  # PyTorch's name; the repr keeps the class name


_classes = {}
_tensor_cls = [None]  # set by tensor.py; graph.py must not import it (cycle)


def node_class(name):
    """The one Node subclass per PyTorch node name, so ``type(y.grad_fn).__name__`` and
    ``isinstance`` behave as in PyTorch."""
    cls = _classes.get(name)
    if cls is None:
        # PyTorch's node types are module-less C++ classes: type(y.grad_fn) prints
        # <class 'MulBackward0'>, which the module "builtins" gives too
        cls = _classes[name] = type(name, (PrimitiveNode,),
                                    {"__slots__": (), "__module__": "builtins"})
    return cls


def _short_name(node):
    return re.sub(r"Backward\d*$", "", node.name())


def _describe(shape, dtype_legacy):
    return f"[torch.{dtype_legacy}Tensor [{', '.join(map(str, shape))}]]"


def _hint():
    return ("Hint: enable anomaly detection to find the operation that failed to compute "
            "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _modified_msg(tensor, now, expected, grad_fn):
    which = f", which is output {tensor._output_nr} of {_short_name(grad_fn)}," \
        if grad_fn is not None else ""
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {_describe(tensor.shape, tensor.dtype._legacy)}{which} is "
            f"at version {now}; expected version {expected} instead. {_hint()}")


def _modified_msg_array(array, now, expected, node, nr=0):
    from ..dtypes import from_numpy_dtype
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {_describe(array.shape, from_numpy_dtype(array.dtype)._legacy)}"
            f", which is output {nr} of {_short_name(node)}, is at version {now}; expected "
            f"version {expected} instead. {_hint()}")
