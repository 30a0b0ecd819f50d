"""Referral entry at the till (#17 item 4): the cashier records who referred
the selected new member, by member number or by picking a customer; the
server checks the cashier's rights and the referral rules."""

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import RetailLoyaltyPosCommon

CASHIER_GROUPS = "base.group_user,point_of_sale.group_pos_user"


@tagged("post_install", "-at_install")
class TestPosReferralServer(RetailLoyaltyPosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cashier = new_test_user(
            cls.env,
            login="ref_cashier",
            name="收银员小王",
            groups=CASHIER_GROUPS,
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.other_cashier = new_test_user(
            cls.env,
            login="ref_cashier2",
            name="收银员小李",
            groups=CASHIER_GROUPS,
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        Partner = cls.env["res.partner"]
        # the cashier's own members; one name contained in another's
        cls.referrer = Partner.create(
            {
                "name": "张伟",
                "mobile": "+86 138-0013-7101",
                "retail_is_member": True,
                "user_id": cls.cashier.id,
            }
        )
        cls.newcomer = Partner.create(
            {"name": "张伟明", "mobile": "137 0013 7102", "retail_is_member": True, "user_id": cls.cashier.id}
        )
        # another salesperson's member
        cls.others_member = Partner.create(
            {
                "name": "李娜",
                "mobile": "+86 139 0013 7103",
                "retail_is_member": True,
                "user_id": cls.other_cashier.id,
            }
        )
        cls.others_newcomer = Partner.create(
            {
                "name": "王芳芳",
                "mobile": "136-0013-7104",
                "retail_is_member": True,
                "user_id": cls.other_cashier.id,
            }
        )

    def _set(self, user, member, **kwargs):
        return self.env["res.partner"].with_user(user).retail_pos_set_referrer(member.id, **kwargs)

    def test_cashier_picks_own_customer_or_types_the_member_number(self):
        result = self._set(self.cashier, self.newcomer, referrer_id=self.referrer.id)
        self.assertEqual(self.newcomer.retail_referred_by_id, self.referrer)
        self.assertEqual(result, {"referrer_code": self.referrer.retail_member_number})
        # the member number the referrer shows works for another salesperson's member
        number = self.others_member.retail_member_number
        self.assertTrue(number)
        self._set(self.cashier, self.newcomer, referrer_code=f"  {number} ")
        self.assertEqual(self.newcomer.retail_referred_by_id, self.others_member)
        with self.assertRaises(UserError):
            self._set(self.cashier, self.newcomer, referrer_code="M99999999")
        with self.assertRaises(UserError):
            self._set(self.cashier, self.newcomer)
        self.assertEqual(self.newcomer.retail_referred_by_id, self.others_member, "nothing half-stored")

    def test_cashier_cannot_pick_another_salespersons_customer(self):
        with self.assertRaises(AccessError):
            self._set(self.cashier, self.newcomer, referrer_id=self.others_member.id)
        self.assertFalse(self.newcomer.retail_referred_by_id)
        # nor record the referrer of another salesperson's customer
        with self.assertRaises(AccessError):
            self._set(self.cashier, self.others_newcomer, referrer_id=self.referrer.id)
        with self.assertRaises(AccessError):
            self._set(self.cashier, self.others_newcomer, referrer_code=self.referrer.retail_member_number)
        self.assertFalse(self.others_newcomer.retail_referred_by_id)
        # a user without the till's group cannot use the till's route
        clerk = new_test_user(self.env, login="ref_clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            self._set(clerk, self.newcomer, referrer_id=self.referrer.id)
        # the store manager may
        self._set(self.pos_manager, self.others_newcomer, referrer_id=self.referrer.id)
        self.assertEqual(self.others_newcomer.retail_referred_by_id, self.referrer)

    def test_referral_rules_apply_at_the_till(self):
        with self.assertRaises(ValidationError):
            self._set(self.cashier, self.newcomer, referrer_code=self.newcomer.retail_member_number)
        self._set(self.cashier, self.newcomer, referrer_id=self.referrer.id)
        with self.assertRaises(ValidationError):  # a loop
            self._set(self.cashier, self.referrer, referrer_id=self.newcomer.id)
        self.assertFalse(self.referrer.retail_referred_by_id)
        non_member = self.env["res.partner"].create({"name": "路人", "user_id": self.cashier.id})
        with self.assertRaises(UserError):
            self._set(self.cashier, non_member, referrer_id=self.referrer.id)

    def test_only_a_new_member_and_a_rewarded_referral_stays(self):
        program = self.env["loyalty.program"].create(
            {"name": "会员积分", "program_type": "loyalty", "company_id": self.company.id}
        )
        self.company.write(
            {
                "retail_referral_program_id": program.id,
                "retail_referral_referrer_points": 100,
                "retail_referral_member_points": 50,
            }
        )
        self._set(self.cashier, self.newcomer, referrer_id=self.referrer.id)
        self._sync(self.newcomer)
        # after the first purchase: no other referrer (even before the reward)
        with self.assertRaises(UserError):
            self._set(self.cashier, self.newcomer, referrer_code=self.others_member.retail_member_number)
        self.env["retail.crm.referral"]._cron_reward_referrals()
        self.assertEqual(
            len(self.env["retail.crm.referral"].search([("member_id", "=", self.newcomer.id)])), 1
        )
        with self.assertRaises(UserError):
            self._set(self.pos_manager, self.newcomer, referrer_id=self.others_member.id)
        self.assertEqual(self.newcomer.retail_referred_by_id, self.referrer)
        # a customer who already bought cannot be claimed as referred
        self._sync(self.member2)
        self.member2.user_id = self.cashier
        with self.assertRaises(UserError):
            self._set(self.cashier, self.member2, referrer_id=self.referrer.id)
        self.assertFalse(self.member2.retail_referred_by_id)


@tagged("post_install", "-at_install")
class TestPosReferralTour(TestPointOfSaleHttpCommon):
    """老带新 at the till in a browser, in zh_CN, as a cashier with exactly
    the cashier's groups: enrol, record the referrer, sell; the job then
    rewards both members once."""

    def test_referral_at_the_till(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        modules = ["point_of_sale", "retail_crm_loyalty"]
        if "retail.crm.consent" in self.env:
            modules.append("retail_crm_privacy")
        self.env["ir.module.module"]._load_module_terms(modules, ["zh_CN"], overwrite=True)
        cashier = new_test_user(
            self.env,
            login="ref_tour_cashier",
            name="收银员小赵",
            email="zhao.cashier@example.cn",
            lang="zh_CN",
            groups=CASHIER_GROUPS,
        )
        referrer = self.env["res.partner"].create(
            {
                "name": "推荐人张伟",
                "mobile": "+86 138 0013 7201",
                "retail_is_member": True,
                "user_id": cashier.id,
            }
        )
        self.env["res.partner"].create(
            {"name": "推荐人张伟明", "mobile": "+86 138 0013 7202", "retail_is_member": True}
        )
        program = self.env["loyalty.program"].create(
            {"name": "老带新积分", "program_type": "loyalty", "company_id": self.env.company.id}
        )
        self.env.company.write(
            {
                "retail_referral_program_id": program.id,
                "retail_referral_referrer_points": 100,
                "retail_referral_member_points": 50,
            }
        )
        self.env["product.product"].create(
            {
                "name": "Referral Tour Product",
                "available_in_pos": True,
                "list_price": 88,
                "taxes_id": [(5, 0, 0)],
            }
        )
        self.main_pos_config.with_user(cashier).open_ui()
        self.main_pos_config.current_session_id.set_opening_control(0, "")
        self.start_pos_tour("RetailCrmReferralTour", login="ref_tour_cashier")
        member = self.env["res.partner"].search([("name", "=", "赵敏")])
        self.assertEqual(len(member), 1)
        self.assertEqual(member.retail_referred_by_id, referrer)
        self.assertEqual(self.env["pos.order"].search_count([("partner_id", "=", member.id)]), 1)
        Referral = self.env["retail.crm.referral"]
        Referral._cron_reward_referrals()
        Referral._cron_reward_referrals()
        referral = Referral.search([("member_id", "=", member.id)])
        self.assertEqual(len(referral), 1)
        cards = self.env["loyalty.card"].search([("program_id", "=", program.id)])
        self.assertEqual({c.partner_id: c.points for c in cards}, {referrer: 100, member: 50})
