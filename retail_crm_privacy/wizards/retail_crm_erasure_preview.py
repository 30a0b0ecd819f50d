from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.privacy_erasure import PrivacyErasure

ACTIONS = [
    ("delete", "Deleted"),
    ("scrub", "Personal text replaced"),
    ("clear", "Cleared"),
    ("detach", "Unlinked from a deleted message"),
    ("replace", "Replaced by a pseudonym"),
    ("archive", "Archived"),
    ("end_membership", "Membership ended (recorded in the tier history)"),
    ("keep", "Kept, linked to the anonymised contact"),
]


class RetailCrmErasurePreview(models.TransientModel):
    _name = "retail.crm.erasure.preview"
    _description = "Erasure Preview"

    request_id = fields.Many2one("retail.crm.privacy.request", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="request_id.partner_id")
    line_ids = fields.One2many("retail.crm.erasure.preview.line", "preview_id", readonly=True)
    confirmed = fields.Boolean(string="I checked the preview", help="Erasure cannot be undone.")

    @api.model
    def _line_vals(self, lines):
        """Preview lines with model and field labels in the user's language."""
        lang = self.env.lang or self.env.user.lang
        IrModel = self.env["ir.model"].sudo().with_context(lang=lang)
        IrFields = self.env["ir.model.fields"].sudo().with_context(lang=lang)
        vals_list = []
        for model_name, field, action, count in lines:
            model_label = IrModel._get(model_name).name or model_name
            field_label = ""
            if field:
                field_label = IrFields._get(model_name, field).field_description or field
            vals_list.append(
                {
                    "model": model_name,
                    "model_label": model_label,
                    "field": field,
                    "field_label": field_label,
                    "record_count": count,
                    "action": action,
                }
            )
        return vals_list

    def _build_lines(self):
        self.ensure_one()
        Erasure = PrivacyErasure(self.env)
        lines = Erasure._plan_lines(Erasure._plan(self.request_id.partner_id))
        self.line_ids = [(5, 0, 0)] + [(0, 0, vals) for vals in self._line_vals(lines)]

    def _previewed_lines(self):
        return [[line.model, line.field or "", line.action, line.record_count] for line in self.line_ids]

    def action_erase(self):
        self.ensure_one()
        self.request_id._check_privacy_officer()
        if not self.confirmed:
            raise UserError(self.env._("Tick the confirmation after checking the preview."))
        if self.request_id.state in ("done", "rejected"):
            raise UserError(self.env._("This request is already closed."))
        log = PrivacyErasure(self.env)._erase(
            self.request_id.partner_id, request=self.request_id, expected_lines=self._previewed_lines()
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "retail.crm.erasure.log",
            "res_id": log.id,
            "view_mode": "form",
        }


class RetailCrmErasurePreviewLine(models.TransientModel):
    _name = "retail.crm.erasure.preview.line"
    _description = "Erasure Preview Line"
    _order = "id"

    preview_id = fields.Many2one("retail.crm.erasure.preview", required=True, ondelete="cascade")
    model = fields.Char(string="Technical model", readonly=True)
    model_label = fields.Char(string="Data", readonly=True)
    field = fields.Char(string="Technical field", readonly=True)
    field_label = fields.Char(string="Field", readonly=True)
    record_count = fields.Integer(string="Records", readonly=True)
    action = fields.Selection(selection=ACTIONS, readonly=True)
