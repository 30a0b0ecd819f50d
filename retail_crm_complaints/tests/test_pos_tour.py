from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestComplaintPosTour(TestPointOfSaleHttpCommon):
    """A complaint's whole day in a browser, in zh_CN: filed at the till by a
    cashier (exactly the cashier's groups) with category, severity and the
    order (before and after payment), routed to the category's team, resolved
    by the store manager (exactly the manager's groups) with a compensation
    coupon, rated by the customer through the mail's rating link
    (/rate/<token>/<score>, not logged in), then closed by the manager with
    its root cause."""

    def setUp(self):
        super().setUp()
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["web", "mail", "rating", "loyalty", "point_of_sale", "retail_crm_complaints"],
            ["zh_CN"],
            overwrite=True,
        )
        self.cashier = new_test_user(
            self.env,
            login="cmp_tour_cashier",
            name="收银员小王",
            email="wang.cashier@example.cn",
            lang="zh_CN",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        self.manager = new_test_user(
            self.env,
            login="cmp_tour_manager",
            name="店长李娜",
            email="li.na@example.cn",
            lang="zh_CN",
            tz="Asia/Shanghai",
            groups="base.group_user,point_of_sale.group_pos_manager",
        )
        self.team = self.env["retail.crm.complaint.team"].create(
            {
                "name": "徐汇店售后组",
                "manager_id": self.manager.id,
                "member_ids": [(6, 0, self.manager.ids)],
                "assign_method": "round_robin",
            }
        )
        self.category = self.env.ref("retail_crm_complaints.category_product_quality")
        self.category.team_id = self.team
        self.customer = self.env["res.partner"].create(
            {
                "name": "投诉顾客",
                "mobile": "+86 138-0013-8555",
                "email": "tousu@example.cn",
                "lang": "zh_CN",
                "retail_is_member": True,
            }
        )
        self.program = self.env["loyalty.program"].create(
            {
                "name": "投诉补偿券",
                "program_type": "coupons",
                "trigger": "with_code",
                "applies_on": "current",
                "rule_ids": [(0, 0, {"reward_point_mode": "order", "reward_point_amount": 1})],
                "reward_ids": [
                    (
                        0,
                        0,
                        {
                            "reward_type": "discount",
                            "discount": 1,
                            "discount_mode": "per_point",
                            "discount_applicability": "order",
                            "required_points": 1,
                        },
                    )
                ],
            }
        )
        self.cause = self.env["retail.crm.complaint.cause"].create({"name": "包装不牢"})

    def _file_at_the_till(self):
        self.main_pos_config.with_user(self.cashier).open_ui()
        self.main_pos_config.current_session_id.set_opening_control(0, "")
        self.start_pos_tour("RetailCrmComplaintTour", login="cmp_tour_cashier")
        order = self.env["pos.order"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(order), 1)
        complaints = self.env["retail.crm.complaint"].search(
            [("config_id", "=", self.main_pos_config.id)], order="id"
        )
        self.assertEqual(len(complaints), 2)
        self.assertEqual(complaints.mapped("severity"), ["high", "critical"])
        for complaint in complaints:
            self.assertEqual(complaint.partner_id, self.customer)
            self.assertEqual(complaint.channel, "store")
            self.assertEqual(complaint.create_uid, self.cashier)
            self.assertEqual(complaint.category_id, self.category)
            self.assertEqual(complaint.team_id, self.team, "routed by its category")
            self.assertEqual(complaint.user_id, self.manager)
            self.assertEqual(complaint.pos_order_id, order, "linked to the order, paid or not")
            self.assertEqual(complaint.product_ids.mapped("name"), ["Desk Organizer"])
        self.assertIn("收银台发现包装破损", complaints[0].description)
        return complaints[0]

    def test_filed_at_till_routed_resolved_rated_closed(self):
        complaint = self._file_at_the_till()
        self.start_tour(
            "/odoo/action-retail_crm_complaints.retail_crm_complaint_action",
            "RetailComplaintManagerResolveTour",
            login="cmp_tour_manager",
        )
        self.env.invalidate_all()
        self.assertTrue(complaint.stage_id.is_resolved)
        coupon = complaint.coupon_id
        self.assertEqual(coupon.program_id, self.program)
        self.assertEqual(coupon.partner_id, self.customer)
        self.assertEqual(coupon.points, 20)
        self.assertEqual(complaint.resolution_type, "compensation")
        self.assertTrue(complaint.resolution_sent_date)
        self.assertEqual(complaint.write_uid, self.manager)
        # the customer's mail (the manager also got the assignment notice)
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", complaint._name),
                ("res_id", "=", complaint.id),
                ("recipient_ids", "in", self.customer.ids),
            ]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(coupon.code, mail.body_html)
        rating = complaint.rating_ids
        self.assertEqual(len(rating), 1)
        self.assertIn(f"/rate/{rating.access_token}/5", mail.body_html)
        self.assertFalse(rating.consumed)

        # the customer follows the mail's link, not logged in
        self.start_tour(f"/rate/{rating.access_token}/5", "RetailComplaintCustomerRatingTour")
        self.env.invalidate_all()
        self.assertTrue(rating.consumed)
        self.assertEqual(rating.rating, 5)
        self.assertEqual(rating.feedback, "处理及时，很满意")
        self.assertEqual(complaint.rating_last_value, 5)

        self.start_tour(
            "/odoo/action-retail_crm_complaints.retail_crm_complaint_action",
            "RetailComplaintManagerCloseTour",
            login="cmp_tour_manager",
        )
        self.env.invalidate_all()
        self.assertTrue(complaint.stage_id.is_closed)
        self.assertTrue(complaint.closed_date)
        self.assertEqual(complaint.root_cause_id, self.cause)
        self.assertIn("加厚纸箱", complaint.corrective_action)
        self.assertEqual(complaint.coupon_id, coupon, "one coupon, never a second")
        self.env.flush_all()
        report = self.env["retail.crm.complaint.report"].search([("complaint_id", "=", complaint.id)])
        self.assertEqual(report.rating, 5.0)
