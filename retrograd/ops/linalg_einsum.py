"""einsum and tensordot, composed the way PyTorch composes them (operands permuted and
unsqueezed to one label order, contracted pairwise left to right with bmm), so that their
graphs, values and gradients are PyTorch's; the VJP of every piece is again a product."""
import numpy as np

from .shape_diag import diagonal
from .shape_views import movedim
from .linalg import bmm, dot
from ..tensor import _wrap_dim


def _sumproduct_pair(left, right, sum_dims, keepdim):
    """(left * right).sum(sum_dims), by a permutation of both into one bmm (PyTorch's)."""
    if not sum_dims:
        return left * right
    dim = left.ndim
    lro, lo, ro = [], [], []
    lro_size = lo_size = ro_size = sum_size = 1
    for i in range(dim):
        sl, sr = left.shape[i] != 1, right.shape[i] != 1
        if i in sum_dims:
            if sl and sr:
                if left.shape[i] != right.shape[i]:
                    raise RuntimeError("non-broadcast dimensions must match")
                sum_size *= left.shape[i]
            elif sl:
                left = left.sum(i, True)
            elif sr:
                right = right.sum(i, True)
        elif sl and sr:
            if left.shape[i] != right.shape[i]:
                raise RuntimeError("non-broadcast dimensions must match")
            lro.append(i)
            lro_size *= left.shape[i]
        elif sl:
            lo.append(i)
            lo_size *= left.shape[i]
        else:
            ro.append(i)
            ro_size *= right.shape[i]
    if lo and ro and ro[-1] < lo[0]:  # bmm then yields the output order directly
        left, right, lo, ro, lo_size, ro_size = right, left, ro, lo, ro_size, lo_size
    out_size = [left.shape[d] for d in lro] + [left.shape[d] for d in lo] + \
        [1] * len(sum_dims) + [right.shape[d] for d in ro]
    lperm = lro + lo + list(sum_dims) + ro
    rperm = lro + list(sum_dims) + ro + lo
    operm = [-1] * len(out_size)
    for i, d in enumerate(lro + lo + list(sum_dims) + ro):
        operm[d] = i
    left = left.permute(lperm).reshape(lro_size, lo_size, sum_size)
    right = right.permute(rperm).reshape(lro_size, sum_size, ro_size)
    result = bmm(left, right).view(out_size).permute(operm)
    if not keepdim:
        sizes = [s for i, s in enumerate(result.shape) if i not in sum_dims]
        result = result.view(sizes)
    return result


_NUM_LETTERS = 26
_ELLIPSIS = 52


def _subscript(c):
    return ord(c) - ord("A") if c.isupper() else ord(c) - ord("a") + _NUM_LETTERS


def _label(s):
    return chr(s + ord("A")) if s < _NUM_LETTERS else chr(s - _NUM_LETTERS + ord("a"))


def _sublist_label(n):
    if n is Ellipsis:
        return "..."
    if 0 <= n < 26:
        return chr(ord("A") + n)
    if 26 <= n < 52:
        return chr(ord("a") + n - 26)
    raise ValueError("einsum(): subscript in subscript list is not within the valid range "
                     "[0, 52)")


def einsum(*args):
    """torch.einsum(equation, *operands), einsum(equation, [operands]), or the sublist
    format einsum(op1, [0, 1], op2, [1, 2], [0, 2]). Contracts left to right, as PyTorch
    does without opt_einsum."""
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if not isinstance(args[0], str):  # the sublist format: labels as integers in [0, 52)
        equation = ",".join("".join(map(_sublist_label, sub)) for sub in args[1::2])
        if len(args) % 2:
            equation += "->" + "".join(map(_sublist_label, args[-1]))
            operands = args[:-1:2]
        else:
            operands = args[::2]
    else:
        equation, operands = args[0], args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    num_ops = len(operands)
    if not num_ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]
    op_labels = [[] for _ in range(num_ops)]
    ell_in_input, cur = False, 0
    i = 0
    while i < len(lhs):
        c = lhs[i]
        if c == " ":
            pass
        elif c == ".":
            if ell_in_input:
                raise RuntimeError(f"einsum(): found '.' for operand {cur} for which an "
                                   "ellipsis was already found")
            if not (i + 2 < len(lhs) and lhs[i + 1] == "." and lhs[i + 2] == "."):
                raise RuntimeError(f"einsum(): found '.' for operand {cur} that is not part of "
                                   "any ellipsis")
            i += 2
            op_labels[cur].append(_ELLIPSIS)
            ell_in_input = True
        elif c == ",":
            cur += 1
            if cur >= num_ops:
                raise RuntimeError("einsum(): fewer operands were provided than specified in "
                                   "the equation")
            ell_in_input = False
        else:
            if not (c.isascii() and c.isalpha()):
                raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the "
                                   "equation string, subscripts must be in [a-zA-Z]")
            op_labels[cur].append(_subscript(c))
        i += 1
    if cur != num_ops - 1:
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    label_count = [0] * 52
    ell_num_dim = 0
    for k, (op, labels) in enumerate(zip(operands, op_labels)):
        ndims = op.ndim
        nlabels = len(labels)
        has_ell = _ELLIPSIS in labels
        if has_ell:
            nlabels -= 1
            ell_num_dim = max(ell_num_dim, ndims - nlabels)
        for s in labels:
            if s != _ELLIPSIS:
                label_count[s] += 1
        if not (nlabels <= ndims if has_ell else nlabels == ndims):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({nlabels}) "
                + ("is more than the number of dimensions (" if has_ell
                   else "does not match the number of dimensions (")
                + f"{ndims}) for operand {k}" + ("" if has_ell else " and no ellipsis was given"))
    perm_index = [-1] * 52
    pi, ell_index, ell_in_output = 0, 0, False
    if arrow < 0:
        pi, ell_in_output = ell_num_dim, True
        for s in range(52):
            if label_count[s] == 1:
                perm_index[s] = pi
                pi += 1
    else:
        rhs = equation[arrow + 2:]
        i = 0
        while i < len(rhs):
            c = rhs[i]
            if c == " ":
                pass
            elif c == ".":
                if ell_in_output:
                    raise RuntimeError("einsum(): found '.' for output but an ellipsis (...) "
                                       "was already found")
                if not (i + 2 < len(rhs) and rhs[i + 1] == "." and rhs[i + 2] == "."):
                    raise RuntimeError("einsum(): found '.' for output that is not part of any "
                                       "ellipsis (...)")
                i += 2
                ell_index, ell_in_output = pi, True
                pi += ell_num_dim
            else:
                if not (c.isascii() and c.isalpha()):
                    raise RuntimeError(f"einsum(): invalid subscript given at index "
                                       f"{len(lhs) + 2 + i} in the equation string, subscripts "
                                       "must be in [a-zA-Z]")
                s = _subscript(c)
                if not (label_count[s] > 0 and perm_index[s] == -1):
                    raise RuntimeError(
                        f"einsum(): output subscript {c}" +
                        (" appears more than once in the output" if perm_index[s] > -1
                         else " does not appear in the equation for any input operand"))
                perm_index[s] = pi
                pi += 1
            i += 1
    out_num_dim = pi
    if not ell_in_output:
        ell_index = pi
        pi += ell_num_dim
    for s in range(52):
        if label_count[s] > 0 and perm_index[s] == -1:
            perm_index[s] = pi
            pi += 1
    label_size = [1] * 52
    ell_sizes = [1] * ell_num_dim
    dim_counts = [0] * pi
    ops = []
    for k, (op, labels) in enumerate(zip(operands, op_labels)):
        permutation = [-1] * pi
        dim = 0
        for s in labels:
            if s == _ELLIPSIS:
                ndim = operands[k].ndim - (len(labels) - 1)  # (op may be a diagonal now)
                for j in range(ell_num_dim - ndim, ell_num_dim):
                    if op.shape[dim] != 1:
                        if ell_sizes[j] != 1 and ell_sizes[j] != op.shape[dim]:
                            raise RuntimeError(
                                f"einsum(): dimension {dim} covered by ellipsis in operand {k}"
                                f"has size {op.shape[dim]} which does not broadcast with "
                                f"previously seen ellipsis with size {ell_sizes[j]} for the "
                                "respective dimension")
                        ell_sizes[j] = op.shape[dim]
                        dim_counts[ell_index + j] += 1
                    permutation[ell_index + j] = dim
                    dim += 1
            elif permutation[perm_index[s]] == -1:
                if op.shape[dim] != 1:
                    if label_size[s] != 1 and label_size[s] != op.shape[dim]:
                        raise RuntimeError(
                            f"einsum(): subscript {_label(s)} has size {op.shape[dim]} for "
                            f"operand {k} which does not broadcast with previously seen size "
                            f"{label_size[s]}")
                    label_size[s] = op.shape[dim]
                    dim_counts[perm_index[s]] += 1
                permutation[perm_index[s]] = dim
                dim += 1
            else:  # a repeated label: its diagonal, moved to where the first one was
                prev = permutation[perm_index[s]]
                if op.shape[dim] != op.shape[prev]:
                    raise RuntimeError(
                        f"einsum(): subscript {_label(s)} is repeated for operand {k} but the "
                        f"sizes don't match, {op.shape[dim]} != {op.shape[prev]}")
                op = movedim(diagonal(op, 0, prev, dim), -1, prev)
        for idx in range(pi):
            if permutation[idx] == -1:
                op = op.unsqueeze(dim)
                permutation[idx] = dim
                dim += 1
        ops.append(op.permute(permutation))
    while len(ops) > 1:
        a, b = ops[0], ops[1]
        del ops[:2]
        sum_dims, a_sum, b_sum = [], [], []
        for d in range(out_num_dim, pi):
            sa, sb = a.shape[d] != 1, b.shape[d] != 1
            if sa and sb:
                if a.shape[d] != b.shape[d]:
                    raise RuntimeError("non-broadcast dimensions must match")
                dim_counts[d] -= 1
                if dim_counts[d] == 1:
                    sum_dims.append(d)
                    dim_counts[d] = 0
            elif dim_counts[d] == 1:
                if sa:
                    a_sum.append(d)
                    dim_counts[d] = 0
                elif sb:
                    b_sum.append(d)
                    dim_counts[d] = 0
        if a_sum:
            a = a.sum(a_sum, True)
        if b_sum:
            b = b.sum(b_sum, True)
        ops.insert(0, _sumproduct_pair(a, b, sum_dims, True))
    if pi - out_num_dim > 0:
        if num_ops > 1:
            return ops[0].view(tuple(ops[0].shape[:out_num_dim]))
        return ops[0].sum(list(range(out_num_dim, pi)))
    return ops[0]


def tensordot(a, b, dims=2, out=None):
    """torch.tensordot: dims an int (the last dims of a with the first of b) or a pair of
    dim lists; permute both, reshape, one mm (or a dot for a full contraction)."""
    if isinstance(dims, (list, tuple)):
        if len(dims) != 2:
            raise RuntimeError(f"tensordot expects dims to be a pair of lists, but got {dims}")
        dims_a, dims_b = dims
    elif hasattr(dims, "_data"):  # a tensor of dims
        d = dims._data
        if d.ndim == 0:
            dims = int(d)
        else:
            dims_a, dims_b = d.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    if not isinstance(dims, int):
        for k, (d, name) in enumerate(((dims_a, "dims_self"), (dims_b, "dims_other"))):
            if isinstance(d, int):  # a pair of ints is not a pair of dim lists
                raise TypeError(f"tensordot(): argument '{name}' (position {3 + k}) must be "
                                "tuple of ints, not int")
    dims_a, dims_b = list(dims_a), list(dims_b)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    t1, t2, csize = a, b, 1
    for d1, d2 in zip(dims_a, dims_b):
        s1, s2 = a.shape[d1], b.shape[d2]
        if s2 == 1:
            t1 = _sum_keep(t1, d1)
        elif s1 == 1:
            t2 = _sum_keep(t2, d2)
        else:
            if s1 != s2:
                raise RuntimeError(f"contracted dimensions need to match, but first has size "
                                   f"{s1} in dim {d1} and second has size {s2} in dim {d2}")
            csize *= s1
    c1 = {_wrap_dim(d, a.ndim) for d in dims_a}
    c2 = {_wrap_dim(d, b.ndim) for d in dims_b}
    p1 = [i for i in range(a.ndim) if i not in c1] + dims_a
    p2 = dims_b + [i for i in range(b.ndim) if i not in c2]
    rsizes = [t1.shape[i] for i in range(a.ndim) if i not in c1] + \
        [t2.shape[i] for i in range(b.ndim) if i not in c2]
    size1 = int(np.prod([t1.shape[i] for i in range(a.ndim) if i not in c1]))
    size2 = int(np.prod([t2.shape[i] for i in range(b.ndim) if i not in c2]))
    if size1 != 1 or size2 != 1:
        t1 = t1.permute(p1).reshape(size1, csize)
        t2 = t2.permute(p2).reshape(csize, size2)
        from .linalg import mm
        return mm(t1, t2).reshape(rsizes)
    t1, t2 = t1.permute(p1), t2.permute(p2)
    if t1.is_contiguous() and t2.is_contiguous():
        return dot(t1.flatten(), t2.flatten()).reshape(rsizes)
    prod = t1.squeeze() * t2.squeeze()
    return _keep_dtype(prod.sum(), prod.dtype).reshape(rsizes)


def _keep_dtype(r, dtype):
    # a sum in the input's dtype, as PyTorch's sum(dtype=...) of integers is
    return r if r.dtype is dtype else r.to(dtype)


def _sum_keep(t, d):
    return _keep_dtype(t.sum(d, True), t.dtype)
