from datetime import datetime, timedelta

import numpy as np
import pytz

from odoo import fields, models
from odoo.tools import SQL

from ..tools.paid_states import PAID_STATES
from .rfm_run_aggregate import AGGREGATE_WORK_MEM


class RetailCrmRfmRun(models.Model):
    """Predicted value on margin where the product cost of the sold lines is known."""

    _inherit = "retail.crm.rfm.run"

    ltv_basis = fields.Selection(
        [("margin", "Margin"), ("revenue", "Revenue")],
        string="Predicted Value Basis",
        readonly=True,
        help="Margin: the customer's share of margin in the net sales of order lines whose cost is "
        "known (else the company's share) applied to the predicted revenue. Revenue: no sold line "
        "of the company has a known cost.",
    )
    margin_share = fields.Float(
        string="Company Margin Share", digits=(16, 4), readonly=True, help="Margin / sales incl. taxes."
    )

    def _margin_shares(self, partner_ids):
        """Margin / sales (incl. taxes) per customer from costed POS lines (NaN: none known).

        Returns (shares, company share); the company share is NaN when no
        line of the company has a computed cost.
        """
        tz = pytz.timezone(self.tz or "UTC")
        end = tz.localize(datetime.combine(self.run_date + timedelta(days=1), datetime.min.time()))
        self.env["pos.order.line"].flush_model(
            ["order_id", "price_subtotal", "price_subtotal_incl", "total_cost", "is_total_cost_computed"]
        )
        # the join of every costed line with its order: in memory, not in
        # temporary files (the aggregate's setting, this statement only)
        self.env.cr.execute(SQL("SET LOCAL work_mem = %s", AGGREGATE_WORK_MEM))
        self.env.cr.execute(
            SQL(
                """
            SELECT o.partner_id,
                   sum(l.price_subtotal / COALESCE(NULLIF(o.currency_rate, 0), 1) - l.total_cost),
                   sum(l.price_subtotal_incl / COALESCE(NULLIF(o.currency_rate, 0), 1))
              FROM pos_order_line l
              JOIN pos_order o ON o.id = l.order_id
             WHERE o.company_id = %(company)s AND o.partner_id IS NOT NULL
               AND o.state IN %(states)s AND o.date_order < %(end)s
               AND l.is_total_cost_computed
             GROUP BY o.partner_id
            """,
                company=self.company_id.id,
                states=PAID_STATES,
                end=end.astimezone(pytz.utc).replace(tzinfo=None),
            )
        )
        rows = np.array(self.env.cr.fetchall(), dtype=float).reshape(-1, 3)
        self.env.cr.execute(SQL("RESET work_mem"))
        if not rows.size or rows[:, 2].sum() <= 0:
            return np.full(len(partner_ids), np.nan), float("nan")
        company = float(rows[:, 1].sum() / rows[:, 2].sum())
        known = rows[rows[:, 2] > 0]
        known = known[np.argsort(known[:, 0])]
        partner_ids = np.asarray(partner_ids, dtype=float)
        index = np.clip(np.searchsorted(known[:, 0], partner_ids), 0, max(len(known) - 1, 0))
        found = known[index, 0] == partner_ids if len(known) else np.zeros(len(partner_ids), dtype=bool)
        shares = np.where(found, known[index, 1] / np.where(found, known[index, 2], 1), company)
        return np.clip(shares, -1.0, 1.0), company

    def _value_basis(self, partner_ids, ltv):
        """The predicted revenue turned into margin where costs are known."""
        shares, company = self._margin_shares(partner_ids)
        if np.isnan(company):
            self.write({"ltv_basis": "revenue", "margin_share": 0.0})
            return ltv
        self.write({"ltv_basis": "margin", "margin_share": company})
        return ltv * shares
