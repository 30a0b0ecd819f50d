import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as PartnerList from "@point_of_sale/../tests/tours/utils/partner_list_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import {registry} from "@web/core/registry";

// Waits on the state of the till (its login button, the receipt screen) with
// a bound that holds on a busy machine, never on a delay.
function startPoSLoaded() {
    return Chrome.startPoS().map((step) => ({...step, timeout: 60000}));
}

function receiptShown() {
    return ReceiptScreen.isShown().map((step) => ({...step, timeout: 60000}));
}

// 老带新 at the till (zh_CN): enrol the new member, record who referred them
// (a wrong member number is refused, then the referrer is picked among the
// cashier's customers), sell the first purchase.
registry.category("web_tour.tours").add("RetailCrmReferralTour", {
    steps: () =>
        [
            startPoSLoaded(),
            {
                content: "quick enrolment from the order screen",
                trigger: ".product-screen .retail-enrol-button",
                run: "click",
            },
            {
                content: "the new member's mobile",
                trigger: ".retail-enrol-dialog .retail-enrol-mobile",
                run: "edit 137 0013-7002",
            },
            {
                content: "the new member's name",
                trigger: ".retail-enrol-dialog .retail-enrol-name",
                run: "edit 赵敏",
            },
            {
                content: "enrol",
                trigger: ".modal .retail-enrol-confirm:not([disabled])",
                run: "click",
            },
            {
                content: "the new member is on the order, no referrer yet",
                trigger:
                    ".product-screen .retail-member-card:contains('赵敏') .retail-referral-button",
                run: "click",
            },
            {
                content: "a member number nobody has",
                trigger: ".retail-referral-dialog .retail-referral-code",
                run: "edit M99999999",
            },
            {
                content: "save",
                trigger: ".modal .retail-referral-confirm:not([disabled])",
                run: "click",
            },
            {
                content: "refused, in Chinese",
                trigger:
                    ".retail-referral-dialog .retail-referral-error:contains('M99999999')",
            },
            {
                content: "pick the referrer among the customers",
                trigger:
                    ".retail-referral-dialog .retail-referral-pick:not([disabled])",
                run: "click",
            },
            PartnerList.clickPartner("推荐人张伟"),
            {
                content: "the order screen shows who referred the new member",
                trigger:
                    ".product-screen .retail-member-card:contains('赵敏') .retail-member-card-referrer:contains('M')",
            },
            {
                content: "the dialog is gone",
                trigger: "body:not(:has(.retail-referral-dialog))",
            },
            ProductScreen.addOrderline("Referral Tour Product", "1"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            receiptShown(),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
