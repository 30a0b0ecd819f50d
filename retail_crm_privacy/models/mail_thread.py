from odoo import models

from . import privacy_tools


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _message_add_suggested_recipient(self, result, partner=None, email=None, lang=None, reason=""):
        """Chatter recipient suggestions show e-mails: masked for cashiers
        when the customer is not theirs."""
        result = super()._message_add_suggested_recipient(
            result, partner=partner, email=email, lang=lang, reason=reason
        )
        Partner = self.env["res.partner"]
        if not Partner._privacy_is_restricted(real_user=True):
            return result
        partner_ids = [row["partner_id"] for row in result if row.get("partner_id")]
        owned = Partner.browse(partner_ids)._privacy_visible_ids()
        for row in result:
            if row.get("partner_id") and row["partner_id"] not in owned and row.get("email"):
                if "***@" not in row["email"]:
                    row["email"] = privacy_tools.mask_email(row["email"])
        return result
