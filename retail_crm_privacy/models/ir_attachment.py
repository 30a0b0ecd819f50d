from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# files of data-subject requests (the export of everything held about a
# person): the data protection officer's only
DPO_ONLY_MODELS = ("retail.crm.privacy.request",)


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model
    def _privacy_dpo_only_applies(self):
        """Whether the current user is kept off the DPO's files."""
        if self.env.is_superuser():
            return False
        user = self.env.user
        return not (user._is_system() or user.has_group("retail_crm_privacy.group_privacy_officer"))

    def check(self, mode, values=None):
        res = super().check(mode, values)
        if self._privacy_dpo_only_applies():
            models_ = {values.get("res_model")} if values else set()
            if self:
                self.flush_model(["res_model"])
                rows = self.env.execute_query(
                    SQL("SELECT DISTINCT res_model FROM ir_attachment WHERE id = ANY(%s)", list(self.ids))
                )
                models_ |= {row[0] for row in rows}
            if models_ & set(DPO_ONLY_MODELS):
                raise AccessError(
                    self.env._("Only the data protection officer may open data-subject request files.")
                )
        return res

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        if self._privacy_dpo_only_applies():
            domain = [("res_model", "not in", DPO_ONLY_MODELS), *domain]
        return super()._search(domain, offset=offset, limit=limit, order=order)
