import threading

import psycopg2.errors

from odoo import api, fields
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestConcurrentEvaluation(TransactionCase):
    """Two POS orders of the same member paid at the same time on two tills:
    the second tier evaluation must not run on a snapshot that misses the
    first order. The evaluation updates the member row first, so the second
    transaction fails with a serialization error (Odoo retries the request,
    which then sees both orders) instead of silently missing an upgrade."""

    def setUp(self):
        super().setUp()
        # committed data is needed to observe two real transactions
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            self.partner_id = env["res.partner"].create({"name": "Concurrent Member"}).id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env["res.partner"].browse(self.partner_id).unlink()

    @mute_logger("odoo.sql_db")
    def test_second_evaluation_is_serialised(self):
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            env_a = api.Environment(cr_a, api.SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, api.SUPERUSER_ID, {})
            # both transactions take their snapshot (till A and till B start)
            cr_a.execute("SELECT 1 FROM res_partner WHERE id = %s", [self.partner_id])
            cr_b.execute("SELECT 1 FROM res_partner WHERE id = %s", [self.partner_id])
            env_a["res.partner"].browse(self.partner_id)._retail_lock_tier_rows()
            cr_a.commit()  # till A's order and evaluation are committed
            with self.assertRaises(psycopg2.errors.SerializationFailure):
                env_b["res.partner"].browse(self.partner_id)._retail_lock_tier_rows()
            cr_b.rollback()
            # the retried request sees the committed state and goes through
            env_b["res.partner"].browse(self.partner_id)._retail_lock_tier_rows()
            cr_b.rollback()


class ConcurrentPosCase(TransactionCase):
    """An open POS session and a 300.00 product on committed data (removed
    afterwards), for tests with threads that have their own cursors."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            config = (
                env["pos.config"]
                .search([("payment_method_ids.is_cash_count", "=", True)])
                .filtered(lambda c: not c.current_session_id)[:1]
            )
            if not config:
                self.skipTest("no POS configuration with a cash payment method")
            product = env["product.product"].create(
                {"name": "并发测试商品", "type": "service", "available_in_pos": True, "list_price": 300.0}
            )
            config.open_ui()
            self.session_id = config.current_session_id.id
            self.config_id = config.id
            self.product_id = product.id
            self.cash_pm_id = config.payment_method_ids.filtered("is_cash_count")[:1].id
            self.pricelist_id = config.pricelist_id.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "DELETE FROM retail_crm_pos_uuid_claim WHERE uuid IN (SELECT uuid FROM pos_order WHERE session_id = %s)",
                [self.session_id],
            )
            cr.execute("DELETE FROM pos_order WHERE session_id = %s", [self.session_id])
            cr.execute("DELETE FROM pos_session WHERE id = %s", [self.session_id])
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env["product.product"].browse(self.product_id).product_tmpl_id.unlink()

    def _order_data(self, uuid, partner_id=False, qty=1):
        return {
            "amount_paid": 300.0 * qty,
            "amount_return": 0,
            "amount_tax": 0.0,
            "amount_total": 300.0 * qty,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "fiscal_position_id": False,
            "pricelist_id": self.pricelist_id,
            "name": f"Order {uuid}",
            "last_order_preparation_change": "{}",
            "lines": [
                (
                    0,
                    0,
                    {
                        "product_id": self.product_id,
                        "qty": qty,
                        "price_unit": 300.0,
                        "price_subtotal": 300.0 * qty,
                        "price_subtotal_incl": 300.0 * qty,
                        "tax_ids": [(6, 0, [])],
                        "pack_lot_ids": [],
                    },
                )
            ],
            "partner_id": partner_id,
            "session_id": self.session_id,
            "sequence_number": 2,
            "payment_ids": [
                (
                    0,
                    0,
                    {
                        "amount": 300.0 * qty,
                        "name": fields.Datetime.now(),
                        "payment_method_id": self.cash_pm_id,
                    },
                )
            ],
            "uuid": uuid,
            "user_id": api.SUPERUSER_ID,
            "to_invoice": False,
        }


@tagged("post_install", "-at_install")
class TestConcurrentSync(ConcurrentPosCase):
    """The same walk-in order synced at the same time from two connections
    (a till retrying while its first request is still running): one
    pos.order, never two. Threads with their own cursors on committed data."""

    @mute_logger("odoo.sql_db", "odoo.addons.point_of_sale.models.pos_order")
    def test_same_order_from_two_connections(self):
        uuid = "retail-crm-concurrent-00001"
        barrier = threading.Barrier(2, timeout=30)
        outcome = {}

        def sync(name):
            try:
                _sync(name)
            except Exception as exc:  # reported by the assertions below
                outcome.setdefault("errors", []).append(repr(exc))
                barrier.abort()

        def _sync(name):
            for attempt in range(3):  # what Odoo's request retry does
                with self.registry.cursor() as cr:
                    # the registry is given: Registry(dbname) waits for the
                    # lock the test runner holds in the main thread
                    cr.transaction = api.Transaction(self.registry)
                    env = api.Environment(cr, api.SUPERUSER_ID, {})
                    cr.execute("SELECT 1 FROM pos_session WHERE id = %s", [self.session_id])  # snapshot
                    if attempt == 0:
                        barrier.wait()
                    try:
                        result = env["pos.order"].sync_from_ui([self._order_data(uuid)])
                        cr.commit()  # pylint: disable=invalid-commit
                    except psycopg2.errors.SerializationFailure:
                        cr.rollback()
                        outcome.setdefault("retried", []).append(name)
                        continue
                    outcome[name] = result["pos.order"][0]["id"]
                    return

        threads = [threading.Thread(target=sync, args=(name,)) for name in ("till_a", "till_b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        with self.registry.cursor() as cr:
            cr.execute("SELECT id FROM pos_order WHERE uuid = %s", [uuid])
            ids = [row[0] for row in cr.fetchall()]
        self.assertFalse(outcome.get("errors"))
        self.assertEqual(len(ids), 1, f"one pos.order per uuid {outcome}")
        self.assertEqual(outcome.get("till_a"), ids[0])
        self.assertEqual(outcome.get("till_b"), ids[0])
        self.assertEqual(len(outcome.get("retried", [])), 1)


@tagged("post_install", "-at_install")
class TestConcurrentEnrolment(TransactionCase):
    """The same mobile enrolled at the same time on two tills: one member."""

    MOBILE = "+8613700137999"

    def setUp(self):
        super().setUp()
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"active_test": False})
            env["res.partner"].search([("mobile", "=", self.MOBILE)]).unlink()

    @mute_logger("odoo.sql_db")
    def test_same_mobile_on_two_tills(self):
        barrier = threading.Barrier(2, timeout=30)
        outcome = {"created": [], "refused": [], "errors": []}

        def enrol(name):
            try:
                _enrol(name)
            except Exception as exc:  # reported by the assertions below
                outcome["errors"].append(repr(exc))
                barrier.abort()

        def _enrol(name):
            for attempt in range(3):  # what Odoo's request retry does
                with self.registry.cursor() as cr:
                    cr.transaction = api.Transaction(self.registry)
                    env = api.Environment(cr, api.SUPERUSER_ID, {})
                    cr.execute("SELECT 1")  # snapshot taken before the other till commits
                    if attempt == 0:
                        barrier.wait()
                    try:
                        partner = env["res.partner"].create(
                            {"name": name, "mobile": "137 0013 7999", "retail_is_member": True}
                        )
                        cr.commit()  # pylint: disable=invalid-commit
                        outcome["created"].append(partner.id)
                        return
                    except (psycopg2.errors.DeadlockDetected, psycopg2.errors.SerializationFailure):
                        cr.rollback()  # retried by Odoo
                    except (psycopg2.IntegrityError, ValidationError):
                        cr.rollback()
                        outcome["refused"].append(name)
                        return

        threads = [threading.Thread(target=enrol, args=(name,)) for name in ("黄磊", "黄蕾")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertFalse(outcome["errors"])
        with self.registry.cursor() as cr:
            cr.execute("SELECT id FROM res_partner WHERE mobile = %s AND retail_is_member", [self.MOBILE])
            members = [row[0] for row in cr.fetchall()]
        self.assertEqual(len(members), 1, outcome)
        self.assertEqual(len(outcome["refused"]), 1)
