from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


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
                raise UserError(_("No member has the member number %(code)s.", code=code))
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
                    _(
                        "The referral of %(member)s was already rewarded; it cannot change.",
                        member=partner.name,
                    )
                )
            if not referrer:
                continue
            if referrer.commercial_partner_id == partner.commercial_partner_id:
                raise ValidationError(_("A member cannot refer themselves."))
            if not referrer.retail_is_member:
                raise ValidationError(_("Only a member can refer a new member."))
            seen, step = partner, referrer
            while step:
                if step in seen:
                    raise ValidationError(_("Referrals cannot go round in a loop."))
                seen |= step
                step = step.retail_referred_by_id
