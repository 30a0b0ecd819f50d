import shutil

from odoo.tests import HttpCase, tagged

from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestExportPdf(PrivacyCommonMixin, HttpCase):
    """The access report is a real PDF rendered by wkhtmltopdf (HttpCase: the
    renderer fetches the report's assets from this server)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()

    def test_access_report_is_a_pdf(self):
        if not shutil.which("wkhtmltopdf"):
            self.skipTest("wkhtmltopdf is not installed")
        request = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.officer)
            .create({"partner_id": self.customer_own.id, "request_type": "access"})
        )
        pdf, report_format = (
            self.env["ir.actions.report"]
            .with_user(self.officer)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("retail_crm_privacy.report_privacy_request", request.ids)
        )
        self.assertEqual(report_format, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertGreater(len(pdf), 1000)
