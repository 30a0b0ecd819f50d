"""Tier engine on members (L2, L3): qualifying spend, the lock shared by
the POS hook and the review, upgrades and tier changes."""

import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import PAID_STATES, int_array, text_array

_logger = logging.getLogger(__name__)


class RetailCrmMemberTierEngine(models.AbstractModel):
    """Mixed into res.partner (see res_partner.py)."""

    _name = "retail.crm.member.tier.engine"
    _description = "Member Tier Engine"

    # ------------------------------------------------------------------
    # Tier engine (L2, L3)
    # ------------------------------------------------------------------
    @api.model
    def _retail_window_start(self, company, today=None):
        today = today or fields.Date.context_today(self)
        months = company.retail_tier_window_months
        return fields.Datetime.to_datetime(today - relativedelta(months=months) + relativedelta(days=1))

    @api.model
    def _retail_tier_spend_sql(self, company, today=None, partner_ids=None):
        """SQL of the qualifying spend (company currency, refunds subtracted)
        and order count per partner over the rolling window: columns
        ``partner_id, spend, cnt``. The one definition, used by the tier
        stats below and by the qualification (retail.crm.tier._qualification_sql)."""
        partner_filter = SQL("")
        if partner_ids is not None:
            partner_filter = SQL("AND o.partner_id = ANY(%s)", list(partner_ids))
        return SQL(
            """
                SELECT o.partner_id,
                       SUM(o.amount_total / COALESCE(NULLIF(o.currency_rate, 0), 1.0)) AS spend,
                       COUNT(*) FILTER (WHERE o.amount_total > 0) AS cnt
                  FROM pos_order o
                 WHERE o.company_id = %(company)s
                   AND o.state IN %(states)s
                   AND o.date_order >= %(date_from)s
                   AND o.partner_id IS NOT NULL
                   %(partner_filter)s
              GROUP BY o.partner_id
            """,
            company=company.id,
            states=PAID_STATES,
            date_from=self._retail_window_start(company, today),
            partner_filter=partner_filter,
        )

    @api.model
    def _retail_tier_stats(self, company, partner_ids=None, today=None):
        """Qualifying spend and order count per partner over the rolling
        window (``_retail_tier_spend_sql``), in one query.

        :return: {partner_id: (spend, order_count)}
        """
        self.env["pos.order"].flush_model(
            ["partner_id", "company_id", "state", "amount_total", "currency_rate", "date_order"]
        )
        rows = self.env.execute_query(self._retail_tier_spend_sql(company, today, partner_ids))
        return {pid: (company.currency_id.round(spend or 0.0), count) for pid, spend, count in rows}

    def _retail_lock_tier_rows(self):
        """Serialise tier evaluations of the same members in the current
        company: an evaluation moves the member's tier row first (see
        retail.crm.member.tier), so a concurrent transaction evaluating the
        same member waits, then fails with a serialization error and is
        retried by Odoo, seeing the other order."""
        if not self.ids:
            return
        self.env["retail.crm.member.tier"]._upsert(self.env.company, self.ids, {})
        self.invalidate_recordset(["retail_tier_evaluated_at"])

    def _retail_assign_initial_tier(self):
        """Give new members the tier they qualify for in the current company."""
        self._retail_upgrade_tiers(self.env.company, reason=self.env._("Enrolment"))

    def _retail_lock_and_decide(self, company):
        """Lock these partners' tier rows and read, in the same single query,
        the members' current tier and the tier their qualifying spend reaches
        now (see retail.crm.tier._qualification_sql). Non-members are left
        out. One query whatever the members' order history.

        :return: {partner_id: row} (the columns of _qualification_sql)
        """
        rows = self.env["retail.crm.tier"]._company_tier_rows(company.id)
        if not rows or not self.ids:
            return {}
        self.env["pos.order"].flush_model(
            ["partner_id", "company_id", "state", "amount_total", "currency_rate", "date_order"]
        )
        self.flush_model(["retail_is_member", "specific_property_product_pricelist"])
        sql = self.env["retail.crm.tier"]._qualification_sql(
            company, rows, fields.Date.context_today(self), self.ids, lock=True
        )
        decisions = {row[0]: row for row in self.env.execute_query(sql)}
        self.invalidate_recordset(["retail_tier_evaluated_at"])
        self.env["retail.crm.member.tier"].invalidate_model()
        return decisions

    @api.model
    def _retail_tier_multiplier(self, company, tier_id):
        """Points multiplier of a tier (cached tiers of ``company`` first)."""
        if not tier_id:
            return 1.0
        for row in self.env["retail.crm.tier"]._company_tier_rows(company.id):
            if row[0] == tier_id:
                return row[7]
        return self.env["retail.crm.tier"].sudo().browse(tier_id).points_multiplier

    def _retail_upgrade_tiers(self, company, order=None, reason=None, decisions=None):
        """Raise the tier of these members in ``company`` to the highest tier
        they qualify for now. Never lowers a tier (that is the review's job);
        a pending downgrade of a member who keeps the tier again is cancelled.
        A constant number of queries (one when nothing changes), whatever the
        members' order history.

        :param decisions: the result of :meth:`_retail_lock_and_decide` when
            the caller already took it (the POS hook)
        """
        if decisions is None:
            decisions = self._retail_lock_and_decide(company)
        changes, cleared = [], []
        for (
            pid,
            cur,
            qual,
            _locked,
            _until,
            dg_date,
            keep,
            cur_rank,
            qual_rank,
            pricelist,
            _at,
        ) in decisions.values():
            current_rank = -1 if cur_rank is None else cur_rank
            if qual and qual_rank > current_rank:
                kind = "upgrade" if cur else "enrol"
                changes.append((pid, cur, pricelist, qual, kind, reason, order.id if order else None))
            elif dg_date and (keep or cur_rank is None):
                cleared.append(pid)  # requalified: the pending downgrade is cancelled
        if cleared:
            # sudo: technical per-company value, cleared for members the caller evaluated
            self.browse(cleared).sudo()._retail_write_company_values(
                company, {"retail_tier_downgrade_date": False}
            )
        return self._retail_apply_tier_rows(company, changes)

    @api.model
    def _retail_apply_tier_changes(self, company, changes):
        """Apply tier changes given as records and log them.

        :param changes: list of (partner, new_tier, kind, reason, order)
        :return: the created retail.crm.tier.history records
        """
        if not changes:
            return self.env["retail.crm.tier.history"]
        partners = self.env["res.partner"].concat(*(change[0] for change in changes)).with_company(company)
        # old tiers/pricelists must be read before writing
        old = {p.id: (p.retail_tier_id.id, p.specific_property_product_pricelist.id) for p in partners.sudo()}
        rows = [
            (partner.id, *old[partner.id], tier.id, kind, reason, order.id if order else None)
            for partner, tier, kind, reason, order in changes
        ]
        return self._retail_apply_tier_rows(company, rows)

    @api.model
    def _retail_apply_tier_rows(self, company, changes):
        """Apply tier changes set-based: one INSERT ... ON CONFLICT of the
        new tiers (one UPDATE of the pricelists per pricelist when tiers have
        pricelists) and one INSERT of the history lines, whatever their number.

        :param changes: list of (partner_id, old_tier_id, old_pricelist_id,
            new_tier_id, kind, reason, order_id)
        :return: the created retail.crm.tier.history records
        """
        History = self.env["retail.crm.tier.history"]
        if not changes:
            return History
        pricelists = {row[0]: row[8] for row in self.env["retail.crm.tier"]._company_tier_rows(company.id)}

        def tier_pricelist(tier_id):
            if not tier_id:
                return False
            if tier_id not in pricelists:
                pricelists[tier_id] = self.env["retail.crm.tier"].sudo().browse(tier_id).pricelist_id.id
            return pricelists[tier_id]

        groups, pricelist_groups = {}, {}
        for pid, old_tier, old_pricelist, new_tier, *_rest in changes:
            groups.setdefault(new_tier, []).append(pid)
            # per-tier pricelist (L5): set the new one, or drop the old tier's one
            if tier_pricelist(new_tier):
                if old_pricelist != tier_pricelist(new_tier):
                    pricelist_groups.setdefault(tier_pricelist(new_tier), []).append(pid)
            elif old_pricelist and old_pricelist == tier_pricelist(old_tier):
                pricelist_groups.setdefault(False, []).append(pid)
        # one statement for every new tier. sudo: a tier change is triggered
        # by a paid order, a cron or a manager's action; the cashier/cron user
        # may not write partners of other salespeople.
        pids = [pid for pids in groups.values() for pid in pids]
        new_tiers = [tier for tier, pids in groups.items() for _pid in pids]
        for pricelist, pricelist_pids in pricelist_groups.items():
            # sudo: as above, the tier's pricelist follows the tier
            self.browse(pricelist_pids).sudo()._retail_write_partner_pricelist(company, pricelist)
        # the new tiers and their history lines in one statement (the till's
        # upgrade costs one query for both)
        tier_vals = {"retail_tier_id": new_tiers, "retail_tier_downgrade_date": False}
        upsert = self.env["retail.crm.member.tier"]._upsert_sql(company, pids, tier_vals)
        history_ids = self._retail_insert_history(company, changes, with_sql=upsert)
        self.env["retail.crm.member.tier"].invalidate_model()
        members = self.browse(pids)
        members.invalidate_recordset([*tier_vals, "retail_tier_evaluated_at"])
        members.modified(list(tier_vals))
        # sudo: history is written by the system on behalf of the cashier/cron/manager
        return History.sudo().browse(history_ids)

    @api.model
    def _retail_insert_history(self, company, changes, with_sql=None):
        """Tier history lines of ``changes`` in one INSERT (the review writes
        up to a batch of them at once; no ORM create per line).

        :param with_sql: a data-modifying statement run in the same statement
            (a CTE), e.g. the upsert of the new tiers
        :return: the ids of the new lines
        """
        columns = list(zip(*changes, strict=True))
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    %(with_sql)s
                    INSERT INTO retail_crm_tier_history
                           (partner_id, old_tier_id, new_tier_id, change_type, reason, order_id,
                            company_id, user_id, date)
                    SELECT c.partner_id, c.old_tier_id, c.new_tier_id, c.change_type, c.reason, c.order_id,
                           %(company)s, %(uid)s, %(now)s
                      FROM unnest(%(partners)s, %(old)s, %(new)s, %(kinds)s,
                                  %(reasons)s, %(orders)s)
                           AS c(partner_id, old_tier_id, new_tier_id, change_type, reason, order_id)
                 RETURNING id
                    """,
                    with_sql=SQL("WITH tier_rows AS (%s)", with_sql) if with_sql else SQL(""),
                    company=company.id,
                    uid=self.env.uid,
                    now=fields.Datetime.now(),
                    partners=int_array(columns[0]),
                    old=int_array(tier or None for tier in columns[1]),
                    new=int_array(tier or None for tier in columns[3]),
                    kinds=text_array(columns[4]),
                    reasons=text_array(reason or None for reason in columns[5]),
                    orders=int_array(order or None for order in columns[6]),
                )
            )
        ]
        self.browse(columns[0]).invalidate_recordset(["retail_tier_history_ids"])
        return ids

    def _retail_write_company_values(self, company, vals):
        """Write per-company tier values (fields of MEMBER_TIER_COLUMNS) of
        ``self`` in ``company``: one INSERT ... ON CONFLICT on the narrow
        retail_crm_member_tier table for all of ``self`` (see
        retail.crm.member.tier._upsert), none of the res.partner write()
        machinery. The change also marks the members as evaluated: a review
        batch holding an older decision re-decides (see the review)."""
        if not self.ids:
            return
        self.env["retail.crm.member.tier"]._upsert(company, self.ids, vals)
        self.invalidate_recordset([*vals, "retail_tier_evaluated_at"])
        self.modified(list(vals))

    def _retail_write_partner_pricelist(self, company, pricelist_id):
        """Set Odoo's own per-company pricelist of ``self`` (the tier's
        pricelist, L5) in one UPDATE of its jsonb column. The one place the
        suite writes a company-dependent column by hand: Odoo's
        ``with_company().write()`` runs the whole res.partner write() chain
        per call (4.6x slower on 5,000 members, tools/bench_loyalty.py), and
        the review writes up to a batch of them at once. Only members whose
        pricelist changes are written."""
        if not self.ids:
            return
        self.with_company(company).flush_recordset(["specific_property_product_pricelist"])
        column = SQL.identifier("specific_property_product_pricelist")
        if pricelist_id:
            assignment = SQL(
                "%s = COALESCE(%s, '{}'::jsonb) || jsonb_build_object(%s::text, %s)",
                column,
                column,
                str(company.id),
                pricelist_id,
            )
        else:
            assignment = SQL("%s = %s - %s::text", column, column, str(company.id))
        self.env.execute_query(SQL("UPDATE res_partner SET %s WHERE id = ANY(%s)", assignment, self.ids))
        self.invalidate_recordset(["specific_property_product_pricelist", "property_product_pricelist"])
        self.modified(["specific_property_product_pricelist"])
