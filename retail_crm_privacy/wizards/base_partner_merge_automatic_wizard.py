from odoo import models
from odoo.exceptions import AccessError


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        """Merging moves one customer's data onto another and deletes it:
        only managers, and only customers they may see."""
        Partner = self.env["res.partner"]
        partners = Partner.browse(partner_ids) | (dst_partner or Partner)
        if not self.env.su and Partner._privacy_is_restricted():
            if not Partner._privacy_is_manager() or partners._privacy_hidden():
                raise AccessError(
                    self.env._("Only managers may merge customers, and only customers of their store.")
                )
        return super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
