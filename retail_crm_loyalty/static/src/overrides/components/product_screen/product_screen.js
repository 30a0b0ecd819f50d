import {patch} from "@web/core/utils/patch";
import {ProductScreen} from "@point_of_sale/app/screens/product_screen/product_screen";
import {RetailMemberCard} from "@retail_crm_loyalty/app/member_card/member_card";

patch(ProductScreen, {
    components: {...ProductScreen.components, RetailMemberCard},
});

patch(ProductScreen.prototype, {
    async clickRetailEnrol() {
        await this.pos.retailEnrolMember();
    },
});
