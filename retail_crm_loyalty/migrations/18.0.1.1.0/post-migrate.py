"""Move the members' per-company tier values from res_partner's
company-dependent jsonb columns to retail_crm_member_tier (one row per member
and company), then drop the old columns."""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

OLD_COLUMNS = (
    "retail_tier_id",
    "retail_tier_locked",
    "retail_tier_locked_until",
    "retail_tier_downgrade_date",
    "retail_birthday_coupon_year",
)


def _existing_columns(cr):
    cr.execute(
        SQL(
            """
            SELECT column_name FROM information_schema.columns
             WHERE table_name = 'res_partner' AND column_name = ANY(%s)
            """,
            [*OLD_COLUMNS, "retail_tier_evaluated_at"],
        )
    )
    return {row[0] for row in cr.fetchall()}


def migrate(cr, version):
    columns = _existing_columns(cr)
    jsonb_columns = [column for column in OLD_COLUMNS if column in columns]
    if len(jsonb_columns) == len(OLD_COLUMNS):
        value = {column: SQL("p.%s ->> c.key", SQL.identifier(column)) for column in OLD_COLUMNS}
        evaluated_at = (
            SQL("p.retail_tier_evaluated_at") if "retail_tier_evaluated_at" in columns else SQL("NULL")
        )
        cr.execute(
            SQL(
                """
                INSERT INTO retail_crm_member_tier
                       (partner_id, company_id, tier_id, locked, locked_until, downgrade_date,
                        birthday_coupon_year, evaluated_at)
                SELECT p.id, company.id,
                       (SELECT t.id FROM retail_crm_tier t WHERE t.id = (%(tier)s)::int),
                       COALESCE((%(locked)s)::boolean, FALSE),
                       (%(until)s)::date, (%(downgrade)s)::date, (%(year)s)::int,
                       %(evaluated_at)s
                  FROM res_partner p
                  CROSS JOIN LATERAL (
                        SELECT jsonb_object_keys(p.retail_tier_id) AS key
                         UNION SELECT jsonb_object_keys(p.retail_tier_locked)
                         UNION SELECT jsonb_object_keys(p.retail_tier_locked_until)
                         UNION SELECT jsonb_object_keys(p.retail_tier_downgrade_date)
                         UNION SELECT jsonb_object_keys(p.retail_birthday_coupon_year)
                  ) c
                  JOIN res_company company ON company.id::text = c.key
                 WHERE p.retail_tier_id IS NOT NULL
                    OR p.retail_tier_locked IS NOT NULL
                    OR p.retail_tier_locked_until IS NOT NULL
                    OR p.retail_tier_downgrade_date IS NOT NULL
                    OR p.retail_birthday_coupon_year IS NOT NULL
                    ON CONFLICT (partner_id, company_id) DO NOTHING
                """,
                tier=value["retail_tier_id"],
                locked=value["retail_tier_locked"],
                until=value["retail_tier_locked_until"],
                downgrade=value["retail_tier_downgrade_date"],
                year=value["retail_birthday_coupon_year"],
                evaluated_at=evaluated_at,
            )
        )
        _logger.info("Member tiers: %s per-company rows moved to retail_crm_member_tier", cr.rowcount)
    for column in sorted(columns):
        cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN %s", SQL.identifier(column)))
