import {patch} from "@web/core/utils/patch";
import {ReceiptScreen} from "@point_of_sale/app/screens/receipt_screen/receipt_screen";

patch(ReceiptScreen.prototype, {
    /** A complaint about the order just paid, from its receipt. */
    async clickRetailComplaint() {
        return await this.pos.retailRecordComplaint(this.currentOrder);
    },
});
