# Pure code of the addon (no ORM model): SLA clock arithmetic and the
# constants shared by several models.
from .pos_states import PAID_STATES
from .sla_time import (
    SLA_STATUS,
    STATUS_RANK,
    plan_working_hours,
    sla_status_at,
    worst_status,
    working_hours_between,
)
