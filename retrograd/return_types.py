"""PyTorch's named result tuples (``torch.return_types.max(values=..., indices=...)``):
tuples with named fields, printed the way PyTorch's structseqs print. Every one PyTorch
has is here (the linear-algebra ones too, for the ops that return them)."""

_VI = ("values", "indices")
_FIELDS = {
    "max": _VI, "min": _VI, "sort": _VI, "topk": _VI, "kthvalue": _VI, "median": _VI,
    "nanmedian": _VI, "mode": _VI, "cummax": _VI, "cummin": _VI, "aminmax": ("min", "max"),
    "frexp": ("mantissa", "exponent"), "histogram": ("hist", "bin_edges"),
    "histogramdd": ("hist", "bin_edges"), "geqrf": ("a", "tau"), "qr": ("Q", "R"),
    "svd": ("U", "S", "V"), "slogdet": ("sign", "logabsdet"), "lu_unpack": ("P", "L", "U"),
    "triangular_solve": ("solution", "cloned_coefficient"),
    "linalg_cholesky_ex": ("L", "info"), "linalg_eig": ("eigenvalues", "eigenvectors"),
    "linalg_eigh": ("eigenvalues", "eigenvectors"), "linalg_inv_ex": ("inverse", "info"),
    "linalg_ldl_factor": ("LD", "pivots"), "linalg_ldl_factor_ex": ("LD", "pivots", "info"),
    "linalg_lstsq": ("solution", "residuals", "rank", "singular_values"),
    "linalg_lu": ("P", "L", "U"), "linalg_lu_factor": ("LU", "pivots"),
    "linalg_lu_factor_ex": ("LU", "pivots", "info"), "linalg_qr": ("Q", "R"),
    "linalg_slogdet": ("sign", "logabsdet"), "linalg_solve_ex": ("result", "info"),
    "linalg_svd": ("U", "S", "Vh"),
}
# the out= overloads return the same fields under their own names
_FIELDS.update({f"{name}_out": fields for name, fields in list(_FIELDS.items())
                if name != "histogramdd"})

__all__ = list(_FIELDS)


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


globals().update({_name: _make(_name, _f) for _name, _f in _FIELDS.items()})
