from odoo import fields, models

_GROUPS = "point_of_sale.group_pos_manager,mass_mailing.group_mass_mailing_user"


class ProductTemplate(models.Model):
    """R8: "customers who buy this also buy" on the product form."""

    _inherit = "product.template"

    rfm_rule_ids = fields.One2many(
        "retail.crm.rfm.rule",
        "antecedent_tmpl_id",
        string="Customers Who Buy This Also Buy",
        domain=[("is_current", "=", True), ("level", "=", "product")],
        groups=_GROUPS,
    )

    def unlink(self):
        # the replenishment forecasts of its variants, which go with it by the
        # database's cascade, not by their unlink() (see replenishment_cascade.py)
        variants = self.with_context(active_test=False).product_variant_ids
        self.env["retail.crm.replenishment"]._forget("product_id", variants.ids)
        return super().unlink()
