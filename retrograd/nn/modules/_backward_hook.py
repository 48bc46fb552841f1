"""Full backward hooks of a Module: identity autograd.Functions around the module's tensor
inputs and outputs catch grad_output and grad_input, as PyTorch's BackwardHook does."""
import warnings

from ...tensor import Tensor
from ...autograd import Function


class BackwardHookFunction(Function):
    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *grads):
        return ctx.callback(grads)


def _tensors(args):
    return [i for i, a in enumerate(args) if isinstance(a, Tensor)]


class BackwardHook:
    def __init__(self, module, hooks, pre_hooks=()):
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_tensors_index = None

    def _wrap(self, args, callback, materialize):
        """Route args' tensors through an identity Function whose backward calls callback.
        PyTorch's grad_input has zeros for inputs that don't require grad (materialized),
        its grad_output None for outputs that got no gradient (not materialized)."""
        import retrograd as _torch
        index = _tensors(args)
        tensors = [args[i] for i in index]
        if not (_torch.is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return args, None
        # a class per call (its backward closes over this call's hooks), under PyTorch's name
        _Fn = type("BackwardHookFunction", (BackwardHookFunction,), {})

        def fn(grads):
            res = callback(tuple(grads))
            return grads if res is None else res

        def forward(ctx, *args):
            ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
            ctx.set_materialize_grads(materialize)
            return args

        _Fn.forward = staticmethod(forward)
        _Fn.backward = staticmethod(lambda ctx, *grads: fn(grads))
        new = _Fn.apply(*tensors)
        if not isinstance(new, tuple):
            new = (new,)
        args = list(args)
        for i, t in zip(index, new):
            args[i] = t
        return tuple(args), index

    def setup_input_hook(self, args):
        self.n_inputs = len(args)

        def on_grad_input(grads):
            grad_inputs = [None] * self.n_inputs
            for i, g in zip(self.input_tensors_index, grads):
                grad_inputs[i] = g
            grad_inputs = tuple(grad_inputs)
            for hook in self.hooks:
                res = hook(self.module, grad_inputs, self.grad_outputs)
                if res is None:
                    continue
                if len(res) != len(grad_inputs):
                    raise RuntimeError("Backward hook returned an invalid number of grad_input,"
                                       f" got {len(res)}, but expected {len(grad_inputs)}")
                grad_inputs = tuple(res)
            self.grad_outputs = None
            return tuple(grad_inputs[i] for i in self.input_tensors_index)

        new_args, self.input_tensors_index = self._wrap(args, on_grad_input, True)
        return new_args

    def setup_output_hook(self, result):
        single = not isinstance(result, tuple)
        outs = (result,) if single else result

        def on_grad_output(grads):
            grads = tuple(grads)
            changed = False
            for hook in self.pre_hooks:
                res = hook(self.module, grads)
                if res is None:
                    continue
                if len(res) != len(grads):
                    raise RuntimeError("Backward pre hook returned an invalid number of "
                                       f"grad_output, got {len(res)}, but expected "
                                       f"{len(grads)}")
                grads, changed = tuple(res), True
            self.grad_outputs = grads
            if self.input_tensors_index is None and self.hooks:
                warnings.warn(
                    "Full backward hook is firing when gradients are computed with respect to "
                    "module outputs since no inputs require gradients. See "
                    "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                    "#torch.nn.Module.register_full_backward_hook for more details.",
                    stacklevel=5)
                grad_inputs = (None,) * self.n_inputs
                for hook in self.hooks:
                    res = hook(self.module, grad_inputs, self.grad_outputs)
                    if res is not None and not (isinstance(res, tuple)
                                                and all(r is None for r in res)):
                        raise RuntimeError(
                            "Backward hook for Modules where no input requires gradient "
                            "should always return None or None for all gradients.")
                self.grad_outputs = None
            return grads if changed else None

        new, _ = self._wrap(outs, on_grad_output, False)
        return new[0] if single else new
