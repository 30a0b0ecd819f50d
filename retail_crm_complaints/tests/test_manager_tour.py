from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestComplaintManagerTour(HttpCase):
    """A complaint's whole day in a browser, in zh_CN: filed at the till by a
    cashier (the till's own server route), routed to the category's team,
    resolved by the store manager (exactly the manager's groups) with a
    compensation coupon, rated by the customer through the mail's rating link
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
        self.manager = new_test_user(
            self.env,
            login="cmp_tour_manager",
            name="店长李娜",
            email="li.na@example.cn",
            lang="zh_CN",
            tz="Asia/Shanghai",
            groups="base.group_user,point_of_sale.group_pos_manager",
        )
        self.cashier = new_test_user(
            self.env,
            login="cmp_tour_cashier2",
            name="收银员小王",
            email="wang@example.cn",
            lang="zh_CN",
            groups="base.group_user,point_of_sale.group_pos_user",
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
        # a member whose name is contained in another customer's
        self.customer = self.env["res.partner"].create(
            {
                "name": "王芳",
                "email": "wang.fang@example.cn",
                "mobile": "138 0013 8555",
                "retail_is_member": True,
                "lang": "zh_CN",
            }
        )
        self.env["res.partner"].create({"name": "王芳芳", "mobile": "139-0013-8556"})
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
        config = self.env["pos.config"].search([("company_id", "=", self.env.company.id)], limit=1)
        ticket = (
            self.env["retail.crm.complaint"]
            .with_user(self.cashier)
            .create_from_pos(
                {
                    "config_id": config.id,
                    "partner_id": self.customer.id,
                    "description": "收银台发现包装破损",
                    "category_id": self.category.id,
                    "severity": "high",
                }
            )
        )
        self.complaint = self.env["retail.crm.complaint"].browse(ticket["id"])

    def test_resolved_with_coupon_rated_closed(self):
        complaint = self.complaint
        self.assertEqual(complaint.team_id, self.team, "routed by its category")
        self.assertEqual(complaint.user_id, self.manager)
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
        mail = self.env["mail.mail"].search([("model", "=", complaint._name), ("res_id", "=", complaint.id)])
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
