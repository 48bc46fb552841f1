"""Third derivatives through every op of the table: gradgradcheck of each op's first
gradient (taken with create_graph=True) checks the derivatives of its backward formulas'
backward formulas, in float64 against finite differences."""
import zlib

import numpy as np
import pytest

import retrograd as rt
from retrograd.autograd import gradgradcheck

from opinfo import OPS, make_arrays, to_module

# the first sample of every op whose second derivative is nonzero (else third order is 0)
CASES = [pytest.param(o, id=o.name) for o in OPS if o.differentiable and o.second_order]


@pytest.mark.filterwarnings("ignore:Input #")
@pytest.mark.parametrize("op", CASES)
def test_third_derivatives(op):
    sample = op.samples[0]
    arrays = make_arrays(sample, op.domain, "float64", zlib.crc32(op.name.encode()))
    args = to_module(rt, sample, arrays)
    tensors = [a for a in args if isinstance(a, rt.Tensor) and a.requires_grad]
    out = op.op(rt, *args)
    v = rt.tensor(np.random.default_rng(0).standard_normal(tuple(out.shape)))

    def first_gradient(*xs):
        it = iter(xs)
        call = [next(it) if isinstance(a, rt.Tensor) and a.requires_grad else a for a in args]
        y = op.op(rt, *call)
        grads = rt.autograd.grad((y * v).sum(), list(xs), create_graph=True,
                                 allow_unused=True, materialize_grads=True)
        return tuple(grads)

    assert gradgradcheck(first_gradient, tensors, **op.check)
