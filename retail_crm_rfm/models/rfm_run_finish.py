"""End of the RFM run (stale figures, preference tags, same-day runs) and snapshot retention."""

import time
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields
from odoo.tools import SQL

from .rfm_run_common import PAID_STATES, PARTNER_COLUMNS, get_param


class RfmRunFinish:
    """Mixin of ``retail.crm.rfm.run``: finish a run, purge old runs."""

    # no instance attributes of its own: Odoo models have fixed slots
    __slots__ = ()

    def _clear_stale(self):
        """Remove this company's figures from customers no longer scored."""
        cr = self.env.cr
        key = self._company_key()
        partner_fields = [name for name, _col in PARTNER_COLUMNS]
        self.env["res.partner"].flush_model(partner_fields)
        # who left: an anti-join by hash (or merge), never a nested loop of
        # index probes, whatever the statistics of the fresh snapshot rows;
        # the few ids it finds are then updated through the primary key
        # (joined instead, every partner row was read to find them)
        cr.execute(SQL("SET LOCAL enable_nestloop = off"))
        cr.execute(
            SQL(
                """
            SELECT h.partner_id FROM (%(holders)s) AS h(partner_id)
             WHERE NOT EXISTS (SELECT 1 FROM retail_crm_rfm_snapshot s
                                WHERE s.run_id = %(run)s AND s.partner_id = h.partner_id)
            """,
                holders=self._figure_holders_sql(),
                run=self._snapshot_run_id(),
            )
        )
        stale = [partner_id for (partner_id,) in cr.fetchall()]
        cr.execute(SQL("SET LOCAL enable_nestloop TO DEFAULT"))
        cr.execute(
            SQL(
                "UPDATE res_partner p SET %(assignments)s WHERE p.id = ANY(%(stale)s) AND p.rfm_date ? %(key)s",
                assignments=SQL(", ").join(
                    SQL("%(col)s = p.%(col)s - %(key)s", col=SQL.identifier(name), key=key)
                    for name in partner_fields
                ),
                stale=stale,
                key=key,
            )
        )
        self.cleared_count = cr.rowcount
        self.env["res.partner"].invalidate_model(partner_fields)

    def _figure_holders_sql(self):
        """The customers who may hold this company's figures before this run's finish.

        Those of the last finished run's snapshot when no run of the company
        started since then was interrupted (each finished run clears the
        figures of everyone else, and the write-back writes only snapshot
        rows): an index-only read of the snapshot instead of a scan of every
        partner's figures. Otherwise, every partner holding figures.
        """
        company = [("company_id", "=", self.company_id.id)]
        previous = self.search(
            company + [("state", "=", "done"), ("id", "<", self.id)], order="id desc", limit=1
        )
        if previous and not self.search_count(
            company + [("id", ">", previous.id), ("id", "!=", self.id), ("state", "!=", "done")], limit=1
        ):
            return SQL(
                "SELECT partner_id FROM retail_crm_rfm_snapshot WHERE run_id = %s",
                previous._snapshot_run_id(),
            )
        return SQL("SELECT q.id FROM res_partner q WHERE q.rfm_date ? %s", self._company_key())

    def _apply_tag_rules(self):
        """D5: add preference tags from purchases in the window (set-based, add only)."""
        cr = self.env.cr
        rules = self.env["retail.crm.rfm.tag.rule"].search(
            [("company_id", "in", (False, self.company_id.id))]
        )
        if not rules:
            return
        self.env["pos.order.line"].flush_model(["order_id", "product_id", "qty"])
        self.env["res.partner"].flush_model(["category_id"])
        window_start = self.run_date - relativedelta(months=self.window_months)
        cr.execute(
            SQL(
                """
            INSERT INTO res_partner_res_partner_category_rel (category_id, partner_id)
            SELECT r.tag_id, o.partner_id
              FROM retail_crm_rfm_tag_rule r
              JOIN product_category rc ON rc.id = r.categ_id
              JOIN product_category c ON starts_with(c.parent_path, rc.parent_path)
              JOIN product_template t ON t.categ_id = c.id
              JOIN product_product pp ON pp.product_tmpl_id = t.id
              JOIN pos_order_line l ON l.product_id = pp.id AND l.qty > 0
              JOIN pos_order o ON o.id = l.order_id
             WHERE r.id IN %(rules)s
               AND o.company_id = %(company)s
               AND o.partner_id IS NOT NULL
               AND o.state IN %(states)s
               AND (o.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                   BETWEEN %(start)s::date + 1 AND %(run_date)s
             GROUP BY r.id, r.tag_id, o.partner_id
            HAVING count(DISTINCT o.id) >= min(r.min_orders)
            ON CONFLICT DO NOTHING
            """,
                rules=tuple(rules.ids),
                company=self.company_id.id,
                states=PAID_STATES,
                tz=self.tz or "UTC",
                start=window_start,
                run_date=self.run_date,
            )
        )
        self.tagged_count = cr.rowcount
        self.env["res.partner"].invalidate_model(["category_id"])
        self.env["res.partner.category"].invalidate_model(["partner_ids"])

    def _finish(self):
        started = time.perf_counter()
        if not self._partners_hold_source():
            self._clear_stale()
        self._apply_tag_rules()
        # keep one run per company and day: older runs of the same day go,
        # except the one whose snapshot holds this run's results
        self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("run_date", "=", self.run_date),
                ("state", "in", ("done", "failed")),
                ("id", "<", self.id),
                ("id", "!=", self.source_run_id.id),
            ]
        ).unlink()
        self._add_timing("finish", time.perf_counter() - started)

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------
    @api.model
    def _cron_purge_snapshots(self):
        """Drop runs older than the retention; keep the last run of each month."""
        today = fields.Date.context_today(self)
        retention = get_param(self.env, "snapshot_retention_months")
        old = self.search([("run_date", "<", today - relativedelta(months=retention))])
        # older than a week: only the last done run per company and month is kept
        recent_limit = today - timedelta(days=7)
        candidates = self.search(
            [("run_date", "<", recent_limit), ("id", "not in", old.ids)],
            order="company_id, run_date desc, id desc",
        )
        keep = set()
        kept_sources = set()
        superseded = self.browse()
        for run in candidates:
            month_key = (run.company_id.id, run.run_date.year, run.run_date.month)
            if run.state == "done" and month_key not in keep:
                keep.add(month_key)
                # a run without a snapshot of its own keeps the run holding its results
                kept_sources.add(run.source_run_id.id)
            elif run.id not in kept_sources:
                superseded |= run
        (old | superseded).unlink()
