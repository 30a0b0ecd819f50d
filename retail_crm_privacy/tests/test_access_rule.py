import base64

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestAccessRule(PrivacyCommonMixin, TransactionCase):
    """The role matrix of the access rule: writes (who may change whom) and
    the store scope of managers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.Log = cls.env["retail.crm.privacy.access.log"]

    # ------------------------------------------------------------------
    # Writes
    # ------------------------------------------------------------------

    def test_only_managers_assign_salesperson(self):
        own = self.customer_own.with_user(self.cashier)
        with self.assertRaises(AccessError):
            own.write({"user_id": self.cashier_2.id})
        with self.assertRaises(AccessError):
            self.customer_other.with_user(self.cashier).write({"user_id": self.cashier.id})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.cashier).create(
                {"name": "Gift", "user_id": self.cashier_2.id}
            )
        self.customer_other.with_user(self.pos_manager).write({"user_id": self.cashier.id})
        self.assertEqual(self.customer_other.user_id, self.cashier)
        # now the cashier's: readable in clear
        row = self.customer_other.with_user(self.cashier).read(["mobile"])[0]
        self.assertEqual(row["mobile"], "+8613900139000")

    def test_cashier_cannot_take_over_another_customer(self):
        other = self.customer_other.with_user(self.cashier)
        attempts = {
            "archive": lambda: other.action_archive(),
            "unlink": lambda: other.unlink(),
            "copy": lambda: other.copy({"user_id": self.cashier.id}),
            "copy without salesperson": lambda: other.copy(),
            "reparent": lambda: other.write({"parent_id": self.customer_own.id}),
            "reparent own under other": lambda: self.customer_own.with_user(self.cashier).write(
                {"parent_id": self.customer_other.id}
            ),
            "child": lambda: (
                self.env["res.partner"]
                .with_user(self.cashier)
                .create({"name": "Child", "parent_id": self.customer_other.id, "type": "delivery"})
            ),
            "comment": lambda: other.write({"comment": "mine now"}),
            "merge": lambda: (
                self.env["base.partner.merge.automatic.wizard"]
                .with_user(self.cashier)
                ._merge([self.customer_own.id, self.customer_other.id], self.customer_own)
            ),
        }
        for label, attempt in attempts.items():
            with self.subTest(label), self.assertRaises(AccessError, msg=label):
                attempt()
        self.assertTrue(self.customer_other.active)
        self.assertEqual(self.customer_other.user_id, self.cashier_2)
        self.assertFalse(self.customer_other.parent_id | self.customer_own.parent_id)
        self.assertFalse(self.customer_other.child_ids)
        # own customers stay the cashier's to edit, archive and give children
        own = self.customer_own.with_user(self.cashier)
        own.write({"comment": "prefers WeChat"})
        self.env["res.partner"].with_user(self.cashier).create({"name": "Home", "parent_id": own.id})
        own.action_archive()

    def test_manager_merges_customers_of_the_store(self):
        """Odoo's merge wizard, as a POS manager with exactly the manager's
        groups: customers of the store are merged; a customer of another
        store is refused."""
        Partner = self.env["res.partner"]
        duplicate = Partner.create(
            {
                "name": "Li Na",
                "email": "li.na@example.cn",
                "phone": "021 6543 2109",
                "user_id": self.cashier_2.id,
            }
        )
        # a duplicate invited to the portal once (auth_signup's fields)
        duplicate.sudo().write({"signup_type": "signup"})
        if "retail_member_number" in Partner._fields:
            duplicate.retail_member_number = "M-DUP-0001"
        Wizard = self.env["base.partner.merge.automatic.wizard"].with_user(self.pos_manager)
        # as the contacts list opens it: selected customers in the context
        wizard = Wizard.with_context(
            active_model="res.partner", active_ids=[self.customer_other.id, duplicate.id]
        ).create({})
        wizard.dst_partner_id = self.customer_other
        wizard.action_merge()
        self.assertFalse(duplicate.exists())
        self.assertEqual(self.customer_other.phone, "021 6543 2109")
        self.assertEqual(self.customer_other.mobile, "+8613900139000")
        # another store's customer stays out of the manager's reach
        store_b = self.env["res.company"].create({"name": "Store B"})
        cashier_b = new_test_user(
            self.env,
            login="prv_merge_cashier_b",
            company_id=store_b.id,
            company_ids=[store_b.id],
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        customer_b = Partner.create({"name": "Li Na", "email": "li.na@example.cn", "user_id": cashier_b.id})
        wizard = Wizard.create(
            {
                "state": "selection",
                "partner_ids": [(6, 0, [self.customer_other.id, customer_b.id])],
                "dst_partner_id": self.customer_other.id,
            }
        )
        with self.assertRaises(AccessError):
            wizard.action_merge()
        self.assertTrue(customer_b.exists())

    def test_managed_fields_only_by_managers(self):
        Partner = self.env["res.partner"]
        managed = [
            f for f in Partner._fields if f.startswith(("retail_tier_", "retail_member_number", "rfm_"))
        ]
        if not managed:
            self.skipTest("retail_crm_loyalty / retail_crm_rfm not installed")
        if "retail_member_number" in managed:
            # a number may be given to a customer who has none, never changed
            self.customer_own.sudo().retail_member_number = "PRV-M-0001"
        for fname in managed:
            field = Partner._fields[fname]
            if field.readonly and not field.store:
                continue
            with self.subTest(fname), self.assertRaises(AccessError):
                self.customer_own.with_user(self.cashier).write({fname: False})

    # ------------------------------------------------------------------
    # Store scope
    # ------------------------------------------------------------------

    def test_store_scope_of_managers(self):
        store_b = self.env["res.company"].create({"name": "Store B"})
        cashier_b = new_test_user(
            self.env,
            login="prv_cashier_b",
            company_id=store_b.id,
            company_ids=[store_b.id],
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        manager_b = new_test_user(
            self.env,
            login="prv_manager_b",
            company_id=store_b.id,
            company_ids=[store_b.id],
            groups="base.group_user,point_of_sale.group_pos_manager",
        )
        customer_b = self.env["res.partner"].create(
            {"name": "Zhao Lei", "mobile": "+8613500135000", "user_id": cashier_b.id}
        )
        unassigned = self.env["res.partner"].create({"name": "Walk-in", "mobile": "+8613400134000"})
        partners = self.customer_other | customer_b | unassigned

        def shown(user):
            rows = partners.with_user(user).read(["mobile"])
            return {row["id"] for row in rows if "*" not in (row["mobile"] or "*")}

        self.assertEqual(shown(self.pos_manager), {self.customer_other.id, unassigned.id})
        self.assertEqual(shown(manager_b), {customer_b.id, unassigned.id})
        self.assertEqual(shown(self.cashier), set())
        self.assertEqual(shown(cashier_b), {customer_b.id})
        self.assertEqual(shown(self.officer), set(partners.ids))
        self.assertEqual(shown(self.admin_user), set(partners.ids))
        # searches follow the same scope
        Partner = self.env["res.partner"].with_user(self.pos_manager)
        self.assertFalse(Partner.search([("mobile", "=", "+8613500135000")]))
        self.assertTrue(Partner.with_user(manager_b).search([("mobile", "=", "+8613500135000")]))

    # ------------------------------------------------------------------
    # DPO files, server-side code
    # ------------------------------------------------------------------

    def test_request_files_for_the_dpo_only(self):
        request = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.pos_manager)
            .create({"partner_id": self.customer_other.id, "request_type": "access"})
        )
        request.with_user(self.officer).action_export()
        attachment = request.sudo().export_attachment_id
        self.assertTrue(attachment)
        Attachment = self.env["ir.attachment"]
        with self.assertRaises(AccessError):
            attachment.with_user(self.pos_manager).read(["datas"])
        self.assertFalse(Attachment.with_user(self.pos_manager).search([("id", "=", attachment.id)]))
        self.assertFalse(
            Attachment.with_user(self.pos_manager).search([("res_model", "=", "retail.crm.privacy.request")])
        )
        self.assertTrue(base64.b64decode(attachment.with_user(self.officer).datas))
        # the DPO's export is in the access log, in clear
        logs = self.Log.search(
            [("user_id", "=", self.officer.id), ("partner_id", "=", self.customer_other.id)]
        )
        self.assertTrue(logs)
        self.assertFalse(any(logs.mapped("masked")))

    def test_server_side_code_keeps_real_values(self):
        """Masking happens where values leave the server: code run for the
        cashier (notifying the customer by e-mail) still uses the real address."""
        other = self.customer_other.with_user(self.cashier)
        self.assertEqual(other.email, "li.na@example.cn")
        other.with_context(mail_notify_force_send=False).message_post(
            body="Your order is ready", partner_ids=other.ids, message_type="comment", mail_auto_delete=False
        )
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("recipient_ids", "in", other.ids)], order="id desc", limit=1)
        )
        self.assertTrue(mail)
        outgoing = mail._prepare_outgoing_list()
        self.assertIn("li.na@example.cn", str([values["email_to"] for values in outgoing]))
        # while the cashier's own reads of the same record are masked
        self.assertEqual(other.read(["email"])[0]["email"], "l***@example.cn")
        self.assertEqual(other.sudo().email, "li.na@example.cn")
