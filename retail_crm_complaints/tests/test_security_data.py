from odoo.tests import TransactionCase, new_test_user, tagged

PERMS = ("perm_read", "perm_write", "perm_create", "perm_unlink")


@tagged("post_install", "-at_install")
class TestSecurityData(TransactionCase):
    """The addon's access rights add to its dependencies' ones, never repeat them."""

    def test_no_acl_repeats_a_dependency(self):
        imd = self.env["ir.model.data"]
        own = self.env["ir.model.access"].browse(
            imd.search([("module", "=", "retail_crm_complaints"), ("model", "=", "ir.model.access")]).mapped(
                "res_id"
            )
        )
        self.assertTrue(own)
        repeated = []
        for acl in own:
            others = self.env["ir.model.access"].search(
                [("model_id", "=", acl.model_id.id), ("group_id", "=", acl.group_id.id), ("id", "!=", acl.id)]
            )
            for other in others:
                if all(other[perm] >= acl[perm] for perm in PERMS):
                    repeated.append(
                        f"{acl.get_external_id()[acl.id]} repeats {other.get_external_id()[other.id]}"
                    )
        self.assertFalse(repeated, "ACLs already granted by a dependency: %s" % repeated)

    def test_cashier_still_reads_loyalty(self):
        """A cashier reads the coupon programs and coupons a compensation uses (pos_loyalty's ACLs)."""
        cashier = new_test_user(
            self.env,
            login="sec_data_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        for model in ("loyalty.program", "loyalty.card"):
            self.assertTrue(self.env[model].with_user(cashier).has_access("read"), model)

    def test_categories_route_to_default_teams(self):
        """Each default category is defined once, with its team (no second definition in the SLA data)."""
        ref = self.env.ref
        routes = {
            "category_product_quality": "team_after_sales",
            "category_price": "team_after_sales",
            "category_service_attitude": "team_store_management",
            "category_environment": "team_store_management",
            "category_suggestion": "team_store_management",
        }
        for category, team in routes.items():
            self.assertEqual(
                ref(f"retail_crm_complaints.{category}").team_id,
                ref(f"retail_crm_complaints.{team}"),
                category,
            )
