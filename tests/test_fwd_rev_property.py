"""Property: on random compositions of ops, the Jacobian built by forward mode (one JVP per
input direction) equals the one built by reverse mode (one VJP per output direction)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import retrograd as rt
from retrograd.autograd.functional import jacobian

# (name, function of the running value x and the second input w, both of shape (3,))
STEPS = [
    ("sin", lambda x, w: rt.sin(x)),
    ("tanh", lambda x, w: rt.tanh(x)),
    ("exp_scaled", lambda x, w: rt.exp(0.3 * x)),
    ("mul", lambda x, w: x * w),
    ("add_sq", lambda x, w: x + w * w),
    ("div", lambda x, w: x / (1.5 + w * w)),
    ("sigmoid", lambda x, w: rt.sigmoid(x)),
    ("softplus_like", lambda x, w: rt.log1p(rt.exp(x))),
    ("cumsum", lambda x, w: rt.cumsum(x, 0)),
    ("flip", lambda x, w: rt.flip(x, (0,))),
    ("outer_sum", lambda x, w: (x[:, None] * w[None, :]).sum(1)),
    ("matmul", lambda x, w: rt.stack([x, w, x * w]) @ w),
    ("maximum", lambda x, w: rt.maximum(x, w + 0.05)),
    ("sort", lambda x, w: rt.sort(x + 0.01 * rt.arange(3.0)).values),
    ("norm", lambda x, w: x * rt.linalg.vector_norm(w) if hasattr(rt, "linalg") else x),
    ("logsumexp", lambda x, w: x - rt.logsumexp(x, 0)),
    ("roll_cat", lambda x, w: rt.cat([x[1:], x[:1]]) * w),
    ("gather", lambda x, w: rt.gather(x, 0, rt.tensor([2, 0, 1]))),
    ("clamp", lambda x, w: rt.clamp(x, -0.9, 0.9)),
    ("pow", lambda x, w: (x * x + 0.5) ** 1.5),
]


@pytest.mark.filterwarnings("ignore:vmap")  # sort reads values: a per-example fallback
@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.sampled_from(range(len(STEPS))), min_size=1, max_size=5),
       seed=st.integers(0, 2 ** 16))
def test_forward_and_reverse_jacobians_agree(steps, seed):
    rng = np.random.default_rng(seed)
    x0 = rt.tensor(rng.uniform(-1, 1, 3))
    w0 = rt.tensor(rng.uniform(-1, 1, 3))

    def f(x, w):
        for k in steps:
            x = STEPS[k][1](x, w)
        return x

    rev = jacobian(f, (x0, w0))
    fwd = jacobian(f, (x0, w0), vectorize=True, strategy="forward-mode")
    for a, b in zip(rev, fwd):
        np.testing.assert_allclose(a._data, b._data, rtol=1e-10, atol=1e-12,
                                   err_msg=" -> ".join(STEPS[k][0] for k in steps))
