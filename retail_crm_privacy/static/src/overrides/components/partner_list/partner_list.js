import { useEffect } from "@odoo/owl";
import { patch } from "@web/core/utils/patch";
import { PartnerList } from "@point_of_sale/app/screens/partner_list/partner_list";
import { PosStore } from "@point_of_sale/app/store/pos_store";
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";

patch(PosStore.prototype, {
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

patch(ProductScreen.prototype, {
    async _getPartnerByBarcode(code) {
        const partner = await super._getPartnerByBarcode(...arguments);
        if (partner) {
            return partner;
        }
        const found = await this.pos.privacyLookupPartners(code.code);
        return found.length === 1 ? found[0] : false;
    },
    async _barcodeProductAction(code) {
        // a scanned member code is not a product: set the member instead
        const product = await this._getProductByBarcode(code);
        if (!product) {
            const found = await this.pos.privacyLookupPartners(code.code);
            if (found.length === 1) {
                this.currentOrder.set_partner(found[0]);
                return;
            }
        }
        return await super._barcodeProductAction(...arguments);
    },
});
