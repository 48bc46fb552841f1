"""PyTorch's CPU selection algorithms, emulated on all rows at once so that among equal
elements kthvalue and topk report the indices PyTorch reports: kthvalue's quickselect
(Sedgewick's, median-of-three, Hoare partition) and topk's std::nth_element (libstdc++'s
introselect: median of three moved first, unguarded partition, insertion sort of the last
few) followed by std::sort of the first k-1 (introsort's partitions, then an insertion
sort). Loops run over partition rounds; each round is whole-array work (one partition's
swaps are disjoint pairs, found by ranking each row's scan stops). Not emulated: the
std::partial_sort (a heap) topk uses when k * 64 <= n; ties keep the stable order there."""
import numpy as np


def _gt(x, y):
    """PyTorch's gt_or_nan: NaN is larger than any number."""
    if x.dtype.kind == "f":
        return (np.isnan(x) & ~np.isnan(y)) | (x > y)
    return x > y


def _nth(arr, m, default):
    """arr[row, m[row]] for each row, default where m is out of range."""
    n = arr.shape[1]
    v = np.take_along_axis(arr, np.clip(m, 0, n - 1)[:, None], 1)[:, 0]
    return np.where((m >= 0) & (m < n), v, default)


def _rising(mask):
    """Each row's True positions in rising order (padded with the width): a rank by
    cumulative count, no sort."""
    rows, w = mask.shape
    out = np.full((rows, w), w, np.int64)
    ri, ci = np.nonzero(mask)
    out[ri, np.cumsum(mask, axis=1)[ri, ci] - 1] = ci
    return out


def _falling(mask):
    """Each row's True positions in falling order (padded with -1)."""
    w = mask.shape[1]
    return w - 1 - _rising(mask[:, ::-1])


def _window(A, r, lo, width):
    """A[r, lo:lo+width] for each (r, lo), and the offsets 0..width-1 (clipped reads past
    the row's end are masked by the callers)."""
    rel = np.arange(width)
    return A[r[:, None], np.minimum(lo[:, None] + rel, A.shape[1] - 1)], rel


def quickselect(a, k):
    """For each row of a (rows, n), the position PyTorch's kthvalue reports for the
    (k+1)-th smallest element: its quickselect (Sedgewick's: median-of-three pivot, Hoare
    partition) run on every row at once, so that among equal elements the same one is
    picked. The loop is over partition rounds; each round is whole-array work: the left
    scan's stops (>= pivot) pair with the right scan's (<= pivot) while they have not
    crossed, and those swaps are disjoint pairs, done together."""
    rows, n = a.shape
    V, I = a.copy(), np.broadcast_to(np.arange(n), (rows, n)).copy()
    L, R = np.zeros(rows, np.int64), np.full(rows, n - 1, np.int64)
    active = np.ones(rows, bool)

    def swap(r, p, q):
        V[r, p], V[r, q] = V[r, q], V[r, p]
        I[r, p], I[r, q] = I[r, q], I[r, p]

    def swap_if_greater(r, p, q):
        c = _gt(V[r, p], V[r, q])
        swap(r[c], p[c], q[c])

    while active.any():
        r = np.nonzero(active)[0]
        l, rr = L[r], R[r]
        one, two = rr <= l, rr == l + 1
        swap_if_greater(r[two], l[two], rr[two])
        active[r[one | two]] = False
        r, l, rr = r[~(one | two)], l[~(one | two)], rr[~(one | two)]
        if not r.size:
            break
        swap(r, (l + rr) >> 1, l + 1)  # the median of three goes to l, the smaller to l+1
        swap_if_greater(r, l + 1, rr)
        swap_if_greater(r, l, rr)
        swap_if_greater(r, l + 1, l)
        piv = V[r, l][:, None]
        span = rr - l
        Vw, m = _window(V, r, l, int(span.max()) + 1)  # each row's range, from l
        # where the scans stop: i rises from l+2 to elements >= piv (r's element is one),
        # j falls from rr-1 to elements <= piv (l+1's element is one)
        left = (m >= 2) & (m <= span[:, None]) & ~_gt(piv, Vw)
        right = (m >= 1) & (m < span[:, None]) & ~_gt(Vw, piv)
        lc, rc = l[:, None] + _rising(left), l[:, None] + _falling(right)
        cl, cr = left.sum(1), right.sum(1)
        pairs = (m < np.minimum(cl, cr)[:, None]) & (lc <= rc)  # a prefix of each row
        ms = pairs.sum(1)
        sr, sm = np.nonzero(pairs)
        swap(r[sr], lc[sr, sm], rc[sr, sm])
        # where the scans cross: the next stop, or a position an earlier swap filled
        i_prev, j_prev = _nth(lc, ms - 1, l + 1), _nth(rc, ms - 1, rr)
        far = np.iinfo(np.int64).max
        i = np.minimum(np.where(ms < cl, _nth(lc, ms, far), far),
                       np.where(j_prev > i_prev, j_prev, _nth(rc, ms - 2, rr)))
        j = np.maximum(np.where(ms < cr, _nth(rc, ms, -1), -1),
                       np.where(i_prev < j_prev, i_prev, _nth(lc, ms - 2, l + 1)))
        swap(r, l, j)
        L[r] = np.where(j <= k, i, l)
        R[r] = np.where(j >= k, j - 1, rr)
    return I[:, k]


def _before(x, y, largest):
    """topk's comparator: x goes before y (NaN counts as the largest)."""
    if x.dtype.kind == "f":
        xn, yn = np.isnan(x), np.isnan(y)
        return (xn & ~yn) | (x > y) if largest else (~xn & yn) | (x < y)
    return x > y if largest else x < y


def _stable_sort_range(Q, I, lo, hi, largest):
    """Sort each row's [lo, hi) stably in the comparator's order (an insertion sort's
    result), in place; the rest of the row stays."""
    n = Q.shape[1]
    pos = np.arange(n)
    inside = (pos >= lo[:, None]) & (pos < hi[:, None])
    if Q.dtype.kind == "f":
        nan = np.isnan(Q)
        value = -Q if largest else Q
        order = np.lexsort((np.where(inside, value, 0), np.where(inside, nan != largest, False),
                            ~inside), axis=-1)
    else:  # ~x reverses the order of integers without overflow
        order = np.lexsort((np.where(inside, ~Q if largest else Q, 0), ~inside), axis=-1)
    src = np.take_along_axis(order, np.clip(pos - lo[:, None], 0, n - 1), 1)
    Q[...] = np.where(inside, np.take_along_axis(Q, src, 1), Q)
    I[...] = np.where(inside, np.take_along_axis(I, src, 1), I)


def _partition_pivot(Q, I, r, f, l, largest):
    """libstdc++'s __unguarded_partition_pivot on rows r, ranges [f, l) (disjoint when a
    row appears twice): the median of three moved to f, then Hoare's scans; the cut."""
    def swap(rr, p, q):
        Q[rr, p], Q[rr, q] = Q[rr, q], Q[rr, p]
        I[rr, p], I[rr, q] = I[rr, q], I[rr, p]

    def less(p, q):
        return _before(Q[r, p], Q[r, q], largest)

    a1, b, c = f + 1, f + (l - f) // 2, l - 1
    ab, bc, ac = less(a1, b), less(b, c), less(a1, c)
    swap(r, f, np.where(ab, np.where(bc, b, np.where(ac, c, a1)),
                        np.where(ac, a1, np.where(bc, c, b))))
    piv = Q[r, f][:, None]
    span = l - f
    Qw, m = _window(Q, r, f, int(span.max()))  # each range, from f
    # the left scan stops at elements not before the pivot, the right one at elements the
    # pivot is not before; they swap in pairs until they meet
    inside = m < span[:, None]
    left = (m >= 1) & inside & ~_before(Qw, piv, largest)
    right = inside & ~_before(piv, Qw, largest)
    lc, rc = f[:, None] + _rising(left), f[:, None] + _falling(right)
    cl, cr = left.sum(1), right.sum(1)
    pairs = (m < np.minimum(cl, cr)[:, None]) & (lc < rc)
    ms = pairs.sum(1)
    sr, sm = np.nonzero(pairs)
    swap(r[sr], lc[sr, sm], rc[sr, sm])
    far = np.iinfo(np.int64).max
    return np.minimum(np.where(ms < cl, _nth(lc, ms, far), far),
                      np.where(ms > 0, _nth(rc, ms - 1, far), far))


def _depth(n):
    return 2 * int(np.log2(n)) if n > 0 else 0  # libstdc++'s 2 * __lg(n)


def topk_positions(a, k, largest, sorted_):
    """(rows, k) positions, in the order PyTorch's topk returns them: std::nth_element,
    then (sorted) std::sort of the first k-1. None where PyTorch runs std::partial_sort
    (k * 64 <= n) or a heap fallback, which are not emulated."""
    rows, n = a.shape
    if k == 0:
        return np.zeros((rows, 0), np.int64)
    if k * 64 <= n:
        return None
    Q, I = a.copy(), np.broadcast_to(np.arange(n), (rows, n)).copy()
    first, last = np.zeros(rows, np.int64), np.full(rows, n, np.int64)
    depth = np.full(rows, _depth(n), np.int64)
    while True:  # introselect: partition until the range holding k-1 is <= 3 long
        r = np.nonzero(last - first > 3)[0]
        if not r.size:
            break
        if (depth[r] == 0).any():
            return None  # (libstdc++ heap-selects here)
        depth[r] -= 1
        f, l = first[r], last[r]
        cut = _partition_pivot(Q, I, r, f, l, largest)
        first[r] = np.where(cut <= k - 1, cut, f)
        last[r] = np.where(cut <= k - 1, l, cut)
    _stable_sort_range(Q, I, first, last, largest)  # its insertion sort
    if sorted_ and k > 1:
        # std::sort of the first k-1: introsort's partitions down to ranges of 16, then
        # an insertion sort of the whole (stable, so a stable sort of that arrangement)
        seg_r = np.arange(rows)
        seg_f, seg_l = np.zeros(rows, np.int64), np.full(rows, k - 1, np.int64)
        seg_d = np.full(rows, _depth(k - 1), np.int64)
        while True:
            big = seg_l - seg_f > 16
            if not big.any():
                break
            seg_r, seg_f, seg_l, seg_d = seg_r[big], seg_f[big], seg_l[big], seg_d[big]
            if (seg_d == 0).any():
                return None  # (libstdc++ heap-sorts here)
            cut = _partition_pivot(Q, I, seg_r, seg_f, seg_l, largest)
            seg_r, seg_d = np.concatenate([seg_r, seg_r]), np.concatenate([seg_d, seg_d]) - 1
            seg_f, seg_l = np.concatenate([seg_f, cut]), np.concatenate([cut, seg_l])
        _stable_sort_range(Q, I, np.zeros(rows, np.int64), np.full(rows, k - 1, np.int64),
                           largest)
    return I[:, :k]
