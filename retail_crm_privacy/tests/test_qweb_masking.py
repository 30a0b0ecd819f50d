from odoo.tests import TransactionCase, tagged

from .common import PrivacyCommonMixin

CARD_ARCH = """
<t t-name="retail_crm_privacy.test_partner_card">
    <div class="t_mobile"><span t-field="partner.mobile"/></div>
    <div class="t_email"><span t-field="partner.email"/></div>
    <div class="t_street"><span t-field="partner.street"/></div>
    <div class="t_contact_field" t-field="partner.commercial_partner_id"
        t-options='{"widget": "contact", "fields": ["address", "phone", "mobile", "email"]}'/>
    <div class="t_contact_widget" t-out="partner"
        t-options='{"widget": "contact", "fields": ["name", "address", "mobile", "email"]}'/>
</t>
"""

REPORT_ARCH = """
<t t-name="retail_crm_privacy.test_partner_report">
    <t t-foreach="docs" t-as="partner">
        <t t-call="retail_crm_privacy.test_partner_card"/>
    </t>
</t>
"""


@tagged("post_install", "-at_install")
class TestQwebMasking(PrivacyCommonMixin, TransactionCase):
    """Personal values rendered server side (reports, t-field, contact widget)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.view = cls.env["ir.ui.view"].create(
            {
                "name": "Privacy test partner card",
                "type": "qweb",
                "key": "retail_crm_privacy.test_partner_card",
                "arch": CARD_ARCH,
            }
        )
        cls.env["ir.ui.view"].create(
            {
                "name": "Privacy test partner report",
                "type": "qweb",
                "key": "retail_crm_privacy.test_partner_report",
                "arch": REPORT_ARCH,
            }
        )
        cls.report = cls.env["ir.actions.report"].create(
            {
                "name": "Privacy test partner report",
                "model": "res.partner",
                "report_type": "qweb-html",
                "report_name": "retail_crm_privacy.test_partner_report",
            }
        )
        cls.Log = cls.env["retail.crm.privacy.access.log"]

    def _render(self, user, partner, through_report=False):
        partner = partner.with_user(user)
        if through_report:
            # the path of HTML and PDF reports (/report/html, /report/pdf)
            html, _report_type = (
                self.env["ir.actions.report"].with_user(user)._render_qweb_html(self.report.id, partner.ids)
            )
            return html.decode()
        return str(self.env["ir.qweb"].with_user(user)._render(self.view.id, {"partner": partner}))

    def _assert_clear(self, html, partner):
        self.assertIn(partner.mobile, html)
        self.assertIn(partner.email, html)
        self.assertIn(partner.street, html)

    def test_cashier_sees_others_customer_masked(self):
        for through_report in (False, True):
            html = self._render(self.cashier, self.customer_other, through_report)
            self.assertNotIn("13900139000", html, through_report)
            self.assertNotIn("li.na@example.cn", html, through_report)
            self.assertNotIn("Huaihai", html, through_report)
            self.assertNotIn("200020", html, through_report)
            # t-field, contact widget on a t-field and on a value
            self.assertEqual(html.count("139****9000"), 3, through_report)
            self.assertEqual(html.count("l***@example.cn"), 3, through_report)
            self.assertIn("Li Na Privacy", html, through_report)

    def test_cashier_sees_own_customer_in_clear(self):
        html = self._render(self.cashier, self.customer_own)
        self._assert_clear(html, self.customer_own)
        self.assertEqual(html.count("+8613800138000"), 3)
        self.assertNotIn("****", html)

    def test_manager_sees_clear_text(self):
        for user in (self.pos_manager, self.officer):
            html = self._render(user, self.customer_other, through_report=True)
            self._assert_clear(html, self.customer_other)
            self.assertEqual(html.count("+8613900139000"), 3)
            self.assertNotIn("****", html)

    def test_report_reads_are_logged(self):
        self._render(self.cashier, self.customer_other)
        self._render(self.cashier, self.customer_own)
        self._render(self.pos_manager, self.customer_other)
        # aggregated per transaction, written at commit
        self.assertFalse(self.Log.search([("channel", "=", "report")]))
        self.env.cr.precommit.run()
        logs = self.Log.search([("channel", "=", "report")])
        other = logs.filtered(
            lambda log: log.user_id == self.cashier and log.partner_id == self.customer_other
        )
        self.assertEqual(len(other), 1)
        self.assertTrue(other.masked)
        self.assertTrue({"mobile", "email", "street"} <= set(other.field_names.split(",")))
        own = logs.filtered(lambda log: log.user_id == self.cashier and log.partner_id == self.customer_own)
        self.assertEqual(len(own), 1)
        self.assertFalse(own.masked)
        manager = logs.filtered(lambda log: log.user_id == self.pos_manager)
        self.assertEqual(manager.partner_id, self.customer_other)
        self.assertFalse(manager.masked)
        self.assertEqual(len(logs), 3)
