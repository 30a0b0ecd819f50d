import functools

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools.sql import create_index

from ..tools import SLA_STATUS, plan_working_hours, sla_status_at, working_hours_between


class RetailCrmComplaintSlaLine(models.Model):
    """One SLA target of one ticket.

    Deadline semantics: the deadline is the instant at which the allowed
    working time is used up. A target reached *at or before* the deadline is
    met; an open target is breached only once the clock is *past* the
    deadline (``now > deadline``); a target reached after the deadline is
    breached.
    """

    _name = "retail.crm.complaint.sla.line"
    _description = "Complaint SLA Line"
    _order = "deadline, id"

    complaint_id = fields.Many2one("retail.crm.complaint", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="complaint_id.company_id", store=True)
    sla_id = fields.Many2one(
        "retail.crm.complaint.sla",
        string="SLA Policy",
        required=True,
        ondelete="cascade",
        index=True,
    )
    target = fields.Selection(
        [("first_contact", "First contact"), ("resolution", "Resolution")],
        required=True,
    )
    calendar_id = fields.Many2one("resource.calendar", string="Working Hours")
    start_date = fields.Datetime(required=True)
    paused_hours = fields.Float(
        string="Paused (working hours)",
        help="Working time spent in stages that pause the SLA; added to the deadline.",
    )
    pause_start = fields.Datetime(help="Set while the ticket is in a pausing stage.")
    deadline = fields.Datetime(index=True)
    at_risk_date = fields.Datetime(index=True)
    reached_date = fields.Datetime(index=True)
    status = fields.Selection(SLA_STATUS, required=True, default="on_track", index=True)
    escalation_state = fields.Selection(
        [("none", "Not escalated"), ("at_risk", "At risk escalated"), ("breached", "Breach escalated")],
        default="none",
        required=True,
    )
    spent_hours = fields.Float(
        string="Time Taken (working hours)",
        help="Working time from intake to the target being reached, pauses excluded.",
    )

    def init(self):
        # the SLA cron only looks at open lines: keep its lookups cheap over
        # hundreds of thousands of tickets
        create_index(
            self.env.cr,
            "retail_crm_complaint_sla_line_open_deadline_idx",
            self._table,
            ["deadline", "at_risk_date"],
            where="reached_date IS NULL AND pause_start IS NULL",
        )
        create_index(
            self.env.cr,
            "retail_crm_complaint_sla_line_escalation_idx",
            self._table,
            ["status", "escalation_state"],
            where="reached_date IS NULL",
        )

    # ------------------------------------------------------------------
    # Access: a line follows its ticket
    # ------------------------------------------------------------------
    # SLA lines have no record rules of their own: whoever may read a ticket
    # reads its SLA lines, whoever may not does not, whatever the ticket's
    # rules are (store, team, company, or rules added later). Copies of the
    # ticket's domains on the line would drift from them.
    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        if not self.env.su:
            # the ticket's own rules (and access rights) apply to the subquery
            tickets = self.env["retail.crm.complaint"].with_context(active_test=False)._search([])
            domain = expression.AND([domain, [("complaint_id", "in", tickets)]])
        return super()._search(domain, offset, limit, order)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result or not any(self._ids):
            return result
        # sudo: only the link to the ticket is read, to check access on it
        lines_sudo = self.sudo()
        ticket_operation = "read" if operation == "read" else "write"
        ticket_result = lines_sudo.complaint_id._check_access(ticket_operation)
        if not ticket_result:
            return None
        forbidden = lines_sudo.filtered(lambda line: line.complaint_id in ticket_result[0]).sudo(False)
        return forbidden, functools.partial(self.env["ir.rule"]._make_access_error, operation, forbidden)

    # ------------------------------------------------------------------
    # Arithmetic
    # ------------------------------------------------------------------
    def _compute_deadlines(self, now=None):
        """Deadline and at-risk date of each line. Tickets taken together
        share calendar, start and targets: plan each combination once."""
        now = now or fields.Datetime.now()
        planned = {}

        def plan(calendar, start, hours):
            key = (calendar.id, start, hours)
            if key not in planned:
                planned[key] = plan_working_hours(calendar, start, hours)
            return planned[key]

        for line in self:
            target = line.sla_id.target_hours
            risk_hours = target * line.sla_id.at_risk_percent / 100
            line.write(
                {
                    "deadline": plan(line.calendar_id, line.start_date, target + line.paused_hours),
                    "at_risk_date": plan(line.calendar_id, line.start_date, risk_hours + line.paused_hours),
                }
            )
        self._refresh_status(now)

    def _status_at(self, now):
        self.ensure_one()
        return sla_status_at(
            now,
            deadline=self.deadline,
            at_risk_date=self.at_risk_date,
            reached_date=self.reached_date,
            paused=bool(self.pause_start),
            current=self.status,
        )

    def _refresh_status(self, now=None):
        now = now or fields.Datetime.now()
        by_status = {}
        for line in self:
            status = line._status_at(now)
            if status != line.status:
                by_status.setdefault(status, self.browse())
                by_status[status] |= line
        for status, lines in by_status.items():
            lines.write({"status": status})

    # ------------------------------------------------------------------
    # Clock events
    # ------------------------------------------------------------------
    def _pause(self, when):
        self.filtered(lambda line: not line.reached_date and not line.pause_start).write(
            {"pause_start": when}
        )

    def _resume(self, when):
        paused = self.filtered(lambda line: line.pause_start)
        for line in paused:
            line.write(
                {
                    "paused_hours": line.paused_hours
                    + working_hours_between(line.calendar_id, line.pause_start, when),
                    "pause_start": False,
                }
            )
        paused._compute_deadlines(when)

    def _reach(self, when):
        lines = self.filtered(lambda line: not line.reached_date)
        lines._resume(when)
        for line in lines:
            line.write(
                {
                    "reached_date": when,
                    "spent_hours": max(
                        working_hours_between(line.calendar_id, line.start_date, when) - line.paused_hours,
                        0.0,
                    ),
                }
            )
        lines._refresh_status(when)

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------
    @api.model
    def _sla_pending_domains(self, now):
        """Domains of the open lines the SLA check still has to handle at
        ``now``: status to breach, status to put at risk, escalation due."""
        open_domain = [("reached_date", "=", False), ("pause_start", "=", False)]
        return (
            open_domain + [("deadline", "<", now), ("status", "in", ("on_track", "at_risk"))],
            open_domain + [("at_risk_date", "<=", now), ("deadline", ">=", now), ("status", "=", "on_track")],
            [
                ("reached_date", "=", False),
                "|",
                "&",
                ("status", "=", "breached"),
                ("escalation_state", "!=", "breached"),
                "&",
                ("status", "=", "at_risk"),
                ("escalation_state", "=", "none"),
            ],
        )

    @api.model
    def _sla_pending_count(self, now):
        """Number of line updates the SLA check has left at ``now``."""
        return sum(self.search_count(domain) for domain in self._sla_pending_domains(now))

    @api.model
    def _sla_check_batch(self, now, limit):
        """Update the status of up to ``limit`` open lines whose clock passed
        a threshold, then escalate up to ``limit`` lines once per level.

        A constant number of queries per batch: two searches and grouped
        writes for statuses, one search, one message batch, one activity
        batch and one write for escalations. Returns the number of lines
        handled (0 when there is nothing left to do).
        """
        breach_domain, risk_domain, escalate_domain = self._sla_pending_domains(now)
        breached = self.search(breach_domain, limit=limit, order="id")
        breached.write({"status": "breached"})
        at_risk = self.search(risk_domain, limit=limit, order="id")
        at_risk.write({"status": "at_risk"})
        to_escalate = self.search(escalate_domain, limit=limit, order="id")
        to_escalate.complaint_id._sla_escalate(to_escalate)
        for status in ("at_risk", "breached"):
            to_escalate.filtered(lambda line, s=status: line.status == s).write({"escalation_state": status})
        return len(breached) + len(at_risk) + len(to_escalate)
