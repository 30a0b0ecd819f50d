from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestHostileMobiles(TransactionCase):
    """Member mobiles typed every way a cashier (or a script) can, in a
    US-registered company running Chinese stores."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.us")
        cls.cashier = new_test_user(
            cls.env,
            login="hostile_mobile_cashier",
            groups="base.group_user,base.group_partner_manager,point_of_sale.group_pos_user",
        )
        cls.Partner = cls.env["res.partner"].with_user(cls.cashier)

    def _member(self, name, mobile):
        return self.Partner.create({"name": name, "mobile": mobile, "retail_is_member": True})

    def test_more_spellings_of_one_cn_mobile(self):
        spellings = [
            "１３８００１３８０００",  # full-width digits (Chinese input method)
            "１３８　００１３　８００１",  # and a full-width space
            "0086 138 0013 8002",  # international prefix dialled from China
            "86 138 0013 8003",
            "+86 (0) 138 0013 8004",
            " 138.0013.8005 ",
        ]
        for index, mobile in enumerate(spellings):
            with self.subTest(mobile=mobile):
                member = self._member(f"张{index}", mobile)
                self.assertEqual(member.mobile, f"+8613800138{index:03d}")

    def test_garbage_refused_without_a_raw_error(self):
        for mobile in (
            "一三八零零一三八零零零",  # digits written in Chinese characters
            "13800138000 13900139000",  # two numbers in one field
            "1" * 5000,
            "138\x000013\x008000",
            "+",
            "()",
        ):
            with self.subTest(mobile=mobile[:30]), self.assertRaises(ValidationError):
                self._member("赵六", mobile)

    def test_error_example_valid_in_the_regions_tried(self):
        """The member region set to Hong Kong (or cleared) in a US company:
        the example the error gives is a mobile of a region tried, accepted
        when typed as shown."""
        for region in (self.env.ref("base.hk"), self.env["res.country"]):
            self.env.company.retail_member_country_id = region
            with self.subTest(region=region.code), self.assertRaises(ValidationError) as error:
                self._member("陈静", "12345")
            message = str(error.exception)
            example = message.split("Enter it like ", 1)[1].split(" or ", 1)[0]
            member = self._member(f"陈静 {region.code}", example)
            self.assertTrue(member.mobile.startswith("+"), member.mobile)
            member.unlink()
