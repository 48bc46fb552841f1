"""Activation primitives with PyTorch's nodes (HardtanhBackward0, EluBackward0, GeluBackward0,
...). Where PyTorch's backward is a kernel of its own (hardtanh_backward, elu_backward,
gelu_backward, ...) it is a primitive here too, taking (grad, input) so that double
backward shows PyTorch's *BackwardBackward0 node; silu, mish and hardsigmoid have
composite backward formulas, as PyTorch's do."""
import math

import numpy as np

import retrograd as _t
from ..ops.primitive import primitive, ELEMENTWISE, PROMOTE
from ..ops import special_kernels as _sk

__all__ = ["hardtanh", "leaky_relu", "elu", "celu", "gelu", "silu", "mish", "softplus",
           "hardsigmoid", "hardswish", "log_sigmoid"]

_SQRT1_2 = 1 / math.sqrt(2.0)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_K = math.sqrt(2 / math.pi)
_C = 0.044715


def _floating(fn):
    """A kernel with NumPy's float warnings off (PyTorch returns inf/nan silently); half
    precision computes in float32 and rounds once, as PyTorch's opmath does."""
    def kernel(xp, *args):
        arrays = [a for a in args if isinstance(a, np.ndarray)]
        dt = arrays[0].dtype if arrays else None
        if dt == np.float16:
            args = [a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args]
        with np.errstate(all="ignore"):
            out = fn(xp, *args)
        return out.astype(dt, copy=False) if dt is not None and dt.kind == "f" else out
    return kernel


def _zeros(t):
    return _t.zeros_like(t)


def _unary_with_backward(name, node, bwd_node, kernel, dkernel, d2, *, head_node=None):
    """An activation f and its backward kernel b(g, x) = g * f'(x), both primitives; b's
    derivative in x is g * f''(x) (``d2(gg, g, x, *params)`` in Tensor ops)."""
    bwd = primitive(
        f"{name}_backward", bwd_node, forward=_floating(lambda xp, g, x, *p: g * dkernel(xp, x, *p)),
        vjp=(lambda gg, g, x, out, *p: bwd(gg, x, *p),
             lambda gg, g, x, out, *p: d2(gg, g, x, *p)),
        jvp=ELEMENTWISE, dtypes=PROMOTE)
    fwd = primitive(name, node, forward=_floating(kernel),
                    vjp=(lambda g, x, out, *p: bwd(g, x, *p),), jvp=ELEMENTWISE)
    return fwd, bwd


# ----- piecewise linear: the backward's derivative in x is zero
def _inside(xp, x, lo, hi):
    return ((x > lo) & (x < hi)).astype(x.dtype)


hardtanh, hardtanh_backward = _unary_with_backward(
    "hardtanh", "HardtanhBackward0", "HardtanhBackwardBackward0",
    lambda xp, x, lo, hi: xp.minimum(xp.maximum(x, lo), hi),
    _inside, lambda gg, g, x, lo, hi: _zeros(gg))

leaky_relu, leaky_relu_backward = _unary_with_backward(
    "leaky_relu", "LeakyReluBackward0", "LeakyReluBackwardBackward0",
    lambda xp, x, slope: xp.where(x > 0, x, x * slope),
    lambda xp, x, slope: xp.where(x > 0, 1, slope).astype(x.dtype),
    lambda gg, g, x, slope: _zeros(gg))
leaky_relu_inplace = leaky_relu.variant("LeakyReluBackward1")

hardswish, hardswish_backward = _unary_with_backward(
    "hardswish", "HardswishBackward0", "HardswishBackwardBackward0",
    lambda xp, x: x * xp.minimum(xp.maximum(x + 3, 0), 6) / 6,
    lambda xp, x: xp.where(x <= -3, 0, xp.where(x < 3, x / 3 + 0.5, 1)).astype(x.dtype),
    lambda gg, g, x: _t.where((x > -3) & (x < 3), gg * g / 3, 0.0))


# ----- elu family: elu, selu (scale) and celu (input_scale) share elu_backward
def _elu_kernel(xp, x, alpha, scale, input_scale):
    neg = xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale)
    return xp.where(x > 0, x * scale, neg)


def _elu_d(xp, x, alpha, scale, input_scale):
    neg = xp.exp(xp.minimum(x, 0) * input_scale) * (alpha * scale * input_scale)
    return xp.where(x > 0, scale, neg)


def _elu_d2(gg, g, x, alpha, scale, input_scale):
    curve = (x.clamp(max=0) * input_scale).exp() * (alpha * scale * input_scale ** 2)
    return _t.where(x > 0, 0.0, gg * g * curve)


elu, elu_backward = _unary_with_backward(
    "elu", "EluBackward0", "EluBackwardBackward0", _elu_kernel, _elu_d, _elu_d2)
celu = elu.variant("CeluBackward0")
# the in-place forms' nodes (PyTorch's elu_ / celu_ / leaky_relu_ name them apart)
elu_inplace = elu.variant("EluBackward1")
celu_inplace = elu.variant("CeluBackward1")


# ----- smooth ones
def _gelu_kernel(xp, x, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1 + xp.tanh(_K * (x + _C * x * x * x)))
    return x * 0.5 * (1 + _sk.erf(x * _SQRT1_2).astype(x.dtype))


def _gelu_d(xp, x, approximate):
    if approximate == "tanh":
        x2 = x * x
        t = xp.tanh(_K * (x + _C * x2 * x))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * (_K * (1 + 3 * _C * x2))
    cdf = 0.5 * (1 + _sk.erf(x * _SQRT1_2).astype(x.dtype))
    return cdf + x * xp.exp(-0.5 * x * x) * _INV_SQRT_2PI


def _gelu_d2(gg, g, x, approximate):
    if approximate == "tanh":
        x2 = x * x
        t = _t.tanh((x + x2 * x * _C) * _K)
        s = 1 - t * t
        du = (x2 * (3 * _C) + 1) * _K
        d2 = s * du - x * t * s * du * du + x * s * (x * (3 * _C * _K))
        return gg * g * d2
    pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
    return gg * g * (pdf * (2 - x * x))


gelu, gelu_backward = _unary_with_backward(
    "gelu", "GeluBackward0", "GeluBackwardBackward0", _gelu_kernel, _gelu_d, _gelu_d2)


def _softplus_kernel(xp, x, beta, threshold):
    z = x * beta
    return xp.where(z > threshold, x, xp.logaddexp(0, z) / beta)


def _softplus_d(xp, x, beta, threshold):
    z = x * beta
    return xp.where(z > threshold, 1, 1 / (1 + xp.exp(-z))).astype(x.dtype)


def _softplus_d2(gg, g, x, beta, threshold):
    s = _t.sigmoid(x * beta)
    return _t.where(x * beta > threshold, 0.0, gg * g * (s * (1 - s) * beta))


softplus, softplus_backward = _unary_with_backward(
    "softplus", "SoftplusBackward0", "SoftplusBackwardBackward0", _softplus_kernel,
    _softplus_d, _softplus_d2)


def _log_sigmoid_kernel(xp, x):
    if not x.flags.c_contiguous:  # (PyTorch's log_sigmoid writes a fresh contiguous buffer)
        x = xp.ascontiguousarray(x)
    return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))


def _log_sigmoid_d(xp, x):
    e = xp.exp(-xp.abs(x))  # sigmoid(-x), without overflow on either side
    return xp.where(x >= 0, e / (1 + e), 1 / (1 + e))


def _log_sigmoid_d2(gg, g, x):
    s = _t.sigmoid(x)
    return gg * g * (s * (s - 1))


log_sigmoid, log_sigmoid_backward = _unary_with_backward(
    "log_sigmoid", "LogSigmoidBackward0", "LogSigmoidBackwardBackward0", _log_sigmoid_kernel,
    _log_sigmoid_d, _log_sigmoid_d2)


# ----- composite backward formulas (PyTorch's are too)
def _sigmoid(xp, x):
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _silu_vjp(g, x, out):
    s = _t.sigmoid(x)
    return g * s * (1 + x * (1 - s))


silu = primitive("silu", "SiluBackward0",
                 forward=_floating(lambda xp, x: x * _sigmoid(xp, x)),
                 vjp=(_silu_vjp,), jvp=ELEMENTWISE)


def _mish_vjp(g, x, out):
    t = _t.tanh(_t.nn.functional.softplus(x))
    return g * (t + x * _t.sigmoid(x) * (1 - t * t))


mish = primitive("mish", "MishBackward0",
                 forward=_floating(lambda xp, x: x * xp.tanh(xp.logaddexp(0, x))),
                 vjp=(_mish_vjp,), jvp=ELEMENTWISE)

_SIXTH = float(np.float32(1 / 6))  # PyTorch's hardsigmoid gradient: 1/6 as a float, any dtype
hardsigmoid = primitive(
    "hardsigmoid", "HardsigmoidBackward0",
    forward=_floating(lambda xp, x: xp.minimum(xp.maximum(x + 3, 0), 6) / 6),
    vjp=(lambda g, x, out: _t.where((x > -3) & (x < 3), g * _SIXTH, 0.0),), jvp=ELEMENTWISE)
