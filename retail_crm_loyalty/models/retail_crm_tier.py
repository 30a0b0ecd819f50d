import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import ormcache

from .retail_crm_holiday import check_integer_values

_logger = logging.getLogger(__name__)

MAX_POINTS_MULTIPLIER = 100.0


def threshold_order_errors(env, rows):
    """Thresholds that do not ascend with the tier rank.

    :param rows: [(name, min_spend, min_orders, invitation_only)] lowest tier first
    :return: list of translated messages (empty when the order is fine)
    """
    errors = []
    for index, field_label in ((1, env._("qualifying spend")), (2, env._("qualifying orders"))):
        previous = None
        for row in rows:
            if row[3] or not row[index]:
                continue  # invitation-only or no condition on this measure
            if previous and row[index] <= previous[index]:
                errors.append(
                    env._(
                        "%(higher)s needs a higher %(measure)s than %(lower)s (%(value)s is not above "
                        "%(lower_value)s): one of the two tiers could never be reached.",
                        higher=row[0],
                        lower=previous[0],
                        measure=field_label,
                        value=row[index],
                        lower_value=previous[index],
                    )
                )
            previous = row
    return errors


class RetailCrmTier(models.Model):
    _name = "retail.crm.tier"
    _inherit = ["pos.load.mixin"]
    _description = "Member Tier"
    _order = "sequence, min_spend, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(
        default=10,
        help="Tiers are ranked by sequence: a higher sequence is a higher tier.",
    )
    color = fields.Integer(string="Color Index")
    badge_color = fields.Char(default="#8C8C8C", help="Colour of the tier badge in the POS and on receipts.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to use the tier in every company.",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    min_spend = fields.Monetary(
        string="Qualifying Spend",
        help="Spend (paid POS orders net of refunds, in company currency) over the "
        "rolling window needed to reach this tier. 0 means no spend condition.",
    )
    min_orders = fields.Integer(
        string="Qualifying Orders",
        help="Number of paid POS orders over the rolling window needed to reach "
        "this tier. 0 means no order-count condition.",
    )
    condition = fields.Selection(
        [("or", "Spend or orders"), ("and", "Spend and orders")],
        default="or",
        required=True,
        help="How the spend and order-count conditions combine when both are set.",
    )
    retention_spend = fields.Monetary(
        help="保级: spend over the rolling window that keeps a member in this tier at the review, "
        "lower than the qualifying spend. 0: the qualifying spend.",
    )
    retention_orders = fields.Integer(
        help="保级: paid orders over the rolling window that keep a member in this tier at the review. "
        "0: the qualifying order count.",
    )
    invitation_only = fields.Boolean(
        help="Only a manager gives this tier (manual tier); spend never reaches it and the review "
        "neither assigns it nor lowers its members.",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        domain="[('company_id', 'in', [company_id, False])]",
        help="Pricelist given to members of this tier (POS and backend).",
    )
    points_multiplier = fields.Float(
        default=1.0,
        digits=(16, 2),
        help="Multiplier applied to loyalty points earned on POS orders.",
    )
    benefits = fields.Html(translate=True)
    partner_count = fields.Integer(compute="_compute_partner_count", string="Members")

    _sql_constraints = [
        ("min_spend_positive", "CHECK(min_spend >= 0)", "The qualifying spend cannot be negative."),
        ("min_orders_positive", "CHECK(min_orders >= 0)", "The qualifying order count cannot be negative."),
        (
            "points_multiplier_positive",
            "CHECK(points_multiplier >= 0)",
            "The points multiplier cannot be negative.",
        ),
    ]

    @api.constrains("min_spend", "min_orders", "points_multiplier", "retention_spend", "retention_orders")
    def _check_numbers(self):
        """Checked before the database constraints so that the user gets a
        translated message rather than a database error."""
        for tier in self:
            if min(tier.min_spend, tier.min_orders, tier.retention_spend, tier.retention_orders) < 0:
                raise ValidationError(
                    self.env._(
                        "The qualifying spend and order count of %(tier)s cannot be negative.", tier=tier.name
                    )
                )
            if (tier.retention_spend and tier.retention_spend > tier.min_spend) or (
                tier.retention_orders and tier.retention_orders > tier.min_orders
            ):
                raise ValidationError(
                    self.env._(
                        "The retention threshold of %(tier)s must not be above its qualifying threshold "
                        "(保级 keeps a tier with less than it takes to reach it).",
                        tier=tier.name,
                    )
                )
            if not 0 <= tier.points_multiplier <= MAX_POINTS_MULTIPLIER:
                raise ValidationError(
                    self.env._(
                        "The points multiplier of %(tier)s must be between 0 and %(max)s.",
                        tier=tier.name,
                        max=MAX_POINTS_MULTIPLIER,
                    )
                )

    @api.constrains("min_spend", "min_orders", "sequence", "company_id", "active", "invitation_only")
    def _check_threshold_order(self):
        """Thresholds ascend with the sequence in every company where the
        tiers are used together (a tier above another with a lower threshold
        would make one of them unreachable)."""
        companies = self.company_id
        if self.filtered(lambda t: not t.company_id):
            # a tier of every company: compared in each company (a handful of rows)
            companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        # sudo: the tiers of every company the changed tiers are used in are
        # compared, whatever companies the editing user works in
        Tier = self.sudo().with_context(active_test=True)
        for company in companies:
            tiers = Tier.search([("company_id", "in", [company.id, False])], order="sequence, min_spend, id")
            errors = threshold_order_errors(self.env, tiers._order_rows())
            if errors:
                raise ValidationError("\n".join(errors))

    def _order_rows(self):
        return [(t.name, t.min_spend, t.min_orders, t.invitation_only) for t in self]

    @api.model
    def _load_pos_data_domain(self, data):
        company_id = self.env["pos.config"].browse(data["pos.config"]["data"][0]["id"]).company_id.id
        return [("company_id", "in", [company_id, False])]

    @api.model
    def _load_pos_data_fields(self, config_id):
        return ["id", "name", "sequence", "badge_color", "min_spend", "min_orders", "points_multiplier"]

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for tier in self:
            tier.currency_id = tier.company_id.currency_id or self.env.company.currency_id

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("retail_tier_id", "in", self.ids)], ["retail_tier_id"], ["__count"]
            )
        )
        for tier in self:
            tier.partner_count = counts.get(tier, 0)

    # ------------------------------------------------------------------
    # Business methods: a recordset of tiers ordered from lowest to highest
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        check_integer_values(self.env, self, vals_list)
        tiers = super().create(vals_list)
        self.env.registry.clear_cache()  # _company_tier_rows
        return tiers

    def write(self, vals):
        check_integer_values(self.env, self, [vals])
        if "active" in vals and not vals["active"]:
            self._check_no_members()
        elif vals.get("company_id"):
            # members of the other companies would lose it the same way
            self._check_no_members(keep_company_id=vals["company_id"])
        res = super().write(vals)
        self.env.registry.clear_cache()  # _company_tier_rows
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_held_by_members(self):
        self._check_no_members()

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()  # _company_tier_rows
        return res

    def _check_no_members(self, keep_company_id=None):
        """A tier members hold stays: archived or moved to another company,
        its members would be moved at their next purchase or review without
        notice; deleted, the database refuses.

        :param keep_company_id: only members of other companies count
        """
        domain = [("tier_id", "in", self.ids)]
        if keep_company_id:
            domain.append(("company_id", "!=", keep_company_id))
        # sudo: members of every company count, whatever the user's companies
        held = (
            self.env["retail.crm.member.tier"]
            .sudo()
            ._read_group(
                domain,
                ["tier_id"],
                ["__count"],
            )
        )
        if held:
            tier, count = held[0]
            raise UserError(
                self.env._(
                    "%(count)s members hold the tier %(tier)s: move them to another tier "
                    "(Set Member Tier Manually) before archiving, deleting or moving it to another "
                    "company.",
                    count=count,
                    tier=tier.sudo().name,
                )
            )

    @api.model
    @ormcache("company_id")
    def _company_tier_rows(self, company_id):
        """The tiers of a company as plain values, lowest first, cached (the
        POS hook decides a member's tier without reading the tiers):
        ``(id, min_spend, min_orders, is_and, invitation_only, retention_spend,
        retention_orders, points_multiplier, pricelist_id)``; the first seven
        are the rows of :meth:`_qualification_sql`."""
        Tier = self.with_context(active_test=True)
        tiers = Tier._get_company_tiers(self.env["res.company"].browse(company_id)).sudo()
        return tuple(
            row + (t.points_multiplier, t.pricelist_id.id)
            for t, row in zip(tiers, tiers._qualification_rows(), strict=True)
        )

    @api.model
    def _get_company_tiers(self, company):
        """Active tiers usable in ``company``, lowest first."""
        # sudo: tier evaluation runs for cashiers and crons alike; tiers are
        # configuration read by everybody, filtered on the company here.
        return (
            self.sudo()
            .with_company(company)
            .search([("company_id", "in", [company.id, False])], order="sequence, min_spend, id")
            .sudo(False)
        )

    def _rank(self, tier):
        """Position of ``tier`` in this ordered recordset; -1 if absent."""
        try:
            return self.ids.index(tier.id) if tier else -1
        except ValueError:
            return -1

    def _qualifies(self, spend, count):
        self.ensure_one()
        conditions = []
        if self.min_spend:
            conditions.append(spend >= self.min_spend)
        if self.min_orders:
            conditions.append(count >= self.min_orders)
        if not conditions:
            return True
        return all(conditions) if self.condition == "and" else any(conditions)

    def _qualifying_tier(self, spend, count):
        """Highest tier of this ordered recordset reached by spend/count. A
        tier without any condition is the base tier when it is the lowest;
        higher up it is only given by a manager (never by spend)."""
        for rank, tier in reversed(list(enumerate(self))):
            if tier.invitation_only or (rank and not tier.min_spend and not tier.min_orders):
                continue
            if tier._qualifies(spend, count):
                return tier
        return self.browse()

    def _retains(self, tier, spend, count):
        """Whether a member of ``tier`` keeps it with spend/count (保级): the
        retention thresholds (or the qualifying ones when not set); the base
        tier and invitation-only tiers are always kept."""
        if not tier or tier.invitation_only or self._rank(tier) <= 0:
            return True
        spend_min = tier.retention_spend or tier.min_spend
        orders_min = tier.retention_orders or tier.min_orders
        conditions = []
        if spend_min:
            conditions.append(spend >= spend_min)
        if orders_min:
            conditions.append(count >= orders_min)
        if not conditions:
            return True
        return all(conditions) if tier.condition == "and" else any(conditions)

    def _downgrade_target(self, current, qualified, policy):
        """Tier a member who no longer keeps ``current`` goes to: the tier
        they qualify for, or one level lower per review (never below the
        qualified tier; invitation-only tiers are skipped)."""
        if policy != "one_level":
            return qualified
        for rank in range(self._rank(current) - 1, self._rank(qualified), -1):
            if not self[rank].invitation_only:
                return self[rank]
        return qualified

    def _next_tier(self, tier):
        rank = self._rank(tier)
        return self[rank + 1] if rank + 1 < len(self) else self.browse()
