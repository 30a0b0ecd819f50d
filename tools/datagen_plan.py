"""The generator's plan: constants, the retail calendar and integer apportioning (pure numpy)."""

import datetime

import numpy as np

from tools import datagen_data as D

TZ_OFFSET_HOURS = 8  # Asia/Shanghai, no DST; date_order is stored in UTC.
RECOMPUTE_LIMIT = 50_000
# the tables the generator bulk-loads (analysed after the load, their foreign keys verified)
LOADED_TABLES = (
    "res_partner",
    "pos_order",
    "pos_order_line",
    "pos_payment",
    "account_tax_pos_order_line_rel",
)
INDEX_REBUILD_MIN_ROWS = 200_000  # loads this big drop secondary indexes and rebuild them after  # stored computed fields of other addons are computed up to this many records
SALESPERSONS_PER_STORE = 3
LOGIN_FMT = "daogou%02d@retail.example.com"
PRODUCT_CODE_FMT = "RC%04d"
TAX_NAME = "增值税 13% (含税)"
CASH_JOURNAL_CODE = "RC%02d"

# Shares of customer segments and their purchase-rate distributions.
SEGMENTS = [
    # name, share, median relative rate, lognormal sigma
    ("heavy", 0.03, 6.0, 0.4),
    ("regular", 0.22, 1.5, 0.4),
    ("occasional", 0.55, 0.35, 0.6),
    ("churner", 0.20, 1.0, 0.5),
]
HOUR_WEIGHTS = [2, 4, 6, 9, 8, 6, 5, 6, 8, 10, 9, 6, 3]  # 09:00..21:00, relative traffic
LINES_P = [0.55, 0.30, 0.15]  # 1, 2 or 3 lines per order
QTY_P = [0.80, 0.15, 0.05]
HOME_STORE_SHARE = 0.85
PREFERRED_CATEGORY_SHARE = 0.55
PAYMENT_SHARES = [0.12, 0.45, 0.30, 0.13]  # cash, WeChat Pay, Alipay, UnionPay card


class DatagenError(Exception):
    """A problem the user can fix; the CLI prints it as one line."""


def month_start(day):
    return day.replace(day=1)


def add_months(day, n):
    y, m = divmod(day.month - 1 + n, 12)
    return datetime.date(day.year + y, m + 1, 1)


def day_weights(days):
    """Relative store traffic per day: trend, weekends and Chinese retail seasons."""
    n = len(days)
    w = np.ones(n)
    w *= 1.0 + 0.15 * np.arange(n) / max(n - 1, 1)  # modest growth
    for i, day in enumerate(days):
        wd = day.weekday()
        if wd >= 5:
            w[i] *= 1.35
        elif wd == 4:
            w[i] *= 1.1
        md = (day.month, day.day)
        if md == (11, 11):
            w[i] *= 4.0  # 双十一
        elif day.month == 11 and day.day < 11:
            w[i] *= 1.3
        elif md == (6, 18):
            w[i] *= 2.5  # 618
        elif day.month == 6 and day.day < 18:
            w[i] *= 1.15
        elif day.month == 10 and day.day <= 7:
            w[i] *= 1.5  # 国庆 golden week
        elif day.month == 12 and day.day >= 20:
            w[i] *= 1.2
    for cny in D.CNY:
        delta = np.array([(d - cny).days for d in days])
        w[(delta >= -21) & (delta < 0)] *= 1.8  # 年货 shopping before 春节
        w[(delta >= 0) & (delta <= 6)] *= 0.45  # holiday week
    return w


def promo_days(days):
    promo = np.zeros(len(days), dtype=bool)
    for i, day in enumerate(days):
        if (day.month == 11 and 1 <= day.day <= 11) or (day.month == 6 and 1 <= day.day <= 18):
            promo[i] = True
    for cny in D.CNY:
        for i, day in enumerate(days):
            if -14 <= (day - cny).days < 0:
                promo[i] = True
    return promo


def apportion(total, weights):
    """Split an integer total in proportion to weights (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    rest = total - out.sum()
    if rest:
        out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out
