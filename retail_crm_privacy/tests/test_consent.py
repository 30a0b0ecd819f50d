from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase, tagged

from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestConsent(PrivacyCommonMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.Consent = cls.env["retail.crm.consent"]

    def _current(self, partner, purpose):
        return self.env["retail.crm.consent.current"].search(
            [("partner_id", "=", partner.id), ("purpose_id", "=", purpose.id)]
        )

    def test_default_purposes(self):
        codes = set(self.env["retail.crm.consent.purpose"].search([]).mapped("code"))
        self.assertLessEqual(
            {"marketing_sms", "marketing_email", "wechat", "profiling", "third_party"}, codes
        )
        self.assertEqual(self.purpose_sms.blacklist, "phone")
        self.assertEqual(self.purpose_email.blacklist, "mail")

    def test_zh_cn_translation(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["retail_crm_privacy"], ["zh_CN"], overwrite=True)
        self.assertEqual(self.purpose_sms.with_context(lang="zh_CN").name, "营销短信")
        field = self.env["ir.model.fields"]._get("retail.crm.consent", "state")
        self.assertEqual(field.with_context(lang="zh_CN").field_description, "状态")

    def test_history_and_current(self):
        partner = self.customer_own
        Consent = self.Consent.with_user(self.cashier)
        first = Consent._record(partner, self.purpose_profiling, "granted", source="pos")
        self.assertEqual(first.user_id, self.cashier)
        self.assertEqual(first.policy_version, "1.0")
        self.assertEqual(first.source, "pos")
        self.assertEqual(self._current(partner, self.purpose_profiling).state, "granted")
        # a later withdrawal becomes the current state, history keeps both
        self.env["ir.config_parameter"].sudo().set_param("retail_crm_privacy.policy_version", "2.0")
        second = Consent._record(partner, self.purpose_profiling, "withdrawn")
        self.assertEqual(second.policy_version, "2.0")
        self.assertEqual(self._current(partner, self.purpose_profiling).state, "withdrawn")
        self.assertEqual(len(partner.privacy_consent_ids), 2)
        self.assertEqual(self._current(partner, self.purpose_profiling).consent_id, second)

    def test_append_only(self):
        consent = self.Consent._record(self.customer_own, self.purpose_profiling, "granted")
        for user in (self.cashier, self.pos_manager, self.admin_user, self.officer):
            with self.assertRaises(UserError):
                consent.with_user(user).write({"state": "withdrawn"})
            with self.assertRaises(UserError):
                consent.with_user(user).unlink()
        self.assertEqual(consent.state, "granted")
        # the recorder cannot be forged
        forged = self.Consent.with_user(self.cashier).create(
            {
                "partner_id": self.customer_own.id,
                "purpose_id": self.purpose_profiling.id,
                "state": "granted",
                "user_id": self.admin_user.id,
            }
        )
        self.assertEqual(forged.user_id, self.cashier)

    def test_email_blacklist_sync(self):
        partner = self.customer_own
        Blacklist = self.env["mail.blacklist"].with_context(active_test=False)
        self.Consent.with_user(self.cashier)._record(partner, self.purpose_email, "withdrawn")
        entry = Blacklist.search([("email", "=", "wang.fang@example.cn")])
        self.assertTrue(entry.active)
        partner.invalidate_recordset(["is_blacklisted"])
        self.assertTrue(partner.is_blacklisted)
        self.Consent.with_user(self.cashier)._record(partner, self.purpose_email, "granted")
        self.assertFalse(entry.active)
        partner.invalidate_recordset(["is_blacklisted"])
        self.assertFalse(partner.is_blacklisted)

    def test_phone_blacklist_sync(self):
        partner = self.customer_other
        self.customer_other.user_id = self.cashier
        Blacklist = self.env["phone.blacklist"].with_context(active_test=False)
        self.Consent.with_user(self.cashier)._record(partner, self.purpose_sms, "withdrawn")
        entry = Blacklist.search([("number", "=", "+8613900139000")])
        self.assertTrue(entry.active)
        self.Consent._record(partner, self.purpose_sms, "granted")
        self.assertFalse(entry.active)
        # purposes without a blacklist do not touch the lists
        self.Consent._record(partner, self.purpose_profiling, "withdrawn")
        self.assertFalse(entry.active)

    def test_marketing_partners_by_channel(self):
        partners = self.customer_own | self.customer_other
        self.assertFalse(partners._privacy_marketing_partners("sms"))
        self.Consent._record(self.customer_own, self.purpose_sms, "granted")
        self.assertEqual(partners._privacy_marketing_partners("sms"), self.customer_own)
        self.Consent._record(self.customer_own, self.purpose_sms, "withdrawn")
        self.assertFalse(partners._privacy_marketing_partners("sms"))

    def test_consent_wizard(self):
        wizard_form = Form(
            self.env["retail.crm.consent.record"]
            .with_user(self.pos_manager)
            .with_context(
                active_model="res.partner",
                active_ids=[self.customer_own.id, self.customer_other.id],
            )
        )
        wizard_form.purpose_ids.add(self.purpose_email)
        wizard_form.purpose_ids.add(self.purpose_profiling)
        wizard_form.state = "withdrawn"
        wizard = wizard_form.save()
        wizard.action_confirm()
        consents = self.Consent.search(
            [
                ("partner_id", "in", (self.customer_own | self.customer_other).ids),
            ]
        )
        self.assertEqual(len(consents), 4)
        self.assertEqual(set(consents.mapped("source")), {"backend"})
        self.assertEqual(set(consents.mapped("state")), {"withdrawn"})
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", "li.na@example.cn")]))

    def test_pos_rpc_records_only_changes(self):
        Partner = self.env["res.partner"].with_user(self.cashier)
        partner = self.customer_own
        values = {str(self.purpose_sms.id): True, str(self.purpose_email.id): False}
        created = Partner.privacy_pos_set_consents(partner.id, values)
        # a never-given consent left unticked is not recorded
        self.assertEqual(len(created), 1)
        state = {p["id"]: p["granted"] for p in Partner.privacy_pos_get_consents(partner.id)["purposes"]}
        self.assertTrue(state[self.purpose_sms.id])
        self.assertFalse(state[self.purpose_email.id])
        self.assertFalse(Partner.privacy_pos_set_consents(partner.id, values))
        created = Partner.privacy_pos_set_consents(partner.id, {str(self.purpose_sms.id): False})
        self.assertEqual(self.Consent.browse(created).state, "withdrawn")
        self.assertEqual(self.Consent.browse(created).source, "pos")

    def test_cashier_cannot_record_consents_of_others(self):
        """Consents are the customer's data: another salesperson's customer
        cannot be blacklisted by a cashier, by the till route or directly."""
        Partner = self.env["res.partner"].with_user(self.cashier)
        with self.assertRaises(AccessError):
            Partner.privacy_pos_set_consents(self.customer_other.id, {str(self.purpose_sms.id): False})
        with self.assertRaises(AccessError):
            self.Consent.with_user(self.cashier).create(
                {
                    "partner_id": self.customer_other.id,
                    "purpose_id": self.purpose_sms.id,
                    "state": "withdrawn",
                }
            )
        self.assertFalse(self._current(self.customer_other, self.purpose_sms))
