from odoo import fields, models


class RetailCrmComplaintCategory(models.Model):
    _name = "retail.crm.complaint.category"
    _description = "Complaint Category"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        [("complaint", "Complaint"), ("feedback", "Feedback / Suggestion")],
        required=True,
        default="complaint",
        help="Feedback and suggestions follow the same flow but need no root "
        "cause or corrective action to be closed.",
    )
    company_id = fields.Many2one("res.company")
    team_id = fields.Many2one(
        "retail.crm.complaint.team",
        help="New tickets of this category are routed to this team.",
    )
    description = fields.Text(translate=True)
