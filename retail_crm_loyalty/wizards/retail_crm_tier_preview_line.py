from odoo import fields, models


class RetailCrmTierPreviewLine(models.TransientModel):
    _name = "retail.crm.tier.preview.line"
    _description = "Tier Threshold to Preview"

    preview_id = fields.Many2one("retail.crm.tier.preview", required=True, ondelete="cascade")
    tier_id = fields.Many2one("retail.crm.tier", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="preview_id.company_id.currency_id")
    current_min_spend = fields.Monetary(related="tier_id.min_spend", string="Current Spend")
    current_min_orders = fields.Integer(related="tier_id.min_orders", string="Current Orders")
    min_spend = fields.Monetary(string="New Spend")
    min_orders = fields.Integer(string="New Orders")
    retention_spend = fields.Monetary(help="保级 threshold (0: the qualifying spend).")
    retention_orders = fields.Integer(help="保级 threshold (0: the qualifying orders).")
    invitation_only = fields.Boolean(related="tier_id.invitation_only")
    condition = fields.Selection(
        [("or", "Spend or orders"), ("and", "Spend and orders")], default="or", required=True
    )
