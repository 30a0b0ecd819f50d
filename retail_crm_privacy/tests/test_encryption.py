from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError, ValidationError
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
        self.env["ir.config_parameter"].sudo().set_param("retail_crm_privacy.encrypted_fields", "zip")
        with patch.dict(config.options, {"retail_crm_privacy_encryption_key": ""}):
            partner = self.env["res.partner"].create({"name": "Plain", "zip": "PLAIN-123"})
            self.assertEqual(self._column(partner, "zip"), "PLAIN-123")

    def test_encrypted_round_trip_and_exact_search(self):
        self.env["ir.config_parameter"].sudo().set_param("retail_crm_privacy.encrypted_fields", "zip,street")
        Partner = self.env["res.partner"]
        with patch.dict(config.options, {"retail_crm_privacy_encryption_key": "test-key"}):
            partner = Partner.create({"name": "Secret", "zip": "ID-440101", "street": "9 Hidden Lane"})
            self.assertTrue(self._column(partner, "zip").startswith("enc1:"))
            self.assertNotIn("Hidden", self._column(partner, "street"))
            partner.invalidate_recordset()
            self.assertEqual(partner.zip, "ID-440101")
            self.assertEqual(partner.read(["street"])[0]["street"], "9 Hidden Lane")
            self.assertEqual(Partner.search([("zip", "=", "ID-440101")]), partner)
            self.assertEqual(Partner.search([("zip", "in", ["ID-440101", "x"])]), partner)
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


@tagged("post_install", "-at_install")
class TestEncryptionNoClearCopy(PrivacyCommonMixin, TransactionCase):
    """Encryption done right or not offered (P5): no clear copy anywhere,
    validation on clear values, start refused without the right key, rotation."""

    KEY = "key-one"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()

    def setUp(self):
        super().setUp()
        # set in each test: the parameter cache outlives a test's rollback
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_crm_privacy.encrypted_fields", "street,zip,city"
        )

    def _key(self, key, old=None):
        return patch.dict(
            config.options,
            {
                "retail_crm_privacy_encryption_key": key or "",
                "retail_crm_privacy_encryption_key_old": old or "",
            },
        )

    def _text_columns_containing(self, needle):
        """(table, column) of every text/varchar/jsonb column holding ``needle``."""
        self.env.cr.precommit.run()  # tracking values are written at commit time
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT c.table_name, c.column_name FROM information_schema.columns c
                 JOIN information_schema.tables t
                   ON t.table_name = c.table_name AND t.table_schema = c.table_schema
                WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                  AND c.data_type IN ('text', 'character varying', 'jsonb')"""
        )
        found = []
        for table, column in self.env.cr.fetchall():
            self.env.cr.execute(
                SQL(
                    "SELECT 1 FROM %s WHERE %s::text LIKE %s LIMIT 1",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    f"%{needle}%",
                )
            )
            if self.env.cr.fetchone():
                found.append((table, column))
        return found

    def test_no_clear_copy_in_any_column(self):
        with self._key(self.KEY):
            partner = self.env["res.partner"].create(
                {"name": "密文顾客", "street": "徐家汇路 77 号", "city": "Xuhui"}
            )
            self.env.cr.precommit.run()  # created in an earlier request
            self.assertEqual(partner._privacy_encrypted_fields(), ["street", "zip", "city"])
            partner.write({"street": "衡山路 12 号", "zip": "SECRETZIP-9911"})
            self.env.flush_all()
            self.env.cr.execute(SQL("SELECT zip FROM res_partner WHERE id = %s", partner.id))
            self.assertTrue(self.env.cr.fetchone()[0].startswith("enc1:"))
            partner.message_post(body="note")
            self.assertEqual(
                self._text_columns_containing("徐家汇路"), [], "old street (tracking) left clear"
            )
            self.assertEqual(self._text_columns_containing("衡山路"), [])
            self.assertEqual(self._text_columns_containing("SECRETZIP-9911"), [])
            partner.invalidate_recordset()
            self.assertEqual(partner.street, "衡山路 12 号")
            self.assertEqual(self.env["res.partner"].search([("zip", "=", "SECRETZIP-9911")]), partner)

    def test_id_number_validated_on_clear_value(self):
        if "retail_id_number" not in self.env["res.partner"]._fields:
            self.skipTest("no ID number field")
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_crm_privacy.encrypted_fields", "retail_id_number"
        )
        with self._key(self.KEY):
            partner = self.env["res.partner"].create(
                {"name": "身份证顾客", "retail_id_number": "11010519491231002X"}
            )
            partner.invalidate_recordset()
            self.assertEqual(partner.retail_id_number, "11010519491231002X")
            self.assertEqual(self._text_columns_containing("11010519491231002X"), [])

    def test_settings_refuse_fields_with_clear_copies(self):
        for fname in ("email", "mobile", "vat"):
            field = self.env["ir.model.fields"]._get("res.partner", fname)
            with self.assertRaises(ValidationError), self.cr.savepoint():
                self.env["res.config.settings"].create(
                    {"privacy_encrypted_field_ids": [Command.set(field.ids)]}
                )
        street = self.env["ir.model.fields"]._get("res.partner", "street")
        settings = self.env["res.config.settings"].create(
            {"privacy_encrypted_field_ids": [Command.set(street.ids)]}
        )
        settings.execute()
        self.assertEqual(
            self.env["ir.config_parameter"].sudo().get_param("retail_crm_privacy.encrypted_fields"), "street"
        )
        self.assertEqual(self.env["res.config.settings"].create({}).privacy_encrypted_field_ids, street)

    def test_start_refused_without_the_right_key(self):
        Partner = self.env["res.partner"]
        with self._key(self.KEY):
            Partner.create({"name": "Encrypted", "street": "Secret street 1"})
            self.env.flush_all()
            Partner._register_hook()  # the right key: starts
        with self._key(None), self.assertRaises(UserError):
            Partner._register_hook()
        with self._key("wrong-key"), self.assertRaises(UserError):
            Partner._register_hook()

    def test_rotation(self):
        Partner = self.env["res.partner"]
        with self._key(self.KEY):
            partner = Partner.create({"name": "Rotated", "street": "Old key street"})
            self.env.flush_all()
        with self._key("key-two", old=self.KEY):
            Partner._register_hook()  # rotation pending: the old key still reads
            self.assertGreaterEqual(Partner._privacy_rotate_encryption_key(), 1)
            self.env.flush_all()
        self.env.invalidate_all()
        with self._key("key-two"):
            Partner._register_hook()
            self.assertEqual(partner.street, "Old key street")
        with self._key(self.KEY), self.assertRaises(UserError):
            Partner._register_hook()

    def test_staff_contacts_untouched(self):
        staff_partner = self.cashier.partner_id
        staff_partner.street = "Staff street 5"
        with self._key(self.KEY):
            self.env["res.partner"]._privacy_encrypt_existing()
            self.env.flush_all()
            self.env.cr.execute(SQL("SELECT street FROM res_partner WHERE id = %s", staff_partner.id))
            self.assertEqual(self.env.cr.fetchone()[0], "Staff street 5")
            self.env.cr.execute(SQL("SELECT street FROM res_partner WHERE id = %s", self.customer_own.id))
            self.assertTrue(self.env.cr.fetchone()[0].startswith("enc1:"))
