"""torch.utils's autograd-related parts: checkpoint."""
from . import checkpoint  # noqa: F401
