"""SMS resend wizard: the numbers failed SMS were sent to, masked like the
notifications they come from (privacy_copies.py) for customers the user may
not see."""

from odoo import api, models

from ..models.res_partner_access import mask_value


class SmsResend(models.TransientModel):
    _inherit = "sms.resend"

    @api.model
    def default_get(self, fields):
        result = super().default_get(fields)
        lines = [vals for _cmd, _id, vals in result.get("recipient_ids") or [] if isinstance(vals, dict)]
        notification_ids = [vals["notification_id"] for vals in lines if vals.get("sms_number")]
        if not notification_ids or not self.env["res.partner"]._privacy_is_restricted(real_user=True):
            return result
        hidden = self.env["mail.notification"].browse(notification_ids)._privacy_hidden_copy_ids()
        for vals in lines:
            if vals.get("notification_id") in hidden and vals.get("sms_number"):
                vals["sms_number"] = mask_value("sms_number", "char", vals["sms_number"])
        return result


class SmsResendRecipient(models.TransientModel):
    _inherit = "sms.resend.recipient"

    @api.model_create_multi
    def create(self, vals_list):
        """A masked number sent back by the resend wizard is not stored: the
        notification's number stays (sudo: read to compare with the mask
        only, never returned)."""
        notifications = self.env["mail.notification"].sudo()
        for vals in vals_list:
            if vals.get("sms_number") and vals.get("notification_id"):
                number = notifications.browse(vals["notification_id"]).sms_number
                if number and vals["sms_number"] == mask_value("sms_number", "char", number):
                    vals["sms_number"] = number
        return super().create(vals_list)
