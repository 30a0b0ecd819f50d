"""The generator's order writer: one month's arrays as COPY rows of ``pos_order``,
``pos_order_line``, their taxes and ``pos_payment``."""

import numpy as np

from tools.datagen_plan import TZ_OFFSET_HOURS


class OrderWriterMixin:
    """Writes a month of orders (mixed into the generator)."""

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
