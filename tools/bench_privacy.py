#!/usr/bin/env python3
"""Benchmark: erasure of a customer with many POS orders (retail_crm_privacy).

Creates, in a database where ``retail_crm_privacy`` is installed, a customer
with N POS orders (default 10,000, inserted set-based), runs the erasure and
prints the elapsed time. Then erases M dormant customers (default 50) as the
retention cron does, one sweep of the database for the batch, and the same M
one by one (a sweep each), and prints both times and their ratio. Everything
is rolled back at the end: the database is left unchanged.

    python3 tools/bench_privacy.py -d DB [--orders 10000] [--retention 50] \
        [--db-host /tmp/retail_crm_pg_0 --db-port 54320 --db-user odoo] \
        [--addons-path /work/main]
"""

import argparse
import os
import sys
import time

import odoo
from odoo.tools import SQL


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--retention", type=int, default=50, help="dormant customers erased as a batch")
    parser.add_argument("--db-host", default=os.environ.get("PGHOST"))
    parser.add_argument("--db-port", default=os.environ.get("PGPORT"))
    parser.add_argument("--db-user", default=os.environ.get("PGUSER", "odoo"))
    parser.add_argument(
        "--addons-path",
        default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    args = parser.parse_args()

    options = ["--addons-path", args.addons_path, "--db_user", args.db_user]
    if args.db_host:
        options += ["--db_host", args.db_host]
    if args.db_port:
        options += ["--db_port", str(args.db_port)]
    odoo.tools.config.parse_config(options)
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if "retail.crm.consent" not in env:
            sys.exit(f"retail_crm_privacy is not installed in {args.database}")
        try:
            session = env["pos.session"].search([("state", "=", "opened")], limit=1)
            if not session:
                config = env["pos.config"].search([], limit=1)
                if not config:
                    sys.exit("no POS configuration in this database")
                config.with_user(env.ref("base.user_admin")).open_ui()
                session = config.current_session_id
            partner = env["res.partner"].create(
                {
                    "name": "Bench Erasure Person",
                    "mobile": "+8613800138000",
                    "email": "bench.erasure@example.cn",
                    "street": "1 Benchmark Road",
                }
            )
            partner.message_post(body="Bench Erasure Person called from +8613800138000")
            env.flush_all()
            cr.execute(
                SQL(
                    """
                INSERT INTO pos_order (name, session_id, partner_id, company_id, date_order,
                                       amount_tax, amount_total, amount_paid, amount_return,
                                       state, general_note, create_uid, create_date,
                                       write_uid, write_date)
                SELECT 'BENCH/' || n, %(session)s, %(partner)s, %(company)s,
                       now() - n * interval '1 hour', 0, 10, 10, 0, 'paid',
                       CASE WHEN mod(n, 100) = 0 THEN 'for bench.erasure@example.cn' END,
                       1, now(), 1, now()
                  FROM generate_series(1, %(count)s) AS n
                """,
                    session=session.id,
                    partner=partner.id,
                    company=session.company_id.id,
                    count=args.orders,
                )
            )
            cr.execute(
                SQL("SELECT count(*), sum(amount_total) FROM pos_order WHERE partner_id = %s", partner.id)
            )
            count, total = cr.fetchone()
            start = time.perf_counter()
            log = partner._privacy_erase()
            env.flush_all()
            elapsed = time.perf_counter() - start
            cr.execute(
                SQL("SELECT count(*), sum(amount_total) FROM pos_order WHERE partner_id = %s", partner.id)
            )
            count_after, total_after = cr.fetchone()
            print(f"orders: {count} (total {total}) -> {count_after} (total {total_after})")
            print(f"erasure {log.name}: {elapsed:.2f} s")
            if args.retention:
                bench_retention(env, args.retention)
        finally:
            cr.rollback()


def bench_retention(env, count):
    """The retention cron's batch erasure against erasing the same customers one by one."""
    cr = env.cr
    partners = env["res.partner"].create(
        [
            {"name": f"Bench Dormant {n}", "mobile": f"+86139{n:08d}", "email": f"dormant{n}@example.cn"}
            for n in range(count)
        ]
    )
    for partner in partners:
        partner.message_post(body=f"{partner.name} asked to be called on {partner.mobile}")
    env.flush_all()
    timings = {}
    for mode in ("one by one", "batch"):
        cr.execute(SQL("SAVEPOINT bench_retention"))
        start = time.perf_counter()
        if mode == "batch":
            partners._privacy_erase_batch(reason="retention")
        else:
            for partner in partners:
                partner._privacy_erase(reason="retention")
        env.flush_all()
        timings[mode] = time.perf_counter() - start
        erased = len(partners.filtered("privacy_erased_date"))
        cr.execute(SQL("ROLLBACK TO SAVEPOINT bench_retention"))
        env.invalidate_all()
        print(f"retention erasure of {count} customers, {mode}: {timings[mode]:.2f} s ({erased} erased)")
    print(f"batch sweep vs one by one: {timings['one by one'] / timings['batch']:.1f}x faster")


if __name__ == "__main__":
    main()
