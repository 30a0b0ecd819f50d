"""Quick enrolment at the till (L6): the member's mobile, name and optional
birthday, checked by the member profile rules (CN mobile normalisation, one
member per mobile) in one transaction with the consents given."""

from odoo import api, models
from odoo.exceptions import AccessError, ValidationError


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def retail_pos_enrol(self, vals, consents=None, config_id=False):
        """Enrol a new member from the till and return their id.

        ``vals``: ``mobile``, ``name``, ``birthday`` (optional, YYYY-MM-DD).
        ``consents``: {purpose id: granted} recorded with the privacy addon
        (the customer's answer, source "pos"). The cashier who enrols the
        member becomes their salesperson."""
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(self.env._("Only point of sale users can enrol members at the till."))
        name = (vals.get("name") or "").strip()
        mobile = (vals.get("mobile") or "").strip()
        if not mobile:
            raise ValidationError(self.env._("Enter the member's mobile number."))
        if not name:
            raise ValidationError(self.env._("Enter the member's name."))
        config = self.env["pos.config"].browse(config_id).exists() if config_id else self.env["pos.config"]
        company = config.company_id or self.env.company
        create_vals = {
            "name": name,
            "mobile": mobile,
            "retail_birthday": vals.get("birthday") or False,
            "retail_is_member": True,
            "retail_join_channel": "store",
            "user_id": self.env.uid,
        }
        Partner = self.with_company(company)
        if not Partner.has_access("create"):
            # data minimisation rules of the privacy addon apply to the cashier
            if hasattr(Partner, "_privacy_check_collection"):
                Partner._privacy_check_collection(create_vals)
            # sudo: a checked POS user enrols members without the right to
            # create any contact; only the fields above are written, the
            # member checks (mobile, one member per mobile, birthday) run as
            # for everyone and the cashier becomes the salesperson
            Partner = Partner.sudo()
        partner = Partner.create(create_vals)
        if consents and hasattr(self, "privacy_pos_set_consents"):
            self.privacy_pos_set_consents(partner.id, consents, config.id or False, answered=True)
        return partner.id
