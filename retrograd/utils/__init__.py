"""torch.utils: checkpointing, data loading, hooks."""
from . import checkpoint, data  # noqa: F401
