"""LBFGS: limited-memory quasi-Newton steps with an optional strong-Wolfe line search.

The search direction comes from the two-loop recursion (Nocedal & Wright, Algorithm 7.4);
the line search is the bracket-then-zoom scheme of their Algorithms 3.5 and 3.6, with the
trial steps chosen by safeguarded cubic interpolation. The decisions and the order of the
arithmetic are kept such that iterates, losses and evaluation counts agree with
torch.optim.LBFGS in float64 and float32.
"""
import retrograd as torch

from .optimizer import Optimizer, _check_lr, _plain_hparam

__all__ = ["LBFGS"]

# A point tried by the line search: (step length, loss, flat gradient, slope along the direction).
STEP, LOSS, GRAD, SLOPE = range(4)


def _cubic_min(p, q, lo=None, hi=None):
    """Step length minimising the cubic fitted to the values and slopes at points p and q.

    The answer is clamped to [lo, hi] (default: the interval between the two points); when the
    cubic has no real turning point the middle of that interval is used instead.
    """
    left, right = (p, q) if p[STEP] <= q[STEP] else (q, p)
    if lo is None:
        lo, hi = left[STEP], right[STEP]
    a, fa, sa = left[STEP], left[LOSS], left[SLOPE]
    b, fb, sb = right[STEP], right[LOSS], right[SLOPE]
    m = sa + sb - 3 * (fa - fb) / (a - b)
    disc = m**2 - sa * sb
    if not disc >= 0:  # no real turning point (or NaN): bisect
        return (lo + hi) / 2.0
    root = disc.sqrt()
    guess = b - (b - a) * ((sb + root - m) / (sb - sa + 2 * root))
    return min(max(guess, lo), hi)


def _strong_wolfe_search(evaluate, direction, step, start, c1=1e-4, c2=0.9, tolerance_change=1e-9, budget=25):
    """Find a step length meeting the strong Wolfe conditions along `direction`.

    `evaluate(step)` returns (loss, flat gradient) at the trial point, `start` is the sample at
    step 0. Returns (loss, flat gradient, step, number of evaluations) of the accepted sample.
    """
    f0, slope0 = start[LOSS], start[SLOPE]
    spread = direction.abs().max()

    def sample(t):
        loss, grad = evaluate(t)
        return (t, loss, grad, grad.dot(direction))

    def armijo_fails(pt):
        return pt[LOSS] > (f0 + c1 * pt[STEP] * slope0)

    def curvature_ok(pt):
        return abs(pt[SLOPE]) <= -c2 * slope0

    # Phase 1: move forward until an interval is known to contain an acceptable step.
    before, trial = start, sample(step)
    n_evals, tries = 1, 0
    interval = None
    while tries < budget:
        if armijo_fails(trial) or (tries > 1 and trial[LOSS] >= before[LOSS]):
            interval = [before, trial]
            break
        if curvature_ok(trial):
            return trial[LOSS], trial[GRAD], trial[STEP], n_evals
        if trial[SLOPE] >= 0:
            interval = [before, trial]
            break
        t = trial[STEP]
        nxt = _cubic_min(before, trial, lo=t + 0.01 * (t - before[STEP]), hi=t * 10)
        before, trial = trial, sample(nxt)
        n_evals += 1
        tries += 1
    if interval is None:
        # Out of evaluations while still extrapolating: choose between the start and the last trial.
        interval = [start, trial]

    # Phase 2: shrink the interval; `best` indexes the end with the lower loss.
    def order():
        return (0, 1) if interval[0][LOSS] <= interval[1][LOSS] else (1, 0)

    best, other = order()
    stalled = False
    while tries < budget:
        a, b = interval[0][STEP], interval[1][STEP]
        if abs(b - a) * spread < tolerance_change:
            break
        t = _cubic_min(interval[0], interval[1])
        left, right = min(a, b), max(a, b)
        margin = 0.1 * (right - left)
        # Keep the trial away from the ends unless the last trial was already close to one.
        if min(right - t, t - left) < margin:
            if stalled or t >= right or t <= left:
                t = right - margin if abs(t - right) < abs(t - left) else left + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False

        trial = sample(t)
        n_evals += 1
        tries += 1

        if armijo_fails(trial) or trial[LOSS] >= interval[best][LOSS]:
            interval[other] = trial
            best, other = order()
            continue
        accepted = curvature_ok(trial)
        if not accepted and trial[SLOPE] * (interval[other][STEP] - interval[best][STEP]) >= 0:
            interval[other] = interval[best]
        interval[best] = trial
        if accepted:
            break

    chosen = interval[best]
    return chosen[LOSS], chosen[GRAD], chosen[STEP], n_evals


def _inverse_hessian_times(grad, ys_list, ss_list, inv_rho, gamma, alphas):
    """Two-loop recursion: -H @ grad for the L-BFGS inverse Hessian built from the stored pairs.

    `ys_list`/`ss_list` hold the gradient and step differences, `inv_rho` their 1 / (y . s),
    `gamma` scales the initial matrix; `alphas` is scratch space of at least len(ys_list).
    """
    q = grad.neg()
    for k in reversed(range(len(ys_list))):
        alphas[k] = ss_list[k].dot(q) * inv_rho[k]
        q.add_(ys_list[k], alpha=-alphas[k])
    out = torch.mul(q, gamma)
    for k in range(len(ys_list)):
        beta = ys_list[k].dot(out) * inv_rho[k]
        out.add_(ss_list[k], alpha=alphas[k] - beta)
    return out


class LBFGS(Optimizer):
    """torch.optim.LBFGS: one parameter group; step(closure) runs up to max_iter iterations."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr, "max_iter": max_iter, "max_eval": max_eval, "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change, "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    # The parameters are treated as one flat vector.
    def _tensors(self):
        return self.param_groups[0]["params"]

    def _flat_grad(self):
        pieces = [torch.zeros(p.numel(), dtype=p.dtype) if p.grad is None else p.grad.reshape(-1)
                  for p in self._tensors()]
        return torch.cat(pieces, 0)

    def _move(self, step, direction):
        start = 0
        for p in self._tensors():
            stop = start + p.numel()
            p.add_(direction[start:stop].view_as(p), alpha=step)
            start = stop

    def _evaluate_at(self, closure, step, direction):
        """Loss and flat gradient at params + step * direction; the parameters are left unchanged."""
        saved = [p.clone() for p in self._tensors()]
        self._move(step, direction)
        loss = float(closure())
        grad = self._flat_grad()
        for p, keep in zip(self._tensors(), saved):
            p.copy_(keep)
        return loss, grad

    def step(self, closure):
        """Perform a single optimization step (needs a closure that returns the loss)."""
        def closure_with_grad():
            with torch.enable_grad():
                return closure()

        with torch.no_grad():
            return self._run(closure_with_grad)

    def _run(self, closure):
        cfg = self.param_groups[0]
        lr = _plain_hparam(cfg["lr"])
        max_iter, max_eval = cfg["max_iter"], cfg["max_eval"]
        tol_grad, tol_change = cfg["tolerance_grad"], cfg["tolerance_change"]
        search, memory = cfg["line_search_fn"], cfg["history_size"]

        # Everything is kept under the first parameter, with PyTorch's key names (users see them).
        st = self.state[self._tensors()[0]]
        st.setdefault("func_evals", 0)
        st.setdefault("n_iter", 0)

        first_loss = closure()
        loss = float(first_loss)
        evals_now = 1
        st["func_evals"] += 1
        grad = self._flat_grad()
        if grad.abs().max() <= tol_grad:
            return first_loss

        direction, t = st.get("d"), st.get("t")
        ys_list, ss_list, inv_rho = st.get("old_dirs"), st.get("old_stps"), st.get("ro")
        gamma, last_grad, last_loss = st.get("H_diag"), st.get("prev_flat_grad"), st.get("prev_loss")

        for it in range(1, max_iter + 1):
            st["n_iter"] += 1
            fresh = st["n_iter"] == 1

            if fresh:
                direction = grad.neg()
                ys_list, ss_list, inv_rho = [], [], []
                gamma = 1
            else:
                y = grad.sub(last_grad)
                s = direction.mul(t)
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only when the curvature condition holds
                    if len(ys_list) == memory:
                        del ys_list[0], ss_list[0], inv_rho[0]
                    ys_list.append(y)
                    ss_list.append(s)
                    inv_rho.append(1.0 / ys)
                    gamma = ys / y.dot(y)
                if "al" not in st:
                    st["al"] = [None] * memory
                direction = _inverse_hessian_times(grad, ys_list, ss_list, inv_rho, gamma, st["al"])

            if last_grad is None:
                last_grad = grad.clone()
            else:
                last_grad.copy_(grad)
            last_loss = loss

            t = min(1.0, 1.0 / grad.abs().sum()) * lr if fresh else lr
            slope = grad.dot(direction)
            if slope > -tol_change:  # not a descent direction (or a negligible one)
                break

            used = 0
            if search is None:
                # Fixed step; the last iteration skips the evaluation nobody would use.
                self._move(t, direction)
                if it != max_iter:
                    loss = float(closure())
                    grad = self._flat_grad()
                    used = 1
            else:
                if search != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                loss, grad, t, used = _strong_wolfe_search(
                    lambda step: self._evaluate_at(closure, step, direction), direction, t,
                    (0, loss, grad.clone(), slope), budget=max_eval - evals_now)
                self._move(t, direction)
            evals_now += used
            st["func_evals"] += used

            if (it == max_iter or evals_now >= max_eval or grad.abs().max() <= tol_grad
                    or direction.mul(t).abs().max() <= tol_change or abs(loss - last_loss) < tol_change):
                break

        st.update({"d": direction, "t": t, "old_dirs": ys_list, "old_stps": ss_list, "ro": inv_rho,
                   "H_diag": gamma, "prev_flat_grad": last_grad, "prev_loss": last_loss})
        return first_loss
