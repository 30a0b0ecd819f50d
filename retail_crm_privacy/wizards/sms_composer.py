"""SMS composer: a restricted user texts only the customers they may see.

The composer reads the recipient's number out in clear, and every route of it
(onchange, create then read, send) goes through ``_get_records`` (its
computes and its send): refused there when a record is a customer the user
may not see, or a record whose customer (its partner link, privacy_copies.py)
they may not see. ``sudo()`` callers (crons) are not restricted."""

from odoo import models
from odoo.exceptions import AccessError


class SmsComposer(models.TransientModel):
    _inherit = "sms.composer"

    def _get_records(self):
        records = super()._get_records()
        if records and self.env["res.partner"]._privacy_is_restricted():
            self._privacy_check_recipients(records)
        return records

    def _privacy_check_recipients(self, records):
        """Raise unless the real user may see every customer of ``records``."""
        if records._name == "res.partner":
            hidden = bool(records._privacy_hidden())
        elif records._privacy_partner_link():
            hidden = bool(records._privacy_hidden_copy_ids())
        else:
            return
        if hidden:
            raise AccessError(self.env._("You may only send text messages to customers assigned to you."))
