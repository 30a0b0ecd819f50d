from odoo import fields, models


class PosConfig(models.Model):
    _inherit = "pos.config"

    privacy_consent_step = fields.Boolean(
        string="Ask consent after editing a customer",
        help="After a customer is created or edited at the till, show the "
        "consent step (marketing SMS, e-mail, ...).",
    )
