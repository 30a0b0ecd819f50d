"""The documented definitions on a shipped fixture with a known answer (issue 14).

The fixture (``data/rfm_backtest_fixture.csv``) is loaded as paid POS orders,
refunds pointing to the refunded order lines like Odoo's own refunds. Six
hand-made customers have answers that can be read off the file; the others
(simulated BG/NBD buyers) give the models enough data. The run (SQL) must
agree with the pure pipeline (Python) and with ``tools/rfm_backtest.py``.
"""

import csv
import importlib.util
import os
from datetime import date

import numpy as np

from odoo.addons.retail_crm_rfm.tools import rfm_engine as engine
from odoo.addons.retail_crm_rfm.tools import rfm_models as stats
from odoo.addons.retail_crm_rfm.tools import rfm_pipeline as pipeline
from odoo.tests import tagged

from .common import RfmCommon

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "data", "rfm_backtest_fixture.csv")
BACKTEST = os.path.join(HERE, "..", "..", "tools", "rfm_backtest.py")
END = date(2025, 12, 31)
# Chinese names shared or contained by other customers, as in a real base
NAMES = ["王芳", "王芳芳", "李伟", "李伟 (会员)", "张敏", "陈静"]


def read_fixture():
    with open(FIXTURE, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_backtest_tool():
    if not os.path.exists(BACKTEST):
        return None
    spec = importlib.util.spec_from_file_location("rfm_backtest_tool", BACKTEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestRfmDefinitions(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.records = read_fixture()
        codes = sorted({r["customer"] for r in cls.records})
        cls.partner_by_code = dict(
            zip(
                codes,
                cls.env["res.partner"].create(
                    [{"name": f"{NAMES[i % len(NAMES)]} {code}"} for i, code in enumerate(codes)]
                ),
                strict=True,
            )
        )
        sales = [r for r in cls.records if not r["refund_of"]]
        orders = cls.env["pos.order"].create(
            [
                cls._order_vals(
                    cls.session_a,
                    cls.partner_by_code[r["customer"]],
                    float(r["amount"]),
                    date.fromisoformat(r["date"]),
                )
                for r in sales
            ]
        )
        cls.order_by_id = dict(zip((r["order_id"] for r in sales), orders, strict=True))
        refunds = []
        for r in cls.records:
            if not r["refund_of"]:
                continue
            original = cls.order_by_id[r["refund_of"]]
            vals = cls._order_vals(
                cls.session_a, original.partner_id, float(r["amount"]), date.fromisoformat(r["date"])
            )
            vals["lines"][0][2]["refunded_orderline_id"] = original.lines[0].id
            refunds.append(vals)
        cls.env["pos.order"].create(refunds)

    def _run(self, run_date=END):
        run = self.env["retail.crm.rfm.run"].create({"company_id": self.company_a.id, "run_date": run_date})
        self.env["retail.crm.rfm.run"]._cron_compute_rfm()
        self.assertEqual(run.state, "done", run.message)
        return run

    def _pipeline_summary(self):
        origin = date(2000, 1, 1)
        rows = [
            (
                self.partner_by_code[r["customer"]].id,
                (date.fromisoformat(r["date"]) - origin).days,
                float(r["amount"]),
                r["order_id"],
                r["refund_of"] or None,
            )
            for r in self.records
        ]
        return pipeline.summarize_transactions(
            rows, (END - origin).days, (date(2024, 12, 31) - origin).days, (date(2025, 6, 30) - origin).days
        )

    def test_fixture_known_answers(self):
        run = self._run()
        p = {code: partner.with_company(self.company_a) for code, partner in self.partner_by_code.items()}

        def figures(code):
            partner = p[code]
            return (
                partner.rfm_recency,
                partner.rfm_frequency,
                partner.rfm_monetary,
                partner.rfm_segment_id,
                partner.rfm_churn_probability,
                partner.rfm_ltv,
            )

        # H1: bought once, returned it on another day: no visit, not scored
        self.assertFalse(p["H1"].rfm_date)
        # H2 (refund 4 days later) and H3 (same-day refund) net out identically
        self.assertEqual(figures("H2"), figures("H3"))
        self.assertEqual((p["H2"].rfm_recency, p["H2"].rfm_frequency, p["H2"].rfm_monetary), (305, 1, 50.0))
        # H4: a $0 order is no visit
        self.assertEqual((p["H4"].rfm_recency, p["H4"].rfm_frequency, p["H4"].rfm_monetary), (355, 1, 30.0))
        # H5: two orders on one day are one visit; the 2024 day is before the window
        self.assertEqual((p["H5"].rfm_recency, p["H5"].rfm_frequency, p["H5"].rfm_monetary), (50, 1, 45.0))
        # H6: a refund without its original order lowers the value of its day, is no visit
        self.assertEqual((p["H6"].rfm_recency, p["H6"].rfm_frequency, p["H6"].rfm_monetary), (121, 1, 50.0))
        # holdout: 53 repeat purchase days in the last six months (counted in the file)
        self.assertAlmostEqual(run.holdout_actual, 53.0)
        self.assertTrue(run.holdout_html)
        errors = {
            "bgnbd": run.holdout_error_bgnbd,
            "mbgnbd": run.holdout_error_mbgnbd,
            "pareto": run.holdout_error_pareto,
        }
        self.assertTrue(all(error > 0 for error in errors.values()), errors)
        self.assertEqual(run.churn_model, min(errors, key=errors.get), "the lower holdout error is chosen")

    def test_run_agrees_with_pipeline_and_backtest(self):
        run = self._run()
        summary = self._pipeline_summary()
        by_id = {int(pid): i for i, pid in enumerate(summary["partner_id"])}
        partners = self.env["res.partner"].with_company(self.company_a).browse(list(by_id))
        for partner in partners:
            i = by_id[partner.id]
            self.assertEqual(
                (partner.rfm_recency, partner.rfm_frequency, partner.rfm_monetary),
                (summary["recency"][i], summary["frequency"][i], round(summary["monetary"][i], 2)),
                partner.name,
            )
        # the same holdout check from the pure computation
        cal = summary["cal_x"] >= 0
        for kind, stored in (
            ("bgnbd", run.holdout_error_bgnbd),
            ("mbgnbd", run.holdout_error_mbgnbd),
            ("pareto", run.holdout_error_pareto),
        ):
            check = stats.holdout_check(
                kind,
                summary["cal_x"][cal],
                summary["cal_t_x"][cal] / 7,
                summary["cal_T"][cal] / 7,
                (END - date(2025, 6, 30)).days / 7,
                summary["hold_x"][cal],
            )
            self.assertAlmostEqual(check.error, stored, places=3)
        self.assertAlmostEqual(run.holdout_weeks, 26.3, places=1)
        tool = load_backtest_tool()
        if tool is None:
            return  # the repository's tools/ are not deployed with the addon
        result = tool.backtest(tool.read_csv(FIXTURE), END)
        self.assertEqual(result["chosen"], run.churn_model)
        self.assertAlmostEqual(result["checks"][0].error, run.holdout_error_bgnbd, places=3)
        segments = dict.fromkeys(engine.SEGMENT_CODES, 0)
        for partner in partners.filtered("rfm_segment_id"):
            segments[partner.rfm_segment_id.code] += 1
        self.assertEqual(result["segments"], segments)

    def test_one_time_buyers_churn_and_value(self):
        run = self._run()
        partners = (
            self.env["res.partner"]
            .with_company(self.company_a)
            .browse([p.id for p in self.partner_by_code.values()])
        )
        summary = self._pipeline_summary()
        one_time = {int(pid) for pid, x in zip(summary["partner_id"], summary["x"], strict=True) if x == 0}
        silent = partners.filtered(lambda p: p.id in one_time and p.rfm_recency >= 365)
        self.assertTrue(silent)
        for partner in silent:
            self.assertGreater(partner.rfm_churn_probability, 0.5, partner.name)
        # one-time buyers' value follows their own purchase (shrunk), not one population mean
        values = {
            round(p.rfm_ltv / max(p.rfm_expected_purchases, 1e-9), 2) for p in partners if p.id in one_time
        }
        self.assertGreater(len(values), 3)
        self.assertTrue(run.gg_ok, run.gg_message)

    def test_clusters_labels_match_centroids(self):
        self._run()
        partners = self.env["res.partner"].with_company(self.company_a).search([("rfm_cluster", "!=", False)])
        rec = np.array(partners.mapped("rfm_recency"), dtype=float)
        freq = np.array(partners.mapped("rfm_frequency"), dtype=float)
        mon = np.array(partners.mapped("rfm_monetary"), dtype=float)
        ticket = np.where(freq > 0, np.maximum(mon, 0) / np.maximum(freq, 1), 0)
        features = np.log1p(np.column_stack([rec, freq, ticket]))
        z = (features - features.mean(axis=0)) / np.where(features.std(axis=0) > 0, features.std(axis=0), 1)
        labels = np.array(partners.mapped("rfm_cluster"))
        self.assertGreater(len(set(labels)), 1)
        for code in set(labels):
            centre = z[labels == code].mean(axis=0)
            self.assertEqual(code[0], "A" if centre[0] < 0 else "L", (code, centre))
            self.assertEqual(code[1], "H" if centre[1] > 0 else "L", (code, centre))
            self.assertEqual(code[2], "H" if centre[2] > 0 else "L", (code, centre))
        # no customer without a purchase in the window is "frequent"
        self.assertFalse([c for c, f in zip(labels, freq, strict=True) if f == 0 and c[1] == "H"])

    def test_report_aggregates_are_averages(self):
        self._run()
        Partner = self.env["res.partner"].with_company(self.company_a)
        partners = Partner.search([("rfm_date", "!=", False)])
        # recency is computed from the stored last purchase day: its average is the snapshot's
        names = ["rfm_frequency", "rfm_r_score", "rfm_churn_probability", "rfm_ltv", "rfm_monetary"]
        groups = Partner.read_group([("id", "in", partners.ids)], names, ["rfm_segment_id"])
        for group in groups:
            members = partners.filtered(lambda p, g=group: p.rfm_segment_id.id == g["rfm_segment_id"][0])
            for name in names:
                mean = sum(members.mapped(name)) / len(members)
                self.assertAlmostEqual(group[name], mean, delta=0.01 + 1e-6 * abs(mean), msg=name)
        Snapshot = self.env["retail.crm.rfm.snapshot"]
        for name in ("recency", "frequency", "monetary", "r_score", "churn_probability", "ltv"):
            self.assertEqual(Snapshot._fields[name].aggregator, "avg", name)

    def test_refund_rung_up_later_changes_past_run_only_after_it(self):
        """A refund after the run date is not yet known to that run."""
        partner = self.partner_by_code["H2"].with_company(self.company_a)
        run = self._run(date(2025, 12, 3))
        self.assertTrue(run)
        # on 2025-12-03 the refund of 2025-12-05 has not happened: the purchase is a visit
        self.assertEqual((partner.rfm_recency, partner.rfm_frequency, partner.rfm_monetary), (2, 2, 130.0))

    def test_orders_in_another_currency_count_in_the_company_currency(self):
        """Orders rung up in a currency worth half the company's (rate 2):
        their values, refunds and margins count at half, as Odoo's reports
        convert them."""
        orders = self.env["pos.order"].search([("session_id", "=", self.session_a.id)])
        orders.write({"currency_rate": 2.0})
        # every line costs 20 % of its price in the order currency, i.e. 40 %
        # of its value in the company currency: the margin is 60 % of the sales
        for line in orders.lines:
            line.write({"total_cost": 0.2 * line.price_subtotal, "is_total_cost_computed": True})
        run = self._run()
        self.assertEqual(run.ltv_basis, "margin")
        self.assertAlmostEqual(run.margin_share, 0.6, places=4)
        summary = self._pipeline_summary()
        partners = self.env["res.partner"].with_company(self.company_a)
        for i, pid in enumerate(summary["partner_id"]):
            partner = partners.browse(int(pid))
            self.assertEqual(partner.rfm_frequency, summary["frequency"][i], partner.name)
            # half a cent is rounded from the exact half, not from a float
            self.assertAlmostEqual(
                partner.rfm_monetary, summary["monetary"][i] / 2, delta=0.0051, msg=partner.name
            )
        # H2: 50 in the window (the purchase of 80 was refunded): 25 in the company currency
        self.assertEqual(partners.browse(self.partner_by_code["H2"].id).rfm_monetary, 25.0)

    def test_value_on_margin_where_cost_known(self):
        # every sold line costs 40 % of its price: the margin is 60 % of the sales
        lines = self.env["pos.order.line"].search([("order_id.session_id", "=", self.session_a.id)])
        for line in lines:
            line.write({"total_cost": 0.4 * line.price_subtotal, "is_total_cost_computed": True})
        run = self._run()
        self.assertEqual(run.ltv_basis, "margin")
        self.assertAlmostEqual(run.margin_share, 0.6, places=4)
        summary = self._pipeline_summary()
        prediction = pipeline.predict(
            summary,
            stats.months_to_weeks(run.horizon_months),
            (END - date(2025, 6, 30)).days / 7,
            run.discount_rate / 100,
            steps=pipeline.value_steps(run.horizon_months),
        )
        self.assertEqual(prediction.kind, run.churn_model)
        partners = self.env["res.partner"].with_company(self.company_a)
        for i, pid in enumerate(summary["partner_id"]):
            partner = partners.browse(int(pid))
            if partner.rfm_date:
                revenue = prediction.ltv[i]
                self.assertAlmostEqual(partner.rfm_ltv, 0.6 * revenue, delta=0.01 + 1e-3 * revenue)
