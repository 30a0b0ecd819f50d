from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .common import PrivacyCommonMixin

OPERATIONS = ("read", "write", "create", "unlink")

# The access policy of this addon, per role: read, write, create, unlink.
# Changing an ACL without changing this table fails the build.
POLICY = {
    "retail.crm.consent.purpose": {"cashier": "r", "pos_manager": "r", "admin": "rwcu", "officer": "rwcu"},
    "retail.crm.consent": {"cashier": "rc", "pos_manager": "rc", "admin": "rwcu", "officer": "rc"},
    "retail.crm.consent.current": {"cashier": "r", "pos_manager": "r", "admin": "r", "officer": "r"},
    "retail.crm.consent.record": {
        "cashier": "rwcu",
        "pos_manager": "rwcu",
        "admin": "rwcu",
        "officer": "rwcu",
    },
    "retail.crm.privacy.request": {"cashier": "", "pos_manager": "rc", "admin": "rwcu", "officer": "rwcu"},
    "retail.crm.erasure.preview": {"cashier": "", "pos_manager": "", "admin": "rwcu", "officer": "rwcu"},
    "retail.crm.erasure.preview.line": {"cashier": "", "pos_manager": "", "admin": "rwcu", "officer": "rwcu"},
    "retail.crm.erasure.log": {"cashier": "", "pos_manager": "", "admin": "r", "officer": "r"},
    "retail.crm.privacy.access.log": {"cashier": "", "pos_manager": "", "admin": "r", "officer": "r"},
    "retail.crm.privacy.alert": {"cashier": "", "pos_manager": "", "admin": "rwcu", "officer": "rwc"},
}


@tagged("post_install", "-at_install")
class TestRoleMatrix(PrivacyCommonMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.roles = {
            "cashier": cls.cashier,
            "pos_manager": cls.pos_manager,
            "admin": cls.admin_user,
            "officer": cls.officer,
        }

    def _suite_models(self):
        """Every model defined by an addon of the suite (module retail_crm_*)."""
        data = (
            self.env["ir.model.data"]
            .sudo()
            .search(
                [
                    ("model", "=", "ir.model"),
                    ("module", "=like", "retail\\_crm\\_%"),
                ]
            )
        )
        return self.env["ir.model"].sudo().browse(data.mapped("res_id")).mapped("model")

    def _acl_allows(self, user, model, operation):
        acls = self.env["ir.model.access"].sudo().search([("model_id.model", "=", model)])
        return any(
            acl[f"perm_{operation}"] and (not acl.group_id or acl.group_id in user.groups_id) for acl in acls
        )

    def test_policy_of_this_addon(self):
        for model, per_role in POLICY.items():
            for role, allowed in per_role.items():
                user = self.roles[role]
                for operation in OPERATIONS:
                    expected = operation[0] in allowed
                    actual = self.env[model].with_user(user).has_access(operation)
                    self.assertEqual(actual, expected, f"{role} {operation} {model}")
        mine = {
            m
            for m in self._suite_models()
            if self.env[m]._original_module == "retail_crm_privacy" and not self.env[m]._abstract
        }
        self.assertEqual(mine, set(POLICY), "every model of this addon has a policy line")

    def test_suite_models_follow_their_acls(self):
        models_ = self._suite_models()
        self.assertIn("retail.crm.consent", models_)
        for model in models_:
            if self.env[model]._abstract:
                continue
            acls = self.env["ir.model.access"].sudo().search([("model_id.model", "=", model)])
            self.assertTrue(acls, f"{model} has no access rule")
            for role, user in self.roles.items():
                for operation in OPERATIONS:
                    self.assertEqual(
                        self.env[model].with_user(user).has_access(operation),
                        self._acl_allows(user, model, operation),
                        f"{role} {operation} {model}",
                    )

    def test_denied_operations_raise(self):
        with self.assertRaises(AccessError):
            self.env["retail.crm.privacy.request"].with_user(self.cashier).create(
                {"partner_id": self.customer_own.id}
            )
        with self.assertRaises(AccessError):
            self.env["retail.crm.privacy.access.log"].with_user(self.pos_manager).search([])
        with self.assertRaises(AccessError):
            self.env["retail.crm.erasure.log"].with_user(self.cashier).search([])
        with self.assertRaises(AccessError):
            self.env["retail.crm.consent.purpose"].with_user(self.cashier).create({"name": "x", "code": "x"})
        self.env["retail.crm.privacy.request"].with_user(self.officer).create(
            {"partner_id": self.customer_own.id}
        )

    def test_store_manager_cannot_export_or_erase(self):
        request = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.pos_manager)
            .create({"partner_id": self.customer_other.id, "request_type": "access"})
        )
        with self.assertRaises(AccessError):
            request.action_export()
        with self.assertRaises(AccessError):
            request._report_data()
        request.sudo().request_type = "erasure"
        with self.assertRaises(AccessError):
            request.action_open_erasure_preview()
        self.assertFalse(request.sudo().export_attachment_id)
        request.with_user(self.officer).action_open_erasure_preview()

    def test_officer_group_implied_by_nothing(self):
        officer_group = self.env.ref("retail_crm_privacy.group_privacy_officer")
        implying = self.env["res.groups"].sudo().search([("implied_ids", "in", officer_group.id)])
        self.assertFalse(implying)
        self.assertNotIn(officer_group, self.admin_user.groups_id)

    def test_personal_fields_masked_for_cashier_in_every_suite_model(self):
        """Any field of a suite model that shows a customer's personal field
        through a relation is masked for the cashier (other's customer)."""
        checked = 0
        # mail.followers.email is related to partner_id.email in Odoo itself
        self.customer_own.message_subscribe(partner_ids=self.customer_other.ids)
        for model in self._suite_models() + ["pos.order", "mail.followers"]:
            Model = self.env[model]
            if Model._abstract or not Model._auto:
                continue
            related = Model._privacy_related_personal_fields() if model != "res.partner" else {}
            for fname, partner_field in related.items():
                record = Model.sudo().search([(partner_field, "=", self.customer_other.id)], limit=1)
                if not record:
                    continue
                value = record[fname]
                if not value or not Model.with_user(self.cashier).has_access("read"):
                    continue
                read = record.with_user(self.cashier).read([fname])[0][fname]
                self.assertNotEqual(read, value, f"{model}.{fname} leaks to the cashier")
                checked += 1
        # res.partner itself, every personal field discovered by name/type
        Partner = self.env["res.partner"]
        personal = Partner._privacy_personal_fields()
        row = self.customer_other.with_user(self.cashier).read(personal)[0]
        for fname in ("mobile", "email", "street", "city", "zip"):
            self.assertNotEqual(row[fname], self.customer_other[fname], fname)
        own = self.customer_own.with_user(self.cashier).read(personal)[0]
        self.assertEqual(own["mobile"], self.customer_own.mobile)
        self.assertGreaterEqual(checked, 1)
