from odoo import fields, models


class RetailCrmRfmSegmentAction(models.TransientModel):
    """R7 + R8: a mailing that gives each customer of the segment their own top
    recommendations (the current cross-sell rules). The targets are the
    segment action's: not blacklisted, not refusing profiling, with a live
    marketing consent when the privacy addon records consent."""

    _inherit = "retail.crm.rfm.segment.action"  # pylint: disable=consider-merging-classes-inherited

    action_type = fields.Selection(
        selection_add=[("recommendation", "Mail each customer their recommendations")],
        ondelete={"recommendation": "cascade"},
    )
    mailing_subject = fields.Char()

    def _apply_recommendation(self, targets):
        mailing = targets.with_company(self.env.company)._rfm_recommendation_mailing(self.mailing_subject)
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.mailing",
            "res_id": mailing.id,
            "view_mode": "form",
            "target": "current",
        }
