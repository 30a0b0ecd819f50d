from datetime import datetime, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools.ab_stats import split_targets, two_proportion_p_value
from ..tools.paid_states import PAID_STATES

VARIANTS = ("a", "b", "control")
SIGNIFICANCE = 0.05
PROGRAM_DOMAIN = "[('program_type', 'in', ('coupons', 'promotion', 'loyalty', 'gift_card', 'ewallet'))]"


class RetailCrmRfmAbTest(models.Model):
    """R7: compare two offers (loyalty programs) on a segment or a selection of
    customers with a reproducible random split and an optional control group."""

    _name = "retail.crm.rfm.ab.test"
    _inherit = ["mail.thread"]
    _description = "Offer A/B Test"
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Closed")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    segment_ids = fields.Many2many(
        "retail.crm.rfm.segment",
        string="Segments",
        help="Customers currently in these segments (in the test's company) are targeted.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        "retail_crm_rfm_ab_test_partner_rel",
        "test_id",
        "partner_id",
        string="Customers",
        help="Customers targeted in addition to the segments.",
    )
    program_a_id = fields.Many2one(
        "loyalty.program",
        string="Offer A",
        required=True,
        domain=PROGRAM_DOMAIN,
        check_company=True,
        tracking=True,
    )
    program_b_id = fields.Many2one(
        "loyalty.program",
        string="Offer B",
        required=True,
        domain=PROGRAM_DOMAIN,
        check_company=True,
        tracking=True,
    )
    holdout_percent = fields.Float(
        string="Control Group (%)",
        default=0.0,
        help="Share of the customers that gets no offer; the rest is split 50/50 between A and B.",
    )
    date_start = fields.Date(string="Start Date", required=True, default=fields.Date.context_today)
    date_end = fields.Date(
        string="Measurement End",
        required=True,
        default=lambda self: fields.Date.context_today(self) + timedelta(days=30),
        help="POS orders from the start date to this date (inclusive) are counted.",
    )
    coupon_points = fields.Float(string="Points per Coupon", default=1.0)
    member_ids = fields.One2many("retail.crm.rfm.ab.test.member", "test_id", string="Assignments")
    target_count = fields.Integer(string="Customers Targeted", compute="_compute_target_count")
    result_data = fields.Json(string="Frozen Results", readonly=True, copy=False)

    a_customer_count = fields.Integer(string="A: Customers", compute="_compute_results")
    a_used_count = fields.Integer(string="A: Coupons Used", compute="_compute_results")
    a_buyer_count = fields.Integer(string="A: Buyers", compute="_compute_results")
    a_conversion = fields.Float(string="A: Conversion", compute="_compute_results")
    a_revenue = fields.Monetary(string="A: Revenue", compute="_compute_results")
    a_revenue_per_customer = fields.Monetary(string="A: Revenue per Customer", compute="_compute_results")
    b_customer_count = fields.Integer(string="B: Customers", compute="_compute_results")
    b_used_count = fields.Integer(string="B: Coupons Used", compute="_compute_results")
    b_buyer_count = fields.Integer(string="B: Buyers", compute="_compute_results")
    b_conversion = fields.Float(string="B: Conversion", compute="_compute_results")
    b_revenue = fields.Monetary(string="B: Revenue", compute="_compute_results")
    b_revenue_per_customer = fields.Monetary(string="B: Revenue per Customer", compute="_compute_results")
    control_customer_count = fields.Integer(string="Control: Customers", compute="_compute_results")
    control_buyer_count = fields.Integer(string="Control: Buyers", compute="_compute_results")
    control_conversion = fields.Float(string="Control: Conversion", compute="_compute_results")
    control_revenue = fields.Monetary(string="Control: Revenue", compute="_compute_results")
    control_revenue_per_customer = fields.Monetary(
        string="Control: Revenue per Customer", compute="_compute_results"
    )
    conversion_uplift = fields.Float(
        string="Conversion Uplift (B vs A)",
        compute="_compute_results",
        help="(conversion B - conversion A) / conversion A.",
    )
    revenue_uplift = fields.Float(
        string="Revenue Uplift (B vs A)",
        compute="_compute_results",
        help="(revenue per customer B - revenue per customer A) / revenue per customer A.",
    )
    p_value = fields.Float(
        string="p-value",
        compute="_compute_results",
        help="Two-sided two-proportion z-test on the conversion rates of A and B.",
    )
    verdict = fields.Char(compute="_compute_results")

    @api.depends("segment_ids", "partner_ids", "member_ids", "company_id")
    def _compute_target_count(self):
        for test in self:
            test.target_count = len(test.member_ids) if test.member_ids else len(test._get_targets())

    @api.depends("state", "member_ids", "date_start", "date_end", "result_data", "coupon_points")
    def _compute_results(self):
        live = self.filtered(lambda t: t.state == "running" and t.id)
        raw = live._query_results() if live else {}
        for test in self:
            if test.state == "done" and test.result_data:
                counts = test.result_data
            else:
                counts = raw.get(test.id, {})
            test._set_results(counts)

    def _set_results(self, counts):
        self.ensure_one()
        values = {}
        for variant in VARIANTS:
            row = counts.get(variant) or {}
            customers = row.get("customers", 0)
            buyers = row.get("buyers", 0)
            revenue = row.get("revenue", 0.0)
            values[f"{variant}_customer_count"] = customers
            values[f"{variant}_buyer_count"] = buyers
            values[f"{variant}_conversion"] = buyers / customers if customers else 0.0
            values[f"{variant}_revenue"] = revenue
            values[f"{variant}_revenue_per_customer"] = revenue / customers if customers else 0.0
            if variant != "control":
                values[f"{variant}_used_count"] = row.get("used", 0)
        conv_a, conv_b = values["a_conversion"], values["b_conversion"]
        rpc_a, rpc_b = values["a_revenue_per_customer"], values["b_revenue_per_customer"]
        values["conversion_uplift"] = (conv_b - conv_a) / conv_a if conv_a else 0.0
        values["revenue_uplift"] = (rpc_b - rpc_a) / rpc_a if rpc_a else 0.0
        p_value = two_proportion_p_value(
            values["a_buyer_count"],
            values["a_customer_count"],
            values["b_buyer_count"],
            values["b_customer_count"],
        )
        values["p_value"] = p_value
        values["verdict"] = self._verdict(conv_a, conv_b, p_value)
        self.update(values)

    def _verdict(self, conv_a, conv_b, p_value):
        if self.state == "draft":
            return self.env._("Not started")
        p_text = f"{p_value:.3f}" if p_value >= 0.001 else f"{p_value:.1e}"
        if p_value < SIGNIFICANCE and conv_b > conv_a:
            return self.env._("B converts better (p=%(p_value)s)", p_value=p_text)
        if p_value < SIGNIFICANCE and conv_a > conv_b:
            return self.env._("A converts better (p=%(p_value)s)", p_value=p_text)
        if self.state == "running":
            return self.env._("No significant difference yet (p=%(p_value)s)", p_value=p_text)
        return self.env._("No significant difference (p=%(p_value)s)", p_value=p_text)

    @api.constrains("program_a_id", "program_b_id")
    def _check_programs(self):
        for test in self:
            if test.program_a_id == test.program_b_id:
                raise ValidationError(
                    self.env._(
                        "Offer A and offer B of test %(name)s must be two different programs.",
                        name=test.name,
                    )
                )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for test in self:
            if test.date_end <= test.date_start:
                raise ValidationError(
                    self.env._(
                        "The measurement end of test %(name)s must be after its start date.", name=test.name
                    )
                )

    @api.constrains("holdout_percent", "coupon_points")
    def _check_percent_points(self):
        for test in self:
            if not 0 <= test.holdout_percent < 100:
                raise ValidationError(self.env._("The control group must be between 0% and less than 100%."))
            if test.coupon_points <= 0:
                raise ValidationError(self.env._("The points per coupon must be positive."))

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        active_ids = context.get("active_ids")
        if context.get("active_model") == "retail.crm.rfm.segment" and active_ids:
            if "segment_ids" in fields_list and not values.get("segment_ids"):
                values["segment_ids"] = [fields.Command.set(active_ids)]
            if "name" in fields_list and not values.get("name"):
                segments = self.env["retail.crm.rfm.segment"].browse(active_ids)
                values["name"] = self.env._(
                    "A/B test: %(segments)s", segments=", ".join(segments.mapped("name"))
                )
        if context.get("active_model") == "res.partner" and active_ids:
            if "partner_ids" in fields_list and not values.get("partner_ids"):
                values["partner_ids"] = [fields.Command.set(active_ids)]
        return values

    @api.ondelete(at_uninstall=False)
    def _unlink_except_running(self):
        if any(test.state == "running" for test in self):
            raise UserError(self.env._("Close a running A/B test before deleting it."))

    def _get_targets(self):
        """Current customers of the segments in the test's company plus the
        selection, without e-mail-blacklisted customers (nor, with the privacy
        addon, customers refusing profiling or without marketing consent)."""
        self.ensure_one()
        partners = self.partner_ids._origin
        if self.segment_ids:
            Partner = self.env["res.partner"].with_company(self.company_id._origin)
            partners |= Partner.search([("rfm_segment_id", "in", self.segment_ids._origin.ids)])
        return partners._rfm_campaign_targets(marketing=True)

    def action_start(self):
        self.ensure_one()
        self.check_access("write")
        # lock the test so that two concurrent clicks cannot both start it
        self.env.cr.execute(SQL("SELECT id FROM retail_crm_rfm_ab_test WHERE id = %s FOR UPDATE", self.id))
        self.invalidate_recordset(["state"])
        if self.state != "draft":
            raise UserError(self.env._("The A/B test %(name)s has already been started.", name=self.name))
        targets = self._get_targets()
        if not targets:
            raise UserError(self.env._("No customer to test: the selection is empty or blacklisted."))
        targets.check_access("read")
        groups = split_targets(targets.ids, self.id, self.holdout_percent)
        # sudo: tests are granted to POS managers and marketing users (ACL,
        # checked above); they may lack create rights on loyalty cards, and the
        # assignment rows are only ever written here (read-only for users)
        card_model_sudo = self.env["loyalty.card"].sudo()
        member_model_sudo = self.env["retail.crm.rfm.ab.test.member"].sudo()
        card_ids = {}
        for variant, program in (("a", self.program_a_id), ("b", self.program_b_id)):
            cards = card_model_sudo.create(
                [
                    {"program_id": program.id, "partner_id": partner_id, "points": self.coupon_points}
                    for partner_id in groups[variant]
                ]
            )
            card_ids[variant] = cards.ids
        member_model_sudo.create(
            [
                {
                    "test_id": self.id,
                    "partner_id": partner_id,
                    "variant": variant,
                    "card_id": card_ids[variant][index] if variant in card_ids else False,
                }
                for variant in VARIANTS
                for index, partner_id in enumerate(groups[variant])
            ]
        )
        self.state = "running"
        return True

    def action_close(self):
        self.ensure_one()
        if self.state != "running":
            raise UserError(self.env._("Only a running A/B test can be closed."))
        self.check_access("write")
        counts = self._query_results().get(self.id, {})
        self.write({"state": "done", "result_data": counts})
        return True

    def action_view_members(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_crm_rfm.retail_crm_rfm_ab_test_member_action"
        )
        action["domain"] = [("test_id", "=", self.id)]
        action["context"] = {"search_default_group_variant": 1}
        return action

    def _window_utc(self):
        """The measurement window as naive UTC datetimes [start, end)."""
        self.ensure_one()
        tz = pytz.timezone(self.company_id.partner_id.tz or self.env.user.tz or "UTC")

        def to_utc(day):
            local = tz.localize(datetime.combine(day, datetime.min.time()))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        return to_utc(self.date_start), to_utc(self.date_end + timedelta(days=1))

    def _query_results(self):
        """Counts per test and variant, in one statement: customers, coupons
        used (a loyalty.history row with used > 0 or fewer points than issued),
        buyers (>= 1 paid POS order with total >= 0 of the test's company in
        the window) and revenue net of refunds, in company currency."""
        if not self:
            return {}
        for model, names in (
            ("retail.crm.rfm.ab.test.member", ["test_id", "partner_id", "variant", "card_id"]),
            ("retail.crm.rfm.ab.test", ["company_id", "coupon_points", "date_start", "date_end"]),
            (
                "pos.order",
                ["partner_id", "company_id", "state", "date_order", "amount_total", "currency_rate"],
            ),
            ("loyalty.card", ["points"]),
            ("loyalty.history", ["card_id", "used"]),
        ):
            self.env[model].flush_model(names)
        bounds = SQL(", ").join(
            SQL("(%s, %s::timestamp, %s::timestamp)", test.id, *test._window_utc()) for test in self
        )
        self.env.cr.execute(
            SQL(
                """
                WITH bounds(test_id, start_at, end_at) AS (VALUES %(bounds)s),
                member AS (
                    SELECT m.test_id, m.variant, m.partner_id, m.card_id,
                           t.company_id, t.coupon_points, b.start_at, b.end_at
                      FROM retail_crm_rfm_ab_test_member m
                      JOIN retail_crm_rfm_ab_test t ON t.id = m.test_id
                      JOIN bounds b ON b.test_id = m.test_id
                ),
                sales AS (
                    SELECT mb.test_id, mb.partner_id,
                           bool_or(o.amount_total >= 0) AS bought,
                           sum(o.amount_total / COALESCE(NULLIF(o.currency_rate, 0), 1)) AS revenue
                      FROM member mb
                      JOIN pos_order o ON o.partner_id = mb.partner_id
                                      AND o.company_id = mb.company_id
                                      AND o.state IN %(states)s
                                      AND o.date_order >= mb.start_at
                                      AND o.date_order < mb.end_at
                     GROUP BY mb.test_id, mb.partner_id
                )
                SELECT mb.test_id, mb.variant,
                       count(*) AS customers,
                       count(*) FILTER (
                           WHERE c.points < mb.coupon_points
                              OR EXISTS (SELECT 1 FROM loyalty_history h WHERE h.card_id = c.id AND h.used > 0)
                       ) AS used,
                       count(*) FILTER (WHERE s.bought) AS buyers,
                       COALESCE(sum(s.revenue), 0) AS revenue
                  FROM member mb
                  LEFT JOIN loyalty_card c ON c.id = mb.card_id
                  LEFT JOIN sales s ON s.test_id = mb.test_id AND s.partner_id = mb.partner_id
                 GROUP BY mb.test_id, mb.variant
                """,
                bounds=bounds,
                states=PAID_STATES,
            )
        )
        results = {}
        for test_id, variant, customers, used, buyers, revenue in self.env.cr.fetchall():
            results.setdefault(test_id, {})[variant] = {
                "customers": customers,
                "used": used,
                "buyers": buyers,
                "revenue": round(float(revenue), 2),
            }
        return results
