import {Component, useEffect, useState} from "@odoo/owl";
import {usePos} from "@point_of_sale/app/store/pos_hook";

/**
 * R8: the top three cross-sell suggestions for the member selected in the
 * order, one tap adds the product. The server returns only the product ids,
 * names and lifts of that one member (nothing for a customer who refused
 * profiling).
 */
export class RfmSuggestions extends Component {
    static template = "retail_crm_rfm.RfmSuggestions";
    static props = {partnerId: Number};

    setup() {
        this.pos = usePos();
        this.state = useState({partnerId: false, suggestions: []});
        useEffect(
            (partnerId) => {
                this.load(partnerId);
            },
            () => [this.props.partnerId]
        );
    }

    async load(partnerId) {
        this.state.partnerId = false;
        this.state.suggestions = [];
        let rows = [];
        try {
            rows = await this.pos.data.call("res.partner", "rfm_pos_suggestions", [
                partnerId,
            ]);
        } catch {
            rows = []; // offline or no right: the till works without suggestions
        }
        if (this.props.partnerId !== partnerId) {
            return; // another member was selected meanwhile
        }
        this.state.suggestions = rows.filter((row) =>
            this.pos.models["product.product"].get(row.product_id)
        );
        this.state.partnerId = partnerId;
    }

    async add(row) {
        const product = this.pos.models["product.product"].get(row.product_id);
        if (product) {
            await this.pos.addLineToCurrentOrder({product_id: product}, {});
        }
    }
}
