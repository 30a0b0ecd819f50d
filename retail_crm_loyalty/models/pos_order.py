import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import PAID_STATES

_logger = logging.getLogger(__name__)

UUID_INDEX = "retail_crm_pos_order_uuid_uniq"
COMBO_PARENT_INDEX = "retail_crm_pos_order_line_combo_parent_id_idx"
COUPON_INDEX = "retail_crm_pos_order_line_coupon_id_idx"


class PosOrder(models.Model):
    _inherit = "pos.order"

    retail_tier_upgrade_id = fields.Many2one(
        "retail.crm.tier",
        string="Tier Reached",
        readonly=True,
        copy=False,
        help="Member tier the customer was upgraded to by this order.",
    )
    retail_points_multiplier = fields.Float(
        string="Order Points Multiplier",
        readonly=True,
        copy=False,
        digits=(16, 2),
        help="Tier multiplier of the loyalty points of this order, fixed when the order is paid "
        "(the member's tier before this order, as shown at the till).",
    )
    retail_points_confirmed = fields.Boolean(
        string="Points Credited",
        readonly=True,
        copy=False,
        help="Technical: the loyalty points of this order were credited (credited once only).",
    )

    def init(self):
        """Database guarantees Odoo does not give (created here so that they
        survive module updates; IF NOT EXISTS keeps updates cheap):

        - one pos.order per uuid, whoever synchronises it;
        - an index on pos_order_line.combo_parent_id, scanned by every sync;
        - an index on pos_order_line.coupon_id, read when a reward spends
          the points of a card (see pos_order_redemption.py).

        Existing duplicate uuids are reported (see
        :meth:`_retail_duplicate_uuid_report`) instead of failing the update.
        """
        res = super().init()
        cr = self.env.cr
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON pos_order_line (combo_parent_id) "
                "WHERE combo_parent_id IS NOT NULL",
                SQL.identifier(COMBO_PARENT_INDEX),
            )
        )
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON pos_order_line (coupon_id) WHERE coupon_id IS NOT NULL",
                SQL.identifier(COUPON_INDEX),
            )
        )
        cr.execute(SQL("SELECT 1 FROM pg_indexes WHERE indexname = %s", UUID_INDEX))
        if cr.rowcount:
            return res
        duplicates = self._retail_duplicate_uuid_report()
        if duplicates:
            _logger.warning(
                "pos_order has %s duplicate uuids, the unique index %s is not created "
                "(pos.order._retail_duplicate_uuid_report() lists them): %s",
                len(duplicates),
                UUID_INDEX,
                dict(list(duplicates.items())[:20]),
            )
            return res
        cr.execute(
            SQL("CREATE UNIQUE INDEX IF NOT EXISTS %s ON pos_order (uuid)", SQL.identifier(UUID_INDEX))
        )
        return res

    @api.model
    def _retail_duplicate_uuid_report(self):
        """Check command: the uuids held by more than one pos.order, with the
        order ids (merge or cancel the copies, then update the module)."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT uuid, array_agg(id ORDER BY id) FROM pos_order
                 WHERE uuid IS NOT NULL
              GROUP BY uuid HAVING COUNT(*) > 1
              ORDER BY uuid
                """
            )
        )
        return dict(rows)

    @api.model
    def _process_order(self, order, existing_order):
        """Claim the uuid of a new order before creating it: when another
        connection creates the same order at the same time, this transaction
        fails with a serialization error and Odoo retries the request, which
        then finds the order and does not create a second one."""
        if not existing_order and order.get("uuid"):
            self.env["retail.crm.pos.uuid.claim"]._claim(order["uuid"])
        return super()._process_order(order, existing_order)

    @api.model
    def _load_pos_data_fields(self, config_id):
        fields_list = super()._load_pos_data_fields(config_id)
        return (
            fields_list + ["retail_tier_upgrade_id", "retail_points_multiplier"]
            if fields_list
            else fields_list
        )

    def action_pos_order_paid(self):
        res = super().action_pos_order_paid()
        self._retail_evaluate_member_tier()
        return res

    def _retail_evaluate_member_tier(self):
        """The tier hook of a paid order (L3, L5), one query when the member's
        tier does not change (three with an upgrade), whatever the member's
        order history:

        - the points multiplier of the order is the tier the member had
          before this order (what the till showed), also when this order
          upgrades them;
        - the member is upgraded at once when this order crosses a threshold.

        The member's tier row is locked and the qualifying spend read from
        the database in the same query (res.partner._retail_lock_and_decide):
        an order processed twice is counted once, and a concurrent evaluation
        of the same member (second till, review batch) is serialised."""
        for order in self:
            partner = order.partner_id
            decision = {}
            if partner and order.state in PAID_STATES:
                decision = partner._retail_lock_and_decide(order.company_id).get(partner.id)
            if not order.retail_points_multiplier:
                if decision:
                    multiplier = partner._retail_tier_multiplier(order.company_id, decision[1])
                else:
                    multiplier = order._retail_current_multiplier() if partner else 1.0
                order.retail_points_multiplier = multiplier
            if not decision:
                continue
            history = partner._retail_upgrade_tiers(
                order.company_id,
                order=order,
                reason=self.env._("Order %(order)s", order=order.name),
                decisions={partner.id: decision},
            )
            if history:
                order.retail_tier_upgrade_id = decision[2]  # the tier reached (not read back)

    def read_pos_data(self, data, config_id):
        """Send the members' new tier and progress back with the synced
        orders, so the receipt shows the upgrade."""
        result = super().read_pos_data(data, config_id)
        partners = self.partner_id.filtered("retail_is_member")
        if config_id and partners:
            Partner = self.env["res.partner"]
            fields_list = Partner._load_pos_data_fields(config_id)
            # spend and progress are computed from the orders just synced
            partners.invalidate_recordset()
            result["res.partner"] = partners.read(fields_list, load=False)
        return result

    # ------------------------------------------------------------------
    # Points multiplier per tier (L5), credited exactly once
    # ------------------------------------------------------------------
    def _retail_current_multiplier(self):
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        if not partner.retail_is_member or not partner.retail_tier_id:
            return 1.0
        return partner.retail_tier_id.points_multiplier

    def _retail_points_multiplier(self):
        """The one multiplier of this order's loyalty points (server side;
        the till shows the same value, see pos_order.js)."""
        self.ensure_one()
        return self.retail_points_multiplier or self._retail_current_multiplier()

    def _retail_claim_points(self):
        """Mark the points of this order as credited; False when they were
        already. The row update serialises concurrent calls: a second call
        running at the same time fails with a serialization error and is
        retried by Odoo, then sees the mark."""
        self.ensure_one()
        self.flush_recordset(["retail_points_confirmed"])
        rows = self.env.execute_query(
            SQL(
                "UPDATE pos_order SET retail_points_confirmed = TRUE "
                "WHERE id = %s AND retail_points_confirmed IS NOT TRUE RETURNING id",
                self.id,
            )
        )
        self.invalidate_recordset(["retail_points_confirmed"])
        return bool(rows)

    def _retail_replay_coupon_data(self, coupon_data):
        """coupon_data of a repeated call: nothing is credited again and the
        coupons the first call created are reused (not created twice).

        :return: (coupon_data, {real card id: key sent by the till})
        """
        # sudo: the cards created by this order, read to answer the till
        created = self.env["loyalty.card"].sudo().search([("source_pos_order_id", "=", self.id)], order="id")
        replay, keys = {}, {}
        for key, values in coupon_data.items():
            values = dict(values, points=0)
            card_id = int(key)
            if card_id < 0 and not values.get("giftCardId"):
                card = created.filtered(lambda c, v=values: c.program_id.id == int(v["program_id"]))[:1]
                if not card:
                    if values.get("partner_id"):
                        # the member's existing card: pos_loyalty maps it
                        replay[key] = values
                    continue
                created -= card
                keys[card.id] = key
                card_id = card.id
            values.pop("giftCardId", None)
            replay[str(card_id)] = values
        return replay, keys

    def _retail_card_spent(self, values):
        """Points the reward lines of this order take from one card."""
        codes = set(values.get("line_codes") or [])
        return sum(
            line.points_cost
            for line in self.lines
            if line.is_reward_line and line.reward_identifier_code in codes
        )

    def confirm_coupon_programs(self, coupon_data):
        """Credit the points of this order once, whatever the number of calls
        (a retried request, a second till): a repeated call credits nothing
        and answers with the current balances.

        The member's loyalty points are multiplied by the order's tier
        multiplier; the card history is written here with the card's actual
        movement (issued - used == points added), redemptions included."""
        self.ensure_one()
        if not self._retail_claim_points():
            replay, keys = self._retail_replay_coupon_data(coupon_data)
            result = super().confirm_coupon_programs(replay)
            for update in result.get("coupon_updates", []):
                update["old_id"] = keys.get(update["id"], update["old_id"])
            return result
        multiplier = self._retail_points_multiplier()
        programs = self.env["loyalty.program"].browse(
            {int(v["program_id"]) for v in coupon_data.values() if v.get("program_id")}
        )
        loyalty_programs = {p.id for p in programs if p.program_type == "loyalty"}
        movements = {}
        for key, values in coupon_data.items():
            spent = self._retail_card_spent(values)
            won = values.get("points", 0.0) + spent
            if int(values.get("program_id") or 0) in loyalty_programs and won > 0 and multiplier != 1.0:
                won = round(won * multiplier, 2)
                values["points"] = round(won - spent, 2)
            movements[key] = (max(won, 0.0), spent - min(won, 0.0))
        result = super().confirm_coupon_programs(coupon_data)
        self._retail_add_history(coupon_data, movements, result)
        return result

    def _retail_add_history(self, coupon_data, movements, result):
        """One loyalty.history line per card and order with the movement
        credited above (pos_loyalty's own call is then a no-op)."""
        real_ids = {str(update["old_id"]): update["id"] for update in result.get("coupon_updates", [])}
        vals_list = []
        for key, (issued, used) in movements.items():
            sent_id = int(coupon_data[key].get("coupon_id") or key)
            card_id = real_ids.get(str(key)) or (sent_id if sent_id > 0 else int(key))
            if int(card_id) <= 0 or not (issued or used):
                continue
            vals_list.append(
                {
                    "card_id": int(card_id),
                    "order_model": self._name,
                    "order_id": self.id,
                    "description": self.env._("Onsite %s", self.display_name),
                    "issued": issued,
                    "used": used,
                }
            )
        # sudo: cashiers cannot create card history; written for this order only
        cards = self.env["loyalty.card"].sudo().browse([vals["card_id"] for vals in vals_list]).exists()
        self.env["loyalty.history"].sudo().create([v for v in vals_list if v["card_id"] in cards.ids])

    def add_loyalty_history_lines(self, coupon_data, coupon_updates):
        """The history of the cards credited by confirm_coupon_programs is
        already written (with the real movement): skip them, so that a
        repeated call adds nothing either."""
        id_mapping = {int(item["old_id"]): int(item["id"]) for item in coupon_updates}
        # sudo: read which cards already have a line for this order
        logged = set(
            self.env["loyalty.history"]
            .sudo()
            .search([("order_model", "=", self._name), ("order_id", "in", self.ids)])
            .card_id.ids
        )
        remaining = [
            coupon
            for coupon in coupon_data
            if (id_mapping.get(int(coupon["card_id"])) or int(coupon["card_id"])) not in logged
        ]
        return super().add_loyalty_history_lines(remaining, coupon_updates)
