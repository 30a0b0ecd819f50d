from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .common import RfmCommon


@tagged("post_install", "-at_install")
class TestRfmSegmentActionTour(RfmCommon, HttpCase):
    """Segment action from the RFM dashboard in a browser, in zh_CN, as a
    store manager holding exactly the manager's groups: four champions (five
    recent purchases of 500 each) among six one-visit customers."""

    def test_segment_action_from_dashboard(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["web", "mail", "point_of_sale", "retail_crm_rfm"], ["zh_CN"], overwrite=True
        )
        self._users()
        self.pos_manager.write({"lang": "zh_CN", "email": "manager@example.cn"})
        champions = self.env["res.partner"].create(
            [
                {"name": name, "email": f"c{i}@example.cn"}
                for i, name in enumerate(["张伟", "张伟明", "李娜", "王芳"])
            ]
        )
        others = self.env["res.partner"].create([{"name": f"顾客{i}"} for i in range(6)])
        specs = [
            (self.session_a, partner, 500.0, self.today - timedelta(days=day))
            for partner in champions
            for day in (2, 9, 16, 23, 30)
        ]
        specs += [(self.session_a, partner, 50.0, self.today - timedelta(days=200)) for partner in others]
        self._create_orders(specs)
        self.env["retail.crm.rfm.run"]._cron_compute_rfm()
        segment = self.env.ref("retail_crm_rfm.segment_champions")
        self.assertEqual(
            self.env["res.partner"]
            .with_company(self.company_a)
            .search([("rfm_segment_id", "=", segment.id)]),
            champions,
        )
        self.start_tour(
            "/odoo/action-retail_crm_rfm.retail_crm_rfm_dashboard_action",
            "RetailRfmSegmentActionTour",
            login=self.pos_manager.login,
        )
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("summary", "=", "回访重要价值顾客")]
        )
        self.assertEqual(sorted(activities.mapped("res_id")), sorted(champions.ids))
        self.assertEqual(activities.create_uid, self.pos_manager)
        self.assertEqual(
            activities.user_id, self.pos_manager, "unassigned customers: the manager's own calls"
        )
