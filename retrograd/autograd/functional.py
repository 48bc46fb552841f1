"""Higher-level differentiation helpers: vjp, jvp, jacobian, hessian, hvp and vhp.

Public behaviour (signatures, argument meaning, how results nest, error texts) follows
``torch.autograd.functional``; the implementation is retrograd's own.

Every entry point works the same way:

* the caller's ``inputs`` (a Tensor or a tuple of Tensors) become a tuple plus a flag that
  says whether to hand back a bare Tensor at the end (``_pack`` / ``_unpack``);
* the inputs are cut from any outside graph (or, with ``create_graph``, aliased so the
  result stays differentiable w.r.t. them) and marked as requiring grad;
* the user function runs under grad mode and the needed vector products are taken with
  the engine; gradients that come back as ``None`` become zeros, or strict-mode errors;
* unless ``create_graph`` is set, everything returned is detached.

Forward products (jvp, hvp) use the "double backward" trick: the VJP is linear in its
seed, so differentiating it w.r.t. a dummy zero seed gives the JVP.  Jacobians are stacked
VJP rows (or vmap over one VJP with ``vectorize=True``), or, for the forward-mode strategy,
vmap over ``retrograd.func.jvp`` with basis tangents.  The Hessian is the Jacobian of the
gradient.
"""
from ..tensor import Tensor
from .grad_mode import enable_grad, set_grad_enabled, is_grad_enabled
from . import forward_ad as fwAD

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]

_FWD_MSG = {
    "strict": 'torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` '
              'are not supported together (yet). Please either set `strict=False` or '
              '`strategy="reverse-mode"`.',
    "create_graph": 'torch.autograd.functional.jacobian: `create_graph=True` and `strategy='
                    '"forward-mode"` are not supported together (yet). Please either set '
                    '`create_graph=False` or `strategy="reverse-mode"`.',
    "loop": "Computing Jacobian using forward-AD or forward-over-reverse Hessian isonly "
            "implemented for `vectorize=True`.",
}

# Strict-mode complaints, keyed by what was found to be missing or constant.
_STRICT_MSG = {
    "output_no_grad": "Output {i} of the user-provided function does not require gradients. "
                      "The outputs must be computed in a differentiable manner from the input "
                      "when running in strict mode.",
    "unused_input": "The output of the user-provided function is independent of input {i}. "
                    "This is not allowed in strict mode.",
    "unused_seed": "The gradient with respect to the input is independent of entry {i} in the "
                   "grad_outputs when using the double backward trick to compute forward mode "
                   "gradients. This is not allowed in strict mode.",
    "grad_const": "The gradient with respect to input {i} is independent of the inputs of the "
                  "user-provided function. This is not allowed in strict mode.",
    "jac_unused_input": "The jacobian of the user-provided function is independent of input "
                        "{i}. This is not allowed in strict mode.",
    "hess_unused_seed": "The hessian of the user-provided function is independent of entry {i} "
                        "in the grad_jacobian. This is not allowed in strict mode as it "
                        "prevents from using the double backward trick to replace forward "
                        "mode AD.",
    "jac_const": "While computing the hessian, found that the jacobian of the user-provided "
                 "function with respect to input {i} is independent of the input. This is not "
                 "allowed in strict mode. You should ensure that your function is twice "
                 "differentiable and that the jacobian depends on the inputs (this would be "
                 "violated by a linear function for example).",
    "hess_const": "The hessian of the user-provided function with respect to input {i} is "
                  "independent of the input. This is not allowed in strict mode. You should "
                  "ensure that your function is thrice differentiable and that the hessian "
                  "depends on the inputs.",
    "no_graph": "The {what} of the user-provided function is independent of input {i}. This "
                "is not allowed in strict mode when create_graph=True.",
    "entry_unused": "Output {i} of the user-provided function is independent of input {j}. "
                    "This is not allowed in strict mode.",
}

_OUT = "outputs of the user-provided function"


def _strict_error(key, **fmt):
    return RuntimeError(_STRICT_MSG[key].format(**fmt))


# ---------------------------------------------------------------- packing and unpacking

def _pack(value, what, caller):
    """``(tensors, was_tuple)``: a lone Tensor becomes a 1-tuple; anything else is refused."""
    if isinstance(value, tuple):
        for i, t in enumerate(value):
            if not isinstance(t, Tensor):
                raise TypeError(f"The {what} given to {caller} must be either a Tensor or a "
                                f"tuple of Tensors but the value at index {i} has type "
                                f"{type(t)}.")
        return value, True
    if not isinstance(value, Tensor):
        raise TypeError(f"The {what} given to {caller} must be either a Tensor or a tuple of "
                        f"Tensors but the given {what} has type {type(value)}.")
    return (value,), False


def _unpack(items, was_tuple):
    return items if was_tuple else items[0]


def _unpack2(grid, outer_tuple, inner_tuple):
    """A sequence (per output) of sequences (per input), unwrapped level by level."""
    if not inner_tuple:
        grid = tuple(row[0] for row in grid)
    return _unpack(grid, outer_tuple)


def _cut(t):
    """``t.detach()``, except that live forward-mode tangents are kept (needed when the outer
    jacobian of hessian runs in forward mode)."""
    if getattr(t, "_fw", None) and fwAD._live_tangents(t):
        from .grad_mode import no_grad
        from ..ops.shape import alias_p
        with no_grad():
            return alias_p(t)
    return t.detach()


def _prepare(tensors, create_graph, requires_grad=True):
    """Fresh leaves to differentiate against; with ``create_graph`` a differentiable alias of
    an input that already requires grad, so results stay connected to the caller's graph."""
    return tuple(t.view_as(t) if create_graph and t.requires_grad
                 else _cut(t).requires_grad_(requires_grad) for t in tensors)


def _finish(x, create_graph):
    """Detach (recursively through tuples) unless a graph was asked for."""
    if isinstance(x, Tensor):
        return x if create_graph else _cut(x)
    return tuple(_finish(e, create_graph) for e in x)


# ---------------------------------------------------------------- checks

def _check_differentiable(tensors, strict, key):
    """Strict mode: each tensor must exist and require grad (``key`` names the complaint)."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise _strict_error("unused_input", i=i)
        if not t.requires_grad:
            raise _strict_error(key, i=i)


def _zeros_for_missing(grads, like, strict, create_graph, missing_key, what):
    """Replace ``None`` gradients by zeros shaped like ``like`` (errors in strict mode)."""
    from .._creation import zeros_like
    out = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise _strict_error(missing_key, i=i)
            g = zeros_like(like[i])
        elif strict and create_graph and not g.requires_grad:
            raise _strict_error("no_graph", what=what, i=i)
        out.append(g)
    return tuple(out)


def _seed(v, against, against_tuple, create_graph, caller, what_is_single):
    """Check and prepare the user's vector ``v`` (``against``: the tensors it pairs with)."""
    if v is None:
        if len(against) != 1 or against[0].nelement() != 1:
            raise RuntimeError(f"The vector v can only be None if {what_is_single} a single "
                               "Tensor with a single element.")
        return None
    v, _ = _pack(v, "v", caller)
    v = _prepare(v, create_graph, requires_grad=False)
    if len(v) != len(against):
        if against_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(against)} but "
                               f"got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, against)):
        if a.size() != b.size():
            where = f"Entry {i} in " if against_tuple else ""
            raise RuntimeError(f"{where}v has invalid size: should be {b.size()} but got "
                               f"{a.size()}.")
    return v


_IN_SINGLE = "the input to the user-provided function is"
_OUT_SINGLE = "the user-provided function returns"


# ---------------------------------------------------------------- engine access

def _backprop(outputs, wrt, seeds=None, create_graph=False, retain_graph=None):
    """Gradients of ``outputs`` w.r.t. ``wrt``, ``None`` for each one unreached. Outputs that
    do not require grad are skipped; inside vmap the batched engine path is taken."""
    from . import grad as _grad
    if seeds is None:
        seeds = (None,) * len(outputs)
    pairs = [(o, s) for o, s in zip(outputs, seeds) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(wrt)
    outs = tuple(o for o, _ in pairs)
    seeds = tuple(s for _, s in pairs)
    if any(hasattr(t, "_lv") for t in outs + tuple(wrt) + seeds):
        from ..func import _batched_grad
        return _batched_grad(outs, wrt, seeds, create_graph, retain_graph)
    return _grad(outs, wrt, seeds, allow_unused=True, create_graph=create_graph,
                 retain_graph=retain_graph)


def _second_phase(create_graph):
    """Grad mode for the final products: on when a graph is wanted, else as the caller had."""
    return set_grad_enabled(bool(create_graph) or is_grad_enabled())


def _dummy_seed(t):
    """A zero tensor requiring grad, like ``t`` (per example inside vmap): the variable the
    double-backward trick differentiates against."""
    from .._creation import zeros_like
    return zeros_like(t, requires_grad=True)


# ---------------------------------------------------------------- vjp / jvp

def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """Return ``(func(inputs), v^T J)``."""
    with enable_grad():
        inputs, in_tuple = _pack(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph)
        outputs, out_tuple = _pack(func(*inputs), _OUT, "vjp")
        _check_differentiable(outputs, strict, "output_no_grad")
        v = _seed(v, outputs, out_tuple, create_graph, "vjp", _OUT_SINGLE)
    with _second_phase(create_graph):
        res = _backprop(outputs, inputs, v, create_graph=create_graph)
        res = _zeros_for_missing(res, inputs, strict, create_graph, "unused_input", "jacobian")
    return (_unpack(_finish(outputs, create_graph), out_tuple),
            _unpack(_finish(res, create_graph), in_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """Return ``(func(inputs), J v)`` (by differentiating a VJP w.r.t. its seed)."""
    with enable_grad():
        inputs, in_tuple = _pack(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph)
        v = _seed(v, inputs, in_tuple, create_graph, "jvp", _IN_SINGLE)
        outputs, out_tuple = _pack(func(*inputs), _OUT, "jvp")
        _check_differentiable(outputs, strict, "output_no_grad")
        u = tuple(_dummy_seed(o) for o in outputs)
        u_t_j = _backprop(outputs, inputs, u, create_graph=True)
        _check_differentiable(u_t_j, strict, "grad_const")
    with _second_phase(create_graph):
        res = _backprop(u_t_j, u, v, create_graph=create_graph)
        res = _zeros_for_missing(res, outputs, strict, create_graph, "unused_seed", "jacobian")
    return (_unpack(_finish(outputs, create_graph), out_tuple),
            _unpack(_finish(res, create_graph), out_tuple))


# ---------------------------------------------------------------- jacobian

def _basis(tensors):
    """Rows of the identity over all elements of ``tensors``, cut into one column block per
    tensor: block k has shape (total, numel_k) and the dtype of tensor k."""
    from .._creation import eye
    sizes = [t.numel() for t in tensors]
    full = eye(sum(sizes), dtype=tensors[0].dtype)
    blocks, start = [], 0
    for t, n in zip(tensors, sizes):
        blocks.append(full[:, start:start + n].to(t.dtype).contiguous())
        start += n
    return tuple(blocks), sizes


def _chunks(t, sizes):
    """Split ``t`` along dim 0 into pieces of the given lengths."""
    out, start = [], 0
    for n in sizes:
        out.append(t[start:start + n])
        start += n
    return out


def _stack_rows(rows, like):
    """Differentiable stack along a new dim 0 (empty: a (0, *like.shape) zero tensor)."""
    if not rows:
        from .._creation import zeros
        return zeros((0,) + tuple(like.shape), dtype=like.dtype)
    from ..func._batching import _stacker
    return _stacker(len(rows))(*rows)


def _jacobian_forward(func, inputs, strict, vectorize):
    """Columns of the Jacobian: vmap of a forward-mode JVP over basis tangents."""
    from ..func import vmap, jvp as func_jvp
    if strict:
        raise RuntimeError(_FWD_MSG["strict"])
    inputs, in_tuple = _pack(inputs, "inputs", "jacobian")
    if not vectorize:
        raise NotImplementedError(_FWD_MSG["loop"])
    tangents, in_sizes = _basis(inputs)
    seen = {}

    def column(*tangent):
        def packed_func(*args):
            outs, seen["tuple"] = _pack(func(*args), "outputs", None)
            return outs
        primals, tangent_out = func_jvp(packed_func, tuple(inputs),
                                        tuple(t.view_as(x) for t, x in zip(tangent, inputs)))
        seen["outputs"] = primals
        return tuple(tangent_out)

    per_output = vmap(column)(*tangents)       # each: (total_in, *out.shape)
    grid = []
    for cols, out in zip(per_output, seen["outputs"]):
        row = []
        for block, x in zip(_chunks(cols, in_sizes), inputs):
            moved = block.permute(*range(1, block.ndim), 0)   # batch dim last
            row.append(moved.reshape((*out.shape, *x.shape)))
        grid.append(row)
    return _unpack2(grid, seen["tuple"], in_tuple)   # lists here, as PyTorch returns them


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: entry [i][j] has shape
    ``outputs[i].shape + inputs[j].shape`` (levels unwrapped where no tuple was used)."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                             'Hint: If your function has more outputs than inputs, "forward-mode" '
                             'tends to be more performant. Otherwise, prefer to use '
                             '"reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(_FWD_MSG["create_graph"])
        return _jacobian_forward(func, inputs, strict, vectorize)

    with enable_grad():
        inputs, in_tuple = _pack(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph)
        outputs, out_tuple = _pack(func(*inputs), _OUT, "jacobian")
        _check_differentiable(outputs, strict, "output_no_grad")
        if vectorize:
            if strict:
                raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                                   "`vectorized=True` are not supported together. Please "
                                   "either set `strict=False` or `vectorize=False`.")
            grid = _jacobian_rows_vmapped(outputs, inputs, create_graph)
        else:
            grid = tuple(_jacobian_rows_looped(i, out, inputs, strict, create_graph)
                         for i, out in enumerate(outputs))
        return _unpack2(_finish(grid, create_graph), out_tuple, in_tuple)


def _jacobian_rows_looped(i, out, inputs, strict, create_graph):
    """The blocks d out / d inputs[j] for one output, one VJP per element of ``out``."""
    from .._creation import zeros_like
    rows = [[] for _ in inputs]
    flat = out.reshape(-1)
    for e in range(out.nelement()):
        grads = _backprop((flat[e],), inputs, retain_graph=True, create_graph=create_graph)
        for j, (g, x) in enumerate(zip(grads, inputs)):
            if g is None:
                if strict:
                    raise _strict_error("entry_unused", i=i, j=j)
                g = zeros_like(x)
            elif strict and create_graph and not g.requires_grad:
                raise _strict_error("no_graph", what="jacobian", i=i)
            rows[j].append(g)
    return tuple(_stack_rows(r, x).view(out.size() + x.size()) for r, x in zip(rows, inputs))


def _jacobian_rows_vmapped(outputs, inputs, create_graph):
    """All VJP rows at once: vmap over basis seeds of the flattened outputs."""
    from .._creation import zeros_like
    from ..func import vmap
    seeds, out_sizes = _basis(outputs)
    flat_outputs = tuple(o.reshape(-1) for o in outputs)

    def row(*seed):
        grads = _backprop(flat_outputs, inputs, seed, create_graph=create_graph,
                          retain_graph=True)
        return tuple(zeros_like(x) if g is None else g for g, x in zip(grads, inputs))

    per_input = vmap(row)(*seeds)               # each: (total_out, *x.shape)
    by_input = [[block.reshape(out.shape + x.shape)
                 for block, out in zip(_chunks(rows, out_sizes), outputs)]
                for rows, x in zip(per_input, inputs)]
    return tuple(zip(*by_input))                # output-major


# ---------------------------------------------------------------- second order

def _scalar_output(out_tuple, outputs, caller):
    if out_tuple or not isinstance(outputs[0], Tensor):
        raise RuntimeError(f"The function given to {caller} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {caller} should "
                           "contain a single element")


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: the Jacobian of its (differentiable) gradient."""
    inputs, in_tuple = _pack(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*args):
        out = func(*args)
        outs, out_tuple = _pack(out, _OUT, "hessian")
        _check_differentiable(outs, strict, "output_no_grad")
        _scalar_output(out_tuple, outs, "hessian")
        return out.squeeze()

    def gradient(*args):
        if outer_jacobian_strategy == "forward-mode":
            args = tuple(a.requires_grad_(True) for a in args)
        g = jacobian(scalar_func, args, create_graph=True)
        _check_differentiable(g, strict, "jac_const")
        return g

    res = jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _unpack2(res, in_tuple, in_tuple)


def _gradient_of_scalar(func, inputs, v, create_graph, strict, caller):
    """Shared first half of vhp/hvp: prepared inputs, checked v, the scalar output and its
    gradient (with a graph, to be differentiated again)."""
    inputs, in_tuple = _pack(inputs, "inputs", caller)
    inputs = _prepare(inputs, create_graph)
    v = _seed(v, inputs, in_tuple, create_graph, caller, _IN_SINGLE)
    outputs, out_tuple = _pack(func(*inputs), _OUT, caller)
    _check_differentiable(outputs, strict, "output_no_grad")
    _scalar_output(out_tuple, outputs, caller)
    grad = _backprop(outputs, inputs, create_graph=True)
    _check_differentiable(grad, strict, "jac_const")
    return inputs, in_tuple, v, outputs, out_tuple, grad


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """Return ``(func(inputs), v^T H)`` for a scalar function."""
    with enable_grad():
        inputs, in_tuple, v, outputs, out_tuple, grad = _gradient_of_scalar(
            func, inputs, v, create_graph, strict, "vhp")
    with _second_phase(create_graph):
        res = _backprop(grad, inputs, v, create_graph=create_graph)
        res = _zeros_for_missing(res, inputs, strict, create_graph, "jac_unused_input",
                                 "hessian")
    return (_unpack(_finish(outputs, create_graph), out_tuple),
            _unpack(_finish(res, create_graph), in_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """Return ``(func(inputs), H v)`` for a scalar function (double-backward trick on the
    gradient)."""
    with enable_grad():
        inputs, in_tuple, v, outputs, out_tuple, grad = _gradient_of_scalar(
            func, inputs, v, create_graph, strict, "hvp")
        u = tuple(_dummy_seed(x) for x in inputs)
        u_t_h = _backprop(grad, inputs, u, create_graph=True)
        _check_differentiable(grad, strict, "hess_const")
    with _second_phase(create_graph):
        res = _backprop(u_t_h, u, v, create_graph=create_graph)
        res = _zeros_for_missing(res, inputs, strict, create_graph, "hess_unused_seed",
                                 "hessian")
    return (_unpack(_finish(outputs, create_graph), out_tuple),
            _unpack(_finish(res, create_graph), in_tuple))
