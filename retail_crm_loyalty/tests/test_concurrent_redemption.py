import threading

import psycopg2.errors

from odoo import api
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_concurrency import ConcurrentPosCase


@tagged("post_install", "-at_install")
class TestConcurrentRedemption(ConcurrentPosCase):
    """The member shows the same card (1,000 points) at two tills, which both
    sync an order spending 800 of them at the same moment, each with its own
    connection: one order goes through, the other is refused at the till."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            program = env["loyalty.program"].create(
                {
                    "name": "并发积分",
                    "program_type": "loyalty",
                    "applies_on": "both",
                    "trigger": "auto",
                    "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                    "reward_ids": [
                        (0, 0, {"reward_type": "discount", "discount": 10, "required_points": 800})
                    ],
                }
            )
            member = env["res.partner"].create(
                {"name": "吴敏", "mobile": "+86 135 0013 5001", "retail_is_member": True}
            )
            card = env["loyalty.card"].create(
                {"program_id": program.id, "partner_id": member.id, "points": 1000}
            )
            self.program_id, self.member_id, self.card_id = program.id, member.id, card.id
            self.reward_id = program.reward_ids.id
            self.discount_product_id = program.reward_ids.discount_line_product_id.id
        self.addCleanup(self._cleanup_redemption)

    def _cleanup_redemption(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM pos_order WHERE partner_id = %s", [self.member_id])
            env = api.Environment(cr, api.SUPERUSER_ID, {"active_test": False})
            env["loyalty.card"].browse(self.card_id).unlink()
            program = env["loyalty.program"].browse(self.program_id)
            program.action_archive()  # Odoo deletes archived programs only
            program.unlink()
            env["res.partner"].browse(self.member_id).unlink()

    def _redeeming_order(self, uuid):
        data = self._order_data(uuid, self.member_id)
        data["lines"].append(
            (
                0,
                0,
                {
                    "product_id": self.discount_product_id,
                    "qty": 1,
                    "price_unit": -30.0,
                    "price_subtotal": -30.0,
                    "price_subtotal_incl": -30.0,
                    "tax_ids": [(6, 0, [])],
                    "is_reward_line": True,
                    "reward_id": self.reward_id,
                    "coupon_id": self.card_id,
                    "points_cost": 800,
                    "reward_identifier_code": uuid,
                },
            )
        )
        data["amount_total"] = data["amount_paid"] = 270.0
        data["payment_ids"][0][2]["amount"] = 270.0
        return data

    @mute_logger("odoo.sql_db", "odoo.addons.point_of_sale.models.pos_order")
    def test_two_tills_spend_the_same_points(self):
        barrier = threading.Barrier(2, timeout=30)
        outcome = {"errors": [], "refused": [], "synced": []}

        def sync(name):
            try:
                for attempt in range(3):  # what Odoo's request retry does
                    with self.registry.cursor() as cr:
                        cr.transaction = api.Transaction(self.registry)
                        env = api.Environment(cr, api.SUPERUSER_ID, {})
                        cr.execute("SELECT 1 FROM pos_session WHERE id = %s", [self.session_id])  # snapshot
                        if attempt == 0:
                            barrier.wait()
                        try:
                            env["pos.order"].sync_from_ui(
                                [self._redeeming_order(f"retail-crm-redeem-{name}")]
                            )
                            cr.commit()  # pylint: disable=invalid-commit
                        except psycopg2.errors.SerializationFailure:
                            cr.rollback()
                            continue
                        except UserError:
                            cr.rollback()
                            outcome["refused"].append(name)
                            return
                        outcome["synced"].append(name)
                        return
            except Exception as exc:  # reported by the assertions below
                outcome["errors"].append(repr(exc))
                barrier.abort()

        threads = [threading.Thread(target=sync, args=(name,)) for name in ("till_a", "till_b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertFalse(outcome["errors"])
        self.assertEqual(len(outcome["synced"]), 1, outcome)
        self.assertEqual(len(outcome["refused"]), 1, outcome)
        with self.registry.cursor() as cr:
            cr.execute("SELECT COUNT(*) FROM pos_order WHERE partner_id = %s", [self.member_id])
            self.assertEqual(cr.fetchone()[0], 1, "the refused order is not stored")
