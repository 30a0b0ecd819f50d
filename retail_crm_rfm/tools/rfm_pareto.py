"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987), numpy/scipy only, no ORM.

While alive a customer buys at rate ``lambda`` ~ Gamma(r, alpha) and dies at
an exponential time of rate ``mu`` ~ Gamma(s, beta), at any moment (not only
after a purchase as in BG/NBD). Inputs as for BG/NBD: ``x`` repeat purchase
days, ``t_x`` time of the last purchase since the first, ``T`` age.

Likelihood in the form of Fader, Hardie & Lee (2005, "A note on deriving the
Pareto/NBD model and related expressions", eq. 19-22), in logarithms; the
Gauss hypergeometric functions are evaluated once per distinct customer row.

Churn risk over ``t``: the probability of no purchase in ``(T, T + t]``.
Given alive at ``T``, ``lambda`` ~ Gamma(r + x, alpha + T) and the remaining
lifetime ``tau`` is Lomax(s, beta + T); no purchase happens with probability
``E[exp(-lambda min(t, tau))]``, integrated over ``tau`` by Gauss-Legendre::

    churn = 1 - P(alive) * (1 - E[((alpha + T) / (alpha + T + min(t, tau))) ** (r + x)])
"""

import numpy as np
from scipy import special

from .rfm_fit import LOG_BOUND, FitResult, collapse, minimise

PARAMS = ("r", "alpha", "s", "beta")
# nodes of the quadrature of the churn risk over the remaining lifetime
QUADRATURE_NODES = 32


def pair_indices(x, t_x, T):
    """The distinct ``(x, t_x)`` and ``(x, T)`` rows, each with every row's index among them.

    The hypergeometric terms of ``_log_a0`` depend on one pair each: they
    are evaluated once per distinct pair (far fewer than distinct customer
    rows), with bit-identical results.
    """
    shape = np.broadcast(x, t_x, T).shape
    x, t_x, T = (np.broadcast_to(np.asarray(v, dtype=float), shape).ravel() for v in (x, t_x, T))
    pairs = []
    for t in (t_x, T):
        keys, inverse = np.unique(np.stack([x, t], axis=1), axis=0, return_inverse=True)
        pairs.append((keys[:, 0], keys[:, 1], inverse.reshape(shape)))
    return pairs


def _log_a0(params, x, t_x, T, pairs=None):
    """log A0 of FHL (2005): the term of the customers who died in (t_x, T]."""
    r, alpha, s, beta = params
    if alpha >= beta:
        high, low = alpha, beta
    else:
        high, low = beta, alpha
    gap = high - low

    def term(x, t):
        rsx = r + s + x
        second = s + 1.0 if alpha >= beta else r + x
        return np.log(special.hyp2f1(rsx, second, rsx + 1.0, gap / (high + t))) - rsx * np.log(high + t)

    (x_tx, tx, at_tx_index), (x_T, TT, at_T_index) = pairs or pair_indices(x, t_x, T)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        at_tx = term(x_tx, tx)[at_tx_index]
        at_T = term(x_T, TT)[at_T_index]
        # log(exp(at_tx) - exp(at_T)), at_tx >= at_T (t_x <= T); -inf when t_x = T
        return at_tx + np.log1p(-np.exp(np.minimum(at_T - at_tx, 0.0)))


def log_likelihood(params, x, t_x, T, pairs=None):
    """Per-customer Pareto/NBD log-likelihood for params (r, alpha, s, beta).

    ``pairs``: ``pair_indices(x, t_x, T)`` when already computed (a fit evaluates it many times).
    """
    r, alpha, s, beta = params
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    # far from the optimum the hypergeometric function may overflow: NaN, which
    # the fit's objective treats as a worst value
    with np.errstate(invalid="ignore", over="ignore"):
        dead = np.log(s) - np.log(r + s + x) + _log_a0(params, x, t_x, T, pairs)
        return head + np.logaddexp(alive, dead)


def fit(x, t_x, T, min_customers=20, min_repeaters=5, start=None):
    """Maximum-likelihood Pareto/NBD fit. Returns FitResult(params r, alpha, s, beta)."""
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    n = x.size
    if n < min_customers or np.count_nonzero(x > 0) < min_repeaters:
        return FitResult(
            False,
            n_customers=n,
            message=(
                f"not enough data for Pareto/NBD: {n} customers, "
                f"{int(np.count_nonzero(x > 0))} with repeat purchases "
                f"(need {min_customers} and {min_repeaters})"
            ),
        )
    (ux, ut, uT), w = collapse(x, t_x, T)
    total = w.sum()
    pairs = pair_indices(ux, ut, uT)

    def objective(logp):
        value = -float(np.sum(w * log_likelihood(np.exp(logp), ux, ut, uT, pairs))) / total
        return value if np.isfinite(value) else 1e300

    scale = max(float(np.mean(T)), 1e-6)
    guess = np.log([1.0, scale, 1.0, scale])
    if start:
        guess = np.clip(np.log([start[k] for k in PARAMS]), -LOG_BOUND + 1, LOG_BOUND - 1)
    best, nit, converged, at_bound = minimise(objective, guess)
    values = dict(zip(PARAMS, (float(v) for v in np.exp(best.x)), strict=True))
    message = "converged" if converged else f"did not converge: {best.message}"
    if at_bound:
        message = (
            "parameters run to their bounds: the data cannot identify the Pareto/NBD "
            "model (e.g. no customer seems to drop out)"
        )
    return FitResult(True, values, float(-best.fun * total), converged, nit, n, message)


def p_alive(params, x, t_x, T):
    """P(alive at T | x, t_x, T) (FHL 2005, eq. 18)."""
    r, alpha, s, beta = params
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    log_ratio = (
        np.log(s)
        - np.log(r + s + x)
        + (r + x) * np.log(alpha + T)
        + s * np.log(beta + T)
        + _log_a0(params, x, t_x, T)
    )
    return 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700.0)))


def expected_purchases(params, t, x, t_x, T, alive=None):
    """E[Y(t) | x, t_x, T] (FHL 2005, eq. 25; the limit ``log`` form at s = 1).

    ``alive``: ``p_alive`` of the same customers when already computed.
    """
    r, alpha, s, beta = params
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    rate = (r + x) / (alpha + T)
    if abs(s - 1.0) < 1e-9:
        lifetime = (beta + T) * np.log((beta + T + t) / (beta + T))
    else:
        lifetime = (beta + T) / (s - 1.0) * (1.0 - ((beta + T) / (beta + T + t)) ** (s - 1.0))
    if alive is None:
        alive = p_alive(params, x, t_x, T)
    return np.maximum(rate * lifetime * alive, 0.0)


def churn_risk(params, t, x, t_x, T):
    """P(no purchase in (T, T + t] | history): see the module docstring."""
    r, alpha, s, beta = params
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    shape = r + x
    # survivors of the horizon: no purchase in t
    quiet = ((beta + T) / (beta + T + t)) ** s * ((alpha + T) / (alpha + T + t)) ** shape
    # death at u in (0, t): no purchase in u; density of the Lomax(s, beta + T) remaining lifetime
    nodes, weights = np.polynomial.legendre.leggauss(QUADRATURE_NODES)
    u = (nodes[:, None] + 1.0) * (t / 2.0)
    density = s / (beta + T) * (1.0 + u / (beta + T)) ** (-s - 1.0)
    no_purchase = ((alpha + T) / (alpha + T + u)) ** shape
    quiet = quiet + (t / 2.0) * np.sum(weights[:, None] * density * no_purchase, axis=0)
    return 1.0 - p_alive(params, x, t_x, T) * (1.0 - quiet)
