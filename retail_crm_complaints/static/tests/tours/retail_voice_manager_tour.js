import {registry} from "@web/core/registry";

// A store manager's customer voice (zh_CN): NPS by store and month, then the
// unhappy answer of the store turned into a complaint ticket. Every step
// waits on the state of the screen, never on time.
registry.category("web_tour.tours").add("RetailVoiceManagerTour", {
    steps: () => [
        {
            content: "the store's row in the NPS and CSAT analysis",
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains('上海徐汇店')",
        },
        {
            content: "the store's NPS: (100 + 100 - 100) / 3",
            trigger: ".o_pivot tr:has(th:contains('上海徐汇店')) td:contains('33.33')",
        },
        {
            content: "the customer-voice menu",
            trigger: ".o_main_navbar .dropdown-toggle:contains('顾客之声')",
            run: "click",
        },
        {
            content: "the answers",
            trigger: ".o-dropdown--menu .dropdown-item:contains('问卷答卷')",
            run: "click",
        },
        {
            content: "the detractor's answer is marked",
            trigger:
                ".o_list_view .o_data_row.text-danger td.o_data_cell:contains('李娜')",
            run: "click",
        },
        {
            content: "its score",
            trigger: ".o_form_view .o_field_widget[name=retail_score]:contains('3')",
        },
        {
            content: "close the loop: open a complaint",
            trigger: ".o_form_statusbar button[name=action_retail_create_complaint]",
            run: "click",
        },
        {
            content: "the complaint ticket is open",
            trigger: ".o_breadcrumb .active:contains('CMP/')",
        },
        {
            content: "about the unhappy customer",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input",
        },
    ],
});
