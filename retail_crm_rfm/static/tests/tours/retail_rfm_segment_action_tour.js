import {registry} from "@web/core/registry";

// A store manager acts on a segment from the RFM dashboard (zh_CN): the
// champions' card, the segment action with its recommended step (activities
// for the salespersons), the result and the link to what it created. Every
// step waits on the state of the screen, never on time.
registry.category("web_tour.tours").add("RetailRfmSegmentActionTour", {
    steps: () => [
        {
            content: "the dashboard shows the champions and their average spend",
            trigger: ".o_kanban_record:contains('重要价值'):contains('2,500.00')",
        },
        {
            content: "act on the champions",
            trigger:
                ".o_kanban_record:contains('重要价值') button[name=action_segment_action]",
            run: "click",
        },
        {
            content: "the segment's recommended step is chosen",
            trigger:
                ".modal .o_field_widget[name=action_type] input[data-value=activity]:checked",
        },
        {
            content: "the customers it will reach",
            trigger: ".modal .o_field_widget[name=target_count]:contains('4')",
        },
        {
            content: "what the salespersons will do",
            trigger: ".modal .o_field_widget[name=activity_summary] input",
            run: "edit 回访重要价值顾客",
        },
        {
            content: "run the action",
            trigger: ".modal .modal-footer button[name=action_apply]",
            run: "click",
        },
        {
            content: "the result is announced",
            trigger: ".o_notification:contains('已安排 4 个活动')",
        },
        {
            content: "the result links to what it created",
            trigger: ".o_breadcrumb:contains('已安排的活动')",
        },
        {
            content: "the four activities are listed",
            trigger:
                ".o_list_view .o_data_row:nth-child(4):contains('回访重要价值顾客')",
        },
    ],
});
