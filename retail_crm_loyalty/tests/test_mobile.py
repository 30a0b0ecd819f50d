from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestMemberMobileRegion(TransactionCase):
    """A US-registered company running Chinese stores: members' mobiles are
    typed the Chinese way at the till."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.us")
        cls.cashier = new_test_user(
            cls.env,
            login="loy_mobile_cashier",
            groups="base.group_user,base.group_partner_manager,point_of_sale.group_pos_user",
        )
        cls.Partner = cls.env["res.partner"].with_user(cls.cashier)

    def _member(self, name, mobile):
        return self.Partner.create({"name": name, "mobile": mobile, "retail_is_member": True})

    def test_cn_mobiles_as_typed_in_a_us_company(self):
        self.assertEqual(self.env.company.retail_member_country_id, self.env.ref("base.cn"))
        typed = {
            "张伟": "13800138000",
            "王芳": "138 0013 8001",
            "李娜": "+86 138-0013-8002",
            "刘洋": "（+86）138 0013 8003",
        }
        for name, mobile in typed.items():
            with self.subTest(mobile=mobile):
                member = self._member(name, mobile)
                self.assertTrue(member.mobile.startswith("+86138001380"), member.mobile)
        # a US mobile written with its own prefix stays a US number
        self.assertEqual(self._member("John", "+1 650 253 0000").mobile, "+16502530000")

    def test_error_example_is_valid(self):
        with self.assertRaises(ValidationError) as error:
            self._member("陈静", "12345")
        self.assertIn("138 0013 8000", str(error.exception))
        self.assertEqual(self._member("陈静", "138 0013 8000").mobile, "+8613800138000")

    def test_letters_masks_and_landlines_refused(self):
        for mobile in ("138abc00138", "1380013800O", "139****9000", "*", "138 0013 8000 ext 2"):
            with self.subTest(mobile=mobile), self.assertRaises(ValidationError):
                self._member("赵磊", mobile)
        with self.assertRaisesRegex(ValidationError, "landline"):
            self._member("孙丽", "010 6552 9988")  # Beijing landline
        member = self._member("周敏", "13900139000")
        with self.assertRaises(ValidationError):
            member.write({"mobile": "139****9000"})
        self.assertEqual(member.mobile, "+8613900139000")

    def test_masked_id_number_refused(self):
        with self.assertRaises(ValidationError):
            self.Partner.create({"name": "吴刚", "retail_id_number": "12*34"})
        with self.assertRaises(ValidationError):
            self.Partner.create({"name": "吴刚", "retail_id_number": "3604**********0071"})

    def test_member_region_setting(self):
        """Another region for the members (here Hong Kong): 8-digit local
        mobiles are read there; the setting is validated like the others."""
        self.env.company.retail_member_country_id = self.env.ref("base.hk")
        self.assertEqual(self._member("黄嘉欣", "5123 4567").mobile, "+85251234567")
