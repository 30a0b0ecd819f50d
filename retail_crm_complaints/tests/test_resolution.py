from freezegun import freeze_time

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import ComplaintCommon, local


@tagged("post_install", "-at_install")
class TestComplaintResolution(ComplaintCommon):
    def test_coupon_result_mail_and_rating(self):
        program = self.env["loyalty.program"].create(
            {
                "name": "Complaint compensation (test)",
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
                            "discount": 50,
                            "discount_mode": "per_point",
                            "discount_applicability": "order",
                            "required_points": 1,
                        },
                    )
                ],
            }
        )
        complaint = self._complaint()
        complaint.write(
            {
                "resolution_type": "compensation",
                "coupon_program_id": program.id,
                "coupon_points": 2,
                "resolution_note": "We apologise and offer a coupon.",
            }
        )
        complaint.with_user(self.agent_1).action_issue_coupon()
        coupon = complaint.coupon_id
        self.assertEqual(coupon.program_id, program)
        self.assertEqual(coupon.partner_id, self.partner)
        self.assertEqual(coupon.points, 2)
        self.assertTrue(complaint.coupon_code)

        # the server limits compensation: program type and per-ticket maximum
        self.env["ir.config_parameter"].sudo().set_param("retail_crm_complaints.coupon_max_points", "100")
        over = self._complaint()
        over.write(
            {"resolution_type": "compensation", "coupon_program_id": program.id, "coupon_points": 5000000}
        )
        with self.assertRaises(UserError):
            over.with_user(self.agent_1).action_issue_coupon()
        loyalty = program.copy({"name": "Member points (test)", "program_type": "loyalty"})
        over.write({"coupon_program_id": loyalty.id, "coupon_points": 10})
        with self.assertRaises(UserError):
            over.with_user(self.agent_1).action_issue_coupon()
        self.assertFalse(over.coupon_id)
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"complaint_coupon_max_points": 0})

        complaint.stage_id = self.stage_resolved
        complaint.action_send_resolution()
        self.assertTrue(complaint.resolution_sent_date)
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", complaint._name),
                ("res_id", "=", complaint.id),
            ]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(self.partner, mail.recipient_ids)
        rating = complaint.rating_ids
        self.assertEqual(len(rating), 1)
        self.assertIn(f"/rate/{rating.access_token}/5", mail.body_html)
        self.assertIn(coupon.code, mail.body_html)
        self.assertEqual(rating.rated_partner_id, complaint.user_id.partner_id)

        # the customer answers through the token
        complaint.rating_apply(5, token=rating.access_token, feedback="Quick and fair")
        self.assertTrue(rating.consumed)
        self.assertEqual(complaint.rating_last_value, 5)
        self.env.flush_all()
        report = self.env["retail.crm.complaint.report"].search([("complaint_id", "=", complaint.id)])
        self.assertEqual(report.csat, 100.0)
        self.assertEqual(report.rating, 5.0)

    def test_report_figures(self):
        with freeze_time(local(2026, 11, 20, 17, 55)):
            late = self._complaint()
            quick = self._complaint()
            fresh = self._complaint()
        with freeze_time(local(2026, 11, 20, 19, 55)):
            quick.stage_id = self.stage_contacted
        with freeze_time(local(2026, 11, 23, 18, 0)):
            late.stage_id = self.stage_resolved
            self.env["retail.crm.complaint"]._cron_sla_check()
        self.env.flush_all()
        Report = self.env["retail.crm.complaint.report"]
        domain = [("complaint_id", "in", (late | quick | fresh).ids)]
        [(count, first, resolution, breach)] = Report._read_group(
            domain,
            [],
            ["complaint_count:sum", "first_response_hours:avg", "resolution_hours:avg", "breach_rate:avg"],
        )
        self.assertEqual(count, 3)
        # quick: 2h; late: Fri 3h05 + Sat 12h + Mon 9h = 24h05 (fresh not contacted)
        self.assertAlmostEqual(first, (2 + 24 + 5 / 60) / 2, places=2)
        self.assertAlmostEqual(resolution, 24 + 5 / 60, places=2)
        # late reached first contact after its deadline; fresh breached open
        self.assertAlmostEqual(breach, 200 / 3, places=2)


@tagged("post_install", "-at_install")
class TestComplaintRatingHttp(HttpCase):
    def test_customer_rates_through_mail_link(self):
        partner = self.env["res.partner"].create({"name": "Zhao Lei", "email": "zhao.lei@example.com"})
        complaint = self.env["retail.crm.complaint"].create(
            {
                "subject": "Wrong size",
                "partner_id": partner.id,
                "resolution_type": "exchange",
                "resolution_note": "Exchanged for size M.",
            }
        )
        complaint.action_send_resolution()
        token = complaint.rating_ids.access_token
        self.assertTrue(token)
        self.authenticate(None, None)  # the customer is not logged in
        page = self.url_open(f"/rate/{token}/5")
        self.assertEqual(page.status_code, 200)
        res = self.url_open(
            f"/rate/{token}/submit_feedback",
            data={"rate": 5, "feedback": "Fast exchange", "csrf_token": http.Request.csrf_token(self)},
        )
        self.assertEqual(res.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(complaint.rating_last_value, 5)
        self.assertEqual(complaint.rating_ids.feedback, "Fast exchange")
        self.assertTrue(complaint.message_ids.filtered(lambda m: m.rating_value == 5))
