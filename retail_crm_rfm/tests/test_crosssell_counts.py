import random
from datetime import timedelta
from itertools import combinations
from unittest.mock import patch

import numpy as np

from odoo.tests import tagged
from odoo.tools import SQL

from ..models import retail_crm_rfm_rule_mining
from ..tools import basket_counts, crosssell
from .test_crosssell import CrossSellCommon


def _rules(run):
    return sorted(
        (
            r.level,
            r.antecedent_categ_id.id,
            r.antecedent2_categ_id.id,
            r.antecedent_product_id.id,
            r.consequent_categ_id.id,
            r.consequent_product_id.id,
            r.basket_count,
            r.customer_count,
            round(r.support, 9),
            round(r.confidence, 9),
            round(r.lift, 9),
        )
        for r in run.rule_ids
    )


@tagged("post_install", "-at_install")
class TestCrossSellCounts(CrossSellCommon):
    def test_combination_counts_match_the_per_basket_loop(self):
        """Pairs and triples counted on arrays are those of a per-basket loop:
        baskets per combination and distinct members of those baskets."""
        rng = random.Random(16)
        rows = []
        for basket in range(400):
            partner = rng.randrange(60)
            # duplicates on purpose: a product twice in one order counts once
            for _ in range(rng.choice([1, 1, 2, 3, 4, 6])):
                rows.append((basket * 7 + 3, partner, rng.randrange(12)))
        rng.shuffle(rows)
        order, partner, item = (np.array(column, dtype=np.int32) for column in zip(*rows, strict=True))
        basket, member, item = basket_counts.distinct_items(order, partner, item)
        self.assertEqual(basket_counts.basket_count(basket), len({r[0] for r in rows}))
        expected_single = {}
        expected = {2: {}, 3: {}}
        members = {2: {}, 3: {}}
        by_basket = {}
        for o, p, i in rows:
            by_basket.setdefault(o, (p, set()))[1].add(i)
        for p, items in by_basket.values():
            for i in items:
                expected_single[i] = expected_single.get(i, 0) + 1
            for width in (2, 3):
                for combination in combinations(sorted(items), width):
                    expected[width][combination] = expected[width].get(combination, 0) + 1
                    members[width].setdefault(combination, set()).add(p)
        counts = basket_counts.item_counts(item, 12)
        self.assertEqual({i: int(c) for i, c in enumerate(counts) if c}, expected_single)
        for width in (2, 3):
            items, found, customers = basket_counts.count_combinations(basket, member, item, width)
            got = {
                tuple(int(x) for x in row): (int(f), int(c))
                for row, f, c in zip(items, found, customers, strict=True)
            }
            want = {k: (v, len(members[width][k])) for k, v in expected[width].items()}
            self.assertEqual(got, want)
        # the pairs of the reference implementation (crosssell.mine_pairs)
        _rules, single, n = crosssell.mine_pairs(items for _p, items in by_basket.values())
        self.assertEqual(n, basket_counts.basket_count(basket))
        self.assertEqual(dict(single), expected_single)
        # only the kept items are combined
        keep = np.zeros(12, dtype=bool)
        keep[[1, 5, 7]] = True
        items, found, _customers = basket_counts.count_combinations(basket, member, item, 2, keep_items=keep)
        self.assertEqual(
            {tuple(int(x) for x in row): int(f) for row, f in zip(items, found, strict=True)},
            {k: v for k, v in expected[2].items() if set(k) <= {1, 5, 7}},
        )

    def test_support_threshold_is_postgresql_comparison(self):
        """The minimum count of a frequent item is exactly where PostgreSQL's
        ``cnt * 100.0 >= min_support * baskets`` turns true, float settings included."""
        for min_support, baskets in (
            (0.05, 154255),
            (10.0, 30),
            (10.0, 31),
            (0.1 + 0.2, 1000),
            (0.0001, 5_140_000),
            (33.3333, 3),
            (100.0, 7),
        ):
            self.env.cr.execute(
                SQL(
                    "SELECT min(c) FROM generate_series(0, %s) AS c WHERE c * 100.0 >= %s * %s",
                    baskets,
                    min_support,
                    baskets,
                )
            )
            self.assertEqual(
                basket_counts.frequent_threshold(min_support, baskets),
                self.env.cr.fetchone()[0],
                (min_support, baskets),
            )

    def test_window_read_in_many_ranges_gives_the_same_rules(self):
        """The window's items are read in ranges of order ids: a refund in a
        later range than its order, and baskets cut at every range boundary,
        give the rules of one read."""
        day = self.today - timedelta(days=12)
        m = self.members
        for index, partner in enumerate(m[:12]):
            products = self.shirt | self.tie if index % 3 else self.shirt | self.tie | self.bread
            order = self._basket(partner, products, day)
            if index == 4:
                # the tie comes back a week later: a refund read in another range
                self._refund(
                    order,
                    day + timedelta(days=7),
                    lines=order.lines.filtered(lambda line: line.product_id == self.tie),
                )
        for partner in m[12:20]:
            self._basket(partner, self.hat | self.scarf, day)
        for partner in m[12:16]:
            self._basket(partner, self.bread, day + timedelta(days=1))
        self.company_a.rfm_rule_min_lift = 0.1
        run = self._mine()
        whole = _rules(run)
        self.assertTrue(whole)
        with patch.object(retail_crm_rfm_rule_mining, "READ_ORDER_IDS", 1):
            run._mine()
        self.assertEqual(_rules(run), whole)
        self.assertEqual(run.basket_count, 24)
        # the refunded tie left its basket: 11 shirt + tie baskets of 12
        rule = self._rule(run, self.shirt, self.tie)
        self.assertEqual(rule.basket_count, 11)
        self.assertEqual(rule.customer_count, 11)
