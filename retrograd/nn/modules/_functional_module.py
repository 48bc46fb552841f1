"""FunctionalModule: the base of the parameterless modules that call one nn.functional
function with stored options (activations, dropout, pooling, losses)."""
from .. import functional as F
from .module import Module

__all__ = ["FunctionalModule"]


def _show(value):
    return repr(value) if isinstance(value, str) else str(value)


class FunctionalModule(Module):
    """``forward(input)`` is ``F.<_fn>(input, **options)``, the options being the attributes
    named in ``_options``; a subclass's constructor stores them with
    ``super().__init__(*values)``, in that order.

    repr shows ``name=value`` for the names in ``_shown`` (by default every option but
    ``inplace``), then ``inplace=True`` when it is set and not shown already."""
    _fn = None
    _options = ()
    _shown = None
    _tensor_options = ()  # options that are tensors (or None): buffers, so to() moves them

    def __init__(self, *values, **unexpected):
        n = len(self._options)
        super().__init__(*values[n:], **unexpected)  # PyTorch's TypeError for extra ones
        for name, value in zip(self._options, values, strict=True):
            if name in self._tensor_options:
                self.register_buffer(name, value)
            else:
                setattr(self, name, value)

    def forward(self, input):
        return self._call(input)

    def _call(self, *inputs, **more):
        options = {name: getattr(self, name) for name in self._options}
        return getattr(F, self._fn)(*inputs, **options, **more)

    def extra_repr(self):
        shown = self._shown
        if shown is None:
            shown = [name for name in self._options if name != "inplace"]
        parts = [f"{name}={_show(getattr(self, name))}" for name in shown]
        if "inplace" in self._options and "inplace" not in shown and self.inplace:
            parts.append("inplace=True")
        return ", ".join(parts)
