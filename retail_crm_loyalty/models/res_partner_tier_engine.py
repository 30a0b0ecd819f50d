"""Tier engine on members (L2, L3): qualifying spend, the lock shared by
the POS hook and the review, upgrades and tier changes."""

import logging

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

PAID_STATES = ("paid", "done", "invoiced")


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
    def _retail_tier_stats(self, company, partner_ids=None, today=None):
        """Qualifying spend (company currency, refunds subtracted) and order
        count per partner over the rolling window, in one query.

        :return: {partner_id: (spend, order_count)}
        """
        self.env["pos.order"].flush_model(
            ["partner_id", "company_id", "state", "amount_total", "currency_rate", "date_order"]
        )
        partner_filter = SQL("")
        if partner_ids is not None:
            partner_filter = SQL("AND o.partner_id = ANY(%s)", list(partner_ids))
        rows = self.env.execute_query(
            SQL(
                """
                SELECT o.partner_id,
                       SUM(o.amount_total / COALESCE(NULLIF(o.currency_rate, 0), 1.0)),
                       COUNT(*) FILTER (WHERE o.amount_total > 0)
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
        )
        return {pid: (company.currency_id.round(spend or 0.0), count) for pid, spend, count in rows}

    def _retail_lock_tier_rows(self):
        """Serialise tier evaluations of the same members: an evaluation
        updates the partner rows first, so a concurrent transaction evaluating
        the same member waits, then fails with a serialization error and is
        retried by Odoo, seeing the other order."""
        if not self.ids:
            return
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET retail_tier_evaluated_at = now() at time zone 'UTC' WHERE id = ANY(%s)",
                self.ids,
            )
        )
        self.invalidate_recordset(["retail_tier_evaluated_at"])

    def _retail_assign_initial_tier(self):
        """Give new members the tier they qualify for in the current company."""
        self._retail_upgrade_tiers(self.env.company, reason=_("Enrolment"))

    def _retail_upgrade_tiers(self, company, order=None, reason=None):
        """Raise the tier of these members in ``company`` to the highest tier
        they qualify for now. Never lowers a tier (that is the review's job).
        A constant number of queries, whatever the members' order history."""
        members = self.filtered("retail_is_member")
        if not members:
            return self.env["retail.crm.tier.history"]
        tiers = self.env["retail.crm.tier"]._get_company_tiers(company)
        if not tiers:
            return self.env["retail.crm.tier.history"]
        members._retail_lock_tier_rows()
        stats = self._retail_tier_stats(company, members.ids)
        members_c = members.with_company(company)
        changes = []
        for partner in members_c:
            spend, count = stats.get(partner.id, (0.0, 0))
            target = tiers._qualifying_tier(spend, count)
            current = partner.retail_tier_id
            if target and tiers._rank(target) > tiers._rank(current):
                kind = "upgrade" if current else "enrol"
                changes.append((partner, target, kind, reason, order))
        cleared = members_c.filtered(
            lambda p: (
                p.retail_tier_downgrade_date and tiers._retains(p.retail_tier_id, *stats.get(p.id, (0.0, 0)))
            )
        )
        if cleared:
            # requalified: the pending downgrade is cancelled
            cleared.sudo()._retail_write_company_values(company, {"retail_tier_downgrade_date": False})
        return self._retail_apply_tier_changes(company, changes)

    @api.model
    def _retail_apply_tier_changes(self, company, changes):
        """Apply tier changes set-based and log them.

        :param changes: list of (partner, new_tier, kind, reason, order)
        :return: the created retail.crm.tier.history records
        """
        if not changes:
            return self.env["retail.crm.tier.history"]
        Partner = self.env["res.partner"]
        by_tier = {}
        for partner, tier, _kind, _reason, _order in changes:
            by_tier.setdefault(tier, Partner)
            by_tier[tier] |= partner
        # old tiers/pricelists must be read before writing
        old_tiers = {partner.id: partner.with_company(company).retail_tier_id for partner, *_rest in changes}
        old_pricelists = {
            partner.id: partner.with_company(company).specific_property_product_pricelist
            for partner, *_rest in changes
        }
        for tier, partners in by_tier.items():
            # sudo: a tier change is triggered by a paid order or a cron; the
            # cashier/cron user may not write partners of other salespeople.
            partners_sudo = partners.sudo()
            vals = {"retail_tier_id": tier.id, "retail_tier_downgrade_date": False}
            partners_sudo._retail_write_company_values(company, vals)
            # per-tier pricelist (L5): set the new one, or drop the old tier's one
            to_set = partners_sudo if tier.pricelist_id else Partner
            to_clear = Partner.sudo()
            if not tier.pricelist_id:
                for partner in partners_sudo:
                    old_pl = old_pricelists.get(partner.id)
                    if old_pl and old_pl == old_tiers[partner.id].pricelist_id:
                        to_clear |= partner
            if to_set:
                to_set._retail_write_company_values(
                    company, {"specific_property_product_pricelist": tier.pricelist_id.id}
                )
            if to_clear:
                to_clear._retail_write_company_values(company, {"specific_property_product_pricelist": False})
        history_vals = [
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "old_tier_id": old_tiers[partner.id].id,
                "new_tier_id": tier.id,
                "change_type": kind,
                "reason": reason,
                "order_id": order.id if order else False,
                "user_id": self.env.uid,
            }
            for partner, tier, kind, reason, order in changes
        ]
        # sudo: history is written by the system on behalf of the cashier/cron
        return self.env["retail.crm.tier.history"].sudo().create(history_vals)

    def _retail_write_company_values(self, company, vals):
        """Write company-dependent values for ``company`` without the
        res.partner write() machinery (address sync, tracking): these are
        technical per-company values set in batch."""
        if not self.ids:
            return
        self.with_company(company).flush_recordset(list(vals))
        assignments = []
        for fname, value in vals.items():
            column = SQL.identifier(fname)
            if value:
                assignments.append(
                    SQL(
                        "%s = COALESCE(%s, '{}'::jsonb) || jsonb_build_object(%s::text, %s)",
                        column,
                        column,
                        str(company.id),
                        value,
                    )
                )
            else:
                assignments.append(SQL("%s = %s - %s::text", column, column, str(company.id)))
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET %s WHERE id = ANY(%s)",
                SQL(", ").join(assignments),
                self.ids,
            )
        )
        self.invalidate_recordset(list(vals))
        if "specific_property_product_pricelist" in vals:
            self.invalidate_recordset(["property_product_pricelist"])
        self.modified(list(vals))
