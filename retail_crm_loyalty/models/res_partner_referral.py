from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import PAID_STATES


class ResPartner(models.Model):
    """Referrals (老带新): who brought a new member in."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    retail_referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        copy=False,
        index="btree_not_null",
        domain="[('retail_is_member', '=', True), ('id', '!=', id)]",
        help="The member who brought this customer in. Both get the referral reward after the new "
        "member's first paid purchase.",
    )
    retail_referrer_code = fields.Char(
        string="Referrer's Member Number",
        compute="_compute_retail_referrer_code",
        inverse="_inverse_retail_referrer_code",
        help="Type or scan the referring member's member number.",
    )
    retail_referral_count = fields.Integer(
        string="Members Referred", compute="_compute_retail_referral_count"
    )

    @api.depends("retail_referred_by_id")
    def _compute_retail_referrer_code(self):
        for partner in self:
            partner.retail_referrer_code = partner.retail_referred_by_id.retail_member_number

    def _inverse_retail_referrer_code(self):
        for partner in self:
            code = (partner.retail_referrer_code or "").strip()
            if not code:
                continue
            # sudo: an exact member number is the one look-up allowed; only the
            # id goes back, the referrer's data is not read here
            referrer = self.sudo().search(
                [("retail_member_number", "=", code), ("retail_is_member", "=", True)], limit=1
            )
            if not referrer:
                raise UserError(self.env._("No member has the member number %(code)s.", code=code))
            partner.retail_referred_by_id = referrer.id

    def _compute_retail_referral_count(self):
        counts = dict(
            self.sudo()._read_group(
                [("retail_referred_by_id", "in", self.ids)], ["retail_referred_by_id"], ["__count"]
            )
        )
        for partner in self:
            partner.retail_referral_count = counts.get(partner._origin, 0)

    @api.constrains("retail_referred_by_id")
    def _check_retail_referral(self):
        # sudo: the referral rewards and the referrer's membership are checked
        # whoever edits the customer; nothing of them is returned
        rewarded = {
            referral.member_id.id: referral.referrer_id
            for referral in self.env["retail.crm.referral"].sudo().search([("member_id", "in", self.ids)])
        }
        for partner in self:
            referrer = partner.retail_referred_by_id.sudo()
            if partner.id in rewarded and rewarded[partner.id] != referrer:
                raise ValidationError(
                    self.env._(
                        "The referral of %(member)s was already rewarded; it cannot change.",
                        member=partner.name,
                    )
                )
            if not referrer:
                continue
            if referrer.commercial_partner_id == partner.commercial_partner_id:
                raise ValidationError(self.env._("A member cannot refer themselves."))
            if not referrer.retail_is_member:
                raise ValidationError(self.env._("Only a member can refer a new member."))
            seen, step = partner, referrer
            while step:
                if step in seen:
                    raise ValidationError(self.env._("Referrals cannot go round in a loop."))
                seen |= step
                step = step.retail_referred_by_id

    # ------------------------------------------------------------------
    # At the till
    # ------------------------------------------------------------------
    @api.model
    def _load_pos_data_fields(self, config_id):
        return super()._load_pos_data_fields(config_id) + ["retail_referrer_code"]

    def _retail_till_customer_ids(self):
        """Ids of ``self`` the current till user may act on: with the privacy
        addon, the customers it shows them in clear (the suite's one access
        rule); else loyalty's own rule for cashiers (their customers and
        unassigned ones, as for the tier history). POS managers: all."""
        if self.env.user.has_group("point_of_sale.group_pos_manager"):
            return set(self.ids)
        if hasattr(self, "_privacy_visible_ids"):
            return set(self._privacy_visible_ids())
        return {p.id for p in self if p.user_id.id in (False, self.env.uid)}

    @api.model
    def retail_pos_set_referrer(self, member_id, referrer_id=False, referrer_code=False):
        """Record at the till who referred the selected new member (老带新).

        The referrer is picked among the customers the cashier may see
        (``referrer_id``) or given by the member number they show
        (``referrer_code``, typed or scanned: an exact number is the one
        look-up allowed on other salespeople's members). The new member must
        be the cashier's customer and not have bought yet. The referral rules
        of the model apply (no self-referral, no loop, a rewarded referral
        does not change). Returns the referrer's member number."""
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(self.env._("Only point of sale users can record referrals at the till."))
        member = self.browse(member_id).exists() if isinstance(member_id, int) else self.browse()
        if not member or member.id not in member._retail_till_customer_ids():
            raise AccessError(self.env._("You can record the referrer of your own customers only."))
        if not member.retail_is_member:
            raise UserError(self.env._("Enrol the customer as a member before recording who referred them."))
        if referrer_id:
            referrer = self.browse(referrer_id).exists() if isinstance(referrer_id, int) else self.browse()
            if not referrer or referrer.id not in referrer._retail_till_customer_ids():
                raise AccessError(
                    self.env._("Pick a referrer among your customers, or type the member number they show.")
                )
        else:
            code = (referrer_code or "").strip() if isinstance(referrer_code, str) else ""
            if not code:
                raise UserError(self.env._("Type the referrer's member number or pick the referrer."))
            # sudo: an exact member number is the one look-up allowed at the
            # till on other salespeople's members; only the id is used
            referrer = self.sudo().search(
                [("retail_member_number", "=", code), ("retail_is_member", "=", True)], limit=1
            )
            if not referrer:
                raise UserError(self.env._("No member has the member number %(code)s.", code=code))
        # sudo: counts the member's own paid purchases, checked as the
        # cashier's customer above; nothing else is read
        bought = (
            self.env["pos.order"]
            .sudo()
            .search_count([("partner_id", "=", member.id), ("state", "in", PAID_STATES)], limit=1)
        )
        if bought and member.retail_referred_by_id.id != referrer.id:
            raise UserError(
                self.env._(
                    "%(member)s has already bought: only a new member can be recorded as referred.",
                    member=member.name,
                )
            )
        # sudo: a checked till user records the referral of their own new
        # member without the right to edit contacts; only this field is
        # written and the referral rules (constraint above) run as for everyone
        member.sudo().write({"retail_referred_by_id": referrer.id})
        return {"referrer_code": referrer.sudo().retail_member_number}
