from odoo import api, fields, models

LEVELS = [("category", "Category Level"), ("product", "Product")]


class RetailCrmRfmRule(models.Model):
    """R8: one association rule A -> B (or A + A2 -> B) found by a mining run.

    Rows are written set-based by ``retail.crm.rfm.rule.run`` (one INSERT per
    level); each run keeps its own rows, so a rule's trend over the runs is
    visible. ``is_current`` marks the rules of the company's latest run."""

    _name = "retail.crm.rfm.rule"
    _description = "Cross-sell Rule"
    _order = "lift desc, confidence desc, id"
    _rec_name = "name"

    run_id = fields.Many2one(
        "retail.crm.rfm.rule.run", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    run_date = fields.Date(readonly=True, index=True)
    is_current = fields.Boolean(string="Current", readonly=True, index=True)
    level = fields.Selection(LEVELS, required=True, readonly=True)
    antecedent_product_id = fields.Many2one("product.product", string="If Bought", readonly=True, index=True)
    antecedent_tmpl_id = fields.Many2one(
        "product.template", string="If Bought (Product)", readonly=True, index=True
    )
    consequent_product_id = fields.Many2one("product.product", string="Also Buys", readonly=True, index=True)
    antecedent_categ_id = fields.Many2one("product.category", string="If Bought (Category)", readonly=True)
    antecedent2_categ_id = fields.Many2one("product.category", string="And (Category)", readonly=True)
    consequent_categ_id = fields.Many2one("product.category", string="Also Buys (Category)", readonly=True)
    name = fields.Char(compute="_compute_name")
    basket_count = fields.Integer(
        string="Baskets", readonly=True, aggregator="sum", help="Paid baskets holding both sides of the rule."
    )
    customer_count = fields.Integer(
        string="Customers", readonly=True, aggregator="sum", help="Members with such a basket."
    )
    support = fields.Float(
        string="Support (%)",
        digits=(16, 4),
        readonly=True,
        aggregator="avg",
        help="Share of all baskets that hold both sides.",
    )
    confidence = fields.Float(
        string="Confidence (%)",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Of the baskets with the left side, the share that also holds the right side.",
    )
    lift = fields.Float(
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="How many times more likely the right side is in a basket with the left side than in "
        "any basket (1: no link).",
    )

    @api.depends(
        "level",
        "antecedent_product_id",
        "consequent_product_id",
        "antecedent_categ_id",
        "antecedent2_categ_id",
    )
    def _compute_name(self):
        for rule in self:
            if rule.level == "product":
                left = rule.antecedent_product_id.display_name or ""
                right = rule.consequent_product_id.display_name or ""
            else:
                left = rule.antecedent_categ_id.display_name or ""
                if rule.antecedent2_categ_id:
                    left = f"{left} + {rule.antecedent2_categ_id.display_name}"
                right = rule.consequent_categ_id.display_name or ""
            rule.name = f"{left} → {right}"
