import time

from odoo import api, fields, models
from odoo.tools import SQL

from .cron_batch import in_cron_job
from .rfm_run_common import DEFAULTS, PARTNER_COLUMNS


class RetailCrmRfmRunLane(models.Model):
    """A contiguous partner id range of a run's write-back.

    The write-back of a run is split into lanes that can be written at the
    same time on separate database connections. Each lane remembers the last
    partner id it wrote, in its own row, so that lanes written in parallel
    never update the same row and a killed run resumes every lane where it
    stopped.
    """

    _name = "retail.crm.rfm.run.lane"
    _description = "RFM Run Write-back Lane"
    _order = "run_id, low_partner_id"
    _log_access = False

    run_id = fields.Many2one("retail.crm.rfm.run", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="run_id.company_id")
    low_partner_id = fields.Integer(string="After Partner Id", required=True, readonly=True)
    high_partner_id = fields.Integer(string="Up to Partner Id", required=True, readonly=True)
    cursor_partner_id = fields.Integer(string="Written up to Partner Id", readonly=True)
    written_count = fields.Integer(string="Partners Updated", readonly=True)

    # seconds of work per call of a lane worker; the cron calls it again while
    # batches remain (Odoo 18's cron progress), other jobs get their turn between
    WORKER_SLICE_SECONDS = 60

    @api.model
    def _claim_lane(self):
        """A lane of a run being written, locked for this transaction; none when every
        unfinished lane is being written by another worker."""
        self.env["retail.crm.rfm.run.lane"].flush_model()
        self.env.cr.execute(
            SQL(
                """
            SELECT l.id
              FROM retail_crm_rfm_run_lane l
              JOIN retail_crm_rfm_run r ON r.id = l.run_id
             WHERE r.state = 'writing' AND l.cursor_partner_id < l.high_partner_id
             ORDER BY l.run_id, l.id
               FOR UPDATE OF l SKIP LOCKED
             LIMIT 1
            """
            )
        )
        row = self.env.cr.fetchone()
        return self.browse(row[0] if row else ())

    @api.model
    def _cron_write_lanes(self):
        """Scheduled action of a write-back worker.

        Any cron worker of the deployment, on any server, may run it; each of
        the ``retail_crm_rfm.ir_cron_rfm_write_lane_*`` jobs is one worker.
        A worker takes a lane nobody is writing (row lock, SKIP LOCKED),
        writes one batch and commits, then takes a lane again, for at most
        ``WORKER_SLICE_SECONDS``. It reports its progress to the cron, which
        calls it again while batches remain. A worker killed in the middle
        loses its uncommitted batch only: the lane's cursor is committed with
        the rows it wrote. When no lane is left, the run's scheduled action is
        triggered to finish the runs. Called from code or a test (not by
        ``ir.cron``, see ``cron_batch``), nothing is committed.
        """
        commit = in_cron_job(self.env)
        started = time.monotonic()
        batches = 0
        while time.monotonic() - started < self.WORKER_SLICE_SECONDS:
            lane = self._claim_lane()
            if not lane:
                break
            # the run's company: partner figures are per company
            lane.with_company(lane.run_id.company_id)._write_batch()
            batches += 1
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        remaining = self._unfinished_count()
        self.env["ir.cron"]._notify_progress(done=batches, remaining=remaining)
        if not remaining:
            self.env.ref("retail_crm_rfm.ir_cron_compute_rfm")._trigger()
        return batches

    @api.model
    def _unfinished_count(self):
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
            SELECT count(*) FROM retail_crm_rfm_run_lane l JOIN retail_crm_rfm_run r ON r.id = l.run_id
             WHERE r.state = 'writing' AND l.cursor_partner_id < l.high_partner_id
            """
            )
        )
        return self.env.cr.fetchone()[0]

    def _is_done(self):
        self.ensure_one()
        return self.cursor_partner_id >= self.high_partner_id

    def _write_batch(self):
        """Write the lane's next batch of changed partner rows; True when the lane is done."""
        self.ensure_one()
        run = self.run_id
        cr = self.env.cr
        partner_fields = [name for name, _col in PARTNER_COLUMNS]
        self.env["res.partner"].flush_model(partner_fields)
        cr.execute(
            SQL(
                """
            SELECT max(partner_id) FROM (
                SELECT partner_id FROM retail_crm_rfm_snapshot
                 WHERE run_id = %s AND partner_id > %s AND partner_id <= %s
                 ORDER BY partner_id LIMIT %s) AS batch
            """,
                run._snapshot_run_id(),
                self.cursor_partner_id,
                self.high_partner_id,
                run.batch_size or DEFAULTS["batch_size"],
            )
        )
        upper = cr.fetchone()[0]
        if upper is None:
            self.cursor_partner_id = self.high_partner_id
            return True
        key = run._company_key()
        cr.execute(
            SQL(
                """
            UPDATE res_partner p
               SET %(assignments)s
              FROM retail_crm_rfm_snapshot s
              LEFT JOIN retail_crm_rfm_segment seg ON seg.code = s.segment_code AND seg.active
             WHERE s.run_id = %(run)s
               AND s.partner_id > %(lower)s AND s.partner_id <= %(upper)s
               AND p.id = s.partner_id
               -- the same range on res_partner: an index range scan, not the whole table
               AND p.id > %(lower)s AND p.id <= %(upper)s
               AND (%(differs)s)
            """,
                assignments=run._partner_set_sql(key),
                run=run._snapshot_run_id(),
                lower=self.cursor_partner_id,
                upper=upper,
                differs=run._partner_differs_sql(key),
            )
        )
        written = cr.rowcount
        self.env["res.partner"].invalidate_model(partner_fields)
        self.write({"cursor_partner_id": upper, "written_count": self.written_count + written})
        return self._is_done()
