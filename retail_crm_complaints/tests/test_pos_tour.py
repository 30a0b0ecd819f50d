from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestComplaintPosTour(TestPointOfSaleHttpCommon):
    """Complaints from the till as a cashier with exactly the cashier's
    groups, in zh_CN: category, severity, the order (before and after
    payment), routed to the category's team."""

    def test_pos_complaint_routed_with_order(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["point_of_sale", "retail_crm_complaints"], ["zh_CN"], overwrite=True
        )
        cashier = new_test_user(
            self.env,
            login="cmp_tour_cashier",
            name="收银员小王",
            email="wang.cashier@example.cn",
            lang="zh_CN",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        agent = new_test_user(self.env, login="cmp_tour_agent", name="客服小张", groups="base.group_user")
        team = self.env["retail.crm.complaint.team"].create(
            {"name": "品质组", "member_ids": [(6, 0, agent.ids)], "assign_method": "round_robin"}
        )
        category = self.env.ref("retail_crm_complaints.category_product_quality")
        category.team_id = team
        partner = self.env["res.partner"].create({"name": "投诉顾客", "mobile": "+8613800138555"})
        self.main_pos_config.with_user(cashier).open_ui()
        self.main_pos_config.current_session_id.set_opening_control(0, "")
        self.start_pos_tour("RetailCrmComplaintTour", login="cmp_tour_cashier")
        order = self.env["pos.order"].search([("partner_id", "=", partner.id)])
        self.assertEqual(len(order), 1)
        complaints = self.env["retail.crm.complaint"].search(
            [("config_id", "=", self.main_pos_config.id)], order="id"
        )
        self.assertEqual(len(complaints), 2)
        self.assertEqual(complaints.mapped("severity"), ["high", "critical"])
        for complaint in complaints:
            self.assertEqual(complaint.partner_id, partner)
            self.assertEqual(complaint.channel, "store")
            self.assertEqual(complaint.create_uid, cashier)
            self.assertEqual(complaint.category_id, category)
            self.assertEqual(complaint.team_id, team, "routed by its category")
            self.assertEqual(complaint.user_id, agent)
            self.assertEqual(complaint.pos_order_id, order, "linked to the order, paid or not")
            self.assertEqual(complaint.product_ids.mapped("name"), ["Desk Organizer"])
        self.assertIn("收银台发现包装破损", complaints[0].description)
