from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    @api.model
    def _cron_retail_expire_points(self):
        for company in self.env["res.company"].search([("retail_points_expiry_months", ">", 0)]):
            self.with_company(company)._retail_expire_points(company)

    @api.model
    def _retail_expire_points(self, company, now=None):
        """Expire loyalty points earned more than N months ago and not used
        since (first in, first out), which Odoo 18 does not do.

        Points earned before the cut-off minus everything used or expired so
        far is what is left of the old points: that part expires. Running it
        twice expires nothing more (the expiry is recorded as used points).
        Set-based: two grouped reads, one batch update, one batch create.

        :return: {card_id: expired points}
        """
        months = company.retail_points_expiry_months
        if months <= 0:
            return {}
        now = now or fields.Datetime.now()
        cutoff = now - relativedelta(months=months)
        # sudo: the cron expires the points of every member
        History = self.env["loyalty.history"].sudo()
        program_domain = [
            ("card_id.program_id.program_type", "=", "loyalty"),
            ("card_id.program_id.company_id", "in", [company.id, False]),
            ("card_id.points", ">", 0),
        ]
        issued_old = dict(
            History._read_group(program_domain + [("create_date", "<", cutoff)], ["card_id"], ["issued:sum"])
        )
        if not issued_old:
            return {}
        used_all = dict(
            History._read_group(
                [("card_id", "in", [card.id for card in issued_old])], ["card_id"], ["used:sum"]
            )
        )
        expired = {}
        for card, issued in issued_old.items():
            to_expire = min(issued - used_all.get(card, 0.0), card.points)
            if to_expire > 0.005:
                expired[card] = round(to_expire, 2)
        if not expired:
            return {}
        self.env["loyalty.card"].flush_model(["points"])
        self.env.execute_query(
            SQL(
                """
                UPDATE loyalty_card c SET points = c.points - v.expired
                  FROM (VALUES %s) AS v(id, expired)
                 WHERE c.id = v.id
                """,
                SQL(", ").join(SQL("(%s, %s::float)", card.id, pts) for card, pts in expired.items()),
            )
        )
        self.env["loyalty.card"].invalidate_model(["points"])
        History.create(
            [
                {
                    "card_id": card.id,
                    "description": self.env._(
                        "Points expired (earned more than %(months)s months ago)", months=months
                    ),
                    "used": pts,
                    "issued": 0.0,
                }
                for card, pts in expired.items()
            ]
        )
        return {card.id: pts for card, pts in expired.items()}
