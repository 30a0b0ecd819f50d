"""The member's per-company tier state on the customer: fields read from and
written to retail.crm.member.tier (see retail_crm_member_tier.py), searchable,
sortable and groupable like stored fields (SQL through a join on the narrow
table for the current company)."""

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .retail_crm_member_tier import MEMBER_TIER_COLUMNS

WRITABLE = [fname for fname in MEMBER_TIER_COLUMNS if fname != "retail_tier_evaluated_at"]


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    retail_tier_id = fields.Many2one(
        "retail.crm.tier",
        string="Member Tier",
        compute="_compute_retail_member_tier",
        inverse="_inverse_retail_member_tier",
        search="_search_retail_tier_id",
        help="Current member tier in the current company.",
    )
    retail_tier_locked = fields.Boolean(
        string="Manual Tier",
        compute="_compute_retail_member_tier",
        inverse="_inverse_retail_member_tier",
        search="_search_retail_tier_locked",
        help="The tier was set by a manager and is not lowered by the review until the override expires.",
    )
    retail_tier_locked_until = fields.Date(
        string="Manual Tier Until",
        compute="_compute_retail_member_tier",
        inverse="_inverse_retail_member_tier",
        search="_search_retail_tier_locked_until",
        help="Date the manual tier expires. Empty: it does not expire.",
    )
    retail_tier_downgrade_date = fields.Date(
        string="Scheduled Downgrade",
        compute="_compute_retail_member_tier",
        inverse="_inverse_retail_member_tier",
        search="_search_retail_tier_downgrade_date",
        help="The member no longer qualifies for the current tier; the tier is "
        "lowered on this date unless the member requalifies before.",
    )
    retail_birthday_coupon_year = fields.Integer(
        string="Birthday Coupon Year",
        compute="_compute_retail_member_tier",
        inverse="_inverse_retail_member_tier",
        search="_search_retail_birthday_coupon_year",
        help="Technical: last year a birthday coupon was issued in this company.",
    )
    retail_tier_evaluated_at = fields.Datetime(
        string="Tier Evaluated At",
        compute="_compute_retail_member_tier",
        search="_search_retail_tier_evaluated_at",
        help="Technical: last tier evaluation or change in the current company.",
    )
    retail_member_tier_ids = fields.One2many(
        "retail.crm.member.tier", "partner_id", string="Tier per Company", readonly=True
    )

    @api.depends_context("company")
    def _compute_retail_member_tier(self):
        real_ids = [pid for pid in self._origin._ids if isinstance(pid, int)]
        rows = {}
        if real_ids:
            rows = {
                row[0]: row[1:]
                for row in self.env.execute_query(
                    SQL(
                        "SELECT partner_id, %s FROM retail_crm_member_tier WHERE company_id = %s AND partner_id = ANY(%s)",
                        SQL(", ").join(
                            SQL.identifier(column) for column, _type in MEMBER_TIER_COLUMNS.values()
                        ),
                        self.env.company.id,
                        real_ids,
                    )
                )
            }
        empty = (False,) * len(MEMBER_TIER_COLUMNS)
        for partner in self:
            row = rows.get(partner._origin.id) or empty
            for fname, value in zip(MEMBER_TIER_COLUMNS, row, strict=True):
                partner[fname] = value if value is not None else False

    def _inverse_retail_member_tier(self):
        """A write of these fields (a manager, the privacy erasure) goes to the
        member's row of the current company, one statement per set of values.
        Only POS managers (or the system) change a tier this way: a cashier
        giving a customer Diamond and its pricelist, or cancelling a
        downgrade, bypasses the tier rules and the override's history."""
        if not self.env.su and not self.env.user.has_group("point_of_sale.group_pos_manager"):
            raise AccessError(
                self.env._(
                    "Only point of sale managers can change a member's tier (use Set Member Tier Manually)."
                )
            )
        groups = {}
        for partner in self:
            vals = tuple(
                (fname, partner[fname].id if fname == "retail_tier_id" else partner[fname])
                for fname in WRITABLE
            )
            groups.setdefault(vals, []).append(partner.id)
        for vals, ids in groups.items():
            self.browse(ids)._retail_write_company_values(self.env.company, dict(vals))

    # search: the member's row in the current company; members without one
    # have empty values (as a company-dependent field without a value)
    def _search_retail_tier_id(self, operator, value):
        return self._retail_search_member_tier("retail_tier_id", operator, value)

    def _search_retail_tier_locked(self, operator, value):
        return self._retail_search_member_tier("retail_tier_locked", operator, value)

    def _search_retail_tier_locked_until(self, operator, value):
        return self._retail_search_member_tier("retail_tier_locked_until", operator, value)

    def _search_retail_tier_downgrade_date(self, operator, value):
        return self._retail_search_member_tier("retail_tier_downgrade_date", operator, value)

    def _search_retail_birthday_coupon_year(self, operator, value):
        return self._retail_search_member_tier("retail_birthday_coupon_year", operator, value)

    def _search_retail_tier_evaluated_at(self, operator, value):
        return self._retail_search_member_tier("retail_tier_evaluated_at", operator, value)

    @api.model
    def _retail_search_member_tier(self, fname, operator, value):
        MemberTier = self.env["retail.crm.member.tier"]
        column = MEMBER_TIER_COLUMNS[fname][0]
        company_id = self.env.company.id
        partner_column = SQL.identifier(MemberTier._table, "partner_id")
        rows = MemberTier._search([("company_id", "=", company_id), (column, operator, value)])
        domain = [("id", "in", rows.subselect(partner_column))]
        if MemberTier.new({}).filtered_domain([(column, operator, value)]):
            # the condition holds for an empty value: members without a row too
            all_rows = MemberTier._search([("company_id", "=", company_id)])
            domain = ["|", *domain, ("id", "not in", all_rows.subselect(partner_column))]
        return domain

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """Order and group by these fields as by stored ones: the column of
        the member's row in the current company (LEFT JOIN)."""
        if fname not in MEMBER_TIER_COLUMNS:
            return super()._field_to_sql(alias, fname, query, flush)
        self.check_field_access_rights("read", [fname])
        column = MEMBER_TIER_COLUMNS[fname][0]
        if query is None:
            return SQL(
                "(SELECT mt.%s FROM retail_crm_member_tier mt WHERE mt.partner_id = %s AND mt.company_id = %s)",
                SQL.identifier(column),
                SQL.identifier(alias, "id"),
                self.env.company.id,
            )
        mt_alias = query.make_alias(alias, "retail_member_tier")
        query.add_join(
            "LEFT JOIN",
            mt_alias,
            "retail_crm_member_tier",
            SQL(
                "%s = %s AND %s = %s",
                SQL.identifier(mt_alias, "partner_id"),
                SQL.identifier(alias, "id"),
                SQL.identifier(mt_alias, "company_id"),
                self.env.company.id,
            ),
        )
        return SQL.identifier(mt_alias, column)
