from odoo import fields, models


class RetailCrmConsentPurpose(models.Model):
    _name = "retail.crm.consent.purpose"
    _description = "Consent Purpose"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Technical code, unique.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    blacklist = fields.Selection(
        selection=[
            ("none", "None"),
            ("mail", "E-mail blacklist"),
            ("phone", "Phone blacklist"),
        ],
        default="none",
        required=True,
        help="Which Odoo opt-out list a withdrawal of this consent feeds: "
        "withdrawing adds the customer's address or number to it, granting "
        "removes it, so every mailing and SMS in Odoo respects it.",
    )
    default_channel = fields.Selection(selection="_selection_channel", default="in_person", required=True)
    marketing_channel = fields.Selection(
        selection=[("email", "E-mail"), ("sms", "SMS"), ("wechat", "WeChat")],
        help="Marketing is opt-in: care and campaign messages on this channel go only to "
        "customers whose consent for this purpose is granted. Leave empty for purposes "
        "that are not about sending marketing.",
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a consent purpose must be unique."),
    ]

    def _selection_channel(self):
        return self.env["retail.crm.consent"]._fields["channel"]._description_selection(self.env)
