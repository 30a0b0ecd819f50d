"""Phase 1 of the RFM run: the per-customer summary of the paid POS orders.

One SQL statement (on Odoo's read replica when one is configured), fetched
into numpy arrays, and the input digest that recognises a run of the same
day on the same input.
"""

import hashlib
import io
import json
from datetime import date, datetime, timedelta

import numpy as np
import pytz
from dateutil.relativedelta import relativedelta

from odoo import api
from odoo.tools import SQL, config
from odoo.tools.sql import create_index

from .rfm_run_common import (
    DIGEST_VERSION,
    PAID_STATES,
    RESULT_FIELDS,
    RESULT_PARAMETERS,
    get_param,
)

# memory of the aggregate's sort and of the margin's hash join (this statement only)
AGGREGATE_WORK_MEM = "1GB"
# days are numbered from here in the aggregate (integers are cheaper than dates)
EPOCH = date(2000, 1, 1)


def _utc_midnight(tz, day):
    """The UTC time (naive, like ``date_order``) of the start of ``day`` in ``tz``."""
    local = pytz.timezone(tz).localize(datetime.combine(day, datetime.min.time()))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


def company_currency_sql(value, alias):
    """``value`` (an amount of the order ``alias``) in the company currency.

    No division at the usual rate 1: a numeric division per order line
    cost about a fifth of the margin statement on 16.6M lines.
    """
    return SQL(
        "CASE WHEN %(o)s.currency_rate = 1 THEN %(value)s"
        " ELSE %(value)s / COALESCE(NULLIF(%(o)s.currency_rate, 0), 1) END",
        o=SQL.identifier(alias),
        value=value,
    )


def _amount_sql(alias):
    """The order's total in the company currency."""
    return company_currency_sql(SQL("%s.amount_total", SQL.identifier(alias)), alias)


def _local_day_sql(tz, run_date):
    """Local day number (since ``EPOCH``) of ``o.date_order`` (UTC) in ``tz``.

    Since the zone's last change of UTC offset (1991 for Asia/Shanghai, never
    for UTC), the local day is the UTC time plus a fixed offset: cheaper than
    two time zone conversions per order. Zones that still change (daylight
    saving time) and older orders take the conversion.
    """
    zone = pytz.timezone(tz)
    converted = SQL("(o.date_order AT TIME ZONE 'UTC' AT TIME ZONE %s)::date - %s::date", tz, EPOCH)
    transitions = getattr(zone, "_utc_transition_times", None)
    noon = datetime.combine(run_date, datetime.min.time()).replace(hour=12)
    offset = SQL("%s::interval", f"{int(zone.utcoffset(noon).total_seconds())} seconds")
    if not transitions:
        return SQL("(o.date_order + %s)::date - %s::date", offset, EPOCH)
    since = transitions[-1]
    if since > noon:
        return converted
    return SQL(
        "CASE WHEN o.date_order >= %(since)s THEN (o.date_order + %(offset)s)::date - %(epoch)s::date"
        " ELSE %(converted)s END",
        since=since,
        offset=offset,
        epoch=EPOCH,
        converted=converted,
    )


# the aggregate's columns, in the order of pipeline.SUMMARY_COLUMNS
AGGREGATE_COLUMNS = (
    "partner_id",
    "recency",
    "frequency",
    "monetary",
    "repeat_days",
    "t_x",
    "age",
    "repeat_net",
    "first_net",
    "cal_x",
    "cal_t_x",
    "cal_age",
    "hold_x",
)
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def parse_binary_float8(data, columns):
    """Rows x columns float array of a binary COPY whose every field is a non-NULL float8."""
    data = memoryview(data)
    if bytes(data[:11]) != COPY_SIGNATURE:
        raise ValueError("not a PostgreSQL binary COPY")
    header = 19 + int.from_bytes(data[15:19], "big")
    dtype = [("count", ">i2")]
    for i in range(columns):
        dtype += [(f"len{i}", ">i4"), (f"value{i}", ">f8")]
    body = data[header : len(data) - 2]
    rows = np.frombuffer(body, dtype=np.dtype(dtype))
    if rows.size and (
        (rows["count"] != columns).any() or any((rows[f"len{i}"] != 8).any() for i in range(columns))
    ):
        raise ValueError("unexpected binary COPY layout")
    out = np.empty((rows.size, columns), dtype=float)
    for i in range(columns):
        out[:, i] = rows[f"value{i}"]
    return out


class RfmRunAggregate:
    """Mixin of ``retail.crm.rfm.run``: aggregate and fetch the customer summary."""

    # no instance attributes of its own: Odoo models have fixed slots
    __slots__ = ()

    def init(self):
        res = super().init()
        # the refunds netted by the aggregate, without a scan of every order
        create_index(
            self.env.cr,
            "retail_crm_rfm_pos_order_refund_idx",
            "pos_order",
            ["company_id", "id"],
            where="amount_total < 0",
        )
        return res

    # -- phase 1 -------------------------------------------------------
    def _aggregate_query(self, partners=None):
        """Per-customer purchase history of the company's paid POS orders (one statement).

        The rows of ``retail_crm_rfm_summary`` (``SUMMARY_CACHE_COLUMNS``):
        first and last purchase day, purchase days, those in the window and
        in the calibration period, the net values. They do not depend on the
        run date except through the window start and the calibration end
        (``_summary_read_query`` turns them into the run's columns).
        ``partners``: a subquery of the customers to compute (all when None);
        their refunds are those they rang up (see ``_daily_sql``).

        The plan scans ``pos_order`` once and aggregates by partner-day, then
        partner: no window function. The value of the first purchase day is
        the second element of the smallest ``[day, net]`` pair of the
        purchase days; amounts stay numeric (exact sums).
        """
        if partners is None:
            daily = self._daily_sql()
        else:
            daily = self._daily_sql(
                orders=SQL("o.partner_id IN (%s)", partners),
                refunds=SQL(
                    "SELECT id FROM pos_order WHERE partner_id IN (%s) AND amount_total < 0", partners
                ),
            )
        return SQL(
            """
            %(daily)s
            SELECT partner_id,
                   min(day) FILTER (WHERE visit) AS first_day,
                   max(day) FILTER (WHERE visit) AS last_day,
                   count(*) FILTER (WHERE visit) AS visits,
                   count(*) FILTER (WHERE visit AND day > %(start)s) AS frequency,
                   sum(net) FILTER (WHERE day > %(start)s) AS monetary,
                   sum(net) FILTER (WHERE visit) AS visit_net,
                   (min(ARRAY[day, net]) FILTER (WHERE visit))[2] AS first_net,
                   count(*) FILTER (WHERE visit AND day <= %(cal_end)s) AS cal_visits,
                   max(day) FILTER (WHERE visit AND day <= %(cal_end)s) AS cal_last_day
              FROM daily
             GROUP BY partner_id
            """,
            daily=daily,
            start=self._window_start_day(),
            cal_end=self._calibration_end_day(),
        )

    def _daily_sql(self, orders=None, refunds=None):
        """``WITH`` clauses ending with ``daily``: the company's customer-days
        (partner, local day, visit, net value).

        The definition of a visit is that of ``tools/rfm_pipeline.py``
        (module docstring): a local purchase day with an order of positive
        net value; a refund (negative order whose lines point to the lines of
        a counted order) is netted into its original order, whatever day it
        was rung up. Days are integers (days since ``EPOCH``).

        ``orders``: a condition on the orders ``o`` (all when None);
        ``refunds``: a subquery of the refund ids that may concern them.
        """
        tz = self.tz or "UTC"
        end = _utc_midnight(tz, self.run_date + timedelta(days=1))

        def counted(alias):
            """The order ``alias`` counts: a paid order of the company with a
            customer, up to the end of the run day."""
            return SQL(
                "%(a)s.company_id = %(company)s AND %(a)s.partner_id IS NOT NULL"
                " AND %(a)s.state IN %(states)s AND %(a)s.date_order < %(end)s",
                a=SQL.identifier(alias),
                company=self.company_id.id,
                states=PAID_STATES,
                end=end,
            )

        return SQL(
            """
            WITH refunds AS (
                SELECT r.id AS refund_id, min(ol.order_id) AS original_id, min(%(r_amount)s) AS amount
                  FROM pos_order r
                  JOIN pos_order_line l ON l.order_id = r.id
                  JOIN pos_order_line ol ON ol.id = l.refunded_orderline_id
                  JOIN pos_order o ON o.id = ol.order_id
                 WHERE %(counted_r)s AND r.amount_total < 0 AND %(counted)s AND o.id <> r.id
                       %(some_refunds)s
                 GROUP BY r.id
            ), adjust AS (
                -- per order: the refunds netted into it, or netted itself (a refund)
                SELECT id, sum(amount) AS amount, bool_or(netted) AS netted
                  FROM (SELECT original_id AS id, amount, false AS netted FROM refunds
                        UNION ALL
                        SELECT refund_id, 0, true FROM refunds) AS a
                 GROUP BY id
            ), orders AS (
                SELECT o.partner_id, %(day)s AS day, %(o_amount)s + COALESCE(a.amount, 0) AS net
                  FROM pos_order o
                  LEFT JOIN adjust a ON a.id = o.id
                 WHERE %(counted)s AND a.netted IS NOT TRUE %(some_orders)s
            ), daily AS (
                SELECT partner_id, day, bool_or(net >= 0.005) AS visit, sum(net) AS net
                  FROM orders
                 GROUP BY partner_id, day
            )
            """,
            counted=counted("o"),
            counted_r=counted("r"),
            some_refunds=SQL("AND r.id IN (%s)", refunds) if refunds is not None else SQL(),
            some_orders=SQL("AND (%s)", orders) if orders is not None else SQL(),
            r_amount=_amount_sql("r"),
            o_amount=_amount_sql("o"),
            day=_local_day_sql(tz, self.run_date),
        )

    def _window_start_day(self):
        """Day number of the day before the window (the window is the days after it)."""
        return (self.run_date - relativedelta(months=self.window_months) - EPOCH).days

    def _calibration_end_day(self):
        return (self._calibration_end() - EPOCH).days

    def _summary_read_query(self, table):
        """The run's summary columns (``AGGREGATE_COLUMNS``) from the per-customer
        rows of ``table`` (``_aggregate_query``'s columns, ``company_id`` too):
        customers with a purchase day, except those who may not be profiled."""
        return SQL(
            """
            SELECT partner_id,
                   %(run_day)s - last_day AS recency,
                   frequency,
                   COALESCE(round(monetary, 2), 0) AS monetary,
                   visits - 1 AS repeat_days,
                   last_day - first_day AS t_x,
                   %(run_day)s - first_day AS age,
                   visit_net - first_net AS repeat_net,
                   first_net,
                   cal_visits - 1 AS cal_x,
                   COALESCE(cal_last_day - first_day, 0) AS cal_t_x,
                   GREATEST(%(cal_end)s - first_day, 0) * (first_day <= %(cal_end)s)::int AS cal_age,
                   visits - cal_visits AS hold_x
              FROM %(table)s
             WHERE company_id = %(company)s AND visits > 0
               AND NOT (partner_id = ANY(%(refused)s::int[]))
            """,
            table=SQL.identifier(table),
            company=self.company_id.id,
            refused=self._profiling_refused_ids(),
            run_day=(self.run_date - EPOCH).days,
            cal_end=self._calibration_end_day(),
        )

    def _profiling_refused_ids(self):
        """People who refused profiling (PIPL Art. 24) or may not be profiled
        (children under 14 without a guardian's consent), when the suite's
        privacy addon records consent: they are not scored, and the figures
        of an earlier run are cleared like those of any customer not scored."""
        Partner = self.env["res.partner"]
        if hasattr(Partner, "_privacy_profiling_refused_ids"):
            return sorted(Partner._privacy_profiling_refused_ids())
        return []

    def _calibration_end(self):
        return self.run_date - relativedelta(months=self.holdout_months)

    @api.model
    def _use_replica(self):
        """True when the aggregate goes to Odoo's read replica.

        That is when ``db_replica_host`` (or ``db_replica_port``) is set in
        the server configuration and the ``retail_crm_rfm.aggregate_on_replica``
        system parameter is not 0. Without a replica the aggregate runs on
        the run's own cursor (the primary), so it also sees what this
        transaction wrote.
        """
        replica = config.get("db_replica_host") is not False or config.get("db_replica_port") is not False
        return bool(replica and get_param(self.env, "aggregate_on_replica"))

    @staticmethod
    def _fetch_rows(cr, query):
        """The summary rows in partner id order (sorted here), as float arrays (one chunk).

        Streamed by a binary COPY of float8 columns: fixed-width rows that
        numpy reads as they are, no Python object per row or value (the
        numeric sums are converted by PostgreSQL, correctly rounded like
        Python's ``float(Decimal)``; NULL is NaN).
        """
        copy = SQL(
            "COPY (SELECT %s FROM (%s) AS summary) TO STDOUT WITH (FORMAT binary)",
            SQL(", ").join(
                SQL("COALESCE(%s::float8, 'NaN')", SQL.identifier(name)) for name in AGGREGATE_COLUMNS
            ),
            query,
        )
        buffer = io.BytesIO()
        cr.copy_expert(cr._format(copy), buffer)
        data = parse_binary_float8(buffer.getbuffer(), len(AGGREGATE_COLUMNS))
        # partner ids are exact in float8; a sort here is cheaper than in the statement
        data = data[np.argsort(data[:, 0], kind="stable")]
        return [data] if data.size else []

    def _input_digest(self, data):
        """Fingerprint of everything the results are computed from.

        The per-customer summary (every column, in partner id order) and the
        run's frozen parameters. The computation is deterministic (fixed
        K-means seed, deterministic optimiser), so equal digests mean equal
        results.
        """
        parameters = {name: self[name] for name in ("tz",) + RESULT_PARAMETERS}
        parameters.update(run_date=str(self.run_date), company=self.company_id.id, version=DIGEST_VERSION)
        digest = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode())
        digest.update(np.ascontiguousarray(data).tobytes())
        return digest.hexdigest()

    def _same_input_run(self):
        """The last finished run of the same day when it was computed from the same input."""
        previous = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "=", "done"),
                ("source_run_id", "=", False),
                ("id", "!=", self.id),
            ],
            order="id desc",
            limit=1,
        )
        if previous.run_date == self.run_date and previous.input_digest == self.input_digest:
            return previous
        return previous.browse()

    def _take_results_of(self, source):
        """This run's results are ``source``'s: refer to them, copy the diagnostics."""
        values = {"source_run_id": source.id}
        for name in RESULT_FIELDS:
            values[name] = source[name]
        self.write(values)
