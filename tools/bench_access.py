#!/usr/bin/env python3
"""Benchmark: cost of the access rule of retail_crm_privacy (P4, P5).

In a database where ``retail_crm_privacy`` is installed, inserts N customers
(default 100,000, set-based) assigned to another salesperson, creates a
cashier with exactly the cashier's groups, then times as that cashier:

- ``web_search_read`` of 80 customers with a list view's fields (median of R);
- the POS load of the N customers (``search_read`` of the POS fields).

each with the rule on, and off (``_privacy_is_restricted`` patched to False
in this process only: the rule, masking and copies short-circuit). Prints the
timings and the overhead. Everything is rolled back at the end.

    python3 tools/bench_access.py -d DB [--customers 100000] [--repeat 20] \
        [--db-host /tmp/retail_crm_pg_0 --db-port 54320 --db-user odoo]
"""

import argparse
import os
import statistics
import sys
import time

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import odoo
from odoo.tools import SQL
from tools import bench_odoo, bootstrap

LIST_SPEC = {
    "display_name": {},
    "name": {},
    "mobile": {},
    "phone": {},
    "email": {},
    "city": {},
    "user_id": {"fields": {"display_name": {}}},
}


def main():
    parser = bootstrap.add_connection_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--customers", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    registry = bootstrap.open_registry(args)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if "retail.crm.privacy.partner.access" not in env:
            sys.exit(f"retail_crm_privacy (with the access rule) is not installed in {args.database}")
        try:
            run(env, args)
        finally:
            cr.rollback()


def run(env, args):
    cr = env.cr
    Users = env["res.users"].with_context(no_reset_password=True)
    groups = [env.ref(x).id for x in ("base.group_user", "point_of_sale.group_pos_user")]
    cashier = Users.create(
        {"name": "Bench Cashier", "login": "bench_access_cashier", "groups_id": [(6, 0, groups)]}
    )
    salesperson = Users.create(
        {"name": "Bench Salesperson", "login": "bench_access_sales", "groups_id": [(6, 0, groups)]}
    )
    template = env["res.partner"].create({"name": "Bench Template", "user_id": salesperson.id})
    bench_odoo.insert_customers(
        env,
        args.customers,
        template,
        {
            "name": SQL("'Bench Customer ' || n"),
            "complete_name": SQL("'Bench Customer ' || n"),
            "mobile": SQL("'+86139' || lpad(n::text, 8, '0')"),
            "email": SQL("'bench' || n || '@example.cn'"),
            "street": SQL("n || ' Bench Road'"),
            "city": SQL("'Shanghai'"),
            "user_id": SQL("CASE WHEN mod(n, 10) = 0 THEN %s ELSE %s END", cashier.id, salesperson.id),
        },
    )
    Partner = env["res.partner"].with_user(cashier)
    domain = [("name", "=like", "Bench Customer %")]
    config = env["pos.config"].search([], limit=1)
    pos_fields = Partner._load_pos_data_fields(config.id) if config else list(LIST_SPEC)

    def list_view():
        Partner.web_search_read(domain, LIST_SPEC, limit=80, order="name")
        env.invalidate_all()

    def pos_load():
        Partner.with_context(privacy_channel="pos").search_read(domain, pos_fields, load=False)
        env.invalidate_all()

    cls = type(env["res.partner"])
    original = cls._privacy_is_restricted

    def sample(mode, func):
        if mode == "rule off":
            cls._privacy_is_restricted = lambda self, real_user=False: False
        cr.execute("SAVEPOINT bench_access")
        try:
            start = time.perf_counter()
            func()
            return time.perf_counter() - start
        finally:
            cr.execute("ROLLBACK TO SAVEPOINT bench_access")
            cls._privacy_is_restricted = original

    modes = ("rule on", "rule off")
    samples = {(mode, key): [] for mode in modes for key in ("list", "pos")}
    for mode in modes:
        sample(mode, list_view)  # warm-up
    # interleaved, so that both modes see the same state of the machine
    for _ in range(args.repeat):
        for mode in modes:
            samples[(mode, "list")].append(sample(mode, list_view))
    for _ in range(max(2, args.repeat // 5)):
        for mode in modes:
            samples[(mode, "pos")].append(sample(mode, pos_load))
    results = {key: statistics.median(values) for key, values in samples.items()}
    print(f"customers: {args.customers}, cashier {cashier.login} (exactly the cashier's groups)")
    for key, label in (("list", "web_search_read of 80"), ("pos", f"POS load of {args.customers}")):
        on, off = results[("rule on", key)], results[("rule off", key)]
        print(
            f"{label}: rule on {on * 1000:.1f} ms, rule off {off * 1000:.1f} ms, overhead {(on / off - 1) * 100:+.1f} %"
        )


if __name__ == "__main__":
    main()
