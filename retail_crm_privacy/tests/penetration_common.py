import json
import re

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.tests import new_test_user

# a cashier exactly as a store sets one up: employee, POS user, may create
# contacts and export
CASHIER_GROUPS = (
    "base.group_user,point_of_sale.group_pos_user,base.group_partner_manager,base.group_allow_export"
)
REVEAL = {"show_email": 1, "show_address": 1, "show_vat": 1, "address_inline": 1}


class PenetrationCommon(TestPointOfSaleHttpCommon):
    """Fixtures of the penetration tests: a cashier with exactly the cashier's
    groups, their own customer and a colleague's, whose personal values
    (``secrets``) must never appear in a response body (``assertNoLeak``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.cashier = new_test_user(env, login="pen_cashier", name="Cashier Pen", groups=CASHIER_GROUPS)
        cls.colleague = new_test_user(env, login="pen_colleague", name="Colleague Pen", groups=CASHIER_GROUPS)
        Partner = env["res.partner"]
        cls.own = Partner.create(
            {
                "name": "王芳",
                "mobile": "138 0013 8000",
                "email": "wang.fang@example.cn",
                "street": "南京路 88 号",
                "user_id": cls.cashier.id,
            }
        )
        # another salesperson's customer; her name contains the own one's
        cls.other = Partner.create(
            {
                "name": "王芳芳",
                "mobile": "+86 139-0013-9000",
                "phone": "021 6543 2109",
                "email": "fangfang.secret@example.cn",
                "street": "淮海中路 1 号",
                "street2": "Building 7",
                "zip": "200020",
                "city": "Shanghai",
                "vat": "310101199001011234",
                "user_id": cls.colleague.id,
            }
        )
        cls.secrets = [
            "13900139000",
            "0013-9000",
            "0013 9000",
            "65432109",
            "6543 2109",
            "fangfang.secret",
            "淮海中路",
            "Building 7",
            "200020",
            "310101199001011234",
        ]
        cls.bank = env["res.partner.bank"].create(
            {"partner_id": cls.other.id, "acc_number": "6222020202027788"}
        )
        cls.secrets.append("6222020202027788")
        cls.other.message_subscribe(partner_ids=cls.other.ids)
        # a tracked change of the other customer's e-mail and address
        Tracking = env["mail.tracking.value"]
        info = cls.other.fields_get(["email", "street"])
        tracked = [
            Tracking._create_tracking_values(
                "old.fangfang.secret@example.cn", cls.other.email, "email", info["email"], cls.other
            ),
            Tracking._create_tracking_values(
                "淮海中路 2 号", cls.other.street, "street", info["street"], cls.other
            ),
        ]
        cls.other._message_log(body="", tracking_value_ids=[(0, 0, vals) for vals in tracked])
        cls.secrets.append("淮海中路 2")
        cls.main_pos_config.open_ui()
        product = cls.env["product.product"].create(
            {"name": "Tea", "available_in_pos": True, "list_price": 10}
        )
        cls.order = cls.env["pos.order"].create(
            {
                "session_id": cls.main_pos_config.current_session_id.id,
                "partner_id": cls.other.id,
                "lines": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "qty": 1,
                            "price_unit": 10,
                            "price_subtotal": 10,
                            "price_subtotal_incl": 10,
                        },
                    )
                ],
                "amount_tax": 0,
                "amount_total": 10,
                "amount_paid": 0,
                "amount_return": 0,
            }
        )

    def setUp(self):
        super().setUp()
        self.bodies = []
        self.authenticate("pen_cashier", "pen_cashier")

    # ------------------------------------------------------------------

    def _post(self, route, params):
        data = json.dumps({"id": 0, "jsonrpc": "2.0", "method": "call", "params": params}).encode()
        response = self.url_open(route, data, headers={"Content-Type": "application/json"})
        self.bodies.append((route, params.get("method"), response.text))
        return response.json()

    def _call(self, model, method, args=(), kwargs=None, context=None):
        kwargs = dict(kwargs or {})
        kwargs["context"] = dict(REVEAL, **(context or {}))
        return self._post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def _ok(self, response):
        self.assertIn("result", response, response.get("error", {}).get("data", {}).get("message"))
        return response["result"]

    def _execute_kw(self, model, method, args=(), kwargs=None):
        kwargs = dict(kwargs or {}, context=REVEAL)
        args = [self.env.cr.dbname, self.cashier.id, "pen_cashier", model, method, list(args), kwargs]
        return self._post("/jsonrpc", {"service": "object", "method": "execute_kw", "args": args})

    def assertNoLeak(self):
        for route, method, body in self.bodies:
            text = json.loads(body)
            flat = json.dumps(text, ensure_ascii=False)
            digits = re.sub(r"[\s\-]", "", flat)
            for secret in self.secrets:
                self.assertNotIn(secret, flat, f"{route} {method or ''} leaks {secret!r}")
                if secret.isdigit():
                    self.assertNotIn(secret, digits, f"{route} {method or ''} leaks {secret!r}")

    def _count(self, domain):
        result = self._call("res.partner", "search_count", [[("id", "=", self.other.id), *domain]])
        return result["result"]
