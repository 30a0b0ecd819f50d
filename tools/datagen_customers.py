"""The generator's members (``res.partner``): segments, purchase rates, names, mobiles,
birthdays and the suite's member fields, loaded by COPY.

The random draws happen in a fixed order (the same seed gives the same members):
segments and rates, gender, age, join day, churn, home store, salesperson,
preferred category, then names, e-mails, birthdays, join times, join channels
and mobile prefixes.
"""

import datetime
import time

import numpy as np

from tools import datagen_data as D
from tools.datagen_copy import Loader
from tools.datagen_people import birthdays, chinese_names, cn_mobiles
from tools.datagen_plan import SALESPERSONS_PER_STORE, SEGMENTS, TZ_OFFSET_HOURS
from tools.datagen_suite import selection

BASE_COLUMNS = [
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
FEMALE_KEYS, MALE_KEYS = ("female", "f", "woman"), ("male", "m", "man")


def _stored_field(fields_, fname, ftype):
    f = fields_.get(fname)
    return bool(f and f.store and f.column_type and not f.compute and f.type == ftype)


def member_columns(Partner):
    """(extra columns of the suite's member fields present, gender keys, join channels)."""
    fields_ = Partner._fields
    extra, gender_keys, channels = [], None, None
    if _stored_field(fields_, "retail_gender", "selection"):
        keys = [k for k, _l in selection(Partner, "retail_gender")]
        fk = next((k for k in keys if k.lower() in FEMALE_KEYS), None)
        mk = next((k for k in keys if k.lower() in MALE_KEYS), None)
        if fk and mk:
            gender_keys = (fk, mk)
            extra.append("retail_gender")
    for fname, ftype in (("retail_birthday", "date"), ("retail_join_date", "date")):
        if _stored_field(fields_, fname, ftype):
            extra.append(fname)
    if _stored_field(fields_, "retail_join_channel", "selection"):
        keys = {k for k, _l in selection(Partner, "retail_join_channel")}
        channels = [(k, w) for k, w in D.JOIN_CHANNELS if k in keys] or None
        if channels:
            extra.append("retail_join_channel")
    for fname, ftype in (("retail_member_number", "char"), ("retail_is_member", "boolean")):
        if _stored_field(fields_, fname, ftype):
            extra.append(fname)
    return extra, gender_keys, channels


def member_numbers(env, n):
    """``n`` member numbers taken from the loyalty addon's sequence, as ``n``
    enrolments would take them: generated members and those enrolled later
    (at the till) share one format (M00000001) and never collide."""
    seq = env["ir.sequence"].sudo().search([("code", "=", "retail.crm.member")], order="company_id", limit=1)
    if not seq:
        return ["M%08d" % (i + 1) for i in range(n)]
    start = seq.number_next_actual
    prefix, suffix = seq._get_prefix_suffix()
    seq.number_next_actual = start + n * seq.number_increment
    return [
        "%s%s%s" % (prefix, str(start + i * seq.number_increment).zfill(seq.padding), suffix)
        for i in range(n)
    ]


class CustomersMixin:
    """Members of the chain (mixed into the generator)."""

    def _plan_members(self, n):
        """Segments, rates, activity spans, home stores and preferences; returns (female, age, join offset)."""
        rng = self.rng
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
        churn = seg == 3
        churn_last = self.n_days - 91  # churners have been silent for 90+ days
        span = np.maximum(churn_last - s - 30, 1)
        e = np.where(
            churn & (s < churn_last - 30), s + 30 + (rng.random(n) * span).astype(np.int64), self.n_days - 1
        )
        self.c_start, self.c_end = s.astype(np.int64), e.astype(np.int64)
        self.c_home = rng.choice(self.n_stores, size=n, p=self.store_w)
        self.c_sales = self.sales_ids[self.c_home, rng.integers(0, SALESPERSONS_PER_STORE, n)]
        # preferred category: young mothers buy infant formula
        pref = rng.choice(len(self.cat_names), size=n, p=self.cat_share)
        mum = female & (age >= 24) & (age <= 38) & (rng.random(n) < 0.5)
        self.c_pref = np.where(mum, 0, pref)
        return female, age, join_offset

    def _plan_cycles(self, n):
        """Members on a repurchase cycle (own generator: the rest of the data does not move)."""
        prng = np.random.default_rng(self.seed + 7919)
        self.plant_rng = prng
        lo_days, hi_days = D.CYCLE_DAYS
        self.c_cycle = np.flatnonzero(prng.random(n) < D.CYCLE_SHARE)
        self.c_cycle_days = prng.integers(lo_days, hi_days + 1, len(self.c_cycle))
        self.c_cycle_phase = (prng.random(len(self.c_cycle)) * self.c_cycle_days).astype(np.int64)

    def _customers(self):
        rng = self.rng
        n = self.n_customers
        env = self.env
        Partner = env["res.partner"]
        t0 = time.perf_counter()
        female, age, join_offset = self._plan_members(n)
        self._plan_cycles(n)
        names = chinese_names(rng, female)
        has_email = rng.random(n) < 0.35
        birth = birthdays(self.last_day, age, rng.integers(0, 365, n))
        join_dates = [(self.first_day + datetime.timedelta(days=int(j))) for j in join_offset.tolist()]
        join_secs = rng.integers(9 * 3600, 21 * 3600, n) - TZ_OFFSET_HOURS * 3600
        extra_cols, gender_keys, join_channels = member_columns(Partner)
        channel = None
        if join_channels:
            chw = np.array([w for _k, w in join_channels])
            ch_i = rng.choice(len(join_channels), size=n, p=chw / chw.sum())
            channel = [join_channels[i][0] for i in ch_i.tolist()]
        cols = list(BASE_COLUMNS)
        if "mobile" not in Partner._fields:
            cols[cols.index("mobile")] = "phone"
        lang = "zh_CN" if env["res.lang"]._lang_get("zh_CN") else (env.lang or "en_US")
        cn = env.ref("base.cn", raise_if_not_found=False)

        loader = Loader(env, "res.partner", cols + extra_cols, self.pipe)
        first = loader.reserve_ids(n)
        self.c_ids = np.arange(first, first + n, dtype=np.int64)
        self.c_mobile = cn_mobiles(rng, first, n)
        self.c_email = []
        self.c_member = []
        member = {
            "names": names,
            "female": female,
            "has_email": has_email,
            "birth": birth,
            "join_dates": join_dates,
            "join_secs": join_secs,
            "extra": self._member_extra(
                member_numbers(env, n) if "retail_member_number" in extra_cols else None,
                extra_cols,
                gender_keys,
                female,
                birth,
                join_dates,
                channel,
            ),
            "lang": lang,
            "country": cn.id if cn else None,
        }
        fmt = "\t".join(["%s"] * (len(cols) + len(extra_cols)))
        chunk = 100_000
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            rows = [self._member_row(first, i, member) for i in range(lo, hi)]
            loader.copy(fmt, rows, len(rows))
            self.progress("res.partner", hi, n)
        self.loaders = {"res.partner": loader}
        self.stats["res.partner"] = n
        self.timings["res.partner"] = time.perf_counter() - t0

    @staticmethod
    def _member_extra(numbers, extra_cols, gender_keys, female, birth, join_dates, channel):
        """The values of the suite's member fields, one list per column of ``extra_cols``."""
        n = len(female)
        values = {
            "retail_gender": [gender_keys[0] if f else gender_keys[1] for f in female.tolist()]
            if gender_keys
            else None,
            "retail_birthday": birth,
            "retail_join_date": [jd.isoformat() for jd in join_dates],
            "retail_join_channel": channel,
            "retail_member_number": numbers,
            "retail_is_member": [True] * n,
        }
        return [values[col] for col in extra_cols]

    def _member_row(self, first, i, member):
        """The COPY row of member ``i`` (its ``ref``, e-mail and mobile are kept for the orders)."""
        pid = first + i
        number = "M%09d" % pid
        email = "%s@members.example.cn" % number.lower() if member["has_email"][i] else None
        self.c_email.append(email or "")
        self.c_member.append(number)
        jd = member["join_dates"][i]
        created = datetime.datetime.combine(jd, datetime.time()) + datetime.timedelta(
            seconds=int(member["join_secs"][i])
        )
        created = created.isoformat(sep=" ")
        name, mobile = member["names"][i], self.c_mobile[i]
        row = [
            pid,
            name,
            name,
            number,
            mobile,
            mobile,
            email or "\\N",
            email or "\\N",
            member["lang"],
            "Asia/Shanghai",
            int(self.c_sales[i]),
            self.company.id,
            member["country"] or "\\N",
            self.configs[self.c_home[i]]["city"],
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
        row.extend(values[i] for values in member["extra"])
        return tuple(row)
