from datetime import datetime, time, timedelta

from odoo import Command, fields
from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.tests import JsonRpcException, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCrossSellTill(TestPointOfSaleHttpCommon):
    """R8 at the till: a real cashier (base.group_user + point_of_sale.group_pos_user)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.shirt = Product.create(
            {"name": "白衬衫 男款", "available_in_pos": True, "list_price": 199, "taxes_id": [(5, 0, 0)]}
        )
        cls.tie = Product.create(
            {"name": "真丝领带", "available_in_pos": True, "list_price": 129, "taxes_id": [(5, 0, 0)]}
        )
        cls.bread = Product.create(
            {"name": "全麦面包", "available_in_pos": True, "list_price": 12, "taxes_id": [(5, 0, 0)]}
        )
        Partner = cls.env["res.partner"]
        cls.member = Partner.create({"name": "王芳 会员", "mobile": "+86 138 0013 8000"})
        cls.namesake = Partner.create({"name": "王芳芳", "mobile": "138-0013-8001"})
        cls.others = Partner.create([{"name": f"顾客{i}"} for i in range(12)])
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["point_of_sale", "retail_crm_rfm"], ["zh_CN"], overwrite=True
        )
        # exactly the cashier's groups, in zh_CN (not the POS tests' pos_user)
        cls.cashier = new_test_user(
            cls.env,
            login="rfm_tour_cashier",
            name="收银员小孙",
            email="sun.cashier@example.cn",
            lang="zh_CN",
            groups="base.group_user,point_of_sale.group_pos_user",
        )

    def _history(self, session):
        day = fields.Date.today() - timedelta(days=5)

        def basket(partner, products):
            total = sum(products.mapped("lst_price"))
            return {
                "session_id": session.id,
                "company_id": session.config_id.company_id.id,
                "partner_id": partner.id,
                "date_order": datetime.combine(day, time(4, 0)),
                "amount_total": total,
                "amount_tax": 0.0,
                "amount_paid": total,
                "amount_return": 0.0,
                "state": "paid",
                "lines": [
                    Command.create(
                        {
                            "product_id": p.id,
                            "qty": 1,
                            "price_unit": p.lst_price,
                            "price_subtotal": p.lst_price,
                            "price_subtotal_incl": p.lst_price,
                        }
                    )
                    for p in products
                ],
            }

        vals = [basket(p, self.shirt | self.tie) for p in self.others[:7]]
        vals += [basket(p, self.bread) for p in self.others[7:]]
        vals.append(basket(self.member, self.shirt))
        self.env["pos.order"].create(vals)
        # sudo: what the scheduled action does
        run = self.env["retail.crm.rfm.rule.run"].sudo()._get_or_create_today(self.env.company)
        run._mine()
        self.assertTrue(run.product_rule_count)

    def test_tour_shows_suggestions_and_adds_one(self):
        self.main_pos_config.with_user(self.cashier).open_ui()
        self.main_pos_config.current_session_id.set_opening_control(0, "")
        self._history(self.main_pos_config.current_session_id)
        self.start_pos_tour("RetailCrmRfmCrossSellTour", login="rfm_tour_cashier")

    def test_cashier_rpc_gets_one_members_suggestions_only(self):
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self._history(self.main_pos_config.current_session_id)
        cashier = new_test_user(
            self.env,
            login="rfm_cashier",
            password="rfm_cashier_pw",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=self.env.company.id,
        )
        self.assertFalse(cashier.has_group("point_of_sale.group_pos_manager"))
        self.authenticate("rfm_cashier", "rfm_cashier_pw")

        def call(model, method, args, kwargs=None):
            return self.make_jsonrpc_request(
                f"/web/dataset/call_kw/{model}/{method}",
                {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
            )

        rows = call("res.partner", "rfm_pos_suggestions", [self.member.id])
        self.assertEqual([row["product_id"] for row in rows], [self.tie.id])
        self.assertEqual(set(rows[0]), {"product_id", "name", "lift"})
        self.assertEqual(call("res.partner", "rfm_pos_suggestions", [self.namesake.id]), [])
        # the rules and the mining runs are not readable over RPC
        for model in ("retail.crm.rfm.rule", "retail.crm.rfm.rule.run"):
            with self.assertRaises(JsonRpcException) as caught, self.assertLogs(level="WARNING"):
                call(model, "search_read", [[]], {"fields": ["id"]})
            self.assertIn("AccessError", str(caught.exception))
        # nor another customer's recommendations, nor a product's rules
        with self.assertRaises(JsonRpcException) as caught, self.assertLogs(level="WARNING"):
            call("res.partner", "read", [[self.member.id], ["rfm_recommended_product_ids"]])
        with self.assertRaises(JsonRpcException), self.assertLogs(level="WARNING"):
            call("res.partner", "read", [[self.member.id], ["rfm_recommendation_text"]])
        with self.assertRaises(JsonRpcException), self.assertLogs(level="WARNING"):
            call("product.template", "read", [[self.shirt.product_tmpl_id.id], ["rfm_rule_ids"]])
        # and a plain employee without the POS right gets no suggestions
        new_test_user(self.env, login="rfm_clerk", password="rfm_clerk_pw", groups="base.group_user")
        self.authenticate("rfm_clerk", "rfm_clerk_pw")
        with self.assertRaises(JsonRpcException), self.assertLogs(level="WARNING"):
            call("res.partner", "rfm_pos_suggestions", [self.member.id])
