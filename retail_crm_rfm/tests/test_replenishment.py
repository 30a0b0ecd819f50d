from datetime import datetime, time, timedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import RfmCommon


class ReplenishmentCommon(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rep = cls.env["retail.crm.replenishment"]
        cls.categ_care = cls.env["product.category"].create({"name": "Oral care"})
        cls.toothpaste = cls.env["product.product"].create(
            {"name": "牙膏", "categ_id": cls.categ_care.id, "available_in_pos": True, "list_price": 12}
        )
        cls.brush = cls.env["product.product"].create(
            {"name": "牙刷", "categ_id": cls.categ_care.id, "available_in_pos": True, "list_price": 8}
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="rep_salesperson",
            name="导购 小王",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.cashier = new_test_user(
            cls.env,
            login="rep_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.company_a.retail_replenishment_lead_days = 3
        cls.company_a.retail_replenishment_channel = "sms_email"

    @classmethod
    def _member(cls, name, **values):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "user_id": cls.salesperson.id,
                "mobile": values.pop("mobile", False),
                "email": values.pop("email", False),
                **values,
            }
        )

    @classmethod
    def _buy(cls, partner, day, lines, session=None, state="paid"):
        """One order; ``lines`` = [(product, qty)]. Returns the order."""
        session = session or cls.session_a
        total = sum(product.list_price * qty for product, qty in lines)
        return cls.env["pos.order"].create(
            {
                "session_id": session.id,
                "company_id": session.config_id.company_id.id,
                "partner_id": partner.id,
                "date_order": datetime.combine(day, time(11, 0)),
                "amount_total": total,
                "amount_tax": 0.0,
                "amount_paid": total,
                "amount_return": 0.0,
                "state": state,
                "lines": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "qty": qty,
                            "price_unit": product.list_price,
                            "price_subtotal": product.list_price * qty,
                            "price_subtotal_incl": product.list_price * qty,
                        }
                    )
                    for product, qty in lines
                ],
            }
        )

    @classmethod
    def _refund(cls, order, day, qty=None):
        """A refund order on ``day`` whose lines point to the refunded lines."""
        lines = order.lines
        total = -sum(line.price_unit * (qty or line.qty) for line in lines)
        return cls.env["pos.order"].create(
            {
                "session_id": order.session_id.id,
                "company_id": order.company_id.id,
                "partner_id": order.partner_id.id,
                "date_order": datetime.combine(day, time(16, 0)),
                "amount_total": total,
                "amount_tax": 0.0,
                "amount_paid": total,
                "amount_return": 0.0,
                "state": "paid",
                "lines": [
                    Command.create(
                        {
                            "product_id": line.product_id.id,
                            "qty": -(qty or line.qty),
                            "price_unit": line.price_unit,
                            "price_subtotal": -line.price_unit * (qty or line.qty),
                            "price_subtotal_incl": -line.price_unit * (qty or line.qty),
                            "refunded_orderline_id": line.id,
                        }
                    )
                    for line in lines
                ],
            }
        )

    def _rows(self, partner, product=None):
        domain = [("partner_id", "=", partner.id)]
        if product:
            domain.append(("product_id", "=", product.id))
        return self.Rep.search(domain)

    def _refresh(self, today=None, **kwargs):
        return self.Rep._replenishment_refresh(self.company_a, today or self.today, **kwargs)


@tagged("post_install", "-at_install")
class TestReplenishmentForecast(ReplenishmentCommon):
    def test_interval_from_known_series(self):
        """Purchases on days 0, 30, 61, 90: gaps 30, 31, 29, median 30, next = day 120."""
        base = self.today - timedelta(days=100)
        partner = self._member("李娜")
        for offset in (0, 30, 61, 90):
            self._buy(partner, base + timedelta(days=offset), [(self.toothpaste, 1)])
        # a second order the same day is the same purchase day
        self._buy(partner, base + timedelta(days=30), [(self.toothpaste, 2), (self.brush, 1)])
        # two brush purchase days only: no forecast; draft and cancelled orders do not count
        self._buy(partner, base + timedelta(days=61), [(self.brush, 1)])
        self._buy(partner, base + timedelta(days=70), [(self.brush, 1)], state="draft")
        self._buy(partner, base + timedelta(days=80), [(self.brush, 1)], state="cancel")
        self._refresh()
        row = self._rows(partner, self.toothpaste)
        self.assertEqual(len(row), 1)
        self.assertEqual(row.purchase_count, 4)
        self.assertEqual(row.interval_days, 30)
        self.assertEqual(row.first_date, base)
        self.assertEqual(row.last_date, base + timedelta(days=90))
        self.assertEqual(row.expected_date, base + timedelta(days=120))
        self.assertEqual(row.config_id, self.session_a.config_id)
        self.assertEqual(row.categ_id, self.categ_care)
        self.assertFalse(self._rows(partner, self.brush), "fewer than three purchase days: no forecast")

    def test_even_count_median_and_store_of_last_purchase(self):
        """Gaps 10 and 20: median 15; the store is the one of the last purchase."""
        base = self.today - timedelta(days=40)
        partner = self._member("王芳")
        self._buy(partner, base, [(self.toothpaste, 1)])
        self._buy(partner, base + timedelta(days=10), [(self.toothpaste, 1)])
        self.company_b.retail_replenishment_lead_days = 3
        self._buy(partner, base + timedelta(days=30), [(self.toothpaste, 1)], session=self.session_b)
        self._buy(partner, base + timedelta(days=30), [(self.toothpaste, 1)])
        self.Rep._replenishment_refresh(self.company_b, self.today)
        self._refresh()
        row = self._rows(partner, self.toothpaste).filtered(lambda r: r.company_id == self.company_a)
        self.assertEqual(row.interval_days, 15)
        self.assertEqual(row.expected_date, base + timedelta(days=45))
        self.assertEqual(row.config_id, self.session_a.config_id)
        # company B: only one purchase day there
        self.assertFalse(self._rows(partner).filtered(lambda r: r.company_id == self.company_b))

    def test_half_day_median_rounds_up(self):
        """Gaps 16 and 17: median 16.5, the next day is 17 days after the last (not 16)."""
        base = self.today - timedelta(days=40)
        partner = self._member("郑爽")
        for offset in (0, 16, 33):
            self._buy(partner, base + timedelta(days=offset), [(self.toothpaste, 1)])
        self._refresh()
        row = self._rows(partner, self.toothpaste)
        self.assertEqual(row.interval_days, 16.5)
        self.assertEqual(row.expected_date, base + timedelta(days=50))

    def test_refund_on_another_day_removes_that_purchase(self):
        base = self.today - timedelta(days=90)
        partner = self._member("张伟 138-0013-8000")
        orders = [
            self._buy(partner, base + timedelta(days=d), [(self.toothpaste, 1)]) for d in (0, 20, 40, 70)
        ]
        self._refresh()
        self.assertEqual(self._rows(partner, self.toothpaste).interval_days, 20)
        # the day-20 purchase is refunded on day 25: days 0, 40, 70 -> gaps 40, 30 -> 35
        self._refund(orders[1], base + timedelta(days=25))
        self._refresh(full=True)
        row = self._rows(partner, self.toothpaste)
        self.assertEqual((row.purchase_count, row.interval_days), (3, 35))
        self.assertEqual(row.expected_date, base + timedelta(days=105))
        # a partial refund keeps the purchase
        partial = self._buy(partner, base + timedelta(days=80), [(self.toothpaste, 2)])
        self._refund(partial, base + timedelta(days=82), qty=1)
        self._refresh()
        self.assertEqual(self._rows(partner, self.toothpaste).purchase_count, 4)
        # refunding another purchase leaves three days... then two: the row goes
        self._refund(orders[2], base + timedelta(days=85))
        self._refund(orders[3], base + timedelta(days=86))
        self._refresh()
        self.assertFalse(self._rows(partner, self.toothpaste))

    def test_refund_rung_up_for_another_member_whatever_the_chunks(self):
        base = self.today - timedelta(days=90)
        partner = self._member("王芳")
        # created after: a higher id, in another chunk when the chunks hold one customer
        spouse = self._member("王芳芳")
        orders = [
            self._buy(partner, base + timedelta(days=d), [(self.toothpaste, 1)]) for d in (0, 20, 40, 70)
        ]
        # the day-20 purchase refunded on day 25 on the spouse's card: days 0, 40, 70 -> 35
        self._refund(orders[1], base + timedelta(days=25)).partner_id = spouse
        for chunk_size in (1, 100):
            self._refresh(full=True, chunk_size=chunk_size)
            row = self._rows(partner, self.toothpaste)
            self.assertEqual((row.purchase_count, row.interval_days), (3, 35), f"chunks of {chunk_size}")
        self.assertFalse(self._rows(spouse))
        # an incremental pass of the member alone (the spouse bought nothing since)
        self.env.flush_all()
        self.env.cr.execute("UPDATE pos_order SET write_date = write_date - interval '2 days'")
        self._buy(partner, base + timedelta(days=80), [(self.brush, 1)])
        self.assertEqual(self._refresh(), 1)
        row = self._rows(partner, self.toothpaste)
        self.assertEqual((row.purchase_count, row.interval_days), (3, 35))

    def test_category_level(self):
        base = self.today - timedelta(days=60)
        partner = self._member("刘洋")
        self._buy(partner, base, [(self.toothpaste, 1)])
        self._buy(partner, base + timedelta(days=20), [(self.brush, 1)])
        self._buy(partner, base + timedelta(days=40), [(self.toothpaste, 1), (self.brush, 1)])
        self._refresh()
        self.assertFalse(self._rows(partner), "no product bought three times")
        self.company_a.retail_replenishment_level = "category"
        self._refresh()
        row = self._rows(partner)
        self.assertEqual(len(row), 1)
        self.assertEqual((row.level, row.categ_id), ("category", self.categ_care))
        self.assertFalse(row.product_id)
        self.assertEqual((row.purchase_count, row.interval_days), (3, 20))
        self.assertEqual(row.item_name, "Oral care")

    def _digest(self):
        return sorted(
            tuple(v for k, v in values.items() if k != "id")
            for values in self.Rep.search_read(
                [("company_id", "=", self.company_a.id)],
                ["partner_id", "item_id", "purchase_count", "interval_days", "expected_date", "config_id"],
            )
        )

    def test_rerun_and_resume_consistent(self):
        base = self.today - timedelta(days=100)
        partners = self.env["res.partner"]
        for index in range(5):
            partner = self._member(f"客户{index}")
            partners |= partner
            for offset in (0, 10 + index, 30, 45 + index, 70):
                self._buy(partner, base + timedelta(days=offset), [(self.toothpaste, 1)])
        self._refresh(full=True)
        expected = self._digest()
        self.assertEqual(len(expected), 5)
        self._refresh(full=True)
        self.assertEqual(self._digest(), expected, "run twice: same rows")
        self._refresh()
        self.assertEqual(self._digest(), expected, "incremental pass without new orders: same rows")
        # a pass killed after its first chunk: the first customer is done, the
        # others still hold stale figures; the next run resumes after the cursor
        first = partners.sorted("id")[0]
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE retail_crm_replenishment SET interval_days = 1, expected_date = NULL WHERE partner_id IN %s",
            [tuple((partners - first).ids)],
        )
        self.Rep.invalidate_model()
        self.company_a.write(
            {
                "retail_replenishment_pass_start": datetime.now(),
                "retail_replenishment_pass_full": True,
                "retail_replenishment_cursor": first.id,
            }
        )
        self._refresh(chunk_size=2)
        self.assertEqual(self._digest(), expected)
        self.assertFalse(self.company_a.retail_replenishment_pass_start, "the pass is finished")

    def test_new_purchase_updates_incrementally(self):
        base = self.today - timedelta(days=70)
        partner = self._member("陈静")
        other = self._member("陈静静")
        for offset in (0, 30, 60):
            self._buy(partner, base + timedelta(days=offset), [(self.toothpaste, 1)])
            self._buy(other, base + timedelta(days=offset), [(self.toothpaste, 1)])
        self._refresh(full=True)
        self.assertEqual(self._rows(partner).expected_date, base + timedelta(days=90))
        # those orders were written days ago; the pass only looks at newer ones
        self.env.flush_all()
        self.env.cr.execute("UPDATE pos_order SET write_date = write_date - interval '2 days'")
        self._buy(partner, base + timedelta(days=66), [(self.toothpaste, 1)])
        recomputed = self._refresh()
        self.assertEqual(recomputed, 1, "only the customer with a new order is recomputed")
        row = self._rows(partner)
        self.assertEqual((row.purchase_count, row.last_date), (4, base + timedelta(days=66)))
        self.assertEqual(row.expected_date, base + timedelta(days=96))
        self.assertEqual(self._rows(other).expected_date, base + timedelta(days=90))

    def test_no_foreign_key_checks_on_the_pass(self):
        """A full pass inserts a million forecasts: no foreign key checks
        per row (the one on the customer locked, and so rewrote, every
        customer's row); their ON DELETE is in the next test."""
        self.env.cr.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'retail_crm_replenishment'::regclass AND contype = 'f'"
        )
        self.assertEqual(self.env.cr.fetchall(), [])

    def test_merged_customers_forecast_from_both_histories(self):
        """Two cards of one person, two purchase days each: no forecast for
        either. Merged, the person has four purchase days and a forecast at
        once (the merge moves the orders by SQL: no daily pass would see them
        before the next full pass)."""
        base = self.today - timedelta(days=100)
        card, duplicate = self._member("林小梅"), self._member("林小梅 ")
        for offset in (0, 30):
            self._buy(card, base + timedelta(days=offset), [(self.toothpaste, 1)])
        for offset in (60, 90):
            self._buy(duplicate, base + timedelta(days=offset), [(self.toothpaste, 1)])
        self._refresh(full=True)
        self.assertFalse(self._rows(card) | self._rows(duplicate))
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge([card.id, duplicate.id], card)
        row = self._rows(card, self.toothpaste)
        self.assertEqual((row.purchase_count, row.last_date), (4, base + timedelta(days=90)))
        self.assertEqual(row.expected_date, base + timedelta(days=120))

    def test_deleted_references_delete_or_unset_forecasts(self):
        """What the table's missing foreign keys did: deleting a customer, a
        product's template, a category (with its subcategories) deletes the
        forecasts naming them; deleting a point of sale unsets it."""
        parent = self.env["product.category"].create({"name": "Baby"})
        child = self.env["product.category"].create({"name": "Formula", "parent_id": parent.id})
        formula = self.env["product.product"].create({"name": "奶粉", "categ_id": child.id})
        config = self.env["pos.config"].create({"name": "快闪店"})
        partner, other = self._member("黄蓉"), self._member("郭靖")

        def forecast(customer, level, item, **values):
            return self.Rep.create(
                {
                    "company_id": self.company_a.id,
                    "partner_id": customer.id,
                    "level": level,
                    "item_id": item.id,
                }
                | values
            )

        by_product = forecast(other, "product", formula, product_id=formula.id, categ_id=child.id)
        by_category = forecast(other, "category", child, categ_id=child.id, config_id=config.id)
        kept = forecast(other, "product", self.toothpaste, product_id=self.toothpaste.id, config_id=config.id)
        gone_with_partner = forecast(partner, "product", self.brush, product_id=self.brush.id)
        partner.unlink()
        self.assertFalse(gone_with_partner.exists())
        formula.product_tmpl_id.unlink()
        self.assertFalse(by_product.exists())
        config.unlink()
        self.assertEqual((by_category.config_id, kept.config_id), (config.browse(), config.browse()))
        parent.unlink()
        self.assertFalse(by_category.exists())
        self.assertTrue(kept.exists())

    def test_lead_days_validated_nothing_stored(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search([("name", "=", "retail_crm_rfm")])._update_translations(["zh_CN"])
        Settings = self.env["res.config.settings"].with_context(lang="zh_CN")
        with self.assertRaises(ValidationError) as caught:
            Settings.create(
                {"retail_replenishment_level": "category", "retail_replenishment_lead_days": 99}
            ).execute()
        self.assertIn("天", str(caught.exception))
        self.company_a.invalidate_recordset()
        self.assertEqual(self.company_a.retail_replenishment_level, "product")
        self.assertEqual(self.company_a.retail_replenishment_lead_days, 3)
        with self.assertRaises(ValidationError):
            self.company_a.retail_replenishment_lead_days = -1


@tagged("post_install", "-at_install")
class TestReplenishmentAccess(ReplenishmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._users()
        base = cls.today - timedelta(days=60)
        cls.own = cls._member("赵磊")
        cls.foreign = cls._member("赵磊磊", user_id=cls.pos_manager.id)
        for partner in cls.own | cls.foreign:
            for offset in (0, 20, 40):
                cls._buy(partner, base + timedelta(days=offset), [(cls.toothpaste, 1)])
        cls.env["retail.crm.replenishment"]._replenishment_refresh(cls.company_a, cls.today)
        cls.rows = cls.env["retail.crm.replenishment"].search(
            [("partner_id", "in", (cls.own | cls.foreign).ids)]
        )

    def test_roles(self):
        self.assertEqual(len(self.rows), 2)
        own_row = self.rows.filtered(lambda r: r.partner_id == self.own)
        self.assertEqual(self.Rep.with_user(self.salesperson).search([]), own_row)
        with self.assertRaises(AccessError):
            (self.rows - own_row).with_user(self.salesperson).read(["expected_date"])
        self.assertFalse(self.Rep.with_user(self.cashier).search([]))
        with self.assertRaises(AccessError):
            own_row.with_user(self.cashier).read(["expected_date"])
        self.assertEqual(
            self.Rep.with_user(self.pos_manager).search([("id", "in", self.rows.ids)]), self.rows
        )
        self.assertEqual(
            self.Rep.with_user(self.marketing_user).search([("id", "in", self.rows.ids)]), self.rows
        )
        with self.assertRaises(AccessError):
            self.Rep.with_user(self.basic_user).search([])
        for user in (self.salesperson, self.pos_manager, self.marketing_user):
            with self.assertRaises(AccessError):
                own_row.with_user(user).write({"interval_days": 1})
