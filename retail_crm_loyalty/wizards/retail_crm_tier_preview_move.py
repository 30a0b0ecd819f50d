from odoo import fields, models


class RetailCrmTierPreviewMove(models.TransientModel):
    _name = "retail.crm.tier.preview.move"
    _description = "Members Moving Between Tiers"
    _order = "count desc"

    preview_id = fields.Many2one("retail.crm.tier.preview", required=True, ondelete="cascade")
    from_tier_id = fields.Many2one("retail.crm.tier", string="From")
    to_tier_id = fields.Many2one("retail.crm.tier", string="To")
    count = fields.Integer(string="Members")
    direction = fields.Selection([("up", "Upgrade"), ("down", "Downgrade")])
