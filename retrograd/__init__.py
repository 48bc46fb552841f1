"""retrograd: PyTorch's define-by-run autograd on NumPy. ``import retrograd as torch``.
This module is the public namespace, mirroring ``torch``: re-exports only."""
from . import dtypes as _dtypes
from .dtypes import (dtype, float16, float32, float64, int8, int16, int32, int64, uint8,
                     get_default_dtype, set_default_dtype, promote_types, result_type)
from .tensor import Tensor, Size, device, is_tensor, numel, is_floating_point, is_inference
from . import ops as _ops
from .ops import *  # noqa: F401,F403  every op family's public functions (ops.FAMILIES)
from .ops import (where, clone, exp, log, sin, cos, tanh, sigmoid, relu, sqrt, abs, neg,
                  reciprocal, sign, eq, ne, lt, le, gt, ge, view, reshape, flatten, transpose,
                  t, permute, unsqueeze, squeeze, expand, select, sum, mean, matmul, mm, bmm,
                  mv, dot)
from .ops.pointwise import add_fn as add, sub_fn as sub, mul_fn as mul, div_fn as div, pow
from ._creation import (tensor, as_tensor, from_numpy, zeros, ones, full, empty, zeros_like,
                        ones_like, full_like, empty_like, arange, linspace, eye, scalar_tensor)
from .random import (Generator, manual_seed, seed, initial_seed, rand, randn, randint, normal,
                     get_rng_state, set_rng_state, default_generator, randperm, rand_like,
                     randn_like, randint_like)
from . import autograd
from . import linalg
from . import nn, optim  # noqa: E402,F401
from .nn._functional_act import (_torch_softmax as softmax,  # noqa: E402,F401
                                 _torch_log_softmax as log_softmax)
from .autograd import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled,
                       inference_mode, is_inference_mode_enabled)
from .autograd.anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled
from ._printing import set_printoptions, get_printoptions
from .ops.inplace import zero_, fill_  # noqa: E402,F401  (torch.zero_(t), torch.fill_(t, v))
from . import utils
from .serialization import save, load  # noqa: E402

bool = _dtypes.bool_
half = float16
float = float32
double = float64
short = int16
int = int32
long = int64

true_divide = div
negative = neg
multiply = mul
subtract = sub
divide = div


__version__ = "0.1.0"

# torch.autograd.forward_ad / .functional and torch.func need the ops: loaded last
from .autograd import forward_ad as _forward_ad, functional as _functional  # noqa: E402,F401
from . import func  # noqa: E402,F401
from .func import vmap  # noqa: E402,F401  (torch.vmap)
