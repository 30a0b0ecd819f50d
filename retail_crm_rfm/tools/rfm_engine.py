"""Pure RFM scoring and clustering (numpy, scikit-learn; no ORM).

Everything here works on plain numpy arrays so that it can be tested directly,
called by thin ORM code on a million customers and by ``tools/rfm_backtest.py``.

Scoring conventions (see readme/USAGE.md for the reasons)
----------------------------------------------------------
* Scores are integers 1..5, 5 is best. For recency *lower* days is better, for
  frequency and monetary *higher* values are better.
* Customers without a purchase day in the window (frequency 0) score
  ``1, 1, 1``: explicitly lowest, they take no quintile share. Quintiles are
  computed among the customers who bought in the window.
* Quintile scores use the percentile of the "strictly worse" count, so that
  **ties always share the score** and the result does not depend on the order
  of the input or on partner ids::

      score = 1 + floor(5 * (number of window buyers with a strictly worse value) / N)

* Threshold scores: four ascending boundaries per dimension.  Frequency and
  monetary: ``score = 1 + #(boundaries <= value)``.  Recency (days):
  ``score = 5 - #(boundaries < days)``.
* Segment: F and M are *high* when their score is ``>= cut`` (default 4, the
  top two quintiles); R is high when the customer bought in the window and
  the last purchase day is at most ``recency days`` (default 90) ago. The
  eight segments of SPEC R2 are coded ``'HHH'`` ... ``'LLL'`` in R, F, M order.
"""

from dataclasses import dataclass

import numpy as np
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


def segment_codes(r_score, f_score, m_score, cut=3, r_high=None):
    """Array of segment codes 'HHH'..'LLL' (R, F, M order); high when score >= cut.

    ``r_high`` (booleans), when given, decides recency instead of its score.
    """
    r_high = np.asarray(r_score) >= cut if r_high is None else np.asarray(r_high, dtype=bool)
    f_high = np.asarray(f_score) >= cut
    m_high = np.asarray(m_score) >= cut
    letters = np.array(["L", "H"])
    return np.char.add(
        np.char.add(letters[r_high.astype(int)], letters[f_high.astype(int)]),
        letters[m_high.astype(int)],
    )


def rfm_scores(recency, frequency, monetary, thresholds=None):
    """R, F, M scores: window buyers by quintile (or ``thresholds``: three lists),
    customers without a purchase in the window 1, 1, 1."""
    recency = np.asarray(recency, dtype=float)
    frequency = np.asarray(frequency, dtype=float)
    monetary = np.asarray(monetary, dtype=float)
    buyers = frequency > 0
    scores = [np.ones(recency.size, dtype=np.int16) for _i in range(3)]
    columns = ((recency, False), (frequency, True), (monetary, True))
    for index, (values, higher) in enumerate(columns):
        if thresholds:
            scores[index][buyers] = threshold_scores(values[buyers], thresholds[index], higher)
        else:
            scores[index][buyers] = quintile_scores(values[buyers], higher)
    return scores


def segment_index(recency, frequency, f_score, m_score, cut=4, recency_days=90):
    """Index into SEGMENT_CODES per customer (rule of the module docstring)."""
    r_high = (np.asarray(frequency) > 0) & (np.asarray(recency) <= recency_days)
    codes = segment_codes(None, f_score, m_score, cut=cut, r_high=r_high)
    lookup = {code: i for i, code in enumerate(SEGMENT_CODES)}
    return np.array([lookup[code] for code in codes.tolist()], dtype=np.int64)


# ---------------------------------------------------------------------------
# Clustering
# ---------------------------------------------------------------------------
@dataclass
class ClusterResult:
    labels: np.ndarray  # cluster index per customer
    codes: list  # label code per cluster index
    centroids: np.ndarray  # centroid per cluster in original units (R days, F, ticket)
    k: int
    message: str = ""
    z_centroids: np.ndarray = None  # standardised centroid per cluster (the labels' source)


def cluster_features(recency, frequency, monetary):
    """log1p features (R days, F purchase days, ticket = M / F, 0 without purchase)."""
    frequency = np.maximum(np.asarray(frequency, dtype=float), 0)
    monetary = np.maximum(np.asarray(monetary, dtype=float), 0)
    ticket = np.where(frequency > 0, monetary / np.maximum(frequency, 1), 0.0)
    return np.column_stack(
        [np.log1p(np.maximum(np.asarray(recency, dtype=float), 0)), np.log1p(frequency), np.log1p(ticket)]
    )


def cluster_label_code(z_centroid):
    """Code from a standardised centroid (z-scores against the scored population).

    Active when the centroid's recency is below the population mean (z < 0),
    frequent when its frequency is above it (z > 0), big tickets when its
    ticket is above it (z > 0).
    """
    z_rec, z_freq, z_ticket = z_centroid
    return ("A" if z_rec < 0 else "L") + ("H" if z_freq > 0 else "L") + ("H" if z_ticket > 0 else "L")


def kmeans_clusters(recency, frequency, monetary, k=0, random_state=0, max_k=6):
    """K-means on standardised log features; k=0 chooses k by silhouette (2..max_k)."""
    # one thread: BLAS/OpenMP thread pools stall on a shared 2-core host
    with threadpool_limits(limits=1):
        return _kmeans_clusters(recency, frequency, monetary, k, random_state, max_k)


def _kmeans_clusters(recency, frequency, monetary, k, random_state, max_k):
    recency = np.asarray(recency, dtype=float)
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
            np.zeros((0, 3)),
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
    counts = np.maximum(np.bincount(labels, minlength=k).astype(float), 1)

    def means(matrix):
        return np.column_stack(
            [np.bincount(labels, weights=matrix[:, i], minlength=k) / counts for i in range(3)]
        )

    z_centroids = means(scaled)
    centroids = np.expm1(means(features))  # geometric-style centre in days, visits, money
    codes = [cluster_label_code(z) for z in z_centroids]
    return ClusterResult(labels, codes, centroids, k, "", z_centroids)
