"""Points of a card spent once (L5, #13): the same card shown at two tills at
once is refused at the second till's sync."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare

from ..tools import PAID_STATES

# an order's points are confirmed by the till right after its sync (a second
# request): a paid order of the last hour whose points are not confirmed yet
# still holds the points its rewards take (see _retail_check_card_balances)
PENDING_REDEMPTION = timedelta(hours=1)


class PosOrder(models.Model):
    _inherit = "pos.order"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _process_order(self, order, existing_order):
        spends = self._retail_reward_spends(order)
        order_id = super()._process_order(order, existing_order)
        if spends:
            self.browse(order_id)._retail_check_card_balances(spends)
        return order_id

    @api.model
    def _retail_reward_spends(self, order):
        """{card id: points} the reward lines of a synced order take from
        existing cards (read before Odoo empties the lines of an update)."""
        spends = {}
        for command in order.get("lines") or []:
            vals = command[2] if isinstance(command, list | tuple) and len(command) > 2 else None
            if not isinstance(vals, dict) or not vals.get("is_reward_line"):
                continue
            card_id, cost = vals.get("coupon_id"), vals.get("points_cost") or 0.0
            if isinstance(card_id, int) and card_id > 0 and cost > 0:
                spends[card_id] = spends.get(card_id, 0.0) + cost
        return spends

    def _retail_check_card_balances(self, spends):
        """Refuse a paid order whose rewards take points its cards no longer
        hold: the same card shown at two tills at once passes Odoo's check
        (validate_coupon_programs) on both before either order is synced, and
        the card would be spent twice. The cards are locked (a concurrent sync
        or confirmation of the same card waits, then is retried by Odoo on a
        new snapshot) and the points of other paid orders not confirmed yet
        count as taken. What this order itself earns may be spent in it (as
        Odoo allows): an upper bound of it is added. Refused with a message
        at the till, which puts the order back to the payment screen."""
        self.ensure_one()
        if self.state not in PAID_STATES or self.retail_points_confirmed:
            return
        self.env["loyalty.card"].flush_model(["points"])
        self.env["pos.order"].flush_model(["state", "retail_points_confirmed"])
        self.env["pos.order.line"].flush_model(["coupon_id", "is_reward_line", "points_cost"])
        rows = self.env.execute_query(
            SQL(
                """
                WITH locked AS (
                    UPDATE loyalty_card c SET write_date = c.write_date
                     WHERE c.id = ANY(%(cards)s)
                 RETURNING c.id, c.points
                )
                SELECT locked.id, locked.points, COALESCE((
                        SELECT SUM(l.points_cost) FROM pos_order_line l
                          JOIN pos_order o ON o.id = l.order_id
                         WHERE l.coupon_id = locked.id AND l.is_reward_line AND o.id != %(order)s
                           AND o.state IN %(paid)s AND o.retail_points_confirmed IS NOT TRUE
                           AND o.create_date >= %(since)s), 0)
                  FROM locked
                """,
                cards=list(spends),
                order=self.id,
                paid=PAID_STATES,
                since=fields.Datetime.now() - PENDING_REDEMPTION,
            )
        )
        # sudo: the cards of this order's rewards, read for the message
        cards = self.env["loyalty.card"].sudo().browse([row[0] for row in rows])
        for (card_id, balance, pending), card in zip(rows, cards, strict=True):
            available = balance - pending
            if float_compare(available + self._retail_points_bound(card.program_id), spends[card_id], 2) < 0:
                raise UserError(
                    self.env._(
                        "The card %(code)s has %(available)s points left, the rewards of this order "
                        "need %(needed)s: its points were used at another till meanwhile. Remove the "
                        "reward and validate the order again.",
                        code=card.code,
                        available=round(max(available, 0.0), 2),
                        needed=round(spends[card_id], 2),
                    )
                )

    def _retail_points_bound(self, program):
        """Most points this order can earn on ``program`` (every rule
        applying to every line, with the order's tier multiplier)."""
        regular = self.lines.filtered(lambda line: not line.is_reward_line)
        amount = max(sum(regular.mapped("price_subtotal_incl")), 0.0)
        quantity = max(sum(regular.mapped("qty")), 0.0)
        points = 0.0
        for rule in program.rule_ids:
            per = rule.reward_point_amount
            points += {"order": per, "money": per * amount, "unit": per * quantity}.get(
                rule.reward_point_mode, 0.0
            )
        if program.program_type == "loyalty":
            points *= self._retail_points_multiplier()
        return points
