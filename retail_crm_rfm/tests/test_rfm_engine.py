import math
from unittest.mock import patch

import numpy as np
from scipy import integrate, special

from odoo.addons.retail_crm_rfm.tools import rfm_engine as engine
from odoo.addons.retail_crm_rfm.tools import rfm_models as stats
from odoo.addons.retail_crm_rfm.tools import rfm_pipeline as pipeline
from odoo.addons.retail_crm_rfm.tools import rfm_simulate as sim
from odoo.tests import BaseCase, tagged

# published BG/NBD estimates for CDNOW (Fader, Hardie & Lee 2005), time unit: weeks
CDNOW_BGNBD = (0.243, 4.414, 0.793, 2.426)
# published Pareto/NBD estimates for CDNOW (Fader, Hardie & Lee 2005, "A note on deriving
# the Pareto/NBD model and related expressions"), time unit: weeks
CDNOW_PARETO = (0.5534, 10.5802, 0.6061, 11.6562)
# published Gamma-Gamma estimates for CDNOW (Fader & Hardie 2005)
CDNOW_GG = (6.25, 3.74, 15.44)


def closed_form_bgnbd(params, x, t_x, T):
    """FHL 2005 eq. (6) written directly with Beta and Gamma functions."""
    r, alpha, a, b = params
    common = math.gamma(r + x) * alpha**r / math.gamma(r)
    value = special.beta(a, b + x) / special.beta(a, b) * common / (alpha + T) ** (r + x)
    if x > 0:
        value += special.beta(a + 1, b + x - 1) / special.beta(a, b) * common / (alpha + t_x) ** (r + x)
    return math.log(value)


def integral_pareto(params, x, t_x, T):
    """Pareto/NBD log-likelihood from its definition: alive at T, or died at y in (t_x, T]
    (the lifetime integral by numerical quadrature, no hypergeometric function)."""
    r, alpha, s, beta = params
    common = math.exp(special.gammaln(r + x) - special.gammaln(r)) * alpha**r * beta**s
    alive = (alpha + T) ** -(r + x) * (beta + T) ** -s
    died = integrate.quad(
        lambda y: (alpha + y) ** -(r + x) * (beta + y) ** -(s + 1), t_x, T, epsabs=0, epsrel=1e-12
    )[0]
    return math.log(common * (alive + s * died))


def closed_form_gamma_gamma(params, x, m):
    p, q, v = params
    value = (
        math.gamma(p * x + q)
        / (math.gamma(p * x) * math.gamma(q))
        * v**q
        * x ** (p * x)
        * m ** (p * x - 1)
        / (v + x * m) ** (p * x + q)
    )
    return math.log(value)


@tagged("post_install", "-at_install")
class TestRfmEngine(BaseCase):
    def test_quintile_scores_distinct_and_ties(self):
        self.assertEqual(engine.quintile_scores(np.arange(1, 11)).tolist(), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        # lower is better (recency): ties share the score of their lowest position
        self.assertEqual(
            engine.quintile_scores([1, 1, 1, 2, 3], higher_is_better=False).tolist(), [3, 3, 3, 2, 1]
        )
        # all equal: everybody gets 1, whatever the order
        self.assertEqual(engine.quintile_scores([7, 7, 7, 7]).tolist(), [1, 1, 1, 1])
        # independent of input order
        rng = np.random.default_rng(4)
        values = rng.integers(0, 6, 200)
        perm = rng.permutation(200)
        self.assertEqual(
            engine.quintile_scores(values)[perm].tolist(), engine.quintile_scores(values[perm]).tolist()
        )
        # brute force reference
        ref = [1 + (5 * sum(1 for w in values if w < v)) // len(values) for v in values]
        self.assertEqual(engine.quintile_scores(values).tolist(), ref)
        self.assertEqual(engine.quintile_scores([]).size, 0)

    def test_threshold_scores(self):
        bounds = [30, 90, 180, 365]
        self.assertEqual(
            engine.threshold_scores([0, 30, 31, 90, 180, 365, 366], bounds, higher_is_better=False).tolist(),
            [5, 5, 4, 4, 3, 2, 1],
        )
        self.assertEqual(
            engine.threshold_scores([0, 2, 3, 5, 8, 20], [2, 3, 5, 8]).tolist(), [1, 2, 3, 4, 5, 5]
        )
        self.assertEqual(engine.parse_thresholds("30, 90;180,365"), [30, 90, 180, 365])
        for bad in ("1,2,3", "4,3,2,1", "a,b,c,d", "", "1,1,2,3"):
            with self.assertRaises(ValueError):
                engine.parse_thresholds(bad)

    def test_segments(self):
        codes = engine.segment_codes(
            [5, 1, 5, 1, 5, 1, 5, 1], [5, 5, 1, 1, 5, 5, 1, 1], [5, 5, 5, 5, 1, 1, 1, 1], cut=3
        )
        self.assertEqual(codes.tolist(), list(engine.SEGMENT_CODES))
        self.assertEqual(engine.segment_codes([3], [2], [4], cut=3).tolist(), ["HLH"])
        self.assertEqual(engine.segment_codes([3], [2], [4], cut=4).tolist(), ["LLH"])

    def test_bgnbd_log_likelihood_hand_checked(self):
        # r = alpha = a = b = 1, x = 0, T = 1: L = alpha / (alpha + T) = 1/2
        self.assertAlmostEqual(
            stats.bgnbd_log_likelihood((1, 1, 1, 1), [0], [0], [1])[0], math.log(0.5), places=12
        )
        # x = 1, t_x = 1, T = 2: L = 1/18 + 1/8 = 13/72 (computed by hand)
        self.assertAlmostEqual(
            stats.bgnbd_log_likelihood((1, 1, 1, 1), [1], [1], [2])[0], math.log(13 / 72), places=12
        )
        for x, t_x, T in ((0, 0, 30.5), (2, 10.3, 38), (7, 30, 31), (1, 0.5, 0.5)):
            self.assertAlmostEqual(
                stats.bgnbd_log_likelihood(CDNOW_BGNBD, [x], [t_x], [T])[0],
                closed_form_bgnbd(CDNOW_BGNBD, x, t_x, T),
                places=10,
            )

    def test_gamma_gamma_log_likelihood_hand_checked(self):
        # p = q = v = 1, x = 1, m = 1: f = 1 * 1 / (1 + 1)^2 = 1/4
        self.assertAlmostEqual(
            stats.gamma_gamma_log_likelihood((1, 1, 1), [1], [1])[0], math.log(0.25), places=12
        )
        for x, m in ((1, 20.0), (3, 35.5), (10, 5.0)):
            self.assertAlmostEqual(
                stats.gamma_gamma_log_likelihood(CDNOW_GG, [x], [m])[0],
                closed_form_gamma_gamma(CDNOW_GG, x, m),
                places=9,
            )

    def test_bgnbd_recovers_cdnow_parameters(self):
        rng = np.random.default_rng(7)
        # CDNOW: 39-week calibration, first purchases spread over 12 weeks
        T = rng.uniform(27, 39, 30000)
        x, t_x = sim.simulate_bgnbd(*CDNOW_BGNBD, T, seed=11)
        fit = stats.fit_bgnbd(x, t_x, T)
        self.assertTrue(fit.ok and fit.converged, fit.message)
        for name, expected, tolerance in zip(
            ("r", "alpha", "a", "b"), CDNOW_BGNBD, (0.15, 0.2, 0.25, 0.35), strict=True
        ):
            self.assertAlmostEqual(fit.params[name] / expected, 1.0, delta=tolerance, msg=name)
        # the optimum beats the truth on its own data, and the reported value is the sum
        true_ll = stats.bgnbd_log_likelihood(CDNOW_BGNBD, x, t_x, T).sum()
        self.assertGreaterEqual(fit.log_likelihood, true_ll - 1e-6)
        params = [fit.params[k] for k in ("r", "alpha", "a", "b")]
        self.assertAlmostEqual(
            fit.log_likelihood, stats.bgnbd_log_likelihood(params, x, t_x, T).sum(), places=4
        )

    def test_bgnbd_predictions_match_simulation(self):
        """Expected future purchases averaged over customers equal simulated counts."""
        rng = np.random.default_rng(3)
        n, T, horizon = 40000, 30.0, 20.0
        r, alpha, a, b = CDNOW_BGNBD
        lam = rng.gamma(r, 1 / alpha, n)
        p = rng.beta(a, b, n)
        x = np.zeros(n)
        t_x = np.zeros(n)
        future = np.zeros(n)
        now = np.zeros(n)
        alive = np.ones(n, dtype=bool)
        while alive.any():
            idx = np.flatnonzero(alive)
            now[idx] += rng.exponential(1, idx.size) / lam[idx]
            over = now[idx] > T + horizon
            alive[idx[over]] = False
            buy = idx[~over]
            calib = now[buy] <= T
            x[buy[calib]] += 1
            t_x[buy[calib]] = now[buy[calib]]
            future[buy[~calib]] += 1
            drop = rng.random(buy.size) < p[buy]
            alive[buy[drop]] = False
        expected = stats.bgnbd_expected_purchases(CDNOW_BGNBD, horizon, x, t_x, np.full(n, T))
        self.assertAlmostEqual(expected.mean() / future.mean(), 1.0, delta=0.05)
        # conditional on the calibration behaviour, too: frequent buyers
        group = x >= 3
        self.assertAlmostEqual(expected[group].mean() / future[group].mean(), 1.0, delta=0.08)
        p_alive = stats.bgnbd_p_alive(CDNOW_BGNBD, x, t_x, np.full(n, T))
        self.assertTrue(np.all((p_alive > 0) & (p_alive <= 1)))
        self.assertTrue(np.all(p_alive[x == 0] == 1))

    def test_pareto_nbd_likelihood_fit_and_predictions(self):
        # the likelihood (hypergeometric form) equals its definition (an integral), on
        # both branches (alpha >= beta and alpha < beta)
        for params in (CDNOW_PARETO, (0.55, 20.0, 0.6, 3.0), (2.0, 3.0, 1.5, 40.0)):
            for x, t_x, T in ((0, 0, 30), (2, 10, 30), (5, 29, 39), (10, 2, 38), (1, 0.5, 1)):
                self.assertAlmostEqual(
                    stats.log_likelihood("pareto", params, [x], [t_x], [T])[0],
                    integral_pareto(params, x, t_x, T),
                    places=9,
                    msg=(params, x, t_x, T),
                )
        # the fit recovers the parameters the data were simulated from
        rng = np.random.default_rng(7)
        T = rng.uniform(27, 39, 30000)
        horizon = 39.0
        x, t_x, future = sim.simulate_pareto(*CDNOW_PARETO, T, horizon, seed=11)
        fit = stats.fit_bgnbd(x, t_x, T, kind="pareto")
        self.assertTrue(fit.ok and fit.converged, fit.message)
        # s and beta are weakly identified one by one (a known property of the model),
        # their ratio (the mean dropout rate) is not
        for name, expected, tolerance in zip(
            ("r", "alpha", "s", "beta"), CDNOW_PARETO, (0.15, 0.15, 0.35, 0.5), strict=True
        ):
            self.assertAlmostEqual(fit.params[name] / expected, 1.0, delta=tolerance, msg=name)
        self.assertAlmostEqual(
            fit.params["s"] / fit.params["beta"] / (CDNOW_PARETO[2] / CDNOW_PARETO[3]), 1.0, delta=0.15
        )
        self.assertGreaterEqual(
            fit.log_likelihood, stats.log_likelihood("pareto", CDNOW_PARETO, x, t_x, T).sum() - 1e-6
        )
        # predictions agree with the simulated future, overall and for frequent buyers
        expected = stats.expected_purchases("pareto", CDNOW_PARETO, horizon, x, t_x, T)
        self.assertAlmostEqual(expected.mean() / future.mean(), 1.0, delta=0.05)
        self.assertAlmostEqual(expected[x >= 3].mean() / future[x >= 3].mean(), 1.0, delta=0.08)
        churn = stats.churn_risk("pareto", CDNOW_PARETO, horizon, x, t_x, T)
        self.assertAlmostEqual(churn.mean(), (future == 0).mean(), delta=0.01)
        one_time = x == 0
        self.assertAlmostEqual(churn[one_time].mean(), (future[one_time] == 0).mean(), delta=0.01)
        # unlike BG/NBD, a customer without repeat purchase may have died
        alive = stats.p_alive("pareto", CDNOW_PARETO, x, t_x, T)
        self.assertTrue(np.all((alive > 0) & (alive <= 1)))
        self.assertLess(alive[one_time].max(), 1.0)

    def test_pareto_refit_on_a_sample_reports_everyones_likelihood(self):
        rng = np.random.default_rng(3)
        T = rng.uniform(27, 39, 3000)
        x, t_x, _future = sim.simulate_pareto(*CDNOW_PARETO, T, seed=5)
        with patch.object(pipeline, "PARETO_FIT_SAMPLE", 1000):
            fit = pipeline._refit("pareto", x, t_x, T)
            self.assertEqual(pipeline._fit_rows("pareto", 3000).size, 1000)
            self.assertEqual(pipeline._fit_rows("bgnbd", 3000).size, 3000)
        self.assertTrue(fit.ok and fit.converged, fit.message)
        self.assertEqual(fit.n_customers, 3000)
        params = stats.model_params("pareto", fit.params)
        self.assertAlmostEqual(
            fit.log_likelihood, stats.log_likelihood("pareto", params, x, t_x, T).sum(), places=6
        )

    def test_gamma_gamma_recovers_parameters(self):
        rng = np.random.default_rng(5)
        x = rng.integers(1, 12, 20000)
        m = sim.simulate_gamma_gamma(*CDNOW_GG, x, seed=9)
        fit = stats.fit_gamma_gamma(x, m)
        self.assertTrue(fit.ok and fit.converged, fit.message)
        for name, expected in zip(("p", "q", "v"), CDNOW_GG, strict=True):
            self.assertAlmostEqual(fit.params[name] / expected, 1.0, delta=0.2, msg=name)
        spend = stats.gamma_gamma_expected_spend([fit.params[k] for k in "pqv"], x, m)
        # conditional expectation is between the population mean and the observed mean
        population = fit.params["p"] * fit.params["v"] / (fit.params["q"] - 1)
        low, high = np.minimum(m, population), np.maximum(m, population)
        self.assertTrue(np.all((spend >= low - 1e-9) & (spend <= high + 1e-9)))

    def test_fit_refuses_unsupported_data(self):
        fit = stats.fit_bgnbd([0, 0, 0], [0, 0, 0], [5, 6, 7])
        self.assertFalse(fit.ok)
        self.assertIn("not enough data", fit.message)
        fit = stats.fit_gamma_gamma([0, 1], [0, 5.0])
        self.assertFalse(fit.ok)
        with self.assertRaises(ValueError):
            stats.fit_bgnbd(np.ones(30), np.full(30, 10.0), np.full(30, 5.0))

    def test_kmeans_labels(self):
        rng = np.random.default_rng(2)
        # two clear groups: recent frequent small spenders, lapsed rare big spenders
        rec = np.concatenate([rng.integers(1, 20, 300), rng.integers(300, 400, 300)])
        freq = np.concatenate([rng.integers(10, 20, 300), rng.integers(1, 2, 300)])
        mon = np.concatenate([freq[:300] * 20.0, freq[300:] * 900.0])
        result = engine.kmeans_clusters(rec, freq, mon, k=2)
        self.assertEqual(result.k, 2)
        labels = np.array(result.codes)[result.labels]
        self.assertEqual(set(labels[:300]), {"AHL"})
        self.assertEqual(set(labels[300:]), {"LLH"})
        auto = engine.kmeans_clusters(rec, freq, mon, k=0)
        self.assertEqual(auto.k, 2)
        # deterministic
        again = engine.kmeans_clusters(rec, freq, mon, k=2)
        self.assertEqual(again.labels.tolist(), result.labels.tolist())
        single = engine.kmeans_clusters([5, 5], [1, 1], [10, 10], k=3)
        self.assertEqual(single.k, 0)
