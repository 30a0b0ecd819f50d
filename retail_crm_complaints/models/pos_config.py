from odoo import fields, models


class PosConfig(models.Model):
    _inherit = "pos.config"

    retail_manager_id = fields.Many2one(
        "res.users",
        string="Store Manager",
        help="Receives the follow-up activities of the store's unhappy survey respondents.",
    )
