"""Periodic tier review (L3, L4, L9): set-based, batched, race-free with the POS hook."""

import contextlib
import logging
import uuid

import psycopg2.errors
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import int_array

_logger = logging.getLogger(__name__)

REVIEW_BATCH_SIZE = 5000
MAX_BATCH_TRIES = 5


class RetailCrmTier(models.Model):
    _inherit = "retail.crm.tier"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Periodic review (L3, L4): upgrades missed, downgrades after a grace
    # period with a notice first, expired manual overrides.
    # ------------------------------------------------------------------
    @api.model
    def _cron_review_tiers(self):
        """Cron entry point: review every company. Run by ir.cron (the cron
        worker or "Run Manually": its progress record is in the context, as
        ``ir.cron._add_progress`` puts it), each finished batch is committed
        and its progress notified (resumable: a rerun only finds what is
        left); called anywhere else (a test, a shell, a server action)
        nothing is committed here and a serialization failure is left to the
        caller."""
        in_cron_job = bool(self.env.context.get("ir_cron_progress_id"))

        def on_batch(done, remaining):
            if remaining is not None:
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
            if in_cron_job:
                self.env.cr.commit()  # pylint: disable=invalid-commit

        # every company: a handful of rows
        for company in self.env["res.company"].search([]):  # pylint: disable=no-search-all
            self.with_company(company)._review_company_tiers(company, on_batch=on_batch, retry=in_cron_job)

    @api.model
    def _review_company_tiers(
        self, company, today=None, on_batch=None, batch_size=None, retry=False, partner_ids=None
    ):
        """Review the tiers of every member of ``company``.

        Set-based: one aggregate query (qualifying spend of every member over
        the window, tier decision in SQL) gives the members whose state can
        change; it is read through a server-side cursor held across the
        batch commits (memory stays at one batch whatever the number of
        members). Each batch locks its members with the till's lock, applies
        the changes with a few set-based statements and is committed by the
        caller. Idempotent and resumable: running it again only finds what is
        left to do.

        :param on_batch: called as ``on_batch(done, remaining)`` after each
            batch (the cron commits there), and once with ``remaining=None``
            before the first batch
        :param retry: start a batch again after a serialization failure
            (only when each batch is committed, i.e. from the cron)
        :param partner_ids: review only these members (default: all)
        :return: dict of counters (upgraded, downgraded, notified, expired)
        """
        today = today or fields.Date.context_today(self)
        # sudo: the cron reviews every company, also those its user is not
        # a member of; the tiers are configuration read to decide (#18)
        tiers = self._get_company_tiers(company).sudo()
        counters = {"upgraded": 0, "downgraded": 0, "notified": 0, "expired": 0, "cleared": 0}
        if not tiers:
            return counters
        if company.retail_tier_window_months < 1 or company.retail_tier_grace_days < 0:
            # stored before the settings were validated: never move members on it
            _logger.warning("Tier review of %s skipped: invalid window or grace period.", company.name)
            return counters
        Partner = self.env["res.partner"].with_company(company)
        Partner.flush_model()
        self.env["pos.order"].flush_model()
        cr = self.env.cr
        cursor = SQL.identifier(f"retail_tier_review_{company.id}_{uuid.uuid4().hex}")
        cr.execute(
            SQL(
                "DECLARE %s SCROLL CURSOR WITH HOLD FOR %s",
                cursor,
                self._review_select_sql(company, tiers, today, partner_ids),
            )
        )
        try:
            if on_batch:
                # the cron commits here: the held cursor is materialised by
                # running the aggregate once (counting its rows first would
                # run it, and the commit run it a second time)
                on_batch(0, None)
            cr.execute(SQL("MOVE FORWARD ALL IN %s", cursor))
            total = cr.rowcount
            cr.execute(SQL("MOVE ABSOLUTE 0 IN %s", cursor))
            done = 0
            if on_batch:
                # the cron commits here: the held cursor then outlives a batch
                # rolled back for a retry
                on_batch(done, total)
            while rows := self.env.execute_query(
                SQL("FETCH %s FROM %s", batch_size or REVIEW_BATCH_SIZE, cursor)
            ):
                for attempt in range(MAX_BATCH_TRIES if retry else 1):
                    if on_batch:
                        # each batch is committed by the caller and the review
                        # is resumable (a rerun finds what a crash lost): its
                        # commit need not wait for the WAL flush
                        cr.execute(SQL("SET LOCAL synchronous_commit TO OFF"))
                    try:
                        batch_counters = self._review_batch(company, tiers, rows, today)
                        break
                    except psycopg2.errors.SerializationFailure:
                        # a till paid an order of one of these members meanwhile:
                        # start the batch again on a new snapshot (cron only; a
                        # request is retried whole by Odoo)
                        if attempt + 1 == MAX_BATCH_TRIES or not retry:
                            raise
                        cr.rollback()
                        self.env.invalidate_all()
                for key, value in batch_counters.items():
                    counters[key] += value
                done += len(rows)
                if on_batch:
                    on_batch(done, total - done)
            cr.execute(SQL("CLOSE %s", cursor))
        except Exception:
            # a held cursor outlives the transaction: do not leave it open on
            # the pooled connection
            with contextlib.suppress(psycopg2.Error):
                cr.rollback()
                cr.execute(SQL("CLOSE %s", cursor))
            raise
        _logger.info("Tier review of %s: %s", company.name, counters)
        return counters

    @api.model
    def _review_lock_batch(self, company, tiers, rows, today):
        """Lock the members of a batch with the lock of the POS hook and
        return their rows, decided again for the members whose tier state was
        changed since the review's first query (a till's order, a manager's
        override): a decision is never older than the batch."""
        seen = {row[0]: row[10] for row in rows}
        # a row lock on the members' tier rows, not an update: it conflicts
        # with the till's move of the row (the till waits, or this batch fails
        # with a serialization error and is retried), does not block the
        # till's order inserts and writes nothing for members the review
        # leaves unchanged. Members without a row yet are protected by the
        # row's unique index: a till creating it meanwhile makes this batch's
        # write fail with a serialization error (retried).
        evaluated = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT partner_id, evaluated_at FROM retail_crm_member_tier
                     WHERE company_id = %s AND partner_id = ANY(%s)
                       FOR NO KEY UPDATE
                    """,
                    company.id,
                    int_array(seen),
                )
            )
        )
        members = self.env.execute_query(
            SQL(
                "SELECT id FROM res_partner WHERE id = ANY(%s) AND retail_is_member AND active",
                int_array(seen),
            )
        )
        locked = [(pid, evaluated.get(pid)) for (pid,) in members]
        changed = [pid for pid, evaluated_at in locked if evaluated_at != seen[pid]]
        kept = {pid for pid, _evaluated_at in locked} - set(changed)
        rows = [row for row in rows if row[0] in kept]
        if changed:
            self.env["res.partner"].flush_model()
            self.env["pos.order"].flush_model()
            rows += self.env.execute_query(self._review_select_sql(company, tiers, today, changed))
        return rows

    @api.model
    def _review_batch(self, company, tiers, rows, today):
        """Decide and apply the tier changes of one batch of members (rows of
        :meth:`_review_select_sql`), without reading them through the ORM.

        The members are locked first with the lock of the POS hook (see
        :meth:`_review_lock_batch`): an order paid during a long review is
        seen, or the till waits for the batch and re-evaluates after it."""
        rows = self._review_lock_batch(company, tiers, rows, today)
        grace = company.retail_tier_grace_days
        counters = dict.fromkeys(("upgraded", "downgraded", "notified", "expired", "cleared"), 0)
        changes, unlock, schedule, clear = [], [], [], []
        policy = company.retail_tier_downgrade_policy
        downgrade_review = company.retail_tier_downgrade_review
        review, expired = self.env._("Periodic review"), self.env._("Manual tier expired")
        for pid, cur, qual, locked, locked_until, dg_date, keep, cur_rank, q_rank, pricelist, _at in rows:
            cur_rank = -1 if cur_rank is None else cur_rank
            q_rank = -1 if q_rank is None else q_rank
            if locked and locked_until and locked_until < today:
                unlock.append(pid)
                counters["expired"] += 1
                if qual != cur:
                    changes.append((pid, cur, pricelist, qual, "override_expired", expired, None))
                continue
            if q_rank > cur_rank:
                changes.append((pid, cur, pricelist, qual, "upgrade" if cur else "enrol", review, None))
                counters["upgraded"] += 1
                continue
            if locked or keep or q_rank == cur_rank or not downgrade_review:
                if dg_date:
                    clear.append(pid)
                    counters["cleared"] += 1
                continue
            # q_rank < cur_rank: downgrade after notice and grace period
            if not dg_date:
                dg_date = today + relativedelta(days=grace)
                schedule.append((pid, dg_date))
            if dg_date <= today:
                target = tiers._downgrade_target(self.browse(cur), self.browse(qual), policy)
                changes.append((pid, cur, pricelist, target.id, "downgrade", review, None))
                counters["downgraded"] += 1
        self._review_apply(company, changes, unlock, schedule, clear)
        counters["notified"] = len(schedule)
        return counters

    @api.model
    def _review_apply(self, company, changes, unlock, schedule, clear):
        Partner = self.env["res.partner"].with_company(company)
        # sudo: the review runs as the cron user on every member
        if unlock:
            Partner.browse(unlock).sudo()._retail_write_company_values(
                company, {"retail_tier_locked": False, "retail_tier_locked_until": False}
            )
        if clear:
            Partner.browse(clear).sudo()._retail_write_company_values(
                company, {"retail_tier_downgrade_date": False}
            )
        by_date = {}
        for pid, dg_date in schedule:
            by_date.setdefault(dg_date, []).append(pid)
        for dg_date, pids in by_date.items():
            Partner.browse(pids).sudo()._retail_write_company_values(
                company, {"retail_tier_downgrade_date": fields.Date.to_string(dg_date)}
            )
        if schedule:
            Partner.browse([pid for pid, _date in schedule])._retail_send_downgrade_notice(company)
        Partner._retail_apply_tier_rows(company, changes)
