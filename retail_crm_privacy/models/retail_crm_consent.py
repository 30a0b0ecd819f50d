from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


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
    guardian_name = fields.Char(
        string="Guardian",
        readonly=True,
        help="For a child under 14: the parent or guardian who gave the consent.",
    )
    guardian_relation = fields.Selection(
        selection=[("mother", "Mother"), ("father", "Father"), ("guardian", "Legal guardian")],
        string="Relation to the child",
        readonly=True,
    )

    @api.constrains("purpose_id", "guardian_name", "guardian_relation", "state")
    def _check_guardian(self):
        for consent in self:
            if (
                consent.purpose_id.code == "guardian"
                and consent.state == "granted"
                and not (consent.guardian_name and consent.guardian_relation)
            ):
                raise ValidationError(
                    self.env._(
                        "A guardian's consent needs the guardian's name and their relation to the child."
                    )
                )

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
            raise UserError(self.env._("Consent records are append-only: record a new consent instead."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_by_system(self):
        if not self.env.su:
            raise UserError(self.env._("Consent records are append-only and cannot be deleted."))

    def _sync_blacklists(self):
        """Feed Odoo's opt-out lists from these consents, for every address of
        each person (their contacts too): withdrawal blacklists at once."""
        self.partner_id._privacy_sync_blacklists(consents=self)

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
        guardian_name=None,
        guardian_relation=None,
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
                    "guardian_name": guardian_name or False,
                    "guardian_relation": guardian_relation or False,
                    "company_id": (pos_config.company_id if pos_config else self.env.company).id,
                }
                if policy_version:
                    vals["policy_version"] = policy_version
                vals_list.append(vals)
        return self.create(vals_list)
