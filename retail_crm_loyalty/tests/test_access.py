from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RetailLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestAccess(RetailLoyaltyPosCommon):
    def test_pos_user(self):
        tiers = self.Tier.with_user(self.pos_user).search([])
        self.assertIn(self.tier_gold, tiers)
        with self.assertRaises(AccessError):
            self.tier_gold.with_user(self.pos_user).write({"min_spend": 1})
        with self.assertRaises(AccessError):
            self.env["retail.crm.tier.override"].with_user(self.pos_user).create(
                {"partner_ids": self.member.ids, "tier_id": self.tier_gold.id, "reason": "x"}
            )
        with self.assertRaises(AccessError):
            self.env["retail.crm.tier.preview"].with_user(self.pos_user).create({})
        # the cashier sells: the member is upgraded although the cashier may not write tiers
        order, data, _result = self._sync(self.member, qty=4)
        self.assertEqual(self.tier(self.member), self.tier_silver)
        self.member.user_id = self.pos_user
        member = self.member.with_user(self.pos_user)
        self.assertEqual(member.retail_tier_id, self.tier_silver)
        self.assertEqual(member.retail_next_tier_id, self.tier_gold)
        self.assertTrue(member.retail_tier_history_ids)
        # history of customers assigned to another salesperson is hidden
        self.member2.user_id = self.pos_manager
        self.assertFalse(self.member2.with_user(self.pos_user).retail_tier_history_ids)
        with self.assertRaises(AccessError):
            self.member2.retail_tier_history_ids.with_user(self.pos_user).read(["reason"])

    def test_pos_user_enrols_member_at_the_till(self):
        member = (
            self.env["res.partner"]
            .with_user(self.pos_user)
            .create(
                {
                    "name": "New Till Member",
                    "mobile": "186 0018 6000",
                    "retail_is_member": True,
                    "retail_birthday": "1992-03-04",
                    "retail_join_channel": "store",
                }
            )
        )
        self.assertEqual(member.mobile, "+8618600186000")
        self.assertTrue(member.retail_member_number)
        self.assertEqual(self.tier(member), self.tier_normal)
        self.assertEqual(member.retail_tier_history_ids.user_id, self.pos_user)

    def test_pos_user_syncs_orders(self):
        self.pos_session.user_id = self.pos_user
        data = self.create_ui_order_data([(self.product, 4)], customer=self.member)
        self.env["pos.order"].with_user(self.pos_user).sync_from_ui([data])
        self.assertEqual(self.tier(self.member), self.tier_silver)
        history = self.member.retail_tier_history_ids.filtered(lambda h: h.change_type == "upgrade")
        self.assertEqual(history.user_id, self.pos_user)

    def test_pos_manager(self):
        with self.assertRaises(AccessError):
            self.tier_gold.with_user(self.pos_manager).write({"min_spend": 1})
        with self.assertRaises(AccessError):
            self.env["retail.crm.tier.preview"].with_user(self.pos_manager).create({})
        wizard = (
            self.env["retail.crm.tier.override"]
            .with_user(self.pos_manager)
            .create({"partner_ids": self.member.ids, "tier_id": self.tier_diamond.id, "reason": "VIP guest"})
        )
        wizard.action_apply()
        self.assertEqual(self.tier(self.member), self.tier_diamond)
        history = (
            self.env["retail.crm.tier.history"]
            .with_user(self.pos_manager)
            .search([("partner_id", "=", self.member.id), ("change_type", "=", "override")])
        )
        self.assertEqual(history.reason, "VIP guest")
        with self.assertRaises(AccessError):
            history.write({"reason": "tampered"})

    def test_admin_configures(self):
        self.tier_gold.with_user(self.admin_user).write({"min_spend": 450})
        self.assertEqual(self.tier_gold.min_spend, 450)
        settings = (
            self.env["res.config.settings"]
            .with_user(self.admin_user)
            .create({"retail_tier_window_months": 6, "retail_tier_grace_days": 14})
        )
        settings.execute()
        self.assertEqual(self.company.retail_tier_window_months, 6)
        self.assertEqual(self.company.retail_tier_grace_days, 14)
