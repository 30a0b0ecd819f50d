#!/usr/bin/env python3
"""Synthetic retail data for the Retail CRM suite (issue 2, item 5).

Builds a retail chain in an Odoo 18 database that has ``point_of_sale``
installed: stores (``pos.config`` with payment methods and one closed
``pos.session`` per store and month), product categories and products,
salespersons (导购, ``res.users``), members (``res.partner``) with Chinese
names, valid CN mobiles in E.164 and birthdays, and POS orders over 24+ months
with lines, payments and refunds.  Purchases are skewed (a few heavy buyers,
many occasional ones, churners who stop buying) and seasonal (Chinese New
Year, 618, National Day, Double 11).

Master data (a few hundred records) goes through the ORM.  Members, orders,
order lines and payments are loaded set-based with PostgreSQL ``COPY``, in
chunks, with ids taken from the tables' sequences; every column Odoo needs is
written, so Odoo's own views and reports open the records.  The same seed (and
end date) gives the same data.

Library use (the caller owns the cursor and commits)::

    from datagen import generate, verify
    result = generate(env, customers=1000, orders=10000, seed=42)
    problems = verify(env, result=result)

Command line::

    python3 tools/datagen.py -d DB [--db-host H --db-port P --db-user U] \\
        --customers 100000 [--orders 1000000] [--seed 42] [--months 26] [--stores 4] \\
        [--end-date YYYY-MM-DD] [--verify | --verify-only]

How the data looks: members are heavy (3 %), regular (22 %), occasional (55 %)
buyers or churners (20 %, silent for the last 90+ days); 35 % joined before
the history starts.  8 % of orders are walk-ins without a member, about 1.5 %
of member orders get a refund (a negative order whose line points to the
refunded line, a few hours to a week later).  Prices include 13 % VAT (a
price-included ``account.tax`` on every line).  Orders are ``done`` in closed
sessions: no journal entries or stock moves are generated for them.

Speed: with a superuser database role, foreign-key triggers are skipped during
the COPY (``session_replication_role = replica``; ``verify()`` checks every
foreign key afterwards) and, for loads of 200,000+ rows that at least double a
table, secondary indexes are dropped and rebuilt once at the end (inside the
same transaction).  Stored computed fields that other addons add to the loaded
models are computed through the ORM up to 50,000 records; above that they are
listed in the result's ``warnings`` for the addons' own crons to fill.
"""

import argparse
import datetime
import io
import json
import os
import queue
import sys
import threading
import time

try:
    import numpy as np
except ImportError:  # reported in one line by main(); generate() needs it
    np = None

try:
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import SQL
except ImportError:  # reported in one line by main()
    odoo = None

try:  # imported as part of a package (tools.datagen)
    from . import datagen_data as D
    from . import datagen_verify as V
except ImportError:  # imported from the tools directory, or run as a script
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import datagen_data as D
    import datagen_verify as V

__all__ = ["generate", "verify", "main"]

TZ_OFFSET_HOURS = 8  # Asia/Shanghai, no DST; date_order is stored in UTC.
RECOMPUTE_LIMIT = 50_000
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


# ---------------------------------------------------------------- helpers


class DatagenError(Exception):
    """A problem the user can fix; the CLI prints it as one line."""


def _copy_text(value):
    """Value -> PostgreSQL COPY text representation."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _CopyPipe:
    """Runs the COPY statements in a second thread while the next rows are formatted.

    PostgreSQL parses and indexes the rows on one core while Python formats the
    next chunk on the other.  Only the pipe's thread uses the cursor between two
    ``join()`` calls; the generator joins before it runs any other query.
    """

    def __init__(self, cr, enabled=True):
        self.cr = cr
        self.enabled = enabled
        self.error = None
        self.queue = queue.Queue(maxsize=2) if enabled else None
        self.thread = None
        if enabled:
            self.thread = threading.Thread(target=self._work, name="datagen-copy", daemon=True)
            self.thread.start()

    def _work(self):
        while True:
            item = self.queue.get()
            try:
                if item is None:
                    return
                if self.error is None:
                    self._copy(*item)
            except Exception as exc:  # re-raised in the main thread
                self.error = exc
            finally:
                self.queue.task_done()

    def _copy(self, loader, text, count):
        start = time.perf_counter()
        self.cr._obj.copy_expert(loader.query, io.StringIO(text), size=1 << 20)
        loader.rows += count
        loader.seconds += time.perf_counter() - start

    def put(self, loader, text, count):
        if self.error is not None:
            raise self.error
        if self.enabled:
            self.queue.put((loader, text, count))
        else:
            self._copy(loader, text, count)

    def join(self):
        if self.enabled:
            self.queue.join()
        if self.error is not None:
            raise self.error

    def close(self):
        if self.enabled and self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error


class _Loader:
    """COPY rows into one table; ids come from the table's own sequence."""

    def __init__(self, env, model_name, columns, pipe, table=None, extra=None):
        self.env = env
        self.cr = env.cr
        self.pipe = pipe
        self.columns = list(columns)
        if model_name:
            Model = env[model_name]
            self.table = Model._table
            extra_cols, extra_vals = _default_columns(Model, set(self.columns))
        else:
            self.table = table
            extra_cols, extra_vals = extra or ([], [])
        self.extra_cols = extra_cols
        # constant suffix appended to each row: defaults of columns we do not set
        self.suffix = "".join("\t" + v.replace("%", "%%") for v in extra_vals)
        self.query = SQL(
            "COPY %s (%s) FROM STDIN",
            SQL.identifier(self.table),
            SQL(", ").join(SQL.identifier(c) for c in self.columns + self.extra_cols),
        ).code
        self.rows = 0
        self.seconds = 0.0  # in COPY (PostgreSQL parsing, storing, indexing)
        self.format_seconds = 0.0  # in Python, building the rows

    def reserve_ids(self, count):
        """Take ``count`` consecutive ids from the table's id sequence."""
        if count <= 0:
            return 0
        self.pipe.join()  # the cursor is ours again
        seq = "%s_id_seq" % self.table
        # nextval() gives the first id; setval() moves the sequence past the block.
        self.cr.execute(SQL("SELECT nextval(%s)", seq))
        first = self.cr.fetchone()[0]
        self.cr.execute(SQL("SELECT setval(%s, %s)", seq, first + count - 1))
        return first

    def copy(self, fmt, rows, count):
        """Queue the rows (tuples formatted with ``fmt``, one per line) for COPY."""
        if not count:
            return
        start = time.perf_counter()
        line_fmt = fmt + self.suffix + "\n"
        text = "".join(map(line_fmt.__mod__, rows))
        self.format_seconds += time.perf_counter() - start
        self.pipe.put(self, text, count)


def _default_columns(Model, filled):
    """Columns Odoo would fill from field defaults at create(), as constant COPY values.

    Covers fields added by any installed addon (e.g. a NOT NULL selection with a
    default), so raw inserts produce the same rows ``create()`` would.
    """
    candidates = [
        f
        for f in Model._fields.values()
        if f.store
        and f.column_type
        and not f.compute
        and not f.related
        and not f.company_dependent
        and f.name not in filled
        and f.name != "id"
        and f.type not in ("one2many", "many2many", "binary")
    ]
    defaults = Model.default_get([f.name for f in candidates]) if candidates else {}
    cols, vals = [], []
    for f in candidates:
        if f.name not in defaults:
            if f.required:
                raise DatagenError(
                    "%s.%s is required but has no default: the generator cannot fill it"
                    % (Model._name, f.name)
                )
            continue
        value = defaults[f.name]
        if f.type in ("date", "datetime"):
            continue  # time-dependent defaults are set by the generator where needed
        if f.type == "boolean":
            value = bool(value)
        elif value is False:
            value = None
        elif f.translate and value is not None:
            value = {"en_US": value}
        elif f.type == "many2one" and value is not None and not isinstance(value, int):
            value = value.id if hasattr(value, "id") else value
        cols.append(f.name)
        vals.append(_copy_text(value))
    return cols, vals


def _fmt_money(cents):
    return "%.2f" % (cents / 100.0)


def _month_start(day):
    return day.replace(day=1)


def _add_months(day, n):
    y, m = divmod(day.month - 1 + n, 12)
    return datetime.date(day.year + y, m + 1, 1)


# ---------------------------------------------------------------- calendar


def _day_weights(days):
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


def _promo_days(days):
    promo = np.zeros(len(days), dtype=bool)
    for i, day in enumerate(days):
        if (day.month == 11 and 1 <= day.day <= 11) or (day.month == 6 and 1 <= day.day <= 18):
            promo[i] = True
    for cny in D.CNY:
        for i, day in enumerate(days):
            if -14 <= (day - cny).days < 0:
                promo[i] = True
    return promo


# ---------------------------------------------------------------- generator


class _Generator:
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
        self.first_day = _add_months(_month_start(self.last_day), -(self.n_months - 1))
        n_days = (self.last_day - self.first_day).days + 1
        self.days = [self.first_day + datetime.timedelta(days=i) for i in range(n_days)]
        self.n_days = n_days
        self.month_bounds = []  # (first day index, end day index exclusive)
        for m in range(self.n_months):
            a = (_add_months(self.first_day, m) - self.first_day).days
            b = min((_add_months(self.first_day, m + 1) - self.first_day).days, n_days)
            self.month_bounds.append((a, b))
        self.day_w = _day_weights(self.days)
        self.cum_w = np.concatenate([[0.0], np.cumsum(self.day_w)])
        self.promo = _promo_days(self.days)
        self.stats = {}
        self.timings = {}
        self.warnings = []
        self.now = datetime.datetime.now().replace(microsecond=0)
        self.fast = fast
        self.fast_used = False
        self.threaded = threaded
        self.pipe = None

    # -- master data, through the ORM ------------------------------------

    def _tax(self):
        Tax = self.env["account.tax"]
        tax = Tax.search(
            [("name", "=", TAX_NAME), ("company_id", "=", self.company.id), ("type_tax_use", "=", "sale")],
            limit=1,
        )
        if not tax:
            vals = {
                "name": TAX_NAME,
                "amount": D.VAT_RATE,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": self.company.id,
            }
            if "price_include_override" in Tax._fields:
                vals["price_include_override"] = "tax_included"
            else:
                vals["price_include"] = True
            tax = Tax.create(vals)
        return tax

    def _catalogue(self, tax):
        env = self.env
        Categ, PosCateg, Product = env["product.category"], env["pos.category"], env["product.product"]
        products = []  # (id, name, price cents, cost cents, category index)
        self.cat_names = []
        self.cat_share = []
        code = 0
        for ci, (cname, _cname_en, share, items) in enumerate(D.CATALOGUE):
            self.cat_names.append(cname)
            self.cat_share.append(share)
            categ = Categ.search([("name", "=", cname)], limit=1) or Categ.create({"name": cname})
            pos_categ = PosCateg.search([("name", "=", cname)], limit=1) or PosCateg.create({"name": cname})
            to_create = []
            for pname, price in items:
                code += 1
                default_code = PRODUCT_CODE_FMT % code
                to_create.append((default_code, pname, price))
            existing = {
                p.default_code: p
                for p in Product.with_context(active_test=False).search(
                    [("default_code", "in", [c for c, _n, _p in to_create])]
                )
            }
            vals_list = []
            for default_code, pname, price in to_create:
                if default_code in existing:
                    continue
                vals_list.append(
                    {
                        "name": pname,
                        "default_code": default_code,
                        "barcode": _ean13("690%04d%05d" % (self.company.id % 10000, int(default_code[2:]))),
                        "list_price": price,
                        "standard_price": round(price * 0.6, 2),
                        "categ_id": categ.id,
                        "pos_categ_ids": [(6, 0, pos_categ.ids)],
                        "available_in_pos": True,
                        "sale_ok": True,
                        "type": "consu",
                        "taxes_id": [(6, 0, tax.ids)],
                    }
                )
            if vals_list:
                for p in Product.create(vals_list):
                    existing[p.default_code] = p
            for default_code, _pname, _price in to_create:
                p = existing[default_code]
                products.append(
                    (
                        p.id,
                        p.display_name,
                        int(round(p.lst_price * 100)),
                        int(round(p.standard_price * 100)),
                        ci,
                    )
                )
        self.prod_id = np.array([p[0] for p in products], dtype=np.int64)
        self.prod_name = [p[1].replace("\t", " ").replace("\\", "/").replace("\n", " ") for p in products]
        self.prod_price = np.array([p[2] for p in products], dtype=np.int64)
        self.prod_cost = np.array([p[3] for p in products], dtype=np.int64)
        self.prod_cat = np.array([p[4] for p in products], dtype=np.int64)
        self.cat_share = np.array(self.cat_share) / sum(self.cat_share)
        # popularity inside a category: Zipf-like
        self.cat_products = []
        for ci in range(len(self.cat_names)):
            idx = np.flatnonzero(self.prod_cat == ci)
            pw = 1.0 / np.arange(1, len(idx) + 1) ** 0.8
            self.cat_products.append((idx, np.cumsum(pw / pw.sum())))
        self.stats["product.product"] = len(products)
        self._planting(products)

    def _planting(self, products):
        """Indexes of the planted associations and of the repurchase-cycle product."""
        by_name = {p[1].split("] ", 1)[-1]: i for i, p in enumerate(products)}
        self.planted = []
        for left, right, prob in D.PLANTED:
            if left.startswith("*"):
                left_idx = np.flatnonzero(self.prod_cat == self.cat_names.index(left[1:]))
            else:
                left_idx = np.array([by_name[left]])
            self.planted.append((left_idx, by_name[right], prob))
        self.cycle_prod = by_name[D.CYCLE_PRODUCT]

    def _payment_methods(self):
        env = self.env
        PM = env["pos.payment.method"]
        Journal = env["account.journal"]
        bank = Journal.search([*Journal._check_company_domain(self.company), ("type", "=", "bank")], limit=1)
        if not bank:
            raise DatagenError("the company has no bank journal: install a chart of accounts first")
        shared = []
        for name in ("微信支付", "支付宝", "银联卡"):
            pm = PM.search([("name", "=", name), ("company_id", "=", self.company.id)], limit=1)
            if not pm:
                pm = PM.create({"name": name, "journal_id": bank.id, "company_id": self.company.id})
            shared.append(pm)
        return shared

    def _stores(self, shared_pms):
        env = self.env
        Config = env["pos.config"]
        Journal = env["account.journal"]
        PM = env["pos.payment.method"]
        configs = []
        for si in range(self.n_stores):
            name, city, _size = D.STORES[si]
            config = Config.search([("name", "=", name), ("company_id", "=", self.company.id)], limit=1)
            if not config:
                code = CASH_JOURNAL_CODE % (si + 1)
                journal = Journal.search([("code", "=", code), ("company_id", "=", self.company.id)], limit=1)
                if not journal:
                    journal = Journal.create(
                        {
                            "name": "%s 现金" % name,
                            "code": code,
                            "type": "cash",
                            "company_id": self.company.id,
                        }
                    )
                cash = PM.search([("journal_id", "=", journal.id)], limit=1) or PM.create(
                    {"name": "%s 现金" % name, "journal_id": journal.id, "company_id": self.company.id}
                )
                config = Config.create(
                    {
                        "name": name,
                        "company_id": self.company.id,
                        "payment_method_ids": [(6, 0, [cash.id] + [p.id for p in shared_pms])],
                    }
                )
            cash = config.payment_method_ids.filtered("is_cash_count")[:1]
            if not cash:
                raise DatagenError("store %s has no cash payment method" % name)
            pms = [cash.id] + [p.id for p in shared_pms]
            missing = [p for p in shared_pms if p not in config.payment_method_ids]
            if missing:
                config.payment_method_ids = [(4, p.id) for p in missing]
            configs.append(
                {
                    "record": config,
                    "id": config.id,
                    "name": config.name,
                    "city": city,
                    "pms": pms,
                    "journal": config.journal_id.id or None,
                    "pricelist": config.pricelist_id.id or None,
                }
            )
        self.configs = configs
        sizes = np.array([D.STORES[i][2] for i in range(self.n_stores)])
        self.store_w = sizes / sizes.sum()
        self.stats["pos.config"] = len(configs)

    def _salespersons(self):
        env = self.env
        Users = env["res.users"].with_context(no_reset_password=True, mail_create_nosubscribe=True)
        group = env.ref("point_of_sale.group_pos_user")
        ids = []
        for si in range(self.n_stores):
            store_ids = []
            for k in range(SALESPERSONS_PER_STORE):
                n = si * SALESPERSONS_PER_STORE + k
                login = LOGIN_FMT % (n + 1)
                user = Users.with_context(active_test=False).search([("login", "=", login)], limit=1)
                if not user:
                    user = Users.create(
                        {
                            "name": D.SALESPERSONS[n % len(D.SALESPERSONS)],
                            "login": login,
                            "email": login,
                            "company_id": self.company.id,
                            "company_ids": [(6, 0, self.company.ids)],
                            "groups_id": [(6, 0, [env.ref("base.group_user").id, group.id])],
                            "tz": "Asia/Shanghai",
                        }
                    )
                store_ids.append(user.id)
            ids.append(store_ids)
        self.sales_ids = np.array(ids, dtype=np.int64)  # [store, k]
        self.stats["res.users"] = int(self.sales_ids.size)

    def _sessions(self):
        """One closed session per store and month (created through the ORM: few)."""
        Session = self.env["pos.session"]
        self.sess_ids = np.zeros((self.n_stores, self.n_months), dtype=np.int64)
        count = 0
        for si, conf in enumerate(self.configs):
            for m, (a, b) in enumerate(self.month_bounds):
                start_local = datetime.datetime.combine(self.days[a], datetime.time(9, 0))
                stop_local = datetime.datetime.combine(self.days[b - 1], datetime.time(22, 0))
                offset = datetime.timedelta(hours=TZ_OFFSET_HOURS)
                session = Session.create(
                    {
                        "config_id": conf["id"],
                        "user_id": int(self.sales_ids[si, 0]),
                    }
                )
                session.write(
                    {
                        "state": "closed",
                        "start_at": start_local - offset,
                        "stop_at": stop_local - offset,
                    }
                )
                self.sess_ids[si, m] = session.id
                count += 1
        self.sess_seq = {int(s): 0 for s in self.sess_ids.ravel()}
        self.config_seq = {c["id"]: self._config_counter(c["record"].sequence_id) for c in self.configs}
        self.config_line_seq = {
            c["id"]: self._config_counter(c["record"].sequence_line_id) for c in self.configs
        }
        self.stats["pos.session"] = count

    def progress(self, stage, done, total):
        if self._progress:
            self._progress("%s %d/%d" % (stage, done, total))

    @staticmethod
    def _config_counter(seq):
        return (seq.number_next_actual - 1) if seq else 0

    # -- members -----------------------------------------------------------

    def _customers(self):
        rng = self.rng
        n = self.n_customers
        env = self.env
        Partner = env["res.partner"]
        t0 = time.perf_counter()

        seg_share = np.array([s[1] for s in SEGMENTS])
        seg = rng.choice(len(SEGMENTS), size=n, p=seg_share)
        med = np.array([s[2] for s in SEGMENTS])[seg]
        sig = np.array([s[3] for s in SEGMENTS])[seg]
        self.c_rate = med * np.exp(rng.standard_normal(n) * sig)
        female = rng.random(n) < 0.62
        # age 18..75, most between 25 and 45
        age = np.clip(rng.normal(36, 10, n), 18, 75).astype(np.int64)
        # join: 35% before the window (up to 4 years), the rest during it
        pre = rng.random(n) < 0.35
        s = np.where(pre, 0, rng.integers(0, self.n_days, n))
        join_offset = np.where(pre, -rng.integers(1, 4 * 365, n), s)
        D_ = self.n_days
        churn = seg == 3
        churn_last = D_ - 91  # churners have been silent for 90+ days
        span = np.maximum(churn_last - s - 30, 1)
        e = np.where(churn & (s < churn_last - 30), s + 30 + (rng.random(n) * span).astype(np.int64), D_ - 1)
        self.c_start, self.c_end = s.astype(np.int64), e.astype(np.int64)
        self.c_home = rng.choice(self.n_stores, size=n, p=self.store_w)
        self.c_sales = self.sales_ids[self.c_home, rng.integers(0, SALESPERSONS_PER_STORE, n)]
        # preferred category: young mothers buy infant formula
        pref = rng.choice(len(self.cat_names), size=n, p=self.cat_share)
        mum = female & (age >= 24) & (age <= 38) & (rng.random(n) < 0.5)
        self.c_pref = np.where(mum, 0, pref)
        # repurchase cycles (own generator: the rest of the data does not move)
        prng = np.random.default_rng(self.seed + 7919)
        self.plant_rng = prng
        lo_days, hi_days = D.CYCLE_DAYS
        self.c_cycle = np.flatnonzero(prng.random(n) < D.CYCLE_SHARE)
        self.c_cycle_days = prng.integers(lo_days, hi_days + 1, len(self.c_cycle))
        self.c_cycle_phase = (prng.random(len(self.c_cycle)) * self.c_cycle_days).astype(np.int64)

        # names
        sur = [x for x, _w in D.SURNAMES]
        sur_w = np.array([w for _x, w in D.SURNAMES])
        sur_i = rng.choice(len(sur), size=n, p=sur_w / sur_w.sum())
        two = rng.random(n) < 0.7
        g1 = rng.random(n)
        g2 = rng.random(n)
        fem, mal = D.GIVEN_FEMALE, D.GIVEN_MALE
        names = []
        for i in range(n):
            chars = fem if female[i] else mal
            given = chars[int(g1[i] * len(chars))]
            if two[i]:
                given += chars[int(g2[i] * len(chars))]
            names.append(sur[sur_i[i]] + given)

        has_email = rng.random(n) < 0.35

        # birthdays
        bday_off = rng.integers(0, 365, n)
        birth = [
            (self.last_day - datetime.timedelta(days=int(a) * 365 + int(a) // 4 + int(o))).isoformat()
            for a, o in zip(age.tolist(), bday_off.tolist(), strict=True)
        ]
        join_dates = [(self.first_day + datetime.timedelta(days=int(j))) for j in join_offset.tolist()]
        join_secs = rng.integers(9 * 3600, 21 * 3600, n) - TZ_OFFSET_HOURS * 3600

        # optional fields of the loyalty addon
        fields_ = Partner._fields

        def has(fname, ftype=None):
            f = fields_.get(fname)
            return bool(
                f and f.store and f.column_type and not f.compute and (ftype is None or f.type == ftype)
            )

        cols = [
            "id",
            "name",
            "complete_name",
            "ref",
            "mobile",
            "phone_sanitized",
            "email",
            "email_normalized",
            "lang",
            "tz",
            "user_id",
            "company_id",
            "country_id",
            "city",
            "customer_rank",
            "active",
            "type",
            "is_company",
            "partner_share",
            "commercial_partner_id",
            "create_uid",
            "create_date",
            "write_uid",
            "write_date",
        ]
        if "mobile" not in fields_:
            cols[cols.index("mobile")] = "phone"
        extra_cols = []
        gender_keys = (None, None)
        if has("retail_gender", "selection"):
            keys = [k for k, _l in _selection(Partner, "retail_gender")]
            fk = next((k for k in keys if k.lower() in ("female", "f", "woman")), None)
            mk = next((k for k in keys if k.lower() in ("male", "m", "man")), None)
            if fk and mk:
                gender_keys = (fk, mk)
                extra_cols.append("retail_gender")
        if has("retail_birthday", "date"):
            extra_cols.append("retail_birthday")
        if has("retail_join_date", "date"):
            extra_cols.append("retail_join_date")
        join_channels = None
        if has("retail_join_channel", "selection"):
            keys = {k for k, _l in _selection(Partner, "retail_join_channel")}
            ch = [(k, w) for k, w in D.JOIN_CHANNELS if k in keys]
            if ch:
                join_channels = ch
                extra_cols.append("retail_join_channel")
        if has("retail_member_number", "char"):
            extra_cols.append("retail_member_number")
        if has("retail_is_member", "boolean"):
            extra_cols.append("retail_is_member")
        if join_channels:
            chw = np.array([w for _k, w in join_channels])
            ch_i = rng.choice(len(join_channels), size=n, p=chw / chw.sum())
        lang = "zh_CN" if env["res.lang"]._lang_get("zh_CN") else (env.lang or "en_US")
        cn = env.ref("base.cn", raise_if_not_found=False)
        cn_id = cn.id if cn else None

        loader = _Loader(env, "res.partner", cols + extra_cols, self.pipe)
        first = loader.reserve_ids(n)
        self.c_ids = np.arange(first, first + n, dtype=np.int64)
        # mobiles: prefix + an affine bijection of the partner id (ids < 10**8 are unique,
        # so numbers are unique across runs in one database too)
        pref_i = rng.integers(0, len(D.MOBILE_PREFIXES), n)
        mult, add = 4_827_193, 31_415_926  # mult is coprime with 10**8
        idx = np.arange(first, first + n, dtype=np.int64)
        suffix = (idx * mult + add) % 10**8
        mobiles = [
            "+86%s%08d" % (D.MOBILE_PREFIXES[p], x)
            for p, x in zip(pref_i.tolist(), suffix.tolist(), strict=True)
        ]
        self.c_mobile = mobiles
        self.c_email = []
        self.c_member = []
        fmt = "\t".join(["%s"] * (len(cols) + len(extra_cols)))
        chunk = 100_000
        company_id = self.company.id
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            rows = []
            for i in range(lo, hi):
                pid = first + i
                member = "M%09d" % pid
                email = "%s@members.example.cn" % member.lower() if has_email[i] else None
                self.c_email.append(email or "")
                self.c_member.append(member)
                jd = join_dates[i]
                jdt = datetime.datetime.combine(jd, datetime.time()) + datetime.timedelta(
                    seconds=int(join_secs[i])
                )
                created = jdt.isoformat(sep=" ")
                city = self.configs[self.c_home[i]]["city"]
                row = [
                    pid,
                    names[i],
                    names[i],
                    member,
                    mobiles[i],
                    mobiles[i],
                    email or "\\N",
                    email or "\\N",
                    lang,
                    "Asia/Shanghai",
                    int(self.c_sales[i]),
                    company_id,
                    cn_id or "\\N",
                    city,
                    1,
                    "t",
                    "contact",
                    "f",
                    "t",
                    pid,
                    self.uid,
                    created,
                    self.uid,
                    created,
                ]
                if "retail_gender" in extra_cols:
                    row.append(gender_keys[0] if female[i] else gender_keys[1])
                if "retail_birthday" in extra_cols:
                    row.append(birth[i])
                if "retail_join_date" in extra_cols:
                    row.append(jd.isoformat())
                if "retail_join_channel" in extra_cols:
                    row.append(join_channels[ch_i[i]][0])
                if "retail_member_number" in extra_cols:
                    row.append(member)
                if "retail_is_member" in extra_cols:
                    row.append(True)
                rows.append(tuple(row))
            loader.copy(fmt, rows, len(rows))
            self.progress("res.partner", hi, n)
        self.loaders = {"res.partner": loader}
        self.stats["res.partner"] = n
        self.timings["res.partner"] = time.perf_counter() - t0

    # -- orders ------------------------------------------------------------

    def _month_targets(self):
        """Orders per month for members and walk-ins, summing exactly to n_orders."""
        n_walkin = int(round(self.n_orders * self.walkin_share))
        n_member = self.n_orders - n_walkin
        exp = np.zeros(self.n_months)
        month_w = np.zeros(self.n_months)
        for m, (a, b) in enumerate(self.month_bounds):
            lo = np.maximum(self.c_start, a)
            hi = np.minimum(self.c_end + 1, b)
            e = np.where(
                hi > lo, self.cum_w[np.clip(hi, 0, None)] - self.cum_w[np.clip(lo, 0, self.n_days)], 0.0
            )
            exp[m] = float((self.c_rate * e).sum())
            month_w[m] = self.cum_w[b] - self.cum_w[a]
        return _apportion(n_member, exp), _apportion(n_walkin, month_w)

    def _orders(self):
        env = self.env
        t0 = time.perf_counter()
        member_t, walkin_t = self._month_targets()
        fields_o = [
            "id",
            "name",
            "pos_reference",
            "session_id",
            "config_id",
            "company_id",
            "partner_id",
            "user_id",
            "pricelist_id",
            "sale_journal",
            "date_order",
            "state",
            "amount_tax",
            "amount_total",
            "amount_paid",
            "amount_return",
            "sequence_number",
            "currency_rate",
            "nb_print",
            "email",
            "mobile",
            "to_invoice",
            "is_tipped",
            "tip_amount",
            "has_deleted_line",
            "create_uid",
            "create_date",
            "write_uid",
            "write_date",
        ]
        fields_l = [
            "id",
            "order_id",
            "product_id",
            "name",
            "full_product_name",
            "qty",
            "price_unit",
            "discount",
            "price_subtotal",
            "price_subtotal_incl",
            "total_cost",
            "is_total_cost_computed",
            "price_type",
            "price_extra",
            "company_id",
            "refunded_orderline_id",
            "is_edited",
            "create_uid",
            "create_date",
            "write_uid",
            "write_date",
        ]
        fields_p = [
            "id",
            "pos_order_id",
            "payment_method_id",
            "amount",
            "payment_date",
            "session_id",
            "company_id",
            "is_change",
            "create_uid",
            "create_date",
            "write_uid",
            "write_date",
        ]
        self.pipe.join()  # default_get() below may query the database
        lo_ = _Loader(env, "pos.order", fields_o, self.pipe)
        ll_ = _Loader(env, "pos.order.line", fields_l, self.pipe)
        lp_ = _Loader(env, "pos.payment", fields_p, self.pipe)
        self.tax_loader = _Loader(
            env,
            None,
            ["pos_order_line_id", "account_tax_id"],
            self.pipe,
            table="account_tax_pos_order_line_rel",
        )
        self.loaders.update(
            {
                "pos.order": lo_,
                "pos.order.line": ll_,
                "pos.payment": lp_,
                "account_tax_pos_order_line_rel": self.tax_loader,
            }
        )
        self.n_refunds = 0
        done = 0
        total = self.n_orders
        for m in range(self.n_months):
            arrays = self._month_orders(m, int(member_t[m]), int(walkin_t[m]))
            if arrays is None:
                continue
            self._write_month(arrays, lo_, ll_, lp_)
            done += int(member_t[m] + walkin_t[m])
            self.progress("pos.order", done, total)
        self.pipe.join()
        self.stats["pos.order"] = lo_.rows
        self.stats["pos.order (refunds)"] = self.n_refunds
        self.stats["pos.order.line"] = ll_.rows
        self.stats["pos.payment"] = lp_.rows
        self.stats["account_tax_pos_order_line_rel"] = self.tax_loader.rows
        self.timings["pos.order+lines+payments"] = time.perf_counter() - t0

    def _month_orders(self, m, n_member, n_walkin):
        rng = self.rng
        a, b = self.month_bounds[m]
        # members: multinomial over customers by rate x seasonal exposure
        lo = np.maximum(self.c_start, a)
        hi = np.minimum(self.c_end + 1, b)
        active = hi > lo
        expo = np.where(
            active, self.cum_w[np.clip(hi, 0, self.n_days)] - self.cum_w[np.clip(lo, 0, self.n_days)], 0.0
        )
        p = self.c_rate * expo
        cyc_cust, cyc_day = self._cycle_orders(a, b)
        n_member = max(n_member - len(cyc_cust), 0)  # the cycle purchases are part of the orders asked for
        if n_member and p.sum() > 0:
            counts = rng.multinomial(n_member, p / p.sum())
            cust = np.repeat(np.arange(self.n_customers, dtype=np.int64), counts)
        else:
            cust = np.zeros(0, dtype=np.int64)
        cust = np.concatenate([cust, np.full(n_walkin, -1, dtype=np.int64)])
        n = len(cust)
        if not n:
            return None
        member = cust >= 0
        c_safe = np.where(member, cust, 0)
        dlo = np.where(member, lo[c_safe], a)
        dhi = np.where(member, hi[c_safe], b)
        u = self.cum_w[dlo] + rng.random(n) * (self.cum_w[dhi] - self.cum_w[dlo])
        day = np.clip(np.searchsorted(self.cum_w, u, side="right") - 1, dlo, dhi - 1)
        cust = np.concatenate([cust, cyc_cust])
        day = np.concatenate([day, cyc_day])
        is_cyc = np.concatenate([np.zeros(n, dtype=bool), np.ones(len(cyc_cust), dtype=bool)])
        n = len(cust)
        member = cust >= 0
        c_safe = np.where(member, cust, 0)
        hw = np.array(HOUR_WEIGHTS, dtype=float)
        hour = rng.choice(len(hw), size=n, p=hw / hw.sum()) + 9
        sec = day * 86400 + hour * 3600 + rng.integers(0, 3600, n)
        home = self.c_home[c_safe]
        store = np.where(
            member & (rng.random(n) < HOME_STORE_SHARE),
            home,
            rng.choice(self.n_stores, size=n, p=self.store_w),
        )
        order = np.argsort(sec, kind="stable")
        cust, member, sec, store, day = cust[order], member[order], sec[order], store[order], day[order]
        is_cyc = is_cyc[order]
        c_safe = np.where(member, cust, 0)
        user = np.where(
            member & (store == self.c_home[c_safe]),
            self.c_sales[c_safe],
            self.sales_ids[store, rng.integers(0, SALESPERSONS_PER_STORE, n)],
        )
        pay = rng.choice(4, size=n, p=PAYMENT_SHARES)

        # lines
        nl = np.where(is_cyc, 1, rng.choice(3, size=n, p=LINES_P) + 1)
        lorder = np.repeat(np.arange(n, dtype=np.int64), nl)
        L = len(lorder)
        lmember = member[lorder]
        cat = rng.choice(len(self.cat_names), size=L, p=self.cat_share)
        use_pref = lmember & (rng.random(L) < PREFERRED_CATEGORY_SHARE)
        cat = np.where(use_pref, self.c_pref[c_safe[lorder]], cat)
        prod = np.zeros(L, dtype=np.int64)
        ur = rng.random(L)
        for ci, (idx, cum) in enumerate(self.cat_products):
            sel = cat == ci
            if sel.any():
                prod[sel] = idx[np.minimum(np.searchsorted(cum, ur[sel]), len(idx) - 1)]
        prod[is_cyc[lorder]] = self.cycle_prod
        lorder, prod = self._plant(lorder, prod, n)
        nl = np.bincount(lorder, minlength=n)
        L = len(lorder)
        lmember = member[lorder]
        cat = self.prod_cat[prod]
        qty = rng.choice(3, size=L, p=QTY_P) + 1
        qty = np.where(cat == 0, qty + (rng.random(L) < 0.3), qty)  # formula: often several cans
        promo = self.promo[day[lorder]]
        r = rng.random(L)
        disc = np.where(
            promo,
            np.where(r < 0.35, rng.choice([10, 15, 20], size=L), 0),
            np.where(r < 0.05, rng.choice([5, 10], size=L), 0),
        )
        price = self.prod_price[prod]
        incl = np.rint(price * qty * (100 - disc) / 100.0).astype(np.int64)
        excl = np.rint(incl * 100.0 / (100.0 + D.VAT_RATE)).astype(np.int64)
        cost = self.prod_cost[prod] * qty

        # refunds: first line of some member orders, a few hours to a week later
        refund = member & (rng.random(n) < self.refund_rate)
        r_idx = np.flatnonzero(refund)
        first_line = np.concatenate([[0], np.cumsum(nl)[:-1]])
        r_line = first_line[r_idx]
        r_delay = rng.integers(2 * 3600, 7 * 86400, len(r_idx))
        r_sec = np.minimum(sec[r_idx] + r_delay, self.n_days * 86400 - 3600)
        keep = r_sec > sec[r_idx]
        r_idx, r_line, r_sec = r_idx[keep], r_line[keep], r_sec[keep]
        r_day = r_sec // 86400
        r_month = np.searchsorted(np.array([bb for _aa, bb in self.month_bounds]), r_day, side="right")
        r_month = np.minimum(r_month, self.n_months - 1)
        return {
            "n": n,
            "cust": cust,
            "member": member,
            "sec": sec,
            "store": store,
            "user": user,
            "pay": pay,
            "nl": nl,
            "lorder": lorder,
            "prod": prod,
            "qty": qty,
            "disc": disc,
            "price": price,
            "incl": incl,
            "excl": excl,
            "cost": cost,
            "month": m,
            "r_idx": r_idx,
            "r_line": r_line,
            "r_sec": r_sec,
            "r_month": r_month,
        }

    def _cycle_orders(self, a, b):
        """Members on a repurchase cycle: (customer, day) of their purchases in days [a, b)."""
        if not len(self.c_cycle):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        c = self.c_cycle
        lo = np.maximum(self.c_start[c], a)
        hi = np.minimum(self.c_end[c] + 1, b)
        step, phase = self.c_cycle_days, self.c_start[c] + self.c_cycle_phase
        k_lo = np.maximum(-((phase - lo) // step), 0)  # ceil((lo - phase) / step)
        k_hi = np.maximum(-((phase - hi) // step), 0)
        count = np.maximum(k_hi - k_lo, 0)
        who = np.repeat(np.arange(len(c)), count)
        k = np.repeat(k_lo, count) + (np.arange(len(who)) - np.repeat(np.cumsum(count) - count, count))
        jitter = self.plant_rng.integers(-1, 2, len(who))
        day = np.clip(phase[who] + k * step[who] + jitter, lo[who], hi[who] - 1)
        return c[who].astype(np.int64), day.astype(np.int64)

    def _plant(self, lorder, prod, n):
        """Add the planted right-hand products to orders holding a left-hand one."""
        prng = self.plant_rng
        add_order, add_prod = [], []
        for left_idx, right, prob in self.planted:
            has_left = np.zeros(n, dtype=bool)
            has_left[lorder[np.isin(prod, left_idx)]] = True
            has_right = np.zeros(n, dtype=bool)
            has_right[lorder[prod == right]] = True
            pick = np.flatnonzero(has_left & ~has_right & (prng.random(n) < prob))
            add_order.append(pick)
            add_prod.append(np.full(len(pick), right, dtype=np.int64))
        lorder = np.concatenate([lorder] + add_order)
        prod = np.concatenate([prod] + add_prod)
        keep = np.argsort(lorder, kind="stable")
        return lorder[keep], prod[keep]

    def _write_month(self, A, lo_, ll_, lp_):
        n = A["n"]
        R = len(A["r_idx"])
        L = len(A["lorder"])
        self.n_refunds += R
        # ids for the whole month (orders then refunds), taken from the sequences
        o_first = lo_.reserve_ids(n + R)
        l_first = ll_.reserve_ids(L + R)
        p_first = lp_.reserve_ids(n + R)
        m = A["month"]
        store = np.concatenate([A["store"], A["store"][A["r_idx"]]])
        month = np.concatenate([np.full(n, m), A["r_month"]])
        sess = self.sess_ids[store, month]
        conf_ids = np.array([c["id"] for c in self.configs], dtype=np.int64)
        conf = conf_ids[store]
        # per-session sequence numbers and per-config order/line names
        seqs = np.empty(n + R, dtype=np.int64)
        oname_no = np.empty(n, dtype=np.int64)
        for s_id in np.unique(sess):
            sel = np.flatnonzero(sess == s_id)
            start = self.sess_seq[int(s_id)]
            seqs[sel] = start + 1 + np.arange(len(sel))
            self.sess_seq[int(s_id)] = start + len(sel)
        for c_id in np.unique(conf[:n]):
            sel = np.flatnonzero(conf[:n] == c_id)
            start = self.config_seq[int(c_id)]
            oname_no[sel] = start + 1 + np.arange(len(sel))
            self.config_seq[int(c_id)] = start + len(sel)
        lconf = np.concatenate([conf[A["lorder"]], conf[n:]])
        lname_no = np.empty(L + R, dtype=np.int64)
        for c_id in np.unique(lconf):
            sel = np.flatnonzero(lconf == c_id)
            start = self.config_line_seq[int(c_id)]
            lname_no[sel] = start + 1 + np.arange(len(sel))
            self.config_line_seq[int(c_id)] = start + len(sel)
        conf_name = {c["id"]: c["name"] for c in self.configs}
        conf_journal = {c["id"]: c["journal"] for c in self.configs}
        conf_pricelist = {c["id"]: c["pricelist"] for c in self.configs}

        # order totals (cents)
        lorder = A["lorder"]
        tot_incl = np.bincount(lorder, weights=A["incl"], minlength=n).astype(np.int64)
        tot_excl = np.bincount(lorder, weights=A["excl"], minlength=n).astype(np.int64)
        r_line = A["r_line"]
        r_incl = -A["incl"][r_line]
        r_excl = -A["excl"][r_line]
        o_incl = np.concatenate([tot_incl, r_incl])
        o_tax = np.concatenate([tot_incl - tot_excl, r_incl - r_excl])
        cust = np.concatenate([A["cust"], A["cust"][A["r_idx"]]])
        user = np.concatenate([A["user"], A["user"][A["r_idx"]]])
        sec = np.concatenate([A["sec"], A["r_sec"]])
        pay = np.concatenate([A["pay"], A["pay"][A["r_idx"]]])
        base = np.datetime64(self.first_day.isoformat() + "T00:00:00", "s") - np.timedelta64(
            TZ_OFFSET_HOURS, "h"
        )
        dates = np.datetime_as_string(base + sec.astype("timedelta64[s]"), unit="s").tolist()
        pm_ids = np.array([c["pms"] for c in self.configs], dtype=np.int64)  # [store, 4]
        pm = pm_ids[store, pay]

        names = [
            "%s/%04d" % (conf_name[c], k) for c, k in zip(conf[:n].tolist(), oname_no.tolist(), strict=True)
        ]
        r_src = A["r_idx"].tolist()
        names += ["%s REFUND" % names[i] for i in r_src]
        company_id = self.company.id
        uid = self.uid
        c_ids = self.c_ids
        member_all = cust >= 0
        partner = np.where(member_all, c_ids[np.where(member_all, cust, 0)], 0).tolist()
        cust_l = cust.tolist()
        c_mobile, c_email = self.c_mobile, self.c_email

        # ---- orders
        def order_rows(lo, hi):
            for i, s_id, c_id, p_id, u_id, dt, inc, tax, sq, nm in zip(
                range(lo, hi),
                sess[lo:hi].tolist(),
                conf[lo:hi].tolist(),
                partner[lo:hi],
                user[lo:hi].tolist(),
                dates[lo:hi],
                o_incl[lo:hi].tolist(),
                o_tax[lo:hi].tolist(),
                seqs[lo:hi].tolist(),
                names[lo:hi],
                strict=True,
            ):
                ci = cust_l[i]
                money = "%.2f" % (inc / 100.0)
                yield (
                    o_first + i,
                    nm,
                    "Order %05d-001-%04d" % (s_id, sq),
                    s_id,
                    c_id,
                    company_id,
                    p_id or "\\N",
                    u_id,
                    conf_pricelist[c_id] or "\\N",
                    conf_journal[c_id] or "\\N",
                    dt,
                    "done",
                    "%.2f" % (tax / 100.0),
                    money,
                    money,
                    "0.00",
                    sq,
                    "1.0",
                    0,
                    c_email[ci] if ci >= 0 else "",
                    c_mobile[ci] if ci >= 0 else "",
                    "f",
                    "f",
                    "0.00",
                    "f",
                    uid,
                    dt,
                    uid,
                    dt,
                )

        fmt_o = "\t".join(["%s"] * len(lo_.columns))
        step = self.chunk_orders
        for lo in range(0, n + R, step):
            hi = min(n + R, lo + step)
            lo_.copy(fmt_o, order_rows(lo, hi), hi - lo)

        # ---- lines (then refund lines)
        l_order_all = np.concatenate([lorder, n + np.arange(R)])
        prod = np.concatenate([A["prod"], A["prod"][r_line]])
        qty = np.concatenate([A["qty"], -A["qty"][r_line]])
        disc = np.concatenate([A["disc"], A["disc"][r_line]])
        price = np.concatenate([A["price"], A["price"][r_line]])
        incl = np.concatenate([A["incl"], r_incl])
        excl = np.concatenate([A["excl"], r_excl])
        cost = np.concatenate([A["cost"], -A["cost"][r_line]])
        refunded = np.concatenate([np.zeros(L, dtype=np.int64), l_first + r_line]).tolist()
        prod_id, prod_name = self.prod_id, self.prod_name

        def line_rows(lo, hi):
            for j, oi, pi, q, d, pr, inc, exc, co, rf, ln in zip(
                range(lo, hi),
                l_order_all[lo:hi].tolist(),
                prod[lo:hi].tolist(),
                qty[lo:hi].tolist(),
                disc[lo:hi].tolist(),
                price[lo:hi].tolist(),
                incl[lo:hi].tolist(),
                excl[lo:hi].tolist(),
                cost[lo:hi].tolist(),
                refunded[lo:hi],
                lname_no[lo:hi].tolist(),
                strict=True,
            ):
                dt = dates[oi]
                yield (
                    l_first + j,
                    o_first + oi,
                    int(prod_id[pi]),
                    "%s/%04d" % (conf_name[int(conf[oi])], ln),
                    prod_name[pi],
                    q,
                    "%.2f" % (pr / 100.0),
                    d,
                    "%.2f" % (exc / 100.0),
                    "%.2f" % (inc / 100.0),
                    "%.2f" % (co / 100.0),
                    "t",
                    "original",
                    0,
                    company_id,
                    rf or "\\N",
                    "f",
                    uid,
                    dt,
                    uid,
                    dt,
                )

        fmt_l = "\t".join(["%s"] * len(ll_.columns))
        step_l = step * 2
        for lo in range(0, L + R, step_l):
            hi = min(L + R, lo + step_l)
            ll_.copy(fmt_l, line_rows(lo, hi), hi - lo)
        # taxes of the lines (price-included VAT)
        if self.tax_id:
            tax = self.tax_id
            for lo in range(0, L + R, step_l):
                hi = min(L + R, lo + step_l)
                self.tax_loader.copy("%d\t%d", ((l_first + j, tax) for j in range(lo, hi)), hi - lo)

        # ---- payments, one per order
        def pay_rows(lo, hi):
            for i, p, s_id, inc, dt in zip(
                range(lo, hi),
                pm[lo:hi].tolist(),
                sess[lo:hi].tolist(),
                o_incl[lo:hi].tolist(),
                dates[lo:hi],
                strict=True,
            ):
                yield (
                    p_first + i,
                    o_first + i,
                    p,
                    "%.2f" % (inc / 100.0),
                    dt,
                    s_id,
                    company_id,
                    "f",
                    uid,
                    dt,
                    uid,
                    dt,
                )

        fmt_p = "\t".join(["%s"] * len(lp_.columns))
        for lo in range(0, n + R, step):
            hi = min(n + R, lo + step)
            lp_.copy(fmt_p, pay_rows(lo, hi), hi - lo)

    # -- after the load ----------------------------------------------------

    def _finish(self):
        env = self.env
        cr = self.cr
        # sessions: next sequence number; configs: order/line sequences past the generated names
        sess = [int(s) for s in self.sess_ids.ravel()]
        cr.execute(
            SQL(
                """
            UPDATE pos_session s SET sequence_number = x.seq + 1
              FROM (SELECT session_id, MAX(sequence_number) AS seq FROM pos_order
                     WHERE session_id = ANY(%s) GROUP BY session_id) x
             WHERE s.id = x.session_id
        """,
                sess,
            )
        )
        env.invalidate_all()
        for c in self.configs:
            rec = c["record"]
            if rec.sequence_id:
                rec.sequence_id.sudo().number_next_actual = self.config_seq[c["id"]] + 1
            if rec.sequence_line_id:
                rec.sequence_line_id.sudo().number_next_actual = self.config_line_seq[c["id"]] + 1
        for table in (
            "res_partner",
            "pos_order",
            "pos_order_line",
            "pos_payment",
            "account_tax_pos_order_line_rel",
        ):
            cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))

    def _recompute_others(self):
        """Stored computed fields that other installed addons add to the loaded models."""
        covered = {
            "res.partner": {
                "email_normalized",
                "complete_name",
                "user_id",
                "partner_share",
                "commercial_partner_id",
                "phone_sanitized",
                "image_1024",
                "image_512",
                "image_256",
                "image_128",
                "company_registry",
                "commercial_company_name",
                "peppol_endpoint",
                "peppol_eas",
            },
            "pos.order": {"config_id", "currency_rate", "sale_journal", "email", "mobile"},
            "pos.order.line": {"company_id"},
            "pos.payment": {"session_id", "company_id"},
        }
        not_computed = {}
        for model, skip in covered.items():
            Model = self.env[model]
            todo = [f for f in Model._fields.values() if f.store and f.compute and f.name not in skip]
            if not todo:
                continue
            loader = self.loaders[model]
            count = loader.rows
            if count > RECOMPUTE_LIMIT:
                not_computed[model] = [f.name for f in todo]
                continue
            if model == "res.partner":
                ids = self.c_ids.tolist()
            else:
                self.cr.execute(
                    SQL("SELECT id FROM %s ORDER BY id DESC LIMIT %s", SQL.identifier(Model._table), count)
                )
                ids = [r[0] for r in self.cr.fetchall()]
            records = Model.browse(ids)
            for f in todo:
                self.env.add_to_compute(f, records)
            self.env.flush_all()
        if not_computed:
            self.warnings.append(
                "stored computed fields left empty (over %d records; run the addons' own "
                "recompute/cron): %s" % (RECOMPUTE_LIMIT, not_computed)
            )

    def _suite_records(self):
        """Complaints and consents, through the ORM, when those models exist."""
        created = {}
        env = self.env
        rng = np.random.default_rng(self.seed + 1)
        for model, share, cap in (("retail.crm.consent", 0.3, 2000), ("retail.crm.complaint", 0.01, 300)):
            if model not in env:
                continue
            k = min(cap, max(1, int(self.n_customers * share)))
            picks = rng.choice(self.n_customers, size=min(k, self.n_customers), replace=False)
            try:
                with self.cr.savepoint():
                    vals_list = [_generic_vals(env[model], int(self.c_ids[i]), rng, self) for i in picks]
                    env[model].create(vals_list)
                    env.flush_all()
                created[model] = len(vals_list)
            except Exception as exc:  # optional data: report, do not fail the load
                env.invalidate_all()
                self.warnings.append("%s not generated: %s" % (model, str(exc).splitlines()[0]))
        self.stats.update(created)

    def _drop_indexes(self):
        """Drop the secondary indexes of tables that are about to grow a lot.

        Building an index once after the load is several times faster than
        updating it row by row.  Primary keys and unique indexes stay.  Drop and
        re-creation are transactional: a failed load leaves the indexes as they were.
        """
        planned = {
            "res_partner": self.n_customers,
            "pos_order": self.n_orders,
            "pos_order_line": self.n_orders * 2,
            "pos_payment": self.n_orders,
        }
        dropped = []
        for table, rows in planned.items():
            self.cr.execute(SQL("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", table))
            existing = max(self.cr.fetchone()[0], 0)
            if rows < INDEX_REBUILD_MIN_ROWS or rows < existing:
                continue
            self.cr.execute(
                SQL(
                    """
                SELECT i.relname, pg_get_indexdef(i.oid)
                  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                 WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                 ORDER BY i.relname
            """,
                    table,
                )
            )
            for name, definition in self.cr.fetchall():
                self.cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
                dropped.append((name, definition))
        return dropped

    def _restore_indexes(self, dropped):
        if dropped:
            self.cr.execute(SQL("SET LOCAL maintenance_work_mem = '512MB'"))
        for _name, definition in dropped:
            # the definition comes from PostgreSQL's own catalog (pg_get_indexdef)
            self.cr.execute(SQL(definition))  # pylint: disable=sql-injection
        self.stats["indexes rebuilt"] = len(dropped)

    def _fast_mode(self, enable):
        """Skip per-row foreign-key triggers during the COPY (the ids are known to exist).

        ``session_replication_role = replica`` needs a superuser; without it the load
        runs with the usual per-row checks, only slower.  ``SET LOCAL`` ends with the
        transaction at the latest.
        """
        if not self.fast:
            return False
        if enable:
            self.cr.execute(SQL("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
            row = self.cr.fetchone()
            if not (row and row[0]):  # not a superuser: keep the checks
                self.fast_used = False
                return False
            self.cr.execute(SQL("SET LOCAL session_replication_role = replica"))
            self.fast_used = True
            return True
        self.cr.execute(SQL("SET LOCAL session_replication_role = origin"))
        return False

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
        self.pipe = _CopyPipe(self.cr, enabled=self.threaded)
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


def _apportion(total, weights):
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


def _ean13(digits12):
    s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(digits12))
    return digits12 + str((10 - s % 10) % 10)


def _selection(Model, fname):
    field = Model._fields[fname]
    sel = field.selection
    if callable(sel):
        sel = sel(Model)
    elif isinstance(sel, str):
        sel = getattr(Model, sel)()
    return sel or []


def _generic_vals(Model, partner_id, rng, gen):
    """Values for one record of a suite model we know only by convention."""
    vals = {}
    fields_ = Model._fields
    for fname in ("partner_id", "customer_id"):
        if (
            fname in fields_
            and fields_[fname].type == "many2one"
            and fields_[fname].comodel_name == "res.partner"
        ):
            vals[fname] = partner_id
            break
    order_field = next(
        (
            n
            for n, f in fields_.items()
            if f.type == "many2one" and f.comodel_name == "pos.order" and f.store and not f.compute
        ),
        None,
    )
    if order_field:
        Model.env.cr.execute(
            "SELECT id FROM pos_order WHERE partner_id = %s ORDER BY date_order DESC LIMIT 1", [partner_id]
        )
        row = Model.env.cr.fetchone()
        if row:
            vals[order_field] = row[0]
    for fname, f in fields_.items():
        if fname in vals or not f.store or f.compute or f.related or f.readonly and not f.required:
            continue
        if not f.required and fname not in (
            "name",
            "subject",
            "description",
            "channel",
            "purpose",
            "category",
            "category_id",
            "severity",
            "date",
            "date_received",
            "state",
            "granted",
            "config_id",
        ):
            continue
        default = Model.default_get([fname]).get(fname)
        if default not in (None, False) and fname != "state":
            continue
        if f.type == "selection":
            keys = [k for k, _l in _selection(Model, fname)]
            if fname == "state":
                if f.required and keys:  # consents: mostly granted, some withdrawn
                    good = [k for k in keys if k in ("granted", "given", "active", "new", "draft")]
                    vals[fname] = good[0] if good and rng.random() < 0.85 else keys[-1]
            elif keys:
                vals[fname] = keys[int(rng.integers(0, len(keys)))]
        elif f.type in ("char", "text", "html"):
            vals[fname] = (
                D.COMPLAINT_TEXTS[int(rng.integers(0, len(D.COMPLAINT_TEXTS)))]
                if "complaint" in Model._name
                else "%s (%s)" % (Model._description or Model._name, fname)
            )
        elif f.type == "boolean":
            vals[fname] = True
        elif f.type in ("date", "datetime"):
            # complaints are recent (open tickets with live SLAs), consents span the history
            first = max(gen.n_days - 60, 0) if "complaint" in Model._name else 0
            day = gen.days[int(rng.integers(first, gen.n_days))]
            vals[fname] = (
                day
                if f.type == "date"
                else datetime.datetime.combine(day, datetime.time(int(rng.integers(1, 13))))
            )
        elif f.type == "many2one" and f.comodel_name == "pos.config":
            vals[fname] = gen.configs[int(rng.integers(0, len(gen.configs)))]["id"]
        elif f.type == "many2one":
            comodel = Model.env[f.comodel_name]
            # consents: marketing purposes (a guardian's or a sensitive-data
            # consent needs more than a generic value)
            domain = [("marketing_channel", "!=", False)] if "marketing_channel" in comodel._fields else []
            recs = comodel.search(domain, limit=20, order="id")
            if recs:
                vals[fname] = recs[int(rng.integers(0, len(recs)))].id
    return vals


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
    gen = _Generator(
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


# ---------------------------------------------------------------- verification


def verify(env, result=None, sample_mobiles=2000):
    """Open what Odoo's views and reports open, and check the data; return problems (strings).

    :param result: the dict ``generate()`` returned, to also check the counts
    """
    return V.verify(env, result=result, sample_mobiles=sample_mobiles)


# ---------------------------------------------------------------- command line


def _parse(argv):
    p = argparse.ArgumentParser(
        description="Generate synthetic retail data (members, POS orders) "
        "into an Odoo 18 database with point_of_sale."
    )
    p.add_argument("-d", "--database", required=True)
    p.add_argument("--db-host", default=os.environ.get("PGHOST"))
    p.add_argument("--db-port", default=os.environ.get("PGPORT"))
    p.add_argument("--db-user", default=os.environ.get("PGUSER"))
    p.add_argument("--db-password", default=os.environ.get("PGPASSWORD"))
    p.add_argument("--addons-path", help="extra addons paths (default: the repository, if it holds addons)")
    p.add_argument("--customers", type=int, default=100)
    p.add_argument("--orders", type=int, help="POS orders (default 10 per customer)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--months", type=int, default=26)
    p.add_argument("--stores", type=int, default=4)
    p.add_argument("--end-date", help="YYYY-MM-DD, day after the last generated day (default today)")
    p.add_argument(
        "--verify", action="store_true", help="check the data with Odoo's views/reports afterwards"
    )
    p.add_argument("--verify-only", action="store_true", help="only run the checks")
    return p.parse_args(argv)


def _odoo_args(args):
    out = ["-d", args.database, "--log-level=warn", "--no-http"]
    for opt, val in (
        ("--db_host", args.db_host),
        ("--db_port", args.db_port),
        ("--db_user", args.db_user),
        ("--db_password", args.db_password),
    ):
        if val:
            out += [opt, str(val)]
    paths = []
    if args.addons_path:
        paths.append(args.addons_path)
    else:
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        if any(os.path.exists(os.path.join(repo, d, "__manifest__.py")) for d in os.listdir(repo)):
            paths.append(repo)
    if paths:
        out += ["--addons-path", ",".join(paths + list(odoo.addons.__path__))]
    return out


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    if np is None:
        print("datagen: numpy is missing; install it with 'pip install numpy' (Odoo 18's own pins allow it)")
        return 2
    if odoo is None:
        print(
            "datagen: cannot import odoo; install Odoo 18.0 Community "
            "(https://nightly.odoo.com or https://github.com/odoo/odoo, branch 18.0)"
        )
        return 2
    config = odoo.tools.config
    if not odoo.release.version.startswith("18."):
        print("datagen: Odoo %s found, 18.0 is required" % odoo.release.version)
        return 2
    config.parse_config(_odoo_args(args))
    try:
        registry = odoo.modules.registry.Registry(args.database)
    except Exception as exc:  # one line for the user
        print("datagen: cannot open database %r: %s" % (args.database, str(exc).splitlines()[0]))
        return 2

    def progress(message):
        print("  %s" % message, flush=True)

    status = 0
    result = None
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if not args.verify_only:
            try:
                result = generate(
                    env,
                    customers=args.customers,
                    orders=args.orders,
                    seed=args.seed,
                    months=args.months,
                    stores=args.stores,
                    progress=progress,
                    end_date=args.end_date,
                )
            except DatagenError as exc:
                print("datagen: %s" % exc)
                return 2
            cr.commit()
            _print_result(result)
        if args.verify or args.verify_only:
            t0 = time.perf_counter()
            problems = verify(env, result=result)
            print(
                "verify: %s in %.1f s"
                % ("OK" if not problems else "%d problem(s)" % len(problems), time.perf_counter() - t0)
            )
            for p in problems:
                print("  PROBLEM: %s" % p)
            status = 1 if problems else 0
            cr.rollback()
    return status


def _print_result(result):
    print("period %s .. %s" % result["period"])
    for model, count in result["counts"].items():
        print("  %-32s %12d" % (model, count))
    print("COPY throughput:")
    for model, r in result["rates"].items():
        print(
            "  %-32s %12d rows  COPY %8.2f s  %10d rows/s  (formatting in Python %.2f s)"
            % (model, r["rows"], r["copy_seconds"], r["rows_per_s"], r["format_seconds"])
        )
    for k, v in result["timings"].items():
        print("  %-32s %8.2f s" % (k, v))
    print("total %.1f s, %d orders/s overall" % (result["seconds"], result["orders_per_s"]))
    for w in result["warnings"]:
        print("  WARNING: %s" % w)


if __name__ == "__main__":
    sys.exit(main())
