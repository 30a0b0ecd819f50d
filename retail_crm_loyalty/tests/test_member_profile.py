from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestMemberProfile(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.cn")
        cls.Partner = cls.env["res.partner"]

    def test_mobile_normalised_and_member_number(self):
        member = self.Partner.create(
            {"name": "Zhang San", "mobile": "138 0013 8000", "retail_is_member": True}
        )
        self.assertEqual(member.mobile, "+8613800138000")
        self.assertTrue(member.retail_member_number.startswith("M"))
        self.assertEqual(member.retail_join_date, fields.Date.context_today(member))
        other = self.Partner.create({"name": "Li Si", "mobile": "139-0013-9000", "retail_is_member": True})
        self.assertNotEqual(other.retail_member_number, member.retail_member_number)
        member.write({"mobile": "(+86) 137 0013 7000"})
        self.assertEqual(member.mobile, "+8613700137000")
        # the lowest tier is given at enrolment, with a history line
        normal = self.env.ref("retail_crm_loyalty.retail_crm_tier_normal")
        self.assertEqual(member.retail_tier_id, normal)
        self.assertEqual(member.retail_tier_history_ids.change_type, "enrol")

    def test_becoming_member_normalises_existing_mobile(self):
        partner = self.Partner.create({"name": "Wu", "mobile": "13600136000"})
        self.assertEqual(partner.mobile, "13600136000", "non-members are left untouched")
        self.assertFalse(partner.retail_member_number)
        partner.retail_is_member = True
        self.assertEqual(partner.mobile, "+8613600136000")
        self.assertTrue(partner.retail_member_number)

    def test_invalid_values_rejected(self):
        with self.assertRaisesRegex(ValidationError, "not valid"):
            self.Partner.create({"name": "Bad", "mobile": "12345", "retail_is_member": True})
        with self.assertRaisesRegex(ValidationError, "needs a mobile"):
            self.Partner.create({"name": "No mobile", "retail_is_member": True})
        today = fields.Date.context_today(self.Partner)
        with self.assertRaisesRegex(ValidationError, "future"):
            self.Partner.create({"name": "Future", "retail_birthday": today + relativedelta(days=1)})
        with self.assertRaisesRegex(ValidationError, "over 100"):
            self.Partner.create({"name": "Old", "retail_birthday": today - relativedelta(years=101)})
        ok = self.Partner.create({"name": "Ok", "retail_birthday": today - relativedelta(years=99)})
        self.assertTrue(ok.retail_birthday)

    def test_id_number_validated_with_stdnum(self):
        partner = self.Partner.create({"name": "Wang Wu", "retail_id_number": "360426199101010071"})
        self.assertEqual(partner.retail_id_number, "360426199101010071")
        with self.assertRaisesRegex(ValidationError, "not a valid resident identity card number"):
            partner.retail_id_number = "360426199101010072"  # wrong check digit
        with self.assertRaisesRegex(ValidationError, "not a valid resident identity card number"):
            self.Partner.create({"name": "Short", "retail_id_number": "12345"})

    def test_error_message_translated(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["retail_crm_loyalty"], ["zh_CN"], overwrite=True)
        tiers = self.env["retail.crm.tier"].with_context(lang="zh_CN")
        self.assertEqual(
            [
                tiers.env.ref(f"retail_crm_loyalty.retail_crm_tier_{x}").name
                for x in ("normal", "silver", "gold", "diamond")
            ],
            ["普通会员", "银卡", "金卡", "钻石"],
        )
        with self.assertRaisesRegex(ValidationError, "手机号"):
            self.Partner.with_context(lang="zh_CN").create(
                {"name": "Bad", "mobile": "12345", "retail_is_member": True}
            )

    def test_duplicates_merged_with_odoo_merge(self):
        """A customer registered again as a plain contact with a member's
        mobile (the till refused to enrol them twice) is merged into the
        member with Odoo's partner merge."""
        first = self.Partner.create(
            {
                "name": "Chen",
                "mobile": "13500135000",
                "retail_is_member": True,
                "email": "chen@example.com",
            }
        )
        second = self.Partner.create(
            {"name": "Chen Jing", "mobile": "+86 135 0013 5000", "retail_birthday": "1990-05-01"}
        )
        with self.assertRaisesRegex(ValidationError, "already belongs to member M\\*\\*\\*\\*"):
            second.retail_is_member = True
        self.assertEqual(first.retail_duplicate_count, 1)
        action = first.action_retail_merge_duplicates()
        self.assertEqual(action["res_model"], "base.partner.merge.automatic.wizard")
        wizard = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({"dst_partner_id": first.id})
        )
        self.assertEqual(wizard.partner_ids, first | second)
        first_number = first.retail_member_number
        wizard.action_merge()
        self.assertFalse(second.exists())
        self.assertTrue(first.retail_is_member)
        self.assertEqual(str(first.retail_birthday), "1990-05-01")
        self.assertEqual(first.retail_member_number, first_number)
        self.assertEqual(first.retail_duplicate_count, 0)

    def test_member_mobile_enrolled_once(self):
        member = self.Partner.create({"name": "林静", "mobile": "13300133000", "retail_is_member": True})
        with self.assertRaises(ValidationError) as error:
            self.Partner.create({"name": "林晶", "mobile": "133 0013 3000", "retail_is_member": True})
        number = member.retail_member_number
        self.assertIn(f"{number[:1]}****{number[-4:]}", str(error.exception))
        self.assertNotIn(number, str(error.exception), "the member number is masked")
        # sequentially from another till, or by changing a member's mobile
        with self.assertRaises(ValidationError):
            self.Partner.create({"name": "林静", "mobile": "+86 133-0013-3000", "retail_is_member": True})
        other = self.Partner.create({"name": "何军", "mobile": "13300133001", "retail_is_member": True})
        with self.assertRaises(ValidationError):
            other.mobile = "13300133000"
        with self.assertRaises(ValidationError):
            self.Partner.create(
                [
                    {"name": "A", "mobile": "13300133002", "retail_is_member": True},
                    {"name": "B", "mobile": "13300133002", "retail_is_member": True},
                ]
            )
        self.assertEqual(self.Partner.search_count([("mobile", "=", "+8613300133000")]), 1)
