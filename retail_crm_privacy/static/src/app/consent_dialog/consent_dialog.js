import { Component, onWillStart, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { usePos } from "@point_of_sale/app/store/pos_hook";

/**
 * Consent step at the till: one checkbox per purpose, saved through one ORM
 * call that records only the changes (append-only history, source "pos").
 */
export class ConsentDialog extends Component {
    static template = "retail_crm_privacy.ConsentDialog";
    static components = { Dialog };
    static props = { partner: Object, close: Function };

    setup() {
        this.pos = usePos();
        this.state = useState({ purposes: [], saving: false });
        onWillStart(async () => {
            this.state.purposes = await this.pos.data.call(
                "res.partner",
                "privacy_pos_get_consents",
                [this.props.partner.id]
            );
        });
    }

    toggle(purpose, ev) {
        purpose.granted = ev.target.checked;
    }

    async confirm() {
        this.state.saving = true;
        const values = {};
        for (const purpose of this.state.purposes) {
            values[purpose.id] = purpose.granted;
        }
        await this.pos.data.call("res.partner", "privacy_pos_set_consents", [
            this.props.partner.id,
            values,
            this.pos.config.id,
        ]);
        this.props.close();
    }
}
