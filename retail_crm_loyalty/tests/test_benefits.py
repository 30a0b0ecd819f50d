from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import tagged

from .common import RetailLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestBenefits(RetailLoyaltyPosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.silver_pricelist = cls.env["product.pricelist"].create(
            {"name": "Silver prices", "currency_id": cls.company.currency_id.id}
        )
        cls.tier_silver.pricelist_id = cls.silver_pricelist
        cls.loyalty_program = cls.env["loyalty.program"].create(
            {
                "name": "Member points",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount": 10, "required_points": 1000})],
            }
        )

    def test_tier_pricelist_applied_and_removed(self):
        self._sync(self.member, qty=4)
        partner = self.member.with_company(self.company)
        self.assertEqual(partner.property_product_pricelist, self.silver_pricelist)
        self.assertEqual(partner.specific_property_product_pricelist, self.silver_pricelist)
        # gold has no pricelist: the silver one is removed on upgrade
        self._sync(self.member, qty=2)
        self.assertEqual(self.tier(self.member), self.tier_gold)
        self.assertFalse(partner.specific_property_product_pricelist)

    def test_points_multiplier_on_pos_points(self):
        self._sync(self.member, qty=3)  # silver, multiplier 1.2
        self.assertEqual(self.tier_silver.points_multiplier, 1.2)
        card = self.env["loyalty.card"].create(
            {"program_id": self.loyalty_program.id, "partner_id": self.member.id, "points": 10}
        )
        order, _data, _result = self._sync(self.member, qty=1)
        order.confirm_coupon_programs(
            {
                str(card.id): {
                    "points": 100,
                    "program_id": self.loyalty_program.id,
                    "coupon_id": card.id,
                    "partner_id": self.member.id,
                    "barcode": False,
                }
            }
        )
        self.assertAlmostEqual(card.points, 10 + 120)
        order.add_loyalty_history_lines(
            [{"order_id": order.id, "card_id": str(card.id), "won": 100, "spent": 0}],
            [{"old_id": card.id, "id": card.id}],
        )
        self.assertEqual(card.history_ids.issued, 120)
        # a non-member earns the plain points
        card2 = self.env["loyalty.card"].create(
            {"program_id": self.loyalty_program.id, "partner_id": self.customer.id, "points": 0}
        )
        order2, _data, _result = self._sync(self.customer, qty=1)
        order2.confirm_coupon_programs(
            {
                str(card2.id): {
                    "points": 100,
                    "program_id": self.loyalty_program.id,
                    "coupon_id": card2.id,
                    "partner_id": self.customer.id,
                    "barcode": False,
                }
            }
        )
        self.assertEqual(card2.points, 100)

    def test_points_expiry(self):
        self.company.retail_points_expiry_months = 6
        card = self.env["loyalty.card"].create(
            {"program_id": self.loyalty_program.id, "partner_id": self.member.id, "points": 150}
        )
        History = self.env["loyalty.history"]
        old = History.create({"card_id": card.id, "description": "old", "issued": 100})
        History.create({"card_id": card.id, "description": "recent", "issued": 80})
        History.create({"card_id": card.id, "description": "used", "used": 30})
        self.env.cr.execute(
            "UPDATE loyalty_history SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - relativedelta(months=7), old.id),
        )
        History.invalidate_model(["create_date"])
        expired = self.env["loyalty.card"]._retail_expire_points(self.company)
        # 100 old points, 30 already used: 70 expire; the 80 recent remain
        self.assertEqual(expired, {card.id: 70})
        self.assertEqual(card.points, 80)
        self.assertEqual(card.history_ids.filtered(lambda h: "expired" in h.description).used, 70)
        self.assertEqual(self.env["loyalty.card"]._retail_expire_points(self.company), {}, "idempotent")
        self.assertEqual(card.points, 80)

    def test_birthday_coupon_and_greeting(self):
        coupon_program = self.env["loyalty.program"].create(
            {
                "name": "Birthday gift",
                "program_type": "coupons",
                "trigger": "with_code",
                "applies_on": "current",
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount": 20, "required_points": 1})],
            }
        )
        self.company.retail_birthday_program_id = coupon_program
        today = fields.Date.today()
        birthday = today - relativedelta(years=30)
        self.member.retail_birthday = birthday
        self.member2.retail_birthday = (
            birthday + timedelta(days=1) if birthday.day < 27 else birthday - timedelta(days=1)
        )
        self.env["mail.blacklist"].create({"email": "blocked@example.com"})
        blocked = self.env["res.partner"].create(
            {
                "name": "Blocked",
                "mobile": "+8613300133000",
                "email": "blocked@example.com",
                "retail_is_member": True,
                "retail_birthday": birthday,
            }
        )
        self._consent_to_marketing(self.member, channels=("email",))
        greeted = self.env["res.partner"]._cron_retail_birthday(today=today)
        self.assertEqual(greeted, self.member | blocked)
        cards = self.env["loyalty.card"].search([("program_id", "=", coupon_program.id)])
        self.assertEqual(cards.partner_id, self.member | blocked)
        self.assertEqual(set(cards.mapped("expiration_date")), {today + relativedelta(days=6)})
        mails = self.env["mail.mail"].search([("recipient_ids", "in", (self.member | blocked).ids)])
        self.assertIn(self.member, mails.recipient_ids)
        self.assertNotIn(blocked, mails.recipient_ids, "opted-out addresses get no greeting")
        # once a year
        self.env["res.partner"]._cron_retail_birthday(today=today)
        self.assertEqual(self.env["loyalty.card"].search_count([("program_id", "=", coupon_program.id)]), 2)

    def test_holiday_greeting_skips_blacklist(self):
        self.env["mail.blacklist"].create({"email": "wang.fang@example.com"})
        self.member2.email = "li.lei@example.com"
        self._consent_to_marketing(self.member2, channels=("email",))
        holiday = self.env["retail.crm.holiday"].create(
            {"name": "Spring Festival", "date": fields.Date.today(), "company_id": self.company.id}
        )
        self.env["retail.crm.holiday"]._cron_send_greetings()
        self.assertEqual(holiday.state, "sent")
        self.assertEqual(holiday.sent_count, 1)
        mails = self.env["mail.mail"].search([("recipient_ids", "in", (self.member | self.member2).ids)])
        self.assertEqual(mails.recipient_ids, self.member2)

    def test_birthday_and_holiday_sms_skip_phone_blacklist(self):
        today = fields.Date.today()
        tomorrow = today + timedelta(days=1)
        Partner = self.env["res.partner"]
        Sms = self.env["sms.sms"]

        def member(name, mobile, day):
            values = {
                "name": name,
                "retail_is_member": True,
                "retail_birthday": day - relativedelta(years=40),
            }
            if mobile:
                values["mobile"] = mobile
            return Partner.create(values)

        # off by default: the birthday greeting goes by e-mail only
        email_only = member("Zhou Min", "+8613900139008", today)
        Partner._cron_retail_birthday(today=today)
        self.assertFalse(Sms.search([("partner_id", "=", email_only.id)]))
        # on: one SMS per member with a number that is not blacklisted
        # members are shared between companies: the first company greets them
        self.env["res.company"].search([]).write({"retail_birthday_sms": True})
        texted = member("Zhao Lei", "+8613900139001", tomorrow)
        opted_out = member("Qian Yu", "+8613900139002", tomorrow)
        self.env["phone.blacklist"].create({"number": "+8613900139002"})
        self._consent_to_marketing(texted, channels=("sms",))
        Partner._cron_retail_birthday(today=tomorrow)
        sms = Sms.search([("partner_id", "in", (texted | opted_out).ids)])
        self.assertEqual(sms.partner_id, texted, "a blacklisted number gets none")
        self.assertEqual(sms.number, "+8613900139001")
        self.assertIn("Happy birthday, Zhao Lei", sms.body)
        self.assertTrue(texted.message_ids.filtered(lambda m: "Happy birthday" in (m.body or "")), "noted")
        # holiday greetings also send the SMS template when one is set
        holiday = self.env["retail.crm.holiday"].create(
            {
                "name": "Mid-Autumn",
                "date": today,
                "company_id": self.company.id,
                "sms_template_id": self.env.ref("retail_crm_loyalty.sms_template_holiday").id,
            }
        )
        self.env["retail.crm.holiday"]._cron_send_greetings()
        holiday_sms = Sms.search([("partner_id", "in", (texted | opted_out).ids)]) - sms
        self.assertEqual(holiday_sms.partner_id, texted)
        self.assertIn("Thank you for being our member", holiday_sms.body)
        reachable = holiday._members()._retail_reachable_by_sms(marketing=True)
        self.assertIn(texted, reachable)
        self.assertNotIn(opted_out, reachable)
        self.assertEqual(holiday.sms_count, len(reachable))

    def test_vip_followup_activity(self):
        salesperson = self.pos_user
        self.member.user_id = salesperson
        self.company.retail_vip_tier_id = self.tier_gold
        self._sync(self.member, qty=6)
        self._sync(self.member2, qty=6)  # VIP without salesperson: no activity
        activities = self.env["res.partner"]._cron_retail_vip_followup()
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, salesperson)
        self.assertEqual(activities.res_id, self.member.id)
        self.assertFalse(self.env["res.partner"]._cron_retail_vip_followup(), "one open follow-up at a time")
