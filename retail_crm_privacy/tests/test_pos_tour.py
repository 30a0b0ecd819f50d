from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPrivacyPosTour(TestPointOfSaleHttpCommon):
    """The till as a real cashier: exactly the demo cashier's groups, an
    e-mail, in zh_CN."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["point_of_sale", "retail_crm_privacy"], ["zh_CN"], overwrite=True
        )
        cls.cashier = new_test_user(
            cls.env,
            login="prv_till_cashier",
            name="收银员小吴",
            email="till.cashier@example.cn",
            lang="zh_CN",
            groups="base.group_user,base.group_partner_manager,point_of_sale.group_pos_user",
        )
        salesperson = new_test_user(
            cls.env, login="prv_other_salesperson", name="Other Salesperson", groups="base.group_user"
        )
        cls.other = cls.env["res.partner"].create(
            {
                "name": "Tour Other Member",
                "mobile": "+86 139 0013 9000",
                "email": "tour.other@example.cn",
                "barcode": "M20260042",
                "user_id": salesperson.id,
            }
        )
        cls.own = cls.env["res.partner"].create(
            {
                "name": "Tour Consent Customer",
                "mobile": "+8613800138000",
                "email": "tour.consent@example.cn",
                "user_id": cls.cashier.id,
            }
        )

    def _open_till(self):
        self.main_pos_config.with_user(self.cashier).open_ui()
        self.main_pos_config.current_session_id.set_opening_control(0, "")

    def test_lookup_and_sale_at_till(self):
        self._open_till()
        self.start_pos_tour("RetailCrmPrivacyLookupTour", login="prv_till_cashier")
        order = self.env["pos.order"].search([("partner_id", "=", self.other.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.user_id, self.cashier)
        logs = self.env["retail.crm.privacy.access.log"].search(
            [
                ("user_id", "=", self.cashier.id),
                ("partner_id", "=", self.other.id),
                ("channel", "=", "lookup"),
            ]
        )
        self.assertEqual(len(logs), 3, "each lookup is logged")
        self.assertTrue(all(logs.mapped("masked")))
        self.assertEqual(self.other.mobile, "+86 139 0013 9000")

    def test_consent_recorded_at_till(self):
        self._open_till()
        self.start_pos_tour("RetailCrmPrivacyConsentTour", login="prv_till_cashier")
        consents = self.env["retail.crm.consent"].search([("partner_id", "=", self.own.id)])
        granted = consents.filtered(lambda c: c.state == "granted")
        self.assertEqual(set(granted.purpose_id.mapped("code")), {"marketing_sms", "profiling"})
        # the dialog is the customer's answer: what they left unticked is refused
        refused = consents - granted
        self.assertIn("marketing_email", refused.purpose_id.mapped("code"))
        self.assertEqual(set(refused.mapped("state")), {"withdrawn"})
        self.assertNotIn("guardian", consents.purpose_id.mapped("code"))
        self.assertEqual(set(consents.mapped("source")), {"pos"})
        self.assertEqual(consents.user_id, self.cashier)
        self.assertEqual(consents.pos_config_id, self.main_pos_config)
        # the POS load was audited with what was shown
        Log = self.env["retail.crm.privacy.access.log"]
        other_logs = Log.search([("user_id", "=", self.cashier.id), ("partner_id", "=", self.other.id)])
        self.assertTrue(other_logs and all(other_logs.mapped("masked")))
        own_logs = Log.search([("user_id", "=", self.cashier.id), ("partner_id", "=", self.own.id)])
        self.assertTrue(own_logs and not any(own_logs.mapped("masked")))
