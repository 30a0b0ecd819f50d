#!/usr/bin/env python3
"""Benchmark of the replenishment forecasts and reminders (retail_crm_rfm, issue 16 item 3).

On a database where ``retail_crm_rfm`` is installed and POS orders exist (e.g.
loaded by ``tools/datagen.py``), on the company with the most orders:

0. the floor: the bare SQL aggregate (customer, product, count, last date) of
   the paid lines of the look-back window, and the full pass's ratio to it;
1. the full pass (every customer: purchase days net of refunds, median
   interval, next expected day, written set-based in chunks), with the rows
   written and the peak memory of this process;
2. the same pass again (idempotent: same rows, digest compared);
3. the daily pass: the customers who bought on the last day of the data;
4. the reminders of one day (claim, activities, messages), rolled back;
5. a naive per-customer ORM loop (search the customer's orders and lines,
   net refunds, median in Python, search + write/create the row) on a random
   sample, extrapolated to every customer, its ratio to the full pass, and a
   check that both give the same forecasts on the sample.

Usage::

    python3 tools/bench_replenishment.py -d DB [--sample 300] [--chunk 100000] [--skip-repeat]
    # connection: --db-host /tmp/retail_crm_pg_0 --db-port 54320 --db-user odoo
"""

import argparse
import os
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from datetime import timedelta

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tools import bootstrap

try:
    import pytz

    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import SQL
except ImportError:  # reported by main()
    odoo = None


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    bootstrap.add_connection_args(parser)
    parser.add_argument("--sample", type=int, default=300, help="customers for the naive ORM loop")
    parser.add_argument("--chunk", type=int, default=100000, help="customers per chunk of the pass")
    parser.add_argument(
        "--skip-repeat",
        action="store_true",
        help="skip the second full pass (idempotence check) on big databases",
    )
    return parser.parse_args()


def setup_odoo(args):
    return bootstrap.open_registry(args)


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load():
    return os.getloadavg()[0]


def digest(cr, company_id):
    cr.execute(
        SQL(
            """SELECT count(*), md5(string_agg(concat_ws(',', partner_id, item_id, purchase_count, first_date,
                      last_date, interval_days, expected_date, config_id), ';' ORDER BY partner_id, item_id))
                 FROM retail_crm_replenishment WHERE company_id = %s""",
            company_id,
        )
    )
    return cr.fetchone()


def naive_forecast(env, company, partner, today, start, tz):
    """Per customer through the ORM: what a straightforward module would do."""
    from odoo.addons.retail_crm_rfm.tools.paid_states import PAID_STATES  # noqa: PLC0415

    orders = env["pos.order"].search(
        [
            ("partner_id", "=", partner.id),
            ("company_id", "=", company.id),
            ("state", "in", PAID_STATES),
        ]
    )
    refunded = defaultdict(float)
    days = defaultdict(lambda: defaultdict(float))
    for order in orders:
        local = pytz.utc.localize(order.date_order).astimezone(tz).date()
        if local > today:
            continue
        for line in order.lines:
            if line.refunded_orderline_id:
                refunded[line.refunded_orderline_id.id] += line.qty
    for order in orders:
        local = pytz.utc.localize(order.date_order).astimezone(tz).date()
        if local > today or order.date_order < start:
            continue
        for line in order.lines:
            if not line.refunded_orderline_id and line.product_id:
                days[line.product_id.id][local] += line.qty + refunded.get(line.id, 0.0)
    result = {}
    Rep = env["retail.crm.replenishment"]
    for product_id, per_day in days.items():
        bought = sorted(day for day, qty in per_day.items() if qty > 0)
        if len(bought) < 3:
            continue
        median = statistics.median((b - a).days for a, b in zip(bought, bought[1:], strict=False))
        expected = bought[-1] + timedelta(days=int(median + 0.5))
        result[product_id] = (len(bought), float(median), expected)
        row = Rep.search(
            [("partner_id", "=", partner.id), ("item_id", "=", product_id), ("company_id", "=", company.id)]
        )
        # the naive loop writes what it computed (here: the same values back)
        if row:
            row.write({"interval_days": median, "expected_date": expected})
    return result


def main():
    args = parse_args()
    if odoo is None:
        sys.exit("Odoo 18 is not importable by this python3")
    registry = setup_odoo(args)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if "retail.crm.replenishment" not in env:
            sys.exit("retail_crm_rfm (with replenishment) is not installed in this database")
        cr.execute(SQL("SELECT company_id, count(*) FROM pos_order GROUP BY 1 ORDER BY 2 DESC LIMIT 1"))
        row = cr.fetchone()
        if not row:
            sys.exit("no POS orders in this database")
        company = env["res.company"].browse(row[0])
        Rep = env["retail.crm.replenishment"].with_company(company)
        from odoo.addons.retail_crm_rfm.tools.batch import run_steps  # noqa: PLC0415

        def commit(done, remaining):
            cr.commit()  # the pass commits per chunk, like the cron

        tz_name = Rep._replenishment_tz(company)
        cr.execute(
            SQL(
                "SELECT max((date_order AT TIME ZONE 'UTC' AT TIME ZONE %s)::date) FROM pos_order WHERE company_id = %s",
                tz_name,
                company.id,
            )
        )
        today = cr.fetchone()[0]
        cr.execute(
            SQL(
                "SELECT count(*), count(DISTINCT partner_id) FROM pos_order WHERE company_id = %s", company.id
            )
        )
        orders, customers = cr.fetchone()
        cr.execute(
            SQL(
                "SELECT count(*) FROM pos_order_line l JOIN pos_order o ON o.id = l.order_id WHERE o.company_id = %s",
                company.id,
            )
        )
        lines = cr.fetchone()[0]
        print(
            f"# replenishment benchmark: company {company.name}, {customers:,} customers, {orders:,} orders, {lines:,} lines, data up to {today}"
        )
        print(
            f"# level {company.retail_replenishment_level}, chunk {args.chunk:,} customers; load average {load():.2f}"
        )
        # the floor, timed right before the full pass: the bare SQL aggregate
        # (customer, product, count, last date) of the paid lines of the look-back window
        started = time.perf_counter()
        cr.execute(
            SQL(
                "SELECT count(*) FROM (SELECT o.partner_id, l.product_id, count(*), max(o.date_order)"
                " FROM pos_order_line l JOIN pos_order o ON o.id = l.order_id"
                " WHERE o.company_id = %s AND o.partner_id IS NOT NULL"
                " AND o.state IN ('paid', 'done', 'invoiced') AND o.date_order >= %s"
                " GROUP BY o.partner_id, l.product_id) AS pairs",
                company.id,
                Rep._replenishment_lookback_start(today),
            )
        )
        # counted in the server: the floor without sending the pairs
        bare_pairs = cr.fetchone()[0]
        bare_time = time.perf_counter() - started
        print(
            f"bare SQL aggregate:  {bare_time:8.1f} s  {bare_pairs:,} customer-product pairs in the look-back window"
            f" (the floor: the lines a full pass must read)"
        )
        # a clean start: a full pass from an empty table
        cr.execute(SQL("DELETE FROM retail_crm_replenishment WHERE company_id = %s", company.id))
        company.sudo().write({"retail_replenishment_pass_start": False, "retail_replenishment_cursor": 0})
        cr.commit()

        started = time.perf_counter()
        n_full = run_steps(
            Rep._replenishment_refresh_steps(company, today, chunk_size=args.chunk, full=True), commit
        )
        full_time = time.perf_counter() - started
        first = digest(cr, company.id)
        print(f"forecasts digest (compare two versions of the code on the same data): {first}")
        print(
            f"full pass:           {full_time:8.1f} s  {n_full:,} customers with forecasts -> {first[0]:,} forecasts  (load {load():.2f}, peak RSS {rss_mb():.0f} MB)"
        )
        print(f"full pass / bare SQL aggregate: {full_time / bare_time:.1f}x")

        if not args.skip_repeat:
            started = time.perf_counter()
            run_steps(
                Rep._replenishment_refresh_steps(company, today, chunk_size=args.chunk, full=True), commit
            )
            again_time = time.perf_counter() - started
            second = digest(cr, company.id)
            print(f"full pass again:     {again_time:8.1f} s  same rows: {first == second}")

        cr.execute(
            SQL(
                """SELECT array_agg(DISTINCT partner_id) FROM pos_order
                    WHERE company_id = %s AND partner_id IS NOT NULL
                      AND (date_order AT TIME ZONE 'UTC' AT TIME ZONE %s)::date = %s""",
                company.id,
                tz_name,
                today,
            )
        )
        daily_ids = sorted(cr.fetchone()[0] or [])
        started = time.perf_counter()
        Rep._replenishment_refresh_chunk(
            company, today, Rep._ids_scope(daily_ids), Rep._replenishment_refused_ids()
        )
        cr.commit()
        daily_time = time.perf_counter() - started
        print(
            f"daily pass:          {daily_time:8.1f} s  {len(daily_ids):,} customers who bought on {today}; same rows: {digest(cr, company.id) == first}"
        )

        cr.execute(
            SQL(
                "SELECT expected_date, count(*) FROM retail_crm_replenishment WHERE company_id = %s AND expected_date > %s GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
                company.id,
                today,
            )
        )
        busiest = cr.fetchone()
        if busiest:
            day = busiest[0] - timedelta(days=company.retail_replenishment_lead_days)
            started = time.perf_counter()
            reminded = Rep._replenishment_remind(company, day)
            remind_time = time.perf_counter() - started
            activities = env["mail.activity"].search_count(
                [
                    ("res_model", "=", "res.partner"),
                    ("activity_type_id", "=", env.ref("retail_crm_rfm.mail_activity_type_replenishment").id),
                ]
            )
            print(
                f"reminders of {day}: {remind_time:8.1f} s  {len(reminded):,} reminders, {activities:,} activities ({len(reminded) / max(remind_time, 1e-9):,.0f}/s), rolled back"
            )
            cr.rollback()

        cr.execute(
            SQL(
                "SELECT DISTINCT partner_id FROM pos_order WHERE company_id = %s AND partner_id IS NOT NULL",
                company.id,
            )
        )
        all_ids = [r[0] for r in cr.fetchall()]
        sample = random.Random(16).sample(all_ids, min(args.sample, len(all_ids)))
        tz = pytz.timezone(tz_name)
        start = Rep._replenishment_lookback_start(today)
        # the pass compares the UTC order time with the look-back day, as here
        local_start = odoo.fields.Datetime.to_datetime(start)
        started = time.perf_counter()
        naive = {
            pid: naive_forecast(env, company, env["res.partner"].browse(pid), today, local_start, tz)
            for pid in sample
        }
        env.flush_all()
        naive_time = time.perf_counter() - started
        cr.rollback()
        extrapolated = naive_time / len(sample) * len(all_ids)
        rows = Rep.search_read(
            [("partner_id", "in", sample), ("company_id", "=", company.id)],
            ["partner_id", "item_id", "purchase_count", "interval_days", "expected_date"],
        )
        sql_result = defaultdict(dict)
        for r in rows:
            sql_result[r["partner_id"][0]][r["item_id"]] = (
                r["purchase_count"],
                r["interval_days"],
                r["expected_date"],
            )
        differ = [pid for pid in sample if sql_result.get(pid, {}) != naive[pid]]
        agree = not differ
        for pid in differ[:3]:
            print(f"  differs for customer {pid}: set-based {sql_result.get(pid, {})} naive {naive[pid]}")
        print(
            f"naive ORM loop:      {naive_time:8.1f} s  on {len(sample):,} customers -> {extrapolated:,.0f} s for {len(all_ids):,} (extrapolated)"
        )
        print(
            f"ratio naive / set-based full pass: {extrapolated / full_time:,.0f}x; same forecasts on the sample: {agree}"
        )
        print(f"peak RSS {rss_mb():.0f} MB; load average {load():.2f} (2 cores shared)")


if __name__ == "__main__":
    main()
