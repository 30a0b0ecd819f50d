import random
from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged

from ..models import retail_crm_replenishment
from .test_replenishment import ReplenishmentCommon


@tagged("post_install", "-at_install")
class TestReplenishmentArrays(ReplenishmentCommon):
    """The full pass computes the forecasts on arrays read by COPY, the daily
    pass in one SQL statement over the customers' orders: both give the same
    rows, whatever the ranges of order ids the full pass reads."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.session_a2 = cls._open_session(cls.company_data, "Store A2", journal="default_journal_bank")
        cls.soap = cls.env["product.product"].create(
            {"name": "香皂", "categ_id": cls.categ_care.id, "available_in_pos": True, "list_price": 5}
        )

    def _rows(self):
        self.Rep.invalidate_model()
        return sorted(
            tuple(v for k, v in values.items() if k != "id")
            for values in self.Rep.search_read(
                [("company_id", "=", self.company_a.id)],
                [
                    "partner_id",
                    "level",
                    "item_id",
                    "product_id",
                    "categ_id",
                    "purchase_count",
                    "first_date",
                    "last_date",
                    "interval_days",
                    "expected_date",
                    "config_id",
                ],
            )
        )

    def _history(self):
        rng = random.Random(16)
        base = self.today - timedelta(days=200)
        partners = self.env["res.partner"]
        for index in range(8):
            partner = self._member(f"复购{index}")
            partners |= partner
            for _purchase in range(rng.randrange(2, 9)):
                day = base + timedelta(days=rng.randrange(0, 200))
                lines = [
                    (product, rng.choice([1, 1, 2, 0.5]))
                    for product in rng.sample([self.toothpaste, self.brush, self.soap], rng.randrange(1, 4))
                ]
                order = self._buy(partner, day, lines, session=rng.choice([self.session_a, self.session_a2]))
                if rng.random() < 0.25:
                    # a refund a few days later, in full or half
                    self._refund(
                        order, day + timedelta(days=rng.randrange(0, 5)), qty=rng.choice([None, 0.25])
                    )
            # the same day in the two stores: the forecast keeps the higher store id
            self._buy(partner, self.today - timedelta(days=3), [(self.toothpaste, 1)], session=self.session_a)
            self._buy(
                partner, self.today - timedelta(days=3), [(self.toothpaste, 1)], session=self.session_a2
            )
        return partners

    def _compare(self, partners):
        refused = self.Rep._replenishment_refused_ids()
        self._refresh(full=True)
        full = self._rows()
        self.assertTrue(full)
        # the same customers by the daily pass's statement (by ids)
        self.Rep.search([("company_id", "=", self.company_a.id)]).unlink()
        self.Rep._replenishment_refresh_chunk(
            self.company_a, self.today, self.Rep._ids_scope(partners.ids), refused
        )
        self.assertEqual(self._rows(), full)
        # the full pass reading one order id at a time
        self.Rep.search([("company_id", "=", self.company_a.id)]).unlink()
        with patch.object(retail_crm_replenishment, "READ_ORDER_IDS", 1):
            self._refresh(full=True, chunk_size=3)
        self.assertEqual(self._rows(), full)
        return full

    def test_full_pass_on_arrays_equals_the_statement_by_customer(self):
        partners = self._history()
        full = self._compare(partners)
        stores = {row[-1] for row in full}
        self.assertIn((self.session_a2.config_id.id, self.session_a2.config_id.display_name), stores)

    def test_category_level_the_same(self):
        partners = self._history()
        self.company_a.retail_replenishment_level = "category"
        full = self._compare(partners)
        self.assertEqual({row[1] for row in full}, {"category"})

    def test_weighed_goods_refunded_in_full_leave_no_purchase_day(self):
        """0.1 kg and 0.2 kg bought the same day and both returned later: the
        day nets to exactly 0 (quantities summed as exact integers, not as
        floats whose sum is 5.6e-17), so it is no purchase day in either pass."""
        partner = self._member("称重")
        base = self.today - timedelta(days=90)
        first = self._buy(partner, base, [(self.soap, 0.1)])
        second = self._buy(partner, base, [(self.soap, 0.2)])
        self._refund(first, base + timedelta(days=2))
        self._refund(second, base + timedelta(days=3))
        for offset in (20, 40, 60):
            self._buy(partner, base + timedelta(days=offset), [(self.soap, 0.3)])
        full = self._compare(partner)
        self.assertEqual(len(full), 1)
        self.assertEqual(
            self.Rep.search([("partner_id", "=", partner.id)]).first_date, base + timedelta(days=20)
        )
