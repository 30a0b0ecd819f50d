from odoo import api, fields, models
from odoo.exceptions import UserError


class RetailCrmConsentRecord(models.TransientModel):
    _name = "retail.crm.consent.record"
    _description = "Record Customer Consent"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    purpose_ids = fields.Many2many("retail.crm.consent.purpose", string="Purposes", required=True)
    state = fields.Selection(
        selection=[("granted", "Granted"), ("withdrawn", "Withdrawn")],
        required=True,
        default="granted",
    )
    channel = fields.Selection(
        selection=lambda self: (
            self.env["retail.crm.consent"]._fields["channel"]._description_selection(self.env)
        ),
        required=True,
        default="in_person",
    )
    source = fields.Selection(
        selection=lambda self: (
            self.env["retail.crm.consent"]._fields["source"]._description_selection(self.env)
        ),
        required=True,
        default="backend",
    )
    policy_version = fields.Char(
        default=lambda self: self.env["retail.crm.consent"]._default_policy_version()
    )
    note = fields.Char()
    needs_guardian = fields.Boolean(string="Guardian needed", compute="_compute_needs_guardian")
    guardian_name = fields.Char(string="Guardian")
    guardian_relation = fields.Selection(
        selection=lambda self: (
            self.env["retail.crm.consent"]._fields["guardian_relation"]._description_selection(self.env)
        ),
        string="Relation to the child",
    )

    @api.depends("purpose_ids")
    def _compute_needs_guardian(self):
        for wizard in self:
            wizard.needs_guardian = "guardian" in wizard.purpose_ids.mapped("code")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") == "res.partner" and "partner_ids" in fields_list:
            res["partner_ids"] = [(6, 0, self.env.context.get("active_ids", []))]
        return res

    def action_confirm(self):
        self.ensure_one()
        if not self.partner_ids or not self.purpose_ids:
            raise UserError(self.env._("Choose at least one customer and one purpose."))
        consents = self.env["retail.crm.consent"]._record(
            self.partner_ids,
            self.purpose_ids,
            self.state,
            source=self.source,
            channel=self.channel,
            policy_version=self.policy_version,
            note=self.note,
            guardian_name=self.guardian_name,
            guardian_relation=self.guardian_relation,
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._("%(count)s consent records created.", count=len(consents)),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
