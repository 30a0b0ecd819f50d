from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .retail_crm_complaint_sla import SEVERITY_SELECTION

CHANNEL_SELECTION = [
    ("store", "Store"),
    ("hotline", "Hotline"),
    ("wechat", "WeChat"),
    ("app", "App"),
    ("email", "E-mail"),
    ("social", "Social media / Weibo"),
    ("complaint_box", "Complaint box"),
]


class RetailCrmComplaint(models.Model):
    _name = "retail.crm.complaint"
    _inherit = ["rating.mixin", "mail.activity.mixin"]
    _description = "Complaint"
    _order = "id desc"
    _check_company_auto = True
    _primary_email = "email_from"

    def _default_stage_id(self):
        return self.env["retail.crm.complaint.stage"].search([], limit=1)

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default="/",
        index="trigram",
    )
    subject = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", tracking=True, index=True, check_company=True
    )
    tier_id = fields.Many2one(
        "retail.crm.tier",
        string="Member Tier",
        compute="_compute_tier_id",
        store=True,
        index=True,
        help="The customer's member tier in the ticket's company when the "
        "ticket was taken (used to match SLA policies).",
    )
    email_from = fields.Char(
        string="Customer E-mail",
        compute="_compute_email_from",
        store=True,
        readonly=False,
    )
    partner_phone = fields.Char(related="partner_id.phone", string="Phone")
    channel = fields.Selection(CHANNEL_SELECTION, required=True, default="store", tracking=True)
    category_id = fields.Many2one(
        "retail.crm.complaint.category", tracking=True, check_company=True, index=True
    )
    kind = fields.Selection(related="category_id.kind", store=True, string="Kind")
    severity = fields.Selection(SEVERITY_SELECTION, required=True, default="normal", tracking=True)
    config_id = fields.Many2one("pos.config", string="Store", check_company=True, index=True, tracking=True)
    pos_order_id = fields.Many2one(
        "pos.order", string="POS Order", check_company=True, index="btree_not_null"
    )
    pos_reference = fields.Char(string="Receipt Number")
    product_ids = fields.Many2many("product.product", string="Products")
    description = fields.Html()
    attachment_ids = fields.One2many(
        "ir.attachment",
        "res_id",
        string="Attachments",
        domain=[("res_model", "=", "retail.crm.complaint")],
    )
    date_received = fields.Datetime(
        string="Received",
        required=True,
        default=fields.Datetime.now,
        copy=False,
        help="SLA clocks start at this instant.",
    )
    stage_id = fields.Many2one(
        "retail.crm.complaint.stage",
        default=lambda self: self._default_stage_id(),
        required=True,
        tracking=True,
        group_expand="_read_group_expand_full",
        index=True,
        copy=False,
        ondelete="restrict",
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True)
    team_id = fields.Many2one("retail.crm.complaint.team", tracking=True, check_company=True, index=True)
    user_id = fields.Many2one(
        "res.users",
        string="Assigned to",
        tracking=True,
        index=True,
        domain="[('share', '=', False)]",
    )
    user_routed = fields.Boolean(
        string="Assigned by Routing",
        copy=False,
        help="Technical: the assignee was chosen by the team's routing, so routing may change "
        "it; an assignee set by hand is never replaced by routing.",
    )
    color = fields.Integer()
    # resolution
    resolution_type = fields.Selection(
        [
            ("return", "Return / refund"),
            ("exchange", "Exchange"),
            ("compensation", "Compensation coupon"),
            ("explanation", "Explanation / apology"),
            ("other", "Other"),
        ],
        tracking=True,
    )
    resolution_note = fields.Text(string="Result for the Customer")
    # closed loop
    root_cause_id = fields.Many2one("retail.crm.complaint.cause", tracking=True)
    corrective_action = fields.Text(
        help="What was changed so that it does not happen again (e.g. staff training)."
    )

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(name, company_id)",
            "The complaint reference must be unique per company.",
        ),
    ]

    @api.depends("partner_id", "company_id")
    def _compute_tier_id(self):
        for complaint in self:
            complaint.tier_id = complaint.partner_id.with_company(complaint.company_id).retail_tier_id

    @api.depends("partner_id.email")
    def _compute_email_from(self):
        for complaint in self:
            if complaint.partner_id.email:
                complaint.email_from = complaint.partner_id.email

    @api.constrains("stage_id", "root_cause_id", "corrective_action", "kind")
    def _check_closing(self):
        for complaint in self:
            if (
                complaint.stage_id.is_closed
                and complaint.kind != "feedback"
                and not (complaint.root_cause_id and (complaint.corrective_action or "").strip())
            ):
                raise ValidationError(
                    self.env._(
                        "Complaint %(ref)s cannot be closed without a root cause and a corrective action.",
                        ref=complaint.name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        categories = self.env["retail.crm.complaint.category"].browse(
            {v["category_id"] for v in vals_list if v.get("category_id")}
        )
        team_by_category = {c.id: c.team_id.id for c in categories}
        for vals in vals_list:
            if not vals.get("name") or vals["name"] == "/":
                company = self.env["res.company"].browse(vals.get("company_id") or self.env.company.id)
                vals["name"] = (
                    self.env["ir.sequence"].with_company(company).next_by_code("retail.crm.complaint") or "/"
                )
            if not vals.get("team_id") and team_by_category.get(vals.get("category_id")):
                vals["team_id"] = team_by_category[vals["category_id"]]
        hand_assigned = [bool(vals.get("user_id")) for vals in vals_list]
        self.env["retail.crm.complaint.team"]._assign_vals_list(vals_list)
        for vals, by_hand in zip(vals_list, hand_assigned, strict=True):
            vals["user_routed"] = not by_hand and bool(vals.get("user_id"))
        complaints = super().create(vals_list)
        complaints._sla_apply()
        # tickets recorded directly in a later stage (e.g. "contacted" at the
        # till) reach their targets at once
        advanced = complaints.filtered(
            lambda c: c.stage_id.is_contacted or c.stage_id.is_resolved or c.stage_id.is_closed
        )
        if advanced:
            no_stage = self.env["retail.crm.complaint.stage"]
            advanced._on_stage_change(dict.fromkeys(advanced.ids, no_stage), fields.Datetime.now())
        return complaints

    def write(self, vals):
        now = fields.Datetime.now()
        old_stages = {c.id: c.stage_id for c in self} if "stage_id" in vals else {}
        # a new category routes again the tickets its old category had routed
        # (team of the old category, or none); a team chosen by hand stays
        routed_by_category = (
            self.filtered(lambda c: not c.team_id or c.team_id == c.category_id.team_id)
            if "category_id" in vals and "team_id" not in vals
            else self.browse()
        )
        if "user_id" in vals:
            # an assignee set by hand: routing never replaces it
            vals = dict(vals, user_routed=False)
            hand_set = self
        else:
            hand_set = self.filtered(lambda c: c.user_id and not c.user_routed)
        if vals.get("team_id") and "user_id" not in vals and not hand_set:
            vals = dict(vals)
            team_vals = [{"team_id": vals["team_id"]}]
            if len(self) == 1 and self.team_id.id != vals["team_id"]:
                self.env["retail.crm.complaint.team"]._assign_vals_list(team_vals)
                if team_vals[0].get("user_id"):
                    vals["user_id"] = team_vals[0]["user_id"]
                    vals["user_routed"] = True
        res = super().write(vals)
        if routed_by_category:
            new_team = self.env["retail.crm.complaint.category"].browse(vals["category_id"]).team_id
            reroute = routed_by_category.filtered(
                lambda c: not c.stage_id.is_closed and c.team_id != new_team
            )
            if new_team and reroute:
                reroute.write({"team_id": new_team.id})
        if old_stages:
            self._on_stage_change(old_stages, now)
        if {
            "category_id",
            "severity",
            "team_id",
            "partner_id",
            "company_id",
            "date_received",
            "tier_id",
        } & set(vals):
            self._sla_apply()
        return res

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, subject=self.env._("%(subject)s (copy)", subject=c.subject))
            for c, vals in zip(self, vals_list, strict=True)
        ]
