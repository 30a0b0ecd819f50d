from odoo import api, models
from odoo.exceptions import AccessError


class ResPartnerBank(models.Model):
    """A customer's bank account is their personal data (privacy_copies.py):
    only who may change the customer may add, change or delete it."""

    _inherit = "res.partner.bank"

    def _privacy_check_customer(self, partner_ids):
        partners = self.env["res.partner"].browse(partner_ids)
        if partners._privacy_hidden_for_write():
            raise AccessError(
                self.env._("You may only change the bank accounts of customers assigned to you.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            self._privacy_check_customer({vals["partner_id"] for vals in vals_list if vals.get("partner_id")})
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            partner_ids = set(self.sudo().partner_id.ids)
            if vals.get("partner_id"):
                partner_ids.add(vals["partner_id"])
            self._privacy_check_customer(partner_ids)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _privacy_unlink_only_visible(self):
        if not self.env.su:
            self._privacy_check_customer(self.sudo().partner_id.ids)
