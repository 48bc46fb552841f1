"""Whole-array NumPy kernels for the special functions NumPy lacks: erf, erfc, erfinv,
lgamma, digamma and polygamma (n >= 1). Each loops over series terms, never over elements;
float64 results are accurate to ~1e-14 relative (lower precisions compute in float64)."""
import math

import numpy as np

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_EULER = 0.57721566490153286061


def _f64(a):
    return np.asarray(a, dtype=np.float64)


# 1 / (2n+1)!! for the series of erf below
_ERF_SERIES = [1.0 / math.prod(range(1, 2 * n + 2, 2)) for n in range(30)]
# the continued fraction of erfc: how many terms reach double precision from each x on
_ERFC_TERMS = ((1.5, 110), (2.0, 70), (3.0, 40), (4.0, 25), (6.0, 15))


def _exp_neg_square(x):
    """exp(-x^2) without the rounding of x^2 (which exp magnifies x^2-fold): x = h + l
    with h in 24 bits, so h^2 is exact and (x - h)(x + h) is small."""
    h = x.astype(np.float32).astype(np.float64)
    return np.exp(-h * h) * np.exp(-(x - h) * (x + h))


def _erf_series(x):
    """erf(x) = 2/sqrt(pi) exp(-x^2) x sum (2x^2)^n / (2n+1)!!: positive terms, no
    cancellation; for |x| < 1.5, where 30 terms reach double precision."""
    x2 = x * x
    y = 2.0 * x2
    acc = np.full_like(x, _ERF_SERIES[-1])
    for c in reversed(_ERF_SERIES[:-1]):
        acc *= y
        acc += c
    return _TWO_OVER_SQRT_PI * np.exp(-x2) * x * acc


def _erfc_fraction(x):
    """erfc(x) for x >= 1.5: exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
    evaluated from the tail, with as many terms as x needs."""
    x = np.minimum(x, 40.0)  # (erfc underflows to 0 from 27.3 on)
    out = np.empty_like(x)
    bounds = [b for b, _ in _ERFC_TERMS[1:]] + [np.inf]
    for (lo, terms), hi in zip(_ERFC_TERMS, bounds):
        m = (x >= lo) & (x < hi)
        if not m.any():
            continue
        xm = x[m]
        t = xm.copy()
        for k in range(terms, 0, -1):
            t = xm + (k / 2.0) / t
        with np.errstate(under="ignore"):
            out[m] = _exp_neg_square(xm) / math.sqrt(math.pi) / t
    return out


def erf(a):
    x = _f64(a)
    with np.errstate(all="ignore"):
        ax = np.abs(x)
        small = ax < 1.5
        out = np.empty_like(x)
        out[small] = _erf_series(x[small])
        big = ~small & ~np.isnan(x)
        out[big] = np.sign(x[big]) * (1.0 - _erfc_fraction(ax[big]))
        out[np.isnan(x)] = np.nan
    return out


def erfc(a):
    x = _f64(a)
    with np.errstate(all="ignore"):
        out = np.empty_like(x)
        small = np.abs(x) < 1.5
        out[small] = 1.0 - _erf_series(x[small])
        big = ~small & ~np.isnan(x)
        tail = _erfc_fraction(np.abs(x[big]))
        out[big] = np.where(x[big] > 0, tail, 2.0 - tail)
        out[np.isnan(x)] = np.nan
    return out


def _erfinv_guess(x):
    """M. Giles' single-precision approximation of erfinv (relative error ~1e-7)."""
    w = -np.log((1.0 - x) * (1.0 + x))
    central = w < 5.0
    wc = w - 2.5
    p = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
              -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
        p = c + p * wc
    wt = np.sqrt(w) - 3.0
    q = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
              -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
        q = c + q * wt
    return np.where(central, p, q) * x


def erfinv(a):
    """Giles' approximation, then Newton steps on |x| whose residual is taken against
    erfc (1 - |x| is exact near 1, where erf(y) - x would cancel)."""
    shape = np.shape(a)
    x = _f64(a).reshape(-1)  # (at least 1-d: the steps assign through masks)
    with np.errstate(all="ignore"):
        ax = np.abs(x)
        inside = ax < 1.0
        axi = np.where(inside, ax, 0.0)
        y = _erfinv_guess(axi)
        tail = axi >= 0.5
        mid = ~tail
        log_rest = np.log1p(-axi[tail])
        for _ in range(4):
            # Newton on erf(y) = x in the middle, on log(erfc(y)) = log(1 - x) in the tails
            # (erfc(y) decays like exp(-y^2): its logarithm is nearly linear); from the guess
            # (~1e-7, worse in the far tail: x within 1e-15 of 1) four steps reach double
            # precision
            ym, yt = y[mid], y[tail]
            y[mid] = ym - (erf(ym) - axi[mid]) / (_TWO_OVER_SQRT_PI * np.exp(-ym * ym))
            c = erfc(yt)
            y[tail] = yt + (np.log(c) - log_rest) * c / (_TWO_OVER_SQRT_PI * np.exp(-yt * yt))
        out = np.copysign(y, x)
        out = np.where(ax == 1.0, np.copysign(np.inf, x), out)
        out = np.where((ax > 1.0) | np.isnan(x), np.nan, out)
    return out.reshape(shape)


# ----- gamma family

def _stirling_lgamma(z):
    """lgamma for z >= 10: Stirling's series (error below 1e-17 there)."""
    r = 1.0 / z
    r2 = r * r
    series = r * (1 / 12 + r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (
        1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156)))))))
    return (z - 0.5) * np.log(z) - z + _HALF_LOG_2PI + series


def _zeta_int(k):
    """Riemann zeta at an integer k >= 2 (Euler-Maclaurin after 30 terms)."""
    n = 30
    s = sum(j ** -float(k) for j in range(1, n))
    return s + n ** (1.0 - k) / (k - 1) + 0.5 * n ** -float(k) + k * n ** (-k - 1.0) / 12 \
        - k * (k + 1) * (k + 2) * n ** (-k - 3.0) / 720


_ZETA = {k: _zeta_int(k) for k in range(2, 40)}
# Taylor coefficients of lgamma around 1 and around 2: the zeros there would otherwise lose
# relative precision to cancellation
_AROUND_1 = [-_EULER] + [(-1) ** k * _ZETA[k] / k for k in range(2, 40)]
_AROUND_2 = [1 - _EULER] + [(-1) ** k * (_ZETA[k] - 1) / k for k in range(2, 40)]


def _poly(coeffs, e):
    """sum coeffs[i] * e^(i+1), Horner."""
    acc = np.zeros_like(e)
    for c in reversed(coeffs):
        acc = (acc + c) * e
    return acc


def _lgamma_positive(x):
    z = x.copy()
    prod = np.ones_like(x)
    logs = np.zeros_like(x)
    for _ in range(10):
        low = z < 10.0
        prod = np.where(low, prod * z, prod)
        z = np.where(low, z + 1.0, z)
        # keep the product in range for tiny x: fold it into a sum of logs now and then
        big = prod > 1e250
        logs = np.where(big, logs + np.log(prod), logs)
        prod = np.where(big, 1.0, prod)
    out = _stirling_lgamma(z) - np.log(prod) - logs
    e1, e2 = x - 1.0, x - 2.0
    out = np.where(np.abs(e1) < 0.2, _poly(_AROUND_1, e1), out)
    return np.where(np.abs(e2) < 0.2, _poly(_AROUND_2, e2), out) + 0.0  # (lgamma(1) is +0)


def _sin_pi(x):
    """sin(pi x) with the argument reduced exactly (x - round(x) is exact)."""
    r = x - np.round(x)
    s = np.sin(np.pi * r)
    return np.where(np.round(x) % 2 == 0, s, -s)


def lgamma(a):
    x = _f64(a)
    with np.errstate(all="ignore"):
        pos = x > 0
        xp = np.where(pos, x, 1.0)
        xn = np.where(pos, 0.5, x)
        out = _lgamma_positive(np.where(pos, xp, 1.0 - xn))
        refl = np.log(np.pi / np.abs(_sin_pi(xn))) - out
        out = np.where(pos, out, refl)
        out = np.where((x <= 0) & (x == np.floor(x)), np.inf, out)
        out = np.where(np.isinf(x), np.inf, out)
        out = np.where(np.isnan(x), np.nan, out)
    return out


def _digamma_positive(x):
    z = x.copy()
    acc = np.zeros_like(x)
    for _ in range(10):
        low = z < 10.0
        acc = np.where(low, acc + 1.0 / z, acc)
        z = np.where(low, z + 1.0, z)
    r2 = 1.0 / (z * z)
    series = r2 * (1 / 12 - r2 * (1 / 120 - r2 * (1 / 252 - r2 * (1 / 240 - r2 * (
        1 / 132 - r2 * (691 / 32760 - r2 / 12))))))
    return np.log(z) - 0.5 / z - series - acc


def digamma(a):
    x = _f64(a)
    with np.errstate(all="ignore"):
        pos = x > 0
        out = _digamma_positive(np.where(pos, x, 1.0 - np.where(pos, 0.5, x)))
        r = x - np.round(x)
        refl = out - np.pi / np.tan(np.pi * r)  # tan has period pi: reduce exactly
        out = np.where(pos, out, refl)
        # PyTorch: -inf at +0, +inf at -0, nan at the negative integers
        out = np.where(x == 0, np.copysign(np.inf, -x), out)
        out = np.where((x < 0) & (x == np.floor(x)), np.nan, out)
        out = np.where(x == np.inf, np.inf, out)
        out = np.where(x == -np.inf, np.nan, out)
    return out


# Bernoulli numbers B_2j / (2j)! for the Euler-Maclaurin tail of the Hurwitz zeta
_B2J = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
        43867 / 798, -174611 / 330]
_B2J_FACT = [b / math.factorial(2 * j + 2) for j, b in enumerate(_B2J)]


def _hurwitz_zeta(s, q):
    """zeta(s, q) = sum_k (q + k)^-s for an integer s >= 2 and q > 0: the first terms
    summed until q + k >= 16, then Euler-Maclaurin."""
    z = q.copy()
    acc = np.zeros_like(q)
    for _ in range(16):
        low = z < 16.0
        acc = np.where(low, acc + z ** -float(s), acc)
        z = np.where(low, z + 1.0, z)
    tail = z ** (1.0 - s) / (s - 1) + 0.5 * z ** -float(s)
    fac = float(s)  # s (s+1) ... (s + 2j - 2)
    zp = z ** (-s - 1.0)
    for j, c in enumerate(_B2J_FACT):
        tail = tail + c * fac * zp
        fac *= (s + 2 * j + 1) * (s + 2 * j + 2)
        zp = zp / (z * z)
    return acc + tail


def polygamma(n, a):
    """The n-th derivative of digamma: (-1)^(n+1) n! zeta(n + 1, x) for n >= 1. Trigamma
    (n = 1) reflects negative arguments with sin(pi x) computed as PyTorch computes it, so
    its huge values at the negative integers are PyTorch's too."""
    if n == 0:
        return digamma(a)
    x = _f64(a)
    with np.errstate(all="ignore"):
        sign = 1.0 if n % 2 else -1.0
        scale = sign * math.factorial(n)
        if n == 1:
            pos = x > 0
            inner = _hurwitz_zeta(2, np.where(pos, x, 1.0 - np.where(pos, 0.5, x)))
            refl = (np.pi / np.sin(np.pi * x)) ** 2 - inner
            out = np.where(pos, inner, refl)
            out = np.where(x == np.inf, 0.0, out)
            return np.where(np.isnan(x) | (x == -np.inf), np.nan, out)
        out = scale * _hurwitz_zeta(n + 1, np.where(x > 0, x, np.nan))
        # negative non-integers: zeta(s, q) summed from q until it is positive
        neg = (x < 0) & (x != np.floor(x))
        if np.any(neg):
            q = np.where(neg, x, 0.5)
            shift = np.maximum(np.ceil(-q), 0)
            acc = np.zeros_like(q)
            for i in range(int(min(shift.max(), 100000))):
                acc += np.where(i < shift, (q + i) ** -float(n + 1), 0.0)
            out = np.where(neg, scale * (acc + _hurwitz_zeta(n + 1, q + shift)), out)
        # PyTorch's values: a signed infinity at the poles and at -inf, nan at +inf
        out = np.where(((x <= 0) & (x == np.floor(x))) | (x == -np.inf),
                       math.copysign(np.inf, scale), out)
        return np.where(np.isnan(x) | (x == np.inf), np.nan, out)
