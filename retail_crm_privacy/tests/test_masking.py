from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, tagged

from ..models import privacy_tools
from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestMasking(PrivacyCommonMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.Log = cls.env["retail.crm.privacy.access.log"]

    def test_mask_helpers(self):
        self.assertEqual(privacy_tools.mask_phone("+86 138 0013 8000"), "138****8000")
        self.assertEqual(privacy_tools.mask_phone("13800138000"), "138****8000")
        self.assertEqual(privacy_tools.mask_email("wang.fang@example.cn"), "w***@example.cn")
        self.assertFalse(privacy_tools.mask_value("retail_birthday", "date", "1990-01-01"))
        self.assertIn("mobile", self.env["res.partner"]._privacy_personal_fields())
        self.assertIn("street", self.env["res.partner"]._privacy_personal_fields())
        self.assertNotIn("name", self.env["res.partner"]._privacy_personal_fields())

    def _both(self, user, method, *args, **kwargs):
        partners = (self.customer_own | self.customer_other).with_user(user)
        rows = getattr(partners, method)(*args, **kwargs)
        return {row["id"]: row for row in rows}

    def test_cashier_read_routes_masked(self):
        fields = ["name", "mobile", "email", "street", "city", "zip"]
        routes = [
            ("read", (fields,), {}),
            ("web_read", ({f: {} for f in fields},), {}),
        ]
        for method, args, kwargs in routes:
            rows = self._both(self.cashier, method, *args, **kwargs)
            own, other = rows[self.customer_own.id], rows[self.customer_other.id]
            self.assertEqual(own["mobile"], "+8613800138000", method)
            self.assertEqual(own["email"], "wang.fang@example.cn", method)
            self.assertEqual(other["mobile"], "139****9000", method)
            self.assertEqual(other["email"], "l***@example.cn", method)
            self.assertNotIn("Huaihai", other["street"], method)
            self.assertEqual(other["name"], "Li Na Privacy", method)
        rows = (
            self.env["res.partner"]
            .with_user(self.cashier)
            .search_read([("id", "=", self.customer_other.id)], ["mobile", "email"])
        )
        self.assertEqual(rows[0]["mobile"], "139****9000")
        rows = (
            self.env["res.partner"]
            .with_user(self.cashier)
            .web_search_read([("id", "=", self.customer_other.id)], {"mobile": {}, "email": {}})["records"]
        )
        self.assertEqual(rows[0]["mobile"], "139****9000")

    def test_cashier_groups_see_no_hidden_value(self):
        """GROUP BY, aggregates and ORDER BY on a personal field: customers the
        cashier may not see count as empty, their values never come out."""
        Partner = self.env["res.partner"].with_user(self.cashier)
        domain = [("id", "in", (self.customer_own | self.customer_other).ids)]
        groups = Partner.read_group(domain, ["mobile"], ["mobile"])
        self.assertEqual({g["mobile"]: g["mobile_count"] for g in groups}, {"+8613800138000": 1, False: 1})
        groups = Partner.web_read_group(domain, ["email"], ["email"])["groups"]
        self.assertNotIn("li.na@example.cn", str(groups))
        [(mobiles,)] = Partner._read_group(domain, [], ["mobile:array_agg"])
        self.assertEqual(sorted(m for m in mobiles if m), ["+8613800138000"])
        [(email_max,)] = Partner._read_group(domain, [], ["email:max"])
        self.assertEqual(email_max, "wang.fang@example.cn")
        self.assertTrue(Partner.read_group(domain, ["user_id"], ["user_id"]))
        groups = (
            self.env["res.partner"]
            .with_user(self.pos_manager)
            .read_group([("id", "=", self.customer_other.id)], ["mobile"], ["mobile"])
        )
        self.assertEqual(groups[0]["mobile"], "+8613900139000")

    def test_cashier_display_name_hides_address(self):
        other = self.customer_other.with_user(self.cashier).with_context(show_address=True, show_email=True)
        name = other.read(["display_name"])[0]["display_name"]
        self.assertNotIn("Huaihai", name)
        self.assertNotIn("li.na@example.cn", name)
        # the attribute itself (what error messages are built from), also under sudo()
        for env_other in (other, other.sudo()):
            self.assertNotIn("Huaihai", env_other.display_name)
            self.assertNotIn("li.na@example.cn", env_other.display_name)
        self.assertIn("Huaihai", self.customer_other.with_context(show_address=True).display_name)
        own = self.customer_own.with_user(self.cashier).with_context(show_email=True)
        self.assertIn("wang.fang@example.cn", own.read(["display_name"])[0]["display_name"])

    def test_cashier_chatter_suggestions_masked(self):
        other = self.customer_other.with_user(self.cashier)
        suggestions = other._message_get_suggested_recipients()
        emails = [row.get("email") for row in suggestions if row.get("partner_id") == other.id]
        self.assertEqual(emails, ["l***@example.cn"])
        own = self.customer_own.with_user(self.cashier)._message_get_suggested_recipients()
        self.assertIn("wang.fang@example.cn", [row.get("email") for row in own])

    def test_cashier_export_masked(self):
        partners = (self.customer_own | self.customer_other).with_user(self.cashier)
        data = partners.export_data(["name", "mobile", "email"])["datas"]
        values = {row[0]: row for row in data}
        self.assertEqual(values["Li Na Privacy"][1], "139****9000")
        self.assertNotIn("li.na@example.cn", str(data))
        log = self.Log.search([("channel", "=", "export"), ("user_id", "=", self.cashier.id)])
        self.assertEqual(set(log.partner_id.ids), set(partners.ids))

    def test_cashier_pos_load_masked(self):
        config = self.env["pos.config"].search([], limit=1)
        if not config:
            self.skipTest("no POS configuration")
        data = {"pos.config": {"data": [{"id": config.id}]}, "pos.order": {"data": []}}
        Partner = self.env["res.partner"].with_user(self.cashier)
        domain = [("id", "in", (self.customer_own | self.customer_other).ids)]
        Partner = Partner.with_context(privacy_channel="pos")
        rows = {r["id"]: r for r in Partner.search_read(domain, ["mobile", "email"], load=False)}
        self.assertEqual(rows[self.customer_other.id]["mobile"], "139****9000")
        self.assertEqual(rows[self.customer_own.id]["mobile"], "+8613800138000")
        loaded = Partner._load_pos_data(data)
        self.assertTrue(loaded["fields"])
        self.assertTrue(self.Log.search([("channel", "=", "pos"), ("user_id", "=", self.cashier.id)]))

    def test_clear_text_for_managers(self):
        for user in (self.pos_manager, self.admin_user, self.officer):
            rows = self._both(user, "read", ["mobile", "email"])
            self.assertEqual(rows[self.customer_other.id]["mobile"], "+8613900139000", user.login)
            self.assertEqual(rows[self.customer_other.id]["email"], "li.na@example.cn", user.login)

    def test_cashier_cannot_write_others(self):
        other = self.customer_other.with_user(self.cashier)
        with self.assertRaises(AccessError):
            other.write({"mobile": "+8613700137000"})
        with self.assertRaises(AccessError):
            other.write({"street": "elsewhere"})
        # nothing else of another's customer either (deny by default)
        with self.assertRaises(AccessError):
            other.write({"comment": "asked for a bag"})
        # a masked value sent back unchanged by a form is ignored, not stored
        other.write({"mobile": "139****9000"})
        self.assertEqual(self.customer_other.mobile, "+8613900139000")
        # own customers are editable
        self.customer_own.with_user(self.cashier).write({"mobile": "+8613800138001"})
        self.assertEqual(self.customer_own.mobile, "+8613800138001")
        self.customer_other.with_user(self.pos_manager).write({"mobile": "+8613700137000"})
        self.assertEqual(self.customer_other.mobile, "+8613700137000")

    def test_cashier_creates_own_customer(self):
        partner = (
            self.env["res.partner"]
            .with_user(self.cashier)
            .create(
                {
                    "name": "New Member",
                    "mobile": "+8613600136000",
                }
            )
        )
        self.assertEqual(partner.user_id, self.cashier)
        self.assertEqual(partner.with_user(self.cashier).read(["mobile"])[0]["mobile"], "+8613600136000")
        self.assertNotEqual(partner.with_user(self.cashier_2).read(["mobile"])[0]["mobile"], "+8613600136000")

    def test_access_log_shows_field_labels_in_reader_language(self):
        """The audit log names the data read as the screens do, in the
        officer's language, never by its technical field name."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["base", "retail_crm_privacy"], ["zh_CN"], overwrite=True
        )
        self.officer.lang = "zh_CN"
        (self.customer_own | self.customer_other).with_user(self.cashier).read(["mobile", "email", "street"])
        log = self.Log.search([("user_id", "=", self.cashier.id)], limit=1)
        self.assertEqual(log.field_names, "email,mobile,street")
        shown = log.with_user(self.officer).with_context(lang="zh_CN").field_labels
        expected = (
            self.env["ir.model.fields"].with_context(lang="zh_CN")._get("res.partner", name).field_description
            for name in ("email", "mobile", "street")
        )
        self.assertEqual(shown, "、".join(expected))
        for name in ("email", "mobile", "street"):
            self.assertNotIn(name, shown)
        arch = self.Log.with_user(self.officer).get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertIn('name="field_labels"', arch)
        self.assertNotIn('name="field_names"', arch, "the technical names only in debug mode")

    def test_reads_are_logged_in_one_batch(self):
        partners = (self.customer_own | self.customer_other).with_user(self.cashier)
        self.Log.flush_model()
        self.env.cr.execute("SELECT count(*) FROM retail_crm_privacy_access_log")
        before = self.env.cr.fetchone()[0]
        partners.read(["name", "mobile"])
        self.env.cr.execute("SELECT count(*) FROM retail_crm_privacy_access_log")
        self.assertEqual(self.env.cr.fetchone()[0], before + 2)
        logs = self.Log.search([("user_id", "=", self.cashier.id)])
        self.assertEqual(set(logs.partner_id.ids), set(partners.ids))
        self.assertEqual(set(logs.mapped("field_names")), {"mobile"})
        # what was shown: the own customer in clear, the other masked
        shown = {log.partner_id: log.masked for log in logs}
        self.assertEqual(shown, {self.customer_own: False, self.customer_other: True})
        # reading non-personal fields does not log
        partners.read(["name"])
        self.assertEqual(len(self.Log.search([("user_id", "=", self.cashier.id)])), 2)
        # form opening is logged as such
        self.customer_own.with_user(self.cashier).web_read({"email": {}})
        self.assertTrue(self.Log.search([("user_id", "=", self.cashier.id), ("channel", "=", "form")]))

    def test_one_insert_per_read(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Bulk {i}", "mobile": f"+86137001370{i:02d}"} for i in range(30)]
        )
        self.env.flush_all()
        statements = []
        cr = self.env.cr
        original = cr.execute

        def counting_execute(query, params=None, log_exceptions=True):
            if "INSERT INTO retail_crm_privacy_access_log" in str(query):
                statements.append(query)
            return original(query, params, log_exceptions)

        cr.execute = counting_execute
        try:
            partners.with_user(self.cashier).read(["mobile"])
        finally:
            cr.execute = original
        self.assertEqual(len(statements), 1)
        self.assertEqual(
            self.Log.search_count([("user_id", "=", self.cashier.id), ("partner_id", "in", partners.ids)]),
            30,
        )

    def test_minimisation_settings(self):
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.privacy_collect_birthday)
        settings.privacy_collect_vat = False
        settings.execute()
        with self.assertRaises(ValidationError):
            self.env["res.partner"].with_user(self.pos_manager).create({"name": "X", "vat": "DE123"})
        partner = self.env["res.partner"].with_user(self.pos_manager).create({"name": "Y"})
        with self.assertRaises(ValidationError):
            partner.write({"vat": "DE123"})
        partner.write({"street": "still collected"})
        self.assertEqual(partner.street, "still collected")

    def test_copy_methods_only_on_models_with_copies(self):
        """Reads, SQL, onchange and create/write of the privacy addon run on
        the models that hold copies of a customer's personal data only (POS
        orders, messages, followers, complaints, mailing contacts...), not
        on every model of the database."""
        with_copies = [
            m
            for m in (
                "pos.order",
                "mail.message",
                "mail.followers",
                "retail.crm.complaint",
                "mailing.contact",
            )
            if m in self.env
        ]
        for model_name in with_copies:
            self.assertTrue(self.env[model_name]._privacy_carries_copies(), model_name)
        for model_name in ("res.country", "product.template", "pos.config", "retail.crm.consent.purpose"):
            Model = self.registry[model_name]
            self.assertFalse(self.env[model_name]._privacy_carries_copies(), model_name)
            for name in ("_read_format", "_field_to_sql", "_fetch_query", "onchange", "create", "write"):
                owners = [cls.__module__ for cls in Model.mro() if name in vars(cls)]
                self.assertFalse(
                    [m for m in owners if m.startswith("odoo.addons.retail_crm_privacy")],
                    f"{model_name}.{name} goes through the privacy addon",
                )
        for model_name in with_copies:
            read_format = self.registry[model_name]._read_format
            self.assertTrue(getattr(read_format, "_privacy_copies", False), model_name)
