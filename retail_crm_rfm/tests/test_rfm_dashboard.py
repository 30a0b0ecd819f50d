"""The RFM dashboard's graphs: segment sizes over runs, migration, churn distribution."""

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo.tests import new_test_user, tagged

from .common import RfmCommon


@tagged("post_install", "-at_install")
class TestRfmDashboardGraphs(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners, cls.specs = cls._random_dataset(seed=42)
        cls.manager = new_test_user(
            cls.env,
            login="rfm_dashboard_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )

    def _runs(self):
        """A run a month ago, then today's: two runs for sizes and migration."""
        Run = self.env["retail.crm.rfm.run"]
        earlier = Run.create(
            {"company_id": self.company_a.id, "run_date": self.today - relativedelta(months=1)}
        )
        Run._cron_compute_rfm()
        latest = Run._cron_compute_rfm().filtered(lambda r: r.company_id == self.company_a)
        self.assertEqual((earlier.state, latest.state), ("done", "done"))
        return earlier, latest

    def _open(self, method):
        segments = self.env["retail.crm.rfm.segment"].with_user(self.manager).with_company(self.company_a)
        action = getattr(segments, method)()
        Model = self.env[action["res_model"]].with_user(self.manager).with_company(self.company_a)
        views = Model.get_views(action["views"])
        graph = etree.fromstring(views["views"]["graph"]["arch"])
        groupbys = [node.get("name") for node in graph.iter("field") if node.get("type") != "measure"]
        return Model, action, groupbys

    def test_graphs_show_the_runs_figures(self):
        earlier, latest = self._runs()
        Snapshot = self.env["retail.crm.rfm.snapshot"]

        # segment sizes over runs: one point per run and segment
        Model, action, groupbys = self._open("action_dashboard_segment_sizes")
        self.assertEqual(groupbys, ["run_date", "segment_code"])
        sizes = Model._read_group(action["domain"], ["run_date:day", "segment_code"], ["__count"])
        by_run = {}
        for day, _segment, count in sizes:
            by_run[day] = by_run.get(day, 0) + count
        self.assertEqual(
            by_run, {earlier.run_date: earlier.customer_count, latest.run_date: latest.customer_count}
        )

        # churn distribution of the last run, in bands of 20 points
        Model, action, groupbys = self._open("action_dashboard_churn")
        self.assertEqual(groupbys[0], "churn_band")
        bands = dict(Model._read_group(action["domain"], ["churn_band"], ["__count"]))
        self.assertEqual(sum(bands.values()), latest.customer_count)
        rows = Snapshot.search([("run_id", "=", latest.id)])
        expected = {}
        for row in rows:
            band = str(min(int(row.churn_probability * 5), 4) + 1)
            expected[band] = expected.get(band, 0) + 1
        self.assertEqual(bands, expected)

        # migration between the last two runs: every customer of the last run once
        Model, action, groupbys = self._open("action_dashboard_migration")
        self.assertEqual(groupbys, ["from_segment_id", "to_segment_id"])
        moves = Model._read_group(
            action["domain"], ["from_segment_id", "to_segment_id"], ["partner_count:sum"]
        )
        self.assertEqual(sum(count for _f, _t, count in moves), latest.customer_count)
        self.assertTrue(any(from_seg for from_seg, _t, _c in moves), "customers of the earlier run")

    def test_cards_do_not_repeat_their_name(self):
        Segment = self.env["retail.crm.rfm.segment"].with_user(self.manager)
        arch = Segment.get_views(
            [(self.env.ref("retail_crm_rfm.retail_crm_rfm_segment_view_kanban").id, "kanban")]
        )
        kanban = etree.fromstring(arch["views"]["kanban"]["arch"])
        card = kanban.find(".//templates")
        # the code's selection label is the segment's name: no badge with it
        self.assertFalse(card.xpath(".//field[@name='code']"))
        self.assertEqual(
            [button.get("name") for button in kanban.xpath("./header/button")],
            ["action_dashboard_segment_sizes", "action_dashboard_migration", "action_dashboard_churn"],
        )
        # labels never break inside a word
        for label in card.xpath(".//div[contains(@class, 'small')][not(*)]"):
            self.assertIn("text-nowrap", label.get("class"), label.text)
