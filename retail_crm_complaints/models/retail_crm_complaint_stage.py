from odoo import fields, models


class RetailCrmComplaintStage(models.Model):
    _name = "retail.crm.complaint.stage"
    _description = "Complaint Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    fold = fields.Boolean(help="Folded in the kanban view.")
    description = fields.Text(translate=True)
    is_contacted = fields.Boolean(
        string="Customer Contacted",
        help="Reaching this stage means the customer has been contacted: "
        "it completes the first-contact SLA target.",
    )
    is_resolved = fields.Boolean(
        string="Resolved",
        help="Reaching this stage completes the resolution SLA target "
        "(and the first-contact target if still open).",
    )
    is_closed = fields.Boolean(
        string="Closed",
        help="Closing stage: root cause and corrective action are required for complaints.",
    )
    pauses_sla = fields.Boolean(
        string="Pauses SLA",
        help="While a ticket stays in this stage (e.g. waiting for the "
        "customer), its SLA clocks stop; the paused working time is added "
        "to the deadlines when the ticket leaves the stage.",
    )
