import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import {registry} from "@web/core/registry";

// Loading the POS is slow on a busy machine: wait for its state (the login
// screen's button) with a bound that holds under load, never a delay.
function startPoSLoaded() {
    return Chrome.startPoS().map((step) => ({...step, timeout: 60000}));
}

registry.category("web_tour.tours").add("RetailCrmRfmCrossSellTour", {
    steps: () =>
        [
            startPoSLoaded(),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("王芳 会员"),
            {
                content: "the member's suggestions are shown, the tie first",
                trigger: ".rfm-suggestions .rfm-suggestion:first:contains('真丝领带')",
                timeout: 30000,
            },
            {
                content: "the shirt the member already bought is not suggested",
                trigger: ".rfm-suggestions:not(:contains('白衬衫'))",
            },
            {
                content: "one tap adds the suggestion to the order",
                trigger: ".rfm-suggestions .rfm-suggestion:contains('真丝领带')",
                run: "click",
            },
            ProductScreen.selectedOrderlineHas("真丝领带", "1"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("王芳芳"),
            {
                content: "another member who bought nothing gets no suggestions",
                trigger: ".product-screen:not(:has(.rfm-suggestions))",
            },
        ].flat(),
});
