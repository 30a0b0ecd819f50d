from odoo.tools import SQL

from . import models
from . import report
from . import wizards

# tables of the addon that are no model's regular table, so Odoo does not
# drop them at uninstall: the partitioned snapshot (with its partitions) and
# the run's caches between runs
UNMANAGED_TABLES = (
    "retail_crm_rfm_snapshot",
    "retail_crm_rfm_summary",
    "retail_crm_rfm_summary_stamp",
    "retail_crm_rfm_dirty",
    "retail_crm_rfm_margin",
    "retail_crm_rfm_margin_stamp",
)


def uninstall_hook(env):
    env.cr.execute(
        SQL("DROP TABLE IF EXISTS %s CASCADE", SQL(", ").join(SQL.identifier(t) for t in UNMANAGED_TABLES))
    )
