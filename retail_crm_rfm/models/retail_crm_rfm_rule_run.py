import logging
import time
from datetime import datetime, timedelta

import pytz
from dateutil.relativedelta import relativedelta
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

from .cron_batch import commit_batch, in_cron_job
from .retail_crm_rfm_rule_mining import RuleMining

_logger = logging.getLogger(__name__)

KEEP_DAYS = 400  # runs (and their rules) older than this are purged by the cron


class RetailCrmRfmRuleRun(RuleMining, models.Model):
    """R8: one mining of the cross-sell rules of a company on a day.

    The baskets are the company's paid POS orders of members in the window,
    net of refunds the way the RFM run nets them: a refund (a paid order whose
    line points to an earlier line through ``refunded_orderline_id``, on any
    day) cancels the refunded line, so that item leaves its basket. People who
    refused profiling (retail_crm_privacy, when installed) are left out, like
    in the RFM run. One run per company and day: the cron run twice on the
    same day does not mine again."""

    _name = "retail.crm.rfm.rule.run"
    _description = "Cross-sell Rule Mining"
    _order = "run_date desc, id desc"

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    run_date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    date_from = fields.Date(string="Baskets From", readonly=True)
    state = fields.Selection(
        [("new", "To Mine"), ("done", "Mined"), ("failed", "Mining Failed")],
        default="new",
        required=True,
        readonly=True,
    )
    tz = fields.Char(string="Time Zone", readonly=True, default="UTC")
    basket_count = fields.Integer(string="Baskets", readonly=True)
    category_rule_count = fields.Integer(string="Category Rules", readonly=True)
    product_rule_count = fields.Integer(string="Product Rules", readonly=True)
    min_support = fields.Float(string="Minimum Support (%)", digits=(16, 4), readonly=True)
    min_confidence = fields.Float(string="Minimum Confidence (%)", digits=(16, 2), readonly=True)
    min_lift = fields.Float(string="Minimum Lift", digits=(16, 2), readonly=True)
    duration = fields.Float(string="Duration (s)", digits=(16, 1), readonly=True)
    message = fields.Text(readonly=True)
    rule_ids = fields.One2many("retail.crm.rfm.rule", "run_id", string="Rules", readonly=True)

    _sql_constraints = [
        (
            "company_day_unique",
            "UNIQUE(company_id, run_date)",
            "The rules are mined once per company and day.",
        ),
    ]

    def init(self):
        res = super().init()
        # the refund lines (about 1.5 % of the lines) netted by the mining and the
        # replenishment pass, without a scan of every order line
        create_index(
            self.env.cr,
            "retail_crm_rfm_pos_line_refunded_idx",
            "pos_order_line",
            ["refunded_orderline_id", "order_id", "qty"],
            where="refunded_orderline_id IS NOT NULL",
        )
        return res

    @api.depends("company_id", "run_date")
    def _compute_name(self):
        for run in self:
            run.name = f"{run.company_id.name or ''} {run.run_date or ''}".strip()

    # -- entry points ----------------------------------------------------
    @api.model
    def _cron_mine_rules(self):
        """Scheduled action: today's run per company (skipped when already done), then the purge."""
        # one commit per company when the cron worker runs the job (cron_batch); called
        # from code or a test, nothing is committed and an error reaches the caller
        in_cron = in_cron_job(self.env)
        # sudo: a technical batch over every company; it reads paid orders and
        # writes aggregate rules only
        run_sudo = self.sudo()
        # every company: a handful of rows
        companies = run_sudo.env["res.company"].search([])  # pylint: disable=no-search-all
        done = self.browse()
        for index, company in enumerate(companies):
            run = run_sudo._get_or_create_today(company)
            if run and run.state != "done":
                try:
                    run.with_company(company)._mine()
                except Exception as error:
                    if not in_cron:
                        raise
                    self.env.cr.rollback()
                    _logger.exception("Cross-sell mining %s failed", run.id)
                    run.write({"state": "failed", "message": str(error)})
                done |= run
            commit_batch(self.env, index + 1, len(companies) - index - 1)
        run_sudo._purge_old_runs()
        return done

    @api.model
    def _get_or_create_today(self, company):
        tz = company.partner_id.tz or "UTC"
        today = fields.Date.context_today(self.with_context(tz=tz))
        run = self.search([("company_id", "=", company.id), ("run_date", "=", today)], limit=1)
        if not run:
            try:
                with self.env.cr.savepoint():
                    run = self.create({"company_id": company.id, "run_date": today, "tz": tz})
            except pg_errors.UniqueViolation:
                return self.browse()  # another worker created it at the same time and mines it
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL("SELECT id FROM retail_crm_rfm_rule_run WHERE id = %s FOR UPDATE NOWAIT", run.id)
                )
        except pg_errors.LockNotAvailable:
            return self.browse()  # being mined by another worker
        return run

    def action_mine_now(self):
        self.env.ref("retail_crm_rfm.ir_cron_mine_rfm_rules")._trigger()
        return True

    @api.model
    def _purge_old_runs(self):
        old = self.search([("run_date", "<", fields.Date.today() - timedelta(days=KEEP_DAYS))])
        if old:
            # the rules go with their run (ondelete cascade in the database)
            old.unlink()

    # -- mining ----------------------------------------------------------
    def _window_utc(self):
        tz = pytz.timezone(self.tz or "UTC")

        def to_utc(day):
            local = tz.localize(datetime.combine(day, datetime.min.time()))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        start = self.run_date - relativedelta(months=self.company_id.rfm_rule_window_months)
        return start, to_utc(start + timedelta(days=1)), to_utc(self.run_date + timedelta(days=1))

    def _refused_ids(self):
        Partner = self.env["res.partner"]
        if hasattr(Partner, "_privacy_profiling_refused_ids"):
            return sorted(Partner._privacy_profiling_refused_ids())
        return []

    def _mine(self):
        """Mine both levels in a few statements (``retail_crm_rfm_rule_mining``)
        and mark the rules current."""
        self.ensure_one()
        started = time.perf_counter()
        company = self.company_id
        self.env["pos.order"].flush_model(["partner_id", "state", "date_order", "company_id"])
        self.env["pos.order.line"].flush_model(["order_id", "product_id", "qty", "refunded_orderline_id"])
        self.env["product.product"].flush_model(["product_tmpl_id"])
        self.env["product.template"].flush_model(["categ_id"])
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM retail_crm_rfm_rule WHERE run_id = %s", self.id))
        date_from, start, end = self._window_utc()
        params = {
            "min_support": company.rfm_rule_min_support,
            "min_confidence": company.rfm_rule_min_confidence,
            "min_lift": company.rfm_rule_min_lift,
        }
        work_mem = self._set_mining_work_mem()
        baskets = self._load_baskets(start, end)
        timings = {}
        counts = {}
        for level in ("category", "product"):
            t0 = time.perf_counter()
            counts[level] = self._insert_pair_rules(level, baskets, params)
            if level == "category" and company.rfm_rule_triples:
                counts[level] += self._insert_triple_rules(baskets, params)
            timings[level] = time.perf_counter() - t0
        self._drop_mining_tables()
        self._set_mining_work_mem(work_mem)
        cr.execute(
            SQL(
                """
            UPDATE retail_crm_rfm_rule SET is_current = (run_id = %(run)s)
             WHERE company_id = %(company)s AND (is_current OR run_id = %(run)s)
            """,
                run=self.id,
                company=company.id,
            )
        )
        # the rows were written in SQL
        self.env["retail.crm.rfm.rule"].invalidate_model()
        self.invalidate_recordset(["rule_ids"])
        self.write(
            {
                "state": "done",
                "date_from": date_from,
                "basket_count": baskets.count,
                "category_rule_count": counts["category"],
                "product_rule_count": counts["product"],
                "min_support": params["min_support"],
                "min_confidence": params["min_confidence"],
                "min_lift": params["min_lift"],
                "duration": time.perf_counter() - started,
                "message": self.env._(
                    "Categories: %(category).1f s, products: %(product).1f s.",
                    category=timings["category"],
                    product=timings["product"],
                ),
            }
        )
        return counts
