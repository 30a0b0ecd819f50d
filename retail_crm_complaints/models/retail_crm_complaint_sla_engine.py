import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import SLA_STATUS, working_hours_between, worst_status

_logger = logging.getLogger(__name__)


class RetailCrmComplaint(models.Model):
    """SLA of a ticket: matching policies, clock events on stage changes,
    escalation and the scheduled check."""

    _inherit = "retail.crm.complaint"  # pylint: disable=consider-merging-classes-inherited

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

    @api.depends("sla_line_ids.status", "sla_line_ids.deadline", "sla_line_ids.reached_date")
    def _compute_sla_status(self):
        for complaint in self:
            lines = complaint.sla_line_ids
            complaint.sla_status = worst_status(lines.mapped("status"))
            deadlines = lines.filtered(lambda line: not line.reached_date and line.deadline).mapped(
                "deadline"
            )
            complaint.sla_deadline = min(deadlines) if deadlines else False
            complaint.sla_breached = "breached" in lines.mapped("status")

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
        """Scheduled entry point: update the SLA statuses and escalate one
        batch, and report what is left through ``ir.cron._notify_progress``.

        The scheduler commits after each call and calls again at once while
        lines remain (``ir.cron._run_job``): each batch is its own
        transaction, so a long run is resumable; nothing here commits.
        Returns the number of lines handled by this batch.
        """
        if batch_size is None:
            batch_size = self._sla_batch_size_setting()
        if not isinstance(batch_size, int) or batch_size < 1:
            raise UserError(self.env._("The SLA check batch size must be a whole number of at least 1."))
        Line = self.env["retail.crm.complaint.sla.line"]
        now = fields.Datetime.now()
        handled = Line._sla_check_batch(now, batch_size)
        remaining = Line._sla_pending_count(now) if handled else 0
        self.env["ir.cron"]._notify_progress(done=handled, remaining=remaining)
        return handled
