from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestHostileSettings(TransactionCase):
    """Settings, tiers and holidays written the way a hostile tester does:
    straight through the models (RPC), with values the forms never send.
    Every one is refused with a translated message, nothing is stored and no
    raw database error comes out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "第二门店公司"})
        cls.admin = new_test_user(
            cls.env,
            login="hostile_admin",
            groups="base.group_user,base.group_system,point_of_sale.group_pos_manager",
        )
        cls.Tier = cls.env["retail.crm.tier"].with_user(cls.admin)
        cls.tier_gold = cls.env.ref("retail_crm_loyalty.retail_crm_tier_gold")

    def _program(self, program_type, company=None):
        return self.env["loyalty.program"].create(
            {
                "name": f"{program_type} 测试",
                "program_type": program_type,
                "company_id": (company or self.company).id,
            }
        )

    def test_integers_beyond_the_column_refused_with_a_message(self):
        """2,147,483,648 orders or months does not fit the database column: a
        translated message, not 'integer out of range'."""
        huge = 2**31
        for vals in ({"min_orders": huge}, {"retention_orders": huge}, {"sequence": huge}):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.tier_gold.with_user(self.admin).write(vals)
                self.tier_gold.flush_recordset()
        with self.assertRaises(ValidationError):
            self.Tier.create({"name": "Black", "sequence": 90, "min_orders": huge})
            self.Tier.flush_model()
        for fname in ("retail_tier_window_months", "retail_tier_grace_days", "retail_vip_followup_days"):
            with self.subTest(fname=fname), self.assertRaises(ValidationError):
                self.company.with_user(self.admin).write({fname: huge})
                self.company.flush_recordset()

    def test_birthday_program_is_a_coupon_program_of_the_company(self):
        """A loyalty program as the birthday 'coupon' would give every member
        a second points card on their birthday; a program of another company
        would be credited in the wrong company."""
        Company = self.company.with_user(self.admin)
        with self.assertRaises(ValidationError):
            Company.write({"retail_birthday_program_id": self._program("loyalty").id})
        with self.assertRaises(UserError):
            Company.write({"retail_birthday_program_id": self._program("coupons", self.other_company).id})
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].with_user(self.admin).create(
                {"retail_birthday_program_id": self._program("gift_card").id}
            ).execute()
        self.assertFalse(self.company.retail_birthday_program_id)
        coupons = self._program("coupons")
        Company.write({"retail_birthday_program_id": coupons.id})
        self.assertEqual(self.company.retail_birthday_program_id, coupons)

    def test_referral_program_of_the_company(self):
        with self.assertRaises(UserError):
            self.company.with_user(self.admin).write(
                {"retail_referral_program_id": self._program("loyalty", self.other_company).id}
            )

    def test_vip_tier_usable_in_the_company(self):
        other_tier = self.env["retail.crm.tier"].create(
            {"name": "外司钻石", "sequence": 95, "min_spend": 99999999, "company_id": self.other_company.id}
        )
        with self.assertRaises(ValidationError):
            self.company.with_user(self.admin).write({"retail_vip_tier_id": other_tier.id})
        self.company.with_user(self.admin).write({"retail_vip_tier_id": self.tier_gold.id})

    def test_holiday_not_rescheduled_into_the_past(self):
        """A sent or archived greeting of a past date put back to 'scheduled'
        or unarchived would be sent again at once by the cron."""
        Holiday = self.env["retail.crm.holiday"].with_user(self.admin)
        holiday = Holiday.create({"name": "中秋节", "date": fields.Date.today() + relativedelta(days=1)})
        # the greeting went out yesterday (cron), then a tester plays with it
        holiday.sudo().write({"state": "sent"})
        self.env.cr.execute(
            "UPDATE retail_crm_holiday SET date = %s WHERE id = %s",
            [fields.Date.today() - relativedelta(days=1), holiday.id],
        )
        holiday.invalidate_recordset()
        with self.assertRaises(ValidationError):
            holiday.write({"state": "scheduled"})
        self.assertEqual(holiday.state, "sent")
        # an archived scheduled greeting of a day now past: unarchiving it
        # does not send it weeks late
        late = Holiday.create({"name": "国庆节", "date": fields.Date.today() + relativedelta(days=1)})
        late.action_archive()
        self.env.cr.execute(
            "UPDATE retail_crm_holiday SET date = %s WHERE id = %s",
            [fields.Date.today() - relativedelta(days=20), late.id],
        )
        late.invalidate_recordset()
        with self.assertRaises(ValidationError):
            late.action_unarchive()
        # a past sent greeting can still be archived or renamed
        holiday.write({"name": "中秋节 2026"})
        holiday.action_archive()

    def test_impossible_dates_everywhere(self):
        """Feb 30 typed through RPC into every date of the suite's models."""
        member = self.env["res.partner"].create(
            {"name": "林小红", "mobile": "138 0013 8555", "retail_is_member": True}
        )
        Manager = member.with_user(self.admin)
        for fname in ("retail_tier_locked_until", "retail_tier_downgrade_date", "retail_join_date"):
            with self.subTest(fname=fname), self.assertRaises(ValidationError):
                Manager.write({fname: "2026-02-30"})
        holiday = self.env["retail.crm.holiday"].create(
            {"name": "元旦", "date": fields.Date.today() + relativedelta(days=5)}
        )
        for value in ("2026-02-30", "2026-13-01", "not a date", "0000-01-01"):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                holiday.write({"date": value})
