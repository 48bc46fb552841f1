"""torch.nn.functional: re-exports the functional ops, built from retrograd primitives."""
from ._functional_basic import *  # noqa: F401,F403  activations, softmax, losses, norms, attention
from ._functional_conv import *  # noqa: F401,F403  convolution, pooling, padding, interpolation
