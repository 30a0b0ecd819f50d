"""Phase 1 of the RFM run: the per-customer purchase history, kept between runs.

``retail_crm_rfm_summary`` holds, per company and customer, the rows of
``_aggregate_query`` (first and last purchase day, purchase days, those in
the window and in the calibration period, net values). A run that refits
the models computes every customer again (one pass over the orders); a run
that reuses the last fit (``model_refit_days``, the next nightly runs)
recomputes only the customers whose rows may have changed since the run
that stored them:

- a new order (an id above the stamp's watermark: see ``id_watermark``), or
  one dated after the stored run's day: the day's sales, late till syncs, refunds (and the customer of
  the refunded order);
- an order edited since then through the ORM (customer, state, date,
  amount, currency, company: ``pos.order.write``) or moved by a partner
  merge: both customers are noted in ``retail_crm_rfm_dirty``.

Every other customer keeps the same row, moved to the run's window and
calibration period: the purchase days that left the window or entered the
calibration period are read (a day's orders) and their counts and values
taken out or added (``_summary_shift``). The run's columns (recency,
age, ...) are derived from the row and the run day when they are read. Unlogged tables: a crash empties them, and the next run
computes every customer again.
"""

import io
from datetime import timedelta

import numpy as np

from odoo.tools import SQL

from ..tools import rfm_pipeline as pipeline
from .rfm_run_aggregate import AGGREGATE_WORK_MEM, EPOCH, _utc_midnight

# the stored columns (``_aggregate_query``'s, in its order)
SUMMARY_CACHE_COLUMNS = (
    "partner_id",
    "first_day",
    "last_day",
    "visits",
    "frequency",
    "monetary",
    "visit_net",
    "first_net",
    "cal_visits",
    "cal_last_day",
)
# their column types (a binary COPY sends them as they are)
SUMMARY_CACHE_TYPES = {
    "partner_id": "int",
    "first_day": "int",
    "last_day": "int",
    "visits": "int",
    "frequency": "int",
    "monetary": "numeric",
    "visit_net": "numeric",
    "first_net": "numeric",
    "cal_visits": "int",
    "cal_last_day": "int",
}
# a run more days after the stored one computes every customer again
SUMMARY_MAX_GAP_DAYS = 31
# first key of the advisory lock that serialises the runs of one company on the cache
SUMMARY_LOCK = 74_521_801
# rows created this long before a run may still be committing (a till's
# transaction, assumed shorter than half of it): the next run reads them again
WATERMARK_MARGIN = timedelta(hours=2)
# newest rows looked at to place the watermark
WATERMARK_SCAN = 200_000
# key of the cursor's cache: the last order id a run stored with this cursor
# (orders written afterwards in the same transaction are noted, see pos.order)
SUMMARY_SEEN_KEY = "retail_crm_rfm_summary_max_order_id"


def id_watermark(cr, table):
    """An id of ``table`` below which every row is committed, or rolled back.

    The highest id is not: a transaction may hold a lower id it has not
    committed yet. Ids are taken in order, so the rows created before
    ``now - WATERMARK_MARGIN`` (``create_date``) and every lower id belong to
    transactions that have ended. Those after it are read again by the next
    run (a superset is harmless).
    """
    cr.execute(SQL("SELECT COALESCE(max(id), 0) FROM %s", SQL.identifier(table)))
    top = cr.fetchone()[0]
    cr.execute(
        SQL(
            "SELECT max(id) FROM %s WHERE id > %s AND create_date < (now() AT TIME ZONE 'UTC') - %s::interval",
            SQL.identifier(table),
            top - WATERMARK_SCAN,
            f"{int(WATERMARK_MARGIN.total_seconds())} seconds",
        )
    )
    below = cr.fetchone()[0]
    return below if below is not None else max(top - WATERMARK_SCAN, 0)


class RfmRunSummary:
    """Mixin of ``retail.crm.rfm.run``: the per-customer rows, stored and updated."""

    # no instance attributes of its own: Odoo models have fixed slots
    __slots__ = ()

    def init(self):
        res = super().init()
        self.env.cr.execute(
            SQL(
                """
            CREATE UNLOGGED TABLE IF NOT EXISTS retail_crm_rfm_summary (
                company_id integer NOT NULL,
                partner_id integer NOT NULL,
                first_day integer,
                last_day integer,
                visits integer NOT NULL,
                frequency integer NOT NULL,
                monetary numeric,
                visit_net numeric,
                first_net numeric,
                cal_visits integer NOT NULL,
                cal_last_day integer,
                PRIMARY KEY (company_id, partner_id)
            );
            CREATE UNLOGGED TABLE IF NOT EXISTS retail_crm_rfm_summary_stamp (
                company_id integer PRIMARY KEY,
                run_date date NOT NULL,
                tz varchar NOT NULL,
                start_day integer NOT NULL,
                cal_end_day integer NOT NULL,
                max_order_id integer NOT NULL,
                max_dirty_id bigint NOT NULL
            );
            CREATE UNLOGGED TABLE IF NOT EXISTS retail_crm_rfm_dirty (
                id bigserial PRIMARY KEY,
                partner_id integer NOT NULL,
                create_date timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
            );
            ALTER TABLE retail_crm_rfm_dirty
              ADD COLUMN IF NOT EXISTS create_date timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
            """
            )
        )
        return res

    def _summary_stamp(self):
        """The stored rows' stamp when this run may update them (else None: compute all)."""
        self.env.cr.execute(
            SQL(
                "SELECT run_date, tz, start_day, cal_end_day, max_order_id, max_dirty_id"
                " FROM retail_crm_rfm_summary_stamp WHERE company_id = %s",
                self.company_id.id,
            )
        )
        row = self.env.cr.fetchone()
        if not row or not self._fitted_model_run():
            # a run that refits computes every customer: changes made outside
            # the ORM (SQL, imports) are caught at least at every refit
            return None
        run_date, tz, start_day, cal_end_day = row[:4]
        gap = (self.run_date - run_date).days
        if (
            tz != (self.tz or "UTC")
            or not 0 <= gap <= SUMMARY_MAX_GAP_DAYS
            or self._window_start_day() < start_day
            or self._calibration_end_day() < cal_end_day
        ):
            return None
        return row

    def _summary_affected(self, stamp):
        """Temporary table of the customers whose rows this run recomputes:
        new orders, refunds (and the refunded customer), orders edited since."""
        run_date, _tz, _start, _cal_end, max_order_id, max_dirty_id = stamp
        cr = self.env.cr
        cr.execute(
            SQL(
                "CREATE TEMPORARY TABLE IF NOT EXISTS retail_crm_rfm_affected"
                " (partner_id integer PRIMARY KEY) ON COMMIT DROP"
            )
        )
        cr.execute(SQL("TRUNCATE retail_crm_rfm_affected"))
        cr.execute(
            SQL(
                """
            INSERT INTO retail_crm_rfm_affected (partner_id)
            SELECT partner_id FROM pos_order
             WHERE company_id = %(company)s AND partner_id IS NOT NULL
               AND (id > %(max_order)s OR date_order >= %(new_from)s)
             UNION
            SELECT o.partner_id
              FROM pos_order r
              JOIN pos_order_line l ON l.order_id = r.id
              JOIN pos_order_line ol ON ol.id = l.refunded_orderline_id
              JOIN pos_order o ON o.id = ol.order_id
             WHERE r.company_id = %(company)s AND r.amount_total < 0 AND r.id > %(max_order)s
               AND o.partner_id IS NOT NULL
             UNION
            SELECT partner_id FROM retail_crm_rfm_dirty WHERE id > %(max_dirty)s
            """,
                company=self.company_id.id,
                max_order=max_order_id,
                # the orders the stored run did not count yet (its end, exactly)
                new_from=_utc_midnight(self.tz or "UTC", run_date + timedelta(days=1)),
                max_dirty=max_dirty_id,
            )
        )
        cr.execute(SQL("ANALYZE retail_crm_rfm_affected"))
        return SQL("SELECT partner_id FROM retail_crm_rfm_affected")

    def _summary_shift(self, stamp):
        """Move the other customers' rows to this run's window and calibration period.

        The purchase days that left the window (after the stored window
        start, up to this run's) are taken out of the window's purchase days
        and value; those that entered the calibration period are added to
        it. Only the orders of those days are read (and the refunds of
        them, or rung up on them): deltas of exact numeric sums, so the rows
        equal a full computation.
        """
        ranges = [
            (old, new)
            for old, new in ((stamp[2], self._window_start_day()), (stamp[3], self._calibration_end_day()))
            if new > old
        ]
        if not ranges:
            return
        tz = self.tz or "UTC"
        margin = timedelta(days=1)
        # the local days old+1 .. new, with a day's margin in UTC (whole days are
        # kept: the days outside the exact ranges are filtered out below)
        dated = SQL(" OR ").join(
            SQL(
                "(o.date_order >= %s AND o.date_order < %s)",
                _utc_midnight(tz, EPOCH + timedelta(days=old + 1)) - margin,
                _utc_midnight(tz, EPOCH + timedelta(days=new + 1)) + margin,
            )
            for old, new in ranges
        )
        company = self.company_id.id
        refunds = SQL(
            """
            SELECT o.id FROM pos_order o WHERE o.company_id = %(company)s AND o.amount_total < 0 AND (%(dated)s)
             UNION
            SELECT l.order_id
              FROM pos_order o
              JOIN pos_order_line ol ON ol.order_id = o.id
              JOIN pos_order_line l ON l.refunded_orderline_id = ol.id
             WHERE o.company_id = %(company)s AND (%(dated)s)
            """,
            company=company,
            dated=dated,
        )
        old_start, old_cal = stamp[2], stamp[3]
        self.env.cr.execute(
            SQL(
                """
            %(daily)s
            UPDATE retail_crm_rfm_summary s
               SET frequency = s.frequency - d.left_visits,
                   monetary = s.monetary - d.left_net,
                   cal_visits = s.cal_visits + d.cal_visits,
                   cal_last_day = GREATEST(s.cal_last_day, d.cal_last_day)
              FROM (SELECT partner_id,
                           count(*) FILTER (WHERE visit AND day > %(s0)s AND day <= %(s1)s) AS left_visits,
                           COALESCE(sum(net) FILTER (WHERE day > %(s0)s AND day <= %(s1)s), 0) AS left_net,
                           count(*) FILTER (WHERE visit AND day > %(c0)s AND day <= %(c1)s) AS cal_visits,
                           max(day) FILTER (WHERE visit AND day > %(c0)s AND day <= %(c1)s) AS cal_last_day
                      FROM daily
                     GROUP BY partner_id) AS d
             WHERE s.company_id = %(company)s AND s.partner_id = d.partner_id
               AND d.partner_id NOT IN (SELECT partner_id FROM retail_crm_rfm_affected)
            """,
                daily=self._daily_sql(orders=dated, refunds=refunds),
                s0=old_start,
                s1=max(old_start, self._window_start_day()),
                c0=old_cal,
                c1=max(old_cal, self._calibration_end_day()),
                company=company,
            )
        )

    def _compute_customer_rows(self, cr, query):
        """Store the rows of ``query`` (``_aggregate_query``) in the summary table.

        ``cr`` computes them: the run's own cursor, or a read-only cursor on
        Odoo's read replica. The rows come back by binary COPY (exact
        numerics; a read that may use a parallel plan, which an
        ``INSERT ... SELECT`` may not) and are copied into the table.
        """
        # the partner-days of 10M orders sort in memory (about 1 GB for this
        # statement only), not in temporary files
        cr.execute(SQL("SET LOCAL work_mem = %s", AGGREGATE_WORK_MEM))
        # sorted aggregation: a hash table of every partner-day holds
        # millions of numeric sums (more memory and time than the sort)
        cr.execute(SQL("SET LOCAL enable_hashagg = off"))
        rows = SQL(
            "SELECT %s::int, %s FROM (%s) AS q",
            self.company_id.id,
            SQL(", ").join(
                SQL("%s::%s", SQL.identifier(name), SQL(SUMMARY_CACHE_TYPES[name]))
                for name in SUMMARY_CACHE_COLUMNS
            ),
            query,
        )
        buffer = io.BytesIO()
        cr.copy_expert(cr._format(SQL("COPY (%s) TO STDOUT WITH (FORMAT binary)", rows)), buffer)
        cr.execute(SQL("RESET work_mem"))
        cr.execute(SQL("RESET enable_hashagg"))
        buffer.seek(0)
        columns = SQL(", ").join(SQL.identifier(name) for name in ("company_id",) + SUMMARY_CACHE_COLUMNS)
        self.env.cr.copy_expert(
            self.env.cr._format(
                SQL("COPY retail_crm_rfm_summary (%s) FROM STDIN WITH (FORMAT binary)", columns)
            ),
            buffer,
        )

    def _fetch_summary(self):
        """The run's per-customer summary (``pipeline.SUMMARY_COLUMNS``), float arrays.

        The stored rows are brought up to date (every customer, or the
        customers affected since the stored run), then read with the
        columns that depend on the run day.
        """
        self.env["pos.order"].flush_model(
            ["partner_id", "state", "date_order", "amount_total", "currency_rate", "company_id"]
        )
        self.env["pos.order.line"].flush_model(["order_id", "refunded_orderline_id"])
        cr = self.env.cr
        company = self.company_id.id
        # one run of the company at a time updates its rows
        cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", SUMMARY_LOCK, company))
        stamp = self._summary_stamp()
        # what the stored rows hold after this run, taken before computing:
        # the orders and notes up to ids below which every transaction has
        # ended (the next run reads those above again)
        cr.execute(SQL("SELECT COALESCE(max(id), 0) FROM pos_order"))
        cr.cache[SUMMARY_SEEN_KEY] = max(cr.cache.get(SUMMARY_SEEN_KEY, 0), cr.fetchone()[0])
        max_order_id = id_watermark(cr, "pos_order")
        max_dirty_id = id_watermark(cr, "retail_crm_rfm_dirty")
        if stamp is None:
            cr.execute(SQL("DELETE FROM retail_crm_rfm_summary WHERE company_id = %s", company))
            partners = None
        else:
            partners = self._summary_affected(stamp)
            # a day's orders and few customers: no JIT compilation (seconds for these plans)
            cr.execute(SQL("SET LOCAL jit = off"))
            self._summary_shift(stamp)
            cr.execute(
                SQL(
                    "DELETE FROM retail_crm_rfm_summary WHERE company_id = %s AND partner_id IN (%s)",
                    company,
                    partners,
                )
            )
        if self._use_replica():
            if partners is not None:
                # the replica's session does not see this one's temporary table
                cr.execute(SQL("SELECT COALESCE(array_agg(partner_id), '{}') FROM retail_crm_rfm_affected"))
                ids = cr.fetchone()[0]
                partners = SQL("SELECT unnest(%s::int[])", "{%s}" % ",".join(map(str, ids)))
            # a read-only cursor: Odoo opens it on the replica, or on the
            # primary when the replica cannot be reached
            with self.env.registry.cursor(readonly=True) as replica:
                self._compute_customer_rows(replica, self._aggregate_query(partners))
        else:
            self._compute_customer_rows(cr, self._aggregate_query(partners))
        cr.execute(SQL("RESET jit"))
        cr.execute(
            SQL(
                """
            INSERT INTO retail_crm_rfm_summary_stamp
                   (company_id, run_date, tz, start_day, cal_end_day, max_order_id, max_dirty_id)
            VALUES (%s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (company_id) DO UPDATE
               SET run_date = EXCLUDED.run_date, tz = EXCLUDED.tz, start_day = EXCLUDED.start_day,
                   cal_end_day = EXCLUDED.cal_end_day, max_order_id = EXCLUDED.max_order_id,
                   max_dirty_id = EXCLUDED.max_dirty_id
            """,
                company,
                self.run_date,
                self.tz or "UTC",
                self._window_start_day(),
                self._calibration_end_day(),
                max_order_id,
                max_dirty_id,
            )
        )
        # the notes every company's stored rows have taken into account
        cr.execute(
            SQL(
                "DELETE FROM retail_crm_rfm_dirty WHERE id <= (SELECT min(max_dirty_id) FROM"
                " retail_crm_rfm_summary_stamp)"
            )
        )
        chunks = self._fetch_rows(cr, self._summary_read_query("retail_crm_rfm_summary"))
        names = pipeline.SUMMARY_COLUMNS
        data = np.concatenate(chunks) if chunks else np.zeros((0, len(names)))
        self.input_digest = self._input_digest(data)
        return {name: data[:, i] for i, name in enumerate(names)}
