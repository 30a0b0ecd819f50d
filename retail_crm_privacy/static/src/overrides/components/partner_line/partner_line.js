import {patch} from "@web/core/utils/patch";
import {useService} from "@web/core/utils/hooks";
import {PartnerLine} from "@point_of_sale/app/screens/partner_list/partner_line/partner_line";
import {ConsentDialog} from "@retail_crm_privacy/app/consent_dialog/consent_dialog";

patch(PartnerLine.prototype, {
    setup() {
        super.setup(...arguments);
        this.dialogService = useService("dialog");
    },
    openConsent(partner) {
        this.dialogService.add(ConsentDialog, {partner});
    },
});
