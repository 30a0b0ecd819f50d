from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import ComplaintCommon, local


@tagged("post_install", "-at_install")
class TestComplaintSla(ComplaintCommon):
    def test_friday_evening_deadline_by_hand(self):
        """17:55 on a Friday, store open Mon-Sat 09:00-21:00, 24 working hours
        to first contact: Friday 17:55-21:00 is 3h05, Saturday 12h (15h05),
        Sunday closed, Monday 09:00 + 8h55 = Monday 17:55."""
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaint = self._complaint()
        contact = self._line(complaint, "first_contact")
        self.assertEqual(contact.sla_id, self.sla_contact)
        self.assertEqual(contact.deadline, local(2026, 11, 23, 17, 55))
        # at risk after 75% = 18h: 3h05 + 12h + Monday 2h55 -> 11:55
        self.assertEqual(contact.at_risk_date, local(2026, 11, 23, 11, 55))
        # resolution 36h: 3h05 + 12h + 12h (Mon) + 8h55 -> Tuesday 17:55
        self.assertEqual(self._line(complaint, "resolution").deadline, local(2026, 11, 24, 17, 55))
        self.assertEqual(complaint.sla_deadline, local(2026, 11, 23, 17, 55))
        self.assertEqual(complaint.sla_status, "on_track")
        self.assertEqual(complaint.team_id, self.team)

    def test_night_intake_starts_next_morning(self):
        self.sla_contact.target_hours = 2
        with freeze_time(local(2026, 11, 18, 22, 30)):  # Wednesday night
            complaint = self._complaint()
        self.assertEqual(self._line(complaint, "first_contact").deadline, local(2026, 11, 19, 11, 0))

    def test_public_holiday_is_skipped(self):
        # Monday 23 November closed (whole local day)
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Store closure",
                "calendar_id": self.calendar.id,
                "date_from": local(2026, 11, 23, 0, 0),
                "date_to": local(2026, 11, 23, 23, 59, 59),
            }
        )
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaint = self._complaint()
        self.assertEqual(self._line(complaint, "first_contact").deadline, local(2026, 11, 24, 17, 55))
        # a global public holiday (no calendar) counts too: Tuesday
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": False,
                "date_from": local(2026, 11, 24, 0, 0),
                "date_to": local(2026, 11, 24, 23, 59, 59),
            }
        )
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaint2 = self._complaint()
        self.assertEqual(self._line(complaint2, "first_contact").deadline, local(2026, 11, 25, 17, 55))

    def test_breach_exactly_at_deadline(self):
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaint = self._complaint()
        contact = self._line(complaint, "first_contact")
        deadline = contact.deadline
        Complaint = self.env["retail.crm.complaint"]
        with freeze_time(deadline):
            Complaint._cron_sla_check()
            # at the deadline the time is used up but not exceeded
            self.assertEqual(contact.status, "at_risk")
        with freeze_time(deadline + timedelta(seconds=1)):
            Complaint._cron_sla_check()
            self.assertEqual(contact.status, "breached")
            self.assertEqual(complaint.sla_status, "breached")
            self.assertTrue(complaint.sla_breached)

    def test_reached_exactly_at_deadline_is_met(self):
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaint = self._complaint()
        contact = self._line(complaint, "first_contact")
        with freeze_time(contact.deadline):
            complaint.stage_id = self.stage_contacted
        self.assertEqual(contact.reached_date, contact.deadline)
        self.assertEqual(contact.status, "met")
        # Friday 17:55 -> Monday 17:55 is 24 working hours
        self.assertAlmostEqual(contact.spent_hours, 24.0, places=2)
        self.assertAlmostEqual(complaint.first_response_hours, 24.0, places=2)

    def test_reached_late_is_breached(self):
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaint = self._complaint()
        contact = self._line(complaint, "first_contact")
        with freeze_time(contact.deadline + timedelta(minutes=1)):
            complaint.stage_id = self.stage_contacted
        self.assertEqual(contact.status, "breached")
        self.assertTrue(complaint.sla_breached)

    def test_pause_and_resume(self):
        """Monday 10:00, 24h to first contact; paused from Monday 12:00 to
        Wednesday 11:00 (23 working hours), so the deadline moves from
        Wednesday 10:00 to Thursday 21:00; while paused nothing breaches."""
        self.sla_resolution.active = False
        with freeze_time(local(2026, 11, 23, 10, 0)):
            complaint = self._complaint()
        contact = self._line(complaint, "first_contact")
        self.assertEqual(contact.deadline, local(2026, 11, 25, 10, 0))
        # the waiting stage also counts as contacted: use a pausing stage
        # that does not complete first contact
        pause_stage = self.env["retail.crm.complaint.stage"].create(
            {
                "name": "On hold (test)",
                "sequence": 5,
                "pauses_sla": True,
            }
        )
        with freeze_time(local(2026, 11, 23, 12, 0)):
            complaint.stage_id = pause_stage
        self.assertEqual(contact.pause_start, local(2026, 11, 23, 12, 0))
        with freeze_time(local(2026, 11, 25, 11, 0)):
            self.env["retail.crm.complaint"]._cron_sla_check()
            self.assertEqual(contact.status, "on_track")
            complaint.stage_id = self.stage_new
        self.assertFalse(contact.pause_start)
        self.assertAlmostEqual(contact.paused_hours, 23.0, places=2)
        self.assertEqual(contact.deadline, local(2026, 11, 26, 21, 0))
        with freeze_time(local(2026, 11, 26, 12, 0)):
            complaint.stage_id = self.stage_contacted
        self.assertEqual(contact.status, "met")
        # 2h before the pause + Wed 11-21 (10h) + Thu 9-12 (3h)
        self.assertAlmostEqual(contact.spent_hours, 15.0, places=2)

    def test_policy_change_after_creation(self):
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaint = self._complaint(severity="high")
        contact = self._line(complaint, "first_contact")
        # shorter target: Friday 3h05 + Saturday 8h55 -> Saturday 17:55
        with freeze_time(local(2026, 11, 21, 10, 0)):
            self.sla_contact.target_hours = 12
        self.assertEqual(contact.deadline, local(2026, 11, 21, 17, 55))
        # a more specific policy for high severity replaces the open line,
        # counted from the intake
        with freeze_time(local(2026, 11, 21, 10, 0)):
            urgent = self.env["retail.crm.complaint.sla"].create(
                {
                    "name": "High: 4h",
                    "target": "first_contact",
                    "target_hours": 4,
                    "severity": "high",
                }
            )
        new_contact = self._line(complaint, "first_contact")
        self.assertEqual(new_contact.sla_id, urgent)
        self.assertEqual(new_contact.deadline, local(2026, 11, 21, 9, 55))
        # already past its deadline: breached at once
        self.assertEqual(new_contact.status, "breached")
        # a normal ticket keeps the general policy
        with freeze_time(local(2026, 11, 21, 10, 0)):
            normal = self._complaint(severity="normal")
        self.assertEqual(self._line(normal, "first_contact").sla_id, self.sla_contact)
        # changing the ticket's severity re-matches
        with freeze_time(local(2026, 11, 21, 10, 0)):
            normal.severity = "high"
        self.assertEqual(self._line(normal, "first_contact").sla_id, urgent)
        # reached lines are history: a later policy change leaves them alone
        with freeze_time(local(2026, 11, 21, 11, 0)):
            normal.stage_id = self.stage_contacted
        reached = self._line(normal, "first_contact")
        urgent.target_hours = 40
        self.assertEqual(reached.deadline, local(2026, 11, 21, 14, 0))
        self.assertEqual(reached.status, "met")

    def test_escalation_once_per_level(self):
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaint = self._complaint()
        Complaint = self.env["retail.crm.complaint"]
        activity_type = self.env.ref("retail_crm_complaints.mail_activity_type_sla_escalation")

        def escalations():
            return complaint.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)

        def messages():
            return complaint.message_ids.filtered(lambda m: "SLA escalation" in (m.body or ""))

        with freeze_time(local(2026, 11, 23, 12, 0)):  # first contact at risk
            Complaint._cron_sla_check()
            Complaint._cron_sla_check()
        self.assertEqual(len(escalations()), 1)
        self.assertEqual(escalations().user_id, self.manager_user)
        self.assertEqual(len(messages()), 1)
        with freeze_time(local(2026, 11, 23, 18, 0)):  # breached
            Complaint._cron_sla_check()
        with freeze_time(local(2026, 11, 23, 19, 0)):
            Complaint._cron_sla_check()
        self.assertEqual(len(escalations()), 2)
        self.assertEqual(len(messages()), 2)
        contact = self._line(complaint, "first_contact")
        self.assertEqual(contact.escalation_state, "breached")
        # a reached target is never escalated again
        with freeze_time(local(2026, 11, 23, 19, 30)):
            complaint.stage_id = self.stage_contacted
        with freeze_time(local(2026, 11, 24, 20, 0)):  # resolution breached
            Complaint._cron_sla_check()
        self.assertEqual(len(messages()), 3)
        self.assertIn("Resolution 36h", messages()[0].body)

    def test_closing_requires_root_cause(self):
        complaint = self._complaint()
        with self.assertRaises(ValidationError):
            complaint.stage_id = self.stage_closed
        complaint.write(
            {
                "root_cause_id": self.cause.id,
                "corrective_action": "Staff training on handling returns",
                "stage_id": self.stage_closed.id,
            }
        )
        self.assertTrue(complaint.is_closed)
        self.assertTrue(complaint.closed_date)
        # feedback / suggestions close without a root cause
        feedback = self._complaint(category_id=self.feedback_category.id, subject="Add parking")
        feedback.stage_id = self.stage_closed
        self.assertEqual(feedback.kind, "feedback")
        self.assertTrue(feedback.is_closed)

    def test_member_tier_policy(self):
        gold = self.env["retail.crm.tier"].create({"name": "Gold (complaints test)"})
        vip_policy = self.env["retail.crm.complaint.sla"].create(
            {
                "name": "Gold members: 4h",
                "target": "first_contact",
                "target_hours": 4,
                "tier_ids": [(6, 0, gold.ids)],
            }
        )
        member = self.env["res.partner"].create({"name": "Li Na", "email": "li.na@example.com"})
        member.with_company(self.company).retail_tier_id = gold
        with freeze_time(local(2026, 11, 20, 17, 55)):
            vip = self._complaint(partner_id=member.id)
            regular = self._complaint()
        self.assertEqual(vip.tier_id, gold)
        self.assertFalse(regular.tier_id)
        self.assertEqual(self._line(vip, "first_contact").sla_id, vip_policy)
        # Friday 3h05 then Saturday 55 minutes
        self.assertEqual(self._line(vip, "first_contact").deadline, local(2026, 11, 21, 9, 55))
        self.assertEqual(self._line(regular, "first_contact").sla_id, self.sla_contact)

    def test_batch_size_setting_validated(self):
        """A batch size below 1 is refused by the settings (translated message,
        nothing stored); a bad value stored around the form does not stop the
        SLA check (it runs with the default and logs a warning)."""
        param = "retail_crm_complaints.sla_batch_size"
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param(param, 50)
        for bad in (-5, 0):
            with self.assertRaises(ValidationError):
                self.env["res.config.settings"].create({"complaint_sla_batch_size": bad}).execute()
        self.assertEqual(ICP.get_param(param), "50")
        with self.assertRaises(UserError):
            self.env["retail.crm.complaint"]._cron_sla_check(batch_size=-5)
        ICP.set_param(param, -5)
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaint = self._complaint()
        with (
            freeze_time(local(2026, 11, 23, 18, 0)),
            self.assertLogs(
                "odoo.addons.retail_crm_complaints.models.retail_crm_complaint_sla_engine", "WARNING"
            ),
        ):
            self.assertGreater(self.env["retail.crm.complaint"]._cron_sla_check(), 0)
        self.assertEqual(self._line(complaint, "first_contact").status, "breached")

    def _run_sla_job(self, max_calls=20):
        """Run the SLA job as the scheduler does (``ir.cron._run_job``): each
        call with its own progress record, called again while the job
        reports work left. Returns ``(handled, done, remaining)`` per call."""
        cron = self.env.ref("retail_crm_complaints.ir_cron_complaint_sla_check")
        calls = []
        for _i in range(max_calls):
            progress = cron._add_progress()[1]
            Complaint = self.env["retail.crm.complaint"].with_context(ir_cron_progress_id=progress.id)
            handled = Complaint._cron_sla_check()
            calls.append((handled, progress.done, progress.remaining))
            if not progress.remaining:
                break
        return calls

    def test_cron_batches_are_resumable(self):
        """Small batches: one batch per call, the work left reported to the
        scheduler, which calls again until nothing is left; a run after that
        finds nothing to do (idempotent)."""
        self.env["ir.config_parameter"].sudo().set_param("retail_crm_complaints.sla_batch_size", 2)
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaints = self.env["retail.crm.complaint"].create(
                [{"subject": f"Bulk {i}", "category_id": self.category.id} for i in range(5)]
            )
        with freeze_time(local(2026, 11, 23, 18, 0)):
            calls = self._run_sla_job()
            self.assertEqual(self._run_sla_job(), [(0, 0, 0)])
        # each call: up to 2 status changes and their 2 escalations, then the
        # status changes left (the escalations follow them in the same call)
        self.assertEqual(calls, [(4, 4, 3), (4, 4, 1), (2, 2, 0)])
        contact_lines = complaints.sla_line_ids.filtered(lambda line: line.target == "first_contact")
        self.assertEqual(set(contact_lines.mapped("status")), {"breached"})
        self.assertEqual(set(contact_lines.mapped("escalation_state")), {"breached"})
        # 5 status changes + 5 escalations
        self.assertEqual(sum(handled for handled, _done, _remaining in calls), 10)
        self.assertEqual(set(complaints.mapped("sla_status")), {"breached"})

    def test_cron_call_is_one_batch(self):
        """The job handles one batch per call (the scheduler commits between
        calls), it does not loop over everything in one transaction."""
        self.env["ir.config_parameter"].sudo().set_param("retail_crm_complaints.sla_batch_size", 1)
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaints = self.env["retail.crm.complaint"].create(
                [{"subject": f"Batch {i}", "category_id": self.category.id} for i in range(3)]
            )
        with freeze_time(local(2026, 11, 23, 18, 0)):
            self.assertEqual(self.env["retail.crm.complaint"]._cron_sla_check(), 2)
        contact_lines = complaints.sla_line_ids.filtered(lambda line: line.target == "first_contact")
        self.assertEqual(sorted(contact_lines.mapped("status")), ["breached", "on_track", "on_track"])

    def test_policy_archived_or_deleted(self):
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaint = self._complaint(severity="critical")
            critical = self.env["retail.crm.complaint.sla"].create(
                {
                    "name": "Critical: 2h",
                    "target": "first_contact",
                    "target_hours": 2,
                    "severity": "critical",
                }
            )
            self.assertEqual(self._line(complaint, "first_contact").sla_id, critical)
            critical.active = False
            self.assertEqual(self._line(complaint, "first_contact").sla_id, self.sla_contact)
            critical.active = True
            self.assertEqual(self._line(complaint, "first_contact").sla_id, critical)
            critical.unlink()
        line = self._line(complaint, "first_contact")
        self.assertEqual(line.sla_id, self.sla_contact)
        self.assertEqual(line.deadline, local(2026, 11, 23, 17, 55))

    def test_team_calendar_change_moves_open_deadlines(self):
        with freeze_time(local(2026, 11, 20, 17, 55)):
            complaint = self._complaint()
            # the store now also opens on Sundays 09:00-21:00
            self.calendar.write(
                {
                    "attendance_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Sunday",
                                "dayofweek": "6",
                                "hour_from": 9.0,
                                "hour_to": 21.0,
                                "day_period": "morning",
                            },
                        )
                    ]
                }
            )
            seven_days = self.calendar.copy({"name": "Store 7 days"})
            self.team.resource_calendar_id = seven_days
        line = self._line(complaint, "first_contact")
        self.assertEqual(line.calendar_id, seven_days)
        # Friday 3h05 + Saturday 12h + Sunday 8h55 -> Sunday 17:55
        self.assertEqual(line.deadline, local(2026, 11, 22, 17, 55))

    def test_created_in_contacted_stage(self):
        with freeze_time(local(2026, 11, 20, 18, 0)):
            complaint = self._complaint(stage_id=self.stage_contacted.id)
        contact = self._line(complaint, "first_contact")
        self.assertEqual(contact.reached_date, local(2026, 11, 20, 18, 0))
        self.assertEqual(contact.status, "met")
        self.assertEqual(complaint.first_contact_date, local(2026, 11, 20, 18, 0))
        self.assertFalse(self._line(complaint, "resolution").reached_date)
