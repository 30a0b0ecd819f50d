import {Component, onWillStart, useState} from "@odoo/owl";
import {Dialog} from "@web/core/dialog/dialog";
import {usePos} from "@point_of_sale/app/store/pos_hook";

/**
 * Privacy authorisation at the till (隐私授权): the policy version and one
 * checkbox per purpose, saved through one ORM call (append-only history,
 * source "pos"). Confirming is the customer's answer for every purpose shown:
 * unticked purposes are recorded as refused, grants under an older policy
 * version are renewed, so the till does not ask again.
 */
export class ConsentDialog extends Component {
    static template = "retail_crm_privacy.ConsentDialog";
    static components = {Dialog};
    static props = {
        partner: Object,
        close: Function,
        prompt: {type: Boolean, optional: true},
    };

    setup() {
        this.pos = usePos();
        this.state = useState({purposes: [], policyVersion: "", saving: false});
        onWillStart(async () => {
            const result = await this.pos.data.call(
                "res.partner",
                "privacy_pos_get_consents",
                [this.props.partner.id]
            );
            this.state.policyVersion = result.policy_version;
            this.state.purposes = result.purposes;
        });
    }

    get needsRenewal() {
        return this.state.purposes.some((purpose) => purpose.renew);
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
        try {
            await this.pos.data.call(
                "res.partner",
                "privacy_pos_set_consents",
                [this.props.partner.id, values, this.pos.config.id],
                {answered: true}
            );
        } finally {
            this.state.saving = false;
        }
        this.pos.privacyConsentAnswered(this.props.partner);
        this.props.close();
    }

    skip() {
        this.props.close();
    }
}
