"""Phase 2 of the RFM run: the write-back of the snapshot to ``res.partner``.

The SQL that copies a snapshot row into the partner's company-keyed figures
(only when a figure changed), and the lanes the write-back cron jobs write.
"""

from odoo.tools import SQL

from .rfm_run_common import MODEL_TOLERANCES, PARTNER_COLUMNS, PARTNER_STAMP_COLUMN


class RfmRunWriteBack:
    """Mixin of ``retail.crm.rfm.run``: plan and express the write-back."""

    # no instance attributes of its own: Odoo models have fixed slots
    __slots__ = ()

    # -- phase 2 -------------------------------------------------------
    def _partner_set_sql(self, key):
        """SET clause copying every snapshot column into its company-keyed jsonb."""
        assignments = []
        for partner_col, snap_col in PARTNER_COLUMNS:
            column = SQL.identifier(partner_col)
            value = self._snapshot_value_sql(snap_col)
            assignments.append(
                SQL(
                    "%(column)s = CASE WHEN %(value)s IS NULL"
                    " THEN COALESCE(p.%(column)s, '{}'::jsonb) - %(key)s"
                    " ELSE COALESCE(p.%(column)s, '{}'::jsonb) || jsonb_build_object(%(key)s, %(value)s) END",
                    column=column,
                    value=value,
                    key=key,
                )
            )
        return SQL(", ").join(assignments)

    def _snapshot_value_sql(self, snap_col):
        if snap_col == "segment_id":
            return SQL("seg.id")
        return SQL("s.%s", SQL.identifier(snap_col))

    def _partner_differs_sql(self, key):
        """A partner row is written when a figure differs.

        The date stamp alone does not count. The model outputs (churn risk,
        expected purchases, value) move a little every day for everyone, as
        the customer's age grows: they count when they moved by more than
        their tolerance (``MODEL_TOLERANCES``). A row is written whole, so
        its figures are always those of the run of its ``rfm_date``; the
        snapshot of every run keeps the exact values.
        """
        conditions = []
        for partner_col, snap_col in PARTNER_COLUMNS:
            if partner_col == PARTNER_STAMP_COLUMN:
                continue
            column = SQL.identifier(partner_col)
            value = self._snapshot_value_sql(snap_col)
            if snap_col in MODEL_TOLERANCES:
                absolute, relative = MODEL_TOLERANCES[snap_col]
                old = SQL("(p.%s ->> %s)::numeric", column, key)
                conditions.append(
                    SQL(
                        "(%(old)s IS DISTINCT FROM %(new)s"
                        " AND NOT COALESCE(abs(%(old)s - %(new)s) < GREATEST(%(absolute)s, %(relative)s * abs(%(new)s)),"
                        " false))",
                        old=old,
                        new=value,
                        absolute=absolute,
                        relative=relative,
                    )
                )
            else:
                conditions.append(SQL("(p.%s -> %s) IS DISTINCT FROM to_jsonb(%s)", column, key, value))
        return SQL(" OR ").join(conditions)

    def _plan_lanes(self):
        """Split the write-back into ``write_workers`` contiguous partner id ranges."""
        self.env.cr.execute(
            SQL(
                """
            SELECT min(partner_id), max(partner_id)
              FROM (SELECT partner_id, ntile(%s) OVER (ORDER BY partner_id) AS lane
                      FROM retail_crm_rfm_snapshot
                     WHERE run_id = %s) AS lanes
             GROUP BY lane
             ORDER BY lane
            """,
                max(self.write_workers, 1),
                self._snapshot_run_id(),
            )
        )
        self.env["retail.crm.rfm.run.lane"].create(
            [
                {
                    "run_id": self.id,
                    "low_partner_id": low - 1,
                    "high_partner_id": high,
                    "cursor_partner_id": low - 1,
                }
                for low, high in self.env.cr.fetchall()
            ]
        )

    def _lane_workers(self):
        """The active write-back worker jobs (``_cron_write_lanes`` of the lanes)."""
        # sudo: the scheduled jobs are technical records; only looked up and triggered
        return (
            self.env["ir.cron"]
            .sudo()
            .search(
                [
                    ("model_id.model", "=", "retail.crm.rfm.run.lane"),
                    ("code", "=", "model._cron_write_lanes()"),
                    ("active", "=", True),
                ]
            )
        )

    def _hand_lanes_to_workers(self):
        """Trigger the write-back workers; False when none is active (the caller writes)."""
        workers = self._lane_workers()
        for worker in workers:
            worker._trigger()
        return bool(workers)
