from odoo import models


class MergePartnerAutomatic(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        # the merge moves the orders by SQL: both customers' stored RFM rows
        # are recomputed by the next run
        partners = self.env["res.partner"].browse(partner_ids)
        ids = set(partners.ids) | ({dst_partner.id} if dst_partner else set())
        res = super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        self.env["pos.order"]._rfm_note_changed(ids)
        # the merged customer's replenishment forecasts from the orders of
        # all of them (the merged-away customers have none left): the daily
        # pass looks for orders written since the last pass, and SQL leaves
        # their write date as it was
        self.env["retail.crm.replenishment"]._replenishment_recompute_customers(sorted(ids))
        return res
