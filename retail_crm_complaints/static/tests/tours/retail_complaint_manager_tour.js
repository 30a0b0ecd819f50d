import {registry} from "@web/core/registry";

// A store manager's complaint day in the backend (zh_CN): a ticket filed at
// the till is resolved with a compensation coupon and the result is sent; the
// customer rates it (by the link of the mail, see the rating tour); the
// manager then sees the rating and closes the ticket with its root cause.
// Every step waits on the state of the screen, never on time.

const SUBJECT = "收银台发现包装破损";

function openComplaint() {
    return [
        {
            content: "the ticket filed at the till is on the board",
            trigger: `.o_kanban_record:contains('${SUBJECT}')`,
            run: "click",
        },
        {
            content: "its form is open",
            trigger: ".o_form_view .o_field_widget[name=subject] input",
        },
    ];
}

function stageIs(label) {
    return {
        content: `the ticket is now ${label}`,
        trigger: `.o_statusbar_status .o_arrow_button_current:contains('${label}')`,
    };
}

function clickStage(label) {
    return [
        {
            content: `move the ticket to ${label}`,
            trigger: `.o_statusbar_status button:not(.o_arrow_button_current):contains('${label}')`,
            run: "click",
        },
        stageIs(label),
        {
            content: "the ticket is saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ];
}

registry.category("web_tour.tours").add("RetailComplaintManagerResolveTour", {
    steps: () =>
        [
            openComplaint(),
            clickStage("处理中"),
            {
                content: "the resolution tab",
                trigger: ".o_notebook .nav-link[name=resolution]",
                run: "click",
            },
            {
                content: "resolved by a compensation",
                trigger: ".o_field_widget[name=resolution_type] select",
                run: 'select "compensation"',
            },
            {
                content: "the coupon program of the compensation",
                trigger: ".o_field_widget[name=coupon_program_id] input",
                run: "edit 投诉补偿券",
            },
            {
                content: "pick it",
                trigger:
                    ".o_field_widget[name=coupon_program_id] .o-autocomplete--dropdown-menu li:contains('投诉补偿券')",
                run: "click",
            },
            {
                content: "the coupon value",
                trigger: ".o_field_widget[name=coupon_points] input",
                run: "edit 20",
            },
            {
                content: "what the customer will read",
                trigger: ".o_field_widget[name=resolution_note] textarea",
                run: "edit 非常抱歉，已为您补发配件并赠送优惠券。",
            },
            {
                content: "issue the coupon (the ticket is saved first)",
                trigger: ".o_form_statusbar button[name=action_issue_coupon]",
                run: "click",
            },
            {
                content: "the coupon code is shown",
                trigger: ".o_field_widget[name=coupon_code] span:not(:empty)",
            },
            {
                content: "the coupon cannot be issued twice",
                trigger:
                    ".o_form_view:not(:has(button[name=action_issue_coupon])) .o_form_statusbar",
            },
            {
                content: "send the result and the rating request",
                trigger: ".o_form_statusbar button[name=action_send_resolution]",
                run: "click",
            },
            {
                content: "the result was sent",
                trigger:
                    ".o_form_view:not(:has(button[name=action_send_resolution])) .o_field_widget[name=resolution_sent_date] span:not(:empty)",
            },
            clickStage("已解决"),
        ].flat(),
});

registry.category("web_tour.tours").add("RetailComplaintCustomerRatingTour", {
    steps: () => [
        {
            content: "the customer's score from the mail is selected",
            trigger: ".o_rating_page_submit label.o_rating_label.active",
        },
        {
            content: "a word from the customer",
            trigger: ".o_rating_page_submit textarea[name=feedback]",
            run: "edit 处理及时，很满意",
        },
        {
            content: "send",
            trigger: ".o_rating_page_submit button[type=submit]",
            run: "click",
        },
        {
            content: "thanked",
            trigger: ".o_rating_page_thank_you",
        },
    ],
});

registry.category("web_tour.tours").add("RetailComplaintManagerCloseTour", {
    steps: () =>
        [
            openComplaint(),
            stageIs("已解决"),
            {
                content: "the resolution tab",
                trigger: ".o_notebook .nav-link[name=resolution]",
                run: "click",
            },
            {
                content: "the customer's rating is shown",
                trigger: ".o_field_widget[name=rating_last_value]:contains('5')",
            },
            {
                content: "the customer's word is in the chatter",
                trigger: ".o-mail-Chatter .o-mail-Message:contains('处理及时，很满意')",
            },
            {
                content: "the root cause tab",
                trigger: ".o_notebook .nav-link[name=closed_loop]",
                run: "click",
            },
            {
                content: "the root cause",
                trigger: ".o_field_widget[name=root_cause_id] input",
                run: "edit 包装",
            },
            {
                content: "pick it",
                trigger:
                    ".o_field_widget[name=root_cause_id] .o-autocomplete--dropdown-menu li:contains('包装不牢')",
                run: "click",
            },
            {
                content: "the corrective action",
                trigger: ".o_field_widget[name=corrective_action] textarea",
                run: "edit 仓库改用加厚纸箱，门店收货时开箱检查",
            },
            clickStage("已关闭"),
        ].flat(),
});
