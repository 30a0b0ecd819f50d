from odoo import fields, models


class RetailCrmRfmAbTest(models.Model):
    """R7 + R8: offer B with each customer's own recommendations against offer
    A as a plain offer. At the start, the B customers get a draft mailing
    showing their top recommendations; conversion and revenue are measured
    as for any test."""

    _inherit = "retail.crm.rfm.ab.test"  # pylint: disable=consider-merging-classes-inherited

    b_with_recommendations = fields.Boolean(
        string="B: with Recommendations",
        help="Offer B is sent with each customer's own top recommendations (a mailing created at the "
        "start), offer A as a plain offer.",
    )
    recommendation_mailing_id = fields.Many2one("mailing.mailing", readonly=True, copy=False)

    def action_start(self):
        result = super().action_start()
        for test in self.filtered("b_with_recommendations"):
            partners = test.member_ids.filtered(lambda m: m.variant == "b").partner_id
            found = partners.with_company(test.company_id)._rfm_recommendations(limit=3)
            with_reco = partners.filtered(lambda p, found=found: p.id in found and p.email)
            if with_reco:
                # sudo: as for the coupons of the start (see action_start): the
                # test's users may lack create rights on mailings
                mailing = (
                    with_reco.sudo().with_company(test.company_id)._rfm_recommendation_mailing(test.name)
                )
                test.recommendation_mailing_id = mailing
        return result
