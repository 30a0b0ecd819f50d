from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RetailLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestReferral(RetailLoyaltyPosCommon):
    """老带新: both members rewarded once after the new member's first paid
    purchase; no self-referral, no loop; a full refund reverses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env["loyalty.program"].create(
            {"name": "会员积分", "program_type": "loyalty", "company_id": cls.company.id}
        )
        cls.company.write(
            {
                "retail_referral_program_id": cls.program.id,
                "retail_referral_referrer_points": 100,
                "retail_referral_member_points": 50,
            }
        )
        cls.Referral = cls.env["retail.crm.referral"]
        cls.member.retail_member_number = cls.member.retail_member_number or "M00000001"
        cls.newcomer = cls.env["res.partner"].create(
            {"name": "王芳", "mobile": "+86 137-0013-7001", "retail_is_member": True}
        )

    def _points(self, partner):
        return (
            self.env["loyalty.card"]
            .search([("program_id", "=", self.program.id), ("partner_id", "=", partner.id)])
            .points
        )

    def _history(self, partner):
        cards = self.env["loyalty.card"].search(
            [("program_id", "=", self.program.id), ("partner_id", "=", partner.id)]
        )
        lines = self.env["loyalty.history"].search([("card_id", "in", cards.ids)])
        return sum(lines.mapped("issued")) - sum(lines.mapped("used"))

    def test_referral_by_member_code_rewarded_once_after_first_paid_order(self):
        self.newcomer.retail_referrer_code = self.member.retail_member_number
        self.assertEqual(self.newcomer.retail_referred_by_id, self.member)
        self.Referral._cron_reward_referrals()
        self.assertFalse(self.Referral.search([]), "no reward before a paid purchase")

        order, _data, _result = self._sync(self.newcomer)
        self._sync(self.newcomer)  # a second purchase changes nothing
        self.Referral._cron_reward_referrals()
        self.Referral._cron_reward_referrals()  # the job runs twice
        referral = self.Referral.search([])
        self.assertEqual(len(referral), 1)
        self.assertEqual(referral.order_id, order)
        self.assertEqual(self._points(self.member), 100)
        self.assertEqual(self._points(self.newcomer), 50)
        self.assertEqual(self._history(self.member), 100, "history tells the same movement")
        self.assertEqual(self.member.retail_referral_count, 1)
        with self.assertRaises(ValidationError):
            self.newcomer.retail_referred_by_id = self.member2

    def test_refund_of_the_first_purchase_reverses(self):
        self.newcomer.retail_referred_by_id = self.member
        order, _data, _result = self._sync(self.newcomer)
        self.Referral._cron_reward_referrals()
        self._refund(order)
        self.Referral._cron_reward_referrals()
        referral = self.Referral.search([])
        self.assertEqual(referral.state, "reversed")
        self.assertEqual(self._points(self.member), 0)
        self.assertEqual(self._points(self.newcomer), 0)
        self.assertEqual(self._history(self.member), 0)
        # once: a later purchase does not reward again
        self._sync(self.newcomer)
        self.Referral._cron_reward_referrals()
        self.assertEqual(len(self.Referral.search([])), 1)
        self.assertEqual(self._points(self.member), 0)

    def test_no_self_referral_no_loop_unknown_code(self):
        with self.assertRaises(ValidationError):
            self.member.retail_referred_by_id = self.member
        self.newcomer.retail_referred_by_id = self.member
        with self.assertRaises(ValidationError):
            self.member.retail_referred_by_id = self.newcomer
        with self.assertRaises(UserError):
            self.member2.retail_referrer_code = "M-NOBODY"
        contact = self.env["res.partner"].create({"name": "Walk-in"})
        with self.assertRaises(ValidationError):
            self.newcomer.retail_referred_by_id = contact

    def test_referral_rate_by_month(self):
        self.newcomer.retail_referred_by_id = self.member
        self._sync(self.member)
        self._sync(self.member2)
        self._sync(self.newcomer)
        self.Referral._cron_reward_referrals()
        self.env.flush_all()
        [(rate, members, referrers)] = self.env["retail.crm.referral.report"]._read_group(
            [("config_id", "=", self.config.id)],
            [],
            ["referral_rate:avg", "member_count:sum", "referrer_count:sum"],
        )
        # three active members this month, one of whom referred: 33.3 %
        self.assertEqual(members, 3)
        self.assertEqual(referrers, 1)
        self.assertAlmostEqual(rate, 100 / 3)

    def test_settings_validated(self):
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.company.retail_referral_referrer_points = -10
        coupons = self.env["loyalty.program"].create({"name": "Coupons", "program_type": "coupons"})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.company.retail_referral_program_id = coupons
