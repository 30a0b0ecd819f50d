import hashlib
import io
import json
import logging
import time
from datetime import datetime, timedelta

import numpy as np
import pytz
from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from odoo import _, api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import SQL, config

from ..tools import rfm_engine as engine
from ..tools import rfm_models as stats
from ..tools import rfm_pipeline as pipeline
from .res_config_settings import check_rfm_parameters

_logger = logging.getLogger(__name__)

PARAM_PREFIX = "retail_crm_rfm."
DEFAULTS = {
    "window_months": 12,
    "lookback_months": 24,
    "recency_days": 90,
    "holdout_months": 6,
    "discount_rate": 10.0,
    "scoring_method": "quintile",
    "recency_thresholds": "30,90,180,365",
    "frequency_thresholds": "2,3,5,8",
    "monetary_thresholds": "500,1000,3000,8000",
    "high_cut": 4,
    "cluster_k": 0,
    "horizon_months": 12,
    "batch_size": 20000,
    "write_workers": 2,
    "snapshot_retention_months": 13,
    # 1: the read-only aggregate runs on Odoo's read replica (db_replica_host) when one is configured
    "aggregate_on_replica": 1,
}
# states of pos.order that count as paid
PAID_STATES = ("paid", "done", "invoiced")
# res.partner columns written by the run, with the snapshot column they come from
PARTNER_COLUMNS = (
    ("rfm_last_purchase_date", "last_purchase_date"),
    ("rfm_frequency", "frequency"),
    ("rfm_monetary", "monetary"),
    ("rfm_r_score", "r_score"),
    ("rfm_f_score", "f_score"),
    ("rfm_m_score", "m_score"),
    ("rfm_segment_id", "segment_id"),  # from the segment table, by code
    ("rfm_cluster", "cluster"),
    ("rfm_churn_probability", "churn_probability"),
    ("rfm_expected_purchases", "expected_purchases"),
    ("rfm_ltv", "ltv"),
    ("rfm_date", "run_date"),
)
# written with the others, but a change of it alone writes nothing: it is the
# date of the run that last changed the customer's figures
PARTNER_STAMP_COLUMN = "rfm_date"
# snapshot columns filled by the run (besides run_id)
SNAPSHOT_COLUMNS = (
    "run_date",
    "partner_id",
    "last_purchase_date",
    "recency",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "segment_code",
    "cluster",
    "churn_probability",
    "expected_purchases",
    "ltv",
    "churn_band",
)
# run fields copied from the run whose results a run with the same input takes
RESULT_FIELDS = (
    "customer_count",
    "cluster_count",
    "churn_model",
    "model_message",
    "holdout_weeks",
    "holdout_error_bgnbd",
    "holdout_error_mbgnbd",
    "holdout_predicted",
    "holdout_actual",
    "holdout_rows",
    "bgnbd_ok",
    "bgnbd_r",
    "bgnbd_alpha",
    "bgnbd_a",
    "bgnbd_b",
    "bgnbd_log_likelihood",
    "bgnbd_converged",
    "bgnbd_message",
    "gg_ok",
    "gg_p",
    "gg_q",
    "gg_v",
    "gg_log_likelihood",
    "gg_converged",
    "gg_message",
    "ltv_basis",
    "margin_share",
)
# model outputs rewritten on a customer only when they moved by more than
# max(absolute, relative x new value): half a point of churn risk, 1 % of
# the expected purchases and of the predicted value
MODEL_TOLERANCES = {
    "churn_probability": (0.005, 0.0),
    "expected_purchases": (0.005, 0.01),
    "ltv": (0.01, 0.01),
}
# part of the input digest: change it when the computation changes
DIGEST_VERSION = 2
# settings frozen on a run: those its results depend on, then those of the process
RESULT_PARAMETERS = (
    "window_months",
    "lookback_months",
    "recency_days",
    "holdout_months",
    "discount_rate",
    "scoring_method",
    "recency_thresholds",
    "frequency_thresholds",
    "monetary_thresholds",
    "high_cut",
    "cluster_k",
    "horizon_months",
)
PROCESS_PARAMETERS = ("batch_size", "write_workers")
FETCH_SIZE = 100000


def _as_text(values, fmt):
    """COPY text of a numeric column: ``fmt`` per value, ``\\N`` (NULL) for NaN."""
    values = np.asarray(values, dtype=float)
    text = np.char.mod(fmt, np.nan_to_num(values)).astype(object)
    text[np.isnan(values)] = "\\N"
    return text


def _finite(value):
    return float(value) if value is not None and np.isfinite(value) else 0.0


def get_param(env, key):
    """Typed RFM setting from ir.config_parameter with its default."""
    default = DEFAULTS[key]
    value = env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + key)
    # sudo: settings are global technical parameters; reading them is harmless
    if value in (None, False, ""):
        return default
    return type(default)(value)


class RetailCrmRfmRun(models.Model):
    """One RFM computation for one company.

    The run goes through the states ``new`` (nothing kept yet) -> ``writing``
    (aggregate, scores, clusters and model fit are stored as snapshot rows)
    -> ``done``. The write-back to ``res.partner`` walks the snapshot in
    partner id order, batch by batch, and remembers the last written partner
    id: a run killed in the middle restarts from there without doing
    anything twice.
    """

    _name = "retail.crm.rfm.run"
    _description = "RFM Run"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    run_date = fields.Date(
        required=True,
        readonly=False,
        help="Analysis date: orders up to this day count. An administrator may create a run "
        "with a past date (e.g. the end of a calibration period); the scheduled action "
        "processes it like any pending run.",
    )
    state = fields.Selection(
        selection=[
            ("new", "New"),
            ("writing", "Writing back"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="new",
        required=True,
        readonly=True,
    )
    # parameters frozen when the run is created, so that a resumed run is consistent
    tz = fields.Char(string="Time Zone", readonly=True, default="UTC")
    window_months = fields.Integer(readonly=True)
    lookback_months = fields.Integer(
        string="Look-back (months)",
        readonly=True,
        help="Customers whose last purchase day is within the look-back are scored.",
    )
    recency_days = fields.Integer(
        string="Recent Within (days)", readonly=True, help="Recency is high up to this many days."
    )
    holdout_months = fields.Integer(string="Holdout (months)", readonly=True)
    discount_rate = fields.Float(string="Annual Discount Rate (%)", readonly=True)
    scoring_method = fields.Selection([("quintile", "Quintiles"), ("threshold", "Thresholds")], readonly=True)
    recency_thresholds = fields.Char(readonly=True)
    frequency_thresholds = fields.Char(readonly=True)
    monetary_thresholds = fields.Char(readonly=True)
    high_cut = fields.Integer(readonly=True)
    cluster_k = fields.Integer(string="Clusters Asked", readonly=True)
    horizon_months = fields.Integer(string="Prediction Horizon (months)", readonly=True)
    batch_size = fields.Integer(readonly=True)
    write_workers = fields.Integer(
        string="Write-back Connections",
        readonly=True,
        help="Lanes of the write-back written at the same time, each on its own database connection.",
    )
    # progress
    customer_count = fields.Integer(string="Customers", readonly=True)
    lane_ids = fields.One2many("retail.crm.rfm.run.lane", "run_id", string="Write-back Lanes", readonly=True)
    written_count = fields.Integer(string="Partners Updated", compute="_compute_written_count")
    cleared_count = fields.Integer(string="Partners Cleared", readonly=True)
    tagged_count = fields.Integer(string="Tags Added", readonly=True)
    # diagnostics
    cluster_count = fields.Integer(string="Clusters", readonly=True)
    churn_model = fields.Selection(
        [("bgnbd", "BG/NBD"), ("mbgnbd", "MBG/NBD")],
        readonly=True,
        help="The model with the lower holdout error, refitted on all purchases.",
    )
    model_message = fields.Char(string="Model Choice", readonly=True)
    holdout_weeks = fields.Float(string="Holdout (weeks)", digits=(16, 1), readonly=True)
    holdout_error_bgnbd = fields.Float(string="BG/NBD Holdout Error", digits=(16, 4), readonly=True)
    holdout_error_mbgnbd = fields.Float(string="MBG/NBD Holdout Error", digits=(16, 4), readonly=True)
    holdout_predicted = fields.Float(
        string="Predicted Repeat Purchases", digits=(16, 1), readonly=True, help="Chosen model, holdout."
    )
    holdout_actual = fields.Float(string="Actual Repeat Purchases", digits=(16, 1), readonly=True)
    holdout_rows = fields.Text(string="Holdout by Frequency (JSON)", readonly=True)
    holdout_html = fields.Html(string="Holdout Check", compute="_compute_holdout_html", sanitize=False)
    bgnbd_ok = fields.Boolean(string="Churn Model Fitted", readonly=True)
    bgnbd_r = fields.Float(string="r", digits=(16, 6), readonly=True)
    bgnbd_alpha = fields.Float(string="alpha", digits=(16, 6), readonly=True)
    bgnbd_a = fields.Float(string="a", digits=(16, 6), readonly=True)
    bgnbd_b = fields.Float(string="b", digits=(16, 6), readonly=True)
    bgnbd_log_likelihood = fields.Float(string="BG/NBD Log-likelihood", readonly=True)
    bgnbd_converged = fields.Boolean(string="BG/NBD Converged", readonly=True)
    bgnbd_message = fields.Char(string="BG/NBD Diagnostics", readonly=True)
    gg_ok = fields.Boolean(string="Gamma-Gamma Fitted", readonly=True)
    gg_p = fields.Float(string="p", digits=(16, 6), readonly=True)
    gg_q = fields.Float(string="q", digits=(16, 6), readonly=True)
    gg_v = fields.Float(string="v", digits=(16, 6), readonly=True)
    gg_log_likelihood = fields.Float(string="Gamma-Gamma Log-likelihood", readonly=True)
    gg_converged = fields.Boolean(string="Gamma-Gamma Converged", readonly=True)
    gg_message = fields.Char(string="Gamma-Gamma Diagnostics", readonly=True)
    source_run_id = fields.Many2one(
        "retail.crm.rfm.run",
        string="Results Of",
        readonly=True,
        ondelete="cascade",
        help="Set when this run found exactly the input of an earlier run of the same day: "
        "it computed, stored and wrote nothing; its results are that run's.",
    )
    input_digest = fields.Char(
        readonly=True, copy=False, help="SHA-256 of the customer summary and the run parameters."
    )
    timings = fields.Text(readonly=True, help="Seconds per phase (JSON).")
    message = fields.Text(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        # parameters not given are frozen from the current settings
        for vals in vals_list:
            company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
            defaults = self._prepare_run_values(company)
            for key, value in defaults.items():
                vals.setdefault(key, value)
        return super().create(vals_list)

    def unlink(self):
        # the snapshot table has no foreign keys (see retail.crm.rfm.snapshot)
        self.env["retail.crm.rfm.snapshot"]._delete_for("run_id", self.ids)
        return super().unlink()

    @api.depends("lane_ids.written_count")
    def _compute_written_count(self):
        for run in self:
            run.written_count = sum(run.lane_ids.mapped("written_count"))

    @api.constrains("window_months", "lookback_months", "recency_days", "holdout_months", "discount_rate")
    def _check_parameters(self):
        # parameters frozen from ir.config_parameter may have been set without the settings form
        for run in self:
            check_rfm_parameters(
                self.env,
                run.window_months,
                run.lookback_months,
                run.recency_days,
                run.holdout_months,
                run.discount_rate,
            )

    @api.depends("holdout_rows")
    def _compute_holdout_html(self):
        for run in self:
            rows = json.loads(run.holdout_rows or "[]")
            if not rows:
                run.holdout_html = False
                continue
            kinds = dict(self._fields["churn_model"]._description_selection(self.env))
            models_ = sorted(rows[0]["predicted"])
            head = "".join(f"<th>{escape(kinds.get(kind, kind))}</th>" for kind in models_)
            body = "".join(
                "<tr><td>{}</td><td>{}</td><td>{:.0f}</td>{}</tr>".format(
                    f"{row['bucket']}+" if row is rows[-1] else row["bucket"],
                    row["customers"],
                    row["actual"],
                    "".join(f"<td>{row['predicted'][kind]:.1f}</td>" for kind in models_),
                )
                for row in rows
            )
            run.holdout_html = Markup(
                "<table class='table table-sm'><thead><tr><th>{}</th><th>{}</th><th>{}</th>{}</tr></thead>"
                "<tbody>{}</tbody></table>"
            ).format(
                _("Repeat purchase days (calibration)"),
                _("Calibration customers"),
                _("Actual (holdout)"),
                Markup(head),
                Markup(body),
            )

    @api.depends("company_id", "run_date")
    def _compute_name(self):
        for run in self:
            run.name = f"{run.company_id.name or ''} {run.run_date or ''}".strip()

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _cron_compute_rfm(self):
        """Scheduled action: finish pending runs, else start one per company."""
        commit = not modules.module.current_test
        # sudo: a technical batch over every company, whatever companies the
        # cron's user may open; it only reads orders and writes RFM figures
        run_sudo = self.sudo()
        runs = run_sudo._get_runs_to_process(run_sudo.env["res.company"].search([]))
        if commit:
            # the runs exist even if a computation fails below
            self.env.cr.commit()  # pylint: disable=invalid-commit
        for index, run in enumerate(runs):
            run = run.with_company(run.company_id)
            try:
                while not run._step(parallel=commit):
                    if commit:
                        # one batch of partner rows is locked at most until here
                        self.env.cr.commit()  # pylint: disable=invalid-commit
            except Exception as error:
                if not commit:
                    raise
                self.env.cr.rollback()
                _logger.exception("RFM run %s failed", run.id)
                run.write({"state": "failed", "message": str(error)})
            self.env["ir.cron"]._notify_progress(done=index + 1, remaining=len(runs) - index - 1)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        if runs.filtered(lambda run: run.state == "done" and not run.source_run_id):
            # new results: the KPIs (orders and predicted values) follow
            run_sudo.env["retail.crm.rfm.kpi.report"]._refresh()
        return runs

    @api.model
    def _get_runs_to_process(self, companies):
        pending = self.search([("company_id", "in", companies.ids), ("state", "in", ("new", "writing"))])
        runs = pending
        for company in companies - pending.company_id:
            runs += self.with_company(company).create(self._prepare_run_values(company))
        return runs.with_env(self.env)

    @api.model
    def _prepare_run_values(self, company):
        tz = company.partner_id.tz or self.env.user.tz or "UTC"
        today = fields.Date.context_today(self.with_context(tz=tz))
        values = {key: get_param(self.env, key) for key in RESULT_PARAMETERS + PROCESS_PARAMETERS}
        values.update(company_id=company.id, run_date=today, tz=tz)
        return values

    def action_run_now(self):
        """Ask the scheduler to run the computation as soon as possible."""
        self.env.ref("retail_crm_rfm.ir_cron_compute_rfm")._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": _("The RFM computation has been scheduled."),
            },
        }

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------
    def _step(self, parallel=False):
        """Do the next unit of work. Returns True when the caller stops here:
        the run is finished, or its write-back was handed to the workers.

        With ``parallel`` (the scheduled action, which commits between
        steps), the write-back lanes are written by the write-back cron jobs
        (``retail.crm.rfm.run.lane._cron_write_lanes``), which any cron
        worker of the deployment picks up, each committing after every batch;
        otherwise one batch of one lane is written per step.
        """
        self.ensure_one()
        if self.state == "new":
            self._compute_scores()
            if not self._partners_hold_source():
                self._plan_lanes()
            self.state = "writing"
        elif self.state == "writing":
            lanes = self.lane_ids.filtered(lambda lane: not lane._is_done())
            if not lanes or self._partners_hold_source():
                self._finish()
                self.state = "done"
            elif parallel and self._hand_lanes_to_workers():
                # the write-back cron jobs write the lanes, on any cron
                # worker of the deployment; the last one triggers the
                # scheduled action again, which then finishes the run
                return True
            else:
                started = time.perf_counter()
                lanes[0]._write_batch()
                self._add_timing("write", time.perf_counter() - started)
                self.env["ir.cron"]._notify_progress(
                    done=self.written_count, remaining=max(self.customer_count - self.written_count, 0)
                )
        return self.state in ("done", "failed")

    def _add_timing(self, phase, seconds):
        timings = json.loads(self.timings or "{}")
        timings[phase] = round(timings.get(phase, 0.0) + seconds, 3)
        self.timings = json.dumps(timings)

    def _company_key(self):
        return str(self.company_id.id)

    @api.model
    def _get_last_done_run(self, company):
        """The company's last finished run: the one whose results customers hold."""
        return self.search(
            [("company_id", "=", company.id), ("state", "=", "done")], order="id desc", limit=1
        )

    def _snapshot_run_id(self):
        """Id of the run whose snapshot rows hold this run's results."""
        return self.source_run_id.id or self.id

    def _partners_hold_source(self):
        """True when this run changed nothing and the partners hold its results.

        The source run finished its write-back; unless a later run of the
        company was interrupted (it may have written part of its figures), the
        partners still hold the source's values and there is nothing to write.
        """
        if not self.source_run_id:
            return False
        return not self.search_count(
            [
                ("company_id", "=", self.company_id.id),
                ("id", ">", self.source_run_id.id),
                ("id", "!=", self.id),
                ("state", "!=", "done"),
            ],
            limit=1,
        )

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

    def _scored_mask(self, summary):
        """Customers with a purchase day within the look-back are scored."""
        lookback_days = (self.run_date - (self.run_date - relativedelta(months=self.lookback_months))).days
        return summary["recency"] < lookback_days

    def _score(self, summary):
        """R, F, M scores 1-5 and the segment (index in engine.SEGMENT_CODES)."""
        rec, freq, mon = summary["recency"], summary["frequency"], summary["monetary"]
        thresholds = None
        if self.scoring_method == "threshold":
            try:
                thresholds = [
                    engine.parse_thresholds(self.recency_thresholds),
                    engine.parse_thresholds(self.frequency_thresholds),
                    engine.parse_thresholds(self.monetary_thresholds),
                ]
            except ValueError as error:
                raise UserError(_("Invalid RFM thresholds: %(error)s", error=error)) from error
        r_score, f_score, m_score = engine.rfm_scores(rec, freq, mon, thresholds)
        segment_index = engine.segment_index(
            rec, freq, f_score, m_score, cut=self.high_cut, recency_days=self.recency_days
        )
        return r_score, f_score, m_score, segment_index

    def _cluster(self, summary):
        """1-based index into engine.CLUSTER_CODES per customer (0: not clustered)."""
        result = engine.kmeans_clusters(
            summary["recency"], summary["frequency"], summary["monetary"], k=self.cluster_k
        )
        self.cluster_count = result.k
        if not result.k:
            return np.zeros(summary["recency"].size, dtype=np.int64)
        code_index = np.array([engine.CLUSTER_CODES.index(code) + 1 for code in result.codes])
        return code_index[result.labels]

    def _predict(self, summary):
        """Churn model chosen on the holdout, churn risk, expected purchases, value."""
        horizon = stats.months_to_weeks(self.horizon_months)
        holdout = (self.run_date - self._calibration_end()).days / 7.0 if self.holdout_months else 0.0
        result = pipeline.predict(
            summary,
            horizon,
            holdout,
            self.discount_rate / 100.0,
            steps=pipeline.value_steps(self.horizon_months),
        )
        errors = {check.kind: check.error for check in result.checks}
        chosen = next((check for check in result.checks if check.kind == result.kind), None)
        fit = result.fit or stats.FitResult(False, message=result.message)
        values = {
            "churn_model": result.kind or False,
            "model_message": result.message,
            "holdout_weeks": holdout,
            "holdout_error_bgnbd": _finite(errors.get("bgnbd")),
            "holdout_error_mbgnbd": _finite(errors.get("mbgnbd")),
            "holdout_predicted": _finite(chosen.predicted if chosen else None),
            "holdout_actual": _finite(chosen.actual if chosen else None),
            "holdout_rows": json.dumps(
                [
                    {"bucket": bucket, "customers": n, "actual": actual, "predicted": predicted}
                    for bucket, n, actual, predicted in pipeline.holdout_table(result)
                ]
            ),
            "bgnbd_ok": bool(result.kind),
            "bgnbd_message": fit.message,
            "bgnbd_converged": fit.converged,
            "bgnbd_log_likelihood": fit.log_likelihood if fit.ok else 0.0,
            "bgnbd_r": fit.params.get("r", 0.0),
            "bgnbd_alpha": fit.params.get("alpha", 0.0),
            "bgnbd_a": fit.params.get("a", 0.0),
            "bgnbd_b": fit.params.get("b", 0.0),
        }
        gg = result.gg
        if gg:
            values.update(
                {
                    "gg_ok": gg.ok and gg.converged,
                    "gg_message": gg.message,
                    "gg_converged": gg.converged,
                    "gg_log_likelihood": gg.log_likelihood if gg.ok else 0.0,
                    "gg_p": gg.params.get("p", 0.0),
                    "gg_q": gg.params.get("q", 0.0),
                    "gg_v": gg.params.get("v", 0.0),
                }
            )
        self.write(values)
        return result.churn, result.expected, result.ltv

    def _compute_scores(self):
        """Phase 1: aggregate, score, segment, cluster, fit; store snapshot rows."""
        self.ensure_one()
        started = time.perf_counter()
        summary = self._fetch_summary()
        self._add_timing("aggregate", time.perf_counter() - started)
        source = self._same_input_run()
        if source:
            # same day, same input: same results, already stored and written
            self._take_results_of(source)
            self._log_results()
            return

        started = time.perf_counter()
        # the models are fitted on every customer (also those no longer
        # scored: they are the ones who dropped out); scores and clusters
        # are relative to the scored customers
        churn, expected, ltv = self._predict(summary)
        self._add_timing("predict", time.perf_counter() - started)

        scored = self._scored_mask(summary)
        summary = {name: values[scored] for name, values in summary.items()}
        churn, expected, ltv = churn[scored], expected[scored], ltv[scored]
        started = time.perf_counter()
        ltv = self._value_basis(summary["partner_id"], ltv)
        self._add_timing("margin", time.perf_counter() - started)
        started = time.perf_counter()
        r_score, f_score, m_score, segment_index = self._score(summary)
        self._add_timing("score", time.perf_counter() - started)

        started = time.perf_counter()
        clusters = self._cluster(summary)
        self._add_timing("cluster", time.perf_counter() - started)

        started = time.perf_counter()
        self._insert_snapshots(
            summary, r_score, f_score, m_score, segment_index, clusters, churn, expected, ltv
        )
        # fresh statistics for the write-back plans
        self.env.cr.execute(SQL("ANALYZE retail_crm_rfm_snapshot"))
        self.customer_count = summary["partner_id"].size
        self._add_timing("snapshot", time.perf_counter() - started)
        self._log_results()

    def _log_results(self):
        _logger.info(
            "RFM run %s (%s): %s customers, %s clusters, BG/NBD: %s, Gamma-Gamma: %s, timings %s",
            self.id,
            self.company_id.name,
            self.customer_count,
            self.cluster_count,
            self.bgnbd_message,
            self.gg_message,
            self.timings,
        )

    def _insert_snapshots(
        self, summary, r_score, f_score, m_score, segment_index, clusters, churn, expected, ltv
    ):
        """Snapshot rows of the scored customers, in one COPY.

        The rows are formatted column by column (numpy) and streamed to
        ``COPY ... FROM STDIN``: no statement parameters are built per row.
        """
        segment_codes = np.array(engine.SEGMENT_CODES, dtype=object)
        cluster_codes = np.array(("\\N",) + engine.CLUSTER_CODES, dtype=object)
        # the last purchase day, from the days since it (few distinct values)
        days, day_index = np.unique(summary["recency"], return_inverse=True)
        last_day = np.array(
            [(self.run_date - timedelta(days=int(day))).isoformat() for day in days.tolist()], dtype=object
        )
        columns = (
            np.full(summary["partner_id"].size, str(self.id), dtype=object),
            np.full(summary["partner_id"].size, self.run_date.isoformat(), dtype=object),
            _as_text(summary["partner_id"], "%d"),
            last_day[day_index.reshape(-1)] if day_index.size else np.zeros(0, dtype=object),
            _as_text(summary["recency"], "%d"),
            _as_text(summary["frequency"], "%d"),
            _as_text(summary["monetary"], "%.2f"),
            _as_text(r_score, "%d"),
            _as_text(f_score, "%d"),
            _as_text(m_score, "%d"),
            segment_codes[np.asarray(segment_index, dtype=np.int64)],
            cluster_codes[np.asarray(clusters, dtype=np.int64)],
            _as_text(churn, "%.4f"),
            _as_text(expected, "%.4f"),
            _as_text(ltv, "%.2f"),
            # band 1-5 of 20 points of churn risk (1 for 0-20 %, 5 for 80-100 %)
            _as_text(np.minimum(np.floor(np.asarray(churn, dtype=float) * 5), 4) + 1, "%d"),
        )
        lines = ["\t".join(row) for row in zip(*columns, strict=True)]
        buffer = io.StringIO("\n".join(lines) + "\n" if lines else "")
        self.env.cr.copy_expert(
            SQL(
                "COPY retail_crm_rfm_snapshot (run_id, %s) FROM STDIN",
                SQL(", ").join(SQL.identifier(col) for col in SNAPSHOT_COLUMNS),
            ).code,
            buffer,
        )

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

    # -- phase 2 -------------------------------------------------------
    def _partner_set_sql(self, key):
        """SET clause copying every snapshot column into its company-keyed jsonb."""
        assignments = []
        for partner_col, snap_col in PARTNER_COLUMNS:
            column = SQL.identifier(partner_col)
            value = self._snapshot_value_sql(snap_col)
            assignments.append(
                SQL(
                    "%(column)s = CASE WHEN %(value)s IS NULL"
                    " THEN COALESCE(p.%(column)s, '{}'::jsonb) - %(key)s"
                    " ELSE COALESCE(p.%(column)s, '{}'::jsonb) || jsonb_build_object(%(key)s, %(value)s) END",
                    column=column,
                    value=value,
                    key=key,
                )
            )
        return SQL(", ").join(assignments)

    def _snapshot_value_sql(self, snap_col):
        if snap_col == "segment_id":
            return SQL("seg.id")
        return SQL("s.%s", SQL.identifier(snap_col))

    def _partner_differs_sql(self, key):
        """A partner row is written when a figure differs.

        The date stamp alone does not count. The model outputs (churn risk,
        expected purchases, value) move a little every day for everyone, as
        the customer's age grows: they count when they moved by more than
        their tolerance (``MODEL_TOLERANCES``). A row is written whole, so
        its figures are always those of the run of its ``rfm_date``; the
        snapshot of every run keeps the exact values.
        """
        conditions = []
        for partner_col, snap_col in PARTNER_COLUMNS:
            if partner_col == PARTNER_STAMP_COLUMN:
                continue
            column = SQL.identifier(partner_col)
            value = self._snapshot_value_sql(snap_col)
            if snap_col in MODEL_TOLERANCES:
                absolute, relative = MODEL_TOLERANCES[snap_col]
                old = SQL("(p.%s ->> %s)::numeric", column, key)
                conditions.append(
                    SQL(
                        "(%(old)s IS DISTINCT FROM %(new)s"
                        " AND NOT COALESCE(abs(%(old)s - %(new)s) < GREATEST(%(absolute)s, %(relative)s * abs(%(new)s)),"
                        " false))",
                        old=old,
                        new=value,
                        absolute=absolute,
                        relative=relative,
                    )
                )
            else:
                conditions.append(SQL("(p.%s -> %s) IS DISTINCT FROM to_jsonb(%s)", column, key, value))
        return SQL(" OR ").join(conditions)

    def _plan_lanes(self):
        """Split the write-back into ``write_workers`` contiguous partner id ranges."""
        self.env.cr.execute(
            SQL(
                """
            SELECT min(partner_id), max(partner_id)
              FROM (SELECT partner_id, ntile(%s) OVER (ORDER BY partner_id) AS lane
                      FROM retail_crm_rfm_snapshot
                     WHERE run_id = %s) AS lanes
             GROUP BY lane
             ORDER BY lane
            """,
                max(self.write_workers, 1),
                self._snapshot_run_id(),
            )
        )
        self.env["retail.crm.rfm.run.lane"].create(
            [
                {
                    "run_id": self.id,
                    "low_partner_id": low - 1,
                    "high_partner_id": high,
                    "cursor_partner_id": low - 1,
                }
                for low, high in self.env.cr.fetchall()
            ]
        )

    def _lane_workers(self):
        """The active write-back worker jobs (``_cron_write_lanes`` of the lanes)."""
        # sudo: the scheduled jobs are technical records; only looked up and triggered
        return (
            self.env["ir.cron"]
            .sudo()
            .search(
                [
                    ("model_id.model", "=", "retail.crm.rfm.run.lane"),
                    ("code", "=", "model._cron_write_lanes()"),
                    ("active", "=", True),
                ]
            )
        )

    def _hand_lanes_to_workers(self):
        """Trigger the write-back workers; False when none is active (the caller writes)."""
        workers = self._lane_workers()
        for worker in workers:
            worker._trigger()
        return bool(workers)

    def _clear_stale(self):
        """Remove this company's figures from customers no longer scored."""
        cr = self.env.cr
        key = self._company_key()
        partner_fields = [name for name, _col in PARTNER_COLUMNS]
        self.env["res.partner"].flush_model(partner_fields)
        # EXCEPT (hashed set difference) instead of NOT EXISTS: no nested loop
        # whatever the statistics of the fresh snapshot rows
        cr.execute(
            SQL(
                """
            UPDATE res_partner p SET %(assignments)s
             WHERE p.id IN (SELECT q.id FROM res_partner q WHERE q.rfm_date ? %(key)s
                            EXCEPT
                            SELECT s.partner_id FROM retail_crm_rfm_snapshot s
                             WHERE s.run_id = %(run)s)
            """,
                assignments=SQL(", ").join(
                    SQL("%(col)s = p.%(col)s - %(key)s", col=SQL.identifier(name), key=key)
                    for name in partner_fields
                ),
                key=key,
                run=self._snapshot_run_id(),
            )
        )
        self.cleared_count = cr.rowcount
        self.env["res.partner"].invalidate_model(partner_fields)

    def _apply_tag_rules(self):
        """D5: add preference tags from purchases in the window (set-based, add only)."""
        cr = self.env.cr
        rules = self.env["retail.crm.rfm.tag.rule"].search(
            [("company_id", "in", (False, self.company_id.id))]
        )
        if not rules:
            return
        self.env["pos.order.line"].flush_model(["order_id", "product_id", "qty"])
        self.env["res.partner"].flush_model(["category_id"])
        window_start = self.run_date - relativedelta(months=self.window_months)
        cr.execute(
            SQL(
                """
            INSERT INTO res_partner_res_partner_category_rel (category_id, partner_id)
            SELECT r.tag_id, o.partner_id
              FROM retail_crm_rfm_tag_rule r
              JOIN product_category rc ON rc.id = r.categ_id
              JOIN product_category c ON starts_with(c.parent_path, rc.parent_path)
              JOIN product_template t ON t.categ_id = c.id
              JOIN product_product pp ON pp.product_tmpl_id = t.id
              JOIN pos_order_line l ON l.product_id = pp.id AND l.qty > 0
              JOIN pos_order o ON o.id = l.order_id
             WHERE r.id IN %(rules)s
               AND o.company_id = %(company)s
               AND o.partner_id IS NOT NULL
               AND o.state IN %(states)s
               AND (o.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                   BETWEEN %(start)s::date + 1 AND %(run_date)s
             GROUP BY r.id, r.tag_id, o.partner_id
            HAVING count(DISTINCT o.id) >= min(r.min_orders)
            ON CONFLICT DO NOTHING
            """,
                rules=tuple(rules.ids),
                company=self.company_id.id,
                states=PAID_STATES,
                tz=self.tz or "UTC",
                start=window_start,
                run_date=self.run_date,
            )
        )
        self.tagged_count = cr.rowcount
        self.env["res.partner"].invalidate_model(["category_id"])
        self.env["res.partner.category"].invalidate_model(["partner_ids"])

    def _finish(self):
        started = time.perf_counter()
        if not self._partners_hold_source():
            self._clear_stale()
        self._apply_tag_rules()
        # keep one run per company and day: older runs of the same day go,
        # except the one whose snapshot holds this run's results
        self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("run_date", "=", self.run_date),
                ("state", "in", ("done", "failed")),
                ("id", "<", self.id),
                ("id", "!=", self.source_run_id.id),
            ]
        ).unlink()
        self._add_timing("finish", time.perf_counter() - started)

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------
    @api.model
    def _cron_purge_snapshots(self):
        """Drop runs older than the retention; keep the last run of each month."""
        today = fields.Date.context_today(self)
        retention = get_param(self.env, "snapshot_retention_months")
        old = self.search([("run_date", "<", today - relativedelta(months=retention))])
        # older than a week: only the last done run per company and month is kept
        recent_limit = today - timedelta(days=7)
        candidates = self.search(
            [("run_date", "<", recent_limit), ("id", "not in", old.ids)],
            order="company_id, run_date desc, id desc",
        )
        keep = set()
        kept_sources = set()
        superseded = self.browse()
        for run in candidates:
            month_key = (run.company_id.id, run.run_date.year, run.run_date.month)
            if run.state == "done" and month_key not in keep:
                keep.add(month_key)
                # a run without a snapshot of its own keeps the run holding its results
                kept_sources.add(run.source_run_id.id)
            elif run.id not in kept_sources:
                superseded |= run
        (old | superseded).unlink()
