"""Predicted value on margin: the customers' margin shares, kept per company between runs.

The shares come from every costed POS line of the customer, a join of the
order lines with their orders (the largest table of the database). A run
that refits the models sums the lines of the orders dated before the day
before its own (sessions closed: costs known) and keeps these sums in
``retail_crm_rfm_margin`` (exact numerics; an unlogged cache: lost on a
crash, then computed again); every run adds the lines of the orders dated
since then or created since (a few days of orders, read by date), so a
nightly run reads the lines of the last days, not of all.
"""

import io
from datetime import datetime, timedelta

import numpy as np
import pytz

from odoo import fields, models
from odoo.tools import SQL

from ..tools.paid_states import PAID_STATES
from .rfm_run_aggregate import AGGREGATE_WORK_MEM, company_currency_sql, parse_binary_float8
from .rfm_run_summary import id_watermark


def _utc(tz, day):
    local = pytz.timezone(tz or "UTC").localize(datetime.combine(day, datetime.min.time()))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


def _copy_float8(cr, query, columns):
    """The rows of ``query`` (every column a non-NULL float8) by binary COPY, as a float array."""
    buffer = io.BytesIO()
    cr.copy_expert(
        cr._format(
            SQL(
                "COPY (SELECT %s FROM (%s) AS q) TO STDOUT WITH (FORMAT binary)",
                SQL(", ").join(SQL("q.%s::float8", SQL.identifier(f"c{i}")) for i in range(columns)),
                SQL(
                    "SELECT * FROM (%s) AS r(%s)",
                    query,
                    SQL(", ").join(SQL.identifier(f"c{i}") for i in range(columns)),
                ),
            )
        ),
        buffer,
    )
    return parse_binary_float8(buffer.getbuffer(), columns)


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

    def init(self):
        res = super().init()
        # a cache of the margin sums per customer, and per company the day
        # and time zone it holds the orders up to (see the module docstring)
        # the sums were float8 before: a cache, so dropped and computed again
        self.env.cr.execute(
            SQL(
                "SELECT data_type FROM information_schema.columns"
                " WHERE table_name = 'retail_crm_rfm_margin' AND column_name = 'margin'"
            )
        )
        row = self.env.cr.fetchone()
        if row and row[0] != "numeric":
            self.env.cr.execute(SQL("DROP TABLE retail_crm_rfm_margin, retail_crm_rfm_margin_stamp"))
        self.env.cr.execute(
            SQL(
                """
            CREATE UNLOGGED TABLE IF NOT EXISTS retail_crm_rfm_margin (
                company_id integer NOT NULL,
                partner_id integer NOT NULL,
                margin numeric NOT NULL,
                sales numeric NOT NULL,
                PRIMARY KEY (company_id, partner_id)
            );
            CREATE UNLOGGED TABLE IF NOT EXISTS retail_crm_rfm_margin_stamp (
                company_id integer PRIMARY KEY,
                through date NOT NULL,
                tz varchar NOT NULL,
                max_order_id integer NOT NULL
            )
            """
            )
        )
        return res

    def _margin_lines_sql(self, condition):
        """partner, margin, sales incl. taxes of each costed line of the company's
        counted orders that meet ``condition`` (on the orders ``o``)."""
        end = _utc(self.tz, self.run_date + timedelta(days=1))
        return SQL(
            """
            SELECT o.partner_id,
                   %(subtotal)s - l.total_cost AS margin,
                   %(subtotal_incl)s AS sales
              FROM pos_order_line l
              JOIN pos_order o ON o.id = l.order_id
             WHERE o.company_id = %(company)s AND o.partner_id IS NOT NULL
               AND o.state IN %(states)s AND o.date_order < %(end)s
               AND l.is_total_cost_computed AND (%(condition)s)
            """,
            company=self.company_id.id,
            states=PAID_STATES,
            end=end,
            condition=condition,
            subtotal=company_currency_sql(SQL("l.price_subtotal"), "o"),
            subtotal_incl=company_currency_sql(SQL("l.price_subtotal_incl"), "o"),
        )

    def _margin_sums_sql(self):
        """partner, margin, sales incl. taxes per customer of every costed line (exact numeric sums)."""
        return SQL(
            "SELECT partner_id, sum(margin), sum(sales) FROM (%s) AS lines GROUP BY partner_id",
            self._margin_lines_sql(SQL("TRUE")),
        )

    def _margin_stamp(self):
        """(UTC time, last order id) up to which the cache holds the company's
        orders; None: compute the cache again.

        Computed again by a run that refits (and when the cache was computed
        for another time zone, for a later day, or before the run's fit).
        """
        if not self.model_fit_date or self.model_fit_date >= self.run_date:
            return None
        self.env.cr.execute(
            SQL(
                "SELECT through, tz, max_order_id FROM retail_crm_rfm_margin_stamp WHERE company_id = %s",
                self.company_id.id,
            )
        )
        row = self.env.cr.fetchone()
        if not row or row[1] != (self.tz or "UTC") or row[0] > self.run_date or row[0] < self.model_fit_date:
            return None
        return _utc(self.tz, row[0] - timedelta(days=1)), row[2]

    def _margin_rows(self):
        """(partner, margin, sales) rows of the company's customers with costed lines, float array."""
        cr = self.env.cr
        company = self.company_id.id
        stamp = self._margin_stamp()
        # the join of the costed lines with their orders: in memory, not in
        # temporary files (the aggregate's setting, this statement only)
        cr.execute(SQL("SET LOCAL work_mem = %s", AGGREGATE_WORK_MEM))
        if stamp is None:
            # the orders up to an id below which every transaction has ended
            max_order_id = id_watermark(cr, "pos_order")
            # the orders dated before the day before the run's: their sessions
            # are closed, their costs known (a parallel plan over every line)
            stamp = (_utc(self.tz, self.run_date - timedelta(days=1)), max_order_id)
            cr.execute(SQL("DELETE FROM retail_crm_rfm_margin WHERE company_id = %s", company))
            # read by binary COPY (a parallel plan, which an INSERT ... SELECT
            # may not use), exact numerics copied into the cache as they are
            buffer = io.BytesIO()
            cr.copy_expert(
                cr._format(
                    SQL(
                        """
                COPY (SELECT %s::int, partner_id, sum(margin)::numeric, sum(sales)::numeric
                        FROM (%s) AS lines GROUP BY partner_id) TO STDOUT WITH (FORMAT binary)
                """,
                        company,
                        self._margin_lines_sql(SQL("o.date_order < %s AND o.id <= %s", *stamp)),
                    )
                ),
                buffer,
            )
            buffer.seek(0)
            cr.copy_expert(
                "COPY retail_crm_rfm_margin (company_id, partner_id, margin, sales) FROM STDIN WITH (FORMAT binary)",
                buffer,
            )
            cr.execute(
                SQL(
                    """
                INSERT INTO retail_crm_rfm_margin_stamp (company_id, through, tz, max_order_id)
                VALUES (%s, %s, %s, %s)
                ON CONFLICT (company_id) DO UPDATE
                   SET through = EXCLUDED.through, tz = EXCLUDED.tz, max_order_id = EXCLUDED.max_order_id
                """,
                    company,
                    self.run_date,
                    self.tz or "UTC",
                    max_order_id,
                )
            )
        # the cached sums plus the lines of the orders dated since or created
        # since (two index scans of the orders, their lines by order)
        rows = _copy_float8(
            cr,
            SQL(
                """
            SELECT partner_id::float8, sum(margin)::float8, sum(sales)::float8
              FROM (SELECT partner_id, margin, sales FROM retail_crm_rfm_margin WHERE company_id = %s
                    UNION ALL
                    %s) AS parts
             GROUP BY partner_id
            """,
                company,
                self._margin_lines_sql(SQL("o.date_order >= %s OR o.id > %s", *stamp)),
            ),
            3,
        )
        cr.execute(SQL("RESET work_mem"))
        return rows

    def _margin_shares(self, partner_ids):
        """Margin / sales (incl. taxes) per customer from costed POS lines (NaN: none known).

        Returns (shares, company share); the company share is NaN when no
        line of the company has a computed cost.
        """
        self.env["pos.order"].flush_model(
            ["partner_id", "state", "date_order", "currency_rate", "company_id"]
        )
        self.env["pos.order.line"].flush_model(
            ["order_id", "price_subtotal", "price_subtotal_incl", "total_cost", "is_total_cost_computed"]
        )
        rows = self._margin_rows()
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
