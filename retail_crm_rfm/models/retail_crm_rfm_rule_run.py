import logging
import time
from datetime import datetime, timedelta

import pytz
from dateutil.relativedelta import relativedelta
from psycopg2 import errors as pg_errors

from odoo import api, fields, models, modules
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

PAID_STATES = ("paid", "done", "invoiced")
KEEP_DAYS = 400  # runs (and their rules) older than this are purged by the cron


class RetailCrmRfmRuleRun(models.Model):
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

    @api.depends("company_id", "run_date")
    def _compute_name(self):
        for run in self:
            run.name = f"{run.company_id.name or ''} {run.run_date or ''}".strip()

    # -- entry points ----------------------------------------------------
    @api.model
    def _cron_mine_rules(self):
        """Scheduled action: today's run per company (skipped when already done), then the purge."""
        commit = not modules.module.current_test
        # sudo: a technical batch over every company; it reads paid orders and
        # writes aggregate rules only
        run_sudo = self.sudo()
        companies = run_sudo.env["res.company"].search([])
        done = self.browse()
        for index, company in enumerate(companies):
            run = run_sudo._get_or_create_today(company)
            if run and run.state != "done":
                try:
                    run.with_company(company)._mine()
                except Exception as error:
                    if not commit:
                        raise
                    self.env.cr.rollback()
                    _logger.exception("Cross-sell mining %s failed", run.id)
                    run.write({"state": "failed", "message": str(error)})
                done |= run
            self.env["ir.cron"]._notify_progress(done=index + 1, remaining=len(companies) - index - 1)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
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
        """Mine both levels in a few statements and mark the rules current."""
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
        baskets = self._load_items(start, end)
        timings = {}
        counts = {}
        for level in ("category", "product"):
            t0 = time.perf_counter()
            counts[level] = self._insert_pair_rules(level, baskets, params)
            if level == "category" and company.rfm_rule_triples:
                counts[level] += self._insert_triple_rules(baskets, params)
            timings[level] = time.perf_counter() - t0
        cr.execute(SQL("DROP TABLE IF EXISTS rfm_rule_items"))
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
                "basket_count": baskets,
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

    def _load_items(self, start, end):
        """The basket items of the window in a temporary table; returns the number of baskets.

        One row per (order, product) with the product's category; the lines of
        refund orders (negative quantities) and the lines a paid refund points
        to are left out."""
        cr = self.env.cr
        cr.execute(SQL("DROP TABLE IF EXISTS rfm_rule_items"))
        cr.execute(
            SQL(
                """
            CREATE TEMP TABLE rfm_rule_items ON COMMIT DROP AS
            WITH refunded AS (
                SELECT DISTINCT r.refunded_orderline_id AS line_id
                  FROM pos_order_line r
                  JOIN pos_order ro ON ro.id = r.order_id
                 WHERE r.refunded_orderline_id IS NOT NULL
                   AND ro.company_id = %(company)s AND ro.state IN %(states)s
            )
            SELECT l.order_id, o.partner_id, l.product_id, min(t.id) AS tmpl_id, min(t.categ_id) AS categ_id
              FROM pos_order o
              JOIN pos_order_line l ON l.order_id = o.id
              JOIN product_product p ON p.id = l.product_id
              JOIN product_template t ON t.id = p.product_tmpl_id
              LEFT JOIN refunded f ON f.line_id = l.id
             WHERE o.company_id = %(company)s AND o.partner_id IS NOT NULL
               AND o.state IN %(states)s AND o.date_order >= %(start)s AND o.date_order < %(end)s
               AND l.qty > 0 AND f.line_id IS NULL
               AND NOT (o.partner_id = ANY(%(refused)s::int[]))
             GROUP BY l.order_id, o.partner_id, l.product_id
            """,
                company=self.company_id.id,
                states=PAID_STATES,
                start=start,
                end=end,
                refused=self._refused_ids(),
            )
        )
        cr.execute(SQL("ANALYZE rfm_rule_items"))
        cr.execute(SQL("SELECT count(DISTINCT order_id) FROM rfm_rule_items"))
        return cr.fetchone()[0]

    def _level_items(self, level):
        if level == "product":
            return SQL("SELECT order_id, partner_id, product_id AS item FROM rfm_rule_items")
        return SQL("SELECT DISTINCT order_id, partner_id, categ_id AS item FROM rfm_rule_items")

    def _insert_pair_rules(self, level, baskets, params):
        """Pairs counted once (a < b) in one self-join, both directions inserted."""
        if not baskets:
            return 0
        if level == "product":
            columns = SQL("antecedent_product_id, consequent_product_id, antecedent_tmpl_id")
            values = SQL("d.a, d.b, (SELECT product_tmpl_id FROM product_product WHERE id = d.a)")
        else:
            columns = SQL("antecedent_categ_id, consequent_categ_id, antecedent_tmpl_id")
            values = SQL("d.a, d.b, NULL::int")
        self.env.cr.execute(
            SQL(
                """
            WITH items AS MATERIALIZED (%(items)s),
            single AS (SELECT item, count(*) AS cnt FROM items GROUP BY item),
            pair_customer AS (
                SELECT x.item AS a, y.item AS b, x.partner_id, count(*) AS cnt
                  FROM items x JOIN items y ON y.order_id = x.order_id AND y.item > x.item
                 GROUP BY 1, 2, 3
            ), pairs AS (
                SELECT a, b, sum(cnt) AS cnt, count(*) AS customers FROM pair_customer GROUP BY a, b
                HAVING sum(cnt) * 100.0 >= %(min_support)s * %(baskets)s
            ), directed AS (
                SELECT p.a, p.b, p.cnt, p.customers, sa.cnt AS cnt_a, sb.cnt AS cnt_b
                  FROM pairs p JOIN single sa ON sa.item = p.a JOIN single sb ON sb.item = p.b
                UNION ALL
                SELECT p.b, p.a, p.cnt, p.customers, sb.cnt, sa.cnt
                  FROM pairs p JOIN single sa ON sa.item = p.a JOIN single sb ON sb.item = p.b
            )
            INSERT INTO retail_crm_rfm_rule
                   (run_id, company_id, run_date, is_current, level, %(columns)s,
                    basket_count, customer_count, support, confidence, lift,
                    create_uid, create_date, write_uid, write_date)
            SELECT %(run)s, %(company)s, %(run_date)s, false, %(level)s, %(values)s,
                   d.cnt, d.customers, 100.0 * d.cnt / %(baskets)s, 100.0 * d.cnt / d.cnt_a,
                   d.cnt::float8 * %(baskets)s / (d.cnt_a::float8 * d.cnt_b),
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM directed d
             WHERE d.cnt * 100.0 >= %(min_confidence)s * d.cnt_a
               AND d.cnt::float8 * %(baskets)s >= %(min_lift)s * d.cnt_a::float8 * d.cnt_b
            """,
                items=self._level_items(level),
                columns=columns,
                values=values,
                run=self.id,
                company=self.company_id.id,
                run_date=self.run_date,
                level=level,
                baskets=baskets,
                uid=self.env.uid,
                **params,
            )
        )
        return self.env.cr.rowcount

    def _insert_triple_rules(self, baskets, params):
        """Category rules A + A2 -> B from baskets with three categories or more."""
        if not baskets:
            return 0
        self.env.cr.execute(
            SQL(
                """
            WITH items AS MATERIALIZED (%(items)s),
            single AS (SELECT item, count(*) AS cnt FROM items GROUP BY item),
            pairs AS (
                SELECT x.item AS a, y.item AS b, count(*) AS cnt
                  FROM items x JOIN items y ON y.order_id = x.order_id AND y.item > x.item
                 GROUP BY 1, 2
            ), triple_customer AS (
                SELECT x.item AS a, y.item AS b, z.item AS c, x.partner_id, count(*) AS cnt
                  FROM items x
                  JOIN items y ON y.order_id = x.order_id AND y.item > x.item
                  JOIN items z ON z.order_id = x.order_id AND z.item > y.item
                 GROUP BY 1, 2, 3, 4
            ), triples AS (
                SELECT a, b, c, sum(cnt) AS cnt, count(*) AS customers FROM triple_customer GROUP BY a, b, c
                HAVING sum(cnt) * 100.0 >= %(min_support)s * %(baskets)s
            ), directed AS (
                SELECT t.a AS l1, t.b AS l2, t.c AS r, t.cnt, t.customers FROM triples t
                UNION ALL SELECT t.a, t.c, t.b, t.cnt, t.customers FROM triples t
                UNION ALL SELECT t.b, t.c, t.a, t.cnt, t.customers FROM triples t
            )
            INSERT INTO retail_crm_rfm_rule
                   (run_id, company_id, run_date, is_current, level,
                    antecedent_categ_id, antecedent2_categ_id, consequent_categ_id,
                    basket_count, customer_count, support, confidence, lift,
                    create_uid, create_date, write_uid, write_date)
            SELECT %(run)s, %(company)s, %(run_date)s, false, 'category', d.l1, d.l2, d.r,
                   d.cnt, d.customers, 100.0 * d.cnt / %(baskets)s, 100.0 * d.cnt / p.cnt,
                   d.cnt::float8 * %(baskets)s / (p.cnt::float8 * s.cnt),
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM directed d
              JOIN pairs p ON p.a = d.l1 AND p.b = d.l2
              JOIN single s ON s.item = d.r
             WHERE d.cnt * 100.0 >= %(min_confidence)s * p.cnt
               AND d.cnt::float8 * %(baskets)s >= %(min_lift)s * p.cnt::float8 * s.cnt
            """,
                items=self._level_items("category"),
                run=self.id,
                company=self.company_id.id,
                run_date=self.run_date,
                baskets=baskets,
                uid=self.env.uid,
                **params,
            )
        )
        return self.env.cr.rowcount
