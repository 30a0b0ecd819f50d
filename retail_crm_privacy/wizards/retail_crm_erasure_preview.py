from odoo import _, fields, models
from odoo.exceptions import UserError


class RetailCrmErasurePreview(models.TransientModel):
    _name = "retail.crm.erasure.preview"
    _description = "Erasure Preview"

    request_id = fields.Many2one("retail.crm.privacy.request", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="request_id.partner_id")
    line_ids = fields.One2many("retail.crm.erasure.preview.line", "preview_id", readonly=True)
    confirmed = fields.Boolean(string="I checked the preview", help="Erasure cannot be undone.")

    def _build_lines(self):
        self.ensure_one()
        plan = self.request_id.partner_id._privacy_erasure_plan()
        self.line_ids = [(5, 0, 0)] + [
            (
                0,
                0,
                {
                    "model": line["model"],
                    "field": line["field"] or "",
                    "record_count": line["count"],
                    "action": line["action"],
                },
            )
            for line in plan
        ]

    def action_erase(self):
        self.ensure_one()
        if not self.confirmed:
            raise UserError(_("Tick the confirmation after checking the preview."))
        if self.request_id.state in ("done", "rejected"):
            raise UserError(_("This request is already closed."))
        log = self.request_id.partner_id._privacy_erase(request=self.request_id)
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
    model = fields.Char(string="Model / table", readonly=True)
    field = fields.Char(readonly=True)
    record_count = fields.Integer(string="Records", readonly=True)
    action = fields.Selection(
        selection=[
            ("clear", "Cleared"),
            ("replace", "Replaced by a pseudonym"),
            ("delete", "Deleted"),
            ("archive", "Archived"),
            ("keep", "Kept, linked to the anonymised contact"),
            ("sweep", "Personal text replaced"),
        ],
        readonly=True,
    )
