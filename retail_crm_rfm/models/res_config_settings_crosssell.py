from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    rfm_rule_window_months = fields.Integer(related="company_id.rfm_rule_window_months", readonly=False)
    rfm_rule_min_support = fields.Float(related="company_id.rfm_rule_min_support", readonly=False)
    rfm_rule_min_confidence = fields.Float(related="company_id.rfm_rule_min_confidence", readonly=False)
    rfm_rule_min_lift = fields.Float(related="company_id.rfm_rule_min_lift", readonly=False)
    rfm_rule_triples = fields.Boolean(related="company_id.rfm_rule_triples", readonly=False)
