#!/usr/bin/env python3
"""Benchmark of retail_crm_loyalty: POS order sync and the tier review.

In a database where ``retail_crm_loyalty`` is installed (and a pos.config
with a cash payment method exists, e.g. Odoo's demo shop or one made by
``tools/datagen.py``), it

1. generates N members and M paid POS orders over the last years with
   parameterised SQL (``generate_series``; about 3 % refunds), tagged so that
   later runs with the same sizes reuse them;
2. syncs K orders through ``pos.order.sync_from_ui`` (the server side of the
   POS till) for random members, with the tier hook and with the hook
   replaced by a no-op in this process, alternating, and prints the orders
   per second of both and their ratio;
3. counts the queries of the tier hook for the member with the shortest and
   the longest order history (they must be equal);
4. times the tier review (``retail.crm.tier._review_company_tiers``) over
   every member, committed per batch as the cron does: the first run (every
   member gets a tier) and the daily run on unchanged data;
5. times the per-company writer of the tier values against Odoo's
   ``with_company().write()`` on the same members (rolled back).

With ``--existing`` the members and orders already in the database (from
``tools/datagen.py``) are used and nothing is added, so the figures are for
the database's own size. ``--without-indexes`` drops the suite's indexes on
``pos_order.uuid`` and ``pos_order_line.combo_parent_id`` for the sync
(inside the benchmark's transaction: the rollback restores them).

The synced orders are rolled back; the generated members and orders stay
for the next run unless ``--cleanup``.

Usage::

    python3 tools/bench_loyalty.py -d DB [--db-host /tmp/retail_crm_pg_0 --db-port 54320 \\
        --db-user odoo] [--members 1000000 --orders 10000000 | --existing] [--sync-orders 200] \\
        [--without-indexes] [--skip-sync] [--skip-review] [--skip-writer] [--cleanup]
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid as uuidlib

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from odoo import api, fields
from odoo.tools import SQL
from tools import bootstrap
from tools.loyalty_bench_data import BENCH_REF, ORDER_PREFIX, cleanup, generate, open_session, order_payload


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    bootstrap.add_connection_args(parser)
    parser.add_argument("--members", type=int, default=100000)
    parser.add_argument("--orders", type=int, default=1000000)
    parser.add_argument("--years", type=float, default=2.0, help="history length")
    parser.add_argument("--sync-orders", type=int, default=200, help="orders synced per variant")
    parser.add_argument("--cleanup", action="store_true", help="delete the generated data at the end")
    parser.add_argument(
        "--existing",
        action="store_true",
        help="use the members and orders already in the database (e.g. from tools/datagen.py) "
        "instead of adding generated ones on top of them",
    )
    parser.add_argument(
        "--without-indexes",
        action="store_true",
        help="sync with the suite's pos_order.uuid and pos_order_line.combo_parent_id indexes "
        "dropped (inside the benchmark's transaction, restored by its rollback)",
    )
    parser.add_argument(
        "--reset-tiers",
        action="store_true",
        help="delete every member's tier state and tier history of the company first, so that the "
        "review's first run is measured again (benchmark databases only)",
    )
    parser.add_argument("--skip-sync", action="store_true", help="only the tier review")
    parser.add_argument("--skip-review", action="store_true", help="no tier review")
    parser.add_argument("--skip-writer", action="store_true", help="no writer comparison")
    return parser.parse_args(argv)


def setup_odoo(args):
    return bootstrap.open_registry(args)


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    args = parse_args(argv)
    registry = setup_odoo(args)
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        if "retail.crm.tier" not in env:
            sys.exit("retail_crm_loyalty is not installed in %s" % args.database)
        admin = env.ref("base.user_admin")
        company = admin.company_id
        # the POS runs as a real user (the superuser may not open sessions)
        env = env(user=admin.id, context=dict(env.context, allowed_company_ids=[company.id]))
        config, session = open_session(env, company)
        cr.commit()
        t0 = time.perf_counter()
        if args.existing:
            cr.execute(SQL("SELECT count(*) FROM res_partner WHERE retail_is_member AND active"))
            n_members = cr.fetchone()[0]
            cr.execute(SQL("SELECT reltuples::bigint FROM pg_class WHERE relname = 'pos_order'"))
            print("data: the database's own %d members, about %d POS orders" % (n_members, cr.fetchone()[0]))
        else:
            generated = generate(env, args, company, session)
            print(
                "data: %d members, %d POS orders (%s in %.1f s)"
                % (
                    args.members,
                    args.orders,
                    "generated" if generated else "reused",
                    time.perf_counter() - t0,
                )
            )
        if not args.skip_sync:
            bench_sync(env, args, config, session)
        if not args.skip_review:
            if args.reset_tiers:
                reset_tiers(env, company)
            bench_review(env, company)
        if not args.skip_writer:
            bench_writer(env, company)
        if args.cleanup and not args.existing:
            cleanup(env)
            print("generated data deleted")


def bench_sync(env, args, config, session):
    """POS order sync with and without the tier hook, and the hook's queries
    for the members with the shortest and the longest history (rolled back)."""
    cr = env.cr
    if args.without_indexes:
        for index in ("retail_crm_pos_order_uuid_uniq", "retail_crm_pos_order_line_combo_parent_id_idx"):
            cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(index)))
        print("indexes on pos_order.uuid and pos_order_line.combo_parent_id dropped for this run")

    check_open_transactions(env)
    explain_uuid_lookup(env)

    # 1. POS order sync throughput, with and without the tier hook
    product = env["product.product"].search(
        [("available_in_pos", "=", True), ("list_price", ">", 0), ("taxes_id", "=", False)], limit=1
    ) or env["product.product"].create(
        {
            "name": "Loyalty bench item",
            "available_in_pos": True,
            "lst_price": 88.0,
            "taxes_id": [(5, 0, 0)],
        }
    )
    cash_pm = config.payment_method_ids.filtered("is_cash_count")[:1]
    if args.existing:
        cr.execute(SQL("SELECT id FROM res_partner WHERE retail_is_member AND active ORDER BY id"))
    else:
        cr.execute(SQL("SELECT id FROM res_partner WHERE ref = %s ORDER BY id", BENCH_REF))
    member_ids = [row[0] for row in cr.fetchall()]
    PosOrder = env["pos.order"]
    order_cls = type(PosOrder)
    hook = order_cls._retail_evaluate_member_tier

    def no_hook(self):
        return None

    rng = random.Random(42)
    timings = {"with hook": [], "without hook": []}
    # warm-up (caches, prepared plans)
    for _i in range(10):
        PosOrder.sync_from_ui([order_payload(env, config, session, product, rng.choice(member_ids), cash_pm)])
    for i in range(args.sync_orders * 2):
        variant = "with hook" if i % 2 == 0 else "without hook"
        order_cls._retail_evaluate_member_tier = hook if variant == "with hook" else no_hook
        payload = order_payload(env, config, session, product, rng.choice(member_ids), cash_pm)
        start = time.perf_counter()
        PosOrder.sync_from_ui([payload])
        env.flush_all()
        timings[variant].append(time.perf_counter() - start)
    order_cls._retail_evaluate_member_tier = hook
    rates = {k: 1.0 / statistics.mean(v) for k, v in timings.items()}
    print(
        "POS sync: %.1f orders/s with the tier hook, %.1f orders/s without (median %.1f ms vs %.1f ms)"
        % (
            rates["with hook"],
            rates["without hook"],
            1000 * statistics.median(timings["with hook"]),
            1000 * statistics.median(timings["without hook"]),
        )
    )
    cr.execute(SQL("SELECT reltuples::bigint FROM pg_class WHERE relname = 'pos_order'"))
    print(
        "POS sync time per order vs orders in the database: %.1f ms with the hook, %.1f ms without, "
        "at about %d orders"
        % (
            1000 * statistics.median(timings["with hook"]),
            1000 * statistics.median(timings["without hook"]),
            cr.fetchone()[0],
        )
    )
    print(
        "POS sync overhead of the tier hook: %.1f %% (throughput ratio %.3f), load %s"
        % (
            100.0 * (rates["without hook"] / rates["with hook"] - 1.0),
            rates["with hook"] / rates["without hook"],
            load_average(),
        )
    )

    # 2. queries of the hook: shortest vs longest history
    name_filter = (
        # a sample of the members: the shortest and longest histories among them
        SQL("AND o.partner_id = ANY(%s)", member_ids[:: max(1, len(member_ids) // 20000)])
        if args.existing
        else SQL("AND o.name LIKE %s", ORDER_PREFIX + "%")
    )
    cr.execute(
        SQL(
            """
            SELECT o.partner_id, count(*) FROM pos_order o JOIN res_partner p ON p.id = o.partner_id
             WHERE p.retail_is_member %s GROUP BY o.partner_id ORDER BY count(*) DESC
            """,
            name_filter,
        )
    )
    counts = cr.fetchall()
    heavy, light = counts[0], counts[-1]
    queries = {}

    def sync_queries(partner_id, with_hook):
        """Queries of sync_from_ui for one order of the member."""
        order_cls._retail_evaluate_member_tier = hook if with_hook else no_hook
        payload = order_payload(env, config, session, product, partner_id, cash_pm)
        env.flush_all()
        env.invalidate_all()
        before, start = cr.sql_log_count, time.perf_counter()
        PosOrder.sync_from_ui([payload])
        env.flush_all()
        order_cls._retail_evaluate_member_tier = hook
        return cr.sql_log_count - before, time.perf_counter() - start

    for partner_id, history in (light, heavy):
        sync_queries(partner_id, False)  # first-time reads of this member
        base = sync_queries(partner_id, False)
        with_hook = sync_queries(partner_id, True)
        queries[history] = (with_hook[0] - base[0], with_hook[1] - base[1])
    print(
        "tier hook: %d extra queries per order for a member with %d orders, %d for a member with %d orders "
        "(%+.1f ms / %+.1f ms)"
        % (
            queries[light[1]][0],
            light[1],
            queries[heavy[1]][0],
            heavy[1],
            1000 * queries[light[1]][1],
            1000 * queries[heavy[1]][1],
        )
    )
    cr.rollback()
    env.invalidate_all()


def check_open_transactions(env):
    """Other transactions open on the server keep PostgreSQL from using
    indexes built after they started (indcheckxmin) and from pruning rows:
    list them, the figures of this run are then not comparable."""
    env.cr.execute(
        SQL(
            """
            SELECT pid, datname, state, now() - xact_start
              FROM pg_stat_activity
             WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()
               AND now() - xact_start > interval '10 seconds'
            """
        )
    )
    rows = env.cr.fetchall()
    for pid, datname, state, age in rows:
        print("warning: transaction of pid %s (%s, %s) open for %s" % (pid, datname, state, age))
    if not rows:
        print("no other transaction open for more than 10 s on the server")


def explain_uuid_lookup(env):
    """The plan of the POS sync's look-up of an order by uuid."""
    env.cr.execute(SQL("EXPLAIN SELECT id FROM pos_order WHERE uuid = %s", str(uuidlib.uuid4())))
    plan = env.cr.fetchone()[0]
    print("pos_order by uuid: %s" % plan.strip())


def reset_tiers(env, company):
    cr = env.cr
    cr.execute(SQL("DELETE FROM retail_crm_tier_history WHERE company_id = %s", company.id))
    cr.execute(SQL("DELETE FROM retail_crm_member_tier WHERE company_id = %s", company.id))
    cr.commit()
    # a first run writes into tables without the deleted rows' dead tuples
    # and index entries, as after the addon's installation
    cr._cnx.autocommit = True
    try:
        cr.execute(SQL("VACUUM ANALYZE retail_crm_tier_history, retail_crm_member_tier, res_partner"))
    finally:
        cr._cnx.autocommit = False
    env.invalidate_all()
    print("tier state and history of %s deleted" % company.name)


def bench_review(env, company):
    """The tier review over every member, committed per batch as the cron
    does: the first run (every member without a tier gets one) and the
    daily run on unchanged data, each against the bare aggregate that
    decides the tiers (the review's own first query, counted in SQL only)
    measured in the same run as the baseline."""
    cr = env.cr
    Tier = env["retail.crm.tier"]
    cr.execute(SQL("SELECT count(*) FROM res_partner WHERE retail_is_member AND active"))
    n_members = cr.fetchone()[0]
    tiers = Tier._get_company_tiers(company)

    def commit(done, remaining):
        cr.commit()

    def aggregate():
        start = time.perf_counter()
        cr.execute(
            SQL(
                "SELECT count(*) FROM (%s) x",
                Tier._review_select_sql(company, tiers, fields.Date.context_today(Tier)),
            )
        )
        rows = cr.fetchone()[0]
        cr.rollback()
        return time.perf_counter() - start, rows

    for run in ("first", "daily"):
        env.invalidate_all()
        base, rows = aggregate()
        start = time.perf_counter()
        counters = Tier._review_company_tiers(company, on_batch=commit, retry=True)
        cr.commit()
        elapsed = time.perf_counter() - start
        print(
            "tier review, %s run over %d members: %.1f s (%s); bare aggregate %.1f s (%d rows): %.2fx, load %s"
            % (run, n_members, elapsed, counters, base, rows, elapsed / base, load_average())
        )


def load_average():
    return "%.1f/%.1f/%.1f" % os.getloadavg()


def bench_writer(env, company, size=5000):
    """The tier values of ``size`` members written to the narrow
    retail_crm_member_tier table (one INSERT ... ON CONFLICT) against the
    previous design on the same members, measured in the same run: one
    UPDATE of a company-dependent jsonb column of the wide res_partner rows
    (the writer Odoo's pricelist column still uses); both rolled back."""
    cr = env.cr
    cr.execute(SQL("SELECT id FROM res_partner WHERE retail_is_member AND active ORDER BY id LIMIT %s", size))
    partners = env["res.partner"].browse([row[0] for row in cr.fetchall()]).with_company(company).sudo()
    tier = env["retail.crm.tier"]._get_company_tiers(company)[-1:]
    pricelist = env["product.pricelist"].search([], limit=1)
    timings = {}
    for name, write in (
        ("narrow table", lambda: partners._retail_write_company_values(company, {"retail_tier_id": tier.id})),
        ("res_partner jsonb", lambda: partners._retail_write_partner_pricelist(company, pricelist.id)),
    ):
        env.invalidate_all()
        start = time.perf_counter()
        write()
        env.flush_all()
        timings[name] = time.perf_counter() - start
        cr.rollback()
    print(
        "tier values of %d members: narrow table %.2f s, res_partner jsonb UPDATE %.2f s (%.1fx), load %s"
        % (
            len(partners),
            timings["narrow table"],
            timings["res_partner jsonb"],
            timings["res_partner jsonb"] / timings["narrow table"],
            load_average(),
        )
    )


if __name__ == "__main__":
    main()
