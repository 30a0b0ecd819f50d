import {patch} from "@web/core/utils/patch";
import {PosStore} from "@point_of_sale/app/store/pos_store";
import {ConsentDialog} from "@retail_crm_privacy/app/consent_dialog/consent_dialog";

patch(PosStore.prototype, {
    async setup() {
        // customers the cashier already asked in this session ("Not now")
        this.privacyPromptedIds = new Set();
        return await super.setup(...arguments);
    },
    /**
     * Ask for the privacy authorisation of a customer selected at the till
     * when the server says it is due (``privacy_consent_prompt``: renewal
     * after a policy change, or no decision on a marketing purpose), once
     * per customer and session.
     */
    privacyMaybePromptConsent(partner) {
        if (
            !partner?.privacy_consent_prompt ||
            this.privacyPromptedIds.has(partner.id)
        ) {
            return;
        }
        this.privacyPromptedIds.add(partner.id);
        this.dialog.add(ConsentDialog, {partner, prompt: true});
    },
    /** Purposes asked when a member is enrolled at the till (loyalty's dialog). */
    async privacyEnrolmentPurposes() {
        const result = await this.data.call("res.partner", "privacy_pos_get_consents", [
            false,
        ]);
        return result.purposes;
    },
    /** The customer answered: the till does not ask again. */
    privacyConsentAnswered(partner) {
        partner.privacy_consent_prompt = false;
        this.privacyPromptedIds.add(partner.id);
    },
    async editPartner(partner) {
        const result = await super.editPartner(...arguments);
        if (result && this.config.privacy_consent_step) {
            this.privacyPromptedIds.add(result.id);
            this.dialog.add(ConsentDialog, {partner: result});
        }
        return result;
    },
    /**
     * Exact member lookup on the server: full mobile in any spelling,
     * member number or member code. The customers come back through the
     * normal read, masked unless they are the cashier's own.
     */
    async privacyLookupPartners(query) {
        if (!query || !query.trim()) {
            return [];
        }
        const ids = await this.data.call("res.partner", "privacy_pos_lookup", [query]);
        if (!ids.length) {
            return [];
        }
        return await this.data.searchRead("res.partner", [["id", "in", ids]]);
    },
});
