"""The generator's people, pure (numpy only): Chinese names, CN mobiles in E.164, birthdays."""

import datetime

import numpy as np

from tools import datagen_data as D

MOBILE_MULT, MOBILE_ADD = 4_827_193, 31_415_926  # MOBILE_MULT is coprime with 10**8


def chinese_names(rng, female):
    """One Chinese name per member: a weighted surname and one or two given-name
    characters from the female or male list (``female``: boolean array)."""
    n = len(female)
    sur = [x for x, _w in D.SURNAMES]
    sur_w = np.array([w for _x, w in D.SURNAMES])
    sur_i = rng.choice(len(sur), size=n, p=sur_w / sur_w.sum())
    two = rng.random(n) < 0.7
    g1 = rng.random(n)
    g2 = rng.random(n)
    names = []
    for i in range(n):
        chars = D.GIVEN_FEMALE if female[i] else D.GIVEN_MALE
        given = chars[int(g1[i] * len(chars))]
        if two[i]:
            given += chars[int(g2[i] * len(chars))]
        names.append(sur[sur_i[i]] + given)
    return names


def cn_mobiles(rng, first_id, n):
    """E.164 CN mobiles for the partner ids ``first_id .. first_id + n - 1``: a carrier
    prefix and an affine bijection of the id (ids < 10**8 give unique numbers, so
    numbers are unique across runs in one database too)."""
    pref_i = rng.integers(0, len(D.MOBILE_PREFIXES), n)
    idx = np.arange(first_id, first_id + n, dtype=np.int64)
    suffix = (idx * MOBILE_MULT + MOBILE_ADD) % 10**8
    return [
        "+86%s%08d" % (D.MOBILE_PREFIXES[p], x) for p, x in zip(pref_i.tolist(), suffix.tolist(), strict=True)
    ]


def birthdays(last_day, age, offsets):
    """ISO birthdays of members ``age`` years old on ``last_day``, ``offsets`` days earlier."""
    return [
        (last_day - datetime.timedelta(days=int(a) * 365 + int(a) // 4 + int(o))).isoformat()
        for a, o in zip(age.tolist(), offsets.tolist(), strict=True)
    ]
