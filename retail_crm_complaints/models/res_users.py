from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    complaint_pos_config_ids = fields.Many2many(
        "pos.config",
        "retail_crm_complaint_user_pos_config_rel",
        "user_id",
        "config_id",
        string="Complaint Stores",
        help="Stores (points of sale) whose complaints this user may see as a POS user.",
    )
