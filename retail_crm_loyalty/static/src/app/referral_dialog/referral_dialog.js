import {Component, useState} from "@odoo/owl";
import {Dialog} from "@web/core/dialog/dialog";
import {usePos} from "@point_of_sale/app/store/pos_hook";
import {makeAwaitable} from "@point_of_sale/app/store/make_awaitable_dialog";
import {PartnerList} from "@point_of_sale/app/screens/partner_list/partner_list";

/**
 * Who referred the selected new member (老带新): the member number the
 * referrer shows (typed or scanned) or a customer picked in the till's list.
 * The server checks the cashier's rights and the referral rules.
 */
export class RetailReferralDialog extends Component {
    static template = "retail_crm_loyalty.RetailReferralDialog";
    static components = {Dialog};
    static props = {close: Function, getPayload: Function, member: Object};

    setup() {
        this.pos = usePos();
        this.state = useState({code: "", error: "", saving: false});
    }

    async save(kwargs) {
        this.state.error = "";
        this.state.saving = true;
        try {
            const result = await this.pos.data.call(
                "res.partner",
                "retail_pos_set_referrer",
                [this.props.member.id],
                kwargs
            );
            this.props.member.update({retail_referrer_code: result.referrer_code});
            this.props.getPayload(result);
            this.props.close();
        } catch (error) {
            // the server's check, translated (no such member, loop, ...)
            this.state.error = error?.data?.message || error?.message || String(error);
        } finally {
            this.state.saving = false;
        }
    }

    confirm() {
        return this.save({referrer_code: this.state.code.trim()});
    }

    async pickCustomer() {
        const referrer = await makeAwaitable(this.env.services.dialog, PartnerList, {
            partner: null,
            getPayload: () => {},
        });
        if (referrer) {
            await this.save({referrer_id: referrer.id});
        }
    }
}
