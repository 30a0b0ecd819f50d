"""Maximum-likelihood helpers shared by the customer models (numpy/scipy only, no ORM).

Fits run on the logarithms of the parameters, bounded (``LOG_BOUND``), with
identical customer rows collapsed into weights (``collapse``) so that a
million customers fit in seconds.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize


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


def minimise(objective, start):
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


def wsum(weights, values):
    """Weighted sum without BLAS (a multi-threaded BLAS dot stalls on a busy host)."""
    return float(np.sum(weights * values))


def collapse(*columns):
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
