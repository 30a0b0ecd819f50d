"""Periodic tier review (L3, L4, L9): set-based, batched, race-free with the POS hook."""

import logging
import threading

import psycopg2.errors
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.tools import SQL, split_every

_logger = logging.getLogger(__name__)

PAID_STATES = ("paid", "done", "invoiced")
REVIEW_BATCH_SIZE = 5000
MAX_BATCH_TRIES = 5


class RetailCrmTier(models.Model):
    _inherit = "retail.crm.tier"

    # ------------------------------------------------------------------
    # Periodic review (L3, L4): upgrades missed, downgrades after a grace
    # period with a notice first, expired manual overrides.
    # ------------------------------------------------------------------
    @api.model
    def _cron_review_tiers(self):
        """Cron entry point: review every company; each finished batch is
        committed (resumable: a rerun only finds what is left)."""
        testing = getattr(threading.current_thread(), "testing", False)

        def on_batch(done, remaining):
            if not testing:
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                self.env.cr.commit()  # pylint: disable=invalid-commit

        for company in self.env["res.company"].search([]):
            self.with_company(company)._review_company_tiers(company, on_batch=on_batch, retry=not testing)

    @api.model
    def _qualification_sql(self, company, tier_rows, today, partner_ids=None):
        """SQL giving, for every member of ``company`` (or of ``partner_ids``):
        id, current tier, qualifying tier, override flag/expiry and scheduled
        downgrade date.

        :param tier_rows: [(tier_id, min_spend, min_orders, is_and)] lowest first
        """
        order_filter = member_filter = SQL("")
        if partner_ids is not None:
            order_filter = SQL("AND o.partner_id = ANY(%s)", list(partner_ids))
            member_filter = SQL("AND p.id = ANY(%s)", list(partner_ids))
        tier_values = SQL(", ").join(
            SQL(
                "(%s, %s, %s::numeric, %s, %s, %s, %s::numeric, %s)",
                row[0],
                rank,
                row[1],
                row[2],
                row[3],
                row[4] if len(row) > 4 else False,
                row[5] if len(row) > 5 else row[1],
                row[6] if len(row) > 6 else row[2],
            )
            for rank, row in enumerate(tier_rows)
        )
        date_from = self.env["res.partner"]._retail_window_start(company, today)
        return SQL(
            """
            WITH t(id, rank, min_spend, min_orders, is_and, invite, keep_spend, keep_orders)
                 AS (VALUES %(tiers)s),
            s AS (
                SELECT o.partner_id,
                       SUM(o.amount_total / COALESCE(NULLIF(o.currency_rate, 0), 1.0)) AS spend,
                       COUNT(*) FILTER (WHERE o.amount_total > 0) AS cnt
                  FROM pos_order o
                 WHERE o.company_id = %(company)s
                   AND o.state IN %(states)s
                   AND o.date_order >= %(date_from)s
                   AND o.partner_id IS NOT NULL
                   %(order_filter)s
              GROUP BY o.partner_id
            ),
            m AS (
                SELECT p.id,
                       (p.retail_tier_id ->> %(cid)s)::int AS cur,
                       COALESCE((p.retail_tier_locked ->> %(cid)s)::boolean, FALSE) AS locked,
                       (p.retail_tier_locked_until ->> %(cid)s)::date AS locked_until,
                       (p.retail_tier_downgrade_date ->> %(cid)s)::date AS dg_date,
                       COALESCE(s.spend, 0) AS spend,
                       COALESCE(s.cnt, 0) AS cnt
                  FROM res_partner p
             LEFT JOIN s ON s.partner_id = p.id
                 WHERE p.retail_is_member
                   AND p.active
                   AND (p.company_id IS NULL OR p.company_id = %(company)s)
                   %(member_filter)s
            )
            SELECT m.id, m.cur, q.id AS qual, m.locked, m.locked_until, m.dg_date,
                   COALESCE(k.keep, FALSE) AS keep, k.rank AS cur_rank, q.rank AS qual_rank
              FROM m
         LEFT JOIN LATERAL (
                -- 保级: the current tier is kept with its retention thresholds
                SELECT t.rank = 0 OR t.invite
                       OR (t.keep_spend = 0 AND t.keep_orders = 0)
                       OR (t.is_and
                           AND (t.keep_spend = 0 OR m.spend >= t.keep_spend)
                           AND (t.keep_orders = 0 OR m.cnt >= t.keep_orders))
                       OR (NOT t.is_and
                           AND ((t.keep_spend > 0 AND m.spend >= t.keep_spend)
                                OR (t.keep_orders > 0 AND m.cnt >= t.keep_orders))) AS keep,
                       t.rank
                  FROM t WHERE t.id = m.cur
            ) k ON TRUE
         LEFT JOIN LATERAL (
                SELECT t.id, t.rank FROM t
                 WHERE NOT t.invite
                   AND (t.rank = 0 OR t.min_spend > 0 OR t.min_orders > 0)
                   AND ((t.is_and
                        AND (t.min_spend = 0 OR m.spend >= t.min_spend)
                        AND (t.min_orders = 0 OR m.cnt >= t.min_orders))
                    OR (NOT t.is_and
                        AND ((t.min_spend = 0 AND t.min_orders = 0)
                             OR (t.min_spend > 0 AND m.spend >= t.min_spend)
                             OR (t.min_orders > 0 AND m.cnt >= t.min_orders))))
              ORDER BY t.rank DESC
                 LIMIT 1
            ) q ON TRUE
            """,
            tiers=tier_values,
            company=company.id,
            cid=str(company.id),
            states=PAID_STATES,
            date_from=date_from,
            order_filter=order_filter,
            member_filter=member_filter,
        )

    def _qualification_rows(self):
        return [
            (
                t.id,
                t.min_spend,
                t.min_orders,
                t.condition == "and",
                t.invitation_only,
                t.retention_spend or t.min_spend,
                t.retention_orders or t.min_orders,
            )
            for t in self
        ]

    @api.model
    def _review_select_sql(self, company, tiers, today, partner_ids=None):
        """The members of ``company`` whose tier state may change."""
        return SQL(
            """
            SELECT id, cur, qual, locked, locked_until, dg_date, keep
              FROM (%s) x
             WHERE (cur IS DISTINCT FROM qual AND NOT (keep AND COALESCE(qual_rank, -1) < COALESCE(cur_rank, -1)))
                OR dg_date IS NOT NULL OR locked
          ORDER BY id
            """,
            self._qualification_sql(company, tiers._qualification_rows(), today, partner_ids),
        )

    @api.model
    def _review_company_tiers(self, company, today=None, on_batch=None, batch_size=None, retry=False):
        """Review the tiers of every member of ``company``.

        Set-based: one aggregate query finds the members whose state can
        change; changes are applied in batches. Idempotent and resumable:
        running it again only finds what is left to do.

        :param on_batch: called after each batch (the cron commits there)
        :param retry: start a batch again after a serialization failure
            (only when each batch is committed, i.e. from the cron)
        :return: dict of counters (upgraded, downgraded, notified, expired)
        """
        today = today or fields.Date.context_today(self)
        tiers = self._get_company_tiers(company)
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
        candidates = [
            row[0] for row in self.env.execute_query(self._review_select_sql(company, tiers, today))
        ]
        done = 0
        for batch_ids in split_every(batch_size or REVIEW_BATCH_SIZE, candidates):
            for attempt in range(MAX_BATCH_TRIES if retry else 1):
                try:
                    batch_counters = self._review_batch(company, tiers, batch_ids, today)
                    break
                except psycopg2.errors.SerializationFailure:
                    # a till paid an order of one of these members meanwhile:
                    # start the batch again on a new snapshot (cron only; a
                    # request is retried whole by Odoo)
                    if attempt + 1 == MAX_BATCH_TRIES or not retry:
                        raise
                    self.env.cr.rollback()
                    self.env.invalidate_all()
            for key, value in batch_counters.items():
                counters[key] += value
            done += len(batch_ids)
            if on_batch:
                on_batch(done, len(candidates) - done)
        _logger.info("Tier review of %s: %s", company.name, counters)
        return counters

    @api.model
    def _review_batch(self, company, tiers, partner_ids, today):
        """Decide and apply the tier changes of one batch of members.

        The members are locked first with the lock of the POS hook
        (res.partner._retail_lock_tier_rows), then their current tier and
        latest orders are read again: a decision is never older than the
        batch (an order paid during a long review is seen, or the till waits
        for the batch and re-evaluates after it)."""
        Partner = self.env["res.partner"].with_company(company)
        # sudo: the review runs as the cron user (or an administrator) on every member
        Partner.browse(partner_ids).sudo()._retail_lock_tier_rows()
        Partner.flush_model()
        self.env["pos.order"].flush_model()
        rows = self.env.execute_query(self._review_select_sql(company, tiers, today, partner_ids))
        tier_by_id = {tier.id: tier for tier in tiers}
        grace = company.retail_tier_grace_days
        counters = dict.fromkeys(("upgraded", "downgraded", "notified", "expired", "cleared"), 0)
        changes, unlock, schedule, clear = [], [], [], []
        # iterate one recordset so that reads are prefetched for the batch
        batch_partners = Partner.browse([row[0] for row in rows])
        policy = company.retail_tier_downgrade_policy
        for partner, (pid, cur_id, q_id, locked, locked_until, dg_date, keep) in zip(
            batch_partners, rows, strict=True
        ):
            cur = tier_by_id.get(cur_id, self.browse(cur_id) if cur_id else self.browse())
            qual = tier_by_id.get(q_id, self.browse())
            cur_rank, q_rank = tiers._rank(cur), tiers._rank(qual)
            if locked and locked_until and locked_until < today:
                unlock.append(pid)
                counters["expired"] += 1
                if qual != cur:
                    changes.append((partner, qual, "override_expired", _("Manual tier expired"), None))
                continue
            if q_rank > cur_rank:
                kind = "upgrade" if cur else "enrol"
                changes.append((partner, qual, kind, _("Periodic review"), None))
                counters["upgraded"] += 1
                continue
            if locked or keep or q_rank == cur_rank or not company.retail_tier_downgrade_review:
                if dg_date:
                    clear.append(pid)
                    counters["cleared"] += 1
                continue
            # q_rank < cur_rank: downgrade after notice and grace period
            if not dg_date:
                dg_date = today + relativedelta(days=grace)
                schedule.append((pid, dg_date))
            if dg_date <= today:
                target = tiers._downgrade_target(cur, qual, policy)
                changes.append((partner, target, "downgrade", _("Periodic review"), None))
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
        Partner._retail_apply_tier_changes(company, changes)
