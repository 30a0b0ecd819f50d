import {useEffect} from "@odoo/owl";
import {patch} from "@web/core/utils/patch";
import {PartnerList} from "@point_of_sale/app/screens/partner_list/partner_list";

patch(PartnerList.prototype, {
    setup() {
        super.setup(...arguments);
        this.state.privacyQuery = "";
        this.state.privacyFoundIds = [];
        // a full mobile number or a member code typed (or scanned into the
        // search box) is looked up on the server at once
        useEffect(
            (query) => {
                if (this.privacyLooksExact(query)) {
                    this.privacyLookup(query);
                }
            },
            () => [this.state.query]
        );
    },
    privacyLooksExact(query) {
        const compact = (query || "").replace(/[\s\-()]/g, "");
        return (
            (compact.replace(/\D/g, "").length >= 8 && /^\+?\d+$/.test(compact)) ||
            /^[A-Za-z]+\d{4,}$/.test(compact)
        );
    },
    async privacyLookup(query) {
        const found = await this.pos.privacyLookupPartners(query);
        if (this.state.query === query) {
            this.state.privacyQuery = query;
            this.state.privacyFoundIds = found.map((partner) => partner.id);
        }
        return found;
    },
    async getNewPartners() {
        const result = await super.getNewPartners(...arguments);
        const found = await this.privacyLookup(this.state.query);
        return [...found.filter((partner) => !result.includes(partner)), ...result];
    },
    getPartners() {
        const partners = super.getPartners(...arguments);
        if (!this.state.query || this.state.privacyQuery !== this.state.query) {
            return partners;
        }
        const found = this.state.privacyFoundIds
            .map((id) => this.pos.models["res.partner"].get(id))
            .filter((partner) => partner && !partners.includes(partner));
        return [...found, ...partners];
    },
});
