from odoo import models
from odoo.tools import SQL

from ..tools.paid_states import PAID_STATES
from .rfm_run_summary import SUMMARY_SEEN_KEY

# what an order contributes to its customer's RFM summary (``_aggregate_query``)
RFM_ORDER_FIELDS = frozenset(
    ("partner_id", "state", "date_order", "amount_total", "currency_rate", "company_id")
)


class PosOrder(models.Model):
    _inherit = "pos.order"

    def write(self, vals):
        if not RFM_ORDER_FIELDS.intersection(vals):
            return super().write(vals)
        # orders a run may have stored: those of earlier transactions, and those
        # a run of this transaction read (its last order id, kept on the cursor);
        # their customers' stored RFM rows are recomputed by the next run. The
        # till's new orders are found by their id: no query on its path
        now = self.env.cr.now()
        seen = self.env.cr.cache.get(SUMMARY_SEEN_KEY, 0)
        earlier = self.filtered(
            lambda order: (order.create_date and order.create_date < now) or order.id <= seen
        )
        if vals.keys() == {"state"} and vals["state"] in PAID_STATES:
            # paid -> done (a session closing) changes nothing the run counts
            earlier = earlier.filtered(lambda order: order.state not in PAID_STATES)
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
