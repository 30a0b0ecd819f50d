from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..models.rfm_run_aggregate import company_currency_sql
from ..tools.paid_states import PAID_STATES

CHURN_DAYS = 90


class RetailCrmRfmKpiReport(models.Model):
    """Customer KPIs per company, month and store (R6), from paid POS orders.

    Definitions (customers are partners on paid orders; a visit is a purchase
    day, refunds are netted into the order they refund, see ``_base_ctes``):

    * active members: customers with a purchase at the store in the month;
    * members: customers whose first purchase at the store is in or before the month;
    * repurchase rate: active members who had bought in the company before the month;
    * average ticket: net revenue / visits;
    * visit frequency: visits / active members;
    * churn rate: active members whose next purchase in the company came more
      than 90 days after their last purchase of the month (or has not come and
      90 days have passed);
    * LTV: average current predicted value of the month's active members.

    Ratios are per row; when rows are grouped further the pivot shows their
    average; members (cumulative per store) show the largest value (the last
    month), never a sum; the other counts are member-months. Distinct
    customers over any grouping: ``retail.crm.rfm.kpi.member``. The figures are those of the last
    scheduled RFM computation (materialized view, see :meth:`_refresh`).
    """

    _name = "retail.crm.rfm.kpi.report"
    _description = "Customer KPIs"
    _auto = False
    _order = "month desc, config_id"

    company_id = fields.Many2one("res.company", readonly=True)
    config_id = fields.Many2one("pos.config", string="Store", readonly=True)
    month = fields.Date(readonly=True)
    member_count = fields.Integer(
        string="Members",
        readonly=True,
        aggregator="max",
        help="Customers whose first purchase at the store is in or before the month (cumulative): "
        "grouped, the largest value is shown, not a sum.",
    )
    new_member_count = fields.Integer(string="New Members", readonly=True)
    active_member_count = fields.Integer(string="Active Members", readonly=True)
    repeat_member_count = fields.Integer(string="Returning Members", readonly=True)
    churned_member_count = fields.Integer(string="Churned Members", readonly=True)
    order_count = fields.Integer(string="Visits (purchase days)", readonly=True)
    revenue = fields.Float(readonly=True, digits=(16, 2))
    repurchase_rate = fields.Float(string="Repurchase Rate (%)", readonly=True, aggregator="avg")
    average_ticket = fields.Float(readonly=True, aggregator="avg", digits=(16, 2))
    visit_frequency = fields.Float(readonly=True, aggregator="avg", digits=(16, 2))
    churn_rate = fields.Float(string="Churn Rate (%)", readonly=True, aggregator="avg")
    ltv = fields.Float(string="Average LTV", readonly=True, aggregator="avg", digits=(16, 2))

    @api.model
    def _base_ctes(self):
        """Orders with their refunds netted in, purchase months and first purchases.

        A refund whose lines point to the lines of an order of the same
        company is added to that order (its month, store and day), so a fully
        refunded order is no visit; a visit is a day with an order of
        positive net value (``tools/rfm_pipeline.py``).

        Days and months are those of the company's time zone (its address's,
        as the RFM run's; UTC when it has none or PostgreSQL does not know
        it): an order at 07:00 in Shanghai on the 1st is in that month, not
        in the previous one where its UTC time falls.
        """
        return SQL(
            """
            company_tz AS (
                SELECT c.id AS company_id, COALESCE(z.name, 'UTC') AS tz,
                       now() AT TIME ZONE COALESCE(z.name, 'UTC') AS now_local
                  FROM res_company c
                  JOIN res_partner cp ON cp.id = c.partner_id
                  LEFT JOIN pg_timezone_names z ON z.name = cp.tz
            ), refunds AS (
                SELECT r.id AS refund_id, min(ol.order_id) AS original_id
                  FROM pos_order r
                  JOIN pos_order_line l ON l.order_id = r.id
                  JOIN pos_order_line ol ON ol.id = l.refunded_orderline_id
                  JOIN pos_order orig ON orig.id = ol.order_id
                 WHERE r.amount_total < 0 AND r.partner_id IS NOT NULL AND r.state IN %(states)s
                   AND orig.partner_id IS NOT NULL AND orig.state IN %(states)s
                   AND orig.company_id = r.company_id AND orig.id <> r.id
                 GROUP BY r.id
            ), refunded AS (
                SELECT k.original_id,
                       sum(%(refund_amount)s) AS amount
                  FROM refunds k JOIN pos_order r ON r.id = k.refund_id
                 GROUP BY k.original_id
            ), local_order AS (
                SELECT po.id, po.company_id, po.config_id, po.partner_id, po.amount_total,
                       po.currency_rate,
                       timezone(z.tz, po.date_order AT TIME ZONE 'UTC') AS date_order
                  FROM pos_order po
                  JOIN company_tz z ON z.company_id = po.company_id
                 WHERE po.partner_id IS NOT NULL
                   AND po.state IN %(states)s
            ), o AS (
                SELECT po.company_id, po.config_id, po.partner_id, po.date_order,
                       date_trunc('month', po.date_order)::date AS month,
                       po.date_order::date AS day,
                       %(amount)s + COALESCE(f.amount, 0) AS amount
                  FROM local_order po
                  LEFT JOIN refunded f ON f.original_id = po.id
                  LEFT JOIN refunds k ON k.refund_id = po.id
                 WHERE k.refund_id IS NULL
            ), company_month AS (
                SELECT company_id, partner_id, month,
                       min(date_order) AS first_buy, max(date_order) AS last_buy
                  FROM o WHERE round(amount::numeric, 2) > 0
                 GROUP BY company_id, partner_id, month
            ), first_buy AS (
                SELECT cm.company_id, cm.partner_id, cm.month, cm.last_buy,
                       lead(cm.first_buy) OVER w AS next_buy,
                       lag(cm.month) OVER w IS NOT NULL AS returning,
                       z.now_local
                  FROM company_month cm
                  JOIN company_tz z ON z.company_id = cm.company_id
                WINDOW w AS (PARTITION BY cm.company_id, cm.partner_id ORDER BY cm.month)
            ), store_month AS (
                SELECT company_id, config_id, partner_id, month,
                       count(DISTINCT day) FILTER (WHERE round(amount::numeric, 2) > 0) AS orders,
                       sum(amount) AS revenue
                  FROM o GROUP BY company_id, config_id, partner_id, month
            ), store_first AS (
                SELECT company_id, config_id, partner_id, min(month) AS month
                  FROM o WHERE round(amount::numeric, 2) > 0 GROUP BY company_id, config_id, partner_id
            )
            """,
            states=PAID_STATES,
            amount=company_currency_sql(SQL("po.amount_total"), "po"),
            refund_amount=company_currency_sql(SQL("r.amount_total"), "r"),
        )

    @api.model
    def _churned_sql(self):
        return SQL(
            "(fb.next_buy > fb.last_buy + make_interval(days => %(days)s)"
            " OR (fb.next_buy IS NULL AND fb.last_buy + make_interval(days => %(days)s)"
            " <= fb.now_local))",
            days=CHURN_DAYS,
        )

    @api.model
    def _query(self):
        return SQL(
            """
            WITH %(base)s, store_new AS (
                SELECT company_id, config_id, month, count(*) AS new_members
                  FROM store_first GROUP BY company_id, config_id, month
            ), kpi AS (
                SELECT sm.company_id, sm.config_id, sm.month,
                       count(*) FILTER (WHERE sm.orders > 0) AS active_members,
                       count(*) FILTER (WHERE sm.orders > 0 AND fb.returning) AS repeat_members,
                       count(*) FILTER (WHERE sm.orders > 0 AND %(churned)s) AS churned_members,
                       sum(sm.orders) AS orders,
                       sum(sm.revenue) AS revenue,
                       avg((p.rfm_ltv ->> sm.company_id::text)::numeric)
                           FILTER (WHERE sm.orders > 0) AS ltv
                  FROM store_month sm
                  LEFT JOIN first_buy fb
                    ON fb.company_id = sm.company_id AND fb.partner_id = sm.partner_id
                   AND fb.month = sm.month
                  JOIN res_partner p ON p.id = sm.partner_id
                 GROUP BY sm.company_id, sm.config_id, sm.month
            )
            SELECT row_number() OVER (ORDER BY k.month, k.company_id, k.config_id) AS id,
                   k.company_id, k.config_id, k.month,
                   sum(COALESCE(sn.new_members, 0)) OVER (
                       PARTITION BY k.company_id, k.config_id ORDER BY k.month) AS member_count,
                   COALESCE(sn.new_members, 0) AS new_member_count,
                   k.active_members AS active_member_count,
                   k.repeat_members AS repeat_member_count,
                   k.churned_members AS churned_member_count,
                   k.orders AS order_count,
                   round(k.revenue::numeric, 2) AS revenue,
                   round(100.0 * k.repeat_members / NULLIF(k.active_members, 0), 2)
                       AS repurchase_rate,
                   round(k.revenue::numeric / NULLIF(k.orders, 0), 2) AS average_ticket,
                   round(k.orders::numeric / NULLIF(k.active_members, 0), 2) AS visit_frequency,
                   round(100.0 * k.churned_members / NULLIF(k.active_members, 0), 2) AS churn_rate,
                   round(k.ltv, 2) AS ltv
              FROM kpi k
              LEFT JOIN store_new sn
                ON sn.company_id = k.company_id AND sn.config_id = k.config_id
               AND sn.month = k.month
            """,
            base=self._base_ctes(),
            churned=self._churned_sql(),
        )

    def init(self):
        # a materialized view: computing the KPIs reads every paid order (about
        # 20 s at 10M orders), so they are computed once per scheduled RFM
        # computation, not each time the report is opened
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE MATERIALIZED VIEW %(table)s AS (%(query)s);"
                " CREATE UNIQUE INDEX %(index)s ON %(table)s (company_id, config_id, month)",
                table=SQL.identifier(self._table),
                index=SQL.identifier(f"{self._table}_company_config_month_uniq"),
                query=self._query(),
            )
        )

    @api.model
    def _refresh(self):
        """Recompute the KPIs; readers keep the previous figures meanwhile."""
        self.env["pos.order"].flush_model(
            ["partner_id", "state", "date_order", "amount_total", "currency_rate", "company_id", "config_id"]
        )
        self.env["res.partner"].flush_model(["rfm_ltv", "tz"])
        self.env["res.company"].flush_model(["partner_id"])
        self.env["pos.order.line"].flush_model(["order_id", "refunded_orderline_id"])
        for model in (self, self.env["retail.crm.rfm.kpi.member"]):
            self.env.cr.execute(
                SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY %s", SQL.identifier(model._table))
            )
            model.invalidate_model()
