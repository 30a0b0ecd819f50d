from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .common import RetailLoyaltyPosCommon

# queries the tier hook may add to the sync of one member order (#13)
MAX_HOOK_QUERIES = 3


@tagged("post_install", "-at_install")
class TestTierHookQueries(RetailLoyaltyPosCommon):
    """The tier hook on POS order sync (multiplier shown at the till, lock,
    qualifying spend, upgrade) costs a constant, small number of queries per
    order, whatever the member's order history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.heavy = cls.env["res.partner"].create(
            {"name": "王芳芳", "mobile": "+86 137 0013 7000", "retail_is_member": True}
        )

    def _past_orders(self, partner, count):
        """``count`` paid orders of 1.00 over the last months (a long-time
        member: 700 small orders stay far below Silver's 300)."""
        session = self.pos_session
        now = fields.Datetime.now()
        self.env["pos.order"].create(
            [
                {
                    "session_id": session.id,
                    "partner_id": partner.id,
                    "amount_tax": 0.0,
                    "amount_total": 0.1,
                    "amount_paid": 0.1,
                    "amount_return": 0.0,
                    "state": "paid",
                    "date_order": now - timedelta(hours=6 * (i + 1)),
                }
                for i in range(count)
            ]
        )

    def _sync_queries(self, partner, qty=1, hook=True):
        """Queries of sync_from_ui for one order of ``partner``, with the
        suite's tier hook or with it switched off (the baseline)."""
        data = self.create_ui_order_data([(self.product, qty)], customer=partner)
        PosOrder = type(self.env["pos.order"])
        patches = []
        if not hook:
            patches = [
                patch.object(PosOrder, "_retail_evaluate_member_tier", lambda self: None),
                patch.object(PosOrder, "_retail_current_multiplier", lambda self: 1.0),
            ]
        for patcher in patches:
            patcher.start()
        try:
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            result = self.env["pos.order"].sync_from_ui([data])
            self.env.flush_all()
            count = self.env.cr.sql_log_count - before
        finally:
            for patcher in patches:
                patcher.stop()
        return count, self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def _hook_queries(self, partner):
        """Queries the hook adds to the sync of one order of ``partner``."""
        self._sync_queries(partner, hook=False)  # warm-up: first-time reads of this member
        base, _order = self._sync_queries(partner, hook=False)
        count, order = self._sync_queries(partner)
        return count - base, count, base, order

    def test_hook_queries_constant_and_small(self):
        # no tier change in this test: Silver from 3,000
        self.tier_diamond.min_spend = 20000
        self.tier_gold.min_spend = 5000
        self.tier_silver.min_spend = 3000
        self._past_orders(self.heavy, 700)
        self._past_orders(self.member, 1)
        light = self._hook_queries(self.member)
        heavy = self._hook_queries(self.heavy)
        self.assertEqual(
            light[0], heavy[0], f"independent of the order history: {light[1:3]} vs {heavy[1:3]}"
        )
        self.assertLessEqual(
            max(light[0], heavy[0]), MAX_HOOK_QUERIES, f"hook queries: {light[:3]}, {heavy[:3]}"
        )
        self.assertEqual(self.tier(self.heavy), self.tier_normal)
        self.assertEqual(heavy[3].retail_points_multiplier, 1.0)

    def test_hook_queries_on_upgrade(self):
        """The order crossing Silver's threshold: upgrade, history and the
        order's tier also within the budget; the till's multiplier is kept."""
        self.tier_silver.points_multiplier = 1.5
        self._sync_queries(self.member2)  # warm-up: the tiers are cached at the till
        self._sync_queries(self.member, hook=False)
        base, _order = self._sync_queries(self.member, hook=False)  # 200 paid: still Normal
        count, order = self._sync_queries(self.member, qty=1)  # 300: Silver
        self.assertEqual(self.tier(self.member), self.tier_silver)
        self.assertEqual(order.retail_tier_upgrade_id, self.tier_silver)
        self.assertEqual(order.retail_points_multiplier, 1.0, "the tier shown at the till")
        history = self.member.retail_tier_history_ids
        self.assertEqual(history[:1].change_type, "upgrade")
        self.assertEqual(history[:1].order_id, order)
        self.assertLessEqual(count - base, MAX_HOOK_QUERIES, f"{count} vs {base}")
        # next order at the new tier's multiplier
        _count, order2 = self._sync_queries(self.member)
        self.assertEqual(order2.retail_points_multiplier, 1.5)

    def test_hook_queries_on_enrolment(self):
        """A member without a tier row yet (imported, or before the first
        review) gets the base tier with their order: the tier row and its
        history line are one statement, one query more than an order that
        changes nothing (two before: the row, then the history line)."""
        self.tier_diamond.min_spend = 20000
        self.tier_gold.min_spend = 5000
        self.tier_silver.min_spend = 3000
        self._sync_queries(self.member2)  # warm-up: the tiers are cached at the till
        unchanged = self._hook_queries(self.heavy)[0]
        base, _order = self._sync_queries(self.heavy, hook=False)
        self.env.cr.execute("DELETE FROM retail_crm_member_tier WHERE partner_id = %s", [self.heavy.id])
        self.env.invalidate_all()
        self.assertFalse(self.tier(self.heavy))
        count, order = self._sync_queries(self.heavy)
        self.assertEqual(self.tier(self.heavy), self.tier_normal)
        self.assertEqual(self.heavy.retail_tier_history_ids[:1].order_id, order)
        self.assertLessEqual(count - base, MAX_HOOK_QUERIES, f"{count} vs {base}")
        self.assertEqual(count - base, unchanged + 1, f"enrolment {count - base}, no change {unchanged}")
