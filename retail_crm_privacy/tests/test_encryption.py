from unittest.mock import patch

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, config

from ..models import privacy_tools
from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestEncryption(PrivacyCommonMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()

    def _column(self, partner, fname):
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT %s FROM res_partner WHERE id = %s", SQL.identifier(fname), partner.id)
        )
        return self.env.cr.fetchone()[0]

    def test_helpers_round_trip(self):
        secret = "s3cret"
        cipher = privacy_tools.encrypt_value(secret, "+8613800138000")
        self.assertTrue(cipher.startswith("enc1:"))
        self.assertNotIn("13800138000", cipher)
        self.assertEqual(cipher, privacy_tools.encrypt_value(secret, "+8613800138000"))
        self.assertEqual(privacy_tools.decrypt_value(secret, cipher), "+8613800138000")
        self.assertEqual(privacy_tools.decrypt_value(secret, "plain"), "plain")
        with self.assertRaises(Exception):  # noqa: B017 - wrong key must not decrypt
            privacy_tools.decrypt_value("other", cipher)

    def test_inactive_without_key(self):
        self.env["ir.config_parameter"].sudo().set_param("retail_crm_privacy.encrypted_fields", "vat")
        with patch.dict(config.options, {"retail_crm_privacy_encryption_key": ""}):
            partner = self.env["res.partner"].create({"name": "Plain", "vat": "PLAIN-123"})
            self.assertEqual(self._column(partner, "vat"), "PLAIN-123")

    def test_encrypted_round_trip_and_exact_search(self):
        self.env["ir.config_parameter"].sudo().set_param("retail_crm_privacy.encrypted_fields", "vat,street")
        Partner = self.env["res.partner"]
        with patch.dict(config.options, {"retail_crm_privacy_encryption_key": "test-key"}):
            partner = Partner.create({"name": "Secret", "vat": "ID-440101", "street": "9 Hidden Lane"})
            self.assertTrue(self._column(partner, "vat").startswith("enc1:"))
            self.assertNotIn("Hidden", self._column(partner, "street"))
            partner.invalidate_recordset()
            self.assertEqual(partner.vat, "ID-440101")
            self.assertEqual(partner.read(["street"])[0]["street"], "9 Hidden Lane")
            self.assertEqual(Partner.search([("vat", "=", "ID-440101")]), partner)
            self.assertEqual(Partner.search([("vat", "in", ["ID-440101", "x"])]), partner)
            partner.write({"street": "10 Hidden Lane"})
            self.assertNotIn("10 Hidden", self._column(partner, "street"))
            partner.invalidate_recordset()
            self.assertEqual(partner.street, "10 Hidden Lane")
            # values stored before the field was chosen are encrypted on demand
            self.assertEqual(self._column(self.customer_other, "street"), "1 Huaihai Road")
            Partner._privacy_encrypt_existing()
            self.assertTrue(self._column(self.customer_other, "street").startswith("enc1:"))
            self.customer_other.invalidate_recordset()
            self.assertEqual(self.customer_other.street, "1 Huaihai Road")
