from odoo import api, fields, models, tools
from odoo.tools import SQL


class RetailCrmRfmKpiMember(models.Model):
    """Customer KPIs with distinct member counts: one row per company, store,
    month and active member (a member with a visit at the store in the month).

    The member measures count *distinct* customers whatever the grouping (a
    customer active in two stores or in three months of a quarter counts
    once). Same definitions and refresh as ``retail.crm.rfm.kpi.report``.
    """

    _name = "retail.crm.rfm.kpi.member"
    _description = "Customer KPIs (distinct members)"
    _auto = False
    _order = "month desc, config_id, partner_id"
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", readonly=True)
    config_id = fields.Many2one("pos.config", string="Store", readonly=True)
    month = fields.Date(readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Active Members", readonly=True, aggregator="count_distinct"
    )
    new_partner_id = fields.Many2one(
        "res.partner",
        string="New Members",
        readonly=True,
        aggregator="count_distinct",
        help="First visit at the store in the month.",
    )
    returning_partner_id = fields.Many2one(
        "res.partner",
        string="Returning Members",
        readonly=True,
        aggregator="count_distinct",
        help="Had bought in the company before the month.",
    )
    churned_partner_id = fields.Many2one(
        "res.partner",
        string="Churned Members",
        readonly=True,
        aggregator="count_distinct",
        help="Next purchase in the company more than 90 days after the last one of the month "
        "(or none and 90 days have passed).",
    )
    visit_count = fields.Integer(string="Visits (purchase days)", readonly=True)
    revenue = fields.Float(readonly=True, digits=(16, 2))
    ltv = fields.Float(string="Average LTV", readonly=True, aggregator="avg", digits=(16, 2))

    @api.model
    def _query(self):
        report = self.env["retail.crm.rfm.kpi.report"]
        return SQL(
            """
            WITH %(base)s
            SELECT row_number() OVER (ORDER BY sm.month, sm.company_id, sm.config_id, sm.partner_id) AS id,
                   sm.company_id, sm.config_id, sm.month, sm.partner_id,
                   CASE WHEN sf.month = sm.month THEN sm.partner_id END AS new_partner_id,
                   CASE WHEN fb.returning THEN sm.partner_id END AS returning_partner_id,
                   CASE WHEN %(churned)s THEN sm.partner_id END AS churned_partner_id,
                   sm.orders AS visit_count,
                   round(sm.revenue::numeric, 2) AS revenue,
                   round((p.rfm_ltv ->> sm.company_id::text)::numeric, 2) AS ltv
              FROM store_month sm
              LEFT JOIN first_buy fb
                ON fb.company_id = sm.company_id AND fb.partner_id = sm.partner_id AND fb.month = sm.month
              LEFT JOIN store_first sf
                ON sf.company_id = sm.company_id AND sf.config_id = sm.config_id
               AND sf.partner_id = sm.partner_id
              JOIN res_partner p ON p.id = sm.partner_id
             WHERE sm.orders > 0
            """,
            base=report._base_ctes(),
            churned=report._churned_sql(),
        )

    def init(self):
        # refreshed with the KPI report by the scheduled RFM computation
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE MATERIALIZED VIEW %(table)s AS (%(query)s);"
                " CREATE UNIQUE INDEX %(index)s ON %(table)s (company_id, config_id, month, partner_id)",
                table=SQL.identifier(self._table),
                index=SQL.identifier(f"{self._table}_uniq"),
                query=self._query(),
            )
        )
