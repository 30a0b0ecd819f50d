from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_values(self, src_partners, dst_partner):
        """Keep one member number: the destination's, else the oldest source's
        (moved, not copied, because member numbers are unique)."""
        if not dst_partner.retail_member_number:
            numbered = src_partners.filtered("retail_member_number").sorted("id")
            if numbered:
                number = numbered[0].retail_member_number
                numbered.write({"retail_member_number": False})
                dst_partner.write({"retail_member_number": number})
        else:
            src_partners.filtered("retail_member_number").write({"retail_member_number": False})
        return super()._update_values(src_partners, dst_partner)

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        """Duplicate members (D3): orders, loyalty cards and tier history move
        with Odoo's foreign-key update; the member profile is completed by
        Odoo's value merge; the tier is then re-evaluated on the combined
        orders in every company."""
        partners = self.env["res.partner"].browse(partner_ids)
        res = super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        dst = partners.exists().filtered("retail_is_member")
        # every company (a handful of rows): the member may have bought in any of them
        companies = self.env["res.company"].search([]) if dst else []  # pylint: disable=no-search-all
        for company in companies:
            dst._retail_upgrade_tiers(company, reason=self.env._("Members merged"))
        return res
