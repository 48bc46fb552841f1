"""torch.nn on retrograd: modules, ``functional``, ``init`` and ``utils``. Re-exports only."""
from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
