"""Small pytrees for torch.func: tuples, lists and dicts of leaves, flattened and rebuilt,
and in_dims/out_dims matched against them."""


def _flatten(x):
    if isinstance(x, (tuple, list)):
        leaves, specs = [], []
        for v in x:
            lv, sp = _flatten(v)
            leaves += lv
            specs.append(sp)
        return leaves, (type(x), specs)
    if isinstance(x, dict):
        leaves, specs = [], []
        for k, v in x.items():
            lv, sp = _flatten(v)
            leaves += lv
            specs.append((k, sp))
        return leaves, (dict, specs)
    return [x], None


def _unflatten(leaves, spec):
    it = iter(leaves)

    def build(sp):
        if sp is None:
            return next(it)
        kind, subs = sp
        if kind is dict:
            return {k: build(s) for k, s in subs}
        return kind(build(s) for s in subs)
    return build(spec)


def _spec_str(spec):
    if spec is None:
        return "*"
    kind, subs = spec
    if kind is dict:
        return "{" + ", ".join(f"{k!r}: {_spec_str(s)}" for k, s in subs) + "}"
    inner = ", ".join(_spec_str(s) for s in subs)
    return f"({inner},)" if kind is tuple and len(subs) == 1 else \
        (f"({inner})" if kind is tuple else f"[{inner}]")


def _broadcast_dims(dims, spec):
    """in_dims/out_dims given for a (sub)tree: one value per leaf, or None on mismatch."""
    if spec is None:
        return [dims] if not isinstance(dims, (tuple, list, dict)) else None
    if not isinstance(dims, (tuple, list, dict)):
        return [dims] * _count_leaves(spec)
    kind, subs = spec
    if kind is dict:
        if not isinstance(dims, dict) or set(dims) != {k for k, _ in subs}:
            return None
        parts = [_broadcast_dims(dims[k], s) for k, s in subs]
    else:
        if isinstance(dims, dict) or len(dims) != len(subs):
            return None
        parts = [_broadcast_dims(d, s) for d, s in zip(dims, subs)]
    if any(p is None for p in parts):
        return None
    return [d for p in parts for d in p]


def _count_leaves(spec):
    if spec is None:
        return 1
    return sum(_count_leaves(s if spec[0] is not dict else s[1]) for s in spec[1])


def _name(func):
    return getattr(func, "__name__", repr(func))
