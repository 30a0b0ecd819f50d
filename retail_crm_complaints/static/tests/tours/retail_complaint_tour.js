import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as TextInputPopup from "@point_of_sale/../tests/tours/utils/text_input_popup_util";
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("RetailCrmComplaintTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Complaint Customer"),
            ProductScreen.addOrderline("Desk Organizer", "1"),
            ProductScreen.clickControlButtonMore(),
            {
                content: "click the Complaint button",
                trigger: ".modal .control-buttons .o_retail_complaint_button",
                run: "click",
            },
            TextInputPopup.inputText("Box was torn at the till"),
            Dialog.confirm(),
            {
                content: "the ticket reference is shown",
                trigger: ".o_notification:contains('Complaint CMP/')",
            },
        ].flat(),
});
