"""Association rules and recommendations in plain Python (no Odoo needed).

The addon mines the rules in SQL (``retail.crm.rfm.rule.run``); this module
holds the same definitions for the backtest (``tools/rfm_backtest.py``) and
as the naive per-basket loop the benchmark compares with:

- a basket is the set of items of one paid order, net of refunds;
- support(A -> B) = baskets with A and B / all baskets;
- confidence(A -> B) = baskets with A and B / baskets with A;
- lift(A -> B) = confidence(A -> B) / (baskets with B / all baskets).
"""

from collections import Counter, defaultdict
from itertools import combinations


def mine_pairs(baskets, min_support=0.0, min_confidence=0.0, min_lift=0.0):
    """Rules {(a, b): (support %, confidence %, lift, count)} from an iterable of item sets."""
    single, pairs = Counter(), Counter()
    n = 0
    for basket in baskets:
        items = sorted(set(basket))
        if not items:
            continue
        n += 1
        single.update(items)
        pairs.update(combinations(items, 2))
    rules = {}
    for (a, b), count in pairs.items():
        support = 100.0 * count / n
        if support < min_support:
            continue
        for left, right in ((a, b), (b, a)):
            confidence = 100.0 * count / single[left]
            lift = count * n / (single[left] * single[right])
            if confidence >= min_confidence and lift >= min_lift:
                rules[left, right] = (support, confidence, lift, count)
    return rules, single, n


def recommend(by_left, bought, k=3, fill=()):
    """The k best consequents (by lift) of the rules (``index_rules``) whose
    antecedent is in ``bought`` and consequent is not, completed from ``fill``
    (a ranking, e.g. the most bought items)."""
    best = defaultdict(float)
    for item in bought:
        for right, lift in by_left.get(item, ()):
            if right not in bought and lift > best[right]:
                best[right] = lift
    ranked = sorted(best, key=lambda item: (-best[item], item))[:k]
    for item in fill:
        if len(ranked) >= k:
            break
        if item not in bought and item not in ranked:
            ranked.append(item)
    return ranked


def index_rules(rules):
    """{antecedent: [(consequent, lift), ...]} of ``mine_pairs`` rules."""
    by_left = defaultdict(list)
    for (left, right), (_s, _c, lift, _n) in rules.items():
        by_left[left].append((right, lift))
    return dict(by_left)


def hit_rate(recommendations, holdout):
    """Share of the customers with recommendations who bought one of them in the holdout."""
    customers = [c for c, items in recommendations.items() if items and c in holdout]
    if not customers:
        return 0.0, 0
    hits = sum(1 for c in customers if set(recommendations[c]) & holdout[c])
    return hits / len(customers), len(customers)
