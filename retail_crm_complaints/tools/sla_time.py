"""SLA clock arithmetic on working hours.

Datetimes are naive UTC, as the ORM stores them. ``calendar`` is a
``resource.calendar`` record (or an empty one / ``None``: the clock then runs
around the clock); only its ``plan_hours`` and ``get_work_hours_count``
methods are used.
"""

from datetime import timedelta

from pytz import utc

SLA_STATUS = [
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("breached", "Breached"),
    ("met", "Met"),
]

# worst first: a ticket shows the worst status of its SLA lines
STATUS_RANK = {"breached": 0, "at_risk": 1, "on_track": 2, "met": 3}


def plan_working_hours(calendar, start, hours):
    """Deadline ``hours`` working hours after ``start`` (naive UTC).

    Counted on ``calendar`` (attendances in the calendar's time zone, minus
    public holidays and closures: ``resource.calendar.leaves`` without a
    resource). Without a calendar the clock runs around the clock.
    """
    if not start:
        return False
    if not calendar:
        return start + timedelta(hours=hours)
    deadline = calendar.plan_hours(hours, start.replace(tzinfo=utc), compute_leaves=True)
    return deadline and deadline.astimezone(utc).replace(tzinfo=None)


def working_hours_between(calendar, start, stop):
    """Working hours between two naive UTC datetimes on ``calendar``."""
    if not start or not stop or stop <= start:
        return 0.0
    if not calendar:
        return (stop - start).total_seconds() / 3600
    return calendar.get_work_hours_count(
        start.replace(tzinfo=utc), stop.replace(tzinfo=utc), compute_leaves=True
    )


def sla_status_at(now, *, deadline, at_risk_date=None, reached_date=None, paused=False, current="on_track"):
    """Status of one SLA target at ``now``.

    The deadline is the instant at which the allowed working time is used
    up: a target reached *at or before* it is met, reached after it is
    breached; an open target is breached only once the clock is *past* it.
    A paused (or not yet planned) target keeps its open status.
    """
    if reached_date:
        return "met" if deadline and reached_date <= deadline else "breached"
    if paused or not deadline:
        return current if current != "met" else "on_track"
    if now > deadline:
        return "breached"
    if at_risk_date and now >= at_risk_date:
        return "at_risk"
    return "on_track"


def worst_status(statuses):
    """The worst of SLA ``statuses`` (``False`` when there is none)."""
    statuses = [status for status in statuses if status]
    return min(statuses, key=STATUS_RANK.__getitem__) if statuses else False
