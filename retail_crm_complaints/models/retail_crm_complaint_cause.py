from odoo import fields, models


class RetailCrmComplaintCause(models.Model):
    _name = "retail.crm.complaint.cause"
    _description = "Complaint Root Cause"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
