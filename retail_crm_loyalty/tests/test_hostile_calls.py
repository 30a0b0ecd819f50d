from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..models import retail_crm_tier_review as tier_module
from .common import RetailLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestHostileCalls(RetailLoyaltyPosCommon):
    """Repeated calls, calls out of order and calls a role should not be able
    to make, through the models as RPC reaches them."""

    def test_manager_override_between_review_batches_is_kept(self):
        """A manager gives Li Lei Gold while a long review runs: the later
        batch holds a downgrade decided before the override and must not
        apply it."""
        self._sync(self.member, qty=3)
        self._sync(self.member2, qty=3)
        self.tier_silver.min_spend = 400  # neither member keeps Silver now
        today = fields.Date.today()
        (self.member | self.member2).sudo()._retail_write_company_values(
            self.company, {"retail_tier_downgrade_date": fields.Date.to_string(today)}
        )
        self.assertLess(self.member.id, self.member2.id)

        def override_between_batches(done, remaining):
            if done == 1 and remaining:
                self.env["retail.crm.tier.override"].with_user(self.pos_manager).with_context(
                    active_model="res.partner", active_ids=self.member2.ids
                ).create({"tier_id": self.tier_gold.id, "reason": "店长特批"}).action_apply()

        with patch.object(tier_module, "REVIEW_BATCH_SIZE", 1):
            counters = self.Tier._review_company_tiers(
                self.company, today=today, on_batch=override_between_batches
            )
        self.assertEqual(counters["downgraded"], 1)
        self.assertEqual(self.tier(self.member), self.tier_normal)
        self.assertEqual(self.tier(self.member2), self.tier_gold, "the manager's override is kept")
        self.assertTrue(self.member2.with_company(self.company).retail_tier_locked)

    def test_cashier_cannot_write_the_tier_state(self):
        """A cashier may edit their customer, not give them Diamond (and its
        pricelist) or cancel a scheduled downgrade through a plain write."""
        self.member.user_id = self.pos_user
        member = self.member.with_user(self.pos_user)
        member.write({"email": "wang.fang@example.cn"})  # an ordinary edit goes through
        for vals in (
            {"retail_tier_id": self.tier_diamond.id},
            {"retail_tier_locked": True},
            {"retail_tier_downgrade_date": False, "retail_tier_locked_until": "2030-01-01"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                member.write(vals)
        self.assertEqual(self.tier(self.member), self.tier_normal)
        self.assertFalse(self.member.retail_tier_history_ids.filtered(lambda h: h.change_type != "enrol"))

    def test_unarchived_member_with_a_taken_mobile(self):
        """Archive a member, enrol the same mobile again, unarchive the first:
        two active members would share the mobile."""
        old = self.env["res.partner"].create(
            {"name": "黄磊", "mobile": "137 0013 7000", "retail_is_member": True}
        )
        old.action_archive()
        self.env["res.partner"].create({"name": "黄磊", "mobile": "137 0013 7000", "retail_is_member": True})
        with self.assertRaises(ValidationError):
            old.action_unarchive()
            old.flush_recordset()
        self.assertFalse(old.active)

    def test_same_order_synced_again_with_other_lines(self):
        """A till re-sends a paid order with more lines: the order, the spend
        and the tier stay those of the first sync."""
        order, data, _result = self._sync(self.member, qty=3, uuid="retail-crm-hostile-resync")
        self.assertEqual(self.tier(self.member), self.tier_silver)
        data2 = self.create_ui_order_data([(self.product, 30)], customer=self.member, uuid=order.uuid)
        result = self.env["pos.order"].sync_from_ui([data2])
        self.assertEqual(result["pos.order"][0]["id"], order.id)
        self.assertEqual(self.env["pos.order"].search_count([("uuid", "=", order.uuid)]), 1)
        self.assertEqual(order.amount_total, 300)
        self.assertEqual(self.tier(self.member), self.tier_silver, "no spend from the re-sent lines")

    def test_refund_synced_twice_subtracted_once(self):
        order, _data, _result = self._sync(self.member, qty=6)  # 600: Gold
        self.assertEqual(self.tier(self.member), self.tier_gold)
        line = order.lines[0]
        data = self.create_ui_order_data([(line.product_id, -2)], customer=self.member)
        data["lines"][0][2]["refunded_orderline_id"] = line.id
        first = self.env["pos.order"].sync_from_ui([data])["pos.order"][0]["id"]
        second = self.env["pos.order"].sync_from_ui([data])["pos.order"][0]["id"]
        self.assertEqual(first, second)
        stats = self.env["res.partner"]._retail_tier_stats(self.company, [self.member.id])
        self.assertEqual(stats[self.member.id][0], 400)


@tagged("post_install", "-at_install")
class TestTwoTillsRedeemOneCard(RetailLoyaltyPosCommon):
    """The member shows the same points card at two tills at once: both tills
    validate the reward (1,000 points, 800 each) before either order is
    synced."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "会员积分",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount": 10, "required_points": 800})],
            }
        )
        cls.reward = cls.program.reward_ids

    def _redeeming_order(self, card, code):
        data = self.create_ui_order_data([(self.product, 1)], customer=self.member)
        data["lines"].append(
            (
                0,
                0,
                {
                    "product_id": self.reward.discount_line_product_id.id,
                    "qty": 1,
                    "price_unit": -10.0,
                    "price_subtotal": -10.0,
                    "price_subtotal_incl": -10.0,
                    "tax_ids": [(6, 0, [])],
                    "is_reward_line": True,
                    "reward_id": self.reward.id,
                    "coupon_id": card.id,
                    "points_cost": 800,
                    "reward_identifier_code": code,
                },
            )
        )
        data["amount_total"] = data["amount_paid"] = 90.0
        data["payment_ids"][0][2]["amount"] = 90.0
        return data

    def _coupon_data(self, card, code):
        return {
            str(card.id): {
                "points": 90 - 800,
                "program_id": self.program.id,
                "coupon_id": card.id,
                "partner_id": self.member.id,
                "barcode": False,
                "line_codes": [code],
            }
        }

    def test_second_till_cannot_spend_the_same_points(self):
        card = self.env["loyalty.card"].create(
            {"program_id": self.program.id, "partner_id": self.member.id, "points": 1000}
        )
        Order = self.env["pos.order"].with_user(self.pos_user)
        self.pos_session.user_id = self.pos_user
        for _till in range(2):
            check = Order.validate_coupon_programs({str(card.id): -800}, [])
            self.assertTrue(check["successful"])
        first = Order.browse(Order.sync_from_ui([self._redeeming_order(card, "till1")])["pos.order"][0]["id"])
        first.confirm_coupon_programs(self._coupon_data(card, "till1"))
        self.assertAlmostEqual(card.points, 1000 - 800 + 90)
        with self.assertRaises(UserError):
            Order.sync_from_ui([self._redeeming_order(card, "till2")])
        self.assertAlmostEqual(card.points, 290, msg="the points are spent once")
        self.assertGreaterEqual(card.points, 0)

    def test_both_synced_before_either_confirms(self):
        """Till A's points are not confirmed yet (its second request is on
        its way) when till B syncs: A's reward still holds its points."""
        card = self.env["loyalty.card"].create(
            {"program_id": self.program.id, "partner_id": self.member.id, "points": 1000}
        )
        Order = self.env["pos.order"].with_user(self.pos_user)
        self.pos_session.user_id = self.pos_user
        first = Order.browse(Order.sync_from_ui([self._redeeming_order(card, "tillA")])["pos.order"][0]["id"])
        with self.assertRaises(UserError) as refused:
            Order.sync_from_ui([self._redeeming_order(card, "tillB")])
        self.assertIn(card.code, str(refused.exception))
        first.confirm_coupon_programs(self._coupon_data(card, "tillA"))
        self.assertAlmostEqual(card.points, 290)
        # points the order itself earns may be spent in it, as Odoo allows
        card.points = 750
        data = self._redeeming_order(card, "tillC")
        Order.sync_from_ui([data])


@tagged("post_install", "-at_install")
class TestTierRemovedUnderMembers(RetailLoyaltyPosCommon):
    """Archiving or deleting a tier that members hold would move them at their
    next purchase or review without notice (logged as an upgrade), or end in
    a raw foreign-key error."""

    def test_tier_held_by_members_cannot_be_archived_or_deleted(self):
        self._sync(self.member, qty=6)  # 600: Gold
        self.assertEqual(self.tier(self.member), self.tier_gold)
        Tier = self.tier_gold.with_user(self.admin_user)
        with self.assertRaises(UserError):
            Tier.action_archive()
        self.assertTrue(self.tier_gold.active)
        with self.assertRaises(UserError):
            Tier.unlink()
        other = self.env["res.company"].create({"name": "第二门店公司"})
        with self.assertRaises(UserError):
            self.tier_gold.write({"company_id": other.id})
        self.assertFalse(self.tier_gold.company_id)
        self._sync(self.member, qty=1)
        self.assertEqual(self.tier(self.member), self.tier_gold)
        self.assertFalse(
            self.member.retail_tier_history_ids.filtered(lambda h: h.new_tier_id == self.tier_silver)
        )
        # a tier nobody holds goes
        spare = self.Tier.create({"name": "Platinum", "sequence": 35, "min_spend": 1500})
        spare.with_user(self.admin_user).action_archive()
        spare.with_user(self.admin_user).unlink()

    def test_override_only_to_an_active_tier_of_the_company(self):
        """The wizard's tier domain is the form's only: through RPC a manager
        could give an archived tier or another company's tier, which the
        member's next purchase would then replace without notice."""
        other = self.env["res.company"].create({"name": "第三门店公司"})
        other_tier = self.Tier.create(
            {"name": "外司金卡", "sequence": 95, "min_spend": 99999999, "company_id": other.id}
        )
        archived = self.Tier.create({"name": "旧白金", "sequence": 96, "min_spend": 199999999})
        archived.action_archive()
        Override = (
            self.env["retail.crm.tier.override"]
            .with_user(self.pos_manager)
            .with_context(active_model="res.partner", active_ids=self.member.ids)
        )
        for tier in (other_tier, archived):
            with self.subTest(tier=tier.name), self.assertRaises(UserError):
                Override.create({"tier_id": tier.id, "reason": "x"}).action_apply()
        self.assertEqual(self.tier(self.member), self.tier_normal)
