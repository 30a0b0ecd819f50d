"""Phase 1 of the RFM run: the per-customer summary of the paid POS orders.

One SQL statement (on Odoo's read replica when one is configured), fetched
into numpy arrays, and the input digest that recognises a run of the same
day on the same input.
"""

import hashlib
import json
from datetime import datetime, timedelta

import numpy as np
import pytz
from dateutil.relativedelta import relativedelta

from odoo import api
from odoo.tools import SQL, config

from ..tools import rfm_pipeline as pipeline
from .rfm_run_common import (
    DIGEST_VERSION,
    FETCH_SIZE,
    PAID_STATES,
    RESULT_FIELDS,
    RESULT_PARAMETERS,
    get_param,
)


class RfmRunAggregate:
    """Mixin of ``retail.crm.rfm.run``: aggregate and fetch the customer summary."""

    # no instance attributes of its own: Odoo models have fixed slots
    __slots__ = ()

    # -- phase 1 -------------------------------------------------------
    def _aggregate_query(self):
        """Per-customer summary of the company's paid POS orders (one statement).

        The columns and the definition of a visit are those of
        ``tools/rfm_pipeline.py`` (module docstring): a visit is a local
        purchase day with an order of positive net value; a refund
        (negative order whose lines point to the lines of a counted order) is
        netted into its original order, whatever day it was rung up.
        """
        tz = self.tz or "UTC"

        def utc_end(day):
            local = pytz.timezone(tz).localize(datetime.combine(day + timedelta(days=1), datetime.min.time()))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        counted = SQL(
            "o.company_id = %(company)s AND o.partner_id IS NOT NULL"
            " AND o.state IN %(states)s AND o.date_order < %(end)s",
            company=self.company_id.id,
            states=PAID_STATES,
            end=utc_end(self.run_date),
        )
        counted_r = SQL(
            "r.company_id = %(company)s AND r.partner_id IS NOT NULL"
            " AND r.state IN %(states)s AND r.date_order < %(end)s",
            company=self.company_id.id,
            states=PAID_STATES,
            end=utc_end(self.run_date),
        )
        return SQL(
            """
            WITH refunds AS (
                SELECT r.id AS refund_id, min(ol.order_id) AS original_id,
                       r.amount_total / COALESCE(NULLIF(r.currency_rate, 0), 1) AS amount
                  FROM pos_order r
                  JOIN pos_order_line l ON l.order_id = r.id
                  JOIN pos_order_line ol ON ol.id = l.refunded_orderline_id
                  JOIN pos_order o ON o.id = ol.order_id
                 WHERE %(counted_r)s AND r.amount_total < 0 AND %(counted)s AND o.id <> r.id
                 GROUP BY r.id
            ), refunded AS (
                SELECT original_id, sum(amount) AS amount FROM refunds GROUP BY original_id
            ), daily AS (
                SELECT o.partner_id,
                       (o.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day,
                       count(*) FILTER (WHERE round((o.amount_total
                           / COALESCE(NULLIF(o.currency_rate, 0), 1) + COALESCE(f.amount, 0))::numeric, 2) > 0)
                           AS purchases,
                       sum(o.amount_total / COALESCE(NULLIF(o.currency_rate, 0), 1) + COALESCE(f.amount, 0))
                           AS net
                  FROM pos_order o
                  LEFT JOIN refunded f ON f.original_id = o.id
                  LEFT JOIN refunds k ON k.refund_id = o.id
                 WHERE %(counted)s AND k.refund_id IS NULL
                 GROUP BY o.partner_id, day
            ), marked AS (
                SELECT d.*,
                       min(d.day) FILTER (WHERE d.purchases > 0)
                           OVER (PARTITION BY d.partner_id) AS first_day
                  FROM daily d
            )
            SELECT partner_id,
                   %(run_date)s::date - max(day) FILTER (WHERE purchases > 0) AS recency,
                   count(*) FILTER (WHERE purchases > 0 AND day > %(start)s) AS frequency,
                   COALESCE(round(sum(net) FILTER (WHERE day > %(start)s)::numeric, 2), 0) AS monetary,
                   count(*) FILTER (WHERE purchases > 0) - 1 AS repeat_days,
                   max(day) FILTER (WHERE purchases > 0) - min(first_day) AS t_x,
                   %(run_date)s::date - min(first_day) AS age,
                   COALESCE(sum(net) FILTER (WHERE purchases > 0 AND day > first_day), 0) AS repeat_net,
                   COALESCE(sum(net) FILTER (WHERE day = first_day), 0) AS first_net,
                   count(*) FILTER (WHERE purchases > 0 AND day <= %(cal_end)s) - 1 AS cal_x,
                   COALESCE(max(day) FILTER (WHERE purchases > 0 AND day <= %(cal_end)s) - min(first_day), 0)
                       AS cal_t_x,
                   GREATEST(%(cal_end)s::date - min(first_day), 0) * (min(first_day) <= %(cal_end)s)::int
                       AS cal_age,
                   count(*) FILTER (WHERE purchases > 0 AND day > %(cal_end)s) AS hold_x
              FROM marked
             WHERE first_day IS NOT NULL AND NOT (partner_id = ANY(%(refused)s::int[]))
             GROUP BY partner_id
            """,
            refused=self._profiling_refused_ids(),
            counted=counted,
            counted_r=counted_r,
            tz=tz,
            run_date=self.run_date,
            start=self.run_date - relativedelta(months=self.window_months),
            cal_end=self._calibration_end(),
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

    def _fetch_summary(self):
        self.env["pos.order"].flush_model(
            ["partner_id", "state", "date_order", "amount_total", "currency_rate", "company_id"]
        )
        self.env["pos.order.line"].flush_model(["order_id", "refunded_orderline_id"])
        query = self._aggregate_query()
        if self._use_replica():
            # a read-only cursor: Odoo opens it on the replica, or on the
            # primary when the replica cannot be reached
            with self.env.registry.cursor(readonly=True) as cr:
                chunks = self._fetch_rows(cr, query)
        else:
            chunks = self._fetch_rows(self.env.cr, query)
        names = pipeline.SUMMARY_COLUMNS
        data = np.concatenate(chunks) if chunks else np.zeros((0, len(names)))
        self.input_digest = self._input_digest(data)
        return {name: data[:, i] for i, name in enumerate(names)}

    @staticmethod
    def _fetch_rows(cr, query):
        """The summary rows in partner id order, as float arrays of FETCH_SIZE rows."""
        cr.execute(SQL("SET LOCAL work_mem = '256MB'"))
        cr.execute(SQL("%s ORDER BY partner_id", query))
        chunks = []
        while rows := cr.fetchmany(FETCH_SIZE):
            chunks.append(np.array(rows, dtype=float))
        cr.execute(SQL("RESET work_mem"))
        return chunks

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
