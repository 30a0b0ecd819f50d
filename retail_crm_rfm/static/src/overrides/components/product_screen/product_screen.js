import {patch} from "@web/core/utils/patch";
import {ProductScreen} from "@point_of_sale/app/screens/product_screen/product_screen";
import {RfmSuggestions} from "@retail_crm_rfm/app/rfm_suggestions/rfm_suggestions";

patch(ProductScreen, {
    components: {...ProductScreen.components, RfmSuggestions},
});
