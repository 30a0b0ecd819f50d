from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.tests import new_test_user, tagged

CASHIER_GROUPS = "base.group_user,point_of_sale.group_pos_user"


@tagged("post_install", "-at_install")
class TestRetailLoyaltyPosTour(TestPointOfSaleHttpCommon):
    """As a cashier with exactly the cashier's groups, in zh_CN (not the
    POS tests' pos_user, which also holds the stock user's group and reads
    English)."""

    def setUp(self):
        super().setUp()
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["point_of_sale", "retail_crm_loyalty"], ["zh_CN"], overwrite=True
        )
        self.cashier = new_test_user(
            self.env,
            login="loy_tier_cashier",
            name="收银员小陈",
            email="chen.cashier@example.cn",
            lang="zh_CN",
            groups=CASHIER_GROUPS,
        )

    def _open_till(self):
        self.main_pos_config.with_user(self.cashier).open_ui()
        self.main_pos_config.current_session_id.set_opening_control(0, "")

    def test_tier_badge_progress_and_upgrade_on_receipt(self):
        self.env.ref("retail_crm_loyalty.retail_crm_tier_silver").min_spend = 300
        self.env.ref("retail_crm_loyalty.retail_crm_tier_gold").min_spend = 1000
        self.env["product.product"].create(
            {
                "name": "Tier Tour Product",
                "available_in_pos": True,
                "list_price": 300,
                "taxes_id": [(5, 0, 0)],
            }
        )
        member = self.env["res.partner"].create(
            {"name": "Tier Tour Member", "mobile": "+8613800138123", "retail_is_member": True}
        )
        normal = self.env.ref("retail_crm_loyalty.retail_crm_tier_normal")
        self.assertEqual(member.retail_tier_id, normal)
        self._open_till()
        self.start_pos_tour("RetailCrmLoyaltyTierTour", login="loy_tier_cashier")
        silver = self.env.ref("retail_crm_loyalty.retail_crm_tier_silver")
        self.assertEqual(member.retail_tier_id, silver)
        order = self.env["pos.order"].search([("partner_id", "=", member.id)])
        self.assertEqual(order.retail_tier_upgrade_id, silver)

    def test_points_shown_with_the_tier_multiplier(self):
        self.env["loyalty.program"].search([]).write({"active": False})
        program = self.env["loyalty.program"].create(
            {
                "name": "Tour Points",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "pos_ok": True,
                "rule_ids": [(0, 0, {"reward_point_mode": "order", "reward_point_amount": 10})],
                "reward_ids": [
                    (
                        0,
                        0,
                        {
                            "reward_type": "discount",
                            "discount": 1,
                            "discount_mode": "per_point",
                            "required_points": 1000,
                        },
                    )
                ],
            }
        )
        self.env.ref("retail_crm_loyalty.retail_crm_tier_normal").points_multiplier = 2.0
        # the order (50) crosses the Silver threshold (multiplier 1.2): the
        # points are still the ones shown at the till, with the tier the
        # member had when paying
        self.env.ref("retail_crm_loyalty.retail_crm_tier_silver").min_spend = 40
        self.env["product.product"].create(
            {
                "name": "Multiplier Product",
                "available_in_pos": True,
                "list_price": 50,
                "taxes_id": [(5, 0, 0)],
            }
        )
        member = self.env["res.partner"].create(
            {"name": "Multiplier Member", "mobile": "+8613800138124", "retail_is_member": True}
        )
        self._open_till()
        self.start_pos_tour("RetailCrmLoyaltyMultiplierTour", login="loy_tier_cashier")
        # the server multiplied the 10 points the till sent, once, by the
        # multiplier the till showed (Normal x2, not Silver x1.2)
        self.assertEqual(member.retail_tier_id, self.env.ref("retail_crm_loyalty.retail_crm_tier_silver"))
        card = self.env["loyalty.card"].search(
            [("program_id", "=", program.id), ("partner_id", "=", member.id)]
        )
        self.assertEqual(card.points, 20)
