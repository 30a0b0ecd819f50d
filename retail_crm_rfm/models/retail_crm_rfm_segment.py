from odoo import api, fields, models

from .res_partner import SEGMENT_SELECTION


class RetailCrmRfmSegment(models.Model):
    _name = "retail.crm.rfm.segment"
    _description = "RFM Segment"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(
        selection=SEGMENT_SELECTION,
        required=True,
        help="High (H) or low (L) Recency, Frequency and Monetary scores, in that order.",
    )
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    active = fields.Boolean(default=True)
    playbook = fields.Html(translate=True, help="What staff and marketing do for this segment.")
    recommended_action = fields.Selection(
        selection=[
            ("mailing", "Mailing list"),
            ("activity", "Salesperson activities"),
            ("coupon", "Coupons"),
        ],
        default="mailing",
    )
    partner_count = fields.Integer(compute="_compute_partner_count", string="Customers")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Each high/low combination has exactly one segment."),
    ]

    @api.depends_context("company")
    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("rfm_segment_id", "in", self.ids)], ["rfm_segment_id"], ["__count"]
            )
        )
        for segment in self:
            segment.partner_count = counts.get(segment, 0)

    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("retail_crm_rfm.res_partner_action_rfm")
        action["domain"] = [("rfm_segment_id", "=", self.id)]
        action["context"] = {"search_default_group_segment": 0}
        return action

    def action_segment_action(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_crm_rfm.retail_crm_rfm_segment_action_action"
        )
        action["context"] = {
            "default_segment_ids": self.ids,
            "default_action_type": self[:1].recommended_action or "mailing",
        }
        return action
