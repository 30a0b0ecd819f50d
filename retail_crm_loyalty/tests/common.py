from odoo.addons.point_of_sale.tests.common import TestPoSCommon
from odoo.tests import new_test_user


class RetailLoyaltyPosCommon(TestPoSCommon):
    """A POS session, a 100.00 product without tax, the default tiers set to
    round thresholds, members and one user per role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.product = cls.create_product("Loyalty Item", cls.categ_basic, 100.0)
        cls.Tier = cls.env["retail.crm.tier"]
        cls.tier_normal = cls.env.ref("retail_crm_loyalty.retail_crm_tier_normal")
        cls.tier_silver = cls.env.ref("retail_crm_loyalty.retail_crm_tier_silver")
        cls.tier_gold = cls.env.ref("retail_crm_loyalty.retail_crm_tier_gold")
        cls.tier_diamond = cls.env.ref("retail_crm_loyalty.retail_crm_tier_diamond")
        # thresholds of this test: silver 300, gold 500, diamond 2000
        cls.tier_silver.min_spend = 300
        cls.tier_gold.min_spend = 500
        cls.tier_diamond.min_spend = 2000
        cls.company.write(
            {
                "retail_tier_window_months": 12,
                "retail_tier_grace_days": 30,
                "retail_tier_downgrade_review": True,
            }
        )
        cls.member = cls.env["res.partner"].create(
            {
                "name": "Wang Fang",
                "mobile": "+86 138 0013 8000",
                "email": "wang.fang@example.com",
                "retail_is_member": True,
            }
        )
        cls.member2 = cls.env["res.partner"].create(
            {"name": "Li Lei", "mobile": "+86 139 0013 9000", "retail_is_member": True}
        )
        cls.pos_user = new_test_user(
            cls.env,
            login="loy_cashier",
            groups="base.group_user,base.group_partner_manager,point_of_sale.group_pos_user",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.pos_manager = new_test_user(
            cls.env,
            login="loy_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.admin_user = new_test_user(
            cls.env,
            login="loy_admin",
            groups="base.group_user,base.group_system,point_of_sale.group_pos_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _sync(self, customer, qty=1, product=None, uuid=None):
        """Create and pay an order through the server-side POS flow."""
        data = self.create_ui_order_data([(product or self.product, qty)], customer=customer, uuid=uuid)
        result = self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"]), data, result

    def _refund(self, order, qty=1):
        """Refund ``qty`` of the first line of ``order`` as the POS does."""
        line = order.lines[0]
        data = self.create_ui_order_data([(line.product_id, -qty)], customer=order.partner_id)
        data["lines"][0][2]["refunded_orderline_id"] = line.id
        result = self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def _consent_to_marketing(self, partners, channels=("email", "sms")):
        """Marketing is opt-in when the suite's privacy addon is installed:
        record the consent these members gave (nothing to do without it)."""
        if "retail.crm.consent" not in self.env:
            return
        purposes = self.env["retail.crm.consent.purpose"].search(
            [("marketing_channel", "in", list(channels))]
        )
        self.env["retail.crm.consent"]._record(partners, purposes, "granted")

    def tier(self, partner, company=None):
        return partner.with_company(company or self.company).retail_tier_id
