"""Gamma-Gamma model of the spend per transaction (Fader & Hardie 2005,
"The Gamma-Gamma model of monetary value"), numpy/scipy only, no ORM."""

import numpy as np
from scipy import special

from .rfm_fit import FitResult, collapse, minimise, wsum


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
    (ux, um), w = collapse(x[keep], m[keep])
    total = w.sum()

    def objective(logp):
        value = -wsum(w, gamma_gamma_log_likelihood(np.exp(logp), ux, um)) / total
        return value if np.isfinite(value) else 1e300

    start = np.log([1.0, 2.0, max(float(np.mean(m[keep])), 1e-6)])
    best, nit, converged, at_bound = minimise(objective, start)
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
