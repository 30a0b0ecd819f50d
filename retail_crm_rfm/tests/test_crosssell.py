from datetime import datetime, time, timedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import RfmCommon


@tagged("post_install", "-at_install")
class CrossSellCommon(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Categ, Product = cls.env["product.category"], cls.env["product.product"]
        cls.categ_shirt = Categ.create({"name": "衬衫"})
        cls.categ_tie = Categ.create({"name": "领带"})
        cls.categ_food = Categ.create({"name": "食品"})

        def product(name, categ, price):
            return Product.create(
                {
                    "name": name,
                    "categ_id": categ.id,
                    "available_in_pos": True,
                    "list_price": price,
                    "company_id": False,
                }
            )

        cls.shirt = product("白衬衫 男款", cls.categ_shirt, 199)
        cls.tie = product("真丝领带", cls.categ_tie, 129)
        cls.bread = product("全麦面包", cls.categ_food, 12)
        cls.hat = product("草帽", cls.categ_shirt, 59)
        cls.scarf = product("丝巾", cls.categ_tie, 89)
        cls.glove = product("手套", cls.categ_food, 39)
        cls.members = cls.env["res.partner"].create(
            [{"name": name, "mobile": f"+86 138-0013-{8000 + i}"} for i, name in enumerate(cls._names(24))]
        )

    @staticmethod
    def _names(count):
        base = ["王芳", "王芳芳", "李伟", "张伟", "刘洋", "陈静", "杨敏", "赵磊"]
        return [base[i % len(base)] + ("" if i < len(base) else str(i)) for i in range(count)]

    @classmethod
    def _basket(cls, partner, products, day, session=None, state="paid"):
        session = session or cls.session_a
        total = sum(p.lst_price for p in products)
        return cls.env["pos.order"].create(
            {
                "session_id": session.id,
                "company_id": session.config_id.company_id.id,
                "partner_id": partner.id if partner else False,
                "date_order": datetime.combine(day, time(4, 0)),
                "amount_total": total,
                "amount_tax": 0.0,
                "amount_paid": total,
                "amount_return": 0.0,
                "state": state,
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
        )

    @classmethod
    def _refund(cls, order, day, lines=None):
        lines = lines or order.lines
        total = -sum(lines.mapped("price_subtotal_incl"))
        return cls.env["pos.order"].create(
            {
                "session_id": order.session_id.id,
                "company_id": order.company_id.id,
                "partner_id": order.partner_id.id,
                "date_order": datetime.combine(day, time(5, 0)),
                "amount_total": total,
                "amount_tax": 0.0,
                "amount_paid": total,
                "amount_return": 0.0,
                "state": "paid",
                "lines": [
                    Command.create(
                        {
                            "product_id": line.product_id.id,
                            "qty": -line.qty,
                            "price_unit": line.price_unit,
                            "price_subtotal": -line.price_subtotal,
                            "price_subtotal_incl": -line.price_subtotal_incl,
                            "refunded_orderline_id": line.id,
                        }
                    )
                    for line in lines
                ],
            }
        )

    def _mine(self, company=None):
        # sudo: what the scheduled action does (a technical batch)
        Run = self.env["retail.crm.rfm.rule.run"].sudo()
        run = Run._get_or_create_today(company or self.company_a)
        run.with_company(run.company_id)._mine()
        return run

    def _rule(self, run, antecedent, consequent):
        return run.rule_ids.filtered(
            lambda r: (
                r.level == "product"
                and r.antecedent_product_id == antecedent
                and r.consequent_product_id == consequent
            )
        )


@tagged("post_install", "-at_install")
class TestCrossSellRules(CrossSellCommon):
    def test_planted_rule_found_with_the_measures_computed_by_hand(self):
        day = self.today - timedelta(days=10)
        m = self.members
        # 7 baskets shirt + tie by 6 members (m[0] twice), 3 shirt only,
        # 1 tie only, 10 bread only: 21 baskets
        for partner in [m[0], m[0], m[1], m[2], m[3], m[4], m[5]]:
            self._basket(partner, self.shirt | self.tie, day)
        for partner in m[6:9]:
            self._basket(partner, self.shirt, day)
        self._basket(m[9], self.tie, day)
        for partner in m[10:20]:
            self._basket(partner, self.bread, day - timedelta(days=30))
        # not counted: a walk-in, a cancelled order, another company, before the window
        self._basket(False, self.shirt | self.tie, day)
        self._basket(m[20], self.shirt | self.tie, day, state="cancel")
        self._basket(m[21], self.shirt | self.tie, day, session=self.session_b)
        self._basket(m[22], self.shirt | self.tie, self.today - timedelta(days=400))
        run = self._mine()
        self.assertEqual(run.basket_count, 21)
        n, n_shirt, n_tie, n_both = 21, 10, 8, 7
        rule = self._rule(run, self.shirt, self.tie)
        self.assertEqual(len(rule), 1)
        self.assertEqual(rule.basket_count, n_both)
        self.assertEqual(rule.customer_count, 6)
        self.assertAlmostEqual(rule.support, 100.0 * n_both / n, places=3)
        self.assertAlmostEqual(rule.confidence, 100.0 * n_both / n_shirt, places=2)  # 70 %
        self.assertAlmostEqual(rule.lift, (n_both / n_shirt) / (n_tie / n), places=2)  # 1.84
        back = self._rule(run, self.tie, self.shirt)
        self.assertAlmostEqual(back.confidence, 100.0 * n_both / n_tie, places=2)  # 87.5 %
        self.assertAlmostEqual(back.lift, rule.lift, places=6)
        # category level: same baskets, one category each
        categ = run.rule_ids.filtered(
            lambda r: (
                r.level == "category"
                and r.antecedent_categ_id == self.categ_shirt
                and r.consequent_categ_id == self.categ_tie
                and not r.antecedent2_categ_id
            )
        )
        self.assertAlmostEqual(categ.confidence, 70.0, places=2)
        self.assertTrue(rule.is_current)
        # nothing links bread to shirts
        self.assertFalse(run.rule_ids.filtered(lambda r: self.bread in r.antecedent_product_id))
        # shown on the product form
        self.assertIn(rule, self.shirt.product_tmpl_id.rfm_rule_ids)

    def test_thresholds_filter_the_rules(self):
        day = self.today - timedelta(days=3)
        m = self.members
        for partner in m[:7]:
            self._basket(partner, self.shirt | self.tie, day)
        for partner in m[7:10]:
            self._basket(partner, self.shirt, day)
        self._basket(m[10], self.tie, day)
        for partner in m[11:21]:
            self._basket(partner, self.bread, day)
        # confidence shirt -> tie is 70 %, tie -> shirt 87.5 %
        self.company_a.rfm_rule_min_confidence = 80
        run = self._mine()
        self.assertFalse(self._rule(run, self.shirt, self.tie))
        self.assertTrue(self._rule(run, self.tie, self.shirt))

    def test_refunded_basket_makes_no_rule(self):
        day = self.today - timedelta(days=20)
        m = self.members
        # three hat + scarf baskets refunded in full two days later
        for partner in m[:3]:
            order = self._basket(partner, self.hat | self.scarf, day)
            self._refund(order, day + timedelta(days=2))
        # one more where only the scarf comes back, a week later
        order = self._basket(m[3], self.hat | self.scarf, day)
        self._refund(
            order,
            day + timedelta(days=7),
            lines=order.lines.filtered(lambda line: line.product_id == self.scarf),
        )
        for partner in m[4:8]:
            self._basket(partner, self.hat | self.glove, day)
        for partner in m[8:12]:
            self._basket(partner, self.bread, day)
        run = self._mine()
        # baskets: the partly refunded one (hat), 4 hat + glove, 4 bread
        self.assertEqual(run.basket_count, 9)
        self.assertFalse(
            run.rule_ids.filtered(lambda r: self.scarf in (r.antecedent_product_id | r.consequent_product_id))
        )
        rule = self._rule(run, self.glove, self.hat)
        self.assertAlmostEqual(rule.confidence, 100.0, places=2)
        self.assertAlmostEqual(rule.lift, (4 / 4) / (5 / 9), places=4)
        self.assertAlmostEqual(self._rule(run, self.hat, self.glove).confidence, 80.0, places=2)

    def test_triples_at_category_level(self):
        day = self.today - timedelta(days=5)
        m = self.members
        for partner in m[:4]:
            self._basket(partner, self.shirt | self.tie | self.bread, day)
        for partner in m[4:8]:
            self._basket(partner, self.shirt | self.tie, day)
        for partner in m[8:16]:
            self._basket(partner, self.bread, day)
        self.company_a.rfm_rule_min_lift = 0.1
        run = self._mine()
        rule = run.rule_ids.filtered(
            lambda r: (
                r.antecedent_categ_id == self.categ_shirt
                and r.antecedent2_categ_id == self.categ_tie
                and r.consequent_categ_id == self.categ_food
            )
        )
        # shirt + tie in 8 baskets, with food in 4; food in 12 of 16 baskets
        self.assertAlmostEqual(rule.confidence, 50.0, places=2)
        self.assertAlmostEqual(rule.lift, 0.5 / (12 / 16), places=4)

    def test_cron_twice_the_same_day_mines_once_and_keeps_history(self):
        day = self.today - timedelta(days=3)
        for partner in self.members[:6]:
            self._basket(partner, self.shirt | self.tie, day)
        for partner in self.members[6:12]:
            self._basket(partner, self.bread, day)
        Run = self.env["retail.crm.rfm.rule.run"]
        Run._cron_mine_rules()
        rules = self.env["retail.crm.rfm.rule"].search([("company_id", "=", self.company_a.id)])
        self.assertTrue(rules)
        Run._cron_mine_rules()
        runs = Run.search([("company_id", "=", self.company_a.id)])
        self.assertEqual(len(runs), 1)
        self.assertEqual(
            self.env["retail.crm.rfm.rule"].search([("company_id", "=", self.company_a.id)]), rules
        )
        # an earlier day's run stays as history; only the latest is current
        runs.sudo().run_date = self.today - timedelta(days=1)
        Run._cron_mine_rules()
        runs = Run.search([("company_id", "=", self.company_a.id)])
        self.assertEqual(len(runs), 2)
        current = self.env["retail.crm.rfm.rule"].search(
            [("company_id", "=", self.company_a.id), ("is_current", "=", True)]
        )
        self.assertEqual(current.run_id, runs.filtered(lambda r: r.run_date == self.today))
        self.assertEqual(len(current), len(rules))

    def test_settings_validated_nothing_half_stored(self):
        company = self.company_a
        before = (company.rfm_rule_min_support, company.rfm_rule_min_confidence, company.rfm_rule_min_lift)
        for field, value in (
            ("rfm_rule_min_support", 0),
            ("rfm_rule_min_support", 101),
            ("rfm_rule_min_confidence", -5),
            ("rfm_rule_min_lift", 0),
            ("rfm_rule_window_months", 0),
        ):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                settings = self.env["res.config.settings"].create(
                    {"rfm_rule_min_confidence": 55.0, field: value}
                )
                settings.execute()
            company.invalidate_recordset()
            self.assertEqual(
                (company.rfm_rule_min_support, company.rfm_rule_min_confidence, company.rfm_rule_min_lift),
                before,
            )
        settings = self.env["res.config.settings"].create(
            {"rfm_rule_min_confidence": 55.0, "rfm_rule_min_lift": 2}
        )
        settings.execute()
        self.assertEqual((company.rfm_rule_min_confidence, company.rfm_rule_min_lift), (55.0, 2.0))


@tagged("post_install", "-at_install")
class TestCrossSellRecommendations(CrossSellCommon):
    def setUp(self):
        super().setUp()
        day = self.today - timedelta(days=15)
        m = self.members
        for partner in m[:8]:
            self._basket(partner, self.shirt | self.tie, day)
        for partner in m[8:14]:
            self._basket(partner, self.bread, day)
        for partner in m[14:19]:
            self._basket(partner, self.hat | self.glove, day)
        self.run = self._mine()
        # buyers of a shirt alone: one never bought a tie, one did before
        self.buyer = m[20]
        self._basket(self.buyer, self.shirt, self.today)
        self.had_tie = m[21]
        self._basket(self.had_tie, self.shirt, self.today)
        self._basket(self.had_tie, self.tie, self.today - timedelta(days=200))
        self.refunded_tie = m[22]
        self._basket(self.refunded_tie, self.shirt, self.today)
        order = self._basket(self.refunded_tie, self.tie, self.today - timedelta(days=9))
        self._refund(order, self.today - timedelta(days=2))

    def test_recommendation_is_the_consequent_not_yet_bought(self):
        found = (self.buyer | self.had_tie | self.refunded_tie)._rfm_recommendations()
        self.assertEqual([row[0] for row in found[self.buyer.id]], [self.tie.id])
        # already bought: no recommendation
        self.assertNotIn(self.had_tie.id, found)
        # a refunded tie was not bought
        self.assertEqual([row[0] for row in found[self.refunded_tie.id]], [self.tie.id])
        self.buyer.invalidate_recordset()
        self.assertEqual(self.buyer.rfm_recommended_product_ids, self.tie)
        self.assertEqual(self.buyer.rfm_recommendation_text, self.tie.display_name)

    def test_preference_tags_rank_first(self):
        customer = self.members[23]
        self._basket(customer, self.shirt | self.hat, self.today)
        found = customer._rfm_recommendations()
        lifts = {product_id: lift for product_id, _score, lift in found[customer.id]}
        self.assertEqual(set(lifts), {self.tie.id, self.glove.id})
        order = [row[0] for row in found[customer.id]]
        self.assertEqual(order[0], max(lifts, key=lifts.get))
        # a preference tag on the weaker consequent's category puts it first
        weaker = min(lifts, key=lifts.get)
        categ = self.env["product.product"].browse(weaker).categ_id
        tag = self.env["res.partner.category"].create({"name": "偏好"})
        self.env["retail.crm.rfm.tag.rule"].create({"categ_id": categ.id, "tag_id": tag.id})
        customer.category_id = [Command.link(tag.id)]
        found = customer._rfm_recommendations()
        self.assertEqual(found[customer.id][0][0], weaker)

    def test_no_recommendation_for_refused_profiling(self):
        if "retail.crm.consent" not in self.env:
            self.skipTest("consent is recorded by the suite's privacy addon, not installed")
        self.assertTrue(self.buyer._rfm_recommendations())
        profiling = self.env["retail.crm.consent.purpose"].search([("code", "=", "profiling")])
        self.env["retail.crm.consent"]._record(self.buyer, profiling, "withdrawn")
        self.assertFalse(self.buyer._rfm_recommendations())
        self.buyer.invalidate_recordset()
        self.assertFalse(self.buyer.rfm_recommended_product_ids)


@tagged("post_install", "-at_install")
class TestCrossSellActions(CrossSellCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._users()
        day = cls.today - timedelta(days=15)
        m = cls.members
        for partner in m[:8]:
            cls._basket(partner, cls.shirt | cls.tie, day)
        for partner in m[8:14]:
            cls._basket(partner, cls.bread, day)
        cls.buyers = m[14:20]
        cls.buyers.write({"email": "buyer@example.com"})
        for partner in cls.buyers:
            cls._basket(partner, cls.shirt, cls.today)
        cls._consent_to_marketing(cls.buyers)
        run = cls.env["retail.crm.rfm.rule.run"].sudo()._get_or_create_today(cls.company_a)
        run.with_company(cls.company_a)._mine()

    def test_marketing_reads_rules_cashier_does_not(self):
        rules = (
            self.env["retail.crm.rfm.rule"].with_user(self.marketing_user).search([("is_current", "=", True)])
        )
        self.assertTrue(rules)
        rules.read(["support", "confidence", "lift", "customer_count"])
        with self.assertRaises(AccessError):
            self.env["retail.crm.rfm.rule"].with_user(self.pos_user).search([])
        with self.assertRaises(AccessError):
            self.buyers[0].with_user(self.pos_user).read(["rfm_recommended_product_ids"])

    def test_segment_action_mails_each_customer_their_recommendations(self):
        wizard = (
            self.env["retail.crm.rfm.segment.action"]
            .with_user(self.marketing_user)
            .create({"partner_ids": [Command.set(self.buyers.ids)], "action_type": "recommendation"})
        )
        action = wizard.action_apply()
        mailing = self.env["mailing.mailing"].browse(action["res_id"])
        self.assertEqual(mailing.mailing_model_real, "res.partner")
        self.assertEqual(self.env["res.partner"].search(mailing._parse_mailing_domain()), self.buyers)
        rendered = mailing.with_user(self.marketing_user)._render_field("body_html", self.buyers[:1].ids)
        self.assertIn("真丝领带", rendered[self.buyers[0].id])

    def test_ab_test_recommendation_against_plain_offer(self):
        Program = self.env["loyalty.program"]
        plain = Program.create(
            {"name": "满200减20", "program_type": "coupons", "company_id": self.company_a.id}
        )
        with_reco = Program.create(
            {"name": "满200减20 推荐", "program_type": "coupons", "company_id": self.company_a.id}
        )
        test = (
            self.env["retail.crm.rfm.ab.test"]
            .with_user(self.marketing_user)
            .with_company(self.company_a)
            .create(
                {
                    "name": "推荐 vs 普通优惠",
                    "partner_ids": [Command.set(self.buyers.ids)],
                    "program_a_id": plain.id,
                    "program_b_id": with_reco.id,
                    "b_with_recommendations": True,
                }
            )
        )
        test.action_start()
        b_members = test.member_ids.filtered(lambda m: m.variant == "b").partner_id
        self.assertTrue(b_members)
        mailing = test.recommendation_mailing_id
        self.assertEqual(self.env["res.partner"].search(mailing._parse_mailing_domain()), b_members)
