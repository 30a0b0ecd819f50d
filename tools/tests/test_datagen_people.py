"""The generator's people: Chinese names, CN mobiles in E.164, birthdays."""

import datetime
import re
import unittest

import numpy as np
import phonenumbers

from tools import datagen_data as D
from tools.datagen_people import birthdays, chinese_names, cn_mobiles

CJK = re.compile(r"^[\u4e00-\u9fff]+$")


class TestChineseNames(unittest.TestCase):
    def names(self, seed, n=5000):
        rng = np.random.default_rng(seed)
        female = rng.random(n) < 0.62
        return female, chinese_names(rng, female)

    def test_surname_and_given_names(self):
        female, names = self.names(42)
        surnames = sorted((s for s, _w in D.SURNAMES), key=len, reverse=True)
        two_chars = 0
        for is_female, name in zip(female.tolist(), names, strict=True):
            self.assertRegex(name, CJK)
            surname = next(s for s in surnames if name.startswith(s))
            given = name[len(surname) :]
            self.assertIn(len(given), (1, 2), name)
            pool = D.GIVEN_FEMALE if is_female else D.GIVEN_MALE
            self.assertTrue(all(c in pool for c in given), (name, is_female))
            two_chars += len(given) == 2
        # 70 % get a two-character given name
        self.assertAlmostEqual(two_chars / len(names), 0.7, delta=0.03)

    def test_names_repeat_like_real_ones(self):
        """Shared names (王芳 twice) and names contained in others (王芳 in 王芳华) occur."""
        _female, names = self.names(7, n=20000)
        self.assertLess(len(set(names)), len(names))
        short = {n for n in names if len(n) == 2}
        self.assertTrue(any(n[:2] in short for n in names if len(n) == 3))

    def test_surnames_follow_their_weights(self):
        _female, names = self.names(1, n=20000)
        top = max(D.SURNAMES, key=lambda s: s[1])[0]
        rare = min(D.SURNAMES, key=lambda s: s[1])[0]
        self.assertGreater(sum(n.startswith(top) for n in names), sum(n.startswith(rare) for n in names))

    def test_same_seed_same_names(self):
        self.assertEqual(self.names(42)[1], self.names(42)[1])
        self.assertNotEqual(self.names(42)[1], self.names(43)[1])


class TestMobiles(unittest.TestCase):
    def test_valid_cn_mobiles_in_e164(self):
        mobiles = cn_mobiles(np.random.default_rng(5), 1, 3000)
        for number in mobiles:
            self.assertRegex(number, r"^\+861[3-9]\d{9}$")
            parsed = phonenumbers.parse(number)
            self.assertTrue(phonenumbers.is_valid_number(parsed), number)
            self.assertEqual(phonenumbers.region_code_for_number(parsed), "CN")
            self.assertEqual(phonenumbers.number_type(parsed), phonenumbers.PhoneNumberType.MOBILE, number)
            self.assertEqual(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), number)

    def test_unique_per_partner_id_across_runs(self):
        """Two loads into one database (ids following each other) never share a number."""
        first = cn_mobiles(np.random.default_rng(1), 10_000, 50_000)
        second = cn_mobiles(np.random.default_rng(1), 60_000, 50_000)
        self.assertEqual(len(set(first) | set(second)), 100_000)
        self.assertEqual(len({m[-8:] for m in first + second}), 100_000)

    def test_suffix_is_a_function_of_the_id(self):
        a = cn_mobiles(np.random.default_rng(1), 500, 10)
        b = cn_mobiles(np.random.default_rng(2), 500, 10)
        self.assertEqual([m[-8:] for m in a], [m[-8:] for m in b])
        self.assertEqual(a[0][-8:], "%08d" % ((500 * 4_827_193 + 31_415_926) % 10**8))

    def test_every_prefix_is_a_mobile_prefix(self):
        for prefix in D.MOBILE_PREFIXES:
            number = phonenumbers.parse(f"+86{prefix}12345678")
            self.assertTrue(phonenumbers.is_valid_number(number), prefix)


class TestBirthdays(unittest.TestCase):
    def test_age_on_the_last_day(self):
        last_day = datetime.date(2026, 11, 30)
        ages = np.array([18, 36, 75, 40])
        offsets = np.array([0, 100, 364, 59])
        for iso, age in zip(birthdays(last_day, ages, offsets), ages.tolist(), strict=True):
            born = datetime.date.fromisoformat(iso)
            years = last_day.year - born.year - ((last_day.month, last_day.day) < (born.month, born.day))
            self.assertEqual(years, age, iso)


if __name__ == "__main__":
    unittest.main()
