from odoo.tests import tagged

from .common import RetailLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestTierPos(RetailLoyaltyPosCommon):
    def test_paid_order_upgrades_at_once(self):
        self.assertEqual(self.tier(self.member), self.tier_normal)
        order, _data, result = self._sync(self.member, qty=2)
        self.assertEqual(order.state, "paid")
        self.assertEqual(self.tier(self.member), self.tier_normal, "200 < 300: no upgrade")
        self.assertFalse(order.retail_tier_upgrade_id)
        order2, _data, result = self._sync(self.member, qty=1)
        self.assertEqual(self.tier(self.member), self.tier_silver)
        self.assertEqual(order2.retail_tier_upgrade_id, self.tier_silver)
        history = self.member.retail_tier_history_ids.filtered(lambda h: h.change_type == "upgrade")
        self.assertEqual(len(history), 1)
        self.assertEqual(history.old_tier_id, self.tier_normal)
        self.assertEqual(history.new_tier_id, self.tier_silver)
        self.assertEqual(history.order_id, order2)
        self.assertEqual(history.user_id, self.env.user)
        # the synced data sends the member's new tier and progress to the POS
        partner_data = {p["id"]: p for p in result["res.partner"]}[self.member.id]
        self.assertEqual(partner_data["retail_tier_id"], self.tier_silver.id)
        self.assertEqual(partner_data["retail_next_tier_id"], self.tier_gold.id)
        self.assertEqual(partner_data["retail_next_tier_remaining"], 200.0)
        self.assertIn(self.tier_gold.name, partner_data["retail_next_tier_message"])
        self.assertEqual(
            {o["id"]: o for o in result["pos.order"]}[order2.id]["retail_tier_upgrade_id"],
            self.tier_silver.id,
        )

    def test_jump_several_tiers(self):
        self._sync(self.member, qty=6)
        self.assertEqual(self.tier(self.member), self.tier_gold)
        self.assertEqual(
            len(self.member.retail_tier_history_ids.filtered(lambda h: h.change_type == "upgrade")), 1
        )

    def test_two_orders_in_one_sync(self):
        """Two orders of the same member synced together (offline till
        reconnecting) cross the threshold together: one upgrade."""
        data = [
            self.create_ui_order_data([(self.product, 2)], customer=self.member),
            self.create_ui_order_data([(self.product, 2)], customer=self.member),
        ]
        self.env["pos.order"].sync_from_ui(data)
        self.assertEqual(self.tier(self.member), self.tier_silver)
        self.assertEqual(self.member.retail_tier_spend, 400.0)
        upgrades = self.member.retail_tier_history_ids.filtered(lambda h: h.change_type == "upgrade")
        self.assertEqual(len(upgrades), 1)

    def test_resynced_order_counted_once(self):
        order, data, _result = self._sync(self.member, qty=2)
        again = self.env["pos.order"].sync_from_ui([dict(data)])
        self.assertEqual(again["pos.order"][0]["id"], order.id)
        self.assertEqual(self.env["pos.order"].search_count([("uuid", "=", data["uuid"])]), 1)
        self.assertEqual(self.member.retail_tier_spend, 200.0)
        self.assertEqual(self.tier(self.member), self.tier_normal)
        # re-evaluating the same paid order changes nothing
        order._retail_evaluate_member_tier()
        order._retail_evaluate_member_tier()
        self.assertEqual(self.tier(self.member), self.tier_normal)
        self.assertEqual(len(self.member.retail_tier_history_ids), 1)  # enrolment only

    def test_refund_subtracts_without_immediate_downgrade(self):
        order, _data, _result = self._sync(self.member, qty=4)
        self.assertEqual(self.tier(self.member), self.tier_silver)
        refund = self._refund(order, qty=2)
        self.assertEqual(refund.state, "paid")
        self.assertLess(refund.amount_total, 0)
        self.member.invalidate_recordset()
        self.assertEqual(self.member.retail_tier_spend, 200.0)
        self.assertEqual(self.member.retail_tier_order_count, 1, "a refund is not an order")
        self.assertEqual(self.tier(self.member), self.tier_silver, "downgrades wait for the review")

    def test_non_member_gets_no_tier(self):
        self._sync(self.customer, qty=10)
        self.assertFalse(self.tier(self.customer))
        self.assertFalse(self.customer.retail_tier_history_ids)

    def test_constant_queries_whatever_the_history(self):
        """The tier hook costs the same number of queries for a member with
        one order and for a member with many."""
        for _i in range(12):
            self._sync(self.member2, qty=0.01)
        self._sync(self.member, qty=0.01)
        counts = []
        for partner in (self.member, self.member2):
            order, _data, _result = self._sync(partner, qty=0.01)
            for _attempt in range(2):  # the second call: process caches (access rules) warm
                self.env.flush_all()
                self.env.invalidate_all()
                before = self.cr.sql_log_count
                order._retail_evaluate_member_tier()
            counts.append(self.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1])
        self.assertLess(counts[0], 15)

    def test_multi_company_spend_is_per_company(self):
        self._sync(self.member, qty=4)
        self.assertEqual(self.tier(self.member), self.tier_silver)
        company2 = self.env["res.company"].create(
            {"name": "Second Store Co", "currency_id": self.company.currency_id.id}
        )
        self.member._retail_upgrade_tiers(company2)
        self.assertEqual(self.tier(self.member, company2), self.tier_normal)
        self.assertEqual(self.tier(self.member), self.tier_silver)
        stats = self.env["res.partner"]._retail_tier_stats(company2, self.member.ids)
        self.assertFalse(stats, "orders of the first company do not count in the second")
        # a tier restricted to company 2 is not offered in company 1
        local = self.Tier.create(
            {"name": "Local VIP", "sequence": 99, "min_spend": 5000, "company_id": company2.id}
        )
        self.assertNotIn(local, self.Tier._get_company_tiers(self.company))
        self.assertIn(local, self.Tier._get_company_tiers(company2))

    def test_pos_loads_tiers_and_progress(self):
        self._sync(self.member, qty=1)
        data = self.pos_session.load_data([])
        self.assertIn("retail.crm.tier", data)
        tier_ids = {t["id"] for t in data["retail.crm.tier"]["data"]}
        self.assertIn(self.tier_gold.id, tier_ids)
        fields_list = data["res.partner"]["fields"]
        for fname in (
            "retail_tier_id",
            "retail_next_tier_message",
            "retail_loyalty_points",
            "retail_birthday",
        ):
            self.assertIn(fname, fields_list)
        partner = self.member.with_company(self.company)
        self.assertEqual(partner.retail_tier_spend, 100.0)
        self.assertEqual(partner.retail_next_tier_id, self.tier_silver)
        self.assertEqual(partner.retail_next_tier_remaining, 200.0)
        self.assertAlmostEqual(partner.retail_next_tier_progress, 100.0 / 3, places=2)
