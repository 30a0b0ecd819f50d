"""Phase 1 of the RFM run: scores, segments, clusters and the churn/value models."""

import json
import logging
import time

import numpy as np
from dateutil.relativedelta import relativedelta
from threadpoolctl import threadpool_limits

from odoo.exceptions import UserError

from ..tools import rfm_engine as engine
from ..tools import rfm_models as stats
from ..tools import rfm_pipeline as pipeline
from .rfm_run_common import MODEL_FIELDS, MODEL_PARAMETERS, finite

_logger = logging.getLogger(__name__)


class RfmRunScoring:
    """Mixin of ``retail.crm.rfm.run``: what the run computes from the customer summary."""

    # no instance attributes of its own: Odoo models have fixed slots
    __slots__ = ()

    def _scored_mask(self, summary):
        """Customers with a purchase day within the look-back are scored."""
        lookback_days = (self.run_date - (self.run_date - relativedelta(months=self.lookback_months))).days
        return summary["recency"] < lookback_days

    def _score(self, summary):
        """R, F, M scores 1-5 and the segment (index in engine.SEGMENT_CODES)."""
        rec, freq, mon = summary["recency"], summary["frequency"], summary["monetary"]
        thresholds = None
        if self.scoring_method == "threshold":
            try:
                thresholds = [
                    engine.parse_thresholds(self.recency_thresholds),
                    engine.parse_thresholds(self.frequency_thresholds),
                    engine.parse_thresholds(self.monetary_thresholds),
                ]
            except ValueError as error:
                raise UserError(self.env._("Invalid RFM thresholds: %(error)s", error=error)) from error
        r_score, f_score, m_score = engine.rfm_scores(rec, freq, mon, thresholds)
        segment_index = engine.segment_index(
            rec, freq, f_score, m_score, cut=self.high_cut, recency_days=self.recency_days
        )
        return r_score, f_score, m_score, segment_index

    def _cluster(self, summary):
        """1-based index into engine.CLUSTER_CODES per customer (0: not clustered)."""
        result = engine.kmeans_clusters(
            summary["recency"], summary["frequency"], summary["monetary"], k=self.cluster_k
        )
        self.cluster_count = result.k
        if not result.k:
            return np.zeros(summary["recency"].size, dtype=np.int64)
        code_index = np.array([engine.CLUSTER_CODES.index(code) + 1 for code in result.codes])
        return code_index[result.labels]

    def _fitted_model_run(self):
        """The company's last run whose fitted model this run reuses, if any.

        The models (choice on the holdout, BG/NBD / MBG/NBD / Pareto/NBD and
        Gamma-Gamma parameters) are refitted when the last fit is
        ``model_refit_days`` days old or more (0: every run), when the
        parameters they depend on changed, or for a run dated before the fit;
        in between, a run predicts with the last fit's exact parameters.
        """
        if self.model_refit_days <= 0:
            return self.browse()
        previous = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "=", "done"),
                ("model_state", "!=", False),
                ("id", "!=", self.id),
            ],
            order="id desc",
            limit=1,
        )
        if not previous or not previous.model_fit_date:
            return self.browse()
        age = (self.run_date - previous.model_fit_date).days
        same = all(previous[name] == self[name] for name in MODEL_PARAMETERS)
        return previous if same and 0 <= age < self.model_refit_days else self.browse()

    def _predict(self, summary):
        """Churn model chosen on the holdout, churn risk, expected purchases, value."""
        horizon = stats.months_to_weeks(self.horizon_months)
        steps = pipeline.value_steps(self.horizon_months)
        fitted = self._fitted_model_run()
        if fitted:
            # the last fit's exact parameters and its diagnostics: no fit, no holdout check
            state = json.loads(fitted.model_state)
            with threadpool_limits(limits=1):
                result = pipeline.predict_fitted(
                    summary,
                    state["kind"],
                    state["params"],
                    state["gg"],
                    horizon,
                    self.discount_rate / 100.0,
                    steps,
                )
            values = {name: fitted[name] for name in MODEL_FIELDS}
            self.write(values)
            return result.churn, result.expected, result.ltv
        holdout = (self.run_date - self._calibration_end()).days / 7.0 if self.holdout_months else 0.0
        # one thread: BLAS thread pools stall on a busy host (see engine.kmeans_clusters)
        with threadpool_limits(limits=1):
            result = pipeline.predict(summary, horizon, holdout, self.discount_rate / 100.0, steps=steps)
        errors = {check.kind: check.error for check in result.checks}
        chosen = next((check for check in result.checks if check.kind == result.kind), None)
        fit = result.fit or stats.FitResult(False, message=result.message)
        gg = result.gg
        gg_ok = bool(gg and gg.ok and gg.converged)
        values = {
            "churn_model": result.kind or False,
            "model_message": result.message,
            "holdout_weeks": holdout,
            "holdout_error_bgnbd": finite(errors.get("bgnbd")),
            "holdout_error_mbgnbd": finite(errors.get("mbgnbd")),
            "holdout_error_pareto": finite(errors.get("pareto")),
            "holdout_predicted": finite(chosen.predicted if chosen else None),
            "holdout_actual": finite(chosen.actual if chosen else None),
            "holdout_rows": json.dumps(
                [
                    {"bucket": bucket, "customers": n, "actual": actual, "predicted": predicted}
                    for bucket, n, actual, predicted in pipeline.holdout_table(result)
                ]
            ),
            "bgnbd_ok": bool(result.kind),
            "bgnbd_message": fit.message,
            "bgnbd_converged": fit.converged,
            "bgnbd_log_likelihood": fit.log_likelihood if fit.ok else 0.0,
            "bgnbd_r": fit.params.get("r", 0.0),
            "bgnbd_alpha": fit.params.get("alpha", 0.0),
            "bgnbd_a": fit.params.get("a", fit.params.get("s", 0.0)),
            "bgnbd_b": fit.params.get("b", fit.params.get("beta", 0.0)),
            # the exact parameters (the fields above are rounded), for the runs that reuse them
            "model_state": json.dumps(
                {"kind": result.kind, "params": result.fit.params, "gg": gg.params if gg_ok else None}
            )
            if result.kind
            else False,
            "model_fit_date": self.run_date,
        }
        if gg:
            values.update(
                {
                    "gg_ok": gg_ok,
                    "gg_message": gg.message,
                    "gg_converged": gg.converged,
                    "gg_log_likelihood": gg.log_likelihood if gg.ok else 0.0,
                    "gg_p": gg.params.get("p", 0.0),
                    "gg_q": gg.params.get("q", 0.0),
                    "gg_v": gg.params.get("v", 0.0),
                }
            )
        self.write(values)
        return result.churn, result.expected, result.ltv

    def _compute_scores(self):
        """Phase 1: aggregate, score, segment, cluster, fit; store snapshot rows."""
        self.ensure_one()
        started = time.perf_counter()
        summary = self._fetch_summary()
        self._add_timing("aggregate", time.perf_counter() - started)
        source = self._same_input_run()
        if source:
            # same day, same input: same results, already stored and written
            self._take_results_of(source)
            self._log_results()
            return

        started = time.perf_counter()
        # the models are fitted on every customer (also those no longer
        # scored: they are the ones who dropped out); scores and clusters
        # are relative to the scored customers
        churn, expected, ltv = self._predict(summary)
        self._add_timing("predict", time.perf_counter() - started)

        scored = self._scored_mask(summary)
        summary = {name: values[scored] for name, values in summary.items()}
        churn, expected, ltv = churn[scored], expected[scored], ltv[scored]
        started = time.perf_counter()
        ltv = self._value_basis(summary["partner_id"], ltv)
        self._add_timing("margin", time.perf_counter() - started)
        started = time.perf_counter()
        r_score, f_score, m_score, segment_index = self._score(summary)
        self._add_timing("score", time.perf_counter() - started)

        started = time.perf_counter()
        clusters = self._cluster(summary)
        self._add_timing("cluster", time.perf_counter() - started)

        started = time.perf_counter()
        self._insert_snapshots(
            summary, r_score, f_score, m_score, segment_index, clusters, churn, expected, ltv
        )
        self.customer_count = summary["partner_id"].size
        self._add_timing("snapshot", time.perf_counter() - started)
        self._log_results()

    def _log_results(self):
        _logger.info(
            "RFM run %s (%s): %s customers, %s clusters, BG/NBD: %s, Gamma-Gamma: %s, timings %s",
            self.id,
            self.company_id.name,
            self.customer_count,
            self.cluster_count,
            self.bgnbd_message,
            self.gg_message,
            self.timings,
        )
