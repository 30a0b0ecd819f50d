"""The generator's plan: apportioning, the retail calendar, month arithmetic."""

import datetime
import unittest

import numpy as np

from tools import datagen_data as D
from tools.datagen_plan import add_months, apportion, day_weights, month_start, promo_days


class TestApportion(unittest.TestCase):
    def test_sums_exactly_and_follows_weights(self):
        rng = np.random.default_rng(3)
        for total in (0, 1, 7, 1000, 123_457):
            weights = rng.random(26)
            out = apportion(total, weights)
            self.assertEqual(int(out.sum()), total)
            self.assertEqual(out.dtype, np.int64)
            # largest remainder: each share within one of its exact quota
            exact = total * weights / weights.sum()
            self.assertTrue(np.all(np.abs(out - exact) < 1.0), (out, exact))

    def test_remainder_goes_to_largest_fractions(self):
        self.assertEqual(apportion(10, [1, 1, 1]).tolist(), [4, 3, 3])
        self.assertEqual(apportion(5, [0.1, 0.45, 0.45]).tolist(), [1, 2, 2])
        self.assertEqual(apportion(2, [0.2, 0.5, 0.3]).tolist(), [0, 1, 1])

    def test_nothing_to_share(self):
        self.assertEqual(apportion(10, [0, 0]).tolist(), [0, 0])
        self.assertEqual(apportion(-3, [1, 2]).tolist(), [0, 0])


class TestCalendar(unittest.TestCase):
    def setUp(self):
        start = datetime.date(2024, 1, 1)
        self.days = [start + datetime.timedelta(days=i) for i in range(3 * 366)]
        self.w = dict(zip(self.days, day_weights(self.days).tolist(), strict=True))

    def test_double_eleven_and_618_peaks(self):
        self.assertGreater(self.w[datetime.date(2025, 11, 11)], 3 * self.w[datetime.date(2025, 11, 19)])
        self.assertGreater(self.w[datetime.date(2025, 6, 18)], 2 * self.w[datetime.date(2025, 6, 25)])

    def test_spring_festival_shopping_then_holiday_week(self):
        cny = next(d for d in D.CNY if d.year == 2025)
        before = self.w[cny - datetime.timedelta(days=10)]
        holiday = self.w[cny + datetime.timedelta(days=3)]
        ordinary = self.w[cny + datetime.timedelta(days=28)]
        self.assertGreater(before, ordinary)
        self.assertLess(holiday, ordinary)

    def test_weekends_busier_than_weekdays(self):
        saturday, tuesday = datetime.date(2025, 3, 8), datetime.date(2025, 3, 11)
        self.assertEqual((saturday.weekday(), tuesday.weekday()), (5, 1))
        self.assertGreater(self.w[saturday], 1.2 * self.w[tuesday])

    def test_promo_days(self):
        promo = dict(zip(self.days, promo_days(self.days).tolist(), strict=True))
        self.assertTrue(promo[datetime.date(2025, 11, 1)] and promo[datetime.date(2025, 11, 11)])
        self.assertFalse(promo[datetime.date(2025, 11, 12)])
        self.assertTrue(promo[datetime.date(2025, 6, 18)])
        self.assertFalse(promo[datetime.date(2025, 6, 19)])
        cny = next(d for d in D.CNY if d.year == 2025)
        self.assertTrue(promo[cny - datetime.timedelta(days=14)])
        self.assertFalse(promo[cny])

    def test_months(self):
        self.assertEqual(month_start(datetime.date(2026, 2, 17)), datetime.date(2026, 2, 1))
        self.assertEqual(add_months(datetime.date(2026, 11, 1), 2), datetime.date(2027, 1, 1))
        self.assertEqual(add_months(datetime.date(2026, 1, 31), -25), datetime.date(2023, 12, 1))
        self.assertEqual(add_months(datetime.date(2026, 12, 1), 0), datetime.date(2026, 12, 1))


if __name__ == "__main__":
    unittest.main()
