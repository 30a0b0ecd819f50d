#!/usr/bin/env python3
"""Benchmark of the cross-sell rule mining of retail_crm_rfm (issue 16).

On a database where ``retail_crm_rfm`` is installed and POS orders exist (e.g.
from ``tools/datagen.py``), on the company with the most orders, measures:

1. the mining of one run, step by step: the baskets of the window (paid
   member orders net of refunds, products and categories as arrays) into a
   temporary table, the category rules (pairs and two-category triples), the
   product pairs; rows and rules;
2. the recommendations of 1,000 customers (one statement) and the till's
   suggestions for one member;
3. a naive approach on a random sample of baskets: read each order's lines
   through the ORM, drop the refunded ones and count pairs in Python (the
   per-basket loop of ``retail_crm_rfm/tools/crosssell.py``), extrapolated to
   all baskets, and the ratio to the set-based mining;
4. memory: the peak RSS of this process and the temporary table's size.

Everything is rolled back at the end: the database is left as it was.

Usage::

    python3 tools/bench_crosssell.py -d DB [--sample 20000]
    # connection: --db-host /tmp/retail_crm_pg_0 --db-port 54320 --db-user odoo
"""

import argparse
import os
import random
import resource
import sys
import time

import numpy as np

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tools import bootstrap

try:
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import SQL
except ImportError:  # reported by main()
    odoo = None


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    bootstrap.add_connection_args(parser)
    parser.add_argument("--sample", type=int, default=20000, help="baskets for the naive per-basket loop")
    return parser.parse_args()


def setup_odoo(args):
    return bootstrap.open_registry(args)


def naive_sample(env, company, start, end, sample):
    """Per-basket loop over a sample of the window's member orders: (seconds, baskets, pairs)."""
    from odoo.addons.retail_crm_rfm.tools import crosssell  # noqa: PLC0415
    from odoo.addons.retail_crm_rfm.tools.paid_states import PAID_STATES  # noqa: PLC0415

    env.cr.execute(
        SQL(
            """SELECT id FROM pos_order WHERE company_id = %s AND partner_id IS NOT NULL
               AND state IN %s AND date_order >= %s AND date_order < %s
               AND amount_total > 0""",
            company.id,
            PAID_STATES,
            start,
            end,
        )
    )
    ids = [row[0] for row in env.cr.fetchall()]
    random.seed(42)
    chosen = random.sample(ids, min(sample, len(ids)))
    env.invalidate_all()
    t0 = time.perf_counter()
    # the refunded lines once (there is no index to look them up line by line)
    refunded = set(
        env["pos.order.line"].search([("refunded_orderline_id", "!=", False)]).refunded_orderline_id.ids
    )
    baskets_product, baskets_categ = [], []
    for order_id in chosen:
        order = env["pos.order"].browse(order_id)
        products = set()
        for line in order.lines:
            if line.qty <= 0 or line.id in refunded:
                continue
            products.add(line.product_id)
        baskets_product.append({p.id for p in products})
        baskets_categ.append({p.categ_id.id for p in products})
    rules_p, _s, n = crosssell.mine_pairs(baskets_product)
    rules_c, _s, _n = crosssell.mine_pairs(baskets_categ)
    return time.perf_counter() - t0, n, len(rules_p) + len(rules_c), len(ids)


def rules_digest(cr, run_id):
    """Number and md5 of the run's rules: items, counts and measures (to 9 decimals)."""
    cr.execute(
        SQL(
            """SELECT count(*), md5(string_agg(r, ';' ORDER BY r)) FROM (
                 SELECT concat_ws(',', level, antecedent_categ_id, antecedent2_categ_id, antecedent_product_id,
                                  consequent_categ_id, consequent_product_id, basket_count, customer_count,
                                  round(support::numeric, 9), round(confidence::numeric, 9),
                                  round(lift::numeric, 9)) AS r
                   FROM retail_crm_rfm_rule WHERE run_id = %s) AS rules""",
            run_id,
        )
    )
    return cr.fetchone()


def main():
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    if odoo is None:
        raise SystemExit("odoo is not importable")
    registry = setup_odoo(args)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute(SQL("SELECT company_id FROM pos_order GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"))
        company = env["res.company"].browse(cr.fetchone()[0])
        cr.execute(SQL("SELECT count(*) FROM pos_order WHERE company_id = %s", company.id))
        orders = cr.fetchone()[0]
        cr.execute(SQL("SELECT count(*) FROM pos_order_line WHERE company_id = %s", company.id))
        lines = cr.fetchone()[0]
        print(f"database {args.database}: company {company.name}, {orders:,} orders, {lines:,} lines")
        print(f"load average before: {os.getloadavg()}")
        Run = env["retail.crm.rfm.rule.run"].with_company(company)
        run = Run._get_or_create_today(company)
        date_from, start, end = run._window_utc()
        params = {
            "min_support": company.rfm_rule_min_support,
            "min_confidence": company.rfm_rule_min_confidence,
            "min_lift": company.rfm_rule_min_lift,
        }
        timings = {}
        t0 = time.perf_counter()
        run._set_mining_work_mem()
        baskets = run._load_baskets(start, end)
        timings["baskets (temp table)"] = time.perf_counter() - t0
        product_basket = baskets.rows["product"][0]
        items = product_basket.size
        starts = np.flatnonzero(np.r_[True, product_basket[1:] != product_basket[:-1]]) if items else []
        multi = int(np.count_nonzero(np.diff(np.r_[starts, items]) >= 2)) if items else 0
        temp_bytes = baskets.nbytes()
        t1 = time.perf_counter()
        n_cat = run._insert_pair_rules("category", baskets, params)
        timings["category pairs"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        n_tri = run._insert_triple_rules(baskets, params)
        timings["category triples"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        n_prod = run._insert_pair_rules("product", baskets, params)
        timings["product pairs"] = time.perf_counter() - t1
        run._drop_mining_tables()
        total = time.perf_counter() - t0
        print(
            f"window from {date_from}: {baskets.count:,} baskets ({multi:,} with two products or more), "
            f"{items:,} basket items"
        )
        for label, seconds in timings.items():
            print(f"  {label:<28} {seconds:8.1f} s")
        cat_total = timings["baskets (temp table)"] + timings["category pairs"] + timings["category triples"]
        prod_total = timings["baskets (temp table)"] + timings["product pairs"]
        print(f"  {'category rules (baskets+pairs+triples)':<28} {cat_total:8.1f} s  (target <= 30 s)")
        print(f"  {'product pairs (baskets+pairs)':<28} {prod_total:8.1f} s  (target <= 60 s)")
        print(f"  {'whole mining':<28} {total:8.1f} s")
        print(f"rules: {n_cat:,} category pairs, {n_tri:,} category triples, {n_prod:,} product pairs")
        print(f"rules digest (compare two versions of the code on the same data): {rules_digest(cr, run.id)}")
        print(f"memory: basket arrays {temp_bytes / 2**20:.0f} MiB (this process)")

        cr.execute(
            SQL(
                "UPDATE retail_crm_rfm_rule SET is_current = (run_id = %s) WHERE company_id = %s",
                run.id,
                company.id,
            )
        )
        cr.execute(
            SQL(
                """SELECT partner_id FROM pos_order WHERE company_id = %s AND partner_id IS NOT NULL
                   GROUP BY partner_id ORDER BY partner_id LIMIT 1000""",
                company.id,
            )
        )
        partners = env["res.partner"].browse([row[0] for row in cr.fetchall()]).with_company(company)
        t1 = time.perf_counter()
        found = partners._rfm_recommendations(limit=3)
        reco = time.perf_counter() - t1
        t1 = time.perf_counter()
        env["res.partner"].with_company(company).rfm_pos_suggestions(partners[:1].id)
        till = time.perf_counter() - t1
        print(
            f"recommendations: 1,000 customers in {reco:.2f} s ({len(found)} with one); till: {till * 1000:.0f} ms"
        )

        naive_s, naive_n, naive_rules, all_baskets = naive_sample(env, company, start, end, args.sample)
        per_basket = naive_s / max(naive_n, 1)
        extrapolated = per_basket * all_baskets
        print(
            f"naive per-basket loop: {naive_n:,} baskets in {naive_s:.1f} s "
            f"({per_basket * 1000:.2f} ms/basket) -> {extrapolated:,.0f} s for {all_baskets:,} baskets; "
            f"ratio {extrapolated / max(total, 1e-9):.0f}x slower than the set-based mining"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process: {peak:.0f} MiB")
        print(f"load average after: {os.getloadavg()}")
        cr.rollback()


if __name__ == "__main__":
    main()
