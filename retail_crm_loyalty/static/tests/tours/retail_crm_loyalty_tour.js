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

registry.category("web_tour.tours").add("RetailCrmLoyaltyTierTour", {
    steps: () =>
        [
            startPoSLoaded(),
            ProductScreen.clickPartnerButton(),
            {
                content:
                    "the member shows the tier badge and the progress to the next tier",
                trigger:
                    ".partner-info:contains('Tier Tour Member') .retail-tier-badge:contains('普通会员')",
            },
            {
                content:
                    "the badge takes its tier's colour from the tier rules, with readable text (no inline style)",
                trigger:
                    ".partner-info:contains('Tier Tour Member') .retail-tier-badge[data-retail-tier]",
                run: function () {
                    const badge = this.anchor;
                    const style = getComputedStyle(badge);
                    // Normal is #8C8C8C: black text reads better on it than the default white
                    if (badge.getAttribute("style")) {
                        throw new Error("the tier badge has an inline style");
                    }
                    if (
                        style.backgroundColor !== "rgb(140, 140, 140)" ||
                        style.color !== "rgb(0, 0, 0)"
                    ) {
                        throw new Error(
                            `tier badge colours: ${style.backgroundColor} on ${style.color}`
                        );
                    }
                },
            },
            {
                content: "progress to Silver is shown",
                trigger:
                    ".partner-info:contains('Tier Tour Member') .retail-tier-progress:contains('银卡')",
            },
            ProductScreen.clickCustomer("Tier Tour Member"),
            ProductScreen.addOrderline("Tier Tour Product", "1"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            receiptShown(),
            {
                content: "the receipt shows the upgrade",
                trigger: ".pos-receipt .retail-upgrade:contains('银卡')",
            },
            {
                content: "the receipt shows the new tier",
                trigger: ".pos-receipt .retail-receipt-tier:contains('银卡')",
            },
            {
                content: "the receipt shows the progress to Gold",
                trigger: ".pos-receipt .retail-receipt-progress:contains('金卡')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("RetailCrmLoyaltyMultiplierTour", {
    steps: () =>
        [
            startPoSLoaded(),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Multiplier Member"),
            ProductScreen.addOrderline("Multiplier Product", "1"),
            {
                content:
                    "the till shows the points multiplied by the member's tier (10 x 2)",
                trigger: ".loyalty-points-won:contains('+20')",
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            receiptShown(),
            {
                content: "the receipt shows the member's balance after the order",
                trigger: ".pos-receipt .retail-receipt-points:contains('20')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("RetailCrmLoyaltyEnrolTour", {
    steps: () =>
        [
            startPoSLoaded(),
            {
                content: "quick enrolment from the order screen",
                trigger: ".product-screen .retail-enrol-button",
                run: "click",
            },
            {
                content: "type the mobile with spaces and dashes",
                trigger: ".retail-enrol-dialog .retail-enrol-mobile",
                run: "edit 138 0013-8999",
            },
            {
                content: "type the name",
                trigger: ".retail-enrol-dialog .retail-enrol-name",
                run: "edit 王小明",
            },
            {
                content: "birthday",
                trigger: ".retail-enrol-dialog .retail-enrol-birthday",
                run() {
                    // a date input takes its value as a whole, not typed
                    this.anchor.value = "1990-05-01";
                    this.anchor.dispatchEvent(new Event("input", {bubbles: true}));
                },
            },
            {
                content:
                    "the customer authorises marketing SMS (with the privacy addon)",
                trigger: ".retail-enrol-dialog .retail-enrol-birthday",
                run() {
                    // the purposes are loaded before the dialog is shown
                    document
                        .querySelector(
                            ".retail-enrol-dialog .consent-purpose[data-purpose='marketing_sms'] input"
                        )
                        ?.click();
                },
            },
            {
                content: "enrol",
                trigger: ".modal .retail-enrol-confirm:not([disabled])",
                run: "click",
            },
            {
                content:
                    "the new member is on the order with tier, number, points and progress",
                trigger:
                    ".product-screen .retail-member-card:contains('王小明') .retail-member-card-tier:contains('普通会员')",
            },
            {
                content: "member number shown",
                trigger: ".retail-member-card .retail-member-card-number:contains('M')",
            },
            {
                content: "progress to the next tier",
                trigger:
                    ".retail-member-card .retail-member-card-progress:contains('银卡') progress",
            },
            ProductScreen.addOrderline("Tier Tour Product", "1"),
            {
                content: "the order screen shows the upgrade this order brings",
                trigger:
                    ".retail-member-card .retail-member-card-upgrade:contains('银卡')",
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            receiptShown(),
            {
                content: "the receipt shows the upgrade",
                trigger: ".pos-receipt .retail-upgrade:contains('银卡')",
            },
            {
                content: "the receipt shows the new tier",
                trigger: ".pos-receipt .retail-receipt-tier:contains('银卡')",
            },
            {
                content: "the receipt shows the points balance after the order",
                trigger:
                    ".pos-receipt .retail-receipt-points:contains('300'):not(:contains('600'))",
            },
            {
                content: "the receipt carries the member code",
                trigger:
                    ".pos-receipt .retail-member-code[src*='/report/barcode/Code128/M']",
            },
            ReceiptScreen.clickNextOrder(),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("王小明"),
            {
                content:
                    "selected again, the member shows the new tier on the order screen",
                trigger:
                    ".retail-member-card .retail-member-card-tier:contains('银卡')",
            },
            {
                content: "and the points balance",
                trigger:
                    ".retail-member-card .retail-member-card-points:contains('300'):not(:contains('600'))",
            },
        ].flat(),
});
