import { patch } from "@web/core/utils/patch";
import { useService } from "@web/core/utils/hooks";
import { PartnerLine } from "@point_of_sale/app/screens/partner_list/partner_line/partner_line";
import { PosStore } from "@point_of_sale/app/store/pos_store";
import { ConsentDialog } from "@retail_crm_privacy/app/consent_dialog/consent_dialog";

patch(PartnerLine.prototype, {
    setup() {
        super.setup(...arguments);
        this.dialogService = useService("dialog");
    },
    openConsent(partner) {
        this.dialogService.add(ConsentDialog, { partner });
    },
});

patch(PosStore.prototype, {
    async editPartner(partner) {
        const result = await super.editPartner(...arguments);
        if (result && this.config.privacy_consent_step) {
            this.dialog.add(ConsentDialog, { partner: result });
        }
        return result;
    },
});
