"""Tier qualification in SQL (L2-L4): for every member of a company (or a
few), the current tier, the tier their qualifying spend reaches and whether
they keep their tier (保级), in one statement. Used by the till's tier hook
(with the member's lock) and by the periodic review."""

from odoo import api, models
from odoo.tools import SQL


class RetailCrmTier(models.Model):
    _inherit = "retail.crm.tier"

    @api.model
    def _qualification_sql(self, company, tier_rows, today, partner_ids=None, lock=False):
        """SQL giving, for every member of ``company`` (or of ``partner_ids``):
        id, current tier, qualifying tier, override flag/expiry, scheduled
        downgrade date, 保级 flag, ranks, current pricelist and last evaluation.

        :param tier_rows: [(tier_id, min_spend, min_orders, is_and, invite,
            keep_spend, keep_orders, ...)] lowest first
        :param lock: take the members' tier lock in the same statement (the
            POS hook: ``partner_ids`` are locked whatever their company, and
            only the members among them are returned)
        """
        member_filter = lock_cte = SQL("")
        if partner_ids is not None:
            member_filter = SQL("AND p.id = ANY(%s)", list(partner_ids))
        scope = SQL("AND p.active AND (p.company_id IS NULL OR p.company_id = %s)", company.id)
        if lock:
            # see res.partner._retail_lock_tier_rows: moving the member's tier
            # row serialises the evaluations of a member in the company (till,
            # second till, review batch)
            lock_cte = SQL(
                """
                locked AS (
                    INSERT INTO retail_crm_member_tier AS lmt
                           (partner_id, company_id, evaluated_at)
                    SELECT lp.id, %(company)s, clock_timestamp() AT TIME ZONE 'UTC'
                      FROM res_partner lp
                     WHERE lp.id = ANY(%(ids)s) AND lp.retail_is_member
                        ON CONFLICT (partner_id, company_id) DO UPDATE
                       SET evaluated_at = EXCLUDED.evaluated_at
                 RETURNING lmt.partner_id AS id
                ),
                """,
                company=company.id,
                ids=list(partner_ids),
            )
            member_filter = SQL("AND p.id IN (SELECT id FROM locked)")
            scope = SQL("")
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
        return SQL(
            """
            WITH %(lock_cte)s
            t(id, rank, min_spend, min_orders, is_and, invite, keep_spend, keep_orders)
                 AS (VALUES %(tiers)s),
            s AS (%(spend)s),
            m AS (
                SELECT p.id,
                       mt.tier_id AS cur,
                       COALESCE(mt.locked, FALSE) AS locked,
                       mt.locked_until,
                       mt.downgrade_date AS dg_date,
                       (p.specific_property_product_pricelist ->> %(cid)s)::int AS pricelist,
                       mt.evaluated_at,
                       COALESCE(s.spend, 0) AS spend,
                       COALESCE(s.cnt, 0) AS cnt
                  FROM res_partner p
             LEFT JOIN retail_crm_member_tier mt ON mt.partner_id = p.id AND mt.company_id = %(company)s
             LEFT JOIN s ON s.partner_id = p.id
                 WHERE p.retail_is_member
                   %(scope)s
                   %(member_filter)s
            )
            SELECT m.id, m.cur, q.id AS qual, m.locked, m.locked_until, m.dg_date,
                   COALESCE(k.keep, FALSE) AS keep, k.rank AS cur_rank, q.rank AS qual_rank,
                   m.pricelist, m.evaluated_at
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
            spend=self.env["res.partner"]._retail_tier_spend_sql(company, today, partner_ids),
            member_filter=member_filter,
            lock_cte=lock_cte,
            scope=scope,
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
            SELECT id, cur, qual, locked, locked_until, dg_date, keep, cur_rank, qual_rank,
                   pricelist, evaluated_at
              FROM (%s) x
             WHERE (cur IS DISTINCT FROM qual AND NOT (keep AND COALESCE(qual_rank, -1) < COALESCE(cur_rank, -1)))
                OR dg_date IS NOT NULL OR locked
          ORDER BY id
            """,
            self._qualification_sql(company, tiers._qualification_rows(), today, partner_ids),
        )
