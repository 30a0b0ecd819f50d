import { patch } from "@web/core/utils/patch";
import { makeAwaitable } from "@point_of_sale/app/store/make_awaitable_dialog";
import { RetailMemberCard } from "@retail_crm_loyalty/overrides/components/member_card/member_card";
import { RetailReferralDialog } from "@retail_crm_loyalty/referral/referral_dialog";

patch(RetailMemberCard.prototype, {
    /** Record who referred the member shown on the order screen. */
    async clickRetailReferrer() {
        await makeAwaitable(this.env.services.dialog, RetailReferralDialog, {
            member: this.props.partner,
        });
    },
});
