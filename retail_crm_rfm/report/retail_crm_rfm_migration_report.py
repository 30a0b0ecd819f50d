from odoo import api, fields, models, tools
from odoo.tools import SQL


class RetailCrmRfmMigrationReport(models.Model):
    """Month-over-month segment migration (R3).

    For each company and month the last finished run of the month is compared
    with the last finished run of the previous month (a run that found the
    results of an earlier run of the same day uses that run's snapshot);
    customers are counted by
    (previous segment -> current segment). Customers new in the current run
    have no previous segment.
    """

    _name = "retail.crm.rfm.migration.report"
    _description = "RFM Segment Migration"
    _auto = False
    _order = "month desc, from_segment_id, to_segment_id"

    company_id = fields.Many2one("res.company", readonly=True)
    month = fields.Date(readonly=True)
    run_id = fields.Many2one("retail.crm.rfm.run", readonly=True)
    previous_run_id = fields.Many2one("retail.crm.rfm.run", readonly=True)
    from_segment_id = fields.Many2one("retail.crm.rfm.segment", readonly=True)
    to_segment_id = fields.Many2one("retail.crm.rfm.segment", readonly=True)
    moved = fields.Boolean(readonly=True, help="The customer changed segment.")
    partner_count = fields.Integer(string="Customers", readonly=True)

    @api.model
    def _query(self):
        return SQL(
            """
            WITH month_runs AS (
                SELECT DISTINCT ON (r.company_id, date_trunc('month', r.run_date))
                       COALESCE(r.source_run_id, r.id) AS id, r.company_id,
                       date_trunc('month', r.run_date)::date AS month
                  FROM retail_crm_rfm_run r
                 WHERE r.state = 'done'
                 ORDER BY r.company_id, date_trunc('month', r.run_date), r.run_date DESC, r.id DESC
            ), pairs AS (
                SELECT cur.id AS run_id, prev.id AS previous_run_id, cur.company_id, cur.month
                  FROM month_runs cur
                  LEFT JOIN month_runs prev
                    ON prev.company_id = cur.company_id
                   AND prev.month = (cur.month - interval '1 month')::date
            )
            SELECT row_number() OVER (ORDER BY pr.month, pr.company_id,
                                      s_prev.segment_code, s_cur.segment_code) AS id,
                   pr.company_id, pr.month, pr.run_id, pr.previous_run_id,
                   seg_prev.id AS from_segment_id,
                   seg_cur.id AS to_segment_id,
                   s_prev.segment_code IS DISTINCT FROM s_cur.segment_code AS moved,
                   count(*) AS partner_count
              FROM pairs pr
              JOIN retail_crm_rfm_snapshot s_cur ON s_cur.run_id = pr.run_id
              LEFT JOIN retail_crm_rfm_snapshot s_prev
                ON s_prev.run_id = pr.previous_run_id AND s_prev.partner_id = s_cur.partner_id
              LEFT JOIN retail_crm_rfm_segment seg_cur ON seg_cur.code = s_cur.segment_code
              LEFT JOIN retail_crm_rfm_segment seg_prev ON seg_prev.code = s_prev.segment_code
             GROUP BY pr.company_id, pr.month, pr.run_id, pr.previous_run_id,
                      s_prev.segment_code, s_cur.segment_code, seg_prev.id, seg_cur.id
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
