from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    retail_referral_program_id = fields.Many2one(
        related="company_id.retail_referral_program_id", readonly=False
    )
    retail_referral_referrer_points = fields.Float(
        related="company_id.retail_referral_referrer_points", readonly=False
    )
    retail_referral_member_points = fields.Float(
        related="company_id.retail_referral_member_points", readonly=False
    )
