from odoo import api, fields, models
from odoo.tools import SQL

from .res_partner import SEGMENT_SELECTION


class RetailCrmRfmSegment(models.Model):
    _name = "retail.crm.rfm.segment"
    _description = "RFM Segment"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(
        selection=SEGMENT_SELECTION,
        required=True,
        help="High (H) or low (L) Recency, Frequency and Monetary scores, in that order.",
    )
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    active = fields.Boolean(default=True)
    playbook = fields.Html(translate=True, help="What staff and marketing do for this segment.")
    recommended_action = fields.Selection(
        selection=[
            ("mailing", "Mailing list"),
            ("activity", "Salesperson activities"),
            ("coupon", "Coupons"),
        ],
        default="mailing",
    )
    partner_count = fields.Integer(compute="_compute_partner_count", string="Customers")
    # dashboard: figures of the company's last finished run
    dashboard_run_id = fields.Many2one("retail.crm.rfm.run", string="Last Run", compute="_compute_dashboard")
    company_currency_id = fields.Many2one("res.currency", compute="_compute_dashboard")
    customer_share = fields.Float(
        string="Share of Customers",
        compute="_compute_dashboard",
        help="Of the customers scored by the last run.",
    )
    average_recency = fields.Float(
        string="Average Recency (days)", compute="_compute_dashboard", digits=(16, 1)
    )
    average_frequency = fields.Float(compute="_compute_dashboard", digits=(16, 2))
    average_monetary = fields.Monetary(
        string="Average Spend", compute="_compute_dashboard", currency_field="company_currency_id"
    )
    average_churn_probability = fields.Float(string="Average Churn Risk", compute="_compute_dashboard")
    total_ltv = fields.Monetary(
        string="Predicted Value", compute="_compute_dashboard", currency_field="company_currency_id"
    )
    average_ltv = fields.Monetary(
        string="Average Predicted Value", compute="_compute_dashboard", currency_field="company_currency_id"
    )
    dashboard_count = fields.Integer(string="Customers in Last Run", compute="_compute_dashboard")
    empty_reason = fields.Char(
        compute="_compute_dashboard", help="Why the last run put no customer in this segment."
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Each high/low combination has exactly one segment."),
    ]

    @api.depends_context("company")
    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("rfm_segment_id", "in", self.ids)], ["rfm_segment_id"], ["__count"]
            )
        )
        for segment in self:
            segment.partner_count = counts.get(segment, 0)

    @api.depends_context("company")
    def _compute_dashboard(self):
        """Per-segment figures of the current company's last run (one query on its snapshot)."""
        company = self.env.company
        # sudo: aggregate figures of the company's runs, shown to everyone who
        # may read segments; no per-customer value leaves the query
        run = self.env["retail.crm.rfm.run"].sudo()._get_last_done_run(company)
        stats = {}
        if run:
            self.env.cr.execute(
                SQL(
                    """
                SELECT segment_code, count(*), avg(recency), avg(frequency), avg(monetary),
                       avg(churn_probability), sum(ltv), avg(ltv)
                  FROM retail_crm_rfm_snapshot
                 WHERE run_id = %s
                 GROUP BY segment_code
                """,
                    run._snapshot_run_id(),
                )
            )
            stats = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        total = sum(row[0] for row in stats.values())
        for segment in self:
            count, recency, frequency, monetary, churn, ltv, avg_ltv = stats.get(segment.code) or (0,) * 7
            segment.update(
                {
                    "dashboard_run_id": run.id,
                    "company_currency_id": company.currency_id.id,
                    "customer_share": count / total if total else 0.0,
                    "average_recency": float(recency or 0),
                    "average_frequency": float(frequency or 0),
                    "average_monetary": float(monetary or 0),
                    "average_churn_probability": float(churn or 0),
                    "total_ltv": float(ltv or 0),
                    "average_ltv": float(avg_ltv or 0),
                    "dashboard_count": count,
                    "empty_reason": segment._empty_reason(run) if not count else False,
                }
            )

    def _empty_reason(self, run):
        """The segment's rule in words, for a segment the last run left empty."""
        self.ensure_one()
        if not run:
            return self.env._("No RFM run yet: the scheduled action has not scored any customer.")
        if not run.customer_count:
            return self.env._("The last run found no customer with a purchase in the look-back.")
        recent, frequent, spender = (letter == "H" for letter in self.code)
        conditions = [
            self.env._("last purchase within %(days)s days", days=run.recency_days)
            if recent
            else self.env._("no purchase in the last %(days)s days", days=run.recency_days),
            self.env._("F score %(cut)s or more (purchase days in the window)", cut=run.high_cut)
            if frequent
            else self.env._("F score below %(cut)s", cut=run.high_cut),
            self.env._("M score %(cut)s or more (net spend in the window)", cut=run.high_cut)
            if spender
            else self.env._("M score below %(cut)s", cut=run.high_cut),
        ]
        return self.env._(
            "No customer of the run of %(date)s meets all of: %(conditions)s.",
            date=run.run_date,
            conditions="; ".join(conditions),
        )

    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("retail_crm_rfm.res_partner_action_rfm")
        action["domain"] = [("rfm_segment_id", "=", self.id)]
        action["context"] = {"search_default_group_segment": 0}
        return action

    def action_segment_action(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_crm_rfm.retail_crm_rfm_segment_action_action"
        )
        action["context"] = {
            "default_segment_ids": self.ids,
            "default_action_type": self[:1].recommended_action or "mailing",
        }
        return action
