from odoo import fields, models
from odoo.tools import SQL

from ..models.retail_crm_complaint import CHANNEL_SELECTION
from ..models.retail_crm_complaint_sla import SEVERITY_SELECTION


class RetailCrmComplaintReport(models.Model):
    """Complaint analysis: one row per ticket, figures left NULL when not
    applicable so that averages only count tickets where they exist."""

    _name = "retail.crm.complaint.report"
    _description = "Complaint Analysis"
    _auto = False
    _order = "date_received desc"

    complaint_id = fields.Many2one("retail.crm.complaint", readonly=True)
    date_received = fields.Datetime(string="Received", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    category_id = fields.Many2one("retail.crm.complaint.category", readonly=True)
    kind = fields.Selection(
        [("complaint", "Complaint"), ("feedback", "Feedback / Suggestion")], readonly=True
    )
    root_cause_id = fields.Many2one("retail.crm.complaint.cause", readonly=True)
    config_id = fields.Many2one("pos.config", string="Store", readonly=True)
    tier_id = fields.Many2one("retail.crm.tier", string="Member Tier", readonly=True)
    team_id = fields.Many2one("retail.crm.complaint.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned to", readonly=True)
    stage_id = fields.Many2one("retail.crm.complaint.stage", readonly=True)
    channel = fields.Selection(CHANNEL_SELECTION, readonly=True)
    severity = fields.Selection(SEVERITY_SELECTION, readonly=True)
    complaint_count = fields.Integer(string="Volume", readonly=True, aggregator="sum")
    first_response_hours = fields.Float(
        string="First Response (working hours)", readonly=True, aggregator="avg"
    )
    resolution_hours = fields.Float(string="Resolution Time (working hours)", readonly=True, aggregator="avg")
    breach_rate = fields.Float(
        string="Breach Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of tickets with at least one breached SLA target.",
    )
    rating = fields.Float(string="Rating (1-5)", readonly=True, aggregator="avg")
    csat = fields.Float(
        string="CSAT (%)",
        readonly=True,
        aggregator="avg",
        help="Share of rated tickets rated 4 or 5 (satisfied).",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT c.id AS id,
                   c.id AS complaint_id,
                   c.date_received,
                   c.company_id,
                   c.category_id,
                   c.kind,
                   c.root_cause_id,
                   c.config_id,
                   c.tier_id,
                   c.team_id,
                   c.user_id,
                   c.stage_id,
                   c.channel,
                   c.severity,
                   1 AS complaint_count,
                   CASE WHEN c.first_contact_date IS NOT NULL
                        THEN c.first_response_hours END AS first_response_hours,
                   CASE WHEN c.resolved_date IS NOT NULL
                        THEN c.resolution_hours END AS resolution_hours,
                   CASE WHEN c.sla_breached THEN 100.0 ELSE 0.0 END AS breach_rate,
                   NULLIF(c.rating_last_value, 0) AS rating,
                   CASE WHEN COALESCE(c.rating_last_value, 0) = 0 THEN NULL
                        WHEN c.rating_last_value >= %s THEN 100.0
                        ELSE 0.0 END AS csat
              FROM retail_crm_complaint c
             WHERE c.active
            """,
            4,
        )
