from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestPrivacyPosTour(TestPointOfSaleHttpCommon):
    def test_consent_recorded_at_till(self):
        salesperson = self.env["res.users"].create(
            {
                "name": "Other Salesperson",
                "login": "prv_other_salesperson",
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        partner = self.env["res.partner"].create(
            {
                "name": "Tour Consent Customer",
                "mobile": "+8613800138000",
                "email": "tour.consent@example.cn",
                "user_id": salesperson.id,
            }
        )
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_pos_tour("RetailCrmPrivacyConsentTour", login="pos_user")
        consents = self.env["retail.crm.consent"].search([("partner_id", "=", partner.id)])
        self.assertEqual(set(consents.purpose_id.mapped("code")), {"marketing_sms", "profiling"})
        self.assertEqual(set(consents.mapped("state")), {"granted"})
        self.assertEqual(set(consents.mapped("source")), {"pos"})
        self.assertEqual(consents.user_id, self.pos_user)
        self.assertEqual(consents.pos_config_id, self.main_pos_config)
        # the POS load of the customer was audited, masked
        logs = self.env["retail.crm.privacy.access.log"].search(
            [
                ("user_id", "=", self.pos_user.id),
                ("partner_id", "=", partner.id),
            ]
        )
        self.assertTrue(logs)
        self.assertTrue(all(logs.mapped("masked")))
        self.assertEqual(partner.mobile, "+8613800138000")
