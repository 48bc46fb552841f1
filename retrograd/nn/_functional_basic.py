"""nn.functional: linear layers, dropout, embedding, one_hot; re-exports the activation,
normalisation/attention and loss families (_functional_act/_norm/_loss/_loss_extra)."""
import math
import warnings

import retrograd as _t

from ._functional_act import *  # noqa: F401,F403
from ._functional_act import __all__ as _act_all
from ._functional_loss import *  # noqa: F401,F403
from ._functional_loss import __all__ as _loss_all
from ._functional_loss_extra import *  # noqa: F401,F403
from ._functional_loss_extra import __all__ as _loss_extra_all
from ._functional_norm import *  # noqa: F401,F403
from ._functional_norm import __all__ as _norm_all

__all__ = ["linear", "bilinear", "dropout", "dropout1d", "dropout2d", "dropout3d",
           "alpha_dropout", "embedding", "one_hot", "gumbel_softmax", *_act_all, *_norm_all, *_loss_all,
           *_loss_extra_all]


def linear(input, weight, bias=None):
    """x @ W.T + b. With a bias, a 2-D (or contiguous, flattened to 2-D) input takes one
    fused addmm node, as PyTorch's graph shows (AddmmBackward0 over TBackward0)."""
    # (ranks read off the arrays once: dim() calls are what a tiny layer pays for)
    try:
        nd, wnd = input._data.ndim, weight._data.ndim
    except AttributeError:
        nd, wnd = input.dim(), weight.dim()  # not tensors: their own error, or duck types
    if nd == 0 or wnd == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{nd}D and {wnd}D")
    wt = weight.t()
    if bias is not None:
        if nd == 2:
            return _t.addmm(bias, input, wt)
        if bias.dim() == 1 and wt.dim() == 2 and input._data.flags.c_contiguous:
            rows = math.prod(input.shape[:-1])
            flat = _t.addmm(bias, input.view(rows, input.shape[-1]), wt)
            return flat.view(*input.shape[:-1], wt.shape[1])
    out = _t.matmul(input, wt)
    return out if bias is None else out + bias


def bilinear(input1, input2, weight, bias=None):
    out = _t.einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply_mask(input, mask_shape, p, inplace):
    """Zero with probability p (retrograd's RNG) over mask_shape, broadcast, scale 1/(1-p)."""
    keep = (_t.rand(*mask_shape, dtype=input.dtype) >= p).to(input.dtype)
    scale = keep / (1.0 - p) if p < 1.0 else keep
    return input.mul_(scale) if inplace else input * scale


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, tuple(input.shape), p, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    nd = input.dim()
    if nd not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. "
                           "Note that dropout1d exists to provide channel-wise dropout on "
                           "inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    if not training or p == 0.0:
        return input
    shape = tuple(input.shape[:-1]) + (1,)
    return _apply_mask(input, shape, p, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if not training or p == 0.0:
        return input
    nd = input.dim()
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-"
                      "wise 1D dropout behavior is desired - input is interpreted as shape (N, "
                      "C, L), where C is the channel dim. This behavior will change in a future "
                      "release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.")
    lead = 2 if nd in (3, 4) else 1
    shape = tuple(input.shape[:lead]) + (1,) * (nd - lead)
    return _apply_mask(input, shape, p, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if not training or p == 0.0:
        return input
    nd = input.dim()
    lead = 2 if nd == 5 else 1
    shape = tuple(input.shape[:lead]) + (1,) * (nd - lead)
    return _apply_mask(input, shape, p, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """SELU-preserving dropout (PyTorch's formula: dropped units take -alpha*scale, then an
    affine map restores mean 0 and variance 1)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input.mul_(0.0) if inplace else input * 0.0
    alpha_p = -1.7580993408473766  # -selu_alpha * selu_scale
    keep = (_t.rand(*input.shape, dtype=input.dtype) >= p).to(input.dtype)
    a = ((1 - p) * (1 + p * alpha_p ** 2)) ** -0.5
    b = (1 - keep) * (alpha_p * a) - alpha_p * a * p  # b = a*alpha_p*((1-keep) - p)
    src = input.clone() if inplace and input.requires_grad else input
    out = src * (keep * a) + b
    return input.copy_(out) if inplace else out


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = weight.size(0) + padding_idx
    if input.dtype not in (_t.int64, _t.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{_type_name(input)} instead (while checking arguments for "
                           "embedding)")
    flat = input.reshape(-1)
    if max_norm is not None:
        _embedding_renorm_(weight, flat, max_norm, norm_type)
    out = weight.index_select(0, flat).reshape(*input.shape, weight.size(1))
    if scale_grad_by_freq:  # each row's gradient divided by how often the batch names it
        counts = _t.zeros(weight.size(0), dtype=out.dtype).index_add(
            0, flat, _t.ones(flat.numel(), dtype=out.dtype))
        scale = (1.0 / counts.index_select(0, flat)).reshape(*input.shape, 1)
        frozen = out.detach()
        out = frozen + (out - frozen) * scale
    if padding_idx is not None:  # that row's entries get no gradient, as PyTorch
        out = _t.where((input == padding_idx).unsqueeze(-1), out.detach(), out)
    return out


def _type_name(t):
    return {_t.float32: "torch.FloatTensor", _t.float64: "torch.DoubleTensor",
            _t.float16: "torch.HalfTensor", _t.bool: "torch.BoolTensor"}.get(
                t.dtype, str(t.dtype))


def _embedding_renorm_(weight, flat, max_norm, norm_type):
    with _t.no_grad():
        rows = _t.tensor(sorted(set(flat.tolist())), dtype=_t.int64)
        if rows.numel() == 0:
            return
        sel = weight.index_select(0, rows)
        norms = _t.linalg.vector_norm(sel, norm_type, dim=1, keepdim=True)
        factor = _t.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight.index_copy_(0, rows, sel * factor)


def one_hot(tensor, num_classes=-1):
    if tensor.dtype is not _t.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(tensor.max()) + 1
    if tensor.numel() and int(tensor.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if tensor.numel() and int(tensor.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == _t.arange(num_classes)).long()


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """Softmax of (logits + Gumbel noise) / tau from retrograd's RNG; hard=True returns the
    one-hot argmax with the soft sample's gradient (straight-through), as PyTorch."""
    from ._functional_act import softmax
    gumbels = -_t.log(-_t.log(_t.rand(*logits.shape, dtype=logits.dtype)))
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = _t.zeros_like(y_soft).scatter(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
