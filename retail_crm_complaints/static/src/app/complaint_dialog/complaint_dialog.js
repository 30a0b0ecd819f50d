import {Component, onWillStart, useState} from "@odoo/owl";
import {Dialog} from "@web/core/dialog/dialog";
import {usePos} from "@point_of_sale/app/store/pos_hook";

/**
 * A complaint recorded at the till: category (routes it to its team),
 * severity (its SLA) and what the customer reports.
 */
export class RetailComplaintDialog extends Component {
    static template = "retail_crm_complaints.RetailComplaintDialog";
    static components = {Dialog};
    static props = {
        close: Function,
        getPayload: Function,
        orderName: {type: String, optional: true},
    };

    setup() {
        this.pos = usePos();
        this.state = useState({
            categories: [],
            severities: [],
            categoryId: "",
            severity: "normal",
            description: "",
        });
        onWillStart(async () => {
            const options = await this.pos.data.call(
                "retail.crm.complaint",
                "pos_complaint_options",
                [this.pos.config.id]
            );
            this.state.categories = options.categories;
            this.state.severities = options.severities;
        });
    }

    get canConfirm() {
        return Boolean(this.state.description.trim() && this.state.categoryId);
    }

    confirm() {
        this.props.getPayload({
            category_id: parseInt(this.state.categoryId),
            severity: this.state.severity,
            description: this.state.description,
        });
        this.props.close();
    }
}
