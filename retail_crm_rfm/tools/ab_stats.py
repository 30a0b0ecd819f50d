"""A/B test statistics (pure Python and numpy)."""

import math

import numpy as np


def split_targets(partner_ids, seed, holdout_percent):
    """Reproducible random split of customers into control, A and B.

    The sorted ids are permuted by ``numpy.random.default_rng(seed)``; the
    first ``holdout_percent`` % (rounded half up) form the control group, the
    rest is cut in two halves (A gets the odd one)."""
    ids = np.array(sorted(partner_ids), dtype=np.int64)
    shuffled = ids[np.random.default_rng(seed).permutation(len(ids))]
    n_control = int(math.floor(len(ids) * holdout_percent / 100.0 + 0.5))
    rest = shuffled[n_control:]
    n_a = (len(rest) + 1) // 2
    return {
        "control": shuffled[:n_control].tolist(),
        "a": rest[:n_a].tolist(),
        "b": rest[n_a:].tolist(),
    }


def two_proportion_p_value(x_a, n_a, x_b, n_b):
    """Two-sided p-value of the pooled two-proportion z-test (1.0 when undefined)."""
    if not n_a or not n_b:
        return 1.0
    pooled = (x_a + x_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance <= 0:
        return 1.0
    z = (x_b / n_b - x_a / n_a) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))
