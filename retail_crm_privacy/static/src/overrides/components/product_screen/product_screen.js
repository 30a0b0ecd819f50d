import { useEffect } from "@odoo/owl";
import { patch } from "@web/core/utils/patch";
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";

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
});
