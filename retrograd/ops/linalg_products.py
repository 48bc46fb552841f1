"""Products built on the matrix kernels of ops/linalg.py: outer, inner, kron, multi_dot,
vecdot, vdot, the fused "add a product" primitives (addmm, addmv, baddbmm, addbmm) and
cross, with PyTorch's graphs, dtype checks and error texts."""
import numpy as np

from .primitive import primitive, broadcast_shapes, PROMOTE
from .pointwise import mul_scalar
from .linalg import (mm, mv, bmm, dot_p, _fmt, _add_tangents, grad_mat1, grad_mat2,
                     grad_mat1_data, grad_mat2_data,
                     product_layout)
from . import shape as _shape
from .. import dtypes as _dt


# ----- outer, inner, kron, multi_dot, vecdot


def outer(input, vec2):
    for x, name in ((input, "self"), (vec2, "vec2")):
        if x.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {x.ndim}-D")
    return input.reshape(input.shape[0], 1) * vec2  # PyTorch's graph: MulBackward0(View)


def inner(input, other):
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(input.shape)} and {list(other.shape)}")
    from .linalg_einsum import tensordot
    return tensordot(input, other, ([-1], [-1]))


def kron(input, other):
    """PyTorch's kron: both operands viewed with interleaved unit dims, multiplied, and
    the product viewed back (UnsafeView, Mul, UnsafeView)."""
    nd = max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + tuple(input.shape)
    sb = (1,) * (nd - other.ndim) + tuple(other.shape)
    ra = tuple(x for s in sa for x in (s, 1))
    rb = tuple(x for s in sb for x in (1, s))
    a = _shape.unsafe_view_p(input, ra, input._data.shape)
    b = _shape.unsafe_view_p(other, rb, other._data.shape)
    # (PyTorch's last view fails when its TensorIterator gives the product a non-contiguous
    # layout, for some non-contiguous operands; retrograd computes those products)
    prod = a * b
    return _shape.unsafe_view_p(prod, tuple(x * y for x, y in zip(sa, sb)), prod._data.shape)


def multi_dot(tensors):
    """linalg.multi_dot: 1-D ends as a row/column, the cheapest order of mm's (PyTorch's
    rule for three, the textbook chain order for more), the result viewed to its shape."""
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    ts = list(tensors)
    out_shape = []
    if ts[0].ndim == 1:
        ts[0] = ts[0].unsqueeze(0)
    elif ts[0].ndim == 2:
        out_shape.append(ts[0].shape[0])
    else:
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {ts[0].ndim}D")
    if ts[-1].ndim == 1:
        ts[-1] = ts[-1].unsqueeze(-1)
    elif ts[-1].ndim == 2:
        out_shape.append(ts[-1].shape[1])
    else:
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {ts[-1].ndim}D")
    for i in range(1, n - 1):
        if ts[i].ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {ts[i].ndim}D")
    for i in range(1, n):
        if ts[i].dtype is not ts[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 "
                               f"is {ts[0].dtype._cname} and tensor {i} {ts[i].dtype._cname}")
        if ts[i - 1].shape[-1] != ts[i].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{list(tensors[i - 1].shape)} and {list(tensors[i].shape)} cannot "
                               "be multiplied")
    if n == 2:
        out = mm(ts[0], ts[1])
    elif n == 3:
        a, b = ts[0].shape[0], ts[1].shape[0]
        c, d = ts[2].shape
        if a * c * (b + d) > b * d * (a + c):
            out = mm(ts[0], mm(ts[1], ts[2]))
        else:
            out = mm(mm(ts[0], ts[1]), ts[2])
    else:
        p = [t.shape[0] for t in ts] + [ts[-1].shape[1]]
        cost = [[0] * n for _ in range(n)]
        split = [[0] * n for _ in range(n)]
        for ln in range(1, n):
            for i in range(n - ln):
                j = i + ln
                cost[i][j] = None
                for k in range(i, j):
                    q = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                    if cost[i][j] is None or q < cost[i][j]:
                        cost[i][j], split[i][j] = q, k
        # the chain as an explicit stack of (i, j) ranges: nothing recurses
        out = _chain(ts, split, n)
    return out.view(tuple(out_shape))


def _chain(ts, split, n):
    results = {}
    stack = [(0, n - 1, False)]
    while stack:
        i, j, ready = stack.pop()
        if i == j:
            results[i, j] = ts[i]
        elif ready:
            k = split[i][j]
            results[i, j] = mm(results.pop((i, k)), results.pop((k + 1, j)))
        else:
            k = split[i][j]
            stack += [(i, j, True), (k + 1, j, False), (i, k, False)]
    return results[0, n - 1]


def vecdot(x, y, *, dim=-1):
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as "
                           f"input. Got {x.dtype._legacy}")
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x "
                           f"of type {x.dtype._legacy} and y of type {y.dtype._legacy} instead")
    if x.ndim == 1 and y.ndim == 1:
        return vdot_p(x, y)
    return (x * y).sum(dim)


vdot_p = dot_p.variant("VdotBackward0")  # real vectors: vdot is dot


# ----- addmm, addmv, baddbmm, addbmm: beta * input + alpha * product, one node each

def _scaled(x, s):  # (PyTorch's formulas multiply by the Scalar overload: MulBackward1)
    return x if s == 1 else mul_scalar(x, s)


def _scalars(dt, beta, alpha):
    """beta and alpha as the kernel uses them: an integer result truncates them."""
    if not dt.is_floating_point:
        return int(beta), int(alpha)
    return beta, alpha


def _add_product(xp, c, prod, beta, alpha):
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:  # PyTorch ignores input then: its nans and infs do not propagate
        out = prod + xp.zeros_like(c)
    elif beta == 1 and c.dtype == prod.dtype and c.ndim <= prod.ndim and \
            type(prod) is np.ndarray and prod.flags.owndata:
        xp.add(prod, c, out=prod)  # (a fresh product: added into, no second array)
        return prod
    else:
        out = prod + (c * beta if beta != 1 else c)
    return out.astype(prod.dtype, copy=False)


def _addmm_kernel(xp, c, a, b, beta, alpha, layout=0):
    prod = xp.matmul(a, b)
    if beta == 1 and alpha == 1 and c.dtype is prod.dtype and c.ndim <= prod.ndim and \
            type(prod) is np.ndarray:
        xp.add(prod, c, out=prod)  # (a linear layer's: _add_product's first case, inline)
        return prod
    return _add_product(xp, c, prod, beta, alpha)


def _addbmm_kernel(xp, c, a, b, beta, alpha):
    return _add_product(xp, c, xp.einsum("bij,bjk->ik", a, b), beta, alpha)


def _add_jvp(product):
    def jvp(tc, ta, tb, c, a, b, out, beta, alpha, layout=0):
        total = None
        if tc is not None:
            total = _scaled(tc, beta).expand(out.shape)
        for t in ([product(ta, b)] if ta is not None else []) + \
                 ([product(a, tb)] if tb is not None else []):
            t = _scaled(t, alpha)
            total = t if total is None else total + t
        return total
    return jvp


addmm_p = primitive(  # (layout: as mm's, see ops/linalg.py)
    "addmm", "AddmmBackward0", forward=_addmm_kernel,
    vjp=(lambda g, c, a, b, out, beta, alpha, layout=0: _scaled(g, beta),
         lambda g, c, a, b, out, beta, alpha, layout=0: _scaled(grad_mat1(g, b, layout), alpha),
         lambda g, c, a, b, out, beta, alpha, layout=0: _scaled(grad_mat2(g, a, layout), alpha)),
    jvp=_add_jvp(lambda a, b: mm(a, b)),
    # (scaled by beta or alpha: the Tensor formulas, whose MulBackward1 rounding they keep)
    vjp_data=(lambda g, c, a, b, out, beta, alpha, layout=0:
              g if beta == 1 else NotImplemented,
              lambda g, c, a, b, out, beta, alpha, layout=0:
              grad_mat1_data(g, b, layout) if alpha == 1 else NotImplemented,
              lambda g, c, a, b, out, beta, alpha, layout=0:
              grad_mat2_data(g, a, layout) if alpha == 1 else NotImplemented))
addmv_p = primitive(
    "addmv", "AddmvBackward0", forward=_addmm_kernel,
    vjp=(lambda g, c, a, b, out, beta, alpha: _scaled(g, beta),
         lambda g, c, a, b, out, beta, alpha: _scaled(g.unsqueeze(1) * b, alpha),
         lambda g, c, a, b, out, beta, alpha: _scaled(mv(a.t(), g), alpha)),
    jvp=_add_jvp(lambda a, b: mv(a, b)))
baddbmm_p = primitive(
    "baddbmm", "BaddbmmBackward0", forward=_addmm_kernel,
    vjp=(lambda g, c, a, b, out, beta, alpha: _scaled(g, beta),
         lambda g, c, a, b, out, beta, alpha: _scaled(bmm(g, b.transpose(1, 2)), alpha),
         lambda g, c, a, b, out, beta, alpha: _scaled(bmm(a.transpose(1, 2), g), alpha)),
    jvp=_add_jvp(lambda a, b: bmm(a, b)))
addbmm_p = primitive(
    "addbmm", "AddbmmBackward0", forward=_addbmm_kernel,
    vjp=(lambda g, c, a, b, out, beta, alpha: _scaled(g, beta),
         lambda g, c, a, b, out, beta, alpha: _scaled(
             bmm(g.expand((b.shape[0],) + tuple(g.shape)), b.transpose(1, 2)), alpha),
         lambda g, c, a, b, out, beta, alpha: _scaled(
             bmm(a.transpose(1, 2), g.expand((a.shape[0],) + tuple(g.shape))), alpha)),
    jvp=_add_jvp(lambda a, b: bmm(a, b).sum(0)))


def _check_dtypes(c, m1, m2, kernel):
    """addmm's and addbmm's dtype checks, in PyTorch's order; bool has no kernel."""
    if c.dtype is not m2.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {c.dtype._legacy} "
                           f"and {m2.dtype._legacy}")
    if m1.dtype is not m2.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {m1.dtype._legacy} "
                           f"and {m2.dtype._legacy}")
    if m1.dtype is _dt.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _check_input(c, shape):
    """input must expand to the product's shape; PyTorch's expand_size words a failure,
    naming the last mismatching dim."""
    cs = (1,) * (len(shape) - c.ndim) + tuple(c.shape)
    bad = [i for i in range(len(shape)) if cs[i] not in (1, shape[i])]
    if c.ndim > len(shape) or bad:
        if c.ndim > len(shape):
            raise RuntimeError(
                f"expand({c.type()}{{[{', '.join(map(str, c.shape))}]}}, size=[{', '.join(map(str, shape))}]): "
                f"the number of sizes provided ({len(shape)}) must be greater or equal to the "
                f"number of dimensions in the tensor ({c.ndim})")
        i = bad[-1]
        raise RuntimeError(
            f"The expanded size of the tensor ({shape[i]}) must match the existing size "
            f"({cs[i]}) at non-singleton dimension {i}.  Target sizes: "
            f"[{', '.join(map(str, shape))}].  Tensor sizes: [{', '.join(map(str, c.shape))}]")


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    # The common case (a linear layer: float matrices of one dtype, a bias row) passes
    # every check below; it is recognized from the arrays at once. Anything else (or a
    # non-tensor) takes the checks in PyTorch's order.
    try:
        c, a, b = input._data, mat1._data, mat2._data
    except AttributeError:
        pass
    else:
        dt = a.dtype
        if dt.kind == "f" and b.dtype is dt and c.dtype is dt and a.ndim == 2 and \
                b.ndim == 2 and a.shape[1] == b.shape[0] and c.ndim == 1 and \
                c.shape[0] in (1, b.shape[1]):
            return addmm_p.call(input, mat1, mat2, beta, alpha,  # (_scalars: floats as is)
                                product_layout(mat1, mat2))
    if mat1.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1.ndim}-D tensor")
    if mat2.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2.ndim}-D tensor")
    _check_dtypes(input, mat1, mat2, "addmm_impl_cpu_")
    m1, m2 = mat1._data.shape, mat2._data.shape
    c = input._data.shape
    if not (len(c) == 1 and c[0] in (1, m2[1])):  # (a bias row: nothing to check)
        _check_input(input, (m1[0], m2[1]))
    if m1[1] != m2[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_fmt(mat1.shape)} and "
                           f"{_fmt(mat2.shape)})")
    return addmm_p(input, mat1, mat2, *_scalars(mat1.dtype, beta, alpha),
                   product_layout(mat1, mat2))


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, "
                           f"{vec.ndim}")
    if mat.shape[1] != vec.shape[0] or input.ndim > 1 or \
            (input.ndim == 1 and input.shape[0] not in (1, mat.shape[0])):
        raise RuntimeError(f"size mismatch, got input ({_fmt(input.shape)}), mat "
                           f"({_fmt(mat.shape)}), vec ({vec.shape[0]})")
    if not (input.dtype is mat.dtype is vec.dtype):
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{input.dtype._legacy}, {mat.dtype._legacy}, and {vec.dtype._legacy}")
    if mat.dtype is _dt.bool_:
        raise NotImplementedError("\"addmv_impl_cpu\" not implemented for 'Bool'")
    return addmv_p(input, mat, vec, *_scalars(mat.dtype, beta, alpha))


def _check_batches(a, b, bmm_words=True):
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if not bmm_words:  # addbmm's own words
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                               f"{a.shape[0]} and {b.shape[0]}")
        if a.shape[2] != b.shape[1]:
            raise RuntimeError(f"Incompatible matrix sizes for bmm ({a.shape[1]}x{a.shape[2]} "
                               f"and {b.shape[1]}x{b.shape[2]})")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    if input.dtype is not batch1.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {input.dtype._cname}, "
                           f"batch1: {batch1.dtype._cname}, batch2: {batch2.dtype._cname}")
    if batch1.dtype is _dt.bool_:
        raise NotImplementedError("\"baddbmm\" not implemented for 'Bool'")
    if batch1.dtype is not batch2.dtype:
        raise RuntimeError(f"expected scalar type {batch1.dtype._legacy} but found "
                           f"{batch2.dtype._legacy}")
    _check_batches(batch1, batch2)
    _check_input(input, (batch1.shape[0], batch1.shape[1], batch2.shape[2]))
    return baddbmm_p(input, batch1, batch2, *_scalars(batch1.dtype, beta, alpha))


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    _check_batches(batch1, batch2, bmm_words=False)
    _check_dtypes(input, batch1, batch2, "addmm_impl_cpu_")
    _check_input(input, (batch1.shape[1], batch2.shape[2]))
    return addbmm_p(input, batch1, batch2, *_scalars(batch1.dtype, beta, alpha))


# ----- addr: beta * input + alpha * outer(vec1, vec2), with promotion (a TensorIterator op)

def _addr_kernel(xp, c, v1, v2, beta, alpha):
    outer_ = v1[:, None] * v2
    if c.dtype == np.bool_:  # logical: (beta and input) or (alpha and vec1 (x) vec2)
        out = (bool(beta) & c) | (bool(alpha) & outer_)
    else:
        out = outer_ * alpha if alpha != 1 else outer_
        if beta == 0:  # input's nans and infs do not propagate
            out = np.broadcast_to(out, np.broadcast_shapes(c.shape, out.shape)).copy()
        else:
            out = out + (c * beta if beta != 1 else c)
        out = out.astype(outer_.dtype, copy=False)
    if c.shape == out.shape and c.strides[0] < c.strides[1] and out.size > 1:
        out = np.asfortranarray(out)  # PyTorch's result keeps a full-size input's layout
    return out


addr_p = primitive(
    "addr", "AddrBackward0", forward=_addr_kernel, dtypes=PROMOTE,
    vjp=(lambda g, c, v1, v2, out, beta, alpha: _scaled(g, beta),
         lambda g, c, v1, v2, out, beta, alpha: _scaled(mv(g, v2), alpha),
         lambda g, c, v1, v2, out, beta, alpha: _scaled(mv(g.t(), v1), alpha)),
    jvp=lambda tc, t1, t2, c, v1, v2, out, beta, alpha: _sum_tangents(
        None if tc is None else _scaled(tc, beta).expand(out.shape),
        None if t1 is None else _scaled(outer(t1, v2), alpha),
        None if t2 is None else _scaled(outer(v1, t2), alpha)))


def _sum_tangents(*ts):
    total = None
    for t in ts:
        if t is not None:
            total = t if total is None else total + t
    return total


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    for v, name in ((vec1, "vec1"), (vec2, "vec2")):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    _check_input(input, (vec1.shape[0], vec2.shape[0]))
    dt = _dt.result_type(input, vec1, vec2)
    for v, name in ((beta, "beta"), (alpha, "alpha")):
        if isinstance(v, bool) and dt is not _dt.bool_:
            raise RuntimeError(f"Boolean {name} only supported for Boolean results.")
        if isinstance(v, float) and not dt.is_floating_point:
            raise RuntimeError(f"For integral input tensors, argument {name} must not be a "
                               "floating point number.")
    return addr_p(input, vec1, vec2, beta, alpha)


# ----- cross

def _cross_kernel(xp, a, b, dim):
    return np.ascontiguousarray(xp.cross(a, b, axis=dim))


linalg_cross_p = primitive(
    "linalg_cross", "LinalgCrossBackward0", forward=_cross_kernel,
    vjp=(lambda g, a, b, out, dim: linalg_cross_p(b, g, dim),
         lambda g, a, b, out, dim: linalg_cross_p(g, a, dim)),
    jvp=lambda ta, tb, a, b, out, dim: _add_tangents(
        None if ta is None else linalg_cross_p(ta, b, dim),
        None if tb is None else linalg_cross_p(a, tb, dim)))


def linalg_cross(input, other, *, dim=-1):
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.dtype is _dt.bool_:
        raise NotImplementedError("\"cross\" not implemented for 'Bool'")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._legacy} but found "
                           f"{other.dtype._legacy}")
    nd = input.ndim
    d = dim + nd if -nd <= dim < 0 else dim
    if not 0 <= d < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], "
                         f"but got {dim})")
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    broadcast_shapes(tuple(input.shape), tuple(other.shape))
    return linalg_cross_p(input, other, d)


def cross(input, other, dim=None, *, out=None):
    if dim is None:
        import warnings
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                      "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
                      "The default value of dim will change to agree with that of linalg.cross "
                      "in a future release.", UserWarning, stacklevel=2)
        dim = next((i for i, s in enumerate(input.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)
