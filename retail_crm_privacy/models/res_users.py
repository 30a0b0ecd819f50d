from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    privacy_access_log_count = fields.Integer(
        compute="_compute_privacy_access_log_count",
        groups="retail_crm_privacy.group_privacy_officer,base.group_system",
    )

    def _compute_privacy_access_log_count(self):
        groups = self.env["retail.crm.privacy.access.log"]._read_group(
            [("user_id", "in", self.ids)], ["user_id"], ["__count"]
        )
        counts = {user.id: count for user, count in groups}
        for user in self:
            user.privacy_access_log_count = counts.get(user.id, 0)
