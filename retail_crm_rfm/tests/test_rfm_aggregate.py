"""The aggregate's local purchase day: a fixed offset where the zone no longer changes."""

from datetime import date, datetime

from odoo.addons.retail_crm_rfm.models.rfm_run_aggregate import EPOCH, _local_day_sql
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

# UTC times around local midnights, daylight saving changes and old offsets
MOMENTS = (
    "1985-06-30 15:30:00",  # Asia/Shanghai still had summer time (UTC+9) then
    "1990-09-15 16:30:00",
    "2025-12-31 15:59:59",  # 23:59:59 in Shanghai
    "2025-12-31 16:00:00",  # the next day in Shanghai
    "2026-03-08 06:30:00",  # New York changes to summer time at 07:00 UTC
    "2026-03-08 04:30:00",
    "2026-11-01 04:30:00",  # and back at 06:00 UTC
    "2026-11-01 05:30:00",
    "2026-11-30 18:29:59",  # 23:59:59 in Kolkata
    "2026-11-30 18:30:00",
    "2026-11-30 23:59:59",
)


@tagged("post_install", "-at_install")
class TestRfmLocalDay(TransactionCase):
    def _days(self, expression, moment):
        self.env.cr.execute(
            SQL("SELECT %s FROM (VALUES (%s::timestamp)) AS o(date_order)", expression, moment)
        )
        return self.env.cr.fetchone()[0]

    def test_local_day_is_the_time_zone_conversion(self):
        """Whatever the zone, the day number is that of PostgreSQL's conversion,
        before and after the zone's last change of offset."""
        run_date = date(2026, 11, 30)
        for tz in ("UTC", "Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Europe/Paris"):
            expression = _local_day_sql(tz, run_date)
            for moment in MOMENTS:
                reference = SQL(
                    "(o.date_order AT TIME ZONE 'UTC' AT TIME ZONE %s)::date - %s::date", tz, EPOCH
                )
                with self.subTest(tz=tz, moment=moment):
                    self.assertEqual(self._days(expression, moment), self._days(reference, moment))

    def test_fixed_offset_where_the_zone_no_longer_changes(self):
        """Shanghai (no change since 1991) and UTC take the offset, not a conversion
        per order; New York (summer time) keeps the conversion."""
        run_date = date(2026, 11, 30)
        self.assertNotIn("AT TIME ZONE", _local_day_sql("UTC", run_date).code)
        shanghai = _local_day_sql("Asia/Shanghai", run_date)
        self.assertIn("28800 seconds", shanghai.params)
        self.assertIn(datetime(1991, 9, 14, 17, 0), shanghai.params)
        self.assertNotIn("CASE", _local_day_sql("America/New_York", run_date).code)
