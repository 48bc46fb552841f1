"""nn.functional normalisation (layer/batch/group/instance norm, normalize), distances and
scaled dot-product attention, composed from retrograd ops."""
import math

import retrograd as _t

__all__ = ["layer_norm", "batch_norm", "group_norm", "instance_norm", "rms_norm",
           "normalize", "cosine_similarity", "pairwise_distance", "cdist",
           "scaled_dot_product_attention"]


def _normalized(x, dims, eps):
    var, mean = _t.var_mean(x, dim=dims, correction=0, keepdim=True)
    return (x - mean) * _t.rsqrt(var + eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    normalized_shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                        else tuple(normalized_shape))
    k = len(normalized_shape)
    if tuple(input.shape[input.dim() - k:]) != normalized_shape or input.dim() < k:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size"
            f"{tuple(input.shape)!r}".replace("(", "[").replace(")", "]").replace(",]", "]"))
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(normalized_shape)}")
    out = _normalized(input, tuple(range(-k, 0)), eps)
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def rms_norm(input, normalized_shape, weight=None, eps=None):
    normalized_shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                        else tuple(normalized_shape))
    if eps is None:
        eps = _t.finfo(input.dtype).eps if hasattr(_t, "finfo") else (
            1.1920928955078125e-07 if input.dtype is _t.float32 else 2.220446049250313e-16)
    dims = tuple(range(-len(normalized_shape), 0))
    out = input * _t.rsqrt((input * input).mean(dim=dims, keepdim=True) + eps)
    return out if weight is None else out * weight


def _channel_shape(input):
    return (1, -1) + (1,) * (input.dim() - 2)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    shape = _channel_shape(input)
    if training:
        size = input.numel() // input.size(1)
        if size == 1:
            raise ValueError("Expected more than 1 value per channel when training, got "
                             f"input size {input.shape}")
        dims = (0,) + tuple(range(2, input.dim()))
        var, mean = _t.var_mean(input, dim=dims, correction=0)
        if running_mean is not None or running_var is not None:
            with _t.no_grad():
                if running_mean is not None:
                    running_mean.mul_(1 - momentum).add_(mean.detach() * momentum)
                if running_var is not None:
                    unbiased = var.detach() * (size / (size - 1))
                    running_var.mul_(1 - momentum).add_(unbiased * momentum)
    else:
        for name, t in (("running_mean", running_mean), ("running_var", running_var)):
            if t is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
        mean, var = running_mean, running_var
    out = (input - mean.reshape(shape)) * _t.rsqrt(var.reshape(shape) + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    shape = _channel_shape(input)
    dims = tuple(range(2, input.dim()))
    if use_input_stats:
        var, mean = _t.var_mean(input, dim=dims, correction=0, keepdim=True)
        if running_mean is not None or running_var is not None:
            size = input.numel() // (input.size(0) * input.size(1))
            with _t.no_grad():
                if running_mean is not None:
                    m = mean.detach().reshape(input.size(0), -1).mean(0)
                    running_mean.mul_(1 - momentum).add_(m * momentum)
                if running_var is not None:
                    v = var.detach().reshape(input.size(0), -1).mean(0) * (size / (size - 1))
                    running_var.mul_(1 - momentum).add_(v * momentum)
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (input - mean) * _t.rsqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    grouped = input.reshape(n, num_groups, -1)
    out = _normalized(grouped, (2,), eps).reshape(input.shape)
    shape = _channel_shape(input)
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = _t.linalg.vector_norm(input, p, dim=dim, keepdim=True).clamp_min(eps)
    result = input / denom.expand_as(input)
    if out is not None:
        return out.copy_(result)
    return result


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    x1, x2 = _t.broadcast_tensors(x1, x2)
    n1 = _t.linalg.vector_norm(x1, 2, dim=dim, keepdim=True).clamp_min(eps)
    n2 = _t.linalg.vector_norm(x2, 2, dim=dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    dim = max(x1.dim(), x2.dim(), 1) - 1
    return _t.linalg.vector_norm(x1 - x2 + eps, p, dim=dim, keepdim=keepdim)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    return _t.cdist(x1, x2, p, compute_mode)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """PyTorch's documented reference: softmax(q k^T * scale + bias) v."""
    L, S = query.size(-2), key.size(-2)
    scale_factor = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    if enable_gqa:
        key = key.repeat_interleave(query.size(-3) // key.size(-3), -3)
        value = value.repeat_interleave(query.size(-3) // value.size(-3), -3)
    scores = _t.matmul(query, key.transpose(-2, -1)) * scale_factor
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not "
                               "be set when is_causal=True")
        causal = _t.ones(L, S, dtype=_t.bool).tril()
        scores = scores.masked_fill(causal.logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype is _t.bool:
            scores = scores.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            scores = scores + attn_mask
    # PyTorch's safe softmax: a row whose every score is masked attends to nothing (zeros)
    dead = (scores == float("-inf")).all(-1, keepdim=True)
    scores = _t.where(dead, 0.0, scores)
    weights = _t.where(dead, 0.0, _t.exp(scores - _t.logsumexp(scores, -1, keepdim=True)))
    if dropout_p > 0.0:
        from ._functional_basic import dropout
        weights = dropout(weights, dropout_p, True)
    return _t.matmul(weights, value)
