from odoo import models
from odoo.tools import SQL

# what an order contributes to its customer's RFM summary (``_aggregate_query``)
RFM_ORDER_FIELDS = frozenset(
    ("partner_id", "state", "date_order", "amount_total", "currency_rate", "company_id")
)


class PosOrder(models.Model):
    _inherit = "pos.order"

    def write(self, vals):
        if not RFM_ORDER_FIELDS.intersection(vals):
            return super().write(vals)
        # orders of earlier transactions: their customers' stored RFM rows are
        # recomputed by the next run (orders created in this transaction are
        # new ones, which the run finds by their id; no query on the till's path)
        now = self.env.cr.now()
        earlier = self.filtered(lambda order: order.create_date and order.create_date < now)
        before = set(earlier.partner_id.ids)
        res = super().write(vals)
        earlier._rfm_note_changed(before | set(earlier.partner_id.ids))
        return res

    def _rfm_note_changed(self, partner_ids):
        """Note customers whose stored RFM rows (``retail_crm_rfm_summary``) are out of date."""
        if partner_ids:
            self.env.cr.execute(
                SQL(
                    "INSERT INTO retail_crm_rfm_dirty (partner_id) SELECT unnest(%s::int[])",
                    sorted(partner_ids),
                )
            )
