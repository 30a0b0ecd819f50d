"""The generator: one object holding the plan's arrays, built from the mixins of
tools/datagen_*.py, and its ``run()``."""

import datetime
import time

import numpy as np

from tools import datagen_data as D
from tools.datagen_copy import CopyPipe
from tools.datagen_customers import CustomersMixin
from tools.datagen_finish import FinishMixin
from tools.datagen_master import MasterDataMixin
from tools.datagen_orders import OrdersMixin
from tools.datagen_plan import DatagenError, add_months, day_weights, month_start, promo_days
from tools.datagen_writer import OrderWriterMixin


class Generator(MasterDataMixin, CustomersMixin, OrdersMixin, OrderWriterMixin, FinishMixin):
    def __init__(
        self,
        env,
        customers,
        orders,
        seed,
        months,
        stores,
        progress,
        end_date,
        walkin_share,
        refund_rate,
        chunk_orders,
        fast=True,
        threaded=False,
    ):
        if customers < 1:
            raise DatagenError("customers must be at least 1")
        if months < 1:
            raise DatagenError("months must be at least 1")
        if not 1 <= stores <= len(D.STORES):
            raise DatagenError("stores must be between 1 and %d" % len(D.STORES))
        if "pos.order" not in env:
            raise DatagenError("point_of_sale is not installed in this database")
        self.env = env
        self.cr = env.cr
        self.n_customers = int(customers)
        self.n_orders = int(orders if orders is not None else 10 * customers)
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.n_months = int(months)
        self.n_stores = int(stores)
        self._progress = progress
        self.walkin_share = float(walkin_share)
        self.refund_rate = float(refund_rate)
        self.chunk_orders = int(chunk_orders)
        self.company = env.company
        self.currency = self.company.currency_id
        self.uid = env.uid
        end = end_date or datetime.date.today()
        if isinstance(end, str):
            end = datetime.date.fromisoformat(end)
        self.last_day = end - datetime.timedelta(days=1)  # whole days only, nothing in the future
        self.first_day = add_months(month_start(self.last_day), -(self.n_months - 1))
        n_days = (self.last_day - self.first_day).days + 1
        self.days = [self.first_day + datetime.timedelta(days=i) for i in range(n_days)]
        self.n_days = n_days
        self.month_bounds = []  # (first day index, end day index exclusive)
        for m in range(self.n_months):
            a = (add_months(self.first_day, m) - self.first_day).days
            b = min((add_months(self.first_day, m + 1) - self.first_day).days, n_days)
            self.month_bounds.append((a, b))
        self.day_w = day_weights(self.days)
        self.cum_w = np.concatenate([[0.0], np.cumsum(self.day_w)])
        self.promo = promo_days(self.days)
        self.stats = {}
        self.timings = {}
        self.warnings = []
        self.now = datetime.datetime.now().replace(microsecond=0)
        self.fast = fast
        self.fast_used = False
        self.threaded = threaded
        self.pipe = None

    # -- master data, through the ORM ------------------------------------

    def progress(self, stage, done, total):
        if self._progress:
            self._progress("%s %d/%d" % (stage, done, total))

    def run(self):
        env = self.env
        t_all = time.perf_counter()
        t0 = time.perf_counter()
        tax = self._tax()
        self.tax_id = tax.id
        self._catalogue(tax)
        self._stores(self._payment_methods())
        self._salespersons()
        self._sessions()
        env.flush_all()
        self.timings["master data (ORM)"] = time.perf_counter() - t0
        self.progress("master data", 1, 1)
        fast = self._fast_mode(True)
        t0 = time.perf_counter()
        dropped = self._drop_indexes()
        self.timings["drop indexes"] = time.perf_counter() - t0
        self.pipe = CopyPipe(self.cr, enabled=self.threaded)
        try:
            self._customers()
            self._orders()
            self.pipe.close()
        finally:
            self.pipe.close()
            if fast:
                self._fast_mode(False)
        t0 = time.perf_counter()
        self._restore_indexes(dropped)
        self.timings["rebuild indexes"] = time.perf_counter() - t0
        env.invalidate_all()
        t0 = time.perf_counter()
        self._finish()
        self._recompute_others()
        self._suite_records()
        env.flush_all()
        self.timings["finish"] = time.perf_counter() - t0
        total = time.perf_counter() - t_all
        rates = {}
        for model, loader in self.loaders.items():
            if loader.rows and loader.seconds:
                rates[model] = {
                    "rows": loader.rows,
                    "copy_seconds": round(loader.seconds, 2),
                    "format_seconds": round(loader.format_seconds, 2),
                    "rows_per_s": int(loader.rows / loader.seconds),
                }
        return {
            "counts": self.stats,
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
            "rates": rates,
            "seconds": round(total, 2),
            "orders_per_s": int(self.stats.get("pos.order", 0) / total) if total else 0,
            "period": (self.first_day.isoformat(), self.last_day.isoformat()),
            "customer_ids": (int(self.c_ids[0]), int(self.c_ids[-1])),
            "session_ids": sorted(int(s) for s in self.sess_ids.ravel()),
            "config_ids": [c["id"] for c in self.configs],
            "fk_triggers_skipped": self.fast_used,
            "warnings": self.warnings,
        }


def generate(
    env,
    customers=100,
    orders=None,
    seed=42,
    months=26,
    stores=4,
    progress=None,
    end_date=None,
    walkin_share=0.08,
    refund_rate=0.015,
    chunk_orders=200_000,
    fast=True,
    threaded=False,
):
    """Generate a retail chain with members and POS history into ``env``'s database.

    :param env: an Odoo ``Environment``; the caller owns its cursor and commits
    :param customers: number of members (``res.partner``) to create
    :param orders: number of POS sales orders (default ``10 * customers``); refunds come on top
    :param seed: random seed; the same seed and end date give the same data
    :param months: length of the history in months (the last one is the current month)
    :param stores: number of stores (``pos.config``), at most 8
    :param progress: optional callable ``progress(message)``, e.g. ``"pos.order 400000/1000000"``
    :param end_date: day after the last generated day (default today)
    :param walkin_share: share of orders without a member
    :param refund_rate: share of member orders that get a (one-line) refund
    :param chunk_orders: orders per COPY statement (bounds memory with the month's arrays)
    :param fast: skip per-row foreign-key triggers during the COPY when the role is a superuser
    :param threaded: run COPY in a second thread while the next rows are formatted (off by
        default: psycopg2 keeps the GIL for parts of COPY, and it measured slower here)
    :return: dict with ``counts`` (``pos.order`` includes the refunds), ``timings``, ``rates``
        (COPY rows/s per table), ``seconds``, ``orders_per_s``, ``period``, ``customer_ids``
        (first, last), ``session_ids``, ``config_ids``, ``fk_triggers_skipped``, ``warnings``
    """
    env.flush_all()
    gen = Generator(
        env,
        customers,
        orders,
        seed,
        months,
        stores,
        progress,
        end_date,
        walkin_share,
        refund_rate,
        chunk_orders,
        fast,
        threaded,
    )
    return gen.run()
