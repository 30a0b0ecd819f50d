from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    retail_tier_window_months = fields.Integer(related="company_id.retail_tier_window_months", readonly=False)
    retail_tier_downgrade_review = fields.Boolean(
        related="company_id.retail_tier_downgrade_review", readonly=False
    )
    retail_tier_downgrade_policy = fields.Selection(
        related="company_id.retail_tier_downgrade_policy", readonly=False
    )
    retail_tier_grace_days = fields.Integer(related="company_id.retail_tier_grace_days", readonly=False)
    retail_birthday_program_id = fields.Many2one(
        related="company_id.retail_birthday_program_id", readonly=False
    )
    retail_birthday_sms = fields.Boolean(related="company_id.retail_birthday_sms", readonly=False)
    retail_birthday_coupon_days = fields.Integer(
        related="company_id.retail_birthday_coupon_days", readonly=False
    )
    retail_points_expiry_months = fields.Integer(
        related="company_id.retail_points_expiry_months", readonly=False
    )
    retail_member_country_id = fields.Many2one(related="company_id.retail_member_country_id", readonly=False)
    retail_vip_tier_id = fields.Many2one(related="company_id.retail_vip_tier_id", readonly=False)
    retail_vip_followup_days = fields.Integer(related="company_id.retail_vip_followup_days", readonly=False)

    def action_retail_open_tiers(self):
        return self.env["ir.actions.act_window"]._for_xml_id("retail_crm_loyalty.retail_crm_tier_action")
