#!/usr/bin/env python3
"""Benchmark: cost of encryption at rest in retail_crm_privacy (P5).

In a database where ``retail_crm_privacy`` is installed, inserts N customers
(default 100,000, set-based) with street, ZIP and city, then times as a store
manager (who sees them in clear):

- the POS load of the N customers (``search_read`` of the POS fields);
- an exact search on an encryptable field (``zip = …``, the blind index), the
  kind of look-up the till or a clerk runs on an encrypted value;

first with the values in clear, then after encrypting street, ZIP and city
with a throw-away key (the time to encrypt the existing values is printed
too). The till's mobile lookup is not affected: mobile numbers cannot be
encrypted (Odoo keeps a sanitised clear copy). Everything is rolled back.

    python3 tools/bench_encryption.py -d DB [--customers 100000] [--repeat 20] \
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

FIELDS = "street,zip,city"


def main():
    parser = bootstrap.add_connection_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--customers", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    registry = bootstrap.open_registry(args)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if not hasattr(env["res.partner"], "_privacy_rotate_encryption_key"):
            sys.exit(f"retail_crm_privacy (with encryption at rest) is not installed in {args.database}")
        try:
            run(env, args)
        finally:
            cr.rollback()
            odoo.tools.config["retail_crm_privacy_encryption_key"] = ""


def insert_customers(env, count):
    template = env["res.partner"].create({"name": "Bench Template"})
    bench_odoo.insert_customers(
        env,
        count,
        template,
        {
            "name": SQL("'Bench Customer ' || n"),
            "complete_name": SQL("'Bench Customer ' || n"),
            "mobile": SQL("'+86139' || lpad(n::text, 8, '0')"),
            "street": SQL("n || ' 徐汇区漕溪北路'"),
            "zip": SQL("lpad(n::text, 6, '0')"),
            "city": SQL("'上海'"),
        },
    )


def run(env, args):
    insert_customers(env, args.customers)
    Users = env["res.users"].with_context(no_reset_password=True)
    groups = [env.ref(x).id for x in ("base.group_user", "point_of_sale.group_pos_manager")]
    manager = Users.create(
        {"name": "Bench Manager", "login": "bench_enc_manager", "groups_id": [(6, 0, groups)]}
    )
    Partner = env["res.partner"].with_user(manager)
    domain = [("name", "=like", "Bench Customer %")]
    config = env["pos.config"].search([], limit=1)
    pos_fields = Partner._load_pos_data_fields(config.id) if config else ["name", "street", "zip", "city"]
    wanted = f"{args.customers // 2:06d}"

    def pos_load():
        rows = Partner.search_read(domain, pos_fields, load=False)
        env.invalidate_all()
        return rows

    def exact_search():
        found = Partner.search([("zip", "=", wanted)])
        env.invalidate_all()
        return found

    def timed(func, repeat):
        func()  # warm-up
        values = []
        for _ in range(repeat):
            start = time.perf_counter()
            func()
            values.append(time.perf_counter() - start)
        return statistics.median(values)

    pos_repeat = max(2, args.repeat // 5)
    clear = {"pos": timed(pos_load, pos_repeat), "search": timed(exact_search, args.repeat)}
    assert len(exact_search()) == 1

    odoo.tools.config["retail_crm_privacy_encryption_key"] = "bench-only-key"
    env["ir.config_parameter"].set_param("retail_crm_privacy.encrypted_fields", FIELDS)
    start = time.perf_counter()
    env["res.partner"]._privacy_encrypt_existing()
    env.flush_all()
    encrypt_seconds = time.perf_counter() - start
    env.cr.execute(SQL("SELECT count(*) FROM res_partner WHERE zip LIKE 'enc1:%%'"))
    encrypted_rows = env.cr.fetchone()[0]
    env.invalidate_all()
    encrypted = {"pos": timed(pos_load, pos_repeat), "search": timed(exact_search, args.repeat)}
    assert len(exact_search()) == 1, "the blind index finds the customer"
    sample = pos_load()[0]
    assert not str(sample.get("zip") or "").startswith("enc1:"), "values come back in clear"

    print(f"customers: {args.customers}; fields encrypted: {FIELDS}; rows with ciphertext: {encrypted_rows}")
    print(f"encrypting the existing values: {encrypt_seconds:.1f} s")
    for key, label in (
        ("pos", f"POS load of {args.customers} (manager)"),
        ("search", "exact search zip = …"),
    ):
        on, off = encrypted[key], clear[key]
        print(
            f"{label}: clear {off * 1000:.1f} ms, encrypted {on * 1000:.1f} ms, overhead {(on / off - 1) * 100:+.1f} %"
        )


if __name__ == "__main__":
    main()
