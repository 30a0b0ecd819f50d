from odoo.tests import HttpCase, tagged

from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestPrivacyRpc(PrivacyCommonMixin, HttpCase):
    """Masking and audit through the real JSON-RPC routes of the web client."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()

    def _call(self, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/res.partner/{method}",
            {"model": "res.partner", "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def test_cashier_rpc_routes(self):
        self.authenticate("prv_cashier", "prv_cashier")
        ids = [self.customer_own.id, self.customer_other.id]
        rows = {r["id"]: r for r in self._call("read", [ids, ["mobile", "email"]])}
        self.assertEqual(rows[self.customer_other.id]["mobile"], "139****9000")
        self.assertEqual(rows[self.customer_own.id]["mobile"], "+8613800138000")
        rows = self._call("search_read", [[("id", "=", self.customer_other.id)], ["mobile"]])
        self.assertEqual(rows[0]["mobile"], "139****9000")
        rows = self._call("web_read", [[self.customer_other.id], {"mobile": {}, "street": {}}])
        self.assertEqual(rows[0]["mobile"], "139****9000")
        result = self._call(
            "web_search_read",
            [],
            {"domain": [("id", "in", ids)], "specification": {"mobile": {}, "email": {}}},
        )
        masked = {r["id"]: r for r in result["records"]}
        self.assertEqual(masked[self.customer_other.id]["email"], "l***@example.cn")
        logs = self.env["retail.crm.privacy.access.log"].search([("user_id", "=", self.cashier.id)])
        self.assertEqual(set(logs.mapped("channel")), {"rpc", "form"})
        self.assertIn(self.customer_other, logs.partner_id)

    def test_reads_stay_on_read_only_routes(self):
        """The web client's reads of customers run on read-only transactions
        (a read replica when there is one), as for any model; the access log
        row is written in a short transaction of its own (no retry of the
        read on the primary: Odoo would log a warning)."""
        Partner = self.registry["res.partner"]
        for method in ("read", "search_read", "web_read", "web_search_read"):
            # what web's /web/dataset/call_kw decides (_call_kw_readonly)
            flags = [
                getattr(cls, method)._readonly
                for cls in Partner.mro()
                if hasattr(getattr(cls, method, None), "_readonly")
            ]
            self.assertTrue(flags and flags[0], f"res.partner.{method} is routed to a read/write transaction")
        self.authenticate("prv_cashier", "prv_cashier")
        with self.assertNoLogs("odoo.http", "WARNING"):
            result = self._call(
                "web_search_read",
                [],
                {"domain": [("id", "=", self.customer_other.id)], "specification": {"mobile": {}}},
            )
        self.assertEqual(result["records"][0]["mobile"], "139****9000")
        logs = self.env["retail.crm.privacy.access.log"].search([("user_id", "=", self.cashier.id)])
        self.assertEqual(logs.partner_id, self.customer_other)
        self.assertEqual((logs.channel, logs.masked, logs.field_names), ("rpc", True, "mobile"))

    def test_manager_rpc_clear(self):
        self.authenticate("prv_manager", "prv_manager")
        rows = self._call("read", [[self.customer_other.id], ["mobile"]])
        self.assertEqual(rows[0]["mobile"], "+8613900139000")
