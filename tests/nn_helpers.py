"""Shared by the nn tests: build a module in both libraries with the same weights."""
import numpy as np

import retrograd


def copy_weights(src, dst, lib):
    """Load src's state_dict (other library) into dst (built with lib)."""
    state = {k: lib.tensor(np.array(v.detach().numpy())) for k, v in src.state_dict().items()}
    return dst.load_state_dict(state)


def to_np(t):
    return np.array(t.detach().numpy())


def pair(torch, factory, seed=0):
    """The same module in retrograd and torch, retrograd's weights copied from torch's."""
    torch.manual_seed(seed)
    ref = factory(torch)
    ours = factory(retrograd)
    copy_weights(ref, ours, retrograd)
    return ours, ref


def inputs(torch, *arrays, requires_grad=True):
    """The same input arrays as tensors of both libraries."""
    ours = [retrograd.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f")
            for a in arrays]
    ref = [torch.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f")
           for a in arrays]
    return ours, ref


def flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    return [] if out is None else [out]


def check_same(ours, ref, ours_in, ref_in, *call_args, rtol=1e-4, atol=1e-5, grads=True,
               kwargs_o=None, kwargs_r=None):
    """Compare outputs and gradients (of inputs and parameters) of the two modules; tensor
    keyword arguments go in kwargs_o / kwargs_r (their gradients are compared too)."""
    kwargs_o, kwargs_r = kwargs_o or {}, kwargs_r or {}
    out_o = flat(ours(*ours_in, *call_args, **kwargs_o))
    out_r = flat(ref(*ref_in, *call_args, **kwargs_r))
    ours_in = list(ours_in) + flat(list(kwargs_o.values()))
    ref_in = list(ref_in) + flat(list(kwargs_r.values()))
    assert len(out_o) == len(out_r)
    for a, b in zip(out_o, out_r):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(to_np(a), to_np(b), rtol=rtol, atol=atol)
    if not grads:
        return
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(tuple(b.shape)).astype(np.float32) for b in out_r]
    loss_o = sum((a * retrograd.tensor(w)).sum() for a, w in zip(out_o, weights)
                 if a.requires_grad)
    loss_r = sum((b * b.new_tensor(w)).sum() for b, w in zip(out_r, weights)
                 if b.requires_grad)
    loss_o.backward()
    loss_r.backward()
    for a, b in zip(ours_in, ref_in):
        if b.grad is not None:
            np.testing.assert_allclose(to_np(a.grad), to_np(b.grad), rtol=rtol, atol=atol)
    po = dict(ours.named_parameters())
    for name, p in ref.named_parameters():
        if p.grad is None:
            assert po[name].grad is None, name
        else:
            np.testing.assert_allclose(to_np(po[name].grad), to_np(p.grad), rtol=rtol,
                                       atol=atol, err_msg=name)
