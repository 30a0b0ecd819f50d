"""Replenishment forecasts on arrays (the full pass of ``retail.crm.replenishment``).

The same definitions as the pass's SQL statement (``_replenishment_compute_sql``):
a purchase day of a customer and item is a local day whose net quantity
(lines plus the refunds pointing to them) is positive; the store of a day
is the highest ``config_id`` of that day's orders; with three purchase days
or more, the interval is the median of the differences between consecutive
purchase days (``percentile_cont(0.5)``: the mean of the two middle gaps for
an even count). One sort of integer codes replaces the sorted aggregate of
every customer-item-day in PostgreSQL.
"""

import numpy as np

INT64_LIMIT = 2**62


def parse_binary(data, types):
    """Column arrays of a binary COPY of non-NULL fixed-width fields (numpy
    big-endian type strings, e.g. ``">i4"``, ``">f8"``), in native order."""
    data = memoryview(data)
    if bytes(data[:11]) != b"PGCOPY\n\xff\r\n\x00":
        raise ValueError("not a PostgreSQL binary COPY")
    header = 19 + int.from_bytes(data[15:19], "big")
    dtype = [("count", ">i2")]
    for i, kind in enumerate(types):
        dtype += [(f"len{i}", ">i4"), (f"value{i}", kind)]
    rows = np.frombuffer(data[header : len(data) - 2], dtype=np.dtype(dtype))
    if rows.size and (
        (rows["count"] != len(types)).any()
        or any((rows[f"len{i}"] != np.dtype(kind).itemsize).any() for i, kind in enumerate(types))
    ):
        raise ValueError("unexpected binary COPY layout")
    return [rows[f"value{i}"].astype(np.dtype(kind).newbyteorder("=")) for i, kind in enumerate(types)]


def encode(partner, item, day, items, days, day_base):
    """One int64 code per customer, item and day (``decode`` of ``forecasts_of_codes``)."""
    return (partner.astype(np.int64) * items + item) * days + (day.astype(np.int64) - day_base)


def code_fits(partners, items, days):
    return partners * items * days < INT64_LIMIT


def forecasts(partner, item, day, config, qty, min_purchases=3):
    """Forecast rows of per-line arrays (any order; ``config`` 0 when unknown).

    Returns a dict of arrays: ``partner``, ``item``, ``purchases``,
    ``first_day``, ``last_day`` (day numbers), ``interval`` (float) and
    ``config`` (the store of the last purchase day, 0 when unknown), sorted
    by partner and item."""
    if not partner.size:
        return forecasts_of_codes(np.zeros(0, dtype=np.int64), config, qty, 1, 1, 0, min_purchases)
    day_base = int(day.min())
    days = int(day.max()) - day_base + 1
    items = int(item.max()) + 1
    partners_dense = None
    if not code_fits(int(partner.max()) + 1, items, days):
        partners_dense, partner = np.unique(partner, return_inverse=True)
    result = forecasts_of_codes(
        encode(partner, item, day, items, days, day_base), config, qty, items, days, day_base, min_purchases
    )
    if partners_dense is not None:
        result["partner"] = partners_dense[result["partner"]]
    return result


def forecasts_of_codes(code, config, qty, items, days, day_base, min_purchases=3):
    """``forecasts`` of the codes of ``encode`` (one per line)."""
    empty = {
        name: np.zeros(0, dtype=np.float64 if name == "interval" else np.int64)
        for name in ("partner", "item", "purchases", "first_day", "last_day", "interval", "config")
    }
    if not code.size:
        return empty
    # stable: the quantities of a day are summed in the order they were read
    order = np.argsort(code, kind="stable")
    code = code[order]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    net = np.add.reduceat(qty[order], starts)
    store = np.maximum.reduceat(config[order], starts)
    del order
    bought = net > 0
    code = code[starts][bought]
    store = store[bought]
    del starts, net, bought
    key = code // days  # customer-item
    day = code % days
    del code
    group_starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[group_starts, key.size])
    enough = sizes >= min_purchases
    if not enough.any():
        return empty
    keep = np.repeat(enough, sizes)
    key, day, store = key[keep], day[keep], store[keep]
    sizes = sizes[enough]
    group_starts = np.r_[0, np.cumsum(sizes)[:-1]]
    group_ends = group_starts + sizes - 1
    # the gaps of each group (sizes - 1 per group), sorted within the group
    gaps = np.diff(day)
    within = np.ones(gaps.size, dtype=bool)
    within[group_ends[:-1]] = False  # the step from one group to the next
    gaps = gaps[within]
    gap_counts = sizes - 1
    gap_group = np.repeat(np.arange(sizes.size, dtype=np.int64), gap_counts)
    gaps = np.sort(gap_group * (days + 1) + gaps) - gap_group * (days + 1)
    gap_starts = np.r_[0, np.cumsum(gap_counts)[:-1]]
    middle = gap_starts + (gap_counts - 1) // 2
    upper = gap_starts + gap_counts // 2
    interval = (gaps[middle] + gaps[upper]) / 2.0
    group_key = key[group_starts]
    return {
        "partner": group_key // items,
        "item": group_key % items,
        "purchases": sizes.astype(np.int64),
        "first_day": day[group_starts] + day_base,
        "last_day": day[group_ends] + day_base,
        "interval": interval,
        "config": store[group_ends].astype(np.int64),
    }
