import threading
import time

from odoo import api, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_concurrency import ConcurrentPosCase


@tagged("post_install", "-at_install")
class TestReviewWhileTillSells(ConcurrentPosCase):
    """The tier review commits batch after batch (as the cron does) while a
    till sells to a member of a later batch, each with its own connection:
    the till's order holds the member's tier lock while the review reaches
    the member; the review waits, retries the batch on a new snapshot and
    does not apply the downgrade it decided before the order."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            company = env["pos.config"].browse(self.config_id).company_id
            silver = env.ref("retail_crm_loyalty.retail_crm_tier_silver")
            members = env["res.partner"].create(
                [
                    {"name": "周杰", "mobile": "+86 136 0013 6001", "retail_is_member": True},
                    {"name": "周杰伦", "mobile": "+86 136 0013 6002", "retail_is_member": True},
                ]
            )
            # both Silver without spend, their downgrade due today
            members.sudo()._retail_write_company_values(
                company,
                {
                    "retail_tier_id": silver.id,
                    "retail_tier_downgrade_date": fields.Date.to_string(fields.Date.today()),
                },
            )
            self.company_id = company.id
            self.member_ids = members.ids
            self.tiers = {
                xmlid: env.ref(f"retail_crm_loyalty.retail_crm_tier_{xmlid}").id
                for xmlid in ("normal", "silver", "gold")
            }
        self.addCleanup(self._cleanup_members)

    def _cleanup_members(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM pos_order WHERE partner_id = ANY(%s)", [self.member_ids])
            env = api.Environment(cr, api.SUPERUSER_ID, {"active_test": False})
            env["res.partner"].browse(self.member_ids).unlink()

    def _waiting_on_lock(self, pid):
        with self.registry.cursor() as cr:
            cr.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cr.fetchone()
            return bool(row and row[0] == "Lock")

    @mute_logger("odoo.sql_db")
    def test_till_sells_while_the_review_commits_batches(self):
        first_done, till_locked, review_pid = threading.Event(), threading.Event(), {}
        outcome = {"errors": []}

        def review():
            try:
                with self.registry.cursor() as cr:
                    cr.transaction = api.Transaction(self.registry)
                    env = api.Environment(cr, api.SUPERUSER_ID, {})
                    cr.execute("SELECT pg_backend_pid()")
                    review_pid["pid"] = cr.fetchone()[0]

                    def on_batch(done, remaining):
                        cr.commit()  # pylint: disable=invalid-commit
                        if done == 1:
                            first_done.set()
                            till_locked.wait(60)  # the till sells before the second batch

                    outcome["counters"] = env["retail.crm.tier"]._review_company_tiers(
                        env["res.company"].browse(self.company_id),
                        on_batch=on_batch,
                        batch_size=1,
                        retry=True,
                        partner_ids=self.member_ids,
                    )
                    cr.commit()  # pylint: disable=invalid-commit
            except Exception as exc:  # reported by the assertions below
                outcome["errors"].append(repr(exc))
                first_done.set()
                review_pid["pid"] = None

        with self.registry.cursor() as till_cr:
            till_cr.transaction = api.Transaction(self.registry)
            till = api.Environment(till_cr, api.SUPERUSER_ID, {})
            till_cr.execute("SELECT 1")  # the till's snapshot, before the review
            thread = threading.Thread(target=review)
            # the review's snapshot decides: both members go down to Normal
            thread.start()
            self.assertTrue(first_done.wait(60), "first batch committed")
            # the till sells 5,100 to the second member (Gold) and holds the lock
            till["pos.order"].sync_from_ui(
                [self._order_data("retail-crm-review-race-1", self.member_ids[1], 17)]
            )
            till_locked.set()
            deadline = time.monotonic() + 60
            while not self._waiting_on_lock(review_pid["pid"]) and time.monotonic() < deadline:
                thread.join(0.05)  # the review reaches the member and waits for the till
            self.assertTrue(self._waiting_on_lock(review_pid["pid"]), "the review waits for the till's lock")
            till_cr.commit()  # pylint: disable=invalid-commit
        thread.join(60)
        self.assertFalse(outcome["errors"])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            first, second = env["res.partner"].browse(self.member_ids).with_company(self.company_id)
            self.assertEqual(first.retail_tier_id.id, self.tiers["normal"], "no spend: downgraded")
            self.assertEqual(second.retail_tier_id.id, self.tiers["gold"], "the till's upgrade is kept")
            self.assertFalse(second.retail_tier_downgrade_date)
            self.assertEqual(
                second.retail_tier_history_ids.filtered(lambda h: h.change_type != "enrol").mapped(
                    "change_type"
                ),
                ["upgrade"],
                "no stale downgrade",
            )
        self.assertEqual(outcome["counters"]["downgraded"], 1)
