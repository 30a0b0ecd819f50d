import threading
from datetime import date, timedelta

import numpy as np

from odoo import SUPERUSER_ID, api
from odoo.addons.retail_crm_rfm.tools import rfm_models as stats
from odoo.addons.retail_crm_rfm.tools import rfm_pipeline as pipeline
from odoo.addons.retail_crm_rfm.tools import rfm_simulate as sim
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from .common import PARAM, RfmCommon
from .test_rfm_engine import CDNOW_BGNBD


@tagged("post_install", "-at_install")
class TestRfmRun(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners, cls.specs = cls._random_dataset(seed=42)
        cls.segments = {s.code: s for s in cls.env["retail.crm.rfm.segment"].search([])}

    def _run_cron(self):
        return self.env["retail.crm.rfm.run"]._cron_compute_rfm()

    def assertMatchesReference(self, company, reference, run_date=None):
        partners = self.partners.with_company(company)
        scored = partners.filtered("rfm_date")
        self.assertEqual(set(scored.ids), set(reference), "scored customers")
        for partner in scored:
            ref = reference[partner.id]
            got = (
                partner.rfm_recency,
                partner.rfm_frequency,
                partner.rfm_monetary,
                partner.rfm_r_score,
                partner.rfm_f_score,
                partner.rfm_m_score,
                partner.rfm_segment_id,
                partner.rfm_date,
            )
            expected = (
                ref["recency"],
                ref["frequency"],
                ref["monetary"],
                ref["r"],
                ref["f"],
                ref["m"],
                self.segments[ref["segment"]],
                run_date or self.today,
            )
            self.assertEqual(got, expected, partner.name)
        for partner in partners - scored:
            self.assertFalse(partner.rfm_segment_id or partner.rfm_r_score or partner.rfm_ltv)

    def test_scores_match_reference_multi_company(self):
        runs = self._run_cron()
        self.assertEqual(set(runs.mapped("state")), {"done"})
        self.assertIn(self.company_a, runs.company_id)
        self.assertIn(self.company_b, runs.company_id)
        for company in (self.company_a, self.company_b):
            reference = self.reference_scores(self.specs, company, self.today)
            self.assertGreater(len(reference), 10)
            self.assertMatchesReference(company, reference)
            run = runs.filtered(lambda r, c=company: r.company_id == c)
            self.assertEqual(run.customer_count, len(reference))
            self.assertEqual(run.written_count, len(reference))
        # a customer of both companies has one set of figures per company
        shared = self.partners[4]
        ref_a = self.reference_scores(self.specs, self.company_a, self.today)[shared.id]
        ref_b = self.reference_scores(self.specs, self.company_b, self.today)[shared.id]
        self.assertEqual(shared.with_company(self.company_a).rfm_monetary, ref_a["monetary"])
        self.assertEqual(shared.with_company(self.company_b).rfm_monetary, ref_b["monetary"])
        # stored fields are searchable and groupable (per company)
        Partner = self.env["res.partner"].with_company(self.company_a)
        champions = Partner.search([("rfm_segment_id.code", "=", "HHH")])
        ref_a_all = self.reference_scores(self.specs, self.company_a, self.today)
        self.assertEqual(set(champions.ids), {pid for pid, r in ref_a_all.items() if r["segment"] == "HHH"})
        groups = dict(Partner._read_group([("id", "in", self.partners.ids)], ["rfm_segment_id"], ["__count"]))
        for segment, count in groups.items():
            if segment:
                self.assertEqual(count, sum(1 for r in ref_a_all.values() if r["segment"] == segment.code))
        self.assertEqual(
            self.segments["HHH"].with_company(self.company_a).partner_count,
            sum(1 for r in ref_a_all.values() if r["segment"] == "HHH"),
        )

    def test_predictions_consistent_with_model(self):
        runs = self._run_cron()
        run = runs.filtered(lambda r: r.company_id == self.company_a)
        reference = self.reference_scores(self.specs, self.company_a, self.today)
        self.assertGreater(run.cluster_count, 0)
        partners = self.partners.with_company(self.company_a).filtered("rfm_date")
        self.assertTrue(all(partners.mapped("rfm_cluster")))
        self.assertTrue(run.bgnbd_ok, run.bgnbd_message)
        self.assertTrue(run.gg_ok, run.gg_message)
        params = [run.bgnbd_r, run.bgnbd_alpha, run.bgnbd_a, run.bgnbd_b]
        kind = run.churn_model
        self.assertIn(kind, stats.MODELS)
        ids = partners.ids
        x = np.array([reference[i]["x"] for i in ids], dtype=float)
        t_x = np.array([reference[i]["t_x"] for i in ids], dtype=float) / 7
        T = np.array([reference[i]["T"] for i in ids], dtype=float) / 7
        # the model is fitted on every customer who ever bought (here: all are scored),
        # the stored log-likelihood is the one of the reference summary at the stored params
        self.assertAlmostEqual(
            stats.log_likelihood(kind, params, x, t_x, T).sum() / run.bgnbd_log_likelihood, 1.0, delta=1e-5
        )
        horizon = stats.months_to_weeks(run.horizon_months)
        churn = stats.churn_risk(kind, params, horizon, x, t_x, T)
        self.assertTrue(np.allclose(partners.mapped("rfm_churn_probability"), churn, atol=2e-4))
        expected = stats.expected_purchases(kind, params, horizon, x, t_x, T)
        self.assertTrue(np.allclose(partners.mapped("rfm_expected_purchases"), expected, atol=2e-4))
        spend = np.array([reference[i]["repeat_net"] for i in ids]) / np.maximum(x, 1)
        first = np.array([reference[i]["first_net"] for i in ids])
        one_time = x == 0
        gg = stats.gamma_gamma_expected_spend(
            [run.gg_p, run.gg_q, run.gg_v], np.where(one_time, 1, x), np.where(one_time, first, spend)
        )
        value = stats.discounted_value(
            kind,
            params,
            horizon,
            x,
            t_x,
            T,
            gg,
            run.discount_rate / 100,
            steps=pipeline.value_steps(run.horizon_months),
        )
        self.assertTrue(np.allclose(partners.mapped("rfm_ltv"), value, atol=0.01 + 1e-3 * value))
        self.assertEqual(run.ltv_basis, "revenue", "no sold line has a known cost")
        # discounting lowers the value below the undiscounted expected spend
        self.assertTrue(np.all(value <= expected * gg + 1e-9))
        # fewer data than the model needs in company B: clear message, no predictions
        run_b = runs.filtered(lambda r: r.company_id == self.company_b)
        self.assertFalse(run_b.bgnbd_ok)
        self.assertIn("not enough data", run_b.bgnbd_message)
        self.assertFalse(any(self.partners.with_company(self.company_b).mapped("rfm_churn_probability")))

    def test_threshold_scoring(self):
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param(PARAM + "scoring_method", "threshold")
        ICP.set_param(PARAM + "recency_thresholds", "5,20,100,300")
        ICP.set_param(PARAM + "frequency_thresholds", "2,3,4,6")
        ICP.set_param(PARAM + "monetary_thresholds", "100,250,500,1000")
        ICP.set_param(PARAM + "high_cut", 4)
        self._run_cron()
        reference = self.reference_scores(
            self.specs,
            self.company_a,
            self.today,
            cut=4,
            thresholds=([5, 20, 100, 300], [2, 3, 4, 6], [100, 250, 500, 1000]),
        )
        self.assertMatchesReference(self.company_a, reference)

    def test_window_setting(self):
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "window_months", 3)
        self._run_cron()
        reference = self.reference_scores(self.specs, self.company_b, self.today, window_months=3)
        self.assertMatchesReference(self.company_b, reference)

    def test_second_run_writes_nothing(self):
        first = self._run_cron()
        values = self.partners.with_company(self.company_a).read(
            ["rfm_r_score", "rfm_segment_id", "rfm_cluster", "rfm_churn_probability", "rfm_ltv"]
        )
        second = self._run_cron()
        # the second run found the first run's results: it refers to them
        self.assertTrue(first.exists())
        for run in second:
            self.assertEqual(
                run.source_run_id, first.filtered(lambda r, run=run: r.company_id == run.company_id)
            )
        self.assertEqual(set(second.mapped("written_count")), {0})
        self.assertEqual(set(second.mapped("cleared_count")), {0})
        self.assertEqual(
            values,
            self.partners.with_company(self.company_a).read(
                ["rfm_r_score", "rfm_segment_id", "rfm_cluster", "rfm_churn_probability", "rfm_ltv"]
            ),
        )
        # a new order changes only what depends on it
        partner = self.partners[1]
        self._create_orders([(self.session_a, partner, 5000.0, self.today)])
        third = self._run_cron()
        run_a = third.filtered(lambda r: r.company_id == self.company_a)
        self.assertGreaterEqual(run_a.written_count, 1)
        self.assertEqual(third.filtered(lambda r: r.company_id == self.company_b).written_count, 0)
        specs = self.specs + [(self.session_a, partner, 5000.0, self.today)]
        self.assertMatchesReference(self.company_a, self.reference_scores(specs, self.company_a, self.today))

    def _row_versions(self):
        """(id, ctid) of the dataset's partners: any UPDATE moves the row version."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT id, ctid::text FROM res_partner WHERE id IN %s ORDER BY id", tuple(self.partners.ids))
        )
        return self.env.cr.fetchall()

    def _snapshot_rows(self):
        self.env.cr.execute(SQL("SELECT count(*), max(id) FROM retail_crm_rfm_snapshot"))
        return self.env.cr.fetchone()

    def test_unchanged_run_inserts_and_updates_nothing(self):
        first = self._run_cron()
        first_a = first.filtered(lambda r: r.company_id == self.company_a)
        self.assertTrue(first_a.written_count)
        partner_rows = self._row_versions()
        snapshot_rows = self._snapshot_rows()
        self.assertGreater(snapshot_rows[0], 0)
        second = self._run_cron()
        self.assertEqual(set(second.mapped("state")), {"done"})
        self.assertEqual(self._snapshot_rows(), snapshot_rows, "no snapshot row inserted")
        self.assertEqual(self._row_versions(), partner_rows, "no res_partner row updated")
        self.assertEqual(set(second.mapped("written_count")), {0})
        self.assertEqual(
            {run.company_id: run.customer_count for run in second},
            {run.company_id: run.customer_count for run in first},
        )
        # the history and the migration report read the first run's rows
        report = self.env["retail.crm.rfm.migration.report"].search([("company_id", "=", self.company_a.id)])
        self.assertEqual(report.run_id, first_a)
        # a third unchanged run still writes nothing; a change stores a full snapshot again
        self._run_cron()
        self.assertEqual(self._snapshot_rows(), snapshot_rows)
        self.assertEqual(self._row_versions(), partner_rows)
        self._create_orders([(self.session_a, self.partners[2], 80.0, self.today)])
        fourth = self._run_cron().filtered(lambda r: r.company_id == self.company_a)
        self.assertFalse(fourth.source_run_id)
        self.assertEqual(
            self.env["retail.crm.rfm.snapshot"].search_count([("run_id", "=", fourth.id)]),
            fourth.customer_count,
        )
        self.assertFalse(first_a.exists(), "the older runs of the same day are replaced")

    def test_resume_after_kill(self):
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "batch_size", 7)
        Run = self.env["retail.crm.rfm.run"]
        runs = Run._get_runs_to_process(self.company_a)
        run = runs
        # killed during phase 1: everything of the phase is rolled back
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            run._step()
            self.assertEqual(run.state, "writing")
            raise RuntimeError("killed")
        run.invalidate_recordset()
        self.assertEqual(run.state, "new")
        self.assertFalse(self.env["retail.crm.rfm.snapshot"].search_count([("run_id", "=", run.id)]))
        # phase 1, then one batch, then the process dies
        run._step()
        run._step()
        self.assertEqual(run.state, "writing")
        self.assertEqual(run.written_count, 7)
        self.assertEqual(len(run.lane_ids), 2, "two write-back lanes by default")
        first_lane, second_lane = run.lane_ids
        self.assertEqual(first_lane.written_count, 7)
        self.assertEqual(second_lane.cursor_partner_id, second_lane.low_partner_id, "not started")
        self.assertLess(first_lane.high_partner_id, second_lane.high_partner_id)
        self.assertEqual(first_lane.high_partner_id, second_lane.low_partner_id, "contiguous lanes")
        first_batch_cursor = first_lane.cursor_partner_id
        snapshots = self.env["retail.crm.rfm.snapshot"].search_count([("run_id", "=", run.id)])
        # the next scheduled call finishes the same run, without redoing anything
        runs = self._run_cron()
        self.assertIn(run, runs)
        self.assertEqual(len(runs.filtered(lambda r: r.company_id == self.company_a)), 1)
        self.assertEqual(run.state, "done")
        self.assertGreater(first_lane.cursor_partner_id, first_batch_cursor)
        for lane in run.lane_ids:
            self.assertEqual(lane.cursor_partner_id, lane.high_partner_id)
        self.assertEqual(
            self.env["retail.crm.rfm.snapshot"].search_count([("run_id", "=", run.id)]), snapshots
        )
        reference = self.reference_scores(self.specs, self.company_a, self.today)
        self.assertEqual(run.written_count, len(reference), "each customer written once")
        self.assertMatchesReference(self.company_a, reference)

    def test_stale_customers_are_cleared(self):
        self._run_cron()
        partner = self.partners[1]
        self.assertTrue(partner.with_company(self.company_a).rfm_segment_id)
        orders = self.env["pos.order"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company_a.id)]
        )
        orders.write({"state": "cancel"})
        runs = self._run_cron()
        self.assertEqual(runs.filtered(lambda r: r.company_id == self.company_a).cleared_count, 1)
        partner.invalidate_recordset()
        self.assertFalse(partner.with_company(self.company_a).rfm_segment_id)
        self.assertFalse(partner.with_company(self.company_a).rfm_date)

    def test_stale_customers_cleared_after_an_interrupted_run(self):
        """After a finished run, the customers to clear are read from its
        snapshot; when a run was interrupted since (it may have written
        figures of customers outside that snapshot), every partner holding
        figures is checked."""
        first = self._run_cron().filtered(lambda r: r.company_id == self.company_a)
        partner = self.partners[1]
        self.env["pos.order"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company_a.id)]
        ).write({"state": "cancel"})
        Run = self.env["retail.crm.rfm.run"]
        second = Run.create({"company_id": self.company_a.id, "run_date": self.today})
        self.assertIn(
            str(first._snapshot_run_id()),
            second._figure_holders_sql().code % tuple(map(str, second._figure_holders_sql().params)),
        )
        # an interrupted run wrote the figures of a customer it had scored
        # (not in the finished run's snapshot)
        ghost = self.env["res.partner"].create({"name": "Written by an interrupted run"})
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET rfm_date = jsonb_build_object(%s, %s::text),"
                " rfm_frequency = jsonb_build_object(%s, 3) WHERE id = %s",
                str(self.company_a.id),
                str(self.today),
                str(self.company_a.id),
                ghost.id,
            )
        )
        ghost.invalidate_recordset()
        Run.create({"company_id": self.company_a.id, "run_date": self.today, "state": "failed"})
        self.assertIn("rfm_date", second._figure_holders_sql().code)
        runs = self._run_cron()
        self.assertEqual(runs.filtered(lambda r: r.company_id == self.company_a).cleared_count, 2)
        (partner | ghost).invalidate_recordset()
        for stale in partner | ghost:
            self.assertFalse(stale.with_company(self.company_a).rfm_date)
            self.assertFalse(stale.with_company(self.company_a).rfm_frequency)

    def test_profiling_refusal_removes_the_customer_from_the_next_run(self):
        if "retail.crm.consent" not in self.env:
            self.skipTest("consent is recorded by the suite's privacy addon, not installed")
        self._run_cron()
        partner = self.partners[1].with_company(self.company_a)
        self.assertTrue(partner.rfm_segment_id)
        profiling = self.env["retail.crm.consent.purpose"].search([("code", "=", "profiling")])
        self.env["retail.crm.consent"]._record(partner, profiling, "withdrawn")
        runs = self._run_cron()
        self.assertEqual(runs.filtered(lambda r: r.company_id == self.company_a).cleared_count, 1)
        partner.invalidate_recordset()
        self.assertFalse(partner.rfm_segment_id or partner.rfm_date or partner.rfm_ltv)
        self.assertFalse(
            self.env["retail.crm.rfm.snapshot"].search_count(
                [("partner_id", "=", partner.id), ("run_id", "in", runs.ids)]
            )
        )
        # nor in a campaign picked by hand
        self.assertFalse(partner._rfm_campaign_targets(marketing=False))

    def test_deleting_runs_and_customers_deletes_their_snapshots(self):
        # the snapshot table has no foreign keys: unlink() does the cascade
        runs = self._run_cron()
        Snapshot = self.env["retail.crm.rfm.snapshot"]
        partner = self.partners[3]
        self.assertTrue(Snapshot.search_count([("partner_id", "=", partner.id)]))
        other_rows = Snapshot.search_count([("partner_id", "!=", partner.id)])
        self.env["pos.order"].search([("partner_id", "=", partner.id)]).write({"partner_id": False})
        partner_id = partner.id
        partner.unlink()
        self.assertFalse(Snapshot.search_count([("partner_id", "=", partner_id)]))
        self.assertEqual(Snapshot.search_count([]), other_rows, "the other customers' rows stay")
        run_a = runs.filtered(lambda r: r.company_id == self.company_a)
        run_a.unlink()
        self.assertFalse(Snapshot.search_count([("run_id", "=", run_a.id)]))
        self.assertEqual(
            Snapshot.search_count([]),
            Snapshot.search_count([("run_id", "in", (runs - run_a).ids)]),
        )
        self.assertTrue(Snapshot.search_count([]))

    def test_real_pos_refund_flow(self):
        """Orders paid through the POS payment flow; a refund made with Odoo's refund."""
        customer = self.env["res.partner"].create({"name": "Refund customer"})
        order = self._create_orders([(self.session_a, customer, 300.0, self.today, None, "draft")])
        order.write({"amount_paid": 0.0})
        ctx = {"active_ids": order.ids, "active_id": order.id}
        method = self.session_a.config_id.payment_method_ids[:1]
        self.env["pos.make.payment"].with_context(**ctx).create(
            {"amount": order.amount_total, "payment_method_id": method.id}
        ).with_context(**ctx).check()
        self.assertEqual(order.state, "paid")
        refund = self.env["pos.order"].browse(order.refund()["res_id"])
        ctx = {"active_ids": refund.ids, "active_id": refund.id}
        self.env["pos.make.payment"].with_context(**ctx).create(
            {"amount": refund.amount_total, "payment_method_id": method.id}
        ).with_context(**ctx).check()
        self.assertEqual(refund.state, "paid")
        self.assertLess(refund.amount_total, 0)
        self._run_cron()
        customer = customer.with_company(self.company_a)
        # the refund is netted into its original order: a fully refunded purchase is no visit
        self.assertFalse(customer.rfm_date, "a fully refunded purchase is no visit: not scored")
        self.assertEqual((customer.rfm_frequency, customer.rfm_monetary), (0, 0.0))
        # a second purchase the next day makes the customer a one-time buyer of that purchase only
        self._create_orders([(self.session_a, customer, 80.0, self.today)])
        self._run_cron()
        self.assertEqual((customer.rfm_frequency, customer.rfm_monetary, customer.rfm_recency), (1, 80.0, 0))

    def test_preference_tags(self):
        tag = self.env["res.partner.category"].create({"name": "Maternal & baby"})
        self.env["retail.crm.rfm.tag.rule"].create(
            {"categ_id": self.categ_root.id, "tag_id": tag.id, "min_orders": 2}
        )
        buyer, once, old = self.env["res.partner"].create([{"name": n} for n in ("Buyer", "Once", "Old")])
        self._create_orders(
            [
                (self.session_a, buyer, 100.0, self.today, self.product_formula),
                (self.session_a, buyer, 100.0, self.today - timedelta(days=5), self.product_formula),
                (self.session_a, once, 100.0, self.today, self.product_formula),
                (self.session_a, once, 100.0, self.today, self.product_other),
                (self.session_a, old, 100.0, self.today - timedelta(days=800), self.product_formula),
                (self.session_a, old, 100.0, self.today - timedelta(days=700), self.product_formula),
            ]
        )
        runs = self._run_cron()
        self.assertEqual(tag.partner_ids, buyer)
        self.assertEqual(runs.filtered(lambda r: r.company_id == self.company_a).tagged_count, 1)
        runs = self._run_cron()
        self.assertEqual(sum(runs.mapped("tagged_count")), 0)
        self.assertEqual(tag.partner_ids, buyer)

    def test_run_as_of_past_date(self):
        """A run created for a past date (e.g. a calibration end) is processed by the cron."""
        as_of = self.today - timedelta(days=45)
        run = self.env["retail.crm.rfm.run"].create({"company_id": self.company_b.id, "run_date": as_of})
        self.assertEqual(run.window_months, 12)
        runs = self._run_cron()
        self.assertIn(run, runs)
        self.assertEqual(run.state, "done")
        self.assertMatchesReference(
            self.company_b, self.reference_scores(self.specs, self.company_b, as_of), as_of
        )

    def test_no_data_message(self):
        company = self.env["res.company"].create({"name": "Empty company"})
        run = self.env["retail.crm.rfm.run"]._get_runs_to_process(company)
        while not run._step():
            pass
        self.assertEqual(run.customer_count, 0)
        self.assertFalse(run.bgnbd_ok)
        self.assertIn("not enough data", run.bgnbd_message)

    def test_settings(self):
        settings = self.env["res.config.settings"].create(
            {"rfm_window_months": 6, "rfm_cron_interval_number": 2, "rfm_cron_interval_type": "hours"}
        )
        settings.execute()
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param(PARAM + "window_months"), "6")
        cron = self.env.ref("retail_crm_rfm.ir_cron_compute_rfm")
        self.assertEqual((cron.interval_number, cron.interval_type), (2, "hours"))
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create(
                {"rfm_scoring_method": "threshold", "rfm_recency_thresholds": "1,2"}
            )

    def test_scoring_and_model_settings_validated(self):
        Settings = self.env["res.config.settings"]
        defaults = Settings.create({})
        self.assertEqual(
            (
                defaults.rfm_lookback_months,
                defaults.rfm_high_cut,
                defaults.rfm_recency_days,
                defaults.rfm_holdout_months,
                defaults.rfm_discount_rate,
            ),
            (24, 4, 90, 6, 10.0),
        )
        for bad in (
            {"rfm_lookback_months": 6, "rfm_window_months": 12},  # look-back shorter than the window
            {"rfm_recency_days": 0},
            {"rfm_holdout_months": 24, "rfm_lookback_months": 24},
            {"rfm_holdout_months": -1},
            {"rfm_discount_rate": 150.0},
            {"rfm_discount_rate": -1.0},
        ):
            with self.subTest(bad=bad), self.assertRaises(ValidationError):
                Settings.create(bad)
        settings = Settings.create(
            {"rfm_lookback_months": 36, "rfm_recency_days": 60, "rfm_discount_rate": 8}
        )
        settings.execute()
        ICP = self.env["ir.config_parameter"].sudo()
        self.assertEqual(ICP.get_param(PARAM + "lookback_months"), "36")
        # a value set around the settings form is refused when a run freezes it
        ICP.set_param(PARAM + "lookback_months", 3)
        with self.assertRaises(ValidationError):
            self.env["retail.crm.rfm.run"].create({"company_id": self.company_a.id})


@tagged("post_install", "-at_install")
class TestRfmModelFromOrders(RfmCommon):
    """End to end: POS orders simulated from known BG/NBD parameters (CDNOW's
    published estimates, weeks) give back those parameters through the run."""

    def test_bgnbd_parameters_from_pos_orders(self):
        rng = np.random.default_rng(21)
        n = 2500
        start = date(1999, 1, 4)
        calibration_end = start + timedelta(weeks=39)
        birth = rng.integers(0, 12 * 7, n)  # first purchases over 12 weeks, in days
        T = (calibration_end - start).days - birth
        x, t_x = sim.simulate_bgnbd(*CDNOW_BGNBD, T / 7.0, seed=22)
        partners = self.env["res.partner"].create([{"name": f"Sim {i}"} for i in range(n)])
        specs = []
        for i, partner in enumerate(partners):
            first = start + timedelta(days=int(birth[i]))
            specs.append((self.session_b, partner, 20.0, first))
            if x[i]:
                # x repeat purchases at distinct days, the last one at t_x
                last = int(round(t_x[i] * 7))
                days = sorted(set(rng.integers(1, max(last, 1) + 1, int(x[i]) - 1).tolist()) | {max(last, 1)})
                specs.extend((self.session_b, partner, 20.0, first + timedelta(days=d)) for d in days)
        self.env["pos.order"].create([self._order_vals(*spec, lines=False) for spec in specs])
        run = self.env["retail.crm.rfm.run"].create(
            {"company_id": self.company_b.id, "run_date": calibration_end}
        )
        self._run_cron_for(run)
        self.assertTrue(run.bgnbd_ok, run.bgnbd_message)
        # the summary seen by the run, recomputed from the orders we created
        per_partner = {}
        for _session, partner, _amount, day in specs:
            per_partner.setdefault(partner.id, set()).add(day)
        xs = np.array([len(d) - 1 for d in per_partner.values()], dtype=float)
        txs = np.array([(max(d) - min(d)).days for d in per_partner.values()]) / 7.0
        Ts = np.array([(calibration_end - min(d)).days for d in per_partner.values()]) / 7.0
        # the run uses the model with the lower holdout error (BG/NBD or MBG/NBD)
        fit = stats.fit_bgnbd(xs, txs, Ts, kind=run.churn_model)
        for name, value in zip(
            stats.PARAM_NAMES[run.churn_model],
            (run.bgnbd_r, run.bgnbd_alpha, run.bgnbd_a, run.bgnbd_b),
            strict=True,
        ):
            self.assertAlmostEqual(value, fit.params[name], delta=1e-4 * max(1, fit.params[name]), msg=name)
        # and, for BG/NBD, close to the parameters the data were simulated from
        bgnbd = stats.fit_bgnbd(xs, txs, Ts).params
        run_params = (
            (run.bgnbd_r, run.bgnbd_alpha, run.bgnbd_a, run.bgnbd_b)
            if run.churn_model == "bgnbd"
            else (bgnbd["r"], bgnbd["alpha"], bgnbd["a"], bgnbd["b"])
        )
        self.assertAlmostEqual(run_params[0] / CDNOW_BGNBD[0], 1, delta=0.35)
        self.assertAlmostEqual(run_params[1] / CDNOW_BGNBD[1], 1, delta=0.45)
        self.assertAlmostEqual(run_params[2] / CDNOW_BGNBD[2], 1, delta=0.6)
        self.assertAlmostEqual(run_params[3] / CDNOW_BGNBD[3], 1, delta=0.8)
        self.assertTrue(run.holdout_error_bgnbd and run.holdout_error_mbgnbd and run.holdout_error_pareto)

    def _run_cron_for(self, run):
        self.env["retail.crm.rfm.run"]._cron_compute_rfm()
        self.assertEqual(run.state, "done")


@tagged("post_install", "-at_install")
class TestRfmParallelWriteBack(RfmCommon, HttpCase):
    """The scheduled action hands the write-back lanes to the write-back cron
    jobs; two workers, each in its own thread and cursor (test mode: cursors
    on the test transaction, taken in turn), write them."""

    def _worker(self, errors):
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["retail.crm.rfm.run.lane"]._cron_write_lanes()
        except Exception as error:
            errors.append(error)

    def test_lanes_written_by_cron_workers(self):
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param(PARAM + "batch_size", 5)
        ICP.set_param(PARAM + "write_workers", 3)
        partners, specs = self._random_dataset(seed=7)
        Trigger = self.env["ir.cron.trigger"]
        workers = self.env["retail.crm.rfm.run"]._lane_workers()
        self.assertEqual(len(workers), 2, "two write-back worker jobs")
        run = self.env["retail.crm.rfm.run"]._get_runs_to_process(self.company_a)
        self.assertFalse(run._step(parallel=True))
        self.assertEqual(len(run.lane_ids), 3)
        # the scheduled action stops here: the workers are triggered
        self.assertTrue(run._step(parallel=True))
        self.assertEqual(run.state, "writing")
        self.assertFalse(any(lane.written_count for lane in run.lane_ids))
        self.assertEqual(Trigger.search([("cron_id", "in", workers.ids)]).cron_id, workers)

        # a worker killed in the middle of a batch: nothing of it is kept
        Lane = self.env["retail.crm.rfm.run.lane"]
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            lane = Lane._claim_lane()
            lane.with_company(self.company_a)._write_batch()
            self.assertEqual(lane.written_count, 5)
            raise RuntimeError("killed")
        run.lane_ids.invalidate_recordset()
        self.assertFalse(any(lane.written_count for lane in run.lane_ids))

        errors = []
        threads = [threading.Thread(target=self._worker, args=(errors,)) for _i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertFalse(errors)
        self.env.invalidate_all()
        self.assertTrue(all(lane._is_done() for lane in run.lane_ids))
        # the last worker triggered the scheduled action, which finishes the run
        main = self.env.ref("retail_crm_rfm.ir_cron_compute_rfm")
        self.assertTrue(Trigger.search([("cron_id", "=", main.id)]))
        # a worker run again finds nothing to do
        self.assertEqual(Lane._cron_write_lanes(), 0)
        self.assertTrue(run._step(parallel=True))
        self.assertEqual(run.state, "done")
        reference = self.reference_scores(specs, self.company_a, self.today)
        self.assertEqual(run.written_count, len(reference), "each customer written once")
        segments = {s.code: s for s in self.env["retail.crm.rfm.segment"].search([])}
        for partner in partners.with_company(self.company_a):
            ref = reference.get(partner.id)
            if not ref:
                self.assertFalse(partner.rfm_date)
                continue
            self.assertEqual(
                (partner.rfm_recency, partner.rfm_frequency, partner.rfm_r_score, partner.rfm_f_score),
                (ref["recency"], ref["frequency"], ref["r"], ref["f"]),
            )
            self.assertEqual(
                (partner.rfm_m_score, partner.rfm_segment_id), (ref["m"], segments[ref["segment"]])
            )
