"""Buy-till-you-die models and their holdout check (numpy/scipy only, no ORM).

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") and
MBG/NBD (Batislam, Denizel & Filiztekin 2007: a customer may also drop out
before the first repeat purchase, so one-time buyers age toward "gone") and
Pareto/NBD (``rfm_pareto``: dropout at any time, not only after a purchase) are
fitted on ``x`` (repeat purchase days), ``t_x`` (time of the last purchase
since the first) and ``T`` (age since the first purchase). Gamma-Gamma
(Fader & Hardie 2005, "The Gamma-Gamma model of monetary value") on the mean
spend (``rfm_gamma_gamma``). All by maximum likelihood on the logarithms of the parameters
(scipy.optimize), with identical customer rows collapsed into weights so that
a million customers fit in seconds.

Churn risk over a horizon ``t`` is the probability of *no purchase* in
``(T, T + t]`` given the history. A customer alive at ``T`` with rate ``lambda``
makes no purchase in ``t`` with probability ``exp(-lambda t)`` (dropout only
happens right after a purchase), and given "alive" the rate's posterior is
Gamma(r + x, alpha + T), so for BG/NBD and MBG/NBD (Pareto/NBD: ``rfm_pareto``)::

    churn = 1 - P(alive) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x))
"""

from dataclasses import dataclass, field

import numpy as np
from scipy import special

from . import rfm_pareto as pareto

# the fitting helpers and Gamma-Gamma live in their own modules; imported here
# so that callers find every model under ``rfm_models``
from .rfm_fit import LOG_BOUND, FitResult, collapse, minimise, wsum
from .rfm_gamma_gamma import (  # noqa: F401
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    gamma_gamma_log_likelihood,
)

MODELS = ("bgnbd", "mbgnbd", "pareto")
# the parameters of each model, in the order the functions below take them
PARAM_NAMES = {"bgnbd": ("r", "alpha", "a", "b"), "mbgnbd": ("r", "alpha", "a", "b"), "pareto": pareto.PARAMS}


def model_params(kind, params):
    """The fitted parameters (a dict) as the list the model's functions take."""
    return [params[name] for name in PARAM_NAMES[kind]]


# ---------------------------------------------------------------------------
# BG/NBD
# ---------------------------------------------------------------------------
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
    if kind == "pareto":
        return pareto.log_likelihood(params, x, t_x, T)
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
    w_r, xi_r, x_r = w[rows], xi[rows], ux[rows]
    # the logarithms of alpha + t are computed once per distinct day count (bit-identical)
    ts, ti = np.unique(np.concatenate([ut, uT]), return_inverse=True)
    ti = ti.reshape(-1)
    ut_i, uT_i = ti[: ut.size], ti[ut.size :]
    t_ri, T_ri = ut_i[rows], uT_i[rows]
    shift = 0.0 if modified else 1.0

    def objective(logp):
        r, alpha, a, b = np.exp(logp)
        per_x = (
            special.gammaln(r + xs)
            + special.gammaln(b + xs + 1 - shift)
            - special.gammaln(a + b + xs + 1 - shift)
        )
        log_t = np.log(alpha + ts)
        a3 = -(r + ux) * log_t[uT_i]
        ll = wsum(w, per_x[xi] + a3) + total * (
            r * np.log(alpha) - special.gammaln(r) + special.gammaln(a + b) - special.gammaln(b)
        )
        log_ratio = (np.log(a) - np.log(np.maximum(b + xs - shift, 1e-300)))[xi_r] - (r + x_r) * (
            log_t[t_ri] - log_t[T_ri]
        )
        ll += wsum(w_r, np.logaddexp(0.0, log_ratio))
        value = -ll / total
        return value if np.isfinite(value) else 1e300

    return objective, total


def fit_bgnbd(x, t_x, T, min_customers=20, min_repeaters=5, kind="bgnbd", start=None):
    """Maximum-likelihood BG/NBD (or MBG/NBD) fit. Returns FitResult(params r, alpha, a, b).

    ``start``: parameters to start from (e.g. the calibration fit), else a neutral guess.
    ``kind="pareto"``: Pareto/NBD (``rfm_pareto.fit``, params r, alpha, s, beta).
    """
    if kind == "pareto":
        return pareto.fit(x, t_x, T, min_customers, min_repeaters, start=start)
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
    (ux, ut, uT), w = collapse(x, t_x, T)
    objective, total = _objective(kind, ux, ut, uT, w)
    scale = max(float(np.mean(T)), 1e-6)
    guess = np.log([1.0, scale, 1.0, 1.0])
    if start:
        guess = np.clip(np.log([start[k] for k in ("r", "alpha", "a", "b")]), -LOG_BOUND + 1, LOG_BOUND - 1)
    best, nit, converged, at_bound = minimise(objective, guess)
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
    """P(alive at T | x, t_x, T). BG/NBD: 1 without repeat purchase; MBG/NBD, Pareto/NBD: less."""
    if kind == "pareto":
        return pareto.p_alive(params, x, t_x, T)
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

    BG/NBD: FHL 2005 eq. 10; MBG/NBD: Batislam et al. 2007 eq. 11; Pareto/NBD: see rfm_pareto.
    """
    if kind == "pareto":
        return pareto.expected_purchases(params, t, x, t_x, T)
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
    """P(no purchase in (T, T + t] | history): see the module docstring (Pareto/NBD: rfm_pareto's)."""
    if kind == "pareto":
        return pareto.churn_risk(params, t, x, t_x, T)
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
    # Pareto/NBD: P(alive), the costly factor, does not depend on the horizon
    alive = pareto.p_alive(params, x, t_x, T) if kind == "pareto" else None
    for i in range(1, steps + 1):
        t = horizon * i / steps
        if alive is not None:
            cumulative = pareto.expected_purchases(params, t, x, t_x, T, alive=alive)
        else:
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
    params = model_params(kind, fit.params)
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


def months_to_weeks(months):
    return months * 365.25 / 12 / 7
