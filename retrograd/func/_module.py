"""functional_call: a module called with some of its parameters and buffers replaced."""


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """Call ``module`` with its parameters and buffers replaced by the given tensors (by
    dotted name), restoring them afterwards (torch.func.functional_call)."""
    if isinstance(parameter_and_buffer_dicts, dict):
        merged = dict(parameter_and_buffer_dicts)
    else:
        merged = {}
        for d in parameter_and_buffer_dicts:
            for k, v in d.items():
                if k in merged:
                    raise ValueError(f"{k} appeared in multiple dictionaries; behavior of "
                                     "functional call is ambiguous")
                merged[k] = v
    if strict:
        names = set()
        for getter in ("named_parameters", "named_buffers"):
            if hasattr(module, getter):
                names.update(n for n, _ in getattr(module, getter)())
        missing = sorted(names - set(merged))
        unexpected = sorted(set(merged) - names)
        if missing or unexpected:
            msg = [f"Error(s) in reparametrizing for {type(module).__name__}:"]
            if unexpected:
                msg.append("\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
            if missing:
                msg.append("\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
            raise RuntimeError("\n".join(msg))
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    saved = []
    try:
        for name, value in merged.items():
            *path, last = name.split(".")
            obj = module
            for p in path:
                obj = getattr(obj, p)
            saved.append((obj, last, obj.__dict__.get(last, _MISSING) if hasattr(obj, "__dict__")
                          else _MISSING, getattr(obj, last, _MISSING)))
            _setattr(obj, last, value)
        return module(*args, **(kwargs or {}))
    finally:
        for obj, last, own, old in reversed(saved):
            if old is _MISSING:
                try:
                    delattr(obj, last)
                except AttributeError:
                    pass
            else:
                _setattr(obj, last, old)


_MISSING = object()


def _setattr(obj, name, value):
    # a module's own containers (nn.Module's _parameters/_buffers) take precedence
    for store in ("_parameters", "_buffers"):
        d = getattr(obj, "__dict__", {}).get(store)
        if isinstance(d, dict) and name in d:
            d[name] = value
            return
    object.__setattr__(obj, name, value) if not hasattr(type(obj), "__setattr__") or \
        type(obj).__setattr__ is object.__setattr__ else setattr(obj, name, value)
