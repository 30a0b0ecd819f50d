from odoo import fields, models
from odoo.tools import SQL

from ..tools import PAID_STATES


class RetailCrmReferralReport(models.Model):
    """推荐率 (referral rate): one row per store, month and active member (a
    member with a paid purchase at the store in the month).  The average of
    ``referral_rate`` is the share of active members who referred at least
    one new member whose referral was rewarded in that month."""

    _name = "retail.crm.referral.report"
    _description = "Referral Rate"
    _auto = False
    _order = "month desc"

    company_id = fields.Many2one("res.company", readonly=True)
    config_id = fields.Many2one("pos.config", string="Store", readonly=True)
    month = fields.Date(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    member_count = fields.Integer(string="Active Members", readonly=True, aggregator="sum")
    referrer_count = fields.Integer(string="Referring Members", readonly=True, aggregator="sum")
    referral_rate = fields.Float(
        string="Referral Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of active members who referred at least one new member in the month.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            WITH active AS (
                SELECT DISTINCT o.company_id, o.config_id,
                       date_trunc('month', o.date_order)::date AS month, o.partner_id
                  FROM pos_order o
                  JOIN res_partner p ON p.id = o.partner_id
                 WHERE o.state IN %(paid)s AND o.amount_total > 0 AND p.retail_is_member
            ), referrers AS (
                SELECT DISTINCT r.company_id, r.referrer_id,
                       date_trunc('month', r.create_date)::date AS month
                  FROM retail_crm_referral r
                 WHERE r.state = 'rewarded'
            )
            SELECT row_number() OVER (ORDER BY a.month, a.config_id, a.partner_id) AS id,
                   a.company_id, a.config_id, a.month, a.partner_id,
                   1 AS member_count,
                   (ref.referrer_id IS NOT NULL)::int AS referrer_count,
                   CASE WHEN ref.referrer_id IS NOT NULL THEN 100.0 ELSE 0.0 END AS referral_rate
              FROM active a
              LEFT JOIN referrers ref
                ON ref.referrer_id = a.partner_id AND ref.company_id = a.company_id AND ref.month = a.month
            """,
            paid=PAID_STATES,
        )
