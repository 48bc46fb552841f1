"""The softmax family and negative log-likelihood as primitives, with PyTorch's nodes
(LogSoftmaxBackward0, SoftmaxBackward0, NllLossBackward0, NllLoss2DBackward0) and their
backward kernels as primitives too, so that double backward shows PyTorch's
LogSoftmaxBackwardDataBackward0 / NllLossBackwardBackward0; plus their vmap rules."""
import numpy as np

from ..ops.primitive import primitive, LINEAR

__all__ = ["log_softmax_p", "softmax_p", "log_softmax_backward_data",
           "softmax_backward_data", "nll_loss_p", "nll_loss2d_p", "nll_loss_backward",
           "nll_loss2d_backward", "batching_rules"]


_FAST = (np.dtype(np.float32), np.dtype(np.float64))


def _along(fn):
    """Run a kernel over ``dim`` of an array that may be 0-d (a 1-element dim of its own);
    half precision computes in float32, rounding once, as PyTorch's accumulation does; the
    result is contiguous whatever the input's layout, as PyTorch's."""
    def kernel(xp, *args):
        a = args[0]
        # the common case, no copies or conversions (tested by hand, not with all() over a
        # generator: this runs for every loss of every training step)
        if a.dtype in _FAST and a.ndim and a.flags.c_contiguous and \
                (len(args) == 2 or args[1].flags.c_contiguous):
            return fn(xp, *args)
        *arrays, dim = args
        dt = a.dtype
        scalar = a.ndim == 0
        if scalar:
            arrays = [x.reshape(1) for x in arrays]
        if dt == np.float16:
            arrays = [x.astype(np.float32) for x in arrays]
        arrays = [np.ascontiguousarray(x) for x in arrays]  # PyTorch's are contiguous
        out = fn(xp, *arrays, dim).astype(dt, copy=False)
        return out.reshape(()) if scalar else out
    return kernel


# The reductions the array methods (.max(), .sum(), .all()) call, without their wrapper's
# Python frame: the loss runs a dozen NumPy calls on small arrays every training step.
_max_reduce, _add_reduce, _all = np.maximum.reduce, np.add.reduce, np.logical_and.reduce
_ROWS = {}


def _rows(n):
    """np.arange(n) (row indices to pick labels with), kept read-only per batch size."""
    rows = _ROWS.get(n)
    if rows is None:
        if len(_ROWS) > 64:
            _ROWS.clear()
        rows = _ROWS[n] = np.arange(n)
        rows.flags.writeable = False
    return rows


def _row_max(a, dim):
    """a's max along dim, keeping it. For rows of up to 32 along the last dim of a
    matrix (a classifier's logits) NumPy's reduction runs its inner loop once per row;
    reducing a transposed copy runs it once per class, 2x faster. max is exact, so the
    value is the same; the sign of a zero max may differ when a row holds both +0 and
    -0.0, which no result can show (a - m is then +-0 only where exp gives 1 either way,
    and the row's exp-sum is >= 2). A NaN or inf max is recomputed the usual way: which
    NaN a row with several gives back depends on the order."""
    if a.ndim == 2 and dim == 1 and 0 < a.shape[1] <= 32:
        m = _max_reduce(a.T.copy(), axis=0)
        if _all(np.isfinite(m), axis=None):
            return m.reshape(-1, 1), True
    m = a.max(dim, keepdims=True)
    return m, bool(_all(np.isfinite(m), axis=None))


def _shifted(xp, a, dim):
    """a minus its max along dim, in a fresh array (as PyTorch's kernels: a row with +inf,
    or all -inf, becomes nan); whether the max was finite (NumPy's float warnings are then
    impossible)."""
    m, finite = _row_max(a, dim)
    if finite:
        return np.subtract(a, m), True
    with np.errstate(all="ignore"):
        return np.subtract(a, m), False


def _quiet(fn):
    """NumPy's float warnings off where they can arise: a non-finite gradient (PyTorch
    returns nan/inf silently). (isfinite over the array, not over its sum: summing +inf
    and -inf warns 'invalid value' itself.)"""
    def kernel(xp, g, *args):
        if not _all(np.isfinite(g), axis=None):
            with np.errstate(all="ignore"):
                return fn(xp, g, *args)
        return fn(xp, g, *args)
    return kernel


def _lsm_from_shifted(s, dim):
    """s - log(sum(exp(s))) along dim, s being the shifted input, written into s."""
    e = np.exp(s)
    total = _add_reduce(e, axis=dim, keepdims=True)
    return np.subtract(s, np.log(total, out=total), out=s)


def _log_softmax_kernel(xp, a, dim):
    if a.shape[dim] == 0:  # nothing to normalize (and no log of an empty sum to warn)
        return np.empty(a.shape, a.dtype)
    s, finite = _shifted(xp, a, dim)
    if finite:  # every exp is of a value <= 0, its sum >= 1: nothing to warn about
        return _lsm_from_shifted(s, dim)
    with np.errstate(all="ignore"):
        return _lsm_from_shifted(s, dim)


def _sm_from_shifted(s, dim):
    e = np.exp(s, out=s)
    return np.divide(e, _add_reduce(e, axis=dim, keepdims=True), out=e)


def _softmax_kernel(xp, a, dim):
    if a.shape[dim] == 0:
        return np.empty(a.shape, a.dtype)
    s, finite = _shifted(xp, a, dim)
    if finite:
        return _sm_from_shifted(s, dim)
    with np.errstate(all="ignore"):
        return _sm_from_shifted(s, dim)


@_quiet
def _lsm_bwd_kernel(xp, g, out, dim):
    e = np.exp(out)  # g - exp(out) * sum(g), the temporaries reused
    np.multiply(e, _add_reduce(g, axis=dim, keepdims=True), out=e)
    return np.subtract(g, e, out=e)


@_quiet
def _sm_bwd_kernel(xp, g, out, dim):
    go = g * out
    t = np.multiply(out, _add_reduce(go, axis=dim, keepdims=True))
    return np.subtract(go, t, out=go)


def _sum(t, dim):
    return t.sum(dim, keepdim=True)


log_softmax_p = primitive(
    "log_softmax", "LogSoftmaxBackward0", forward=_along(_log_softmax_kernel),
    vjp=(lambda g, a, out, dim: log_softmax_backward_data(g, out, dim),),
    jvp=lambda t, a, out, dim: t - _sum(out.exp() * t, dim),
    vjp_data=(lambda g, a, out, dim: log_softmax_backward_data.forward(np, g, out, dim),))

softmax_p = primitive(
    "softmax", "SoftmaxBackward0", forward=_along(_softmax_kernel),
    vjp=(lambda g, a, out, dim: softmax_backward_data(g, out, dim),),
    jvp=lambda t, a, out, dim: softmax_backward_data(t, out, dim))


def _lsm_bwd_jvp(tg, tout, g, out, res, dim):
    terms = []
    if tg is not None:
        terms.append(log_softmax_backward_data(tg, out, dim))
    if tout is not None:
        terms.append(-(out.exp() * tout * _sum(g, dim)))
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


# f(g, y) = g - exp(y) * sum(g): its adjoint in g is gg - sum(gg * exp(y))
log_softmax_backward_data = primitive(
    "log_softmax_backward_data", "LogSoftmaxBackwardDataBackward0",
    forward=_along(_lsm_bwd_kernel),
    vjp=(lambda gg, g, out, res, dim: gg - _sum(gg * out.exp(), dim),
         lambda gg, g, out, res, dim: -(gg * out.exp() * _sum(g, dim))),
    jvp=_lsm_bwd_jvp)


def _sm_bwd_jvp(tg, tout, g, out, res, dim):
    terms = []
    if tg is not None:
        terms.append(softmax_backward_data(tg, out, dim))
    if tout is not None:
        terms.append(tout * (g - _sum(g * out, dim)) - out * _sum(g * tout, dim))
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


# f(g, y) = y * (g - sum(g * y)): symmetric in g, so its own adjoint there
softmax_backward_data = primitive(
    "softmax_backward_data", "SoftmaxBackwardDataBackward0",
    forward=_along(_sm_bwd_kernel),
    vjp=(lambda gg, g, out, res, dim: softmax_backward_data(gg, out, dim),
         lambda gg, g, out, res, dim: gg * (g - _sum(g * out, dim)) - g * _sum(gg * out, dim)),
    jvp=_sm_bwd_jvp)


# ----- nll_loss: the class dim is 1 (0 for a 1-d input); target and weight are parameters
# (integer labels and per-class weights are never differentiated)

def _picks(x, target, weight, ignore_index):
    """(labels safe to index with, per-element weights with 0 where ignored)."""
    t = target._data
    cls = 1 if x.ndim >= 2 else 0
    n_cls = x.shape[cls]
    # one pass when every label is a class (negatives wrap to huge as unsigned) and the
    # ignored label is none of them: nothing to mask
    in_range = not t.size or int(_max_reduce(t.view(np.uint64), axis=None)) < n_cls
    if in_range and not 0 <= ignore_index < n_cls:
        all_valid, safe = True, t
    else:
        valid = t != ignore_index
        all_valid = valid.all()
        safe = t if all_valid else np.where(valid, t, 0)
        if safe.size and (safe.min() < 0 or safe.max() >= n_cls):
            bad = safe[(safe < 0) | (safe >= n_cls)].reshape(-1)[0]
            raise IndexError(f"Target {int(bad)} is out of bounds.")
    if weight is None:
        w = None if all_valid else valid.astype(x.dtype)
    else:
        w = weight._data.astype(x.dtype, copy=False)[safe]
        if not all_valid:
            w = w * valid
    return safe, w, cls


def _at_labels(x, safe, cls):
    """The index picking x's entry at each label along the class dim."""
    if x.ndim == 2:
        return _rows(x.shape[0]), safe
    if x.ndim == 1:
        return (safe,)
    idx = list(np.indices(safe.shape, sparse=True))
    idx.insert(cls, safe)
    return tuple(idx)


def _total_weight(w, safe, dtype):
    return np.asarray(safe.size if w is None else w.sum(), dtype=dtype)


def _nll_kernel(xp, x, target, weight, reduction, ignore_index):
    safe, w, cls = _picks(x, target, weight, ignore_index)
    picked = x[_at_labels(x, safe, cls)]
    loss = -picked if w is None else -(picked * w)
    if reduction == "none":
        return loss
    total = _add_reduce(loss, axis=None, dtype=x.dtype)
    if reduction == "sum":
        return total
    if w is None and safe.size:
        return total / x.dtype.type(safe.size)
    with np.errstate(all="ignore"):  # every target ignored: nan, as PyTorch
        return total / _total_weight(w, safe, x.dtype)


def _nll_bwd_kernel(xp, g, x, target, weight, reduction, ignore_index):
    dt = g.dtype
    safe, w, cls = _picks(x, target, weight, ignore_index)
    if reduction == "none":  # times -w, as PyTorch: a NaN gradient keeps its sign bit
        coef = g * dt.type(-1) if w is None else g * -w
    else:
        coef = -g if w is None else -(g * w)
    if reduction == "mean":
        if w is None and safe.size:  # (the common case: a scalar divide, no 0-d array)
            coef = coef / dt.type(safe.size)
        else:
            total = _total_weight(w, safe, dt)
            coef = coef / total if total else coef * 0
    out = xp.zeros(x.shape, dt)
    out[_at_labels(x, safe, cls)] = coef
    return out


# The backward scatters -w*g at the labels; its adjoint gathers there: nll_loss itself.
# It reads the input only for its shape (PyTorch's takes it too: the double-backward node
# has an edge to it, with a zero gradient). A 4-d input is PyTorch's nll_loss2d: the same
# kernels under its node names.
def _nll_vjp(g, x, out, target, weight, reduction, ignore_index):
    prim = nll_loss2d_backward if x.dim() == 4 else nll_loss_backward
    return prim(g, x, target, weight, reduction, ignore_index)


def _nll_bwd_vjp(gg, g, x, out, target, weight, reduction, ignore_index):
    prim = nll_loss2d_p if x.dim() == 4 else nll_loss_p
    return prim(gg, target, weight, reduction, ignore_index)


def _nll_bwd_jvp(tg, tx, g, x, out, target, weight, reduction, ignore_index):
    if tg is None:
        return _zeros(out)
    prim = nll_loss2d_backward if x.dim() == 4 else nll_loss_backward
    return prim(tg, x, target, weight, reduction, ignore_index)


def _zeros(t):
    from .._creation import zeros_like
    return zeros_like(t)


nll_loss_p = primitive("nll_loss", "NllLossBackward0", forward=_nll_kernel, vjp=(_nll_vjp,),
                       jvp=LINEAR, vjp_data=(lambda g, x, out, *params:
                                             _nll_bwd_kernel(np, g, x, *params),))
nll_loss2d_p = nll_loss_p.variant("NllLoss2DBackward0")
nll_loss_backward = primitive(
    "nll_loss_backward", "NllLossBackwardBackward0", forward=_nll_bwd_kernel,
    vjp=(_nll_bwd_vjp, lambda gg, g, x, out, *params: _zeros(x)), jvp=_nll_bwd_jvp)
nll_loss2d_backward = nll_loss_backward.variant("NllLoss2DBackwardBackward0")


# ----- vmap: batch dims go in front; nll folds them into the batch of examples and
# reduces per example itself

def batching_rules():
    """name -> rule, for func/_rules.py (imported there: func loads after nn)."""
    from ..func._batching import expand_to, BatchedTensor, unwrap, sizes, _loop
    from .._creation import tensor as _tensor

    def softmax_fwd(prim, args, lv):
        a, dim = args
        if a.dim() == 0:
            return _loop(prim, args, lv)
        return prim(expand_to(a, lv), dim + len(lv))

    def softmax_bwd(prim, args, lv):
        g, out, dim = args
        if out.dim() == 0:
            return _loop(prim, args, lv)
        return prim(expand_to(g, lv), expand_to(out, lv), dim + len(lv))

    def physical_target(target, lv):
        """The labels as an array with every batch dim in front."""
        if type(target) is BatchedTensor:
            return expand_to(target, lv)._data
        bs = sizes()
        t = unwrap(target)[0]._data
        return np.broadcast_to(t, tuple(bs[x] for x in lv) + t.shape)

    def folded(x, target, lv):
        """x and its labels with the batch dims folded into one leading dim of examples
        (into the N dim when the input has one)."""
        nb = len(lv)
        px = expand_to(x, lv)
        batch = tuple(px.shape[:nb])
        t = physical_target(target, lv)
        if x.dim() >= 2:
            fx = px.reshape((-1,) + tuple(px.shape[nb + 1:]))
            ft = t.reshape((-1,) + t.shape[nb + 1:])
        else:
            fx = px.reshape((-1, px.shape[-1]))
            ft = t.reshape(-1)
        return fx, np.ascontiguousarray(ft), batch, t

    def per_example_weight(t, weight, ignore_index, nb, dtype):
        valid = t != ignore_index
        w = valid.astype(dtype) if weight is None else \
            weight._data.astype(dtype)[np.where(valid, t, 0)] * valid
        return w.reshape(t.shape[:nb] + (-1,)).sum(-1)

    def nll(prim, args, lv):
        x, target, weight, reduction, ignore_index = args
        if type(weight) is BatchedTensor or x.dim() == 0:
            return _loop(prim, args, lv)
        nb = len(lv)
        fx, ft, batch, t = folded(x, target, lv)
        out = prim(fx, _tensor(ft), weight, "none", ignore_index)
        out = out.reshape(batch + tuple(t.shape[nb:]))
        if reduction == "none":
            return out
        total = out.reshape(batch + (-1,)).sum(-1)
        if reduction == "sum":
            return total
        # an example whose targets are all ignored: nan, with a zero gradient (PyTorch's)
        tw = per_example_weight(t, weight, ignore_index, nb, fx._data.dtype)
        dead = tw == 0
        with np.errstate(all="ignore"):
            scale = np.where(dead, 0, 1 / tw).astype(tw.dtype)
        return total * _tensor(scale) + _tensor(np.where(dead, np.nan, 0).astype(tw.dtype))

    def nll_bwd(prim, args, lv):
        g, x, target, weight, reduction, ignore_index = args
        if type(weight) is BatchedTensor or x.dim() == 0:
            return _loop(prim, args, lv)
        nb = len(lv)
        fx, ft, batch, t = folded(x, target, lv)
        logical = t.shape[nb:]
        if reduction == "none":
            pg = expand_to(g, lv)
        else:
            pg = expand_to(g, lv).reshape(batch + (1,) * len(logical)).expand(t.shape)
            if reduction == "mean":
                tw = per_example_weight(t, weight, ignore_index, nb, pg._data.dtype)
                with np.errstate(all="ignore"):
                    scale = np.where(tw == 0, 0, 1 / tw).reshape(batch + (1,) * len(logical))
                pg = pg * _tensor(scale.astype(pg._data.dtype))
        out = prim(pg.reshape(ft.shape), fx, _tensor(ft), weight, "none", ignore_index)
        return out.reshape(batch + tuple(x.shape))

    return {"log_softmax": softmax_fwd, "softmax": softmax_fwd,
            "log_softmax_backward_data": softmax_bwd, "softmax_backward_data": softmax_bwd,
            "nll_loss": nll, "nll_loss_backward": nll_bwd}
