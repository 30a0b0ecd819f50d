import { patch } from "@web/core/utils/patch";
import { PosOrder } from "@point_of_sale/app/models/pos_order";

patch(PosOrder.prototype, {
    /**
     * Points of loyalty programs as the member will get them: the server
     * multiplies the points won by the member's tier multiplier when the
     * order is synced (pos.order.confirm_coupon_programs); the till shows
     * the same figures before (display only: the points sent are unchanged).
     */
    getLoyaltyPoints() {
        const stats = super.getLoyaltyPoints(...arguments);
        const partner = this.get_partner();
        const multiplier = partner?.retail_is_member ? partner.retail_tier_id?.points_multiplier ?? 1 : 1;
        if (multiplier === 1) {
            return stats;
        }
        for (const stat of stats) {
            const points = stat.points;
            points.won = parseFloat((points.won * multiplier).toFixed(2));
            points.total = parseFloat((points.balance + points.won - points.spent).toFixed(2));
        }
        return stats;
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
                points: partner.retail_loyalty_points || 0,
                progress: partner.retail_next_tier_message || "",
                upgradedTo: this.retail_tier_upgrade_id?.name || "",
            };
        }
        return result;
    },
});
