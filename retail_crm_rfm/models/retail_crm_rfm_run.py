import json
import logging
import time

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .cron_batch import commit_batch, in_cron_job
from .res_config_settings import check_rfm_parameters
from .rfm_run_aggregate import RfmRunAggregate
from .rfm_run_common import (  # noqa: F401 (imported from here by the lanes, tests and tools)
    DEFAULTS,
    MODEL_TOLERANCES,
    PAID_STATES,
    PARAM_PREFIX,
    PARTNER_COLUMNS,
    PROCESS_PARAMETERS,
    RESULT_PARAMETERS,
    SNAPSHOT_COLUMNS,
    get_param,
)
from .rfm_run_finish import RfmRunFinish
from .rfm_run_scoring import RfmRunScoring
from .rfm_run_snapshot import RfmRunSnapshot
from .rfm_run_summary import RfmRunSummary
from .rfm_run_writeback import RfmRunWriteBack

_logger = logging.getLogger(__name__)


class RetailCrmRfmRun(
    RfmRunSummary,
    RfmRunAggregate,
    RfmRunScoring,
    RfmRunSnapshot,
    RfmRunWriteBack,
    RfmRunFinish,
    models.Model,
):
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
    model_refit_days = fields.Integer(
        string="Model Refit (days)",
        readonly=True,
        help="The churn and value models are refitted when the last fit is this many days old "
        "(0: on every run); the runs in between predict with the last fit's parameters.",
    )
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
        [("bgnbd", "BG/NBD"), ("mbgnbd", "MBG/NBD"), ("pareto", "Pareto/NBD")],
        readonly=True,
        help="The model with the lower holdout error, refitted on all purchases.",
    )
    model_message = fields.Char(string="Model Choice", readonly=True)
    holdout_weeks = fields.Float(string="Holdout (weeks)", digits=(16, 1), readonly=True)
    holdout_error_bgnbd = fields.Float(string="BG/NBD Holdout Error", digits=(16, 4), readonly=True)
    holdout_error_mbgnbd = fields.Float(string="MBG/NBD Holdout Error", digits=(16, 4), readonly=True)
    holdout_error_pareto = fields.Float(string="Pareto/NBD Holdout Error", digits=(16, 4), readonly=True)
    holdout_predicted = fields.Float(
        string="Predicted Repeat Purchases", digits=(16, 1), readonly=True, help="Chosen model, holdout."
    )
    holdout_actual = fields.Float(string="Actual Repeat Purchases", digits=(16, 1), readonly=True)
    holdout_rows = fields.Text(string="Holdout by Frequency (JSON)", readonly=True)
    holdout_html = fields.Html(string="Holdout Check", compute="_compute_holdout_html", sanitize=False)
    model_fit_date = fields.Date(
        string="Model Fitted On",
        readonly=True,
        help="Date of the run that fitted the models (and checked them on the holdout) "
        "whose parameters this run predicted with.",
    )
    model_state = fields.Text(string="Fitted Model (JSON)", readonly=True, copy=False)
    bgnbd_ok = fields.Boolean(string="Churn Model Fitted", readonly=True)
    bgnbd_r = fields.Float(string="r", digits=(16, 6), readonly=True)
    bgnbd_alpha = fields.Float(string="alpha", digits=(16, 6), readonly=True)
    # the third and fourth parameters of the chosen model: a, b (BG/NBD, MBG/NBD), s, beta (Pareto/NBD)
    bgnbd_a = fields.Float(string="a (Pareto/NBD: s)", digits=(16, 6), readonly=True)
    bgnbd_b = fields.Float(string="b (Pareto/NBD: beta)", digits=(16, 6), readonly=True)
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

    @api.constrains(
        "window_months",
        "lookback_months",
        "recency_days",
        "holdout_months",
        "discount_rate",
        "model_refit_days",
    )
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
            if run.model_refit_days < 0:
                raise ValidationError(self.env._("The model refit interval cannot be negative."))

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
                self.env._("Repeat purchase days (calibration)"),
                self.env._("Calibration customers"),
                self.env._("Actual (holdout)"),
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
        """Scheduled action: finish pending runs, else start one per company.

        Run by ``ir.cron`` (``cron_batch.in_cron_job``), each step is committed
        and the write-back lanes are handed to the write-back cron jobs; called
        from code or a test, nothing is committed, the lanes are written here
        one batch per step and an error reaches the caller."""
        commit = in_cron_job(self.env)
        # sudo: a technical batch over every company, whatever companies the
        # cron's user may open; it only reads orders and writes RFM figures
        run_sudo = self.sudo()
        # every company: a handful of rows
        companies = run_sudo.env["res.company"].search([])  # pylint: disable=no-search-all
        runs = run_sudo._get_runs_to_process(companies)
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
            commit_batch(self.env, index + 1, len(runs) - index - 1)
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
                "message": self.env._("The RFM computation has been scheduled."),
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
