"""Buy-till-you-die models and their holdout check (numpy/scipy only, no ORM).

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") and
MBG/NBD (Batislam, Denizel & Filiztekin 2007: a customer may also drop out
before the first repeat purchase, so one-time buyers age toward "gone") are
fitted on ``x`` (repeat purchase days), ``t_x`` (time of the last purchase
since the first) and ``T`` (age since the first purchase). Gamma-Gamma
(Fader & Hardie 2005, "The Gamma-Gamma model of monetary value") on the mean
spend. All by maximum likelihood on the logarithms of the parameters
(scipy.optimize), with identical customer rows collapsed into weights so that
a million customers fit in seconds.

Churn risk over a horizon ``t`` is the probability of *no purchase* in
``(T, T + t]`` given the history. A customer alive at ``T`` with rate ``lambda``
makes no purchase in ``t`` with probability ``exp(-lambda t)`` (dropout only
happens right after a purchase), and given "alive" the rate's posterior is
Gamma(r + x, alpha + T), so for both models::

    churn = 1 - P(alive) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x))
"""

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special

MODELS = ("bgnbd", "mbgnbd")


# ---------------------------------------------------------------------------
# BG/NBD
# ---------------------------------------------------------------------------
@dataclass
class FitResult:
    ok: bool
    params: dict = field(default_factory=dict)
    log_likelihood: float = float("nan")
    converged: bool = False
    iterations: int = 0
    n_customers: int = 0
    message: str = ""


LOG_BOUND = 18.0  # parameters live in [e^-18, e^18]; reaching a bound means "not identified"


def _minimise(objective, start):
    """Bounded L-BFGS-B on log-parameters, polished by Nelder-Mead when it stops early."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    res = optimize.minimize(
        objective,
        start,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-8},
    )
    nit = res.nit
    if not res.success:
        res2 = optimize.minimize(
            objective,
            np.clip(res.x, -LOG_BOUND, LOG_BOUND),
            method="Nelder-Mead",
            bounds=bounds,
            options={"maxiter": 2000, "xatol": 1e-8, "fatol": 1e-12},
        )
        nit += res2.nit
        if res2.fun <= res.fun:
            res = res2
    at_bound = bool(np.any(np.abs(res.x) > LOG_BOUND - 0.5))
    return res, nit, bool(res.success) and not at_bound, at_bound


def _wsum(weights, values):
    """Weighted sum without BLAS (a multi-threaded BLAS dot stalls on a busy host)."""
    return float(np.sum(weights * values))


def _collapse(*columns):
    """Unique rows and their counts (weights) of the given columns (sorted like np.unique)."""
    data = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    if not data.shape[0]:
        return [data[:, i] for i in range(data.shape[1])], np.zeros(0)
    # lexsort + run boundaries: several times faster than np.unique(axis=0) on a million rows
    order = np.lexsort(data.T[::-1])
    ordered = data[order]
    starts = np.flatnonzero(np.r_[True, np.any(ordered[1:] != ordered[:-1], axis=1)])
    counts = np.diff(np.r_[starts, ordered.shape[0]]).astype(float)
    uniq = ordered[starts]
    return [uniq[:, i] for i in range(uniq.shape[1])], counts


def bgnbd_log_likelihood(params, x, t_x, T):
    """Per-customer BG/NBD log-likelihood (FHL 2005, eq. 6) for params (r, alpha, a, b)."""
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    has = x > 0
    a4 = np.full_like(x, -np.inf)
    a4[has] = np.log(a) - np.log(b + x[has] - 1) - (r + x[has]) * np.log(alpha + t_x[has])
    return a1 + a2 + np.logaddexp(a3, a4)


def _check_summary(x, t_x, T):
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T + 1e-9):
        raise ValueError("invalid customer summary: need x >= 0 and 0 <= t_x <= T")


def mbgnbd_log_likelihood(params, x, t_x, T):
    """Per-customer MBG/NBD log-likelihood (Batislam et al. 2007) for params (r, alpha, a, b)."""
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x + 1)
        - special.gammaln(b)
        - special.gammaln(a + b + x + 1)
    )
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return a1 + a2 + a3 + np.logaddexp(0.0, a4)


def log_likelihood(kind, params, x, t_x, T):
    if kind == "mbgnbd":
        return mbgnbd_log_likelihood(params, x, t_x, T)
    return bgnbd_log_likelihood(params, x, t_x, T)


def _objective(kind, ux, ut, uT, w):
    """Mean negative log-likelihood on collapsed rows (terms in x computed once per distinct x)."""
    total = w.sum()
    xs, xi = np.unique(ux, return_inverse=True)
    modified = kind == "mbgnbd"
    # BG/NBD: the dropout term exists only for customers with repeat purchases
    rows = np.ones(ux.size, dtype=bool) if modified else ux > 0
    w_r, xi_r, x_r, t_r, T_r = w[rows], xi[rows], ux[rows], ut[rows], uT[rows]
    shift = 0.0 if modified else 1.0

    def objective(logp):
        r, alpha, a, b = np.exp(logp)
        per_x = (
            special.gammaln(r + xs)
            + special.gammaln(b + xs + 1 - shift)
            - special.gammaln(a + b + xs + 1 - shift)
        )
        a3 = -(r + ux) * np.log(alpha + uT)
        ll = _wsum(w, per_x[xi] + a3) + total * (
            r * np.log(alpha) - special.gammaln(r) + special.gammaln(a + b) - special.gammaln(b)
        )
        log_ratio = (np.log(a) - np.log(np.maximum(b + xs - shift, 1e-300)))[xi_r] - (r + x_r) * (
            np.log(alpha + t_r) - np.log(alpha + T_r)
        )
        ll += _wsum(w_r, np.logaddexp(0.0, log_ratio))
        value = -ll / total
        return value if np.isfinite(value) else 1e300

    return objective, total


def fit_bgnbd(x, t_x, T, min_customers=20, min_repeaters=5, kind="bgnbd", start=None):
    """Maximum-likelihood BG/NBD (or MBG/NBD) fit. Returns FitResult(params r, alpha, a, b).

    ``start``: parameters to start from (e.g. the calibration fit), else a neutral guess.
    """
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    n = x.size
    label = "MBG/NBD" if kind == "mbgnbd" else "BG/NBD"
    if n < min_customers or np.count_nonzero(x > 0) < min_repeaters:
        return FitResult(
            False,
            n_customers=n,
            message=(
                f"not enough data for {label}: {n} customers, "
                f"{int(np.count_nonzero(x > 0))} with repeat purchases "
                f"(need {min_customers} and {min_repeaters})"
            ),
        )
    _check_summary(x, t_x, T)
    (ux, ut, uT), w = _collapse(x, t_x, T)
    objective, total = _objective(kind, ux, ut, uT, w)
    scale = max(float(np.mean(T)), 1e-6)
    guess = np.log([1.0, scale, 1.0, 1.0])
    if start:
        guess = np.clip(np.log([start[k] for k in ("r", "alpha", "a", "b")]), -LOG_BOUND + 1, LOG_BOUND - 1)
    best, nit, converged, at_bound = _minimise(objective, guess)
    r, alpha, a, b = np.exp(best.x)
    ll = -best.fun * total
    message = "converged" if converged else f"did not converge: {best.message}"
    if at_bound:
        message = (
            f"parameters run to their bounds: the data cannot identify the {label} "
            "model (e.g. no customer seems to drop out)"
        )
    return FitResult(
        True,
        {"r": float(r), "alpha": float(alpha), "a": float(a), "b": float(b)},
        float(ll),
        converged,
        nit,
        n,
        message,
    )


def fit_mbgnbd(x, t_x, T, min_customers=20, min_repeaters=5):
    return fit_bgnbd(x, t_x, T, min_customers, min_repeaters, kind="mbgnbd")


def p_alive(kind, params, x, t_x, T):
    """P(alive at T | x, t_x, T). BG/NBD: 1 without repeat purchase; MBG/NBD: less."""
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    shift = 0.0 if kind == "mbgnbd" else 1.0
    with np.errstate(divide="ignore"):
        log_ratio = (
            np.log(a)
            - np.log(np.maximum(b + x - shift, 1e-300))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
    if kind != "mbgnbd":
        log_ratio = np.where(x > 0, log_ratio, -np.inf)
    return 1.0 / (1.0 + np.exp(log_ratio))


def bgnbd_p_alive(params, x, t_x, T):
    return p_alive("bgnbd", params, x, t_x, T)


def expected_purchases(kind, params, t, x, t_x, T):
    """E[Y(t) | x, t_x, T]: expected purchases in the next t periods.

    BG/NBD: FHL 2005 eq. 10; MBG/NBD: Batislam et al. 2007 eq. 11.
    """
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    shift = 0.0 if kind == "mbgnbd" else 1.0
    z = t / (alpha + T + t)
    hyp = special.hyp2f1(r + x, b + x + 1 - shift, a + b + x - shift, z)
    first = (
        (a + b + x - shift)
        / (a - 1)
        * (1 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp)
    )
    return np.maximum(first * p_alive(kind, params, x, t_x, T), 0.0)


def bgnbd_expected_purchases(params, t, x, t_x, T):
    return expected_purchases("bgnbd", params, t, x, t_x, T)


def churn_risk(kind, params, t, x, t_x, T):
    """P(no purchase in (T, T + t] | history): see the module docstring."""
    r, alpha, _a, _b = params
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    quiet_if_alive = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    return 1.0 - p_alive(kind, params, x, t_x, T) * (1.0 - quiet_if_alive)


def discounted_value(kind, params, horizon, x, t_x, T, spend, annual_rate=0.0, steps=12, period_days=7.0):
    """Expected spend over ``horizon`` periods, discounted at ``annual_rate``.

    The horizon is cut into ``steps`` equal parts; the purchases expected in
    part ``i`` are valued at ``spend`` and discounted from its end
    (``(1 + rate) ** years``).
    """
    total = np.zeros(np.asarray(x).size)
    previous = np.zeros_like(total)
    for i in range(1, steps + 1):
        t = horizon * i / steps
        cumulative = expected_purchases(kind, params, t, x, t_x, T)
        years = t * period_days / 365.25
        total += (cumulative - previous) * spend / (1.0 + annual_rate) ** years
        previous = cumulative
    return total


@dataclass
class HoldoutResult:
    kind: str
    fit: FitResult
    predicted: float = float("nan")
    actual: float = float("nan")
    error: float = float("nan")
    rows: list = field(default_factory=list)  # (bucket, customers, actual, predicted)


def holdout_check(kind, x, t_x, T, length, actual, top_bucket=7):
    """Fit on the calibration summary, predict the holdout's repeat purchases.

    ``actual`` are the purchase days each customer made in the holdout of
    ``length`` periods. The error is the sum over calibration-frequency
    buckets (0, 1, ..., ``top_bucket``+) of |predicted - actual| divided by the
    total actual: it is 0 only when every bucket is right, and it includes
    the error of the total.
    """
    x = np.asarray(x, dtype=float)
    actual = np.asarray(actual, dtype=float)
    fit = fit_bgnbd(x, t_x, T, kind=kind)
    result = HoldoutResult(kind, fit)
    if not (fit.ok and fit.converged):
        return result
    params = [fit.params[k] for k in ("r", "alpha", "a", "b")]
    predicted = expected_purchases(kind, params, length, x, t_x, T)
    bucket = np.minimum(x, top_bucket).astype(int)
    rows = []
    for value in range(top_bucket + 1):
        members = bucket == value
        rows.append(
            (value, int(members.sum()), float(actual[members].sum()), float(predicted[members].sum()))
        )
    result.rows = rows
    result.actual = float(actual.sum())
    result.predicted = float(predicted.sum())
    result.error = sum(abs(p - a) for _b, _n, a, p in rows) / max(result.actual, 1.0)
    return result


def choose_model(checks):
    """The holdout check with the lowest error (None when no model could be checked)."""
    valid = [check for check in checks if np.isfinite(check.error)]
    return min(valid, key=lambda check: check.error) if valid else None


# ---------------------------------------------------------------------------
# Gamma-Gamma
# ---------------------------------------------------------------------------
def gamma_gamma_log_likelihood(params, x, m):
    """Per-customer Gamma-Gamma log-likelihood of mean spend m over x transactions."""
    p, q, v = params
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(x * m + v)
    )


def fit_gamma_gamma(x, m, min_customers=10):
    """Maximum-likelihood Gamma-Gamma fit on customers with x > 0 and m > 0."""
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    keep = (x > 0) & (m > 0)
    n = int(keep.sum())
    if n < min_customers:
        return FitResult(
            False,
            n_customers=n,
            message=(
                f"not enough repeat customers with positive spend for Gamma-Gamma: {n} (need {min_customers})"
            ),
        )
    (ux, um), w = _collapse(x[keep], m[keep])
    total = w.sum()

    def objective(logp):
        value = -_wsum(w, gamma_gamma_log_likelihood(np.exp(logp), ux, um)) / total
        return value if np.isfinite(value) else 1e300

    start = np.log([1.0, 2.0, max(float(np.mean(m[keep])), 1e-6)])
    best, nit, converged, at_bound = _minimise(objective, start)
    p, q, v = np.exp(best.x)
    message = "converged" if converged else f"did not converge: {best.message}"
    if at_bound:
        message = (
            "parameters run to their bounds: spend does not vary between customers "
            "as the Gamma-Gamma model needs"
        )
    elif q <= 1:
        converged = False
        message = "q <= 1: expected spend is undefined, the data cannot support the model"
    return FitResult(
        True,
        {"p": float(p), "q": float(q), "v": float(v)},
        float(-best.fun * total),
        converged,
        nit,
        n,
        message,
    )


def gamma_gamma_expected_spend(params, x, m):
    """E[M | x, m] (Fader & Hardie 2005, eq. 5): the customer's mean spend ``m``
    over ``x`` transactions shrunk toward the population mean ``p v / (q - 1)``.

    ``x = 0`` gives the population mean; the run passes ``x = 1`` and the single
    purchase for one-time buyers, so that their own purchase counts.
    """
    p, q, v = params
    x = np.asarray(x, dtype=float)
    m = np.where(np.asarray(x) > 0, np.maximum(np.asarray(m, dtype=float), 0.0), 0.0)
    return (p * (v + x * m)) / (p * x + q - 1)


def months_to_weeks(months):
    return months * 365.25 / 12 / 7
