import {patch} from "@web/core/utils/patch";
import {ControlButtons} from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";

patch(ControlButtons.prototype, {
    async clickRetailComplaint() {
        return await this.pos.retailRecordComplaint(this.pos.get_order());
    },
});
