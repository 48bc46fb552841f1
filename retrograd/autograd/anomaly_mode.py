"""Anomaly detection (torch.autograd.detect_anomaly / set_detect_anomaly): while enabled,
every recorded node keeps the traceback of the forward call that made it, a failing
backward names the node and shows that traceback, and NaN gradients raise. Beyond
PyTorch, the backward-twice and modified-in-place errors also name where the node was
made and where the tensor was last changed in place."""
import os
import traceback
import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


class _Anomaly:
    """Process-wide, as PyTorch's: the record path reads ``enabled`` once per node."""
    __slots__ = ("enabled", "check_nan")

    def __init__(self):
        self.enabled = False
        self.check_nan = True


ANOMALY = _Anomaly()
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def is_anomaly_enabled():
    return ANOMALY.enabled


def is_anomaly_check_nan_enabled():
    return ANOMALY.check_nan


class _AnomalyMode:
    """Context managers only: PyTorch's are not decorators."""


class detect_anomaly(_AnomalyMode):
    """Context manager (and decorator) that turns anomaly detection on inside it."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        self.prev = ANOMALY.enabled
        self.prev_check_nan = ANOMALY.check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        ANOMALY.enabled, ANOMALY.check_nan = True, self.check_nan

    def __exit__(self, *exc):
        ANOMALY.enabled, ANOMALY.check_nan = self.prev, self.prev_check_nan
        return False


class set_detect_anomaly(_AnomalyMode):
    """Turns anomaly detection on or off at once; as a context manager, restores the
    previous setting on exit."""

    def __init__(self, mode, check_nan=True):
        self.prev = ANOMALY.enabled
        self.prev_check_nan = ANOMALY.check_nan
        ANOMALY.enabled, ANOMALY.check_nan = bool(mode), bool(check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        ANOMALY.enabled, ANOMALY.check_nan = self.prev, self.prev_check_nan
        return False


for _cls in (detect_anomaly, set_detect_anomaly):
    _cls.__module__ = "torch.autograd.anomaly_mode"


# ----- what the record path and the engine call while anomaly mode is on
def _user_frames():
    """The current stack without retrograd's own frames (PyTorch's traceback shows only
    the user's code, its ops being C++)."""
    frames = [f for f in traceback.extract_stack()[:-2]
              if not f.filename.startswith(_PACKAGE_DIR)]
    return traceback.StackSummary.from_list(frames)


CURRENT = [None]  # the node whose backward is running (anomaly mode only)


def record(node):
    """Keep the forward traceback on a node just recorded (PyTorch's metadata key), and,
    for a node recorded by a backward formula (create_graph), the node that ran it."""
    meta = node.metadata
    meta["traceback_"] = _user_frames().format()
    if CURRENT[0] is not None:
        meta["parent_"] = CURRENT[0]


_inplace_sites = {}  # id(version counter) -> (counter, version, "File ..., line N")


def record_inplace(tensor):
    """Remember where a storage was last changed in place (anomaly mode only)."""
    vc = tensor._vc
    if vc is None or not isinstance(vc, list):
        return
    frames = _user_frames()
    if frames:
        if len(_inplace_sites) > 10000:
            _inplace_sites.clear()
        _inplace_sites[id(vc)] = (vc, vc[0], _where(frames[-1]))


def _where(frame):
    return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}'


def _made_at(node):
    tb = node.metadata.get("traceback_") if node is not None else None
    if not tb:
        return None
    return tb[-1].strip().splitlines()[0]


def _user_stacklevel():
    """The stacklevel that attributes a warning to the user's line calling into us."""
    import sys
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


def check_nan(node, i, grad):
    import numpy as np
    data = grad._data
    if data.dtype.kind in "fc" and np.isnan(data).any():
        raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def report(node, exc):
    """A backward node failed: warn with the forward traceback of the node, as PyTorch
    does, and add where things happened to the errors that are about the graph's state."""
    from .graph import FREED_MSG
    if node is None or getattr(exc, "_anomaly_reported", False):
        return  # (an error from a nested backward is reported once, by the innermost)
    try:
        exc._anomaly_reported = True
    except AttributeError:
        pass
    tb = node.metadata.get("traceback_")
    if tb is not None:
        level = _user_stacklevel()
        warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused "
                      f"the error:\n{''.join(tb)}", stacklevel=level)
        parent = node.metadata.get("parent_")
        while parent is not None:
            ptb = parent.metadata.get("traceback_")
            if ptb is None:
                break
            warnings.warn(f"\n\nPrevious calculation was induced by {parent.name()}. Traceback "
                          f"of forward call that induced the previous calculation:\n"
                          f"{''.join(ptb)}", stacklevel=level)
            parent = parent.metadata.get("parent_")
    if not isinstance(exc, RuntimeError) or not exc.args or not isinstance(exc.args[0], str):
        return
    msg = exc.args[0]
    extra = []
    made = _made_at(node)
    if msg.startswith(FREED_MSG[:40]) and made:
        extra.append(f"The saved tensors of {node.name()} were freed by an earlier backward; "
                     f"it was created at {made}")
    elif msg.startswith("one of the variables needed for gradient computation"):
        if made:
            extra.append(f"{node.name()}, which saved the tensor, was created at {made}")
        site = _inplace_sites.get(id(getattr(exc, "_version_counter", None)))
        if site is not None and site[0] is exc._version_counter:
            extra.append(f"the tensor was last modified in place (to version {site[1]}) at "
                         f"{site[2]}")
    if extra:
        exc.args = (msg + "\n" + "\n".join(extra),) + exc.args[1:]
