"""The member at the till (#15 item 2): quick enrolment through the server's
member checks, the member on the order screen, the receipt."""

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

CASHIER_GROUPS = "base.group_user,point_of_sale.group_pos_user"


@tagged("post_install", "-at_install")
class TestPosEnrolServer(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cashier = new_test_user(cls.env, login="loy_enrol_cashier", groups=CASHIER_GROUPS)
        cls.clerk = new_test_user(cls.env, login="loy_enrol_clerk", groups="base.group_user")
        cls.Partner = cls.env["res.partner"].with_user(cls.cashier)

    def test_enrol_normalises_the_cn_mobile(self):
        partner_id = self.Partner.retail_pos_enrol(
            {"mobile": "138 0013-8777", "name": "李雷", "birthday": "1991-02-03"}
        )
        member = self.env["res.partner"].browse(partner_id)
        self.assertTrue(member.retail_is_member)
        self.assertEqual(member.mobile, "+8613800138777")
        self.assertEqual(member.retail_join_channel, "store")
        self.assertEqual(str(member.retail_birthday), "1991-02-03")
        self.assertTrue(member.retail_member_number)
        self.assertEqual(member.user_id, self.cashier, "the cashier who enrols is the salesperson")
        self.assertTrue(member.retail_tier_id)

    def test_one_member_per_mobile_and_checks(self):
        self.Partner.retail_pos_enrol({"mobile": "+86 138 0013 8778", "name": "韩梅梅"})
        with self.assertRaisesRegex(ValidationError, "already belongs to member"):
            self.Partner.retail_pos_enrol({"mobile": "13800138778", "name": "韩梅梅 二"})
        with self.assertRaises(ValidationError):
            self.Partner.retail_pos_enrol({"mobile": "021 6432 1234", "name": "座机"})
        with self.assertRaises(ValidationError):
            self.Partner.retail_pos_enrol({"mobile": "13800138779", "name": " "})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.clerk).retail_pos_enrol(
                {"mobile": "13800138780", "name": "无权限"}
            )
        self.assertFalse(self.env["res.partner"].search([("mobile", "=", "+8613800138779")]))


@tagged("post_install", "-at_install")
class TestPosEnrolTour(TestPointOfSaleHttpCommon):
    """Enrol at the till -> sell -> upgrade on the order screen and the
    receipt, as a cashier with exactly the cashier's groups, in zh_CN."""

    def test_enrol_sell_upgrade(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        modules = ["point_of_sale", "retail_crm_loyalty"]
        if "retail.crm.consent" in self.env:
            modules.append("retail_crm_privacy")
        self.env["ir.module.module"]._load_module_terms(modules, ["zh_CN"], overwrite=True)
        cashier = new_test_user(
            self.env,
            login="loy_tour_cashier",
            name="收银员小李",
            email="li.cashier@example.cn",
            lang="zh_CN",
            groups=CASHIER_GROUPS,
        )
        self.env["loyalty.program"].search([]).write({"active": False})
        self.env["loyalty.program"].create(
            {
                "name": "Tour Points",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "pos_ok": True,
                "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                "reward_ids": [
                    (
                        0,
                        0,
                        {
                            "reward_type": "discount",
                            "discount": 1,
                            "discount_mode": "per_point",
                            "required_points": 100000,
                        },
                    )
                ],
            }
        )
        self.env.ref("retail_crm_loyalty.retail_crm_tier_normal").points_multiplier = 1.0
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
        # another member whose name contains the new member's
        self.env["res.partner"].create(
            {"name": "王小明明", "mobile": "+8613800138990", "retail_is_member": True}
        )
        self.main_pos_config.with_user(cashier).open_ui()
        self.main_pos_config.current_session_id.set_opening_control(0, "")
        self.start_pos_tour("RetailCrmLoyaltyEnrolTour", login="loy_tour_cashier")
        member = self.env["res.partner"].search([("mobile", "=", "+8613800138999")])
        self.assertEqual(len(member), 1)
        self.assertEqual(member.name, "王小明")
        self.assertEqual(member.user_id, cashier)
        self.assertEqual(member.retail_tier_id, self.env.ref("retail_crm_loyalty.retail_crm_tier_silver"))
        order = self.env["pos.order"].search([("partner_id", "=", member.id)])
        self.assertEqual(order.retail_tier_upgrade_id, member.retail_tier_id)
        cards = self.env["loyalty.card"].search([("partner_id", "=", member.id)])
        self.assertEqual(cards.mapped("points"), [300], "the balance the receipt showed")
        if "retail.crm.consent" in self.env:
            granted = self.env["retail.crm.consent.current"].search(
                [("partner_id", "=", member.id), ("state", "=", "granted")]
            )
            self.assertIn("marketing_sms", granted.purpose_id.mapped("code"))
