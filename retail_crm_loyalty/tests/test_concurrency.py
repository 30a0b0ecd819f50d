import psycopg2.errors

from odoo import api
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
