from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import PAID_STATES

STATES = [("rewarded", "Rewarded"), ("reversed", "Reversed")]


class RetailCrmReferral(models.Model):
    """One rewarded referral (老带新): the new member's first paid purchase
    credits both members once; a full refund of that purchase reverses it."""

    _name = "retail.crm.referral"
    _description = "Member Referral Reward"
    _order = "create_date desc, id desc"
    _rec_name = "member_id"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    member_id = fields.Many2one("res.partner", string="New Member", required=True, index=True, readonly=True)
    referrer_id = fields.Many2one(
        "res.partner", string="Referred By", required=True, index=True, readonly=True
    )
    order_id = fields.Many2one("pos.order", string="First Purchase", required=True, readonly=True)
    config_id = fields.Many2one(related="order_id.config_id", string="Store", store=True)
    state = fields.Selection(STATES, required=True, default="rewarded", readonly=True)
    referrer_card_id = fields.Many2one("loyalty.card", readonly=True)
    member_card_id = fields.Many2one("loyalty.card", readonly=True)
    referrer_points = fields.Float(readonly=True)
    member_points = fields.Float(readonly=True)

    _sql_constraints = [
        ("member_once", "UNIQUE (member_id, company_id)", "A new member's referral is rewarded once."),
    ]

    # ------------------------------------------------------------------
    @api.model
    def _cron_reward_referrals(self):
        # sudo: a scheduled job of every company with a referral program
        for company in self.env["res.company"].sudo().search([("retail_referral_program_id", "!=", False)]):
            self.sudo().with_company(company)._reward_company(company)
            self.sudo().with_company(company)._reverse_refunded(company)
        return True

    @api.model
    def _net_order_sql(self):
        """Total of an order ``o`` net of its refunds, whatever day they were rung up."""
        return SQL(
            """o.amount_total + COALESCE((
                SELECT SUM(refund.price_subtotal_incl)
                  FROM pos_order_line refund
                  JOIN pos_order_line sold ON sold.id = refund.refunded_orderline_id
                  JOIN pos_order ro ON ro.id = refund.order_id AND ro.state IN %s
                 WHERE sold.order_id = o.id), 0)""",
            PAID_STATES,
        )

    def _reward_company(self, company):
        self.env["pos.order"].flush_model()
        self.env["res.partner"].flush_model(["retail_referred_by_id", "retail_is_member"])
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (p.id) p.id, p.retail_referred_by_id, o.id
                  FROM res_partner p
                  JOIN pos_order o ON o.partner_id = p.id
                 WHERE p.retail_referred_by_id IS NOT NULL AND p.retail_is_member
                   AND o.company_id = %(company)s AND o.state IN %(paid)s AND o.amount_total > 0
                   AND %(net)s > 0
                   AND NOT EXISTS (SELECT 1 FROM retail_crm_referral r
                                    WHERE r.member_id = p.id AND r.company_id = %(company)s)
                 ORDER BY p.id, o.date_order, o.id
                """,
                company=company.id,
                paid=PAID_STATES,
                net=self._net_order_sql(),
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return self.browse()
        program = company.retail_referral_program_id
        partners = self.env["res.partner"].browse({pid for row in rows for pid in row[:2]})
        cards = self._cards(program, partners)
        referrer_points = company.retail_referral_referrer_points
        member_points = company.retail_referral_member_points
        # sudo: the scheduled job credits the company's own program
        referrals = self.sudo().create(
            [
                {
                    "company_id": company.id,
                    "member_id": member,
                    "referrer_id": referrer,
                    "order_id": order,
                    "referrer_card_id": cards[referrer].id,
                    "member_card_id": cards[member].id,
                    "referrer_points": referrer_points,
                    "member_points": member_points,
                }
                for member, referrer, order in rows
            ]
        )
        self._move_points(referrals, sign=1)
        return referrals

    def _reverse_refunded(self, company):
        self.flush_model()
        self.env["pos.order"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT r.id FROM retail_crm_referral r
                  JOIN pos_order o ON o.id = r.order_id
                 WHERE r.company_id = %(company)s AND r.state = 'rewarded' AND %(net)s <= 0
                """,
                company=company.id,
                net=self._net_order_sql(),
            )
        )
        # sudo: the scheduled job takes back the company's own rewards
        referrals = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        if referrals:
            self._move_points(referrals, sign=-1)
            referrals.state = "reversed"
        return referrals

    def _cards(self, program, partners):
        """The program's card of each partner, created when missing."""
        # sudo: the job credits the company's program for both members
        Card = self.env["loyalty.card"].sudo()
        cards = {
            card.partner_id.id: card
            for card in Card.search(
                [("program_id", "=", program.id), ("partner_id", "in", partners.ids)], order="id desc"
            )
        }
        missing = [p for p in partners.ids if p not in cards]
        for card in Card.create([{"program_id": program.id, "partner_id": p, "points": 0} for p in missing]):
            cards[card.partner_id.id] = card
        return cards

    def _move_points(self, referrals, sign):
        """Credit (sign 1) or take back (sign -1) the rewards, with the card
        history telling the same movement."""
        movements = {}
        for referral in referrals:
            for card, points, other in (
                (referral.referrer_card_id, referral.referrer_points, referral.member_id),
                (referral.member_card_id, referral.member_points, referral.referrer_id),
            ):
                if points:
                    movements.setdefault(card, []).append((points, other, referral))
        history = []
        for card, items in movements.items():
            # a reversal never takes a card below zero: points already spent stay spent
            available = max(card.points, 0) if sign < 0 else None
            moved = 0.0
            for points, other, referral in items:
                amount = points if sign > 0 else min(points, available - moved)
                moved += amount
                history.append(
                    {
                        "card_id": card.id,
                        "description": (
                            self.env._("Referral reward: %(name)s", name=other.name)
                            if sign > 0
                            else self.env._(
                                "Referral reward reversed (purchase refunded): %(name)s", name=other.name
                            )
                        ),
                        "issued": amount if sign > 0 else 0,
                        "used": 0 if sign > 0 else amount,
                        "order_model": "pos.order",
                        "order_id": referral.order_id.id,
                    }
                )
            card.points += sign * moved
        # sudo: the card history tells the job's own movement
        self.env["loyalty.history"].sudo().create(
            [vals for vals in history if vals["issued"] or vals["used"]]
        )
