import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { ControlButtons } from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";
import { TextInputPopup } from "@point_of_sale/app/utils/input_popups/text_input_popup";
import { makeAwaitable } from "@point_of_sale/app/store/make_awaitable_dialog";

patch(ControlButtons.prototype, {
    /**
     * Record a complaint for the current order and customer: the staff
     * member types what the customer says, the server creates the ticket
     * (routing and SLA included) and returns its reference.
     */
    async clickRetailComplaint() {
        const order = this.pos.get_order();
        const description = await makeAwaitable(this.dialog, TextInputPopup, {
            title: _t("Customer complaint or feedback"),
            placeholder: _t("What does the customer report?"),
            rows: 4,
        });
        if (!description || !description.trim()) {
            return;
        }
        const partner = order?.get_partner();
        const vals = {
            config_id: this.pos.config.id,
            partner_id: partner ? partner.id : false,
            description: description,
            pos_reference: order?.pos_reference || order?.name || false,
            order_id: typeof order?.id === "number" ? order.id : false,
            product_ids: (order?.lines || [])
                .map((line) => line.product_id?.id)
                .filter((id) => typeof id === "number"),
        };
        const result = await this.pos.data.call("retail.crm.complaint", "create_from_pos", [vals]);
        this.notification.add(_t("Complaint %s recorded.", result.name), { type: "success" });
        return result;
    },
});
