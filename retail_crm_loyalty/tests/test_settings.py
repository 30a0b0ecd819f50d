from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RetailLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestSettingsValidation(RetailLoyaltyPosCommon):
    """Every number and date of the loyalty settings and tiers is checked at
    model level with a translated message; nothing invalid is stored."""

    def _settings(self, **vals):
        return self.env["res.config.settings"].with_user(self.admin_user).create(vals)

    def test_company_number_settings(self):
        bad_values = [
            ("retail_tier_window_months", 0),
            ("retail_tier_window_months", -6),
            ("retail_tier_grace_days", -10),
            ("retail_birthday_coupon_days", -3),
            ("retail_birthday_coupon_days", 0),
            ("retail_points_expiry_months", -1),
            ("retail_vip_followup_days", 0),
        ]
        for fname, value in bad_values:
            with self.subTest(field=fname, value=value), self.assertRaises(ValidationError):
                self._settings(**{fname: value}).execute()
            self.assertNotEqual(self.company[fname], value, "nothing stored")
        self._settings(retail_tier_window_months=6, retail_tier_grace_days=0).execute()
        self.assertEqual(self.company.retail_tier_window_months, 6)

    @mute_logger("odoo.addons.retail_crm_loyalty.models.retail_crm_tier")
    def test_review_ignores_invalid_stored_settings(self):
        """Values stored before the validation existed (legacy database) do not
        move every member at the next review."""
        self._sync(self.member, qty=4)
        self.env.cr.execute(
            "UPDATE res_company SET retail_tier_window_months = -6, retail_tier_grace_days = -10 WHERE id = %s",
            [self.company.id],
        )
        self.company.invalidate_recordset()
        counters = self.Tier._review_company_tiers(self.company)
        self.assertFalse(any(counters.values()))
        self.assertEqual(self.tier(self.member), self.tier_silver)

    def test_tier_numbers_translated_errors(self):
        for vals in ({"min_spend": -1}, {"min_orders": -2}, {"points_multiplier": -1}):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.tier_gold.write(vals)

    def test_thresholds_ascend_with_sequence(self):
        with self.assertRaises(ValidationError):
            self.tier_silver.min_spend = 800  # above Gold (500)
        with self.assertRaises(ValidationError):
            self.Tier.create({"name": "Platinum", "sequence": 35, "min_spend": 400})
        # a tier without condition above the base tier is given by managers only
        vip = self.Tier.create({"name": "Invited", "sequence": 50})
        self._sync(self.member, qty=30)
        self.assertEqual(self.tier(self.member), self.tier_diamond)
        self.assertNotEqual(self.tier(self.member2), vip)
        self.Tier._review_company_tiers(self.company)
        self.assertEqual(self.tier(self.member), self.tier_diamond)
        self.Tier.create({"name": "Platinum", "sequence": 35, "min_spend": 1000})

    def test_preview_warns_and_applies_in_a_valid_order(self):
        Preview = self.env["retail.crm.tier.preview"].with_user(self.admin_user)
        preview = Preview.create({})
        lines = {line.tier_id: line for line in preview.line_ids}
        lines[self.tier_silver].min_spend = 8000
        lines[self.tier_gold].min_spend = 5000
        preview.action_preview()
        self.assertIn("Silver", preview.warning)
        with self.assertRaises(UserError):
            preview.action_apply()
        self.assertEqual(self.tier_silver.min_spend, 300, "nothing written")
        # every threshold raised above the next one's current value: the
        # wizard writes them top-down so that each write stays valid
        preview = Preview.create({})
        lines = {line.tier_id: line for line in preview.line_ids}
        lines[self.tier_silver].min_spend = 600
        lines[self.tier_gold].min_spend = 2500
        lines[self.tier_diamond].min_spend = 3000
        preview.action_preview()
        self.assertFalse(preview.warning)
        preview.action_apply()
        self.assertEqual(
            (self.tier_silver | self.tier_gold | self.tier_diamond).mapped("min_spend"), [600, 2500, 3000]
        )

    def test_holiday_dates(self):
        Holiday = self.env["retail.crm.holiday"]
        with self.assertRaises(ValidationError):
            Holiday.create({"name": "Millennium", "date": "1999-12-31"})
        with self.assertRaises(ValidationError):
            Holiday.create({"name": "Spring Festival", "date": "2026-02-30"})
        holiday = Holiday.create(
            {"name": "Spring Festival", "date": fields.Date.today() + relativedelta(days=3)}
        )
        with self.assertRaises(ValidationError):
            holiday.date = fields.Date.today() - relativedelta(days=1)

    def test_impossible_birthday_for_cashier(self):
        with self.assertRaises(ValidationError):
            self.env["res.partner"].with_user(self.pos_user).create(
                {"name": "张伟", "mobile": "138 0013 8111", "retail_birthday": "1990-02-30"}
            )
        with self.assertRaises(ValidationError):
            self.member.with_user(self.pos_user).write({"retail_birthday": "1990-13-01"})

    def test_impossible_override_expiry(self):
        with self.assertRaises(ValidationError):
            self.env["retail.crm.tier.override"].with_user(self.pos_manager).with_context(
                active_model="res.partner", active_ids=self.member.ids
            ).create({"tier_id": self.tier_gold.id, "reason": "VIP", "expiry_date": "2026-02-30"})
