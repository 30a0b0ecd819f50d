from datetime import datetime

from odoo.tests import BaseCase, tagged

from ..tools import STATUS_RANK, plan_working_hours, sla_status_at, working_hours_between, worst_status
from .common import ComplaintCommon, local


@tagged("post_install", "-at_install")
class TestSlaTimePure(BaseCase):
    """The SLA clock arithmetic without a calendar: plain Python."""

    def test_plan_without_calendar_runs_around_the_clock(self):
        start = datetime(2026, 11, 20, 9, 55)
        self.assertEqual(plan_working_hours(None, start, 24), datetime(2026, 11, 21, 9, 55))
        self.assertEqual(plan_working_hours(None, start, 0.5), datetime(2026, 11, 20, 10, 25))
        self.assertFalse(plan_working_hours(None, False, 24))

    def test_hours_between_without_calendar(self):
        start = datetime(2026, 11, 20, 9, 0)
        self.assertEqual(working_hours_between(None, start, datetime(2026, 11, 21, 10, 30)), 25.5)
        # reversed, equal or missing bounds: no time spent
        self.assertEqual(working_hours_between(None, start, start), 0.0)
        self.assertEqual(working_hours_between(None, start, datetime(2026, 11, 19)), 0.0)
        self.assertEqual(working_hours_between(None, False, start), 0.0)

    def test_status_at(self):
        deadline = datetime(2026, 11, 23, 9, 55)
        risk = datetime(2026, 11, 23, 3, 55)
        self.assertEqual(
            sla_status_at(datetime(2026, 11, 23, 1), deadline=deadline, at_risk_date=risk), "on_track"
        )
        self.assertEqual(sla_status_at(risk, deadline=deadline, at_risk_date=risk), "at_risk")
        # at the deadline the time is used up but not exceeded
        self.assertEqual(sla_status_at(deadline, deadline=deadline, at_risk_date=risk), "at_risk")
        self.assertEqual(sla_status_at(datetime(2026, 11, 23, 9, 55, 1), deadline=deadline), "breached")
        # reached at the deadline: met; one second late: breached, whatever now is
        later = datetime(2026, 12, 1)
        self.assertEqual(sla_status_at(later, deadline=deadline, reached_date=deadline), "met")
        self.assertEqual(
            sla_status_at(later, deadline=deadline, reached_date=datetime(2026, 11, 23, 9, 55, 1)), "breached"
        )
        # a paused or unplanned target keeps its open status
        self.assertEqual(sla_status_at(later, deadline=deadline, paused=True, current="at_risk"), "at_risk")
        self.assertEqual(sla_status_at(later, deadline=False, current="met"), "on_track")

    def test_worst_status(self):
        self.assertEqual(worst_status(["met", "on_track", "at_risk"]), "at_risk")
        self.assertEqual(worst_status(["met", "breached", "at_risk"]), "breached")
        self.assertEqual(worst_status(["met"]), "met")
        self.assertIs(worst_status([]), False)
        self.assertEqual(set(STATUS_RANK), {"on_track", "at_risk", "breached", "met"})


@tagged("post_install", "-at_install")
class TestSlaTimeCalendar(ComplaintCommon):
    """The same arithmetic on a store calendar (Mon-Sat 09-21, Shanghai)."""

    def test_plan_on_calendar_skips_closed_hours(self):
        # Friday 17:55 + 24 working hours: Fri 3h05, Sat 12h, Sunday closed,
        # Monday 09:00 + 8h55 -> Monday 17:55 (Shanghai)
        start = local(2026, 11, 20, 17, 55)
        self.assertEqual(plan_working_hours(self.calendar, start, 24), local(2026, 11, 23, 17, 55))

    def test_hours_between_on_calendar(self):
        # Saturday 20:00 to Monday 10:00: 1h Saturday, Sunday closed, 1h Monday
        self.assertAlmostEqual(
            working_hours_between(self.calendar, local(2026, 11, 21, 20, 0), local(2026, 11, 23, 10, 0)), 2.0
        )
        # a public holiday (leave without resource) does not count
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Store closed",
                "calendar_id": self.calendar.id,
                "date_from": local(2026, 11, 23, 0, 0),
                "date_to": local(2026, 11, 23, 23, 59, 59),
            }
        )
        self.assertAlmostEqual(
            working_hours_between(self.calendar, local(2026, 11, 21, 20, 0), local(2026, 11, 24, 10, 0)), 2.0
        )
