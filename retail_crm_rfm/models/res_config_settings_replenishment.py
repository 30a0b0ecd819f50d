from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    retail_replenishment_level = fields.Selection(
        related="company_id.retail_replenishment_level", readonly=False
    )
    retail_replenishment_lead_days = fields.Integer(
        related="company_id.retail_replenishment_lead_days", readonly=False
    )
    retail_replenishment_channel = fields.Selection(
        related="company_id.retail_replenishment_channel", readonly=False
    )
