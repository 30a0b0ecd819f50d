import psycopg2.errors

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RetailLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestExactlyOnce(RetailLoyaltyPosCommon):
    """Points of an order are credited once whatever the number of calls;
    the card history equals the card's movement; one pos.order per uuid."""

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
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount": 10, "required_points": 550})],
            }
        )
        cls.reward = cls.program.reward_ids

    def _coupon_data(self, card, points, line_codes=None):
        values = {
            "points": points,
            "program_id": self.program.id,
            "coupon_id": card.id,
            "partner_id": self.member.id,
            "barcode": False,
        }
        if line_codes:
            values["line_codes"] = line_codes
        return {str(card.id): values}

    def _movement(self, card, order):
        history = card.history_ids.filtered(lambda h: h.order_id == order.id and h.order_model == "pos.order")
        return sum(history.mapped("issued")) - sum(history.mapped("used")), history

    def test_repeated_confirm_credits_once(self):
        self._sync(self.member, qty=3)  # silver: multiplier 1.2
        card = self.env["loyalty.card"].create(
            {"program_id": self.program.id, "partner_id": self.member.id, "points": 10}
        )
        order, _data, _result = self._sync(self.member, qty=11)
        order = order.with_user(self.pos_user)
        for _attempt in range(3):
            order.confirm_coupon_programs(self._coupon_data(card, 1100))
            order.add_loyalty_history_lines(
                [{"order_id": order.id, "card_id": str(card.id), "won": 1100, "spent": 0}],
                [{"old_id": card.id, "id": card.id}],
            )
        self.assertAlmostEqual(card.points, 10 + 1320)
        movement, history = self._movement(card, order)
        self.assertEqual(len(history), 1)
        self.assertAlmostEqual(movement, 1320)

    def test_new_member_card_created_once(self):
        """The first order of a member creates the card; a repeated call
        neither creates a second card nor credits again."""
        order, _data, _result = self._sync(self.member2, qty=2)
        data = {
            "-1": {
                "points": 200,
                "program_id": self.program.id,
                "coupon_id": -1,
                "partner_id": self.member2.id,
                "barcode": False,
            }
        }
        first = order.confirm_coupon_programs({k: dict(v) for k, v in data.items()})
        second = order.confirm_coupon_programs({k: dict(v) for k, v in data.items()})
        cards = self.env["loyalty.card"].search([("partner_id", "=", self.member2.id)])
        self.assertEqual(len(cards), 1)
        self.assertEqual(cards.points, 200)
        self.assertEqual(first["coupon_updates"][0]["id"], cards.id)
        self.assertEqual(second["coupon_updates"][0]["points"], 200)
        self.assertEqual(self._movement(cards, order)[0], 200)

    def test_history_equals_movement_when_redeeming_more_than_earned(self):
        self._sync(self.member, qty=3)  # silver: multiplier 1.2
        card = self.env["loyalty.card"].create(
            {"program_id": self.program.id, "partner_id": self.member.id, "points": 1000}
        )
        data = self.create_ui_order_data([(self.product, 1)], customer=self.member)
        product = self.reward.discount_line_product_id
        data["lines"].append(
            (
                0,
                0,
                {
                    "product_id": product.id,
                    "qty": 1,
                    "price_unit": -25.0,
                    "price_subtotal": -25.0,
                    "price_subtotal_incl": -25.0,
                    "tax_ids": [(6, 0, [])],
                    "is_reward_line": True,
                    "reward_id": self.reward.id,
                    "coupon_id": card.id,
                    "points_cost": 550,
                    "reward_identifier_code": "r550",
                },
            )
        )
        data["amount_total"] = data["amount_paid"] = 75.0
        data["payment_ids"][0][2]["amount"] = 75.0
        result = self.env["pos.order"].sync_from_ui([data])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        before = card.points
        # the till sends the net points: 75 won - 550 spent
        order.confirm_coupon_programs(self._coupon_data(card, -475, ["r550"]))
        order.add_loyalty_history_lines(
            [{"order_id": order.id, "card_id": str(card.id), "won": 0, "spent": 475}],
            [{"old_id": card.id, "id": card.id}],
        )
        moved = card.points - before
        self.assertAlmostEqual(moved, 75 * 1.2 - 550)
        movement, history = self._movement(card, order)
        self.assertAlmostEqual(movement, moved, msg="the history says what the card moved")
        self.assertEqual((history.issued, history.used), (90.0, 550.0))

    def test_uuid_unique_in_database(self):
        order1, _data, _result = self._sync(False)
        order2, _data, _result = self._sync(False)
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.env.cr.execute("UPDATE pos_order SET uuid = %s WHERE id = %s", [order1.uuid, order2.id])

    def test_uuid_index_survives_updates_and_reports_duplicates(self):
        order1, _data, _result = self._sync(False)
        order2, _data, _result = self._sync(False)
        cr = self.env.cr
        cr.execute("DROP INDEX retail_crm_pos_order_uuid_uniq")
        cr.execute("UPDATE pos_order SET uuid = %s WHERE id = %s", [order1.uuid, order2.id])
        with self.assertLogs("odoo.addons.retail_crm_loyalty.models.pos_order", "WARNING") as logs:
            self.env["pos.order"].init()  # what a module update runs: not failing
        self.assertIn(order1.uuid, logs.output[0])
        self.assertEqual(
            self.env["pos.order"]._retail_duplicate_uuid_report(), {order1.uuid: [order1.id, order2.id]}
        )
        cr.execute("UPDATE pos_order SET uuid = %s WHERE id = %s", [order1.uuid + "-b", order2.id])
        self.env["pos.order"].init()
        cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname IN %s ORDER BY indexname",
            [("retail_crm_pos_order_uuid_uniq", "retail_crm_pos_order_line_combo_parent_id_idx")],
        )
        defs = [row[0] for row in cr.fetchall()]
        self.assertEqual(len(defs), 2)
        self.assertIn("UNIQUE", defs[1])
        self.assertIn("combo_parent_id", defs[0])

    def test_order_crossing_a_threshold_uses_the_tier_shown_at_the_till(self):
        """Wang Fang is Normal (x1.0); this order of 300 makes her Silver
        (x1.2): its points are credited at x1.0, what the till showed."""
        card = self.env["loyalty.card"].create(
            {"program_id": self.program.id, "partner_id": self.member.id, "points": 0}
        )
        order, _data, result = self._sync(self.member, qty=3)
        self.assertEqual(self.tier(self.member), self.tier_silver)
        self.assertEqual(order.retail_points_multiplier, 1.0)
        synced = {o["id"]: o for o in result["pos.order"]}[order.id]
        self.assertEqual(synced["retail_points_multiplier"], 1.0, "the till gets the same multiplier")
        order.confirm_coupon_programs(self._coupon_data(card, 300))
        self.assertEqual(card.points, 300)
        # the next order is credited at Silver
        order2, _data, _result = self._sync(self.member, qty=1)
        order2.confirm_coupon_programs(self._coupon_data(card, 100))
        self.assertEqual(card.points, 300 + 120)
