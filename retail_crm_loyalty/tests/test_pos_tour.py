from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestRetailLoyaltyPosTour(TestPointOfSaleHttpCommon):
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
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_pos_tour("RetailCrmLoyaltyTierTour", login="pos_user")
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
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_pos_tour("RetailCrmLoyaltyMultiplierTour", login="pos_user")
        # the server multiplied the 10 points the till sent, once, by the
        # multiplier the till showed (Normal x2, not Silver x1.2)
        self.assertEqual(member.retail_tier_id, self.env.ref("retail_crm_loyalty.retail_crm_tier_silver"))
        card = self.env["loyalty.card"].search(
            [("program_id", "=", program.id), ("partner_id", "=", member.id)]
        )
        self.assertEqual(card.points, 20)
