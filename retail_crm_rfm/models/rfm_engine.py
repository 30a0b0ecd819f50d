"""Pure RFM / clustering / CLV computations (numpy, scipy, scikit-learn; no ORM).

Everything here works on plain numpy arrays so that it can be tested directly
and called by thin ORM code on a million customers.

Scoring conventions
-------------------
* Scores are integers 1..5, 5 is best. For recency *lower* days is better, for
  frequency and monetary *higher* values are better.
* Quintile scores use the percentile of the "strictly worse" count, so that
  **ties always share the score** and the result does not depend on the order
  of the input or on partner ids::

      score = 1 + floor(5 * (number of customers with a strictly worse value) / N)

  With N distinct values this is the classic quintile (NTILE) split; a value
  shared by many customers gets the score of the lowest position of its tie
  group. The same formula is ``1 + floor(5 * PERCENT_RANK())`` in SQL with
  ``PERCENT_RANK`` computed as ``(rank - 1) / N``.
* Threshold scores: four ascending boundaries per dimension.  Frequency and
  monetary: ``score = 1 + #(boundaries <= value)``.  Recency (days):
  ``score = 5 - #(boundaries < days)``, so with ``30, 90, 180, 365`` a customer
  who bought 30 days ago or less scores 5 and one over 365 days scores 1.
* Segment: a dimension is *high* when its score is ``>= cut`` (default 3). The
  eight segments of SPEC R2 are coded ``'HHH'`` ... ``'LLL'`` in R, F, M order.

BG/NBD and Gamma-Gamma
----------------------
BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") is
fitted on ``x`` (repeat purchases), ``t_x`` (time of the last purchase since
the first) and ``T`` (age since the first purchase). Gamma-Gamma (Fader &
Hardie 2005, "The Gamma-Gamma model of monetary value") on customers with
``x > 0`` and their mean repeat spend ``m``. Both by maximum likelihood on the
logarithms of the parameters (scipy.optimize), with identical customer rows
collapsed into weights so that a million customers fit in seconds.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

SEGMENT_CODES = ("HHH", "LHH", "HLH", "LLH", "HHL", "LHL", "HLL", "LLL")

# cluster label codes: recency (A active / L lapsed), frequency (H/L), ticket (H/L)
CLUSTER_CODES = ("AHH", "AHL", "ALH", "ALL", "LHH", "LHL", "LLH", "LLL")


# ---------------------------------------------------------------------------
# Scores and segments
# ---------------------------------------------------------------------------
def quintile_scores(values, higher_is_better=True, n=5):
    """Scores 1..n by percentile of the strictly-worse count (ties share a score)."""
    values = np.asarray(values, dtype=float)
    size = values.size
    if not size:
        return np.zeros(0, dtype=np.int16)
    ordered = np.sort(values)
    if higher_is_better:
        worse = np.searchsorted(ordered, values, side="left")
    else:
        worse = size - np.searchsorted(ordered, values, side="right")
    # integer arithmetic: exact, no float rounding at bucket borders
    return (1 + (n * worse.astype(np.int64)) // size).astype(np.int16)


def threshold_scores(values, thresholds, higher_is_better=True):
    """Scores 1..5 from four ascending boundaries (see module docstring)."""
    values = np.asarray(values, dtype=float)
    bounds = np.sort(np.asarray(thresholds, dtype=float))
    if bounds.size != 4:
        raise ValueError("exactly four thresholds are needed")
    if higher_is_better:
        return (1 + np.searchsorted(bounds, values, side="right")).astype(np.int16)
    return (5 - np.searchsorted(bounds, values, side="left")).astype(np.int16)


def parse_thresholds(text):
    """'30, 90, 180, 365' -> [30.0, 90.0, 180.0, 365.0]; ValueError when invalid."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    values = [float(p) for p in parts]
    if len(values) != 4 or any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise ValueError("four strictly ascending numbers are needed")
    return values


def segment_codes(r_score, f_score, m_score, cut=3):
    """Array of segment codes 'HHH'..'LLL' (R, F, M order); high when score >= cut."""
    r_high = np.asarray(r_score) >= cut
    f_high = np.asarray(f_score) >= cut
    m_high = np.asarray(m_score) >= cut
    letters = np.array(["L", "H"])
    return np.char.add(
        np.char.add(letters[r_high.astype(int)], letters[f_high.astype(int)]),
        letters[m_high.astype(int)],
    )


# ---------------------------------------------------------------------------
# Clustering
# ---------------------------------------------------------------------------
@dataclass
class ClusterResult:
    labels: np.ndarray  # cluster index per customer
    codes: list  # label code per cluster index
    centroids: np.ndarray  # centroid per cluster in original units (R, F, M)
    k: int
    message: str = ""


def cluster_features(recency, frequency, monetary):
    """log1p features (R days, F orders, M spend clipped at 0) used by K-means."""
    return np.column_stack(
        [
            np.log1p(np.maximum(np.asarray(recency, dtype=float), 0)),
            np.log1p(np.maximum(np.asarray(frequency, dtype=float), 0)),
            np.log1p(np.maximum(np.asarray(monetary, dtype=float), 0)),
        ]
    )


def cluster_label_code(centroid, reference):
    """Readable code from a centroid (R, F, M) and the population medians.

    Recency: active when the centroid recency is at most the median; frequency
    high when above the median; ticket (M / F) high when above the median ticket.
    """
    rec, freq, mon = centroid
    ref_rec, ref_freq, ref_ticket = reference
    ticket = mon / freq if freq > 0 else 0.0
    return (
        ("A" if rec <= ref_rec else "L")
        + ("H" if freq > ref_freq else "L")
        + ("H" if ticket > ref_ticket else "L")
    )


def kmeans_clusters(recency, frequency, monetary, k=0, random_state=0, max_k=6):
    """K-means on standardised log features; k=0 chooses k by silhouette (2..max_k)."""
    # one thread: BLAS/OpenMP thread pools stall on a shared 2-core host
    with threadpool_limits(limits=1):
        return _kmeans_clusters(recency, frequency, monetary, k, random_state, max_k)


def _kmeans_clusters(recency, frequency, monetary, k, random_state, max_k):
    recency = np.asarray(recency, dtype=float)
    frequency = np.asarray(frequency, dtype=float)
    monetary = np.asarray(monetary, dtype=float)
    size = recency.size
    features = cluster_features(recency, frequency, monetary)
    rng = np.random.default_rng(random_state)
    # number of distinct points (on a sample for large populations), to bound k
    probe = features if size <= 20000 else features[rng.choice(size, 20000, replace=False)]
    distinct = np.unique(probe, axis=0).shape[0] if size else 0
    if distinct < 2:
        return ClusterResult(
            np.zeros(size, dtype=int),
            ["ALL"] * (1 if size else 0),
            np.zeros((0, 3)),
            0,
            "not enough distinct customers to cluster",
        )
    scaled = StandardScaler().fit_transform(features)
    if not k:
        # k by silhouette on a sample (silhouette is quadratic in the sample size)
        sample = scaled if size <= 3000 else scaled[rng.choice(size, 3000, replace=False)]
        best = (-2.0, 2)
        for cand in range(2, min(max_k, distinct - 1) + 1):
            model = KMeans(n_clusters=cand, n_init=2, random_state=random_state).fit(sample)
            if len(set(model.labels_)) < 2:
                continue
            score = silhouette_score(sample, model.labels_)
            if score > best[0]:
                best = (score, cand)
        k = best[1]
    k = max(1, min(int(k), distinct))
    # centres from a large sample, then every customer is assigned to its nearest centre
    fit_rows = scaled if size <= 100000 else scaled[rng.choice(size, 100000, replace=False)]
    model = KMeans(n_clusters=k, n_init=3, random_state=random_state).fit(fit_rows)
    labels = model.predict(scaled) if fit_rows is not scaled else model.labels_
    # centroids in original units, as means of the members
    counts = np.bincount(labels, minlength=k).astype(float)
    centroids = np.column_stack(
        [
            np.bincount(labels, weights=col, minlength=k) / np.maximum(counts, 1)
            for col in (recency, frequency, monetary)
        ]
    )
    ticket = np.where(frequency > 0, monetary / np.maximum(frequency, 1), 0.0)
    reference = (np.median(recency), np.median(frequency), np.median(ticket))
    codes = [cluster_label_code(c, reference) for c in centroids]
    return ClusterResult(labels, codes, centroids, k)


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
    """Unique rows and their counts (weights) of the given columns."""
    data = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    uniq, counts = np.unique(data, axis=0, return_counts=True)
    return [uniq[:, i] for i in range(uniq.shape[1])], counts.astype(float)


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


def fit_bgnbd(x, t_x, T, min_customers=20, min_repeaters=5):
    """Maximum-likelihood BG/NBD fit. Returns FitResult(params r, alpha, a, b)."""
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    n = x.size
    if n < min_customers or np.count_nonzero(x > 0) < min_repeaters:
        return FitResult(
            False,
            n_customers=n,
            message=(
                f"not enough data for BG/NBD: {n} customers, "
                f"{int(np.count_nonzero(x > 0))} with repeat purchases "
                f"(need {min_customers} and {min_repeaters})"
            ),
        )
    _check_summary(x, t_x, T)
    (ux, ut, uT), w = _collapse(x, t_x, T)
    total = w.sum()
    # terms in x only are computed once per distinct x
    xs, xi = np.unique(ux, return_inverse=True)
    has = ux > 0
    w_has = w[has]
    xi_has = xi[has]
    x_has, t_has, T_has = ux[has], ut[has], uT[has]

    def objective(logp):
        r, alpha, a, b = np.exp(logp)
        per_x = special.gammaln(r + xs) + special.gammaln(b + xs) - special.gammaln(a + b + xs)
        a3 = -(r + ux) * np.log(alpha + uT)
        ll = _wsum(w, per_x[xi] + a3) + total * (
            r * np.log(alpha) - special.gammaln(r) + special.gammaln(a + b) - special.gammaln(b)
        )
        # customers with repeat purchases: log(exp(a3) + exp(a4)) = a3 + log1p(exp(a4 - a3))
        log_ratio = (np.log(a) - np.log(np.maximum(b + xs - 1, 1e-300)))[xi_has] - (r + x_has) * (
            np.log(alpha + t_has) - np.log(alpha + T_has)
        )
        ll += _wsum(w_has, np.logaddexp(0.0, log_ratio))
        value = -ll / total
        return value if np.isfinite(value) else 1e300

    scale = max(float(np.mean(T)), 1e-6)
    start = np.log([1.0, scale, 1.0, 1.0])
    best, nit, converged, at_bound = _minimise(objective, start)
    r, alpha, a, b = np.exp(best.x)
    ll = -best.fun * total
    message = "converged" if converged else f"did not converge: {best.message}"
    if at_bound:
        message = (
            "parameters run to their bounds: the data cannot identify the BG/NBD "
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


def bgnbd_p_alive(params, x, t_x, T):
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    p = np.ones_like(x)
    has = x > 0
    log_ratio = (
        np.log(a)
        - np.log(b + x[has] - 1)
        + (r + x[has]) * (np.log(alpha + T[has]) - np.log(alpha + t_x[has]))
    )
    p[has] = 1.0 / (1.0 + np.exp(log_ratio))
    return p


def bgnbd_expected_purchases(params, t, x, t_x, T):
    """E[Y(t) | x, t_x, T]: expected purchases in the next t periods (FHL eq. 10)."""
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    z = t / (alpha + T + t)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    first = (
        (a + b + x - 1) / (a - 1) * (1 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp)
    )
    with np.errstate(divide="ignore"):
        log_ratio = np.where(
            x > 0,
            np.log(a)
            - np.log(np.maximum(b + x - 1, 1e-300))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)),
            -np.inf,
        )
    return np.maximum(first / (1 + np.exp(log_ratio)), 0.0)


def simulate_bgnbd(r, alpha, a, b, T, seed=0):
    """Simulate (x, t_x) for customers observed for T periods under BG/NBD."""
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=float)
    n = T.size
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    now = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        now[idx] += rng.exponential(1.0, idx.size) / lam[idx]
        done = now[idx] > T[idx]
        alive[idx[done]] = False
        buy = idx[~done]
        x[buy] += 1
        t_x[buy] = now[buy]
        drop = rng.random(buy.size) < p[buy]
        alive[buy[drop]] = False
    return x, t_x


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


def gamma_gamma_expected_spend(params, x, m, fallback=None):
    """E[M | x, m]; customers without repeat purchases get the population mean."""
    p, q, v = params
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    population = p * v / (q - 1)
    m = np.where((x > 0) & (m > 0), m, 0.0)
    value = (p * (v + x * m)) / (p * x + q - 1)
    return np.where(x > 0, value, population if fallback is None else fallback)


def simulate_gamma_gamma(p, q, v, x, seed=0):
    """Simulate mean spend for customers with x transactions under Gamma-Gamma."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=int)
    nu = rng.gamma(q, 1.0 / v, x.size)
    # sum of x Gamma(p, nu) spends is Gamma(p x, nu)
    return rng.gamma(p * x, 1.0 / nu) / x


def customer_value(bg_params, gg_params, x, t_x, T, m, periods, steps=1, discount=0.0):
    """Predicted value over ``periods`` (split into ``steps`` discounted sub-periods)."""
    spend = gamma_gamma_expected_spend(gg_params, x, m)
    total = np.zeros(np.asarray(x).size)
    previous = np.zeros_like(total)
    for i in range(1, steps + 1):
        cumulative = bgnbd_expected_purchases(bg_params, periods * i / steps, x, t_x, T)
        total += (cumulative - previous) * spend / (1 + discount) ** i
        previous = cumulative
    return total


def months_to_weeks(months):
    return months * 365.25 / 12 / 7
