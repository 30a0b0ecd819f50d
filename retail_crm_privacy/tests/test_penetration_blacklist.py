"""Blacklists seen and changed by a cashier, over HTTP.

(a) The blacklist flags of another salesperson's customer are no oracle:
blacklisting a guessed address through a customer of one's own (a withdrawal
at the till) and reading or searching the flag of the other customer would
tell whether the guess is theirs.
(b) A grant recorded on a customer of one's own who has another customer's
address does not lift that customer's opt-out from the blacklists."""

from odoo.tests import tagged

from .penetration_common import PenetrationCommon

OTHER_EMAIL = "fangfang.secret@example.cn"
OTHER_E164 = "+8613900139000"
FLAGS = ["is_blacklisted", "phone_sanitized_blacklisted", "mobile_blacklisted", "phone_blacklisted"]


@tagged("post_install", "-at_install")
class TestPenetrationBlacklist(PenetrationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.purpose_email = cls.env.ref("retail_crm_privacy.purpose_marketing_email")
        cls.purpose_sms = cls.env.ref("retail_crm_privacy.purpose_marketing_sms")
        cls.flags = [fname for fname in FLAGS if fname in cls.env["res.partner"]._fields]

    def _own_customer_with_other_addresses(self):
        """The cashier's own customer, created over HTTP with the other
        customer's (guessed) e-mail and mobile."""
        values = {
            "name": "Probe",
            "email": OTHER_EMAIL,
            "mobile": "+86 139 0013 9000",
            "user_id": self.cashier.id,
        }
        return self._ok(self._call("res.partner", "create", [values]))

    def _set_consents(self, partner_id, granted):
        values = {str(self.purpose_email.id): granted, str(self.purpose_sms.id): granted}
        return self._ok(
            self._call("res.partner", "privacy_pos_set_consents", [partner_id, values], {"answered": True})
        )

    def _blacklisted(self):
        """Ground truth: the other customer's addresses on the active blacklists."""
        self.env.invalidate_all()
        return (
            bool(self.env["mail.blacklist"].search([("email", "=", OTHER_EMAIL)])),
            bool(self.env["phone.blacklist"].search([("number", "=", OTHER_E164)])),
        )

    def test_blacklist_flags_no_oracle(self):
        """A withdrawal on the cashier's own customer blacklists the guessed
        addresses; the other customer's flags read masked (False), a search
        on them never finds the other customer, exports are masked."""
        probe = self._own_customer_with_other_addresses()
        self._set_consents(probe, False)
        # the guess is right: the other customer's addresses are blacklisted
        self.assertEqual(self._blacklisted(), (True, True))
        # the cashier's own customer shows the truth (nothing over-masked)
        own = self._ok(self._call("res.partner", "read", [[probe], ["is_blacklisted"]]))
        self.assertTrue(own[0]["is_blacklisted"])
        self.assertEqual(
            self._ok(
                self._call(
                    "res.partner", "search_count", [[("id", "=", probe), ("is_blacklisted", "=", True)]]
                )
            ),
            1,
        )
        # the other customer's flags are no oracle
        rows = self._ok(self._call("res.partner", "read", [[self.other.id], self.flags]))
        for fname in self.flags:
            self.assertIs(rows[0][fname], False, f"read {fname} answers the guess")
        rows = self._ok(self._call("res.partner", "search_read", [[("id", "=", self.other.id)], self.flags]))
        for fname in self.flags:
            self.assertIs(rows[0][fname], False, f"search_read {fname} answers the guess")
        for fname in ("is_blacklisted", "phone_sanitized_blacklisted"):
            if fname not in self.flags:
                continue
            self.assertEqual(self._count([(fname, "=", True)]), 0, f"search on {fname} answers the guess")
            self.assertEqual(self._count([(fname, "!=", False)]), 0, f"search on {fname} answers the guess")
            # consistent with the masked value: the other customer reads as not blacklisted
            self.assertEqual(self._count([(fname, "=", False)]), 1)
        export = self._ok(self._call("res.partner", "export_data", [[self.other.id], ["name", *self.flags]]))
        for value in export["datas"][0][1:]:
            self.assertIn(value, (False, "", "False"), f"export answers the guess: {export}")
        self.assertNoLeak()

    def test_grant_does_not_lift_others_withdrawal(self):
        """The colleague records the other customer's withdrawal; the cashier
        records a grant on her own customer with the same e-mail and mobile:
        the addresses stay blacklisted. When the other customer grants
        themselves, they are lifted."""
        Colleague = self.env["res.partner"].with_user(self.colleague)
        withdraw = {str(self.purpose_email.id): False, str(self.purpose_sms.id): False}
        Colleague.privacy_pos_set_consents(self.other.id, withdraw, answered=True)
        self.assertEqual(self._blacklisted(), (True, True))
        probe = self._own_customer_with_other_addresses()
        self.assertTrue(self._set_consents(probe, True))
        self.assertEqual(self._blacklisted(), (True, True), "a grant reversed another person's opt-out")
        # archived, the other customer's opt-out still holds
        self.other.active = False
        self._set_consents(probe, False)
        self._set_consents(probe, True)
        self.assertEqual(self._blacklisted(), (True, True), "a grant reversed an archived person's opt-out")
        self.other.active = True
        # the person's own grant lifts the addresses (no one else withdrew)
        grant = {str(self.purpose_email.id): True, str(self.purpose_sms.id): True}
        Colleague.privacy_pos_set_consents(self.other.id, grant, answered=True)
        self.assertEqual(self._blacklisted(), (False, False))
