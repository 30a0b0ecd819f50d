from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    complaint_ids = fields.One2many("retail.crm.complaint", "partner_id")
    complaint_count = fields.Integer(
        compute="_compute_complaint_count",
        groups="point_of_sale.group_pos_user,base.group_system",
    )

    def _compute_complaint_count(self):
        data = dict(
            self.env["retail.crm.complaint"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.complaint_count = data.get(partner, 0)

    def action_view_complaints(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_crm_complaints.retail_crm_complaint_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
