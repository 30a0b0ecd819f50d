"""Replenishment forecast (R9, issue 16 item 3): per customer and product (or
product category) with at least three purchase days, the typical interval
between purchases and the next expected purchase day.

Definitions (those of the RFM run, ``retail_crm_rfm_run._aggregate_query``):
paid POS orders (``paid``/``done``/``invoiced``) of the company with a
customer, local purchase days in the company's time zone; a refund line
(``refunded_orderline_id``) is netted into the line it refunds, whatever day
it was rung up, so a fully refunded purchase does not count.  A purchase day
of an item is a day whose net quantity of that item is positive.

The interval is the median (``percentile_cont(0.5)``) of the differences in
days between consecutive purchase days (``lag()``); the next expected day is
the last purchase day plus the rounded median.

The table is refreshed set-based: the forecasts of every customer of the
pass are computed once into a session temporary table, then each chunk of
customers is applied (delete what no longer qualifies, upsert the rest) and
committed by the scheduled action.  A full pass covers every customer: its
order lines are read once by binary COPY and the purchase days, gaps and
medians computed on arrays (``tools/purchase_days.py``); later passes only
the customers with orders written since the previous pass, in one SQL
statement that reads their orders through the ``partner_id`` index.  The
pass position is kept on the company, so a killed pass resumes where it
stopped and a pass run twice gives the same rows.
"""

import io
import logging
import time
from datetime import date, datetime, timedelta

import numpy as np
import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import purchase_days
from ..tools.paid_states import PAID_STATES
from .retail_crm_replenishment_pass import ReplenishmentPass
from .rfm_run_aggregate import COPY_SIGNATURE, EPOCH, _local_day_sql

_logger = logging.getLogger(__name__)

MIN_PURCHASES = 3
# memory of the compute statement's sorts and hashes (SET LOCAL, reset after)
COMPUTE_WORK_MEM = "256MB"
# order ids per COPY of the full pass (bounds the memory of one read)
READ_ORDER_IDS = 1_000_000
# quantities read as integers of this fraction of a unit (exact sums)
QTY_UNIT = 1_000_000
PG_DATE_EPOCH = date(2000, 1, 1)


class RetailCrmReplenishment(ReplenishmentPass, models.Model):
    _name = "retail.crm.replenishment"
    _description = "Replenishment Forecast"
    _order = "expected_date, id"
    _rec_name = "partner_id"
    _log_access = False
    _auto = False

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade"
    )
    salesperson_id = fields.Many2one(
        "res.users", string="Salesperson (导购)", related="partner_id.user_id", readonly=True
    )
    level = fields.Selection(
        [("product", "Product"), ("category", "Product Category")], required=True, readonly=True
    )
    item_id = fields.Integer(
        string="Item Id", required=True, readonly=True, help="The product or the category (technical)."
    )
    product_id = fields.Many2one("product.product", readonly=True, ondelete="cascade")
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True, ondelete="cascade"
    )
    item_name = fields.Char(string="Item", compute="_compute_item_name")
    config_id = fields.Many2one(
        "pos.config",
        string="Store",
        readonly=True,
        index=True,
        ondelete="set null",
        help="The point of sale where the customer last bought the item.",
    )
    purchase_count = fields.Integer(string="Purchase Days", readonly=True, aggregator="avg")
    first_date = fields.Date(string="First Purchase", readonly=True)
    last_date = fields.Date(string="Last Purchase", readonly=True)
    interval_days = fields.Float(
        string="Typical Interval (days)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Median number of days between two purchase days.",
    )
    expected_date = fields.Date(string="Next Expected Purchase", readonly=True, index=True)
    reminded_date = fields.Date(
        string="Reminded for",
        readonly=True,
        help="The expected day of the cycle a reminder was created for: one reminder per cycle.",
    )
    reminded_on = fields.Date(string="Reminder Created On", readonly=True)

    def init(self):
        # the columns follow the fields above (the ORM creates none: _auto = False)
        self.env.cr.execute(
            SQL(
                """
            CREATE TABLE IF NOT EXISTS retail_crm_replenishment (
                id serial PRIMARY KEY,
                company_id integer NOT NULL,
                partner_id integer NOT NULL,
                level varchar NOT NULL,
                item_id integer NOT NULL,
                product_id integer,
                categ_id integer,
                config_id integer,
                purchase_count integer,
                first_date date,
                last_date date,
                interval_days numeric,
                expected_date date,
                reminded_date date,
                reminded_on date
            );
            -- one forecast per customer and item (the key of the pass's upsert);
            -- it also serves every search by company (its first column). Not the
            -- name of the ORM's constraint of earlier versions, which the
            -- upgrade drops once the module no longer declares it
            CREATE UNIQUE INDEX IF NOT EXISTS retail_crm_replenishment_partner_item_key
                ON retail_crm_replenishment (company_id, partner_id, level, item_id);
            CREATE INDEX IF NOT EXISTS retail_crm_replenishment__config_id_index
                ON retail_crm_replenishment (config_id);
            CREATE INDEX IF NOT EXISTS retail_crm_replenishment__expected_date_index
                ON retail_crm_replenishment (expected_date);
            -- tables created by earlier versions of the addon (by the ORM) had them
            DROP INDEX IF EXISTS retail_crm_replenishment__company_id_index;
            ALTER TABLE retail_crm_replenishment
                DROP CONSTRAINT IF EXISTS retail_crm_replenishment_company_id_fkey,
                DROP CONSTRAINT IF EXISTS retail_crm_replenishment_partner_id_fkey,
                DROP CONSTRAINT IF EXISTS retail_crm_replenishment_product_id_fkey,
                DROP CONSTRAINT IF EXISTS retail_crm_replenishment_categ_id_fkey,
                DROP CONSTRAINT IF EXISTS retail_crm_replenishment_config_id_fkey;
            """
            )
        )
        # their reflection, which the uninstall would try to drop again
        self.env.cr.execute(
            SQL(
                """
            DELETE FROM ir_model_constraint
             WHERE type = 'f' AND name IN %s
            """,
                tuple(
                    f"retail_crm_replenishment_{column}_fkey"
                    for column in ("company_id", "partner_id", "product_id", "categ_id", "config_id")
                ),
            )
        )

    @api.model
    def _forget(self, column, ids):
        """What the foreign keys' ``ON DELETE`` did (see the module docstring):
        delete the forecasts of deleted customers, products, categories or
        companies; a deleted point of sale (``config_id``) is only unset."""
        if not ids:
            return
        self.flush_model()
        if column == "config_id":
            query = SQL(
                "UPDATE retail_crm_replenishment SET config_id = NULL WHERE config_id = ANY(%s)", list(ids)
            )
        elif column == "partner_id":
            # by the unique index (company, customer, ...), not a scan of every forecast
            query = SQL(
                """DELETE FROM retail_crm_replenishment
                    WHERE company_id IN (SELECT id FROM res_company) AND partner_id = ANY(%s)""",
                list(ids),
            )
        else:
            query = SQL(
                "DELETE FROM retail_crm_replenishment WHERE %s = ANY(%s)", SQL.identifier(column), list(ids)
            )
        self.env.cr.execute(query)
        self.invalidate_model()

    @api.depends("product_id", "categ_id", "level")
    def _compute_item_name(self):
        for row in self:
            if row.level == "product":
                row.item_name = row.product_id.display_name or ""
            else:
                row.item_name = row.categ_id.name or ""

    # ------------------------------------------------------------------
    # Refresh
    # ------------------------------------------------------------------
    @api.model
    def _replenishment_tz(self, company):
        return company.partner_id.tz or self.env.user.tz or "UTC"

    @api.model
    def _replenishment_refused_ids(self):
        """People who refused profiling, when the suite's privacy addon
        records consent (the RFM run's hook): a purchase rhythm is profiling,
        so they get no forecast and no reminder."""
        Partner = self.env["res.partner"]
        if hasattr(Partner, "_privacy_profiling_refused_ids"):
            return sorted(Partner._privacy_profiling_refused_ids())
        return []

    @api.model
    def _replenishment_lookback_start(self, today):
        # sudo: settings are global technical parameters; reading them is harmless
        months = self.env["ir.config_parameter"].sudo().get_param("retail_crm_rfm.lookback_months") or 24
        return today - relativedelta(months=int(months))

    @api.model
    def _replenishment_sql_parts(self, company, today, scope, refused):
        """The conditions and expressions shared by the two ways of computing
        the forecasts (``_replenishment_compute_sql``, ``_replenishment_compute_arrays``)."""
        level = company.retail_replenishment_level or "product"
        tz = self._replenishment_tz(company)
        local_end = pytz.timezone(tz).localize(
            datetime.combine(today + timedelta(days=1), datetime.min.time())
        )
        end = local_end.astimezone(pytz.utc).replace(tzinfo=None)
        if level == "category":
            item = SQL("pt.categ_id")
            item_join = SQL(
                "JOIN product_product pp ON pp.id = l.product_id JOIN product_template pt ON pt.id = pp.product_tmpl_id"
            )
        else:
            item = SQL("l.product_id")
            item_join = SQL("")
        paid = SQL(
            """o.company_id = %(company)s AND o.partner_id IS NOT NULL
               AND o.state IN %(states)s AND o.date_order < %(end)s""",
            company=company.id,
            states=PAID_STATES,
            end=end,
        )
        counted = SQL(
            "%(paid)s AND %(scope)s AND NOT (o.partner_id = ANY(%(refused)s::int[]))",
            paid=paid,
            scope=scope("o"),
            refused=refused,
        )
        return {
            "item": item,
            "item_join": item_join,
            "paid": paid,
            "counted": counted,
            "start": self._replenishment_lookback_start(today),
            "end": end,
            "day": _local_day_sql(tz, today),
        }

    @api.model
    def _replenishment_refunded_sql(self, paid):
        return SQL(
            """
                -- every paid refund of the company, whoever it was rung up for (the
                -- customers of the pass or not): a forecast does not depend on which
                -- customers are computed together. LATERAL ... LIMIT 1: each refund
                -- line's order by its primary key (the lines through their partial
                -- index), not a scan of every order
                SELECT l.refunded_orderline_id AS line_id, sum(l.qty) AS qty
                  FROM pos_order_line l,
                       LATERAL (SELECT 1 FROM pos_order o WHERE o.id = l.order_id AND %s LIMIT 1) AS o
                 WHERE l.refunded_orderline_id IS NOT NULL
                 GROUP BY l.refunded_orderline_id""",
            paid,
        )

    @api.model
    def _replenishment_compute_sql(self, company, today, scope, refused):
        """The forecasts of the customers in ``scope`` (a function alias ->
        SQL condition on that alias' partner_id), one statement without
        side effects so that PostgreSQL may run it in parallel."""
        parts = self._replenishment_sql_parts(company, today, scope, refused)
        paid = parts["paid"]
        if getattr(scope, "partner_ids", None) is not None:
            # a few customers (the daily pass): their orders by the partner_id
            # index, each order's lines by the order_id index (OFFSET 0: one
            # index lookup per order, not a join of every line) and each line's
            # refunds by the partial index of refund lines
            lines = SQL(
                """CROSS JOIN LATERAL (
                       SELECT l.id, l.product_id, l.qty, l.refunded_orderline_id FROM pos_order_line l
                        WHERE l.order_id = o.id AND l.refunded_orderline_id IS NULL
                          AND l.product_id IS NOT NULL OFFSET 0) AS l"""
            )
            refunds = SQL(
                """LEFT JOIN LATERAL (
                       SELECT sum(r.qty) AS qty
                         FROM pos_order_line r,
                              LATERAL (SELECT 1 FROM pos_order o WHERE o.id = r.order_id AND %s LIMIT 1) AS o
                        WHERE r.refunded_orderline_id = l.id) AS f ON TRUE""",
                paid,
            )
            refunded = SQL("")
        else:
            lines = SQL("JOIN pos_order_line l ON l.order_id = o.id")
            refunds = SQL("LEFT JOIN refunded f ON f.line_id = l.id")
            refunded = SQL("refunded AS (%s), ", self._replenishment_refunded_sql(paid))
        return SQL(
            """
            WITH %(refunded)sdays AS (
                SELECT o.partner_id, %(item)s AS item_id, %(day)s AS day,
                       max(o.config_id) AS config_id
                  FROM pos_order o
                  %(lines)s
                  %(item_join)s
                  %(refunds)s
                 WHERE %(counted)s AND o.date_order >= %(start)s
                   AND l.refunded_orderline_id IS NULL AND l.product_id IS NOT NULL
                 GROUP BY 1, 2, 3
                HAVING sum(l.qty + COALESCE(f.qty, 0)) > 0
            ), gaps AS (
                SELECT partner_id, item_id, day, config_id,
                       day - lag(day) OVER w AS gap,
                       row_number() OVER w AS position,
                       count(*) OVER (PARTITION BY partner_id, item_id) AS purchases
                  FROM days
                WINDOW w AS (PARTITION BY partner_id, item_id ORDER BY day)
            )
            SELECT partner_id, item_id, min(purchases) AS purchases,
                   %(epoch)s::date + min(day) AS first_day, %(epoch)s::date + max(day) AS last_day,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS interval_days,
                   max(config_id) FILTER (WHERE position = purchases) AS config_id
              FROM gaps
             WHERE purchases >= %(min_purchases)s
            GROUP BY partner_id, item_id
            """,
            refunded=refunded,
            lines=lines,
            refunds=refunds,
            counted=parts["counted"],
            start=parts["start"],
            day=parts["day"],
            epoch=EPOCH,
            item=parts["item"],
            item_join=parts["item_join"],
            min_purchases=MIN_PURCHASES,
        )

    @api.model
    def _replenishment_refresh_chunk(self, company, today, scope, refused):
        """Compute the forecasts of the customers in ``scope`` and store them
        (one chunk: compute, then apply)."""
        self._replenishment_compute(company, today, scope, refused)
        self._replenishment_apply(company, scope)
        self._replenishment_drop_computed()

    @api.model
    def _replenishment_recompute_customers(self, partner_ids):
        """Recompute the forecasts of these customers now, in every company
        where they bought (a merge of customers)."""
        # sudo: forecasts are technical rows computed on behalf of the
        # operation that changed the customers (the caller checked its rights)
        rep = self.sudo()
        groups = self.env["pos.order"].sudo()._read_group([("partner_id", "in", partner_ids)], ["company_id"])
        refused = rep._replenishment_refused_ids()
        for (company,) in groups:
            tz = rep._replenishment_tz(company)
            today = fields.Date.context_today(rep.with_context(tz=tz))
            rep.with_company(company)._replenishment_refresh_chunk(
                company, today, rep._ids_scope(partner_ids), refused
            )

    @api.model
    def _replenishment_compute(self, company, today, scope, refused):
        """The forecasts of the customers in ``scope`` into the temporary table
        ``retail_crm_replenishment_pass`` (replaced): one statement, one read
        of the orders. The table lives for the session, not the transaction,
        so a pass computes once and applies chunk by chunk with a commit
        after each (``_replenishment_apply``)."""
        self.env["pos.order"].flush_model(
            ["partner_id", "state", "date_order", "company_id", "config_id", "write_date"]
        )
        self.env["pos.order.line"].flush_model(["order_id", "product_id", "qty", "refunded_orderline_id"])
        self.env["product.product"].flush_model(["product_tmpl_id"])
        self.env["product.template"].flush_model(["categ_id"])
        cr = self.env.cr
        self._replenishment_drop_computed()
        # no JIT compilation: the large cost estimates of these statements make
        # PostgreSQL compile and optimise them for seconds (4.5 s of the daily
        # pass's 20 s on 1M members)
        cr.execute(SQL("SET LOCAL jit = off"))
        if getattr(scope, "partner_ids", None) is None:
            self._replenishment_compute_arrays(company, today, scope, refused)
            cr.execute(SQL("SET LOCAL jit TO DEFAULT"))
            cr.execute(SQL("CREATE INDEX ON retail_crm_replenishment_pass (partner_id)"))
            cr.execute(SQL("ANALYZE retail_crm_replenishment_pass"))
            return
        cr.execute(SQL("SET LOCAL work_mem = %s", COMPUTE_WORK_MEM))
        # one sort feeds the purchase days, the gaps and the medians (a hash of
        # every customer-item-day, then a sort of it, costs more)
        cr.execute(SQL("SET LOCAL enable_hashagg = off"))
        cr.execute(
            SQL(
                "CREATE TEMPORARY TABLE retail_crm_replenishment_pass AS %s",
                self._replenishment_compute_sql(company, today, scope, refused),
            )
        )
        cr.execute(SQL("SET LOCAL work_mem TO DEFAULT"))
        cr.execute(SQL("SET LOCAL enable_hashagg TO DEFAULT"))
        cr.execute(SQL("SET LOCAL jit TO DEFAULT"))
        cr.execute(SQL("CREATE INDEX ON retail_crm_replenishment_pass (partner_id)"))
        cr.execute(SQL("ANALYZE retail_crm_replenishment_pass"))

    @api.model
    def _replenishment_compute_arrays(self, company, today, scope, refused):
        """``_replenishment_compute`` for many customers (the full pass): the
        order lines read once, in ranges of order ids, by binary COPY of one
        row per line (customer, item, local day, store, net quantity); the
        purchase days, gaps and medians computed with numpy
        (``tools/purchase_days.py``: the definitions of the SQL statement)
        and the forecasts copied into ``retail_crm_replenishment_pass``."""
        cr = self.env.cr
        parts = self._replenishment_sql_parts(company, today, scope, refused)
        started = time.perf_counter()
        cr.execute(
            SQL(
                "CREATE TEMPORARY TABLE retail_crm_replenishment_refunded ON COMMIT DROP AS %s",
                self._replenishment_refunded_sql(parts["paid"]),
            )
        )
        cr.execute(SQL("ANALYZE retail_crm_replenishment_refunded"))
        cr.execute(
            SQL(
                """SELECT min(id), max(id) FROM pos_order
                    WHERE company_id = %s AND date_order >= %s AND date_order < %s""",
                company.id,
                parts["start"],
                parts["end"],
            )
        )
        low, high = cr.fetchone()
        cr.execute(SQL("SELECT COALESCE(max(id), 0) FROM res_partner"))
        partners = cr.fetchone()[0] + 1
        if (company.retail_replenishment_level or "product") == "category":
            cr.execute(SQL("SELECT COALESCE(max(id), 0) FROM product_category"))
        else:
            cr.execute(SQL("SELECT COALESCE(max(id), 0) FROM product_product"))
        items = cr.fetchone()[0] + 1
        # local day numbers of the look-back window (one day of margin each side)
        day_base = (parts["start"] - EPOCH).days - 1
        days = (today - EPOCH).days + 2 - day_base
        if not purchase_days.code_fits(partners, items, days):
            raise ValueError("too many customers and items for the replenishment codes")
        codes, stores, quantities = [], [], []
        for query in self._replenishment_read_queries(parts, low, high):
            buffer = io.BytesIO()
            cr.copy_expert(cr._format(SQL("COPY (%s) TO STDOUT WITH (FORMAT binary)", query)), buffer)
            partner, item, day, store, qty = purchase_days.parse_binary(
                buffer.getbuffer(), (">i4", ">i4", ">i4", ">i4", ">i8")
            )
            del buffer
            if day.size and (int(day.min()) < day_base or int(day.max()) >= day_base + days):
                raise ValueError("a purchase day outside the look-back window")
            codes.append(purchase_days.encode(partner, item, day, items, days, day_base))
            stores.append(store)
            quantities.append(qty)
        read = time.perf_counter()
        empty = np.zeros(0, dtype=np.int64)
        result = purchase_days.forecasts_of_codes(
            np.concatenate(codes) if codes else empty,
            np.concatenate(stores) if stores else empty.astype(np.int32),
            np.concatenate(quantities) if quantities else empty.astype(np.float64),
            items,
            days,
            day_base,
            MIN_PURCHASES,
        )
        del codes, stores, quantities
        computed = time.perf_counter()
        cr.execute(SQL("DROP TABLE retail_crm_replenishment_refunded"))
        cr.execute(
            SQL(
                """CREATE TEMPORARY TABLE retail_crm_replenishment_pass (
                       partner_id integer, item_id integer, purchases bigint, first_day date,
                       last_day date, interval_days float8, config_id integer)"""
            )
        )
        size = result["partner"].size
        data = np.zeros(
            size,
            dtype=[("count", ">i2")]
            + [
                field
                for i, kind in enumerate((">i4", ">i4", ">i8", ">i4", ">i4", ">f8", ">i4"))
                for field in ((f"len{i}", ">i4"), (f"value{i}", kind))
            ],
        )
        data["count"] = 7
        # a binary date is a day number since 2000-01-01
        shift = (EPOCH - PG_DATE_EPOCH).days
        for i, values in enumerate(
            (
                result["partner"],
                result["item"],
                result["purchases"],
                result["first_day"] + shift,
                result["last_day"] + shift,
                result["interval"],
                result["config"],
            )
        ):
            data[f"len{i}"] = data.dtype[f"value{i}"].itemsize
            data[f"value{i}"] = values
        cr.copy_expert(
            "COPY retail_crm_replenishment_pass FROM STDIN WITH (FORMAT binary)",
            io.BytesIO(COPY_SIGNATURE + bytes(8) + data.tobytes() + (-1).to_bytes(2, "big", signed=True)),
        )
        if size and not result["config"].all():
            cr.execute(SQL("UPDATE retail_crm_replenishment_pass SET config_id = NULL WHERE config_id = 0"))
        _logger.info(
            "replenishment forecasts of %s customer-items: read %.1f s, computed %.1f s, stored %.1f s",
            size,
            read - started,
            computed - read,
            time.perf_counter() - computed,
        )

    @api.model
    def _replenishment_read_queries(self, parts, low, high):
        """The statements ``_replenishment_compute_arrays`` reads, one row per
        line: (customer, item, local day, store, quantity in millionths, an
        exact integer, so that a line and its refunds add up to 0 exactly).

        The lines, in ranges of ``READ_ORDER_IDS`` order ids (a merge of
        orders and lines by their primary and ``order_id`` indexes), then the
        refunds, each as a line of the customer, item, day and store of the
        line it refunds: summed into that purchase day like a refund joined
        to its line, without a join of every line to the refunds.
        """
        counted = SQL(
            """%(counted)s AND o.date_order >= %(start)s
               AND l.refunded_orderline_id IS NULL AND l.product_id IS NOT NULL AND %(item)s IS NOT NULL""",
            counted=parts["counted"],
            start=parts["start"],
            item=parts["item"],
        )
        columns = SQL("o.partner_id, %s, %s, COALESCE(o.config_id, 0)", parts["item"], parts["day"])
        while low is not None and low <= high:
            top = min(low + READ_ORDER_IDS - 1, high)
            yield SQL(
                """
                SELECT %(columns)s, round(l.qty * %(unit)s)::int8
                  FROM pos_order o
                  JOIN pos_order_line l ON l.order_id = o.id
                  %(item_join)s
                 WHERE %(counted)s
                   AND o.id BETWEEN %(low)s AND %(high)s AND l.order_id BETWEEN %(low)s AND %(high)s
                """,
                columns=columns,
                unit=QTY_UNIT,
                item_join=parts["item_join"],
                counted=counted,
                low=low,
                high=top,
            )
            low = top + 1
        yield SQL(
            """
            SELECT %(columns)s, round(f.qty * %(unit)s)::int8
              FROM retail_crm_replenishment_refunded f
              JOIN pos_order_line l ON l.id = f.line_id
              %(item_join)s
              JOIN pos_order o ON o.id = l.order_id
             WHERE %(counted)s
            """,
            columns=columns,
            unit=QTY_UNIT,
            item_join=parts["item_join"],
            counted=counted,
        )

    @api.model
    def _replenishment_drop_computed(self):
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS retail_crm_replenishment_pass"))

    @api.model
    def _replenishment_apply(self, company, scope):
        """Store the computed forecasts of the customers in ``scope``: delete
        the rows that no longer qualify, insert or update the others (the
        reminder columns are kept)."""
        self.flush_model()
        level = company.retail_replenishment_level or "product"
        if level == "category":
            columns = SQL("NULL::integer, r.item_id")
            item_join = SQL("")
        else:
            columns = SQL("r.item_id, pt.categ_id")
            item_join = SQL(
                "JOIN product_product pp ON pp.id = r.item_id JOIN product_template pt ON pt.id = pp.product_tmpl_id"
            )
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                DELETE FROM retail_crm_replenishment t
                 WHERE t.company_id = %(company)s AND %(scope)s
                   AND NOT EXISTS (
                        SELECT 1 FROM retail_crm_replenishment_pass r
                         WHERE r.partner_id = t.partner_id AND r.item_id = t.item_id AND t.level = %(level)s)
                """,
                company=company.id,
                scope=scope("t"),
                level=level,
            )
        )
        cr.execute(
            SQL(
                """
                INSERT INTO retail_crm_replenishment AS t (
                    company_id, partner_id, level, item_id, product_id, categ_id, config_id,
                    purchase_count, first_date, last_date, interval_days, expected_date)
                SELECT %(company)s, r.partner_id, %(level)s, r.item_id, %(columns)s, r.config_id,
                       r.purchases, r.first_day, r.last_day, r.interval_days,
                       r.last_day + round(r.interval_days::numeric)::int
                  FROM retail_crm_replenishment_pass r
                  %(item_join)s
                 WHERE %(scope)s
                 -- new rows get their ids in customer order (reminders are created in id order)
                 ORDER BY r.partner_id, r.item_id
                ON CONFLICT (company_id, partner_id, level, item_id) DO UPDATE
                   SET product_id = EXCLUDED.product_id, categ_id = EXCLUDED.categ_id,
                       config_id = EXCLUDED.config_id, purchase_count = EXCLUDED.purchase_count,
                       first_date = EXCLUDED.first_date, last_date = EXCLUDED.last_date,
                       interval_days = EXCLUDED.interval_days, expected_date = EXCLUDED.expected_date
                 WHERE (t.product_id, t.categ_id, t.config_id, t.purchase_count, t.first_date, t.last_date,
                        t.interval_days, t.expected_date)
                       IS DISTINCT FROM
                       (EXCLUDED.product_id, EXCLUDED.categ_id, EXCLUDED.config_id, EXCLUDED.purchase_count,
                        EXCLUDED.first_date, EXCLUDED.last_date, EXCLUDED.interval_days, EXCLUDED.expected_date)
                """,
                company=company.id,
                level=level,
                columns=columns,
                item_join=item_join,
                scope=scope("r"),
            )
        )
        self.invalidate_model()
