from odoo import models

from . import privacy_tools


class MailTrackingValue(models.Model):
    _inherit = "mail.tracking.value"

    def _tracking_value_format(self):
        """Tracked changes of a customer's personal fields (old and new
        mobile, address...) follow the access rule of that customer."""
        formatted = super()._tracking_value_format()
        Partner = self.env["res.partner"]
        if not formatted or not Partner._privacy_is_restricted(real_user=True):
            return formatted
        personal = set(Partner._privacy_personal_fields())
        # sudo: the tracked record decides, not the reader's rights on it
        partner_of = {}
        for tracking in self.sudo():
            message = tracking.mail_message_id
            model = tracking.field_id.model or message.model
            fname = tracking.field_id.name
            if model == "res.partner" and fname in personal:
                partner_of[tracking.id] = message.res_id
            elif model in self.env and fname in self.env[model]._privacy_related_personal_fields():
                record = self.env[model].sudo().browse(message.res_id).exists()
                link = self.env[model]._privacy_related_personal_fields()[fname]
                partner_of[tracking.id] = record[link].id if record else False
        if not partner_of:
            return formatted
        visible = Partner.browse({pid for pid in partner_of.values() if pid})._privacy_visible_ids()
        for values in formatted:
            if values["id"] in partner_of and partner_of[values["id"]] not in visible:
                for key in ("oldValue", "newValue"):
                    value = values[key]["value"]
                    values[key]["value"] = privacy_tools.mask_value(
                        values["fieldName"], values["fieldType"], value
                    )
        return formatted
