from odoo import _, api, fields, models
from odoo.exceptions import UserError


class RetailCrmConsent(models.Model):
    """Append-only history of consents: a change is a new record."""

    _name = "retail.crm.consent"
    _description = "Customer Consent"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade", readonly=True)
    purpose_id = fields.Many2one(
        "retail.crm.consent.purpose",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
    )
    channel = fields.Selection(
        selection=[
            ("sms", "SMS"),
            ("email", "E-mail"),
            ("wechat", "WeChat"),
            ("phone", "Phone call"),
            ("in_person", "In person"),
            ("post", "Post"),
        ],
        required=True,
        default="in_person",
        readonly=True,
    )
    state = fields.Selection(
        selection=[("granted", "Granted"), ("withdrawn", "Withdrawn")],
        required=True,
        readonly=True,
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True, index=True)
    source = fields.Selection(
        selection=[
            ("pos", "Point of Sale"),
            ("backend", "Backend"),
            ("web", "Website"),
            ("import", "Import"),
        ],
        required=True,
        default="backend",
        readonly=True,
    )
    policy_version = fields.Char(default=lambda self: self._default_policy_version(), readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Recorded by",
        default=lambda self: self.env.user,
        readonly=True,
        ondelete="set null",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, readonly=True)
    pos_config_id = fields.Many2one("pos.config", readonly=True, ondelete="set null")
    note = fields.Char(readonly=True)

    def _default_policy_version(self):
        return self.env["ir.config_parameter"].sudo().get_param("retail_crm_privacy.policy_version", "1.0")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # the recorder is always the current user, never a forged one
            if not self.env.su:
                vals["user_id"] = self.env.uid
        if not self.env.su:
            partner_ids = {vals.get("partner_id") for vals in vals_list} - {None, False}
            self.env["res.partner"].browse(partner_ids)._privacy_check_consent_access()
        records = super().create(vals_list)
        records._sync_blacklists()
        return records

    def write(self, vals):
        if not self.env.su:
            raise UserError(_("Consent records are append-only: record a new consent instead."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_by_system(self):
        if not self.env.su:
            raise UserError(_("Consent records are append-only and cannot be deleted."))

    def _sync_blacklists(self):
        """Feed Odoo's opt-out lists from the latest consent of each
        partner/purpose in ``self`` (withdrawal blacklists at once)."""
        latest = {}
        for consent in self.sorted(lambda c: (c.date, c.id)):
            if consent.purpose_id.blacklist != "none":
                latest[(consent.partner_id, consent.purpose_id)] = consent
        # sudo: cashiers and marketing users may not edit blacklists themselves,
        # the consent they just recorded is the authorisation
        mail_bl_sudo = self.env["mail.blacklist"].sudo()
        phone_bl_sudo = self.env["phone.blacklist"].sudo()
        message = _("Consent change recorded by %(user)s", user=self.env.user.name)
        for (partner, purpose), consent in latest.items():
            if purpose.blacklist == "mail" and partner.email_normalized:
                if consent.state == "withdrawn":
                    mail_bl_sudo._add(partner.email_normalized, message=message)
                else:
                    mail_bl_sudo._remove(partner.email_normalized, message=message)
            elif purpose.blacklist == "phone":
                numbers = {
                    partner._phone_format(number=num, force_format="E164", raise_exception=False)
                    for num in (partner.mobile, partner.phone)
                    if num
                }
                numbers.discard(False)
                if "phone_sanitized" in partner._fields and partner.phone_sanitized:
                    numbers.add(partner.phone_sanitized)
                if not numbers:
                    continue
                if consent.state == "withdrawn":
                    phone_bl_sudo._add(list(numbers), message=message)
                else:
                    phone_bl_sudo._remove(list(numbers), message=message)

    @api.model
    def _record(
        self,
        partners,
        purposes,
        state,
        source="backend",
        channel=None,
        policy_version=None,
        pos_config=None,
        note=None,
    ):
        """Record ``state`` for every partner x purpose, one batch create."""
        vals_list = []
        for partner in partners:
            for purpose in purposes:
                vals = {
                    "partner_id": partner.id,
                    "purpose_id": purpose.id,
                    "state": state,
                    "source": source,
                    "channel": channel or purpose.default_channel,
                    "pos_config_id": pos_config.id if pos_config else False,
                    "note": note,
                    "company_id": (pos_config.company_id if pos_config else self.env.company).id,
                }
                if policy_version:
                    vals["policy_version"] = policy_version
                vals_list.append(vals)
        return self.create(vals_list)
