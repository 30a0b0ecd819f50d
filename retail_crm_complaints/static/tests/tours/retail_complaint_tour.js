import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import {registry} from "@web/core/registry";

// Loading the POS is slow on a busy machine: wait for its state (the login
// screen's button) with a bound that holds under load, never a delay.
function startPoSLoaded() {
    return Chrome.startPoS().map((step) => ({...step, timeout: 60000}));
}

// Syncing the paid order is the slow step under load: wait for its state (the
// receipt screen) with a bound that holds on a busy machine, never a delay.
function receiptShown() {
    return ReceiptScreen.isShown().map((step) => ({...step, timeout: 60000}));
}

function fileComplaint(category, severity, text) {
    return [
        {
            content: "the categories are loaded",
            trigger: `.retail-complaint-dialog .retail-complaint-category:has(option:contains('${category}'))`,
        },
        {
            content: `category ${category}`,
            trigger: ".retail-complaint-dialog .retail-complaint-category",
            run: `selectByLabel ${category}`,
        },
        {
            content: `severity ${severity}`,
            trigger: ".retail-complaint-dialog .retail-complaint-severity",
            run: `selectByLabel ${severity}`,
        },
        {
            content: "what the customer reports",
            trigger: ".retail-complaint-dialog .retail-complaint-description",
            run: `edit ${text}`,
        },
        {
            content: "record the complaint",
            trigger: ".modal .retail-complaint-confirm:not([disabled])",
            run: "click",
        },
        {
            content: "the ticket reference is shown",
            trigger: ".o_notification:contains('CMP/')",
        },
    ];
}

registry.category("web_tour.tours").add("RetailCrmComplaintTour", {
    steps: () =>
        [
            startPoSLoaded(),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("投诉顾客"),
            ProductScreen.addOrderline("Desk Organizer", "1"),
            // before payment: the order is linked once it is synced
            {
                content: "open the actions (any language)",
                trigger: ".product-screen .control-buttons button.more-btn",
                run: "click",
            },
            {
                content: "click the Complaint button",
                trigger: ".modal .control-buttons .o_retail_complaint_button",
                run: "click",
            },
            {
                content: "the dialog names the current order",
                trigger: ".retail-complaint-dialog .retail-complaint-order",
            },
            fileComplaint("产品质量", "高", "收银台发现包装破损"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            receiptShown(),
            // after payment, from the receipt
            {
                content: "complaint about the paid order",
                trigger: ".receipt-screen .o_retail_complaint_button",
                run: "click",
            },
            fileComplaint("产品质量", "紧急", "回家后发现少了配件"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
