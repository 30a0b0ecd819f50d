"""Privacy authorisation at the till (#12 item 4): the prompt when a member
must renew or has not decided, the answer recorded through the till's consent
method, no second prompt, withdrawal; refused for others' customers."""

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import PrivacyCommonMixin

CASHIER_GROUPS = "base.group_user,point_of_sale.group_pos_user"


def _set_policy_version(env, version):
    env["ir.config_parameter"].sudo().set_param("retail_crm_privacy.policy_version", version)


@tagged("post_install", "-at_install")
class TestTillConsentServer(PrivacyCommonMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.Partner = cls.env["res.partner"]
        cls.Consent = cls.env["retail.crm.consent"]

    def test_dialog_refused_for_others_customers(self):
        """The authorisation dialog shows the consent state: another
        salesperson's customer's state is not the cashier's to read."""
        self.Consent._record(self.customer_other, self.purpose_sms, "granted")
        Partner = self.Partner.with_user(self.cashier)
        with self.assertRaises(AccessError):
            Partner.privacy_pos_get_consents(self.customer_other.id)
        with self.assertRaises(AccessError):
            Partner.privacy_pos_set_consents(
                self.customer_other.id, {str(self.purpose_sms.id): False}, answered=True
            )
        self.assertEqual(self._state(self.customer_other, self.purpose_sms), "granted")
        # their own customer: the dialog opens, without the guardian's purpose
        # (name and relation are recorded in the backend)
        dialog = Partner.privacy_pos_get_consents(self.customer_own.id)
        codes = [p["code"] for p in dialog["purposes"]]
        self.assertIn("marketing_sms", codes)
        self.assertNotIn("guardian", codes)

    def _state(self, partner, purpose):
        return (
            self.env["retail.crm.consent.current"]
            .search([("partner_id", "=", partner.id), ("purpose_id", "=", purpose.id)])
            .state
        )

    def _prompt(self, partner, user):
        return partner.with_user(user).privacy_consent_prompt

    def test_prompt_until_answered(self):
        """Undecided customer: prompted; one answer (grant SMS, the rest
        unticked) decides every purpose and ends the prompt."""
        own = self.customer_own
        self.assertTrue(self._prompt(own, self.cashier))
        # never the cashier's to ask: another salesperson's customer
        self.assertFalse(self._prompt(self.customer_other, self.cashier))
        Partner = self.Partner.with_user(self.cashier)
        dialog = Partner.privacy_pos_get_consents(own.id)
        values = {str(p["id"]): p["code"] == "marketing_sms" for p in dialog["purposes"]}
        Partner.privacy_pos_set_consents(own.id, values, answered=True)
        own.invalidate_recordset()
        self.assertFalse(self._prompt(own, self.cashier))
        self.assertEqual(self._state(own, self.purpose_sms), "granted")
        self.assertEqual(self._state(own, self.purpose_email), "withdrawn")
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", "wang.fang@example.cn")]))
        # answering the same again records nothing
        self.assertFalse(Partner.privacy_pos_set_consents(own.id, values, answered=True))

    def test_policy_bump_prompts_renewal(self):
        own = self.customer_own
        _set_policy_version(self.env, "1.9")
        purposes = self.env["retail.crm.consent.purpose"].search([("marketing_channel", "!=", False)])
        self.Consent._record(own, purposes, "granted")
        own.invalidate_recordset()
        self.assertFalse(self._prompt(own, self.cashier))
        _set_policy_version(self.env, "1.10")
        own.invalidate_recordset()
        self.assertTrue(own.privacy_reconsent_needed)
        self.assertTrue(self._prompt(own, self.cashier))
        Partner = self.Partner.with_user(self.cashier)
        dialog = Partner.privacy_pos_get_consents(own.id)
        self.assertEqual(dialog["policy_version"], "1.10")
        renew = {p["code"] for p in dialog["purposes"] if p["renew"]}
        self.assertEqual(renew, set(purposes.mapped("code")))
        values = {str(p["id"]): p["granted"] for p in dialog["purposes"]}
        created = self.Consent.browse(Partner.privacy_pos_set_consents(own.id, values, answered=True))
        self.assertEqual(
            set(created.filtered(lambda c: c.state == "granted").mapped("policy_version")), {"1.10"}
        )
        own.invalidate_recordset()
        self.assertFalse(own.privacy_reconsent_needed)
        self.assertFalse(self._prompt(own, self.cashier))


@tagged("post_install", "-at_install")
class TestTillConsentTour(TestPointOfSaleHttpCommon):
    """As a cashier with exactly the cashier's groups, in zh_CN."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["point_of_sale", "retail_crm_privacy"], ["zh_CN"], overwrite=True
        )
        cls.cashier = new_test_user(
            cls.env,
            login="prv_prompt_cashier",
            name="收银员小周",
            email="zhou.cashier@example.cn",
            lang="zh_CN",
            groups=CASHIER_GROUPS,
        )
        Partner = cls.env["res.partner"]
        cls.member = Partner.create(
            {
                "name": "续签会员",
                "mobile": "+86 138-0013-8001",
                "email": "xuqian@example.cn",
                "user_id": cls.cashier.id,
            }
        )
        cls.undecided = Partner.create(
            {"name": "另一位顾客", "mobile": "+8613800138002", "user_id": cls.cashier.id}
        )
        Consent = cls.env["retail.crm.consent"]
        _set_policy_version(cls.env, "1.0")
        purposes = cls.env["retail.crm.consent.purpose"]
        cls.sms = cls.env.ref("retail_crm_privacy.purpose_marketing_sms")
        cls.email = cls.env.ref("retail_crm_privacy.purpose_marketing_email")
        Consent._record(
            cls.member, purposes.search([("marketing_channel", "!=", False)]) - cls.email, "granted"
        )
        Consent._record(cls.member, cls.email, "withdrawn")
        Consent._record(cls.undecided, purposes.search([("marketing_channel", "!=", False)]), "withdrawn")
        _set_policy_version(cls.env, "2.0")

    def test_prompt_accept_no_second_prompt_then_withdrawal(self):
        self.assertTrue(self.member.with_user(self.cashier).privacy_consent_prompt)
        self.main_pos_config.with_user(self.cashier).open_ui()
        self.main_pos_config.current_session_id.set_opening_control(0, "")
        self.start_pos_tour("RetailCrmPrivacyPromptTour", login="prv_prompt_cashier")
        current = self.env["retail.crm.consent.current"].search([("partner_id", "=", self.member.id)])
        state = {row.purpose_id: row for row in current}
        self.assertEqual(state[self.email].state, "granted")
        self.assertEqual(state[self.email].consent_id.policy_version, "2.0")
        self.assertEqual(state[self.sms].state, "withdrawn")
        self.assertEqual(state[self.sms].source, "pos")
        self.assertEqual(state[self.sms].consent_id.user_id, self.cashier)
        self.assertTrue(self.env["phone.blacklist"].search([("number", "=", "+8613800138001")]))
        self.member.invalidate_recordset()
        self.assertFalse(self.member.privacy_reconsent_needed)
        self.assertFalse(self.member.with_user(self.cashier).privacy_consent_prompt)
        # one renewal, one withdrawal: the second selection did not record again
        renewals = self.env["retail.crm.consent"].search(
            [("partner_id", "=", self.member.id), ("policy_version", "=", "2.0"), ("state", "=", "granted")]
        )
        self.assertEqual(len(renewals.filtered(lambda c: c.purpose_id == self.sms)), 1)
