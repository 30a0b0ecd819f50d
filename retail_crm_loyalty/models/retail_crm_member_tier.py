"""Per-company tier state of the members (L2-L4) in a narrow table of its own.

The tier review writes the tier of up to every member at once. Kept on
res_partner (company-dependent jsonb columns), each change rewrote a wide row
with its 38 indexes; here it is a small row with one unique index, written
set-based (INSERT ... ON CONFLICT). The partner-facing fields (retail_tier_id,
...) read and write these rows (see res_partner_member_tier.py).

The row is also the member's tier lock in the company: the till's tier hook
and the review batch lock it (see res.partner._retail_lock_tier_rows), and
``evaluated_at`` moves on each evaluation or change, so that a review batch
holding an older decision re-decides.
"""

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import int_array

# partner field -> (column of retail_crm_member_tier, SQL type)
MEMBER_TIER_COLUMNS = {
    "retail_tier_id": ("tier_id", "int4"),
    "retail_tier_locked": ("locked", "bool"),
    "retail_tier_locked_until": ("locked_until", "date"),
    "retail_tier_downgrade_date": ("downgrade_date", "date"),
    "retail_birthday_coupon_year": ("birthday_coupon_year", "int4"),
    "retail_tier_evaluated_at": ("evaluated_at", "timestamp"),
}
SQL_TYPES = {"int4": SQL("int4"), "bool": SQL("bool"), "date": SQL("date"), "timestamp": SQL("timestamp")}


class RetailCrmMemberTier(models.Model):
    _name = "retail.crm.member.tier"
    _description = "Member Tier per Company"
    # technical state written in bulk by the review and the till's hook: no
    # create/write user and date (two foreign-key checks per written row;
    # who changed a tier and when is in retail.crm.tier.history)
    _log_access = False
    _rec_name = "partner_id"
    _order = "partner_id, company_id"

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", readonly=True)
    tier_id = fields.Many2one("retail.crm.tier", ondelete="restrict", readonly=True)
    locked = fields.Boolean(string="Manual Tier", readonly=True)
    locked_until = fields.Date(string="Manual Tier Until", readonly=True)
    downgrade_date = fields.Date(string="Scheduled Downgrade", readonly=True)
    birthday_coupon_year = fields.Integer(readonly=True)
    evaluated_at = fields.Datetime(string="Tier Evaluated At", readonly=True)

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique(partner_id, company_id)",
            "A member has one tier state per company.",
        ),
    ]

    def init(self):
        # room on each page for the review's in-place (HOT) updates
        self.env.cr.execute(SQL("ALTER TABLE %s SET (fillfactor = 80)", SQL.identifier(self._table)))

    @api.model
    def _upsert(self, company, partner_ids, vals):
        """Set ``vals`` of ``partner_ids`` in ``company`` (see :meth:`_upsert_sql`)."""
        self.env.execute_query(self._upsert_sql(company, partner_ids, vals))
        self.invalidate_model()

    @api.model
    def _upsert_sql(self, company, partner_ids, vals):
        """Set ``vals`` (partner field names, see MEMBER_TIER_COLUMNS) of
        ``partner_ids`` in ``company`` in one statement, creating the rows
        that do not exist, and move their ``evaluated_at``. A value given as
        a list is per member (same order as ``partner_ids``). A row changed
        by a concurrent transaction makes this one wait, then fail with a
        serialization error (Odoo retries the request, the cron the batch)."""
        arrays, values, names = [int_array(partner_ids)], [], []
        for fname, value in vals.items():
            column, sql_type = MEMBER_TIER_COLUMNS[fname]
            names.append(SQL.identifier(column))
            if isinstance(value, list) and sql_type == "int4":
                arrays.append(int_array([v or None for v in value]))
                values.append(SQL.identifier("r", f"c{len(arrays) - 1}"))
            elif isinstance(value, list):
                arrays.append(
                    SQL(
                        "CAST(%s AS %s[])",
                        [bool(v) if sql_type == "bool" else (v or None) for v in value],
                        SQL_TYPES[sql_type],
                    )
                )
                values.append(SQL.identifier("r", f"c{len(arrays) - 1}"))
            else:
                values.append(
                    SQL(
                        "CAST(%s AS %s)",
                        bool(value) if sql_type == "bool" else (value or None),
                        SQL_TYPES[sql_type],
                    )
                )
        aliases = SQL(", ").join(SQL.identifier(f"c{i}") for i in range(1, len(arrays)))
        return SQL(
            """
                INSERT INTO retail_crm_member_tier AS mt
                       (partner_id, company_id, %(names)s evaluated_at)
                SELECT r.p, %(company)s, %(values)s clock_timestamp() AT TIME ZONE 'UTC'
                  FROM unnest(%(arrays)s) AS r(p%(aliases)s)
                    ON CONFLICT (partner_id, company_id) DO UPDATE
                   SET %(updates)s evaluated_at = EXCLUDED.evaluated_at
                """,
            names=SQL("").join(SQL("%s, ", name) for name in names),
            values=SQL("").join(SQL("%s, ", value) for value in values),
            updates=SQL("").join(SQL("%s = EXCLUDED.%s, ", name, name) for name in names),
            arrays=SQL(", ").join(arrays),
            aliases=SQL(", %s", aliases) if len(arrays) > 1 else SQL(""),
            company=company.id,
        )
