from ast import literal_eval

from odoo import models
from odoo.exceptions import AccessError


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _privacy_check_manager(self, partners):
        Partner = self.env["res.partner"]
        if not self.env.su and Partner._privacy_is_restricted():
            if not Partner._privacy_is_manager() or partners._privacy_hidden():
                raise AccessError(
                    self.env._("Only managers may merge customers, and only customers of their store.")
                )

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        """Merging moves one customer's data onto another and deletes it:
        only managers, and only customers they may see."""
        Partner = self.env["res.partner"]
        self._privacy_check_manager(Partner.browse(partner_ids) | (dst_partner or Partner))
        return super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)

    def _process_query(self, query):
        """The duplicate search groups customers in SQL on their real e-mail,
        tax ID, phone...: only managers run it, and a group with a customer
        they may not see is left out, or a customer created with a guessed
        value would show whose value it is."""
        Partner = self.env["res.partner"]
        self._privacy_check_manager(Partner)
        result = super()._process_query(query)
        if self.env.su or not Partner._privacy_is_restricted():
            return result
        lines = self.line_ids
        ids_of = {line: literal_eval(line.aggr_ids) for line in lines}
        hidden = Partner.browse({pid for ids in ids_of.values() for pid in ids})._privacy_hidden()
        dropped = lines.filtered(lambda line: set(ids_of[line]) & set(hidden.ids))
        if dropped:
            dropped.unlink()
            self.number_group = len(lines - dropped)
        return result
