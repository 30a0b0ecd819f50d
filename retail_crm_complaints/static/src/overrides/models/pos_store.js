import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";
import {PosStore} from "@point_of_sale/app/store/pos_store";
import {makeAwaitable} from "@point_of_sale/app/store/make_awaitable_dialog";
import {RetailComplaintDialog} from "@retail_crm_complaints/app/complaint_dialog/complaint_dialog";

patch(PosStore.prototype, {
    /**
     * Record a complaint about ``order`` (the current order, paid or not):
     * the server routes it by category and links the order, at once when it
     * is synced, else as soon as it is (by its receipt number).
     */
    async retailRecordComplaint(order) {
        const answer = await makeAwaitable(this.dialog, RetailComplaintDialog, {
            orderName: order && !order.is_empty() ? order.name : "",
        });
        if (!answer) {
            return false;
        }
        const linked = order && !order.is_empty();
        const partner = order?.get_partner();
        const vals = {
            ...answer,
            config_id: this.config.id,
            partner_id: partner ? partner.id : false,
            pos_reference: linked ? order.name : false,
            order_id: linked && typeof order.id === "number" ? order.id : false,
            product_ids: linked
                ? order.lines
                      .map((line) => line.product_id?.id)
                      .filter((id) => typeof id === "number")
                : [],
        };
        const result = await this.data.call("retail.crm.complaint", "create_from_pos", [
            vals,
        ]);
        this.notification.add(_t("Complaint %s recorded.", result.name), {
            type: "success",
        });
        return result;
    },
});
