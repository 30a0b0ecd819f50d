from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

from .res_partner_encryption import refused_reasons


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    privacy_request_days = fields.Integer(
        string="Days to answer a data-subject request",
        config_parameter="retail_crm_privacy.request_days",
        default=7,
    )
    privacy_policy_version = fields.Char(
        string="Privacy policy version", config_parameter="retail_crm_privacy.policy_version"
    )
    privacy_retention_days = fields.Integer(
        string="Anonymise customers inactive for (days)",
        config_parameter="retail_crm_privacy.retention_days",
        help="0 disables retention.",
    )
    privacy_retention_auto = fields.Boolean(
        string="Anonymise automatically", config_parameter="retail_crm_privacy.retention_auto"
    )
    privacy_retention_points_threshold = fields.Integer(
        string="Keep customers holding more loyalty points than",
        config_parameter="retail_crm_privacy.retention_points_threshold",
        help="Customers whose loyalty cards hold more points are never anonymised by retention.",
    )
    privacy_alert_factor = fields.Float(
        string="Alert when a user reads N times more customers than usual",
        config_parameter="retail_crm_privacy.alert_factor",
        default=3.0,
    )
    privacy_alert_minimum = fields.Integer(
        string="Alert only above (customers per day)",
        config_parameter="retail_crm_privacy.alert_minimum",
        default=50,
    )
    privacy_collect_birthday = fields.Boolean(string="Collect birthday")
    privacy_collect_address = fields.Boolean(string="Collect address")
    privacy_collect_vat = fields.Boolean(string="Collect tax / ID number")
    privacy_collect_phone = fields.Boolean(string="Collect landline phone")
    privacy_collect_email = fields.Boolean(string="Collect e-mail")
    privacy_encrypted_field_ids = fields.Many2many(
        "ir.model.fields",
        string="Encrypted customer fields",
        domain=lambda self: [
            ("model", "=", "res.partner"),
            ("name", "in", self.env["res.partner"]._privacy_encryptable_fields()),
        ],
        help="Stored encrypted in the database, active only when the server option "
        "retail_crm_privacy_encryption_key is set. Exact search keeps working; partial "
        "search, sorting and grouping on these fields do not. E-mail, mobile, phone, tax "
        "number and name cannot be encrypted: Odoo keeps clear copies derived from them.",
    )
    pos_privacy_consent_step = fields.Boolean(related="pos_config_id.privacy_consent_step", readonly=False)

    _COLLECT = ("birthday", "address", "vat", "phone", "email")

    @api.constrains("privacy_retention_days", "privacy_retention_points_threshold")
    def _check_privacy_retention(self):
        for settings in self:
            if settings.privacy_retention_days < 0 or settings.privacy_retention_points_threshold < 0:
                raise ValidationError(
                    self.env._("The inactivity period and the loyalty points threshold cannot be negative.")
                )

    @api.model
    def get_values(self):
        res = super().get_values()
        icp = self.env["ir.config_parameter"].sudo()
        for category in self._COLLECT:
            res[f"privacy_collect_{category}"] = (
                icp.get_param(f"retail_crm_privacy.collect_{category}", "True") != "False"
            )
        chosen = self.env["res.partner"]._privacy_chosen_encrypted_fields()
        res["privacy_encrypted_field_ids"] = [
            Command.set(
                self.env["ir.model.fields"]
                .search([("model", "=", "res.partner"), ("name", "in", chosen)])
                .ids
            )
        ]
        return res

    @api.constrains("privacy_encrypted_field_ids")
    def _check_privacy_encrypted_fields(self):
        allowed = set(self.env["res.partner"]._privacy_encryptable_fields())
        reasons = refused_reasons(self.env)
        for settings in self:
            wrong = settings.privacy_encrypted_field_ids.filtered(
                lambda f: f.model != "res.partner" or f.name not in allowed
            )
            if wrong:
                unknown = self.env._("not a customer field that can be encrypted")
                details = "; ".join(
                    f"{field.field_description} ({reasons.get(field.name, unknown)})" for field in wrong
                )
                raise ValidationError(
                    self.env._("These fields cannot be encrypted: %(fields)s", fields=details)
                )

    def set_values(self):
        res = super().set_values()
        icp = self.env["ir.config_parameter"].sudo()
        for category in self._COLLECT:
            icp.set_param(
                f"retail_crm_privacy.collect_{category}",
                "True" if self[f"privacy_collect_{category}"] else "False",
            )
        icp.set_param(
            "retail_crm_privacy.encrypted_fields",
            ",".join(sorted(self.privacy_encrypted_field_ids.mapped("name"))),
        )
        return res

    def action_privacy_encrypt_existing(self):
        self.execute()
        self.env["res.partner"]._privacy_encrypt_existing()

    def action_privacy_retention_preview(self):
        self.execute()
        return self.env["res.partner"].action_privacy_retention_preview()
