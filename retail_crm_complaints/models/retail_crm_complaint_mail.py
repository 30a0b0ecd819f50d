from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize


class RetailCrmComplaint(models.Model):
    """The customer side of a ticket by e-mail: intake through the mail
    gateway, the result sent with a satisfaction (rating) request."""

    _inherit = "retail.crm.complaint"  # pylint: disable=consider-merging-classes-inherited

    resolution_sent_date = fields.Datetime(string="Result Sent", readonly=True, copy=False)

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """Mail gateway: create a ticket from an e-mail and find the customer
        by the sender's address."""
        self = self.with_context(default_user_id=False)
        values = dict(custom_values or {})
        email = email_normalize(msg_dict.get("email_from") or "")
        partner = self.env["res.partner"]
        if msg_dict.get("author_id"):
            partner = partner.browse(msg_dict["author_id"])
        elif email:
            partner = self._mail_find_partner_from_emails([email])[0] or partner
        values.setdefault("subject", msg_dict.get("subject") or self.env._("No Subject"))
        values.setdefault("channel", "email")
        values.setdefault("description", msg_dict.get("body"))
        if partner:
            values.setdefault("partner_id", partner.id)
        if email:
            values.setdefault("email_from", email)
        return super().message_new(msg_dict, custom_values=values)

    def action_send_resolution(self):
        """E-mail the result to the customer with a satisfaction request."""
        template = self.env.ref("retail_crm_complaints.mail_template_complaint_resolution")
        for complaint in self:
            if not complaint.resolution_type:
                raise UserError(
                    self.env._(
                        "Set the resolution of %(ref)s before informing the customer.", ref=complaint.name
                    )
                )
            if not complaint.partner_id.email:
                raise UserError(
                    self.env._("The customer of %(ref)s has no e-mail address.", ref=complaint.name)
                )
        self.rating_send_request(template, force_send=False)
        self.write({"resolution_sent_date": fields.Datetime.now()})
        return True

    def _rating_get_parent_field_name(self):
        return "team_id"
