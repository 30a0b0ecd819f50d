import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as PartnerList from "@point_of_sale/../tests/tours/utils/partner_list_util";
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

function lookUp(query) {
    // A full number or member code is looked up on the server once the
    // search box's (debounced) query is applied. The list shown before it
    // may already hold the member, and a step waiting for the member would
    // then pass before the query is applied: first empty the list with a
    // query that finds nobody, so that the next step waits on the lookup.
    return [
        {
            content: "a query that finds nobody",
            trigger: ".modal-dialog .input-group input",
            run: "edit 无此顾客",
        },
        {
            content: "the list is empty",
            trigger: ".partner-list:not(:has(.partner-info))",
        },
        typeQuery(query),
    ];
}

function typeQuery(query) {
    return {
        content: `type "${query}" in the customer search`,
        trigger: ".modal-dialog .input-group input",
        run: `edit ${query}`,
    };
}

registry.category("web_tour.tours").add("RetailCrmPrivacyLookupTour", {
    steps: () =>
        [
            startPoSLoaded(),
            ProductScreen.clickPartnerButton(),
            lookUp("+86 139-0013-9000"),
            {
                content:
                    "found by the full mobile, shown masked (another salesperson's member)",
                trigger:
                    ".partner-list .partner-info:contains('Tour Other Member') .partner-line-email:contains('139****9000')",
            },
            // the member is listed: the step below waits for the query
            typeQuery("139 0013"),
            {
                content: "a partial number finds nobody",
                trigger:
                    ".partner-list:not(:has(.partner-info:contains('Tour Other Member')))",
            },
            lookUp("139 0013 9000"),
            {
                content: "found with spaces too",
                trigger: ".partner-list .partner-info:contains('Tour Other Member')",
            },
            lookUp("M20260042"),
            {
                content: "found by the member code",
                trigger: ".partner-list .partner-info:contains('Tour Other Member')",
            },
            PartnerList.clickPartner("Tour Other Member"),
            ProductScreen.customerIsSelected("Tour Other Member"),
            ProductScreen.addOrderline("Desk Organizer", "1"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            receiptShown(),
        ].flat(),
});

registry.category("web_tour.tours").add("RetailCrmPrivacyConsentTour", {
    steps: () =>
        [
            startPoSLoaded(),
            ProductScreen.clickPartnerButton(),
            {
                content: "the cashier sees another salesperson's customer masked",
                trigger:
                    ".partner-list .partner-info:contains('Tour Other Member') .partner-line-email:contains('139****9000')",
            },
            {
                content: "and their own customer in clear",
                trigger:
                    ".partner-list .partner-info:contains('Tour Consent Customer') .partner-line-email:contains('+8613800138000')",
            },
            PartnerList.clickPartnerOptions("Tour Consent Customer"),
            {
                content: "open the privacy authorisation",
                trigger: ".o-dropdown-item.retail-consent-item",
                run: "click",
            },
            {
                content: "grant marketing SMS",
                trigger:
                    ".retail-consent-dialog .consent-purpose[data-purpose='marketing_sms'] input",
                run: "click",
            },
            {
                content: "profiling is opt-out: ticked while undecided",
                trigger:
                    ".retail-consent-dialog .consent-purpose[data-purpose='profiling'] input:checked",
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

function openAuthorisation(name) {
    return [
        PartnerList.clickPartnerOptions(name),
        {
            content: "open the privacy authorisation",
            trigger: ".o-dropdown-item.retail-consent-item",
            run: "click",
        },
        {
            content: "the purposes are loaded",
            trigger: ".retail-consent-dialog .consent-purpose",
        },
    ];
}

function consentDialogClosed() {
    return {
        content: "the authorisation dialog is closed",
        trigger: "body:not(:has(.retail-consent-dialog))",
    };
}

registry.category("web_tour.tours").add("RetailCrmPrivacyPromptTour", {
    steps: () =>
        [
            startPoSLoaded(),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("续签会员"),
            {
                content:
                    "the till asks for the renewal, with the policy version, in the store's words",
                trigger:
                    ".modal:has(.retail-consent-dialog) .modal-title:contains('隐私授权')",
            },
            {
                content: "the current policy version is shown",
                trigger:
                    ".retail-consent-dialog .retail-consent-version-number:contains('2.0')",
            },
            {
                content: "the SMS grant given under the old version is to renew",
                trigger:
                    ".retail-consent-dialog .consent-purpose[data-purpose='marketing_sms']:has(.consent-renew-badge) input:checked",
            },
            {
                content: "the customer also authorises e-mail",
                trigger:
                    ".retail-consent-dialog .consent-purpose[data-purpose='marketing_email'] input",
                run: "click",
            },
            {
                content: "save the authorisation",
                trigger: ".modal .consent-confirm:contains('保存授权')",
                run: "click",
            },
            consentDialogClosed(),
            ProductScreen.customerIsSelected("续签会员"),
            // select someone else and the member again: no second prompt
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("另一位顾客"),
            ProductScreen.customerIsSelected("另一位顾客"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("续签会员"),
            ProductScreen.customerIsSelected("续签会员"),
            ProductScreen.addOrderline("Desk Organizer", "1"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            receiptShown(),
            {
                content: "the member answered: the till did not ask again",
                trigger: ".receipt-screen:not(:has(.retail-consent-dialog))",
            },
            ReceiptScreen.clickNextOrder(),
            // withdrawal at the till
            ProductScreen.clickPartnerButton(),
            openAuthorisation("续签会员"),
            {
                content: "the SMS authorisation is live",
                trigger:
                    ".retail-consent-dialog .consent-purpose[data-purpose='marketing_sms']:not(:has(.consent-renew-badge)) input:checked",
            },
            {
                content: "the customer withdraws marketing SMS",
                trigger:
                    ".retail-consent-dialog .consent-purpose[data-purpose='marketing_sms'] input",
                run: "click",
            },
            {
                content: "save the withdrawal",
                trigger: ".modal .consent-confirm",
                run: "click",
            },
            consentDialogClosed(),
        ].flat(),
});
