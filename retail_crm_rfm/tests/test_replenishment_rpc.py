from datetime import timedelta

from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .test_replenishment import ReplenishmentCommon


@tagged("post_install", "-at_install")
class TestReplenishmentRpc(ReplenishmentCommon, HttpCase):
    """The list through the web client's JSON-RPC routes, as real users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        base = cls.today - timedelta(days=60)
        cls.own = cls._member("钱进")
        cls.foreign = cls._member("钱进进", user_id=False)
        for partner in cls.own | cls.foreign:
            for offset in (0, 20, 40):
                cls._buy(partner, base + timedelta(days=offset), [(cls.toothpaste, 1)])
        cls.env["retail.crm.replenishment"]._replenishment_refresh(cls.company_a, cls.today)
        cls.rows = cls.env["retail.crm.replenishment"].search(
            [("partner_id", "in", (cls.own | cls.foreign).ids)]
        )
        cls.own_row = cls.rows.filtered(lambda r: r.partner_id == cls.own)

    def _call(self, method, args, kwargs=None):
        model = "retail.crm.replenishment"
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def test_cashier_gets_nothing(self):
        self.assertEqual(len(self.rows), 2)
        self.authenticate("rep_cashier", "rep_cashier")
        self.assertEqual(self._call("search_read", [[], ["partner_id", "expected_date"]]), [])
        result = self._call(
            "web_search_read", [], {"domain": [], "specification": {"partner_id": {}, "expected_date": {}}}
        )
        self.assertEqual(result["length"], 0)
        with self.assertRaises(JsonRpcException) as caught:
            self._call("read", [self.own_row.ids, ["expected_date"]])
        self.assertIn("AccessError", str(caught.exception))

    def test_salesperson_sees_own_customers(self):
        self.authenticate("rep_salesperson", "rep_salesperson")
        rows = self._call("search_read", [[], ["partner_id", "expected_date", "interval_days"]])
        self.assertEqual([r["id"] for r in rows], self.own_row.ids)
        self.assertEqual(rows[0]["interval_days"], 20)
        with self.assertRaises(JsonRpcException) as caught:
            self._call("read", [(self.rows - self.own_row).ids, ["expected_date"]])
        self.assertIn("AccessError", str(caught.exception))
        with self.assertRaises(JsonRpcException) as caught:
            self._call("write", [self.own_row.ids, {"interval_days": 1}])
        self.assertIn("AccessError", str(caught.exception))
        self.own_row.invalidate_recordset()
        self.assertEqual(self.own_row.interval_days, 20)
