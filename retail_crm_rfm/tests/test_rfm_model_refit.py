"""Issue 14 item 8: the fitted churn/value models are reused between refits."""

import json
from datetime import timedelta

import numpy as np

from odoo.addons.retail_crm_rfm.tools import rfm_models as stats
from odoo.addons.retail_crm_rfm.tools import rfm_pipeline as pipeline
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import PARAM, RfmCommon


@tagged("post_install", "-at_install")
class TestRfmModelRefit(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners, cls.specs = cls._random_dataset(seed=7)

    def _run(self, day, **values):
        run = self.env["retail.crm.rfm.run"].create(dict(values, company_id=self.company_a.id, run_date=day))
        self.env["retail.crm.rfm.run"]._cron_compute_rfm()
        self.assertEqual(run.state, "done", run.message)
        return run.with_company(self.company_a)

    def _predictions(self, run):
        """The run's stored churn risk and value per customer, from its snapshot."""
        rows = self.env["retail.crm.rfm.snapshot"].search([("run_id", "=", run._snapshot_run_id())])
        return {row.partner_id.id: (row.churn_probability, row.ltv) for row in rows}

    def _cost_lines(self, cost_share=0.4):
        """Costs known on every line without one yet (as when the session closes)."""
        lines = self.env["pos.order.line"].search([("is_total_cost_computed", "=", False)])
        for line in lines:
            line.write({"total_cost": cost_share * line.price_subtotal, "is_total_cost_computed": True})

    def _cached_margins(self):
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, margin, sales FROM retail_crm_rfm_margin WHERE company_id = %s",
                self.company_a.id,
            )
        )
        return {row[0]: (round(row[1], 6), round(row[2], 6)) for row in self.env.cr.fetchall()}

    def _full_margins(self, run):
        self.env.cr.execute(run._margin_sums_sql())
        return {row[0]: (round(row[1], 6), round(row[2], 6)) for row in self.env.cr.fetchall()}

    def test_next_runs_predict_with_the_last_fit(self):
        """Within ``model_refit_days`` a run predicts with the last fit's exact
        parameters (no fit, no holdout check); a refit happens when the fit is
        that old, for a run dated before the fit, and when the settings the fit
        depends on change."""
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "model_refit_days", 7)
        self._cost_lines()
        first = self._run(self.today - timedelta(days=3))
        self.assertEqual(first.ltv_basis, "margin")
        self.assertTrue(first.model_state, first.model_message)
        self.assertEqual(first.model_fit_date, first.run_date)
        state = json.loads(first.model_state)
        self.assertEqual(state["kind"], first.churn_model)
        self.assertAlmostEqual(state["params"]["r"], first.bgnbd_r, places=6)

        # a new purchase, and two days later: predicted with the first fit
        self.env["pos.order"].create(
            self._order_vals(self.session_a, self.partners[0], 80.0, self.today - timedelta(days=1))
        )
        self._cost_lines(0.7)
        second = self._run(self.today - timedelta(days=1))
        # between refits the margin shares of the customers with a new order are
        # recomputed: the cache holds what a full computation gives
        self.assertEqual(self._cached_margins(), self._full_margins(second))
        self.assertIn(self.partners[0].id, self._cached_margins())
        self.assertFalse(second.source_run_id, "new input")
        self.assertEqual(second.model_fit_date, first.run_date)
        self.assertEqual(second.model_state, first.model_state)
        self.assertEqual(
            (second.churn_model, second.holdout_error_bgnbd, second.holdout_rows),
            (first.churn_model, first.holdout_error_bgnbd, first.holdout_rows),
        )
        # its predictions are the first fit's model applied to today's summary
        summary = second._fetch_summary()
        applied = pipeline.predict_fitted(
            summary,
            state["kind"],
            state["params"],
            state["gg"],
            stats.months_to_weeks(second.horizon_months),
            second.discount_rate / 100.0,
            pipeline.value_steps(second.horizon_months),
        )
        stored = self._predictions(second)
        self.assertTrue(stored)
        shares, _company = second._margin_shares(summary["partner_id"])
        for i, pid in enumerate(summary["partner_id"].astype(int)):
            if pid in stored:
                self.assertAlmostEqual(stored[pid][0], applied.churn[i], delta=1e-4)
                if second.ltv_basis == "revenue":
                    self.assertAlmostEqual(stored[pid][1], applied.ltv[i], delta=0.01)
                else:
                    self.assertAlmostEqual(stored[pid][1], applied.ltv[i] * shares[i], delta=0.01)
        # the first fit refitted on the second's data gives other parameters
        refit = self._run(second.run_date, model_refit_days=0)
        self.assertEqual(refit.model_fit_date, refit.run_date)
        self.assertNotEqual(json.loads(refit.model_state)["params"], state["params"])

        # the fit is model_refit_days old: refitted
        later = self._run(refit.run_date + timedelta(days=2), model_refit_days=2)
        self.assertEqual(later.model_fit_date, later.run_date)
        # a run dated before the last fit: refitted
        past = self._run(self.today - timedelta(days=5))
        self.assertEqual(past.model_fit_date, past.run_date)
        # another holdout: refitted
        other = self._run(past.run_date + timedelta(days=1), holdout_months=3)
        self.assertEqual(other.model_fit_date, other.run_date)
        # within the interval, same settings: reused
        reused = self._run(other.run_date + timedelta(days=1), holdout_months=3)
        self.assertEqual(reused.model_fit_date, other.run_date)

    def test_refit_interval_validated(self):
        with self.assertRaises(ValidationError):
            self.env["retail.crm.rfm.run"].create(
                {"company_id": self.company_a.id, "run_date": self.today, "model_refit_days": -1}
            )

    def test_fitted_predictions_equal_the_fit(self):
        """``predict_fitted`` with a fit's parameters reproduces ``predict`` bit for bit."""
        rng = np.random.default_rng(3)
        rows = []
        for customer in range(400):
            first = int(rng.integers(0, 600))
            days = {first} | {int(d) for d in rng.integers(first, 700, rng.poisson(4))}
            rows += [(customer, day, float(rng.uniform(5, 300)), None, None) for day in sorted(days)]
        summary = pipeline.summarize_transactions(rows, end=700, window_start=335, cal_end=517)
        fitted = pipeline.predict(summary, 52.0, 26.0, 0.1, steps=4)
        self.assertTrue(fitted.kind, fitted.message)
        applied = pipeline.predict_fitted(
            summary, fitted.kind, fitted.fit.params, fitted.gg.params, 52.0, 0.1, 4
        )
        np.testing.assert_array_equal(applied.churn, fitted.churn)
        np.testing.assert_array_equal(applied.expected, fitted.expected)
        np.testing.assert_array_equal(applied.ltv, fitted.ltv)
