import {Component} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";
import {usePos} from "@point_of_sale/app/store/pos_hook";
import {makeAwaitable} from "@point_of_sale/app/store/make_awaitable_dialog";
import {RetailReferralDialog} from "@retail_crm_loyalty/app/referral_dialog/referral_dialog";

/**
 * The member on the order screen (L6): tier badge, member number, points
 * balance and progress to the next tier as soon as the member is selected;
 * the upgrade this order brings once its total covers the remaining spend;
 * who referred the member (老带新), or a button to record it.
 */
export class RetailMemberCard extends Component {
    static template = "retail_crm_loyalty.RetailMemberCard";
    static props = {partner: Object, order: Object};

    setup() {
        this.pos = usePos();
    }

    /** Balance of the member's loyalty cards known to the till (updated
     * after each synced order), else the balance loaded with the member. */
    get points() {
        const partner = this.props.partner;
        const cards = new Map(
            this.pos.models["loyalty.card"]
                .filter(
                    (card) =>
                        typeof card.id === "number" &&
                        card.id > 0 &&
                        card.partner_id?.id === partner.id &&
                        card.program_id?.program_type === "loyalty"
                )
                .map((card) => [card.id, card])
        );
        if (!cards.size) {
            return partner.retail_loyalty_points || 0;
        }
        const points = [...cards.values()].reduce((sum, card) => sum + card.points, 0);
        return parseFloat(points.toFixed(2));
    }

    get pointsWon() {
        const stats = this.props.order.getLoyaltyPoints?.() || [];
        return stats
            .filter((stat) => stat.program?.program_type === "loyalty")
            .reduce((sum, stat) => sum + (stat.points.won || 0), 0);
    }

    /** The next tier when this order's total covers the remaining spend. */
    get upgradeTier() {
        const partner = this.props.partner;
        const next = partner.retail_next_tier_id;
        const remaining = partner.retail_next_tier_remaining || 0;
        if (!next || remaining <= 0 || this.props.order.is_empty()) {
            return null;
        }
        return this.props.order.get_total_with_tax() >= remaining ? next : null;
    }

    get upgradeMessage() {
        return _t("This order upgrades the member to %s", this.upgradeTier.name);
    }

    /** Record who referred the member shown on the order screen. */
    async clickRetailReferrer() {
        await makeAwaitable(this.env.services.dialog, RetailReferralDialog, {
            member: this.props.partner,
        });
    }
}
