import json

from odoo.tests import tagged

from .penetration_common import PenetrationCommon


@tagged("post_install", "-at_install")
class TestPrivacyPenetration(PenetrationCommon):
    """A restricted cashier probes every route over real HTTP (JSON-RPC of the
    web client and the external /jsonrpc API): no personal value of another
    salesperson's customer may appear in any response body."""

    # ------------------------------------------------------------------

    def test_reads_of_customer(self):
        ids = [self.own.id, self.other.id]
        fields = ["display_name", "mobile", "phone", "email", "street", "street2", "zip", "vat"]
        fields += ["contact_address", "contact_address_inline", "email_formatted", "phone_sanitized"]
        fields = [f for f in fields if f in self.env["res.partner"]._fields]
        self._call("res.partner", "read", [ids, fields])
        self._call("res.partner", "search_read", [[("id", "in", ids)], fields])
        self._call("res.partner", "web_read", [ids, {f: {} for f in fields}])
        self._call("res.partner", "web_search_read", [[("id", "in", ids)], {f: {} for f in fields}])
        self._call("res.partner", "name_search", ["", [("id", "in", ids)]], {"limit": 5000})
        self._call("res.partner", "name_search", ["王芳"], {"limit": 5000})
        self._call("res.partner", "web_read_group", [[], ["zip"], ["zip"]])
        self._call("res.partner", "read_group", [[], ["mobile:array_agg", "email:max"], ["user_id"]])
        self._call("res.partner", "export_data", [ids, ["name", "mobile", "email", "street", "display_name"]])
        self._execute_kw("res.partner", "read", [ids, fields])
        self._call("res.partner.bank", "search_read", [[("partner_id", "=", self.other.id)], ["acc_number"]])
        self._call("res.partner", "web_read", [[self.other.id], {"bank_ids": {"fields": {"acc_number": {}}}}])
        bank_probe = [("id", "=", self.bank.id), ("acc_number", "=like", "6222%")]
        self.assertEqual(self._call("res.partner.bank", "search_count", [bank_probe])["result"], 0)
        self._execute_kw("res.partner", "name_search", ["王"], {"limit": 100})
        result = self._call("res.partner", "read", [[self.own.id], ["mobile", "email"]])["result"]
        self.assertEqual(result[0]["mobile"], "138 0013 8000", "the cashier's own customer stays readable")
        self.assertNoLeak()
        logs = self.env["retail.crm.privacy.access.log"].search(
            [("user_id", "=", self.cashier.id), ("partner_id", "=", self.other.id)]
        )
        self.assertTrue(logs and all(logs.mapped("masked")), "the masked reads are logged as masked")
        own_logs = self.env["retail.crm.privacy.access.log"].search(
            [("user_id", "=", self.cashier.id), ("partner_id", "=", self.own.id)]
        )
        self.assertIn(False, own_logs.mapped("masked"), "clear reads of own customers are logged clear")

    def test_pos_order_routes(self):
        self.assertIn("13900139000", self.order.mobile, "the order keeps its copy of the mobile")
        fields = ["partner_id", "name", "email", "mobile"]
        self._call("pos.order", "read", [self.order.ids, fields])
        self._call("pos.order", "search_read", [[("id", "=", self.order.id)], fields])
        self._call("pos.order", "read_group", [[("id", "=", self.order.id)], ["partner_id"], ["partner_id"]])
        self._call(
            "pos.order", "web_read_group", [[("id", "=", self.order.id)], ["partner_id"], ["partner_id"]]
        )
        self._call(
            "pos.order",
            "web_read",
            [self.order.ids, {"partner_id": {"fields": {"display_name": {}, "mobile": {}, "email": {}}}}],
        )
        self._call(
            "pos.order",
            "export_data",
            [self.order.ids, ["partner_id", "partner_id/mobile", "partner_id/email"]],
        )
        self._execute_kw("pos.order", "read", [self.order.ids, fields])
        for leaf in [("mobile", "=like", "+86 139%"), ("mobile", "=like", "+86 137%"), ("email", "<=", "g")]:
            count = self._call("pos.order", "search_count", [[("id", "=", self.order.id), leaf]])["result"]
            self.assertEqual(count, 0, f"pos.order {leaf} is an oracle")
        logs = self.env["retail.crm.privacy.access.log"].search(
            [("user_id", "=", self.cashier.id), ("partner_id", "=", self.other.id), ("channel", "=", "rpc")]
        )
        self.assertTrue(logs and all(logs.mapped("masked")), "the order's copies shown masked are logged")
        self._call(
            "retail.crm.consent",
            "search_read",
            [[("partner_id", "=", self.other.id)], ["partner_id"]],
        )
        self.assertNoLeak()

    def test_search_is_no_oracle(self):
        """Two hidden customers - one with a phone, one without, different
        mobiles and e-mails - answer every domain the same way: a search
        cannot tell their values apart."""
        third = self.env["res.partner"].create(
            {
                "name": "王芳芳二",
                "mobile": "13700137000",
                "email": "zz@example.org",
                "user_id": self.colleague.id,
            }
        )
        pair = [self.other.id, third.id]
        leaves = [
            ("mobile", "=like", "+86 139%"),
            ("mobile", "ilike", "0013-9000"),
            ("mobile", "<=", "+86 138"),
            ("email", "=like", "fangfang%"),
            ("email", "<=", "g"),
            ("email", ">", "g"),
            ("street", "ilike", "淮海"),
            ("vat", "=like", "3101%"),
            ("zip", "=", "200020"),
            ("display_name", "ilike", "fangfang.secret"),
            ("phone", "!=", False),
            ("phone", "=", False),
            ("email_normalized", "=", "fangfang.secret@example.cn"),
            ("phone_sanitized", "=like", "+86139%"),
        ]
        for leaf in leaves:
            if leaf[0] not in self.env["res.partner"]._fields:
                continue
            found = self._call("res.partner", "search", [[("id", "in", pair), leaf]])["result"]
            count = self._call("res.partner", "search_count", [[("id", "in", pair), leaf]])["result"]
            self.assertIn(sorted(found), ([], sorted(pair)), f"{leaf} tells hidden customers apart")
            self.assertIn(count, (0, 2), f"{leaf} tells hidden customers apart")
        rows = self._execute_kw(
            "res.partner", "search_count", [[("id", "=", self.other.id), ("mobile", "=like", "+86 139%")]]
        )
        self.assertEqual(rows["result"], 0)
        # the order of customers does not follow their hidden values
        third = self.env["res.partner"].create(
            {"name": "王芳芳二", "mobile": "13700137000", "user_id": self.colleague.id}
        )
        ids = [self.other.id, third.id]
        asc = self._call("res.partner", "search", [[("id", "in", ids)]], {"order": "mobile asc, id"})[
            "result"
        ]
        desc = self._call("res.partner", "search", [[("id", "in", ids)]], {"order": "mobile desc, id"})[
            "result"
        ]
        self.assertEqual(asc, desc)
        # the cashier's own customers are searchable as usual
        own = self._call(
            "res.partner", "search_count", [[("mobile", "=like", "138%"), ("id", "=", self.own.id)]]
        )
        self.assertEqual(own["result"], 1)

    def test_mail_routes(self):
        self._post(
            "/mail/thread/data",
            {
                "thread_model": "res.partner",
                "thread_id": self.other.id,
                "request_list": ["followers", "suggestedRecipients"],
            },
        )
        messages = self._post(
            "/mail/thread/messages", {"thread_model": "res.partner", "thread_id": self.other.id}
        )
        # the tracked change is shown, masked
        self.assertIn("淮***", json.dumps(messages, ensure_ascii=False))
        self._call(
            "mail.followers", "search_read", [[("res_model", "=", "res.partner")], ["email", "display_name"]]
        )
        self._call(
            "mail.followers",
            "export_data",
            [self.other.message_follower_ids.ids, ["email", "partner_id/email"]],
        )
        # the e-mail of another's customer does not find them (no oracle)
        found = self._post("/mail/partner/from_email", {"emails": ["fangfang.secret@example.cn"]})["result"]
        self.assertNotIn(self.other.id, [row["id"] for row in found])
        self.bodies.pop()  # echoes the address the cashier typed
        self.assertNoLeak()

    def test_writes_refused(self):
        partner_routes = [
            ("write", [[self.other.id], {"user_id": self.cashier.id}]),
            ("write", [[self.other.id], {"active": False}]),
            ("write", [[self.other.id], {"parent_id": self.own.id}]),
            ("write", [[self.own.id], {"parent_id": self.other.id}]),
            ("write", [[self.other.id], {"name": "Taken over"}]),
            ("action_archive", [[self.other.id]]),
            ("copy", [[self.other.id], {"user_id": self.cashier.id}]),
            ("unlink", [[self.other.id]]),
            ("create", [{"name": "Child", "parent_id": self.other.id}]),
            ("create", [{"name": "Gift", "user_id": self.colleague.id}]),
            ("write", [[self.own.id], {"user_id": self.colleague.id}]),
        ]
        for method, args in partner_routes:
            result = self._call("res.partner", method, args)
            self.assertIn("error", result, f"{method} {args} was accepted")
        result = self._call(
            "res.partner",
            "privacy_pos_set_consents",
            [self.other.id, {str(self.env.ref("retail_crm_privacy.purpose_marketing_sms").id): False}],
        )
        self.assertIn("error", result)
        self.other.invalidate_recordset()
        self.assertEqual(self.other.user_id, self.colleague)
        self.assertTrue(self.other.active)
        self.assertFalse(self.other.parent_id)
        self.assertEqual(self.other.name, "王芳芳")
        self.assertNoLeak()

    def test_complaint_routes(self):
        if "retail.crm.complaint" not in self.env:
            self.skipTest("retail_crm_complaints not installed")
        Complaint = self.env["retail.crm.complaint"]
        spec = {"partner_id": {"fields": {"display_name": {}}}, "email_from": {}, "partner_phone": {}}
        result = self._ok(
            self._call(
                "retail.crm.complaint",
                "onchange",
                [[], {"partner_id": self.other.id, "subject": "Broken tin"}, ["partner_id"], spec],
            )
        )
        values = {"subject": "Broken tin", "partner_id": self.other.id}
        values["email_from"] = result["value"].get("email_from")
        created = self._ok(self._call("retail.crm.complaint", "create", [values]))
        complaint = Complaint.browse(created if isinstance(created, int) else created[0])
        self.assertEqual(complaint.email_from, self.other.email, "a masked copy sent back is not stored")
        self._call(
            "retail.crm.complaint", "read", [complaint.ids, ["email_from", "partner_phone", "partner_id"]]
        )
        self._call("retail.crm.complaint", "export_data", [complaint.ids, ["email_from", "partner_phone"]])
        self._call(
            "retail.crm.complaint",
            "web_read_group",
            [[("id", "=", complaint.id)], ["email_from"], ["email_from"]],
        )
        for leaf in [("email_from", "=like", "fangfang%"), ("email_from", "=like", "zz%")]:
            count = self._call("retail.crm.complaint", "search_count", [[("id", "=", complaint.id), leaf]])
            self.assertEqual(count["result"], 0, f"complaint {leaf} is an oracle")
        self.assertNoLeak()
