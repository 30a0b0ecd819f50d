from collections import Counter
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from .common import RfmCommon


@tagged("post_install", "-at_install")
class TestRfmReports(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners, cls.specs = cls._random_dataset(seed=7, n_partners=30)

    def test_kpi_report(self):
        session_k = self._open_session(self.company_data, "Store K", journal="default_journal_bank")
        p1, p2, p3 = self.env["res.partner"].create([{"name": n} for n in ("K1", "K2", "K3")])
        self._create_orders(
            [
                (session_k, p1, 100.0, date(2020, 1, 10)),
                (session_k, p1, 200.0, date(2020, 2, 10)),
                (session_k, p1, 40.0, date(2020, 3, 1)),
                (session_k, p2, 50.0, date(2020, 2, 5)),
                (session_k, p2, 30.0, date(2020, 2, 6)),
                (session_k, p2, -30.0, date(2020, 2, 7)),
                (self.session_a, p3, 80.0, date(2019, 11, 10)),
                (session_k, p3, 80.0, date(2020, 2, 15)),
                (session_k, p3, 60.0, date(2020, 6, 20)),
                (session_k, p3, 999.0, date(2020, 2, 20), None, "cancel"),
            ]
        )
        report = self.env["retail.crm.rfm.kpi.report"]
        self.assertFalse(
            report.search([("config_id", "=", session_k.config_id.id)]),
            "the report shows the figures of the last refresh",
        )
        report._refresh()
        row = self.env["retail.crm.rfm.kpi.report"].search(
            [("config_id", "=", session_k.config_id.id), ("month", "=", date(2020, 2, 1))]
        )
        self.assertEqual(len(row), 1)
        self.assertEqual(row.active_member_count, 3)
        self.assertEqual(row.new_member_count, 2)
        self.assertEqual(row.member_count, 3)
        self.assertEqual(row.order_count, 4)
        self.assertAlmostEqual(row.revenue, 330.0)
        self.assertAlmostEqual(row.average_ticket, 82.5)
        self.assertAlmostEqual(row.visit_frequency, 1.33)
        # K1 bought in January, K3 in November at another store of the company
        self.assertEqual(row.repeat_member_count, 2)
        self.assertAlmostEqual(row.repurchase_rate, 66.67)
        # K2 never came back, K3 came back after more than 90 days
        self.assertEqual(row.churned_member_count, 2)
        self.assertAlmostEqual(row.churn_rate, 66.67)
        january = self.env["retail.crm.rfm.kpi.report"].search(
            [("config_id", "=", session_k.config_id.id), ("month", "=", date(2020, 1, 1))]
        )
        self.assertEqual((january.member_count, january.churned_member_count), (1, 0))
        # the pivot groups by store and month
        groups = self.env["retail.crm.rfm.kpi.report"]._read_group(
            [("config_id", "=", session_k.config_id.id)], ["month:month"], ["order_count:sum"]
        )
        self.assertEqual(sum(count for _month, count in groups), 7)
        # members are counted once, whatever the grouping (not 1 + 3 + 1 + 1 member-months)
        store_k = [("config_id", "=", session_k.config_id.id)]
        [[members]] = report._read_group(store_k, [], ["member_count:max"])
        self.assertEqual(members, 3)
        Member = self.env["retail.crm.rfm.kpi.member"]
        [[active, new, returning, churned, visits]] = Member._read_group(
            store_k,
            [],
            [
                "partner_id:count_distinct",
                "new_partner_id:count_distinct",
                "returning_partner_id:count_distinct",
                "churned_partner_id:count_distinct",
                "visit_count:sum",
            ],
        )
        self.assertEqual((active, new, returning, churned, visits), (3, 3, 2, 3, 7))
        self.assertEqual(report._fields["member_count"].aggregator, "max")

    def test_kpi_visits_are_purchase_days_net_of_refunds(self):
        session_k = self._open_session(self.company_data, "Store R", journal="default_journal_bank")
        p1, p2 = self.env["res.partner"].create([{"name": "王芳"}, {"name": "王芳芳"}])
        orders = self._create_orders(
            [
                (session_k, p1, 100.0, date(2021, 3, 3)),
                (session_k, p1, 20.0, date(2021, 3, 3)),  # same day: one visit
                (session_k, p1, 0.0, date(2021, 3, 9)),  # $0: no visit
                (session_k, p2, 60.0, date(2021, 3, 20)),
            ]
        )
        # p2 returns everything in April: the March purchase is gone, April has no visit
        refund = self._order_vals(session_k, p2, -60.0, date(2021, 4, 2))
        refund["lines"][0][2]["refunded_orderline_id"] = orders[3].lines[0].id
        self.env["pos.order"].create(refund)
        self.env["retail.crm.rfm.kpi.report"]._refresh()
        rows = self.env["retail.crm.rfm.kpi.report"].search([("config_id", "=", session_k.config_id.id)])
        march = rows.filtered(lambda r: r.month == date(2021, 3, 1))
        self.assertEqual((march.order_count, march.active_member_count, march.revenue), (1, 1, 120.0))
        self.assertFalse(rows.filtered(lambda r: r.month == date(2021, 4, 1)).order_count)

    def test_kpi_days_and_months_are_the_company_local_ones(self):
        """A store in Shanghai: 07:00 on 1 March is 23:00 UTC on 28 February.
        The order is a March visit, and with the 10:00 order of the same
        morning it is one visit, not one in each month."""
        self.company_a.partner_id.tz = "Asia/Shanghai"
        session_k = self._open_session(self.company_data, "Store SH", journal="default_journal_bank")
        early, late = self.env["res.partner"].create([{"name": "李娜"}, {"name": "李娜娜"}])
        specs = [
            (session_k, early, 50.0, date(2021, 3, 1), datetime(2021, 2, 28, 23, 0)),
            (session_k, early, 30.0, date(2021, 3, 1), datetime(2021, 3, 1, 2, 0)),
            # 23:30 on 31 May in Shanghai, 15:30 UTC: May either way
            (session_k, late, 70.0, date(2021, 5, 31), datetime(2021, 5, 31, 15, 30)),
            # 07:30 on 1 June in Shanghai, 23:30 UTC on 31 May
            (session_k, late, 20.0, date(2021, 6, 1), datetime(2021, 5, 31, 23, 30)),
        ]
        vals = []
        for session, partner, amount, day, utc in specs:
            order = self._order_vals(session, partner, amount, day)
            order["date_order"] = utc
            vals.append(order)
        self.env["pos.order"].create(vals)
        self.env["retail.crm.rfm.kpi.report"]._refresh()
        rows = self.env["retail.crm.rfm.kpi.report"].search([("config_id", "=", session_k.config_id.id)])
        by_month = {row.month: (row.order_count, row.active_member_count, row.revenue) for row in rows}
        self.assertEqual(
            by_month,
            {
                date(2021, 3, 1): (1, 1, 80.0),
                date(2021, 5, 1): (1, 1, 70.0),
                date(2021, 6, 1): (1, 1, 20.0),
            },
        )
        june = rows.filtered(lambda row: row.month == date(2021, 6, 1))
        self.assertEqual((june.repeat_member_count, june.new_member_count), (1, 0))
        members = self.env["retail.crm.rfm.kpi.member"].search([("config_id", "=", session_k.config_id.id)])
        self.assertEqual(
            sorted((m.month, m.partner_id.name, m.visit_count) for m in members),
            [
                (date(2021, 3, 1), "李娜", 1),
                (date(2021, 5, 1), "李娜娜", 1),
                (date(2021, 6, 1), "李娜娜", 1),
            ],
        )

    def test_kpi_report_refreshed_by_the_scheduled_action(self):
        Report = self.env["retail.crm.rfm.kpi.report"]
        store = [("config_id", "=", self.session_a.config_id.id)]
        self.assertFalse(Report.search(store), "orders created since the last refresh are not shown yet")
        self.env["retail.crm.rfm.run"]._cron_compute_rfm()
        # visits are purchase days: distinct (customer, day) with an order of positive value
        expected = len(
            {
                (spec[1].id, spec[3])
                for spec in self.specs
                if spec[0] == self.session_a
                and spec[1]
                and spec[2] > 0
                and (spec[5] if len(spec) > 5 else "paid") in ("paid", "done", "invoiced")
            }
        )
        self.assertTrue(expected)
        self.assertEqual(sum(Report.search(store).mapped("order_count")), expected)

    def test_dashboard(self):
        Segment = self.env["retail.crm.rfm.segment"].with_company(self.company_a)
        segments = Segment.search([])
        self.assertEqual(len(segments), 8)
        self.assertFalse(segments.dashboard_run_id, "no run yet")
        self.assertEqual(set(segments.mapped("customer_share")), {0.0})
        runs = self.env["retail.crm.rfm.run"]._cron_compute_rfm()
        run_a = runs.filtered(lambda r: r.company_id == self.company_a)
        segments.invalidate_recordset()
        # the same figures computed from the customers' own fields
        scored = self.env["res.partner"].with_company(self.company_a).search([("rfm_date", "!=", False)])
        self.assertEqual(len(scored), run_a.customer_count)
        self.assertGreater(len(scored.mapped("rfm_segment_id")), 1)
        for segment in segments:
            members = scored.filtered(lambda p, segment=segment: p.rfm_segment_id == segment)
            self.assertEqual(segment.dashboard_run_id, run_a)
            self.assertEqual(segment.partner_count, len(members))
            self.assertAlmostEqual(segment.customer_share, len(members) / len(scored))
            if not members:
                self.assertFalse(segment.average_monetary or segment.total_ltv)
                continue
            size = len(members)
            self.assertAlmostEqual(
                segment.average_monetary, sum(members.mapped("rfm_monetary")) / size, delta=0.006
            )
            self.assertAlmostEqual(
                segment.average_recency, sum(members.mapped("rfm_recency")) / size, delta=0.051
            )
            self.assertAlmostEqual(
                segment.average_frequency, sum(members.mapped("rfm_frequency")) / size, delta=0.006
            )
            self.assertAlmostEqual(
                segment.average_churn_probability, sum(members.mapped("rfm_churn_probability")) / size
            )
            self.assertAlmostEqual(segment.total_ltv, sum(members.mapped("rfm_ltv")), delta=0.01)
        # each company sees its own run's figures
        segments_b = Segment.with_company(self.company_b).search([])
        run_b = runs.filtered(lambda r: r.company_id == self.company_b)
        self.assertEqual(set(segments_b.mapped("dashboard_run_id")), {run_b})
        self.assertEqual(sum(segments_b.mapped("partner_count")), run_b.customer_count)
        self.assertAlmostEqual(sum(segments_b.mapped("customer_share")), 1.0)

    def test_migration_report(self):
        previous_day = self.today - relativedelta(months=1)
        with freeze_time(previous_day):
            self.env["retail.crm.rfm.run"]._cron_compute_rfm()
        self.env["retail.crm.rfm.run"]._cron_compute_rfm()
        before = self.reference_scores(self.specs, self.company_a, previous_day)
        after = self.reference_scores(self.specs, self.company_a, self.today)
        expected = Counter(
            (before[pid]["segment"] if pid in before else False, row["segment"]) for pid, row in after.items()
        )
        month = self.today.replace(day=1)
        report = self.env["retail.crm.rfm.migration.report"].search(
            [("company_id", "=", self.company_a.id), ("month", "=", month)]
        )
        # other customers (demo data) may be in the company: compare ours only
        got = Counter()
        snapshots = self.env["retail.crm.rfm.snapshot"].search(
            [("run_id", "in", report.run_id.ids), ("partner_id", "in", self.partners.ids)]
        )
        self.assertEqual(len(snapshots), len(after))
        previous = {
            s.partner_id.id: s.segment_code
            for s in self.env["retail.crm.rfm.snapshot"].search(
                [("run_id", "in", report.previous_run_id.ids), ("partner_id", "in", self.partners.ids)]
            )
        }
        for snapshot in snapshots:
            got[(previous.get(snapshot.partner_id.id, False), snapshot.segment_code)] += 1
        self.assertEqual(got, expected)
        # the report's counts are the same pairs over all customers
        by_pair = {(r.from_segment_id.code or False, r.to_segment_id.code): r.partner_count for r in report}
        all_previous = {
            s.partner_id.id: s.segment_code
            for s in self.env["retail.crm.rfm.snapshot"].search(
                [("run_id", "in", report.previous_run_id.ids)]
            )
        }
        all_pairs = Counter(
            (all_previous.get(s.partner_id.id, False), s.segment_code)
            for s in self.env["retail.crm.rfm.snapshot"].search([("run_id", "in", report.run_id.ids)])
        )
        self.assertEqual(by_pair, dict(all_pairs))

    def test_retention(self):
        Run = self.env["retail.crm.rfm.run"]
        today = self.today
        old = Run.create(
            {"company_id": self.company_a.id, "run_date": today - relativedelta(months=30), "state": "done"}
        )
        month_start = (today - relativedelta(months=3)).replace(day=1)
        early, late = Run.create(
            [
                {"company_id": self.company_a.id, "run_date": month_start, "state": "done"},
                {
                    "company_id": self.company_a.id,
                    "run_date": month_start + relativedelta(days=20),
                    "state": "done",
                },
            ]
        )
        recent = Run.create({"company_id": self.company_a.id, "run_date": today, "state": "done"})
        Run._cron_purge_snapshots()
        self.assertFalse(old.exists())
        self.assertFalse(early.exists())
        self.assertTrue(late.exists())
        self.assertTrue(recent.exists())


@tagged("post_install", "-at_install")
class TestRfmDashboardUi(HttpCase):
    def test_dashboard_renders_every_segment(self):
        """The dashboard action opens in the browser with one card per segment."""
        code = """
            const cards = document.querySelectorAll('.o_kanban_record:not(.o_kanban_ghost)');
            const text = [...cards].map((card) => card.innerText).join('|');
            // the graphs' buttons above the cards; no card repeats its name as a badge
            const buttons = [...document.querySelectorAll('.o_control_panel button')].map((b) => b.innerText);
            const graphs = ['Segment Sizes over Runs', 'Migration between Runs', 'Churn Risk Distribution'];
            const badges = document.querySelectorAll('.o_kanban_record .badge');
            if (cards.length === 8 && text.includes('Champions') && badges.length === 0
                && graphs.every((label) => buttons.some((b) => b.includes(label)))) {
                console.log('test successful');
            } else {
                console.error(`dashboard shows ${cards.length} cards, ${badges.length} badges: ${text}; ${buttons}`);
            }
        """
        self.browser_js(
            "/odoo/action-retail_crm_rfm.retail_crm_rfm_dashboard_action",
            code,
            ready="document.querySelectorAll('.o_kanban_record:not(.o_kanban_ghost)').length >= 8",
            login="admin",
        )
