from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, plaintext2html

from ..tools import PAID_STATES

OUTCOMES = [
    ("todo", "To Call"),
    ("satisfied", "Reached, Satisfied"),
    ("issue", "Reached, Issue"),
    ("unreachable", "Not Reached"),
]


class RetailCrmFollowup(models.Model):
    """One after-sales call (售后回访) about one purchase, for the member's
    salesperson; the outcome closes it, an issue opens a complaint."""

    _name = "retail.crm.followup"
    _description = "After-sales Follow-up"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_due desc, id desc"
    _rec_name = "pos_order_id"

    rule_id = fields.Many2one("retail.crm.followup.rule", required=True, ondelete="cascade", index=True)
    pos_order_id = fields.Many2one(
        "pos.order", string="Purchase", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    config_id = fields.Many2one(related="pos_order_id.config_id", string="Store", store=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    user_id = fields.Many2one("res.users", string="Salesperson", index=True, tracking=True)
    date_due = fields.Date(string="Call On", required=True)
    outcome = fields.Selection(OUTCOMES, required=True, default="todo", tracking=True)
    note = fields.Text()
    complaint_id = fields.Many2one("retail.crm.complaint", readonly=True, copy=False)

    _sql_constraints = [
        ("order_rule_unique", "UNIQUE (rule_id, pos_order_id)", "A purchase gets one call per rule."),
    ]

    # ------------------------------------------------------------------
    @api.model
    def _cron_plan_followups(self, today=None):
        """Plan the calls due today (and of the past week, if the job did
        not run); running it again plans nothing twice."""
        today = today or fields.Date.context_today(self)
        # sudo: a scheduled job over the rules of every company
        # every active rule: configuration rows, a few per store
        rules = self.env["retail.crm.followup.rule"].sudo().search([])  # pylint: disable=no-search-all
        for rule in rules:
            self.sudo().with_company(rule.company_id)._plan_rule(rule, today)
        return True

    def _rule_candidates(self, rule, today):
        bought_on = today - timedelta(days=rule.delay_days)
        start, end = self.env["retail.crm.voice"]._retail_local_bounds(
            rule.company_id, bought_on - timedelta(days=6), bought_on
        )
        category_filter = SQL("TRUE")
        if rule.product_category_ids:
            categories = self.env["product.category"].search(
                [("id", "child_of", rule.product_category_ids.ids)]
            )
            category_filter = SQL(
                """EXISTS (SELECT 1 FROM pos_order_line l
                             JOIN product_product pp ON pp.id = l.product_id
                             JOIN product_template pt ON pt.id = pp.product_tmpl_id
                            WHERE l.order_id = o.id AND l.qty > 0 AND pt.categ_id IN %s)""",
                tuple(categories.ids),
            )
        self.env["pos.order"].flush_model()
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT o.id, o.partner_id, o.date_order
                  FROM pos_order o
                  JOIN res_partner p ON p.id = o.partner_id
                 WHERE o.company_id = %(company)s
                   AND o.state IN %(paid)s
                   AND o.amount_total >= %(amount)s AND o.amount_total > 0
                   AND o.date_order >= %(start)s AND o.date_order < %(end)s
                   AND p.retail_is_member AND p.active
                   AND %(categories)s
                   AND NOT EXISTS (SELECT 1 FROM retail_crm_followup f
                                    WHERE f.rule_id = %(rule)s AND f.pos_order_id = o.id)
                """,
                company=rule.company_id.id,
                paid=PAID_STATES,
                amount=rule.min_amount,
                start=start,
                end=end,
                categories=category_filter,
                rule=rule.id,
            )
        )
        return self.env.cr.fetchall()

    def _plan_rule(self, rule, today):
        rows = self._rule_candidates(rule, today)
        if not rows:
            return self.browse()
        partners = self.env["res.partner"].browse({partner for _order, partner, _date in rows})
        if rule.tier_ids:
            partners = partners.with_company(rule.company_id).filtered(
                lambda p: p.retail_tier_id in rule.tier_ids
            )
        orders = self.env["pos.order"].browse([order for order, _partner, _date in rows])
        vals_list = []
        for order in orders:
            if order.partner_id not in partners:
                continue
            user = order.partner_id.user_id or order.config_id.retail_manager_id or order.user_id
            vals_list.append(
                {
                    "rule_id": rule.id,
                    "pos_order_id": order.id,
                    "partner_id": order.partner_id.id,
                    "company_id": rule.company_id.id,
                    "user_id": user.id,
                    "date_due": today,
                }
            )
        # sudo: a scheduled job of the company plans calls for its staff
        followups = self.sudo().with_context(mail_create_nolog=True, tracking_disable=True).create(vals_list)
        activity_type = self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False)
        model_id = self.env["ir.model"]._get_id(self._name)
        # sudo: the job schedules the call on the salesperson's behalf
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": followup.id,
                    "activity_type_id": activity_type.id if activity_type else False,
                    "summary": self.env._("After-sales call: %(rule)s", rule=rule.name),
                    "date_deadline": today,
                    "user_id": followup.user_id.id or self.env.ref("base.user_admin").id,
                }
                for followup in followups
            ]
        )
        return followups

    # ------------------------------------------------------------------
    def _set_outcome(self, outcome):
        for followup in self:
            if followup.outcome != "todo":
                raise UserError(self.env._("The outcome of this call is already recorded."))
        self.write({"outcome": outcome})
        self.activity_ids.action_feedback(
            feedback=dict(self._fields["outcome"]._description_selection(self.env))[outcome]
        )

    def action_satisfied(self):
        self._set_outcome("satisfied")

    def action_unreachable(self):
        self._set_outcome("unreachable")

    def action_issue(self):
        """The customer has a problem: record it and open a complaint."""
        self.ensure_one()
        self._set_outcome("issue")
        complaint = self.env["retail.crm.complaint"].create(
            {
                "subject": self.env._("After-sales call: %(order)s", order=self.pos_order_id.name),
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "config_id": self.config_id.id,
                "pos_order_id": self.pos_order_id.id,
                "description": plaintext2html(self.note) if self.note else False,
            }
        )
        self.complaint_id = complaint
        return complaint.get_formview_action()
