from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestTillLookup(PrivacyCommonMixin, TransactionCase):
    """Exact lookup at the till and the alert on bulk extraction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.Log = cls.env["retail.crm.privacy.access.log"]
        # stored as typed at another till: spaces and dashes
        cls.member = cls.env["res.partner"].create(
            {
                "name": "王芳 (会员)",
                "mobile": "+86 138-0013-7000",
                "barcode": "M20260001",
                "user_id": cls.cashier_2.id,
            }
        )
        # a customer whose name contains the member's, mobile without prefix
        cls.namesake = cls.env["res.partner"].create(
            {"name": "王芳芳", "mobile": "138 0013 7001", "user_id": cls.cashier_2.id}
        )

    def _lookup(self, query, user=None):
        return self.env["res.partner"].with_user(user or self.cashier).privacy_pos_lookup(query)

    def test_full_mobile_in_any_spelling(self):
        for query in (
            "138 0013 7000",
            "+86 138-0013-7000",
            "13800137000",
            "+8613800137000",
            "0086 13800137000",
        ):
            with self.subTest(query):
                self.assertEqual(self._lookup(query), self.member.ids)
        self.assertEqual(self._lookup("13800137001"), self.namesake.ids)

    def test_member_code_and_partial_values(self):
        self.assertEqual(self._lookup("M20260001"), self.member.ids)
        self.assertEqual(self._lookup(" M2026 0001 "), self.member.ids)
        for partial in ("138 0013", "0013-7000", "1380013700", "M2026", "王芳", "%", "138%"):
            with self.subTest(partial):
                self.assertEqual(self._lookup(partial), [])

    def test_found_member_is_shown_masked_and_logged(self):
        ids = self._lookup("138 0013 7000")
        row = self.env["res.partner"].with_user(self.cashier).browse(ids).read(["mobile", "name"])[0]
        self.assertEqual(row["mobile"], "138****7000")
        self.assertEqual(row["name"], "王芳 (会员)")
        log = self.Log.search([("user_id", "=", self.cashier.id), ("channel", "=", "lookup")])
        self.assertEqual(log.partner_id, self.member)
        self.assertTrue(log.masked)
        # the own salesperson sees the member in clear, logged clear
        self._lookup("13800137000", user=self.cashier_2)
        log = self.Log.search([("user_id", "=", self.cashier_2.id), ("channel", "=", "lookup")])
        self.assertFalse(log.masked)

    def test_only_pos_users_look_up(self):
        clerk = new_test_user(self.env, login="prv_clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            self._lookup("13800137000", user=clerk)

    def test_bulk_reads_raise_an_alert_at_once(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("retail_crm_privacy.burst_customers", "5")
        params.set_param("retail_crm_privacy.burst_check_seconds", "0")
        partners = self.env["res.partner"].create(
            [
                {"name": f"Bulk {i}", "mobile": f"+86139000000{i:02d}", "user_id": self.cashier_2.id}
                for i in range(8)
            ]
        )
        Alert = self.env["retail.crm.privacy.alert"]
        partners[:4].with_user(self.cashier).read(["mobile"])
        self.assertFalse(Alert.search([("user_id", "=", self.cashier.id)]))
        partners.with_user(self.cashier).read(["mobile"])
        alert = Alert.search([("user_id", "=", self.cashier.id)])
        self.assertEqual(len(alert), 1)
        self.assertGreater(alert.partner_count, 5)
        activity = self.env["mail.activity"].search(
            [("res_model", "=", alert._name), ("res_id", "=", alert.id)]
        )
        self.assertEqual(activity.user_id, self.officer)
        # the same burst again does not pile up alerts
        partners.with_user(self.cashier).read(["mobile"])
        self.assertEqual(len(Alert.search([("user_id", "=", self.cashier.id)])), 1)
