"""Counts of the cross-sell mining on arrays (``retail.crm.rfm.rule.run``).

The mining reads the window's basket items once from PostgreSQL (a binary
COPY of order, member and product ids) and counts here, with sorts of
integer codes instead of per-basket SQL aggregates and self-joins of arrays:

- ``distinct_items``: the distinct (basket, item) rows, sorted by basket and
  item, with the basket's member;
- ``frequent_threshold``: the smallest count that reaches a minimum support,
  exactly as PostgreSQL compares ``cnt * 100.0 >= min_support * baskets``
  (the float setting is sent as its ``repr``, a numeric);
- ``count_combinations``: the pairs (or triples) of distinct items of each
  basket, counted per combination: baskets and distinct members.

Pure functions of numpy arrays, tested against the per-basket reference of
``crosssell.py``.
"""

from decimal import Decimal
from fractions import Fraction
from math import ceil

import numpy as np

INT64_LIMIT = 2**62


def frequent_threshold(min_support, baskets):
    """Smallest integer count ``c`` with ``c * 100 >= min_support * baskets``
    (exact decimal arithmetic, the comparison PostgreSQL makes on numerics)."""
    support = Fraction(Decimal(repr(float(min_support))))
    return max(ceil(support * baskets / 100), 0)


def parse_binary_int4(data, columns):
    """Column arrays (int32) of a binary COPY whose every field is a non-NULL int4."""
    data = memoryview(data)
    if bytes(data[:11]) != b"PGCOPY\n\xff\r\n\x00":
        raise ValueError("not a PostgreSQL binary COPY")
    header = 19 + int.from_bytes(data[15:19], "big")
    dtype = [("count", ">i2")]
    for i in range(columns):
        dtype += [(f"len{i}", ">i4"), (f"value{i}", ">i4")]
    rows = np.frombuffer(data[header : len(data) - 2], dtype=np.dtype(dtype))
    if rows.size and (
        (rows["count"] != columns).any() or any((rows[f"len{i}"] != 4).any() for i in range(columns))
    ):
        raise ValueError("unexpected binary COPY layout")
    return [rows[f"value{i}"].astype(np.int32) for i in range(columns)]


def distinct_items(basket, partner, item):
    """The distinct (basket, item) rows sorted by basket then item, as
    ``(basket, partner, item)`` int32 arrays; ``item`` is a small
    non-negative id, a negative item is left out (no category)."""
    keep = item >= 0
    basket, partner, item = basket[keep], partner[keep], item[keep]
    if not basket.size:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, empty
    radix = int(item.max()) + 1
    code = basket.astype(np.int64) * radix + item
    code, first = np.unique(code, return_index=True)
    return (code // radix).astype(np.int32), partner[first], (code % radix).astype(np.int32)


def basket_count(basket):
    """Number of distinct baskets of rows sorted by basket."""
    if not basket.size:
        return 0
    return int(np.count_nonzero(basket[1:] != basket[:-1])) + 1


def item_counts(item, size):
    """Baskets per item (dense index) of distinct (basket, item) rows."""
    return np.bincount(item, minlength=size)


def _in_baskets_of(basket, minimum):
    """Mask of the rows (sorted by basket) whose basket has ``minimum`` rows or more."""
    starts = np.flatnonzero(np.r_[True, basket[1:] != basket[:-1]])
    sizes = np.diff(np.r_[starts, basket.size])
    return np.repeat(sizes >= minimum, sizes)


def count_combinations(basket, partner, item, width, keep_items=None):
    """Combinations of ``width`` (2 or 3) distinct items per basket.

    ``basket``, ``partner``, ``item``: distinct rows sorted by basket then
    item (``distinct_items``); ``keep_items``: boolean mask per dense item of
    the items combined (else all). Returns ``(items, baskets, customers)``:
    ``items`` a (n, width) array of ascending item indexes, the number of
    baskets holding each combination and the number of distinct members of
    those baskets."""
    if keep_items is not None and basket.size:
        keep = keep_items[item]
        basket, partner, item = basket[keep], partner[keep], item[keep]
    if basket.size:
        keep = _in_baskets_of(basket, width)
        basket, partner, item = basket[keep], partner[keep], item[keep]
    empty = (np.zeros((0, width), dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    if not basket.size:
        return empty
    radix = int(item.max()) + 1
    item = item.astype(np.int64)
    codes, partners = [], []
    n = basket.size
    if width == 2:
        for k in range(1, n):
            same = np.flatnonzero(basket[k:] == basket[: n - k])
            if not same.size:
                break
            codes.append(item[same] * radix + item[same + k])
            partners.append(partner[same])
    else:
        for k2 in range(2, n):
            same = np.flatnonzero(basket[k2:] == basket[: n - k2])
            if not same.size:
                break
            for k1 in range(1, k2):
                codes.append((item[same] * radix + item[same + k1]) * radix + item[same + k2])
                partners.append(partner[same])
    combination = np.concatenate(codes)
    partner = np.concatenate(partners).astype(np.int64)
    del codes, partners
    bound = radix**width
    dense = None
    members = int(partner.max()) + 1
    if bound * members >= INT64_LIMIT:
        # too many item combinations for one integer code with the member: number them first
        dense, combination = np.unique(combination, return_inverse=True)
        bound = dense.size
    if bound * members >= INT64_LIMIT:
        members_dense, partner = np.unique(partner, return_inverse=True)
        members = members_dense.size
    code, counts = np.unique(combination * members + partner, return_counts=True)
    combination = code // members
    starts = np.flatnonzero(np.r_[True, combination[1:] != combination[:-1]])
    baskets = np.add.reduceat(counts, starts)
    customers = np.diff(np.r_[starts, code.size])
    combination = combination[starts]
    if dense is not None:
        combination = dense[combination]
    columns = []
    for _ in range(width):
        columns.append(combination % radix)
        combination = combination // radix
    items = np.stack(columns[::-1], axis=1)
    return items, baskets.astype(np.int64), customers.astype(np.int64)
