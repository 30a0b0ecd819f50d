from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestConsentPipl(PrivacyCommonMixin, TransactionCase):
    """Opt-in marketing, withdrawal that follows the person, profiling
    refusal, children under 14, separate consent and policy versions (P2, P8)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.Consent = cls.env["retail.crm.consent"]
        cls.purpose_guardian = cls.env.ref("retail_crm_privacy.purpose_guardian")
        cls.purpose_sensitive = cls.env.ref("retail_crm_privacy.purpose_sensitive_data")
        cls.never_asked = cls.env["res.partner"].create(
            {"name": "张伟", "email": "zhang.wei@example.cn", "mobile": "+86 139 5724 6813"}
        )

    def _blacklisted_mail(self, email):
        return bool(self.env["mail.blacklist"].with_context(active_test=True).search([("email", "=", email)]))

    def _blacklisted_phone(self, number):
        return bool(self.env["phone.blacklist"].search([("number", "=", number)]))

    # -- opt-in ------------------------------------------------------------
    def test_marketing_is_opt_in(self):
        partners = self.customer_own | self.customer_other | self.never_asked
        Partner = self.env["res.partner"]
        self.assertFalse(
            partners._privacy_marketing_partners("email"), "nobody was asked: nobody is marketed"
        )
        self.assertFalse(partners._privacy_marketing_partners("sms"))
        self.Consent._record(self.customer_own, self.purpose_email, "granted")
        self.assertEqual(partners._privacy_marketing_partners("email"), self.customer_own)
        self.assertFalse(
            partners._privacy_marketing_partners("sms"), "an e-mail consent is not an SMS consent"
        )
        self.Consent._record(self.customer_own, self.purpose_email, "withdrawn")
        self.assertFalse(partners._privacy_marketing_partners("email"))
        self.assertFalse(Partner._privacy_marketing_partners("email"))

    def test_delivery_contact_follows_the_person(self):
        self.Consent._record(self.customer_own, self.purpose_email | self.purpose_sms, "granted")
        delivery = self.env["res.partner"].create(
            {
                "name": "Delivery",
                "type": "delivery",
                "parent_id": self.customer_own.id,
                "email": "home@example.cn",
            }
        )
        self.assertEqual(delivery._privacy_marketing_partners("email"), delivery)

    # -- withdrawal follows the person -------------------------------------
    def test_withdrawal_survives_address_change(self):
        partner = self.customer_own
        self.Consent._record(partner, self.purpose_email | self.purpose_sms, "withdrawn")
        self.assertTrue(self._blacklisted_mail("wang.fang@example.cn"))
        self.assertTrue(self._blacklisted_phone("+8613800138000"))
        partner.write({"email": "Wang.Fang.New@example.cn", "mobile": "139-0013-9111"})
        self.assertTrue(self._blacklisted_mail("wang.fang.new@example.cn"), "new e-mail blacklisted")
        self.assertTrue(self._blacklisted_phone("+8613900139111"), "new mobile blacklisted")
        self.assertTrue(self._blacklisted_mail("wang.fang@example.cn"), "old e-mail stays blacklisted")
        self.assertTrue(self._blacklisted_phone("+8613800138000"), "old mobile stays blacklisted")

    def test_withdrawal_covers_child_contacts(self):
        partner = self.customer_own
        existing = self.env["res.partner"].create(
            {"name": "Office", "parent_id": partner.id, "type": "other", "mobile": "+86 137 0013 7000"}
        )
        self.Consent._record(partner, self.purpose_sms, "withdrawn")
        self.assertTrue(self._blacklisted_phone("+8613700137000"), "existing child's mobile blacklisted")
        later = self.env["res.partner"].create(
            {"name": "Home", "parent_id": partner.id, "type": "delivery", "mobile": "136 0013 6000"}
        )
        self.assertTrue(self._blacklisted_phone("+8613600136000"), "new child's mobile blacklisted")
        self.assertFalse((existing | later)._privacy_marketing_partners("sms"))
        # granting again lifts every address of the person
        self.Consent._record(partner, self.purpose_sms, "granted")
        self.assertFalse(self._blacklisted_phone("+8613600136000"))
        self.assertFalse(self._blacklisted_phone("+8613800138000"))

    def test_cn_mobile_blacklisted_in_foreign_company(self):
        self.env.company.country_id = self.env.ref("base.us")
        partner = self.env["res.partner"].create({"name": "李娜", "mobile": "138 0013 8123"})
        self.Consent._record(partner, self.purpose_sms, "withdrawn")
        self.assertTrue(self._blacklisted_phone("+8613800138123"))

    def test_mobile_with_country_code_without_plus_blacklisted(self):
        """The blacklists read numbers as phone_validation does (#18: the
        erasure's parser): a second mobile in the phone field, ``86 136 ...``
        without ``+``, in a US company."""
        self.env.company.country_id = self.env.ref("base.us")
        partner = self.env["res.partner"].create(
            {"name": "赵磊", "mobile": "+86 138 0013 8777", "phone": "86 136 0013 6123"}
        )
        self.Consent._record(partner, self.purpose_sms, "withdrawn")
        self.assertTrue(self._blacklisted_phone("+8613800138777"))
        self.assertTrue(self._blacklisted_phone("+8613600136123"))

    # -- profiling -----------------------------------------------------------
    def test_profiling_refusal(self):
        Partner = self.env["res.partner"]
        ids = (self.customer_own | self.customer_other).ids
        self.assertFalse(Partner._privacy_profiling_refused_ids(ids), "profiling is opt-out")
        self.Consent._record(self.customer_other, self.purpose_profiling, "withdrawn")
        self.assertEqual(Partner._privacy_profiling_refused_ids(ids), {self.customer_other.id})
        self.assertIn(self.customer_other.id, Partner._privacy_profiling_refused_ids())
        self.Consent._record(self.customer_other, self.purpose_profiling, "granted")
        self.assertFalse(Partner._privacy_profiling_refused_ids(ids))

    # -- children under 14 ---------------------------------------------------
    def test_child_needs_guardian(self):
        Partner = self.env["res.partner"]
        if not Partner._privacy_birthday_field():
            self.skipTest("no birthday field: the member profile addon is not installed")
        today = fields.Date.context_today(Partner)
        child = Partner.create(
            {
                "name": "欧阳娜娜",
                "email": "child@example.cn",
                Partner._privacy_birthday_field(): today - relativedelta(years=10),
            }
        )
        adult = Partner.create(
            {
                "name": "欧阳成",
                "email": "adult@example.cn",
                Partner._privacy_birthday_field(): today - relativedelta(years=14, days=1),
            }
        )
        self.assertTrue(child.privacy_is_minor)
        self.assertFalse(adult.privacy_is_minor)
        self.assertEqual(
            Partner.search([("privacy_is_minor", "=", True), ("id", "in", (child | adult).ids)]), child
        )
        self.Consent._record(child | adult, self.purpose_email, "granted")
        self.assertEqual((child | adult)._privacy_marketing_partners("email"), adult)
        self.assertEqual(Partner._privacy_profiling_refused_ids((child | adult).ids), {child.id})
        with self.assertRaises(ValidationError):
            self.Consent._record(child, self.purpose_guardian, "granted")
        self.Consent._record(
            child, self.purpose_guardian, "granted", guardian_name="欧阳成", guardian_relation="father"
        )
        child.invalidate_recordset()
        self.assertTrue(child.privacy_guardian_consent)
        self.assertEqual((child | adult)._privacy_marketing_partners("email"), child | adult)
        self.assertFalse(Partner._privacy_profiling_refused_ids((child | adult).ids))

    # -- separate consent for the ID number ----------------------------------
    def test_id_number_needs_separate_consent(self):
        Partner = self.env["res.partner"]
        if "retail_id_number" not in Partner._fields:
            self.skipTest("no ID number field: the member profile addon is not installed")
        manager_partner = self.customer_own.with_user(self.pos_manager)
        with self.assertRaises(ValidationError), self.cr.savepoint():
            manager_partner.write({"retail_id_number": "11010519491231002X"})
        self.assertFalse(self.customer_own.retail_id_number)
        self.Consent.with_user(self.pos_manager)._record(self.customer_own, self.purpose_sensitive, "granted")
        manager_partner.write({"retail_id_number": "11010519491231002X"})
        self.assertEqual(self.customer_own.retail_id_number, "11010519491231002X")

    # -- policy versions -----------------------------------------------------
    def test_reconsent_after_policy_bump(self):
        Partner = self.env["res.partner"]
        self.Consent._record(self.customer_own, self.purpose_email, "granted")
        self.Consent._record(self.customer_other, self.purpose_email, "withdrawn")
        domain = [
            ("privacy_reconsent_needed", "=", True),
            ("id", "in", (self.customer_own | self.customer_other).ids),
        ]
        self.assertFalse(Partner.search(domain))
        self.env["ir.config_parameter"].sudo().set_param("retail_crm_privacy.policy_version", "1.10")
        self.assertEqual(Partner.search(domain), self.customer_own, "only live grants need re-consent")
        self.customer_own.invalidate_recordset()
        self.assertTrue(self.customer_own.privacy_reconsent_needed)
        self.Consent._record(self.customer_own, self.purpose_email, "granted")
        self.assertFalse(Partner.search(domain))

    # -- the senders of the other addons ---------------------------------------
    def test_care_messages_need_consent_service_messages_do_not(self):
        if "retail.crm.holiday" not in self.env:
            self.skipTest("the loyalty addon (care messages) is not installed")
        Partner = self.env["res.partner"]
        asked = Partner.create(
            {
                "name": "王芳",
                "email": "wangfang.asked@example.cn",
                "mobile": "+86 138-0013-8001",
                "retail_is_member": True,
            }
        )
        never = Partner.create(
            {
                "name": "王芳华",
                "email": "wangfanghua@example.cn",
                "mobile": "138 0013 8002",
                "retail_is_member": True,
            }
        )
        self.Consent._record(asked, self.purpose_email | self.purpose_sms, "granted")
        holiday = self.env["retail.crm.holiday"].create(
            {
                "name": "春节",
                "date": fields.Date.context_today(Partner),
                "company_id": self.env.company.id,
                "sms_template_id": self.env.ref("retail_crm_loyalty.sms_template_holiday").id,
            }
        )
        holiday._send_greetings()
        both = asked | never
        mails = self.env["mail.mail"].search([("recipient_ids", "in", both.ids)])
        self.assertEqual(mails.recipient_ids & both, asked, "marketing e-mail only with consent")
        sms = self.env["sms.sms"].search([("partner_id", "in", both.ids)])
        self.assertEqual(sms.partner_id, asked, "marketing SMS only with consent")
        # a service notice (tier review) is not marketing: it still goes
        reached = both._retail_send_template(
            "retail_crm_loyalty.mail_template_tier_downgrade_notice", self.env.company
        )
        self.assertEqual(reached, both)

    def test_child_flag_follows_the_access_rule(self):
        """The flag tells the age bracket: a cashier sees it for their own
        customers only, like the birthday it is computed from."""
        Partner = self.env["res.partner"]
        fname = Partner._privacy_birthday_field()
        if not fname:
            self.skipTest("no birthday field: the member profile addon is not installed")
        child_birthday = fields.Date.context_today(Partner) - relativedelta(years=9)
        (self.customer_own | self.customer_other).write({fname: child_birthday})
        rows = {
            row["id"]: row["privacy_is_minor"]
            for row in Partner.with_user(self.cashier)
            .browse((self.customer_own | self.customer_other).ids)
            .read(["privacy_is_minor"])
        }
        self.assertEqual(rows, {self.customer_own.id: True, self.customer_other.id: False})
        # server-side rules (marketing, profiling) still see the real value
        self.assertEqual(
            Partner._privacy_profiling_refused_ids((self.customer_own | self.customer_other).ids),
            {self.customer_own.id, self.customer_other.id},
        )
