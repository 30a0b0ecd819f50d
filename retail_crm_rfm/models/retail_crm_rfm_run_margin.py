"""Predicted value on margin: the customers' margin shares, kept per company between runs.

The shares come from every costed POS line of the customer, a join of the
order lines with their orders (the largest table of the database). A run
that refits the models computes them all and keeps them in
``retail_crm_rfm_margin`` (an unlogged cache: lost on a crash, then computed
again); a run that reuses the last fit (``model_refit_days``) recomputes only
the customers with an order since the day before the cache's date, so a
nightly run reads the lines of a day's customers, not of all.
"""

import io
from datetime import datetime, timedelta

import numpy as np
import pytz

from odoo import fields, models
from odoo.tools import SQL

from ..tools.paid_states import PAID_STATES
from .rfm_run_aggregate import AGGREGATE_WORK_MEM, COPY_SIGNATURE, parse_binary_float8


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


def _copy_margin_rows(cr, company, rows):
    """Store (partner, margin, sales) rows in the cache by one binary COPY."""
    data = np.zeros(
        len(rows),
        dtype=[
            ("count", ">i2"),
            ("len0", ">i4"),
            ("company", ">i4"),
            ("len1", ">i4"),
            ("partner", ">i4"),
            ("len2", ">i4"),
            ("margin", ">f8"),
            ("len3", ">i4"),
            ("sales", ">f8"),
        ],
    )
    data["count"] = 4
    data["len0"] = data["len1"] = 4
    data["len2"] = data["len3"] = 8
    data["company"] = company
    data["partner"] = rows[:, 0].astype(np.int64)
    data["margin"] = rows[:, 1]
    data["sales"] = rows[:, 2]
    payload = COPY_SIGNATURE + bytes(8) + data.tobytes() + (-1).to_bytes(2, "big", signed=True)
    cr.copy_expert(
        "COPY retail_crm_rfm_margin (company_id, partner_id, margin, sales) FROM STDIN WITH (FORMAT binary)",
        io.BytesIO(payload),
    )


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
        self.env.cr.execute(
            SQL(
                """
            CREATE UNLOGGED TABLE IF NOT EXISTS retail_crm_rfm_margin (
                company_id integer NOT NULL,
                partner_id integer NOT NULL,
                margin float8 NOT NULL,
                sales float8 NOT NULL,
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

    def _margin_sums_sql(self, partners=None):
        """partner, margin, sales incl. taxes per customer of the costed lines (``partners``: a subquery).

        Exact numeric sums, given as float8 (correctly rounded, like Python's ``float(Decimal)``).
        """
        end = _utc(self.tz, self.run_date + timedelta(days=1))
        return SQL(
            """
            SELECT o.partner_id,
                   sum(l.price_subtotal / COALESCE(NULLIF(o.currency_rate, 0), 1) - l.total_cost)::float8,
                   sum(l.price_subtotal_incl / COALESCE(NULLIF(o.currency_rate, 0), 1))::float8
              FROM pos_order_line l
              JOIN pos_order o ON o.id = l.order_id
             WHERE o.company_id = %(company)s AND o.partner_id IS NOT NULL
               AND o.state IN %(states)s AND o.date_order < %(end)s
               AND l.is_total_cost_computed %(partners)s
             GROUP BY o.partner_id
            """,
            company=self.company_id.id,
            states=PAID_STATES,
            end=end,
            partners=SQL("AND o.partner_id IN (%s)", partners) if partners else SQL(),
        )

    def _margin_incremental_since(self):
        """(UTC start, last order id) of the orders whose customers the cache must
        recompute: those dated from then or created after that order; None: recompute all.

        Incremental only when this run reuses an earlier fit and the cache
        holds the orders up to a day not after the run's, in its time zone.
        The day before the cache's day is recomputed too: lines whose cost
        was computed when their session closed after the last run.
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
        since = self._margin_incremental_since()
        cr.execute(SQL("SELECT COALESCE(max(id), 0) FROM pos_order"))
        max_order_id = cr.fetchone()[0]
        # the join of the costed lines with their orders: in memory, not in
        # temporary files (the aggregate's setting, this statement only)
        cr.execute(SQL("SET LOCAL work_mem = %s", AGGREGATE_WORK_MEM))
        if since is None:
            # every customer, read straight from the lines (a parallel plan),
            # then kept for the runs that reuse this fit
            rows = _copy_float8(cr, self._margin_sums_sql(), 3)
            cr.execute(SQL("DELETE FROM retail_crm_rfm_margin WHERE company_id = %s", company))
            if self.model_refit_days > 0:
                _copy_margin_rows(cr, company, rows)
        else:
            # customers with an order since then or a new order (any state, any
            # date: a superset is harmless); two index scans, kept in a table
            # with statistics so that their lines are read by index, not by
            # a scan of every line
            cr.execute(
                SQL(
                    "CREATE TEMPORARY TABLE IF NOT EXISTS retail_crm_rfm_margin_changed"
                    " (partner_id integer PRIMARY KEY) ON COMMIT DROP"
                )
            )
            cr.execute(SQL("TRUNCATE retail_crm_rfm_margin_changed"))
            cr.execute(
                SQL(
                    "INSERT INTO retail_crm_rfm_margin_changed"
                    " SELECT DISTINCT partner_id FROM pos_order WHERE company_id = %s AND partner_id IS NOT NULL"
                    " AND (date_order >= %s OR id > %s)",
                    company,
                    since[0],
                    since[1],
                )
            )
            cr.execute(SQL("ANALYZE retail_crm_rfm_margin_changed"))
            changed = SQL("SELECT partner_id FROM retail_crm_rfm_margin_changed")
            cr.execute(
                SQL(
                    "DELETE FROM retail_crm_rfm_margin WHERE company_id = %s AND partner_id IN (%s)",
                    company,
                    changed,
                )
            )
            cr.execute(
                SQL(
                    "INSERT INTO retail_crm_rfm_margin SELECT %s, * FROM (%s) AS fresh",
                    company,
                    self._margin_sums_sql(changed),
                )
            )
            rows = _copy_float8(
                cr,
                SQL(
                    "SELECT partner_id::float8, margin, sales FROM retail_crm_rfm_margin WHERE company_id = %s",
                    company,
                ),
                3,
            )
        cr.execute(SQL("RESET work_mem"))
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
