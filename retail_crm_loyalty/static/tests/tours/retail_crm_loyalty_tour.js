import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("RetailCrmLoyaltyTierTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            {
                content: "the member shows the tier badge and the progress to the next tier",
                trigger: ".partner-info:contains('Tier Tour Member') .retail-tier-badge:contains('Normal')",
            },
            {
                content: "progress to Silver is shown",
                trigger: ".partner-info:contains('Tier Tour Member') .retail-tier-progress:contains('Silver')",
            },
            ProductScreen.clickCustomer("Tier Tour Member"),
            ProductScreen.addOrderline("Tier Tour Product", "1"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the receipt shows the upgrade",
                trigger: ".pos-receipt .retail-upgrade:contains('Silver')",
            },
            {
                content: "the receipt shows the new tier",
                trigger: ".pos-receipt .retail-receipt-tier:contains('Silver')",
            },
            {
                content: "the receipt shows the progress to Gold",
                trigger: ".pos-receipt .retail-receipt-progress:contains('Gold')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("RetailCrmLoyaltyMultiplierTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Multiplier Member"),
            ProductScreen.addOrderline("Multiplier Product", "1"),
            {
                content: "the till shows the points multiplied by the member's tier (10 x 2)",
                trigger: ".loyalty-points-won:contains('+20')",
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the receipt shows the member's balance after the order",
                trigger: ".pos-receipt .retail-receipt-points:contains('20')",
            },
        ].flat(),
});
