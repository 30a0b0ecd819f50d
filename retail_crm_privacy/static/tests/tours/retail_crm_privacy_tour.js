import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as PartnerList from "@point_of_sale/../tests/tours/utils/partner_list_util";
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("RetailCrmPrivacyConsentTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            {
                content: "the cashier sees another salesperson's customer masked",
                trigger:
                    ".partner-list .partner-info:contains('Tour Consent Customer') .partner-line-email:contains('138****8000')",
            },
            PartnerList.clickPartnerOptions("Tour Consent Customer"),
            {
                content: "open the consent step",
                trigger: ".o-dropdown-item:contains('Consent')",
                run: "click",
            },
            {
                content: "grant marketing SMS",
                trigger: ".retail-consent-dialog .consent-purpose[data-purpose='Marketing SMS'] input",
                run: "click",
            },
            {
                content: "grant profiling",
                trigger:
                    ".retail-consent-dialog .consent-purpose[data-purpose='Profiling and personalised offers'] input",
                run: "click",
            },
            {
                content: "save the consent",
                trigger: ".modal .consent-confirm",
                run: "click",
            },
            {
                content: "the consent dialog is closed",
                trigger: "body:not(:has(.retail-consent-dialog))",
            },
        ].flat(),
});
