"""The ``ON DELETE`` of the replenishment forecasts' references.

``retail_crm_replenishment`` has no foreign keys (see
``retail_crm_replenishment.py``): deleting a product or a product category deletes
their forecasts, and deleting a point of sale unsets it on the forecasts that
name it. Customers, product templates and companies: in ``res_partner.py``,
``product_template_rule.py`` and ``res_company_replenishment.py``.
"""

from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def unlink(self):
        self.env["retail.crm.replenishment"]._forget("product_id", self.ids)
        return super().unlink()


class ProductCategory(models.Model):
    _inherit = "product.category"

    def unlink(self):
        # with their subcategories, which go by the database's cascade
        family = self.with_context(active_test=False).search([("id", "child_of", self.ids)])
        self.env["retail.crm.replenishment"]._forget("categ_id", family.ids)
        return super().unlink()


class PosConfig(models.Model):
    _inherit = "pos.config"

    def unlink(self):
        self.env["retail.crm.replenishment"]._forget("config_id", self.ids)
        return super().unlink()
