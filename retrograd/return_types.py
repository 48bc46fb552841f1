"""PyTorch's named result tuples (``torch.return_types.max(values=..., indices=...)``):
tuples with named fields, printed the way PyTorch's structseqs print."""

__all__ = ["max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "mode",
           "cummax", "cummin", "aminmax"]

_FIELDS = {"aminmax": ("min", "max")}


def _make(name, fields):
    def __new__(cls, sequence):
        values = tuple(sequence)
        if len(values) != len(fields):
            raise TypeError(f"torch.return_types.{name}() takes a {len(fields)}-sequence "
                            f"({len(values)}-sequence given)")
        return tuple.__new__(cls, values)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))

    ns = {"__new__": __new__, "__repr__": __repr__, "__reduce__": __reduce__,
          "__slots__": (), "__module__": "torch.return_types",
          "n_fields": len(fields), "n_sequence_fields": len(fields),
          "n_unnamed_fields": 0}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    cls = type(name, (tuple,), ns)
    cls.__qualname__ = name
    return cls


for _name in __all__:
    globals()[_name] = _make(_name, _FIELDS.get(_name, ("values", "indices")))
del _name
