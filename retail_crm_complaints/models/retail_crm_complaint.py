import logging

from markupsafe import Markup

from odoo import _, api, fields, models, modules
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import email_normalize

from .retail_crm_complaint_sla import SEVERITY_SELECTION
from .retail_crm_complaint_sla_line import SLA_STATUS, working_hours_between

_logger = logging.getLogger(__name__)

CHANNEL_SELECTION = [
    ("store", "Store"),
    ("hotline", "Hotline"),
    ("wechat", "WeChat"),
    ("app", "App"),
    ("email", "E-mail"),
    ("social", "Social media / Weibo"),
    ("complaint_box", "Complaint box"),
]

# worst first: the ticket shows the worst status of its SLA lines
STATUS_RANK = {"breached": 0, "at_risk": 1, "on_track": 2, "met": 3}


COMPENSATION_PROGRAM_TYPES = ("coupons", "gift_card", "ewallet")


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
        default=_default_stage_id,
        required=True,
        tracking=True,
        group_expand="_read_group_stage_ids",
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
    # SLA
    sla_line_ids = fields.One2many("retail.crm.complaint.sla.line", "complaint_id", string="SLA")
    sla_status = fields.Selection(SLA_STATUS, compute="_compute_sla_status", store=True, string="SLA Status")
    sla_deadline = fields.Datetime(compute="_compute_sla_status", store=True, string="Next SLA Deadline")
    sla_breached = fields.Boolean(compute="_compute_sla_status", store=True, string="SLA Breached")
    first_contact_date = fields.Datetime(readonly=True, copy=False)
    resolved_date = fields.Datetime(readonly=True, copy=False)
    closed_date = fields.Datetime(readonly=True, copy=False)
    first_response_hours = fields.Float(
        string="First Response (working hours)", readonly=True, copy=False, aggregator="avg"
    )
    resolution_hours = fields.Float(
        string="Resolution Time (working hours)", readonly=True, copy=False, aggregator="avg"
    )
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
    coupon_program_id = fields.Many2one(
        "loyalty.program",
        check_company=True,
        domain=f"[('program_type', 'in', {COMPENSATION_PROGRAM_TYPES!r})]",
    )
    coupon_points = fields.Float(string="Coupon Value (points)", default=1.0)
    coupon_id = fields.Many2one("loyalty.card", readonly=True, copy=False)
    coupon_code = fields.Char(related="coupon_id.code", string="Coupon Code")
    resolution_sent_date = fields.Datetime(string="Result Sent", readonly=True, copy=False)
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
        ("coupon_points_positive", "CHECK(coupon_points >= 0)", "The coupon value cannot be negative."),
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

    @api.depends("sla_line_ids.status", "sla_line_ids.deadline", "sla_line_ids.reached_date")
    def _compute_sla_status(self):
        for complaint in self:
            lines = complaint.sla_line_ids
            complaint.sla_status = min(lines.mapped("status"), key=STATUS_RANK.get) if lines else False
            deadlines = lines.filtered(lambda line: not line.reached_date and line.deadline).mapped(
                "deadline"
            )
            complaint.sla_deadline = min(deadlines) if deadlines else False
            complaint.sla_breached = "breached" in lines.mapped("status")

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        return stages.search([])

    @api.constrains("stage_id", "root_cause_id", "corrective_action", "kind")
    def _check_closing(self):
        for complaint in self:
            if (
                complaint.stage_id.is_closed
                and complaint.kind != "feedback"
                and not (complaint.root_cause_id and (complaint.corrective_action or "").strip())
            ):
                raise ValidationError(
                    _(
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
            dict(vals, subject=_("%(subject)s (copy)", subject=c.subject))
            for c, vals in zip(self, vals_list, strict=True)
        ]

    # ------------------------------------------------------------------
    # SLA
    # ------------------------------------------------------------------
    def _sla_calendar(self):
        self.ensure_one()
        return self.team_id.resource_calendar_id or self.company_id.resource_calendar_id

    def _sla_apply(self):
        """(Re)match SLA policies and keep one line per target.

        Reached lines are history and never touched. An open line whose
        policy no longer applies (ticket or policy changed) is replaced by a
        line of the policy that applies now, keeping its paused time; its
        deadline is counted from the ticket's intake.
        """
        now = fields.Datetime.now()
        # sudo: SLA lines are system bookkeeping; the caller's access to the
        # tickets was checked by the create/write that triggered this.
        lines_sudo = self.env["retail.crm.complaint.sla.line"].sudo()
        policies = (
            self.env["retail.crm.complaint.sla"].sudo().search([("company_id", "in", self.company_id.ids)])
        )
        to_create, to_unlink, to_recompute = [], lines_sudo, lines_sudo
        for complaint in self:
            if complaint.stage_id.is_closed:
                continue
            wanted = policies._find_for(complaint, policies)
            calendar = complaint._sla_calendar()
            for target in ("first_contact", "resolution"):
                lines = complaint.sudo().sla_line_ids.filtered(lambda line, t=target: line.target == t)
                if lines.filtered("reached_date"):
                    continue
                policy = wanted.get(target)
                current = lines[:1]
                if current and current.sla_id == policy:
                    if current.calendar_id != calendar or current.start_date != complaint.date_received:
                        current.write({"calendar_id": calendar.id, "start_date": complaint.date_received})
                        to_recompute |= current
                    continue
                to_unlink |= lines
                if policy:
                    paused = complaint.stage_id.pauses_sla
                    to_create.append(
                        {
                            "complaint_id": complaint.id,
                            "sla_id": policy.id,
                            "target": target,
                            "calendar_id": calendar.id,
                            "start_date": complaint.date_received,
                            "paused_hours": current.paused_hours,
                            "pause_start": (current.pause_start or now) if paused else False,
                        }
                    )
        to_unlink.unlink()
        new_lines = lines_sudo.create(to_create)
        (new_lines | to_recompute)._compute_deadlines(now)

    def _on_stage_change(self, old_stages, now):
        lines_sudo = self.sudo().sla_line_ids
        for complaint in self:
            old, new = old_stages[complaint.id], complaint.stage_id
            if old == new:
                continue
            lines = lines_sudo.filtered(lambda line, c=complaint: line.complaint_id == c)
            if old.pauses_sla and not new.pauses_sla:
                lines._resume(now)
            elif new.pauses_sla and not old.pauses_sla:
                lines._pause(now)
            vals = {}
            calendar = complaint._sla_calendar()
            if new.is_contacted or new.is_resolved or new.is_closed:
                lines.filtered(lambda line: line.target == "first_contact")._reach(now)
                if not complaint.first_contact_date:
                    vals["first_contact_date"] = now
                    vals["first_response_hours"] = working_hours_between(
                        calendar, complaint.date_received, now
                    )
            if new.is_resolved or new.is_closed:
                lines.filtered(lambda line: line.target == "resolution")._reach(now)
                if not complaint.resolved_date:
                    vals["resolved_date"] = now
                    vals["resolution_hours"] = working_hours_between(calendar, complaint.date_received, now)
            vals["closed_date"] = now if new.is_closed else False
            if not (new.is_resolved or new.is_closed) and complaint.resolved_date:
                vals.update(resolved_date=False, resolution_hours=0.0)
            complaint.write(vals)

    def _sla_escalate(self, lines):
        """Escalate SLA lines to the team manager: one message per ticket and
        one activity per ticket whose team has a manager, in batch."""
        if not lines:
            return
        activity_type = self.env.ref("retail_crm_complaints.mail_activity_type_sla_escalation")
        status_labels = dict(
            self.env["retail.crm.complaint.sla.line"]._fields["status"]._description_selection(self.env)
        )
        no_manager = self.env._("(no manager)")
        today = fields.Date.context_today(self)
        bodies, activities = {}, []
        model_id = self.env["ir.model"]._get_id(self._name)
        lines_by_complaint = {}
        for line in lines:
            lines_by_complaint.setdefault(line.complaint_id, []).append(line)
        for complaint, c_lines in lines_by_complaint.items():
            summary = ", ".join(
                self.env._(
                    "%(policy)s: %(status)s (deadline %(deadline)s UTC)",
                    policy=line.sla_id.name,
                    status=status_labels[line.status],
                    deadline=fields.Datetime.to_string(line.deadline),
                )
                for line in c_lines
            )
            manager = complaint.team_id.manager_id
            bodies[complaint.id] = Markup("<p>%s</p>") % self.env._(
                "SLA escalation to %(manager)s: %(summary)s",
                manager=manager.name or no_manager,
                summary=summary,
            )
            if manager:
                activities.append(
                    {
                        "res_model_id": model_id,
                        "res_id": complaint.id,
                        "activity_type_id": activity_type.id,
                        "user_id": manager.id,
                        # details are in the chatter message posted with it
                        "summary": self.env._("SLA escalation: %(ref)s", ref=complaint.name),
                        "date_deadline": today,
                    }
                )
        # sudo: the cron/bench may run as any user; escalation is a system
        # action on tickets already selected by the SLA engine.
        lines.complaint_id.sudo()._message_log_batch(bodies=bodies)
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(activities)

    @api.model
    def _sla_batch_size_setting(self):
        """The configured batch size; a value stored around the settings form
        (not a whole number, below 1) is ignored with a warning so that the
        SLA check keeps running."""
        # sudo: the batch size is a technical setting read by the cron
        raw = self.env["ir.config_parameter"].sudo().get_param("retail_crm_complaints.sla_batch_size", "1000")
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = 0
        if value < 1:
            _logger.warning("Invalid SLA batch size %r in the settings: 1000 used instead.", raw)
            return 1000
        return value

    @api.model
    def _cron_sla_check(self, batch_size=None):
        """Scheduled entry point: update SLA statuses and escalate, in
        batches; commits between batches (outside tests) so it is resumable."""
        if batch_size is None:
            batch_size = self._sla_batch_size_setting()
        if not isinstance(batch_size, int) or batch_size < 1:
            raise UserError(_("The SLA check batch size must be a whole number of at least 1."))
        lines = self.env["retail.crm.complaint.sla.line"]
        now = fields.Datetime.now()
        done = 0
        while True:
            handled = lines._sla_check_batch(now, batch_size)
            done += handled
            if not handled:
                break
            self.env["ir.cron"]._notify_progress(done=done, remaining=0)
            if not modules.module.current_test and not self.env.context.get("sla_no_commit"):
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return done

    # ------------------------------------------------------------------
    # Resolution
    # ------------------------------------------------------------------
    def action_issue_coupon(self):
        self.ensure_one()
        if self.coupon_id:
            raise UserError(_("A coupon was already issued for %(ref)s.", ref=self.name))
        if not self.partner_id:
            raise UserError(_("Set the customer before issuing a compensation coupon."))
        if not self.coupon_program_id:
            raise UserError(_("Choose the coupon program of the compensation."))
        if self.coupon_points <= 0:
            raise UserError(_("The coupon value must be positive."))
        self._check_coupon_allowed()
        self.check_access("write")
        # sudo: store staff may issue a compensation coupon for a ticket they
        # can write (checked above) without loyalty administration rights.
        coupon_sudo = (
            self.env["loyalty.card"]
            .sudo()
            .create(
                {
                    "program_id": self.coupon_program_id.id,
                    "partner_id": self.partner_id.id,
                    "points": self.coupon_points,
                    "company_id": self.company_id.id,
                }
            )
        )
        self.write({"coupon_id": coupon_sudo.id, "resolution_type": "compensation"})
        self.message_post(
            body=_(
                "Compensation coupon %(code)s issued (%(program)s).",
                code=coupon_sudo.code,
                program=self.coupon_program_id.name,
            )
        )
        return True

    def _check_coupon_allowed(self):
        """Server-side limits of a compensation: program types and the
        per-ticket maximum of Settings (the view's domain is no check)."""
        if self.coupon_program_id.program_type not in COMPENSATION_PROGRAM_TYPES:
            raise UserError(_("Compensation coupons come from coupon, gift card or eWallet programs only."))
        icp = self.env["ir.config_parameter"].sudo()
        maximum = float(icp.get_param("retail_crm_complaints.coupon_max_points", "500") or 500)
        if self.coupon_points > maximum:
            raise UserError(
                _("A compensation is limited to %(max)s points per ticket (Settings).", max=maximum)
            )

    def action_send_resolution(self):
        """E-mail the result to the customer with a satisfaction request."""
        template = self.env.ref("retail_crm_complaints.mail_template_complaint_resolution")
        for complaint in self:
            if not complaint.resolution_type:
                raise UserError(
                    _("Set the resolution of %(ref)s before informing the customer.", ref=complaint.name)
                )
            if not complaint.partner_id.email:
                raise UserError(_("The customer of %(ref)s has no e-mail address.", ref=complaint.name))
        self.rating_send_request(template, force_send=False)
        self.write({"resolution_sent_date": fields.Datetime.now()})
        return True

    def _rating_get_parent_field_name(self):
        return "team_id"

    # ------------------------------------------------------------------
    # Intake
    # ------------------------------------------------------------------
    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """Mail gateway: create a ticket from an e-mail and find the customer
        by the sender's address."""
        self = self.with_context(default_user_id=False)
        values = dict(custom_values or {})
        email = email_normalize(msg_dict.get("email_from") or "")
        partner = self.env["res.partner"]
        if msg_dict.get("author_id"):
            partner = partner.browse(msg_dict["author_id"])
        elif email:
            partner = self._mail_find_partner_from_emails([email])[0] or partner
        values.setdefault("subject", msg_dict.get("subject") or _("No Subject"))
        values.setdefault("channel", "email")
        values.setdefault("description", msg_dict.get("body"))
        if partner:
            values.setdefault("partner_id", partner.id)
        if email:
            values.setdefault("email_from", email)
        return super().message_new(msg_dict, custom_values=values)

    @api.model
    def create_from_pos(self, vals):
        """POS intake: create a ticket for the current order and customer.

        ``vals``: ``config_id``, ``partner_id``, ``description``,
        ``pos_reference`` (receipt number), ``order_id`` (server id if the
        order is synced), ``product_ids``, ``category_id``, ``severity``.
        Returns the reference and id of the new ticket.
        """
        description = (vals.get("description") or "").strip()
        if not description:
            raise UserError(_("Describe the complaint."))
        config = self.env["pos.config"].browse(vals.get("config_id")).exists()
        order = self.env["pos.order"]
        if vals.get("order_id") and isinstance(vals["order_id"], int):
            order = order.browse(vals["order_id"]).exists()
        if not order and vals.get("pos_reference"):
            order = order.search([("pos_reference", "=", vals["pos_reference"])], limit=1)
        products = (
            self.env["product.product"]
            .browse([p for p in vals.get("product_ids") or [] if isinstance(p, int)])
            .exists()
        )
        complaint = self.create(
            {
                "subject": description.splitlines()[0][:80],
                "description": Markup("<p>%s</p>") % description,
                "channel": "store",
                "partner_id": vals.get("partner_id") or order.partner_id.id or False,
                "config_id": config.id or False,
                "company_id": (config.company_id or self.env.company).id,
                "pos_order_id": order.id or False,
                "pos_reference": vals.get("pos_reference") or order.pos_reference or False,
                "product_ids": [(6, 0, (products | order.lines.product_id).ids)],
                "category_id": vals.get("category_id") or False,
                "severity": vals.get("severity") or "normal",
            }
        )
        return {"id": complaint.id, "name": complaint.name}

    @api.model
    def pos_complaint_options(self, config_id):
        """Categories (of the till's company) and severities, in the
        cashier's language, for the till's complaint dialog."""
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(_("Only point of sale users record complaints at the till."))
        config = self.env["pos.config"].browse(config_id).exists()
        company = config.company_id or self.env.company
        categories = self.env["retail.crm.complaint.category"].search(
            [("company_id", "in", [company.id, False])], order="sequence, name, id"
        )
        return {
            "categories": [{"id": c.id, "name": c.name} for c in categories],
            "severities": self._fields["severity"]._description_selection(self.env),
        }

    @api.model
    def _link_pos_orders(self, orders):
        """Complaints recorded at the till before their order was synced
        (by receipt number) get the order and its products."""
        by_reference = {o.pos_reference: o for o in orders if o.pos_reference}
        if not by_reference:
            return
        waiting = self.search([("pos_order_id", "=", False), ("pos_reference", "in", list(by_reference))])
        for complaint in waiting:
            order = by_reference[complaint.pos_reference]
            complaint.write(
                {
                    "pos_order_id": order.id,
                    "partner_id": complaint.partner_id.id or order.partner_id.id,
                    "product_ids": [(4, pid) for pid in order.lines.product_id.ids],
                }
            )
