"""The defaults on the suite's synthetic retail chain (tools/datagen.py), as an analyst runs them."""

import os
import sys

import numpy as np

from odoo.tests import TransactionCase, tagged

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")


@tagged("post_install", "-at_install")
class TestRfmGeneratorData(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.path.exists(os.path.join(TOOLS, "datagen.py")):
            cls.skipTest(cls, "the repository's tools/ (data generator) are not deployed with the addon")
        sys.path.insert(0, TOOLS)
        try:
            import datagen  # noqa: PLC0415 (the suite's generator, repository tools/)
        finally:
            sys.path.remove(TOOLS)
        cls.env.company.partner_id.tz = "UTC"
        cls.generated = datagen.generate(cls.env, customers=600, seed=42)
        cls.runs = cls.env["retail.crm.rfm.run"]._cron_compute_rfm()
        cls.rfm_run = cls.runs.filtered(lambda run: run.company_id == cls.env.company)
        cls.partners = (
            cls.env["res.partner"].with_company(cls.env.company).search([("rfm_date", "!=", False)])
        )

    def test_segments_populated(self):
        self.assertEqual(self.rfm_run.state, "done", self.rfm_run.message)
        self.assertGreater(len(self.partners), 300)
        codes = set(self.partners.rfm_segment_id.mapped("code"))
        self.assertGreaterEqual(len(codes), 6, codes)
        segments = self.env["retail.crm.rfm.segment"].search([])
        for segment in segments:
            if segment.code in codes:
                self.assertFalse(segment.empty_reason)
            else:
                self.assertIn(str(self.rfm_run.recency_days), segment.empty_reason)

    def test_no_single_order_low_spender_champion(self):
        buyers = self.partners.filtered(lambda p: p.rfm_frequency > 0)
        median = float(np.median(buyers.mapped("rfm_monetary")))
        champions = self.partners.filtered(lambda p: p.rfm_segment_id.code == "HHH")
        self.assertTrue(champions)
        self.assertFalse(champions.filtered(lambda p: p.rfm_frequency <= 1), "single-visit champion")
        self.assertFalse(champions.filtered(lambda p: p.rfm_monetary < median), "low-spending champion")
        # customers without a purchase in the window are explicitly lowest
        lapsed = self.partners.filtered(lambda p: p.rfm_frequency == 0)
        self.assertTrue(lapsed)
        self.assertEqual(
            set(lapsed.mapped(lambda p: (p.rfm_r_score, p.rfm_f_score, p.rfm_m_score))), {(1, 1, 1)}
        )
        self.assertEqual(set(lapsed.rfm_segment_id.mapped("code")), {"LLL"})

    def test_churn_of_silent_one_time_buyers(self):
        self.assertTrue(self.rfm_run.churn_model, self.rfm_run.model_message)
        self.assertGreater(self.rfm_run.holdout_actual, 0)
        self.assertLess(
            min(
                self.rfm_run.holdout_error_bgnbd,
                self.rfm_run.holdout_error_mbgnbd,
                self.rfm_run.holdout_error_pareto,
            )
            or 1.0,
            0.5,
            "the chosen model predicts the holdout",
        )
        self.env.cr.execute(
            "SELECT partner_id FROM retail_crm_rfm_snapshot s WHERE run_id = %s AND recency >= 365",
            [self.rfm_run.id],
        )
        silent_ids = [row[0] for row in self.env.cr.fetchall()]
        # one order ever (no refund): one-time buyers
        self.env.cr.execute(
            """SELECT partner_id FROM pos_order
                WHERE company_id = %s AND partner_id = ANY(%s) AND state IN ('paid', 'done', 'invoiced')
                GROUP BY partner_id HAVING count(*) = 1 AND min(amount_total) > 0""",
            [self.env.company.id, silent_ids],
        )
        one_time = self.partners.browse([row[0] for row in self.env.cr.fetchall()])
        self.assertTrue(one_time, "the generator has one-time buyers silent for a year")
        for partner in one_time.with_company(self.env.company):
            self.assertGreater(partner.rfm_churn_probability, 0.5, partner.name)
        active = self.partners.filtered(lambda p: p.rfm_recency <= 30 and p.rfm_frequency >= 5)
        self.assertLess(np.mean(active.mapped("rfm_churn_probability")), 0.5)
