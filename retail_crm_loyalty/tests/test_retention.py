from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RetailLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestTierRetention(RetailLoyaltyPosCommon):
    """保级: retention thresholds, downgrade policy, invitation-only tiers."""

    def _review(self, today=None):
        return self.Tier._review_company_tiers(self.company, today=today or fields.Date.today())

    def _due(self, partner):
        """Make the scheduled downgrade of ``partner`` due today."""
        partner.sudo()._retail_write_company_values(
            self.company, {"retail_tier_downgrade_date": fields.Date.to_string(fields.Date.today())}
        )

    def test_retention_threshold_keeps_the_tier(self):
        self._sync(self.member, qty=3)  # 300: Silver
        self._sync(self.member2, qty=3)
        self.tier_silver.write({"min_spend": 400, "retention_spend": 250})
        self._refund(self.member2.pos_order_ids[:1], qty=1)  # Li Lei: 200 left, below retention
        counters = self._review()
        self.assertEqual(counters["notified"], 1, "only the member below the retention threshold")
        partner = self.member.with_company(self.company)
        self.assertEqual(partner.retail_tier_id, self.tier_silver)
        self.assertFalse(partner.retail_tier_downgrade_date, "300 keeps Silver (retention 250)")
        self.assertTrue(self.member2.with_company(self.company).retail_tier_downgrade_date)
        with self.assertRaises(ValidationError):
            self.tier_silver.retention_spend = 450  # above the qualifying spend

    def test_one_level_per_review(self):
        self._sync(self.member, qty=20)  # 2000: Diamond
        self.assertEqual(self.tier(self.member), self.tier_diamond)
        self.company.retail_tier_downgrade_policy = "one_level"
        self.tier_diamond.min_spend = 3000
        self.tier_gold.min_spend = 2500
        self.tier_silver.min_spend = 2100  # she now qualifies for Normal only
        self._due(self.member)
        self._review()
        self.assertEqual(self.tier(self.member), self.tier_gold, "one level down")
        self._due(self.member)
        self._review()
        self.assertEqual(self.tier(self.member), self.tier_silver)
        # to the qualified tier at once with the default policy
        self.company.retail_tier_downgrade_policy = "qualified"
        self._due(self.member)
        self._review()
        self.assertEqual(self.tier(self.member), self.tier_normal)

    def test_invitation_only_tier(self):
        private = self.Tier.create(
            {"name": "私享会员", "sequence": 50, "min_spend": 3000, "invitation_only": True}
        )
        self._sync(self.member, qty=40)  # 4000: above the private tier's spend
        self.assertEqual(self.tier(self.member), self.tier_diamond, "spend never reaches it")
        self._review()
        self.assertEqual(self.tier(self.member), self.tier_diamond, "nor does the review")
        self.env["retail.crm.tier.override"].with_user(self.pos_manager).with_context(
            active_model="res.partner", active_ids=self.member2.ids
        ).create({"tier_id": private.id, "reason": "董事长邀请"}).action_apply()
        self.assertEqual(self.tier(self.member2), private)
        # no spend at all, the manual lock lifted: the review keeps the invited member
        self.member2.sudo()._retail_write_company_values(self.company, {"retail_tier_locked": False})
        self._review(fields.Date.today() + relativedelta(months=2))
        self.assertEqual(self.tier(self.member2), private)

    def test_preview_counts_retention_and_policy(self):
        self._sync(self.member, qty=3)
        self._sync(self.member2, qty=20)  # Diamond
        Preview = self.env["retail.crm.tier.preview"].with_user(self.admin_user)
        preview = Preview.create({})
        lines = {line.tier_id: line for line in preview.line_ids}
        lines[self.tier_silver].write({"min_spend": 400, "retention_spend": 250})
        lines[self.tier_diamond].min_spend = 3000
        preview.action_preview()
        moves = {(m.from_tier_id, m.to_tier_id): m.count for m in preview.move_ids}
        self.assertEqual(moves, {(self.tier_diamond, self.tier_gold): 1}, "Silver kept by retention")
        self.company.retail_tier_downgrade_policy = "one_level"
        lines[self.tier_gold].min_spend = 2500
        preview.action_preview()
        moves = {(m.from_tier_id, m.to_tier_id): m.count for m in preview.move_ids}
        self.assertEqual(moves, {(self.tier_diamond, self.tier_gold): 1})
