import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";
import {PosOrder} from "@point_of_sale/app/models/pos_order";

patch(PosOrder.prototype, {
    /**
     * The tier multiplier of this order's loyalty points, the one the server
     * credits (pos.order._retail_points_multiplier): once the order is synced
     * the server's value, fixed at payment; before, the member's current tier
     * (the tier before this order, also when this order upgrades the member).
     */
    retailPointsMultiplier() {
        if (this.retail_points_multiplier) {
            return this.retail_points_multiplier;
        }
        const partner = this.get_partner();
        return partner?.retail_is_member
            ? (partner.retail_tier_id?.points_multiplier ?? 1)
            : 1;
    },
    /**
     * Points of loyalty programs as the member will get them (display only:
     * the points sent are unchanged, the server multiplies them once).
     */
    getLoyaltyPoints() {
        const stats = super.getLoyaltyPoints(...arguments);
        const multiplier = this.retailPointsMultiplier();
        if (multiplier === 1) {
            return stats;
        }
        for (const stat of stats) {
            const points = stat.points;
            points.won = parseFloat((points.won * multiplier).toFixed(2));
            points.total = parseFloat(
                (points.balance + points.won - points.spent).toFixed(2)
            );
        }
        return stats;
    },
    /**
     * Loyalty points of the member after this order: once the order is synced
     * the cards hold the balance the server returned (pos_loyalty updates
     * them after confirm_coupon_programs); before, the balance plus what the
     * order earns.
     */
    retailPointsAfterOrder(partner) {
        const synced = typeof this.id === "number";
        const cards = this.models["loyalty.card"].filter(
            (card) =>
                typeof card.id === "number" &&
                card.id > 0 &&
                card.partner_id?.id === partner.id &&
                card.program_id?.program_type === "loyalty"
        );
        if (synced && cards.length) {
            // a card created at the till for a new member is known twice once
            // the server gave it its id: count each server card once
            const byId = new Map(cards.map((card) => [card.id, card]));
            const points = [...byId.values()].reduce(
                (sum, card) => sum + card.points,
                0
            );
            return parseFloat(points.toFixed(2));
        }
        const stats = this.getLoyaltyPoints();
        if (stats.length) {
            return parseFloat(
                stats.reduce((sum, stat) => sum + stat.points.total, 0).toFixed(2)
            );
        }
        return partner.retail_loyalty_points || 0;
    },
    /**
     * Member tier data for the receipt: the partner record is refreshed by
     * the server after the order is synced (see pos.order.read_pos_data),
     * and the order carries the tier it upgraded the member to.
     */
    export_for_printing(baseUrl, headerData) {
        const result = super.export_for_printing(...arguments);
        const partner = this.get_partner();
        if (partner && partner.retail_is_member) {
            result.retailMember = {
                memberNumber: partner.retail_member_number || "",
                tierName: partner.retail_tier_id?.name || "",
                tierColor: partner.retail_tier_id?.badge_color || "#8C8C8C",
                points: this.retailPointsAfterOrder(partner),
                progress: partner.retail_next_tier_message || "",
                upgradedTo: this.retail_tier_upgrade_id?.name || "",
                // one sentence, so that each language places the tier and its punctuation
                upgradeMessage: this.retail_tier_upgrade_id
                    ? _t("Upgraded to %s!", this.retail_tier_upgrade_id.name)
                    : "",
                // the member code to scan at the next visit: the member number
                // as a Code 128 barcode (Odoo's /report/barcode route, like the
                // POS's own ticket QR code)
                memberCodeSrc: partner.retail_member_number
                    ? `/report/barcode/Code128/${encodeURIComponent(
                          partner.retail_member_number
                      )}?width=360&height=70&humanreadable=1&quiet=0`
                    : "",
            };
        }
        return result;
    },
});
