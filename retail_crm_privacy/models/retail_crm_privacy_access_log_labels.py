from odoo import api, fields, models


class RetailCrmPrivacyAccessLog(models.Model):
    _inherit = "retail.crm.privacy.access.log"

    field_labels = fields.Char(
        string="Data Read",
        compute="_compute_field_labels",
        help="The customer fields that were read, by their name on the screen.",
    )

    @api.depends("field_names")
    @api.depends_context("lang")
    def _compute_field_labels(self):
        partner_fields = self.env["res.partner"]._fields
        labels = {}
        separator = "、" if (self.env.lang or "").startswith("zh") else ", "
        for log in self:
            names = [name for name in (log.field_names or "").split(",") if name]
            for name in names:
                if name not in labels:
                    field = partner_fields.get(name)
                    labels[name] = field._description_string(self.env) if field else name
            log.field_labels = separator.join(dict.fromkeys(labels[name] for name in names))
