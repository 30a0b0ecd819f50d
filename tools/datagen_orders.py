"""The generator's POS orders: monthly targets, customers, days, baskets, planted
associations, repurchase cycles and refunds, as numpy arrays per month."""

import time

import numpy as np

from tools import datagen_data as D
from tools.datagen_copy import Loader
from tools.datagen_plan import (
    HOME_STORE_SHARE,
    HOUR_WEIGHTS,
    LINES_P,
    PAYMENT_SHARES,
    PREFERRED_CATEGORY_SHARE,
    QTY_P,
    SALESPERSONS_PER_STORE,
    apportion,
)


class OrdersMixin:
    """POS orders of the chain (mixed into the generator)."""

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
        return apportion(n_member, exp), apportion(n_walkin, month_w)

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
        lo_ = Loader(env, "pos.order", fields_o, self.pipe)
        ll_ = Loader(env, "pos.order.line", fields_l, self.pipe)
        lp_ = Loader(env, "pos.payment", fields_p, self.pipe)
        self.tax_loader = Loader(
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
