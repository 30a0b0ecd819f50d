import {useEffect} from "@odoo/owl";
import {patch} from "@web/core/utils/patch";
import {ProductScreen} from "@point_of_sale/app/screens/product_screen/product_screen";

patch(ProductScreen.prototype, {
    setup() {
        super.setup(...arguments);
        // whichever way the customer was set (list, scan, enrolment), the till
        // asks for a due privacy authorisation once they are on the order
        useEffect(
            (partner) => this.pos.privacyMaybePromptConsent(partner),
            () => [this.currentOrder?.get_partner()]
        );
    },
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
