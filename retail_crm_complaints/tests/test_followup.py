from datetime import date, datetime

from odoo.addons.retail_crm_loyalty.tests.common import RetailLoyaltyPosCommon
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

SOLD_AT = datetime(2026, 11, 10, 4, 0)  # 12:00 in Shanghai


@tagged("post_install", "-at_install")
class TestAfterSalesFollowup(RetailLoyaltyPosCommon):
    """售后回访: rules plan a call for the member's salesperson N days after
    a purchase; the outcome is recorded, an issue opens a complaint."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.Followup = cls.env["retail.crm.followup"]
        cls.salesperson = new_test_user(
            cls.env,
            login="followup_sales",
            name="导购 小李",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.other_salesperson = new_test_user(
            cls.env,
            login="followup_sales2",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.member.user_id = cls.salesperson
        cls.member2.user_id = cls.other_salesperson
        cls.skincare = cls.env["product.category"].create({"name": "护肤"})
        cls.serum = cls.create_product("精华液", cls.skincare, 300.0)
        cls.rule = cls.env["retail.crm.followup.rule"].create(
            {"name": "Big baskets", "min_amount": 250.0, "delay_days": 3, "company_id": cls.company.id}
        )

    def _sell(self, customer, product=None, qty=1, when=SOLD_AT):
        order, _data, _result = self._sync(customer, qty=qty, product=product)
        order.date_order = when
        return order

    def test_calls_planned_on_the_right_day_for_the_salesperson_once(self):
        small = self._sell(self.member)  # 100.00: under the minimum
        big = self._sell(self.member, qty=3)  # 300.00
        self.Followup._cron_plan_followups(today=date(2026, 11, 12))
        self.assertFalse(self.Followup.search([]), "too early")
        self.Followup._cron_plan_followups(today=date(2026, 11, 13))
        calls = self.Followup.search([])
        self.assertEqual(calls.pos_order_id, big)
        self.assertNotIn(small, calls.pos_order_id)
        self.assertEqual(calls.user_id, self.salesperson)
        self.assertEqual(calls.activity_ids.user_id, self.salesperson)
        self.assertEqual(calls.activity_ids.date_deadline, date(2026, 11, 13))
        # the job runs again, and the next day: no second call
        self.Followup._cron_plan_followups(today=date(2026, 11, 13))
        self.Followup._cron_plan_followups(today=date(2026, 11, 14))
        self.assertEqual(self.Followup.search([]), calls)

    def test_category_and_tier_conditions(self):
        self.member.sudo().with_company(self.company).retail_tier_id = self.tier_gold
        self.member2.sudo().with_company(self.company).retail_tier_id = self.tier_silver
        self.rule.write({"min_amount": 0, "product_category_ids": [(6, 0, self.skincare.ids)]})
        self._sell(self.member)  # no skincare
        serum_order = self._sell(self.member2, product=self.serum)
        self.Followup._cron_plan_followups(today=date(2026, 11, 13))
        self.assertEqual(self.Followup.search([]).pos_order_id, serum_order)

        gold_only = self.env["retail.crm.followup.rule"].create(
            {
                "name": "Gold",
                "delay_days": 3,
                "tier_ids": [(6, 0, self.tier_gold.ids)],
                "company_id": self.company.id,
            }
        )
        self.Followup._cron_plan_followups(today=date(2026, 11, 13))
        gold_calls = self.Followup.search([("rule_id", "=", gold_only.id)])
        self.assertEqual(gold_calls.partner_id, self.member, "only the gold member gets a call")

    def test_outcomes_and_complaint_as_the_salesperson(self):
        self._sell(self.member, qty=3)
        self._sell(self.member2, qty=3)
        self.Followup._cron_plan_followups(today=date(2026, 11, 13))
        mine = self.Followup.with_user(self.salesperson).search([])
        self.assertEqual(mine.partner_id, self.member, "a salesperson sees only their own calls")
        other = self.Followup.search([("partner_id", "=", self.member2.id)])
        with self.assertRaises(AccessError):
            other.with_user(self.salesperson).write({"note": "x"})

        mine.note = "面霜用了过敏"
        mine.action_issue()
        self.assertEqual(mine.outcome, "issue")
        self.assertEqual(mine.complaint_id.partner_id, self.member)
        self.assertEqual(mine.complaint_id.pos_order_id, mine.pos_order_id)
        self.assertFalse(mine.activity_ids, "the call activity is done")
        with self.assertRaises(UserError):
            mine.action_satisfied()

    def test_rule_settings_validated(self):
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.rule.delay_days = -1
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.rule.min_amount = -5
