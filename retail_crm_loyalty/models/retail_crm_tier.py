import logging
import threading

import psycopg2.errors
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, split_every

_logger = logging.getLogger(__name__)

PAID_STATES = ("paid", "done", "invoiced")
REVIEW_BATCH_SIZE = 5000
MAX_BATCH_TRIES = 5
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
                    _("The qualifying spend and order count of %(tier)s cannot be negative.", tier=tier.name)
                )
            if (tier.retention_spend and tier.retention_spend > tier.min_spend) or (
                tier.retention_orders and tier.retention_orders > tier.min_orders
            ):
                raise ValidationError(
                    _(
                        "The retention threshold of %(tier)s must not be above its qualifying threshold "
                        "(保级 keeps a tier with less than it takes to reach it).",
                        tier=tier.name,
                    )
                )
            if not 0 <= tier.points_multiplier <= MAX_POINTS_MULTIPLIER:
                raise ValidationError(
                    _(
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
            companies = self.env["res.company"].sudo().search([])
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

    # ------------------------------------------------------------------
    # Periodic review (L3, L4): upgrades missed, downgrades after a grace
    # period with a notice first, expired manual overrides.
    # ------------------------------------------------------------------
    @api.model
    def _cron_review_tiers(self):
        """Cron entry point: review every company; each finished batch is
        committed (resumable: a rerun only finds what is left)."""
        testing = getattr(threading.current_thread(), "testing", False)

        def on_batch(done, remaining):
            if not testing:
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                self.env.cr.commit()  # pylint: disable=invalid-commit

        for company in self.env["res.company"].search([]):
            self.with_company(company)._review_company_tiers(company, on_batch=on_batch, retry=not testing)

    @api.model
    def _qualification_sql(self, company, tier_rows, today, partner_ids=None):
        """SQL giving, for every member of ``company`` (or of ``partner_ids``):
        id, current tier, qualifying tier, override flag/expiry and scheduled
        downgrade date.

        :param tier_rows: [(tier_id, min_spend, min_orders, is_and)] lowest first
        """
        order_filter = member_filter = SQL("")
        if partner_ids is not None:
            order_filter = SQL("AND o.partner_id = ANY(%s)", list(partner_ids))
            member_filter = SQL("AND p.id = ANY(%s)", list(partner_ids))
        tier_values = SQL(", ").join(
            SQL(
                "(%s, %s, %s::numeric, %s, %s, %s, %s::numeric, %s)",
                row[0],
                rank,
                row[1],
                row[2],
                row[3],
                row[4] if len(row) > 4 else False,
                row[5] if len(row) > 5 else row[1],
                row[6] if len(row) > 6 else row[2],
            )
            for rank, row in enumerate(tier_rows)
        )
        date_from = self.env["res.partner"]._retail_window_start(company, today)
        return SQL(
            """
            WITH t(id, rank, min_spend, min_orders, is_and, invite, keep_spend, keep_orders)
                 AS (VALUES %(tiers)s),
            s AS (
                SELECT o.partner_id,
                       SUM(o.amount_total / COALESCE(NULLIF(o.currency_rate, 0), 1.0)) AS spend,
                       COUNT(*) FILTER (WHERE o.amount_total > 0) AS cnt
                  FROM pos_order o
                 WHERE o.company_id = %(company)s
                   AND o.state IN %(states)s
                   AND o.date_order >= %(date_from)s
                   AND o.partner_id IS NOT NULL
                   %(order_filter)s
              GROUP BY o.partner_id
            ),
            m AS (
                SELECT p.id,
                       (p.retail_tier_id ->> %(cid)s)::int AS cur,
                       COALESCE((p.retail_tier_locked ->> %(cid)s)::boolean, FALSE) AS locked,
                       (p.retail_tier_locked_until ->> %(cid)s)::date AS locked_until,
                       (p.retail_tier_downgrade_date ->> %(cid)s)::date AS dg_date,
                       COALESCE(s.spend, 0) AS spend,
                       COALESCE(s.cnt, 0) AS cnt
                  FROM res_partner p
             LEFT JOIN s ON s.partner_id = p.id
                 WHERE p.retail_is_member
                   AND p.active
                   AND (p.company_id IS NULL OR p.company_id = %(company)s)
                   %(member_filter)s
            )
            SELECT m.id, m.cur, q.id AS qual, m.locked, m.locked_until, m.dg_date,
                   COALESCE(k.keep, FALSE) AS keep, k.rank AS cur_rank, q.rank AS qual_rank
              FROM m
         LEFT JOIN LATERAL (
                -- 保级: the current tier is kept with its retention thresholds
                SELECT t.rank = 0 OR t.invite
                       OR (t.keep_spend = 0 AND t.keep_orders = 0)
                       OR (t.is_and
                           AND (t.keep_spend = 0 OR m.spend >= t.keep_spend)
                           AND (t.keep_orders = 0 OR m.cnt >= t.keep_orders))
                       OR (NOT t.is_and
                           AND ((t.keep_spend > 0 AND m.spend >= t.keep_spend)
                                OR (t.keep_orders > 0 AND m.cnt >= t.keep_orders))) AS keep,
                       t.rank
                  FROM t WHERE t.id = m.cur
            ) k ON TRUE
         LEFT JOIN LATERAL (
                SELECT t.id, t.rank FROM t
                 WHERE NOT t.invite
                   AND (t.rank = 0 OR t.min_spend > 0 OR t.min_orders > 0)
                   AND ((t.is_and
                        AND (t.min_spend = 0 OR m.spend >= t.min_spend)
                        AND (t.min_orders = 0 OR m.cnt >= t.min_orders))
                    OR (NOT t.is_and
                        AND ((t.min_spend = 0 AND t.min_orders = 0)
                             OR (t.min_spend > 0 AND m.spend >= t.min_spend)
                             OR (t.min_orders > 0 AND m.cnt >= t.min_orders))))
              ORDER BY t.rank DESC
                 LIMIT 1
            ) q ON TRUE
            """,
            tiers=tier_values,
            company=company.id,
            cid=str(company.id),
            states=PAID_STATES,
            date_from=date_from,
            order_filter=order_filter,
            member_filter=member_filter,
        )

    def _qualification_rows(self):
        return [
            (
                t.id,
                t.min_spend,
                t.min_orders,
                t.condition == "and",
                t.invitation_only,
                t.retention_spend or t.min_spend,
                t.retention_orders or t.min_orders,
            )
            for t in self
        ]

    @api.model
    def _review_select_sql(self, company, tiers, today, partner_ids=None):
        """The members of ``company`` whose tier state may change."""
        return SQL(
            """
            SELECT id, cur, qual, locked, locked_until, dg_date, keep
              FROM (%s) x
             WHERE (cur IS DISTINCT FROM qual AND NOT (keep AND COALESCE(qual_rank, -1) < COALESCE(cur_rank, -1)))
                OR dg_date IS NOT NULL OR locked
          ORDER BY id
            """,
            self._qualification_sql(company, tiers._qualification_rows(), today, partner_ids),
        )

    @api.model
    def _review_company_tiers(self, company, today=None, on_batch=None, batch_size=None, retry=False):
        """Review the tiers of every member of ``company``.

        Set-based: one aggregate query finds the members whose state can
        change; changes are applied in batches. Idempotent and resumable:
        running it again only finds what is left to do.

        :param on_batch: called after each batch (the cron commits there)
        :param retry: start a batch again after a serialization failure
            (only when each batch is committed, i.e. from the cron)
        :return: dict of counters (upgraded, downgraded, notified, expired)
        """
        today = today or fields.Date.context_today(self)
        tiers = self._get_company_tiers(company)
        counters = {"upgraded": 0, "downgraded": 0, "notified": 0, "expired": 0, "cleared": 0}
        if not tiers:
            return counters
        if company.retail_tier_window_months < 1 or company.retail_tier_grace_days < 0:
            # stored before the settings were validated: never move members on it
            _logger.warning("Tier review of %s skipped: invalid window or grace period.", company.name)
            return counters
        Partner = self.env["res.partner"].with_company(company)
        Partner.flush_model()
        self.env["pos.order"].flush_model()
        candidates = [
            row[0] for row in self.env.execute_query(self._review_select_sql(company, tiers, today))
        ]
        done = 0
        for batch_ids in split_every(batch_size or REVIEW_BATCH_SIZE, candidates):
            for attempt in range(MAX_BATCH_TRIES if retry else 1):
                try:
                    batch_counters = self._review_batch(company, tiers, batch_ids, today)
                    break
                except psycopg2.errors.SerializationFailure:
                    # a till paid an order of one of these members meanwhile:
                    # start the batch again on a new snapshot (cron only; a
                    # request is retried whole by Odoo)
                    if attempt + 1 == MAX_BATCH_TRIES or not retry:
                        raise
                    self.env.cr.rollback()
                    self.env.invalidate_all()
            for key, value in batch_counters.items():
                counters[key] += value
            done += len(batch_ids)
            if on_batch:
                on_batch(done, len(candidates) - done)
        _logger.info("Tier review of %s: %s", company.name, counters)
        return counters

    @api.model
    def _review_batch(self, company, tiers, partner_ids, today):
        """Decide and apply the tier changes of one batch of members.

        The members are locked first with the lock of the POS hook
        (res.partner._retail_lock_tier_rows), then their current tier and
        latest orders are read again: a decision is never older than the
        batch (an order paid during a long review is seen, or the till waits
        for the batch and re-evaluates after it)."""
        Partner = self.env["res.partner"].with_company(company)
        # sudo: the review runs as the cron user (or an administrator) on every member
        Partner.browse(partner_ids).sudo()._retail_lock_tier_rows()
        Partner.flush_model()
        self.env["pos.order"].flush_model()
        rows = self.env.execute_query(self._review_select_sql(company, tiers, today, partner_ids))
        tier_by_id = {tier.id: tier for tier in tiers}
        grace = company.retail_tier_grace_days
        counters = dict.fromkeys(("upgraded", "downgraded", "notified", "expired", "cleared"), 0)
        changes, unlock, schedule, clear = [], [], [], []
        # iterate one recordset so that reads are prefetched for the batch
        batch_partners = Partner.browse([row[0] for row in rows])
        policy = company.retail_tier_downgrade_policy
        for partner, (pid, cur_id, q_id, locked, locked_until, dg_date, keep) in zip(
            batch_partners, rows, strict=True
        ):
            cur = tier_by_id.get(cur_id, self.browse(cur_id) if cur_id else self.browse())
            qual = tier_by_id.get(q_id, self.browse())
            cur_rank, q_rank = tiers._rank(cur), tiers._rank(qual)
            if locked and locked_until and locked_until < today:
                unlock.append(pid)
                counters["expired"] += 1
                if qual != cur:
                    changes.append((partner, qual, "override_expired", _("Manual tier expired"), None))
                continue
            if q_rank > cur_rank:
                kind = "upgrade" if cur else "enrol"
                changes.append((partner, qual, kind, _("Periodic review"), None))
                counters["upgraded"] += 1
                continue
            if locked or keep or q_rank == cur_rank or not company.retail_tier_downgrade_review:
                if dg_date:
                    clear.append(pid)
                    counters["cleared"] += 1
                continue
            # q_rank < cur_rank: downgrade after notice and grace period
            if not dg_date:
                dg_date = today + relativedelta(days=grace)
                schedule.append((pid, dg_date))
            if dg_date <= today:
                target = tiers._downgrade_target(cur, qual, policy)
                changes.append((partner, target, "downgrade", _("Periodic review"), None))
                counters["downgraded"] += 1
        self._review_apply(company, changes, unlock, schedule, clear)
        counters["notified"] = len(schedule)
        return counters

    @api.model
    def _review_apply(self, company, changes, unlock, schedule, clear):
        Partner = self.env["res.partner"].with_company(company)
        # sudo: the review runs as the cron user on every member
        if unlock:
            Partner.browse(unlock).sudo()._retail_write_company_values(
                company, {"retail_tier_locked": False, "retail_tier_locked_until": False}
            )
        if clear:
            Partner.browse(clear).sudo()._retail_write_company_values(
                company, {"retail_tier_downgrade_date": False}
            )
        by_date = {}
        for pid, dg_date in schedule:
            by_date.setdefault(dg_date, []).append(pid)
        for dg_date, pids in by_date.items():
            Partner.browse(pids).sudo()._retail_write_company_values(
                company, {"retail_tier_downgrade_date": fields.Date.to_string(dg_date)}
            )
        if schedule:
            Partner.browse([pid for pid, _date in schedule])._retail_send_downgrade_notice(company)
        Partner._retail_apply_tier_changes(company, changes)
