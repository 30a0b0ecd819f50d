from odoo import fields, models


class RetailCrmRfmAbTestMember(models.Model):
    """One customer of an offer A/B test: the variant drawn at the start and
    the coupon issued to the customer. Written only by the test's Start."""

    _name = "retail.crm.rfm.ab.test.member"
    _description = "Offer A/B Test Assignment"
    _order = "test_id, variant, partner_id"

    test_id = fields.Many2one("retail.crm.rfm.ab.test", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="test_id.company_id", store=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    variant = fields.Selection(
        [("a", "Offer A"), ("b", "Offer B"), ("control", "Control (no offer)")], required=True
    )
    card_id = fields.Many2one("loyalty.card", string="Coupon", ondelete="set null")
    program_id = fields.Many2one(related="card_id.program_id", string="Program")

    _sql_constraints = [
        ("partner_uniq", "unique(test_id, partner_id)", "A customer is assigned once per test."),
    ]
