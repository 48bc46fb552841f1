"""torch.func: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, functional_call and
vmap. Reverse mode runs the ordinary engine (on physical tensors inside vmap); forward mode
uses internal dual levels (nestable, unlike the public API); vmap batches primitives
(func/_batching.py), falling back to a per-example loop for those without a rule."""
from . import _batching as _b  # noqa: F401
from . import _rules
from ._batching import BatchedTensor, fallback_hits  # noqa: F401  (for introspection)
from ._vmap import vmap
from ._transforms import grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian
from ._transforms import _batched_grad  # noqa: F401  (autograd.functional inside vmap)
from ._module import functional_call

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian",
           "functional_call", "vmap"]

_fallback_ops = _rules.fallback_ops()  # primitives with no batching rule (per-example loop)
