import {Component, onWillStart, useState} from "@odoo/owl";
import {Dialog} from "@web/core/dialog/dialog";
import {usePos} from "@point_of_sale/app/store/pos_hook";

/**
 * Quick enrolment at the till: mobile, name, optional birthday and, with the
 * privacy addon, the consent checkboxes. The server checks everything
 * (CN mobile normalisation, one member per mobile) in one transaction.
 */
export class RetailEnrolDialog extends Component {
    static template = "retail_crm_loyalty.RetailEnrolDialog";
    static components = {Dialog};
    static props = {close: Function, getPayload: Function};

    setup() {
        this.pos = usePos();
        this.state = useState({
            mobile: "",
            name: "",
            birthday: "",
            purposes: [],
            error: "",
            saving: false,
        });
        onWillStart(async () => {
            if (this.pos.privacyEnrolmentPurposes) {
                this.state.purposes = await this.pos.privacyEnrolmentPurposes();
            }
        });
    }

    toggle(purpose, ev) {
        purpose.granted = ev.target.checked;
    }

    async confirm() {
        this.state.error = "";
        this.state.saving = true;
        const consents = {};
        for (const purpose of this.state.purposes) {
            consents[purpose.id] = purpose.granted;
        }
        try {
            const partnerId = await this.pos.data.call(
                "res.partner",
                "retail_pos_enrol",
                [
                    {
                        mobile: this.state.mobile,
                        name: this.state.name,
                        birthday: this.state.birthday || false,
                    },
                ],
                {consents, config_id: this.pos.config.id}
            );
            this.props.getPayload(partnerId);
            this.props.close();
        } catch (error) {
            // the server's check, translated (mobile taken, not a mobile, ...)
            this.state.error = error?.data?.message || error?.message || String(error);
        } finally {
            this.state.saving = false;
        }
    }
}
