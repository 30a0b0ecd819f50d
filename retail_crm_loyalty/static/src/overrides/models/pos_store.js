import {patch} from "@web/core/utils/patch";
import {PosStore} from "@point_of_sale/app/store/pos_store";
import {makeAwaitable} from "@point_of_sale/app/store/make_awaitable_dialog";
import {tierBadgeRules} from "@retail_crm_loyalty/overrides/models/res_partner";
import {RetailEnrolDialog} from "@retail_crm_loyalty/app/enrol_dialog/enrol_dialog";

const TIER_BADGE_STYLESHEET_ID = "retail_crm_loyalty_tier_badges";

patch(PosStore.prototype, {
    async afterProcessServerData() {
        const result = await super.afterProcessServerData(...arguments);
        this.retailApplyTierBadgeStyles();
        return result;
    },
    /**
     * Tier badges show their tier's own colour through one stylesheet rule
     * per tier (selected by ``data-retail-tier``), not inline styles.
     */
    retailApplyTierBadgeStyles() {
        let sheet = document.getElementById(TIER_BADGE_STYLESHEET_ID);
        if (!sheet) {
            sheet = document.createElement("style");
            sheet.id = TIER_BADGE_STYLESHEET_ID;
            document.head.appendChild(sheet);
        }
        sheet.textContent = tierBadgeRules(
            this.models["retail.crm.tier"]?.getAll() || []
        );
    },
    /** Customers created at the till are recorded as joining in store. */
    editPartnerContext(partner) {
        return {
            ...super.editPartnerContext(...arguments),
            default_retail_join_channel: "store",
        };
    },
    /**
     * One card per member and program: concurrent look-ups of the same
     * member's card (setting the member and adding the first product at
     * once) share one request, else each creates a local card and the
     * order credits the points twice, on two cards.
     */
    fetchLoyaltyCard(programId, partnerId) {
        this.retailCardFetches = this.retailCardFetches || new Map();
        const key = `${programId}-${partnerId}`;
        if (!this.retailCardFetches.has(key)) {
            const promise = super.fetchLoyaltyCard(...arguments);
            this.retailCardFetches.set(key, promise);
            promise.finally(() => this.retailCardFetches.delete(key));
        }
        return this.retailCardFetches.get(key);
    },
    /**
     * Quick enrolment (instead of the back-office form): the new member is
     * loaded and set on the current order.
     */
    async retailEnrolMember() {
        const partnerId = await makeAwaitable(this.dialog, RetailEnrolDialog, {});
        if (!partnerId) {
            return false;
        }
        const [partner] = await this.data.searchRead("res.partner", [
            ["id", "=", partnerId],
        ]);
        if (partner) {
            this.get_order()?.set_partner(partner);
        }
        return partner;
    },
});
