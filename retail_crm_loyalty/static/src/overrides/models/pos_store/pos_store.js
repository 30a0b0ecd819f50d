import { patch } from "@web/core/utils/patch";
import { PosStore } from "@point_of_sale/app/store/pos_store";

patch(PosStore.prototype, {
    /** Customers created at the till are recorded as joining in store. */
    editPartnerContext(partner) {
        return {
            ...super.editPartnerContext(...arguments),
            default_retail_join_channel: "store",
        };
    },
});
