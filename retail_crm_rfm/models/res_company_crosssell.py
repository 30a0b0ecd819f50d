from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """R8: thresholds of the cross-sell (association) rules, per company."""

    _inherit = "res.company"

    rfm_rule_window_months = fields.Integer(
        string="Cross-sell Window (months)",
        default=12,
        help="Rules are mined from the paid POS orders of these last months.",
    )
    rfm_rule_min_support = fields.Float(
        string="Minimum Support (%)",
        default=0.05,
        digits=(16, 4),
        help="A rule is kept when at least this share of the baskets holds both sides.",
    )
    rfm_rule_min_confidence = fields.Float(
        string="Minimum Confidence (%)",
        default=10.0,
        digits=(16, 2),
        help="A rule A -> B is kept when at least this share of the baskets with A also holds B.",
    )
    rfm_rule_min_lift = fields.Float(
        string="Minimum Lift",
        default=1.2,
        digits=(16, 2),
        help="A rule is kept when A makes B at least this many times more likely than usual.",
    )
    rfm_rule_triples = fields.Boolean(
        string="Rules from Two Items",
        default=True,
        help="Also mine rules with two items on the left (A + B -> C), at category level.",
    )

    @api.constrains(
        "rfm_rule_window_months", "rfm_rule_min_support", "rfm_rule_min_confidence", "rfm_rule_min_lift"
    )
    def _check_rfm_rule_thresholds(self):
        for company in self:
            if not 1 <= company.rfm_rule_window_months <= 60:
                raise ValidationError(self.env._("The cross-sell window is between 1 and 60 months."))
            if not 0 < company.rfm_rule_min_support <= 100:
                raise ValidationError(
                    self.env._("The minimum support is a percentage above 0 and at most 100.")
                )
            if not 0 < company.rfm_rule_min_confidence <= 100:
                raise ValidationError(
                    self.env._("The minimum confidence is a percentage above 0 and at most 100.")
                )
            if not 0 < company.rfm_rule_min_lift <= 1000:
                raise ValidationError(self.env._("The minimum lift is above 0 and at most 1000."))
