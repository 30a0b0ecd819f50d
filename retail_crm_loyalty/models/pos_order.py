from odoo import _, api, fields, models

from .res_partner import PAID_STATES


class PosOrder(models.Model):
    _inherit = "pos.order"

    retail_tier_upgrade_id = fields.Many2one(
        "retail.crm.tier",
        string="Tier Reached",
        readonly=True,
        copy=False,
        help="Member tier the customer was upgraded to by this order.",
    )

    @api.model
    def _load_pos_data_fields(self, config_id):
        fields_list = super()._load_pos_data_fields(config_id)
        return fields_list + ["retail_tier_upgrade_id"] if fields_list else fields_list

    def action_pos_order_paid(self):
        res = super().action_pos_order_paid()
        self._retail_evaluate_member_tier()
        return res

    def _retail_evaluate_member_tier(self):
        """Upgrade the member at once when this paid order crosses a
        threshold (L3). Idempotent: the qualifying spend is read from the
        database, so an order processed twice is counted once and a second
        evaluation finds nothing to change."""
        for order in self:
            partner = order.partner_id
            if order.state not in PAID_STATES or not partner.retail_is_member:
                continue
            history = partner._retail_upgrade_tiers(
                order.company_id, order=order, reason=_("Order %(order)s", order=order.name)
            )
            if history:
                order.retail_tier_upgrade_id = history[-1].new_tier_id

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
    # Points multiplier per tier (L5)
    # ------------------------------------------------------------------
    def _retail_points_multiplier(self):
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        if not partner.retail_is_member or not partner.retail_tier_id:
            return 1.0
        return partner.retail_tier_id.points_multiplier

    def _retail_points_spent(self, program):
        return sum(
            line.points_cost
            for line in self.lines
            if line.is_reward_line and line.reward_id.program_id == program
        )

    def confirm_coupon_programs(self, coupon_data):
        """Multiply the points the member earns on loyalty programs by the
        tier's multiplier, server side, before pos_loyalty books them."""
        multiplier = self._retail_points_multiplier()
        if multiplier != 1.0:
            programs = self.env["loyalty.program"].browse(
                {int(v["program_id"]) for v in coupon_data.values() if v.get("program_id")}
            )
            loyalty_programs = {p.id: p for p in programs if p.program_type == "loyalty"}
            for values in coupon_data.values():
                program = loyalty_programs.get(int(values.get("program_id") or 0))
                if not program:
                    continue
                spent = self._retail_points_spent(program)
                won = values.get("points", 0.0) + spent
                if won > 0:
                    values["points"] = round(won * multiplier - spent, 2)
        return super().confirm_coupon_programs(coupon_data)

    def add_loyalty_history_lines(self, coupon_data, coupon_updates):
        """Log the multiplied points in the card history as well (same
        arithmetic as confirm_coupon_programs, on the net points won)."""
        multiplier = self._retail_points_multiplier()
        if multiplier != 1.0:
            id_mapping = {int(item["old_id"]): int(item["id"]) for item in coupon_updates}

            def real_id(coupon):
                return id_mapping.get(int(coupon["card_id"])) or int(coupon["card_id"])

            cards = (
                self.env["loyalty.card"].browse([real_id(c) for c in coupon_data if real_id(c) > 0]).exists()
            )
            loyalty_cards = {c.id: c for c in cards if c.program_id.program_type == "loyalty"}
            for coupon in coupon_data:
                card = loyalty_cards.get(real_id(coupon))
                if card and coupon.get("won"):
                    spent = self._retail_points_spent(card.program_id)
                    coupon["won"] = round((coupon["won"] + spent) * multiplier - spent, 2)
        return super().add_loyalty_history_lines(coupon_data, coupon_updates)
