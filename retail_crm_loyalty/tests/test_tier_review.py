from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..models import retail_crm_tier_review as tier_module
from .common import RetailLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestTierReview(RetailLoyaltyPosCommon):
    def _review(self, today):
        return self.Tier._review_company_tiers(self.company, today=today)

    def test_downgrade_after_notice_and_grace(self):
        self._sync(self.member, qty=4)
        self.assertEqual(self.tier(self.member), self.tier_silver)
        today = fields.Date.today()
        counters = self._review(today)
        self.assertEqual(counters["downgraded"], 0)
        self.assertEqual(self.tier(self.member), self.tier_silver)
        # 13 months later the orders left the rolling window
        later = today + relativedelta(months=13)
        mails_before = self.env["mail.mail"].search_count([("recipient_ids", "in", self.member.ids)])
        counters = self._review(later)
        self.assertEqual(counters["notified"], 1)
        self.assertEqual(self.tier(self.member), self.tier_silver, "notice first, no downgrade yet")
        partner = self.member.with_company(self.company)
        self.assertEqual(partner.retail_tier_downgrade_date, later + relativedelta(days=30))
        self.assertEqual(
            self.env["mail.mail"].search_count([("recipient_ids", "in", self.member.ids)]), mails_before + 1
        )
        self.assertTrue(self.member.message_ids.filtered(lambda m: "downgrade notice" in (m.body or "")))
        # running the review again the same day sends nothing more (idempotent)
        counters = self._review(later)
        self.assertEqual(counters["notified"], 0)
        self._review(later + relativedelta(days=29))
        self.assertEqual(self.tier(self.member), self.tier_silver, "still within the grace period")
        counters = self._review(later + relativedelta(days=30))
        self.assertEqual(counters["downgraded"], 1)
        self.assertEqual(self.tier(self.member), self.tier_normal)
        self.assertFalse(partner.retail_tier_downgrade_date)
        history = self.member.retail_tier_history_ids.filtered(lambda h: h.change_type == "downgrade")
        self.assertEqual((history.old_tier_id, history.new_tier_id), (self.tier_silver, self.tier_normal))

    def test_requalifying_cancels_downgrade(self):
        self._sync(self.member, qty=4)
        self.tier_silver.min_spend = 450  # the member no longer qualifies
        self.tier_gold.min_spend = 1000
        today = fields.Date.today()
        self._review(today)
        partner = self.member.with_company(self.company)
        self.assertTrue(partner.retail_tier_downgrade_date)
        self._sync(self.member, qty=1)  # 500 spent: qualifies again
        self.assertFalse(partner.retail_tier_downgrade_date)
        self._review(today + relativedelta(days=40))
        self.assertEqual(self.tier(self.member), self.tier_silver)

    def test_no_downgrade_when_review_disabled(self):
        self._sync(self.member, qty=4)
        self.company.retail_tier_downgrade_review = False
        self._review(fields.Date.today() + relativedelta(months=14))
        self._review(fields.Date.today() + relativedelta(months=16))
        self.assertEqual(self.tier(self.member), self.tier_silver)

    def test_manual_override_with_expiry(self):
        expiry = fields.Date.today() + relativedelta(days=10)
        wizard = (
            self.env["retail.crm.tier.override"]
            .with_user(self.pos_manager)
            .with_context(active_model="res.partner", active_ids=self.member.ids)
            .create({"tier_id": self.tier_gold.id, "reason": "Key account", "expiry_date": expiry})
        )
        wizard.action_apply()
        self.assertEqual(self.tier(self.member), self.tier_gold)
        history = self.member.retail_tier_history_ids.filtered(lambda h: h.change_type == "override")
        self.assertEqual(history.reason, "Key account")
        self.assertEqual(history.user_id, self.pos_manager)
        self.assertEqual(history.expiry_date, expiry)
        # the review respects the override until it expires
        self._review(fields.Date.today() + relativedelta(days=5))
        self.assertEqual(self.tier(self.member), self.tier_gold)
        self.assertFalse(self.member.with_company(self.company).retail_tier_downgrade_date)
        counters = self._review(expiry + relativedelta(days=1))
        self.assertEqual(counters["expired"], 1)
        self.assertEqual(self.tier(self.member), self.tier_normal)
        self.assertFalse(self.member.with_company(self.company).retail_tier_locked)
        expired = self.member.retail_tier_history_ids.filtered(lambda h: h.change_type == "override_expired")
        self.assertEqual(expired.old_tier_id, self.tier_gold)

    def test_override_rejects_past_expiry(self):
        wizard = (
            self.env["retail.crm.tier.override"]
            .with_context(active_model="res.partner", active_ids=self.member.ids)
            .create(
                {
                    "tier_id": self.tier_gold.id,
                    "reason": "x",
                    "expiry_date": fields.Date.today() - relativedelta(days=1),
                }
            )
        )
        with self.assertRaises(UserError):
            wizard.action_apply()

    def test_threshold_preview(self):
        self._sync(self.member, qty=4)  # 400: silver
        self._sync(self.member2, qty=2)  # 200: normal
        form = Form(self.env["retail.crm.tier.preview"].with_user(self.admin_user))
        with form.line_ids.edit(1) as line:  # silver 300 -> 150
            self.assertEqual(line.tier_id, self.tier_silver)
            line.min_spend = 150
        with form.line_ids.edit(2) as line:  # gold 500 -> 400
            line.min_spend = 400
        preview = form.save()
        preview.action_preview()
        moves = {(m.from_tier_id, m.to_tier_id): m.count for m in preview.move_ids}
        self.assertEqual(
            moves,
            {(self.tier_silver, self.tier_gold): 1, (self.tier_normal, self.tier_silver): 1},
        )
        self.assertEqual(self.tier(self.member), self.tier_silver, "preview changes nothing")
        preview.action_apply()
        self.assertEqual(self.tier_gold.min_spend, 400)
        self.assertEqual(self.tier(self.member), self.tier_gold)
        self.assertEqual(self.tier(self.member2), self.tier_silver)

    def test_review_cron_runs(self):
        """ "Run Manually" runs the job as ir.cron does: batches committed
        (counted here: the test cursor refuses commits, the data stays in the
        test transaction)."""
        self._sync(self.member, qty=4)
        commits = []
        with patch.object(self.env.cr, "commit", lambda: commits.append(True)):
            self.env.ref("retail_crm_loyalty.ir_cron_retail_tier_review").method_direct_trigger()
        self.assertTrue(commits, "each batch committed")
        self.assertEqual(self.tier(self.member), self.tier_silver)

    def test_order_paid_between_batches_is_not_lost(self):
        """A member pays at the till while a long review runs (one batch per
        member here): the later batch re-reads the member's tier and orders
        and does not apply the downgrade decided before the order."""
        self._sync(self.member, qty=3)
        self._sync(self.member2, qty=3)
        self.assertEqual(self.tier(self.member2), self.tier_silver)
        self.tier_silver.min_spend = 400  # neither member qualifies for Silver any more
        today = fields.Date.today()
        self.member2.sudo()._retail_write_company_values(
            self.company, {"retail_tier_downgrade_date": fields.Date.to_string(today)}
        )
        self.assertLess(self.member.id, self.member2.id, "member is reviewed in the first batch")
        paid = []

        def pay_between_batches(done, remaining):
            if done == 1 and remaining:
                # committed by the cron here; then Li Lei pays 2,000 at the till
                paid.append(self._sync(self.member2, qty=20)[0])

        with patch.object(tier_module, "REVIEW_BATCH_SIZE", 1):
            self.Tier._review_company_tiers(self.company, today=today, on_batch=pay_between_batches)
        self.assertTrue(paid)
        self.assertEqual(paid[0].retail_tier_upgrade_id, self.tier_diamond)
        self.assertEqual(self.tier(self.member2), self.tier_diamond, "the upgrade at the till is kept")
        self.assertFalse(
            self.member2.retail_tier_history_ids.filtered(lambda h: h.change_type == "downgrade"),
            "no stale downgrade",
        )

    def test_cron_commits_per_batch_only_as_a_cron_job(self):
        """One commit idiom (#18): the cron entry point commits each batch and
        notifies its progress when ir.cron runs it (its progress record in the
        job's context, as ``ir.cron._add_progress`` puts it, for the cron
        worker and "Run Manually" alike); a direct call (shell, server action,
        test) commits nothing."""
        members = self.member | self.member2
        commits = []

        def first_run():
            # both members lose their tier state: the review enrols them again
            self.env.cr.execute(
                "DELETE FROM retail_crm_member_tier WHERE partner_id = ANY(%s)", [members.ids]
            )
            self.env.invalidate_all()

        first_run()
        with (
            patch.object(tier_module, "REVIEW_BATCH_SIZE", 1),
            patch.object(self.env.cr, "commit", lambda: commits.append(True)),
        ):
            # as ir.cron runs it: the cron's user, every company
            cron = self.env.ref("retail_crm_loyalty.ir_cron_retail_tier_review")
            Tier = self.Tier.with_user(cron.user_id)
            Tier._cron_review_tiers()
            self.assertFalse(commits, "a direct call commits nothing")
            self.assertEqual(self.tier(self.member), self.tier_normal)
            first_run()
            cron_job, _progress = cron._add_progress()
            Tier.with_context(
                ir_cron_progress_id=cron_job.env.context["ir_cron_progress_id"]
            )._cron_review_tiers()
        self.assertGreaterEqual(len(commits), len(members) + 1, "one commit per batch in the cron job")
        self.assertEqual(self.tier(self.member2), self.tier_normal)
