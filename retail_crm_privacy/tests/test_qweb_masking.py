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

# every other way of printing a value: t-out, t-esc, t-att, values computed
# from a field, a value set in a variable, a date
OUT_ARCH = """
<t t-name="retail_crm_privacy.test_partner_out">
    <t t-foreach="docs" t-as="partner">
        <p class="o_out_mobile"><t t-out="partner.mobile"/></p>
        <p class="o_esc_email"><t t-esc="partner.email"/></p>
        <p class="o_out_street"><t t-out="partner.street"/>, <t t-out="partner.city"/> <t t-esc="partner.zip"/></p>
        <a class="o_att" t-att-href="'mailto:%s' % partner.email">mail</a>
        <a class="o_tel" t-attf-href="tel:{{ partner.mobile }}">call</a>
        <p class="o_derived"><t t-out="partner.mobile.replace('+86', '').strip()"/></p>
        <t t-set="addr" t-value="'%s / %s' % (partner.street, partner.email.upper())"/>
        <p class="o_set"><t t-out="addr"/></p>
        <p class="o_birthday" t-if="'retail_birthday' in partner._fields"><t t-out="partner.retail_birthday"/></p>
        <p class="o_name"><t t-out="partner.name"/></p>
    </t>
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
        cls.env["ir.ui.view"].create(
            {
                "name": "Privacy test partner t-out",
                "type": "qweb",
                "key": "retail_crm_privacy.test_partner_out",
                "arch": OUT_ARCH,
            }
        )
        cls.out_report = cls.env["ir.actions.report"].create(
            {
                "name": "Privacy test partner t-out",
                "model": "res.partner",
                "report_type": "qweb-html",
                "report_name": "retail_crm_privacy.test_partner_out",
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

    # ------------------------------------------------------------------
    # t-out / t-esc / t-att: the output guard of ir.qweb._render
    # ------------------------------------------------------------------

    def _render_out(self, user, partners):
        html, _report_type = (
            self.env["ir.actions.report"].with_user(user)._render_qweb_html(self.out_report.id, partners.ids)
        )
        return html.decode()

    def test_out_of_others_customer_masked(self):
        """t-out/t-esc/t-att of another salesperson's customer print nothing
        in clear, however the value was obtained (fails without the guard)."""
        if "retail_birthday" in self.customer_other._fields:
            self.customer_other.retail_birthday = "1990-05-17"
        partners = self.customer_own | self.customer_other
        self.env.invalidate_all()
        html = self._render_out(self.cashier, partners)
        for secret in (
            "13900139000",
            "li.na@example.cn",
            "LI.NA@EXAMPLE.CN",
            "Huaihai",
            "200020",
            "1990-05-17",
        ):
            self.assertNotIn(secret, html)
        self.assertIn("139****9000", html)
        self.assertIn("l***@example.cn", html)
        self.assertIn("mailto:l***@example.cn", html)
        self.assertIn("Li Na Privacy", html)
        # the cashier's own customer, on the same page, stays in clear
        self.assertIn("wang.fang@example.cn", html)
        self.assertIn("88 Nanjing Road", html)
        self.assertIn("200001", html)
        self.assertIn("13800138000", html)
        # the city both customers share is no secret of either
        self.assertIn("Shanghai", html)

    def test_out_through_plain_render_and_cached_values(self):
        """ir.qweb._render of any template (mail bodies, website), values
        already in the cache before the render (read by server code)."""
        partner = self.customer_other.with_user(self.cashier)
        self.assertEqual(partner.sudo().mobile, "+8613900139000")  # in cache, clear
        html = str(
            self.env["ir.qweb"]
            .with_user(self.cashier)
            ._render("retail_crm_privacy.test_partner_out", {"docs": partner})
        )
        self.assertNotIn("13900139000", html)
        self.assertNotIn("li.na@example.cn", html)
        self.assertIn("139****9000", html)
        # server code still sees the real values: the cache is untouched
        self.assertEqual(partner.sudo().mobile, "+8613900139000")

    def test_out_in_clear_for_managers_and_logged(self):
        for user in (self.pos_manager, self.officer):
            html = self._render_out(user, self.customer_other)
            self.assertIn("+8613900139000", html)
            self.assertIn("li.na@example.cn", html)
            self.assertIn("1 Huaihai Road", html)
        self.env.invalidate_all()
        self._render_out(self.cashier, self.customer_other | self.customer_own)
        self.env.cr.precommit.run()
        logs = self.Log.search([("channel", "=", "report"), ("user_id", "=", self.cashier.id)])
        other = logs.filtered(lambda log: log.partner_id == self.customer_other)
        self.assertTrue(other and all(other.mapped("masked")))
        self.assertIn("mobile", other[0].field_names)
        own = logs.filtered(lambda log: log.partner_id == self.customer_own)
        self.assertTrue(own and not any(own.mapped("masked")))

    def test_mail_template_render_masked(self):
        """A mail template rendered for the cashier (composer, preview):
        QWeb body and inline-template subject."""
        template = self.env["mail.template"].create(
            {
                "name": "Privacy probe",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "Hello {{ object.mobile }} {{ object.email }}",
                "body_html": '<p><t t-out="object.street"/> <t t-out="object.mobile"/></p>',
            }
        )
        template = template.with_user(self.cashier)
        rendered = template._render_field("body_html", self.customer_other.ids)[self.customer_other.id]
        subject = template._render_field("subject", self.customer_other.ids)[self.customer_other.id]
        for text in (str(rendered), subject):
            self.assertNotIn("13900139000", text)
            self.assertNotIn("Huaihai", text)
            self.assertNotIn("li.na@example.cn", text)
        self.assertIn("139****9000", subject)
        own = template._render_field("subject", self.customer_own.ids)[self.customer_own.id]
        self.assertIn("+8613800138000", own)
