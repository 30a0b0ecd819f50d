"""The member tier table and the tier history no longer keep create/write
users and dates (``_log_access = False``: each was a foreign-key check per row
the review writes): drop the columns Odoo leaves behind."""

from odoo.tools import SQL

TABLES = ("retail_crm_member_tier", "retail_crm_tier_history")
COLUMNS = ("create_uid", "write_uid", "create_date", "write_date")


def migrate(cr, version):
    for table in TABLES:
        for column in COLUMNS:
            cr.execute(
                SQL(
                    "ALTER TABLE %s DROP COLUMN IF EXISTS %s",
                    SQL.identifier(table),
                    SQL.identifier(column),
                )
            )
