from odoo import fields, models


class RetailCrmRfmTagRule(models.Model):
    _name = "retail.crm.rfm.tag.rule"
    _description = "RFM Preference Tag Rule"
    _order = "sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", help="Leave empty to apply the rule in every company.")
    categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        required=True,
        ondelete="cascade",
        help="Purchases of products in this category or its sub-categories.",
    )
    tag_id = fields.Many2one("res.partner.category", string="Customer Tag", required=True, ondelete="cascade")
    min_orders = fields.Integer(
        string="Minimum Orders",
        default=1,
        required=True,
        help="Number of paid orders in the RFM window containing such products.",
    )

    _sql_constraints = [
        ("min_orders_positive", "CHECK(min_orders >= 1)", "The minimum number of orders is 1."),
    ]
