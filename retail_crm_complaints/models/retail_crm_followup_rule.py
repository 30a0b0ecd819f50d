from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RetailCrmFollowupRule(models.Model):
    """售后回访: which purchases get an after-sales call, and when."""

    _name = "retail.crm.followup.rule"
    _description = "After-sales Follow-up Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    min_amount = fields.Monetary(
        string="Minimum Order Amount",
        currency_field="currency_id",
        help="Orders of at least this amount (tax included). 0: any amount.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_category_ids = fields.Many2many(
        "product.category",
        string="Product Categories",
        help="Orders with a product of these categories (or their subcategories). Empty: any product.",
    )
    tier_ids = fields.Many2many(
        "retail.crm.tier",
        string="Member Tiers",
        help="Members of these tiers when the call is planned. Empty: any member.",
    )
    delay_days = fields.Integer(
        string="Call After (Days)", default=3, help="Days between the purchase and the follow-up call."
    )
    followup_ids = fields.One2many("retail.crm.followup", "rule_id")

    @api.constrains("delay_days", "min_amount")
    def _check_numbers(self):
        for rule in self:
            if not 0 <= rule.delay_days <= 365:
                raise ValidationError(
                    self.env._("A follow-up call is planned 0 to 365 days after the purchase.")
                )
            if rule.min_amount < 0:
                raise ValidationError(self.env._("The minimum order amount cannot be negative."))
