"""Tensor repr/str formatting (byte-identical to PyTorch's) and the global print options."""

import math

import numpy as np


def _default_float_name():
    """Name of the current default float dtype, e.g. "float32".

    Kept as a module-level hook so tests can monkeypatch it; the dtypes module
    may not exist yet, so fall back to PyTorch's out-of-the-box default.
    """
    try:
        from .dtypes import get_default_dtype
    except ImportError:
        return "float32"
    return str(get_default_dtype()).replace("torch.", "")


# ---------------------------------------------------------------------------
# Print options
# ---------------------------------------------------------------------------

# One mutable dict is the single source of truth; key order matches
# torch._tensor_str.get_printoptions().
_DEFAULTS = {
    "precision": 4,
    "threshold": 1000,
    "edgeitems": 3,
    "linewidth": 80,
    "sci_mode": None,
}
_OPTS = dict(_DEFAULTS)

# A profile resets everything except sci_mode; explicit arguments then override it.
_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
):
    """Set the global print options, with the same semantics as torch.set_printoptions."""
    if profile is not None:
        # Like torch, an unknown profile name is silently ignored.
        _OPTS.update(_PROFILES.get(profile, {}))
    if precision is not None:
        _OPTS["precision"] = precision
    if threshold is not None:
        _OPTS["threshold"] = threshold
    if edgeitems is not None:
        _OPTS["edgeitems"] = edgeitems
    if linewidth is not None:
        _OPTS["linewidth"] = linewidth
    # Unlike the other options, sci_mode is always assigned: omitting it
    # returns to automatic selection (torch behaves the same way).
    _OPTS["sci_mode"] = sci_mode


def get_printoptions():
    """Current print options as a dict that can be passed back to set_printoptions()."""
    return dict(_OPTS)


# ---------------------------------------------------------------------------
# Element formatting
# ---------------------------------------------------------------------------

_FLOAT_KINDS = ("float16", "float32", "float64", "bfloat16")


def _dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def _is_float(t, data):
    return _dtype_name(t) in _FLOAT_KINDS or data.dtype.kind == "f"


def _format_floats(values, precision, forced_sci):
    """Format float values (a float64 ndarray) the way torch's _Formatter does.

    Returns (strings, width): `strings` are already right-aligned to `width`,
    and `width` is what torch uses to decide how many elements fit on a line.
    Only nonzero finite values take part in choosing the mode and the width,
    so nan/inf/0 can end up wider than `width` (and are then not padded).
    """
    flat = values.ravel()
    finite = np.isfinite(flat)
    counted = finite & (flat != 0)
    chosen = flat[counted]

    int_mode = True
    sci_mode = False
    if chosen.size:
        # A ceil of a finite float is exact, so comparing in float64 is the
        # same as torch comparing in the tensor's own dtype.
        int_mode = bool(np.all(chosen == np.ceil(chosen)))
        if forced_sci is None:
            mags = np.abs(chosen)
            lo, hi = mags.min(), mags.max()
            sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            sci_mode = bool(forced_sci)
    # With no nonzero finite value torch keeps its defaults (int mode, no sci,
    # width 1) even when sci_mode is forced on.

    # Python float formatting of the float64 value, as torch's .item()/.tolist() gives.
    items = flat.tolist()
    if sci_mode:
        fmt = "{:.%de}" % precision
        strs = [fmt.format(v) for v in items]
    elif int_mode:
        # Integral floats print as "3." -- the dot marks the tensor as floating;
        # nan/inf get no dot.
        strs = ["{:.0f}".format(v) + ("." if f else "") for v, f in zip(items, finite.tolist())]
    else:
        fmt = "{:.%df}" % precision
        strs = [fmt.format(v) for v in items]

    width = 1
    if chosen.size:
        width = max(len(s) for s, c in zip(strs, counted.tolist()) if c)
    return [s.rjust(width) for s in strs], width


def _format_elements(t, data):
    """Format every element of `data` (already summarized) -> (object ndarray of str, width)."""
    if _is_float(t, data):
        strs, width = _format_floats(
            data.astype(np.float64), _OPTS["precision"], _OPTS["sci_mode"]
        )
    else:
        # ints print via str(); bools print as True/False. tolist() yields Python scalars.
        strs = [str(v) for v in data.ravel().tolist()]
        width = max([1] + [len(s) for s in strs])
        strs = [s.rjust(width) for s in strs]
    out = np.empty(len(strs), dtype=object)
    out[:] = strs
    return out.reshape(data.shape), width


# ---------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------


def _summarize(data, edgeitems):
    """Keep only the first/last `edgeitems` entries along every axis longer than 2*edgeitems.

    The formatter must only see the shown elements (torch picks the column
    width from them), and this keeps a 1000x1000 tensor from being formatted
    in full.
    """
    index = []
    for n in data.shape:
        if n > 2 * edgeitems:
            index.append(np.r_[0:edgeitems, n - edgeitems : n])
        else:
            index.append(np.arange(n))
    return data[np.ix_(*index)] if index else data


def _render(strs, summarized_axes, indent, width):
    """Build the bracketed body for a block of pre-formatted strings.

    `summarized_axes[k]` says whether axis k was cut down to 2*edgeitems
    entries and so needs an ellipsis after the first half.
    """
    edge = _OPTS["edgeitems"]
    if strs.ndim == 1:
        data = list(strs)
        if summarized_axes[0]:
            # " ..." carries a leading space, giving two spaces after the comma.
            data = data[:edge] + [" ..."] + data[edge:]
        # Each element takes its width plus ", "; at least one per line.
        per_line = max(1, math.floor((_OPTS["linewidth"] - indent) / (width + 2)))
        lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    slices = [
        _render(strs[i], summarized_axes[1:], indent + 1, width) for i in range(strs.shape[0])
    ]
    if summarized_axes[0]:
        slices = slices[:edge] + ["..."] + slices[edge:]
    # Blocks of a k-D tensor are separated by k-1 newlines (a blank line per extra dim).
    sep = "," + "\n" * (strs.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(slices) + "]"


def _body(t, data, indent):
    """The part between "tensor(" and the suffixes, for a non-empty tensor."""
    edge = _OPTS["edgeitems"]
    summarize = data.size > _OPTS["threshold"]

    if data.ndim == 0:
        strs, _ = _format_elements(t, data)
        return strs[()]
    if summarize and not edge:
        # Zero edge items: nothing at all is shown, at any dimensionality.
        return "[...]"

    shown = _summarize(data, edge) if summarize else data
    summarized_axes = [summarize and n > 2 * edge for n in data.shape]
    strs, width = _format_elements(t, shown)
    return _render(strs, summarized_axes, indent, width)


def _add_suffixes(text, suffixes, indent):
    """Append ", suffix" items, moving one to its own line when it would overflow."""
    parts = [text]
    # Mirrors torch's line-length estimate exactly (including its off-by-two
    # quirk when the text holds no newline).
    last_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_len + len(suffix) + 2 > _OPTS["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            last_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t):
    """Return PyTorch's repr()/str() of tensor-like `t` (reads _data, dtype, requires_grad, grad_fn)."""
    data = np.asarray(t._data)
    prefix = "tensor("
    indent = len(prefix)
    name = _dtype_name(t)
    default_float = _default_float_name()
    suffixes = []

    if data.size == 0:
        # NumPy-style: the shape is shown unless it is plainly (0,).
        if data.ndim != 1:
            suffixes.append("size=" + str(tuple(data.shape)))
        # An empty literal would be inferred as the default float dtype, so
        # every other dtype (int64 and bool included) must be named.
        if name != default_float:
            suffixes.append("dtype=" + str(t.dtype))
        body = "[]"
    else:
        if not _OPTS["edgeitems"]:
            # With no edge items nothing is shown, so the shape is given instead.
            suffixes.append("size=" + str(tuple(data.shape)))
        # int64 and bool are inferred from literals, like the default float dtype.
        if name not in (default_float, "int64", "bool"):
            suffixes.append("dtype=" + str(t.dtype))
        body = _body(t, data, indent)

    grad_fn = getattr(t, "grad_fn", None)
    if grad_fn is not None:
        # C++-backed nodes may report a namespaced name like "torch::autograd::X".
        suffixes.append("grad_fn=<" + grad_fn.name().rsplit("::", 1)[-1] + ">")
    elif getattr(t, "requires_grad", False):
        suffixes.append("requires_grad=True")
    if getattr(t, "_fw", None):  # a dual tensor (forward-mode AD) shows its tangent
        from .autograd.forward_ad import _public_tangent
        tangent = _public_tangent(t)
        if tangent is not None:
            suffixes.append("tangent=" + (repr(tangent.item()) if tangent.dim() == 0
                                          else tensor_repr(tangent)))

    return _add_suffixes(prefix + body, suffixes, indent)
