import base64
import json
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class RetailCrmPrivacyRequest(models.Model):
    _name = "retail.crm.privacy.request"
    _description = "Data-Subject Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "deadline, id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner",
        string="Data subject",
        required=True,
        tracking=True,
        ondelete="restrict",
    )
    request_type = fields.Selection(
        selection=[
            ("access", "Access (export)"),
            ("rectification", "Rectification"),
            ("erasure", "Erasure"),
        ],
        required=True,
        default="access",
        tracking=True,
    )
    request_date = fields.Datetime(required=True, default=fields.Datetime.now)
    deadline = fields.Date(compute="_compute_deadline", store=True, readonly=False, tracking=True)
    user_id = fields.Many2one(
        "res.users", string="Assigned to", default=lambda self: self.env.user, tracking=True
    )
    state = fields.Selection(
        selection=[
            ("new", "New"),
            ("in_progress", "In progress"),
            ("done", "Done"),
            ("rejected", "Rejected"),
        ],
        default="new",
        required=True,
        tracking=True,
    )
    description = fields.Text()
    is_overdue = fields.Boolean(compute="_compute_is_overdue", search="_search_is_overdue")
    escalated = fields.Boolean(readonly=True, copy=False)
    export_attachment_id = fields.Many2one("ir.attachment", readonly=True, copy=False)
    erasure_log_id = fields.Many2one("retail.crm.erasure.log", readonly=True, copy=False)
    done_date = fields.Datetime(readonly=True, copy=False)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)

    @api.depends("request_date")
    def _compute_deadline(self):
        days = self._request_days()
        for request in self:
            start = fields.Datetime.to_datetime(request.request_date) or fields.Datetime.now()
            request.deadline = (start + timedelta(days=days)).date()

    def _request_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param("retail_crm_privacy.request_days", "7")
        try:
            return max(int(value), 0)
        except ValueError:
            return 7

    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for request in self:
            request.is_overdue = (
                request.state in ("new", "in_progress")
                and bool(request.deadline)
                and request.deadline < today
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on overdue requests."))
        domain = [
            ("state", "in", ("new", "in_progress")),
            ("deadline", "<", fields.Date.context_today(self)),
        ]
        if (operator == "=") == value:
            return domain
        return ["!", "&", *domain]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("retail.crm.privacy.request") or "/"
        return super().create(vals_list)

    def _check_privacy_officer(self):
        """Exports and erasures reach every record of the person (sudo):
        only data protection officers and administrators may run them."""
        user = self.env.user
        if not self.env.su and not (
            user.has_group("retail_crm_privacy.group_privacy_officer") or user.has_group("base.group_system")
        ):
            raise AccessError(
                self.env._("Only the data protection officer can export or erase personal data.")
            )

    def action_start(self):
        self.filtered(lambda r: r.state == "new").write({"state": "in_progress"})

    def action_reject(self):
        self.write({"state": "rejected", "done_date": fields.Datetime.now()})

    def action_done(self):
        self.write({"state": "done", "done_date": fields.Datetime.now()})

    def action_export(self):
        """Access request: attach everything held about the person as JSON."""
        self.ensure_one()
        self._check_privacy_officer()
        if self.request_type != "access":
            raise UserError(self.env._("Only access requests are exported."))
        data = self.partner_id._privacy_export_data()
        payload = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        # sudo: the attachment belongs to the request, readable by the officers
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{self.name}.json",
                    "datas": base64.b64encode(payload.encode()),
                    "mimetype": "application/json",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.export_attachment_id = attachment
        if self.state == "new":
            self.state = "in_progress"
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def action_print_pdf(self):
        self.ensure_one()
        return self.env.ref("retail_crm_privacy.action_report_privacy_request").report_action(self)

    def _report_data(self):
        """Export data for the PDF report (same content as the JSON export)."""
        self.ensure_one()
        self._check_privacy_officer()
        return self.partner_id._privacy_export_data()

    def action_open_erasure_preview(self):
        self.ensure_one()
        self._check_privacy_officer()
        if self.request_type != "erasure":
            raise UserError(self.env._("Only erasure requests anonymise data."))
        if self.state in ("done", "rejected"):
            raise UserError(self.env._("This request is already closed."))
        preview = self.env["retail.crm.erasure.preview"].create({"request_id": self.id})
        preview._build_lines()
        return {
            "type": "ir.actions.act_window",
            "res_model": "retail.crm.erasure.preview",
            "res_id": preview.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Erasure preview"),
        }

    @api.model
    def _cron_escalate_overdue(self):
        """Schedule one activity per overdue request (once), for its assignee
        or, when unassigned, the first data protection officer."""
        overdue = self.search([("is_overdue", "=", True), ("escalated", "=", False)])
        if not overdue:
            return
        officers = self.env.ref("retail_crm_privacy.group_privacy_officer").users
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        vals_list = []
        for request in overdue:
            user = request.user_id or officers[:1] or self.env.ref("base.user_admin")
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": request.id,
                    "activity_type_id": activity_type.id,
                    "summary": self.env._("Overdue data-subject request"),
                    "note": self.env._("The legal deadline %(date)s has passed.", date=request.deadline),
                    "user_id": user.id,
                    "date_deadline": fields.Date.context_today(self),
                }
            )
        self.env["mail.activity"].create(vals_list)
        overdue.write({"escalated": True})
