#!/usr/bin/env python3
"""Benchmark: erasure of a customer with many POS orders, and one retention
run over many dormant customers (retail_crm_privacy).

Creates, in a database where ``retail_crm_privacy`` is installed, a member-like
customer with N POS orders (default 10,000, inserted set-based, some with a
note naming them), messages and an attachment, and times the erasure. Then
creates M dormant customers (default 1,000; created long ago, a message each,
one in four a member) and times one run of the retention cron over them (its
commits are disabled), finding the candidates among every customer of the
database. In the same run, another M dormant customers are erased the way the
previous cron did (one person after the other, each planned and executed on
its own), and the ratio is printed. Everything is rolled back at the end: the
database is left unchanged.

``--previous-erasure``/``--previous-retention`` print figures measured with
an older checkout (``--addons-path``) next to these.

    python3 tools/bench_privacy.py -d DB [--orders 10000] [--retention 1000] \\
        [--db-host /tmp/retail_crm_pg_0 --db-port 54320 --db-user odoo] \\
        [--addons-path /work/main]
"""

import argparse
import gc
import os
import sys
import time

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import odoo
from odoo.tools import SQL
from tools import bootstrap


def main():
    parser = bootstrap.add_connection_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--retention", type=int, default=1000, help="dormant customers of one retention run")
    parser.add_argument(
        "--solo",
        type=int,
        help="dormant customers erased one by one for the comparison (default: --retention); "
        "the ratio is then per customer",
    )
    parser.add_argument("--previous-erasure", type=float, help="seconds measured with the previous design")
    parser.add_argument("--previous-retention", type=float, help="seconds measured with the previous design")
    parser.add_argument(
        "--export",
        action="store_true",
        help="also time the access export (JSON) of the customer before erasing",
    )
    parser.add_argument("--previous-export", type=float, help="seconds measured with the previous design")
    parser.add_argument(
        "--order-addresses",
        action="store_true",
        help="the orders carry the customer's e-mail and mobile, as the POS and the generator's orders do "
        "(every order is then rewritten by the erasure)",
    )
    args = parser.parse_args()
    registry = bootstrap.open_registry(args)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if "retail.crm.consent" not in env:
            sys.exit(f"retail_crm_privacy is not installed in {args.database}")
        # the cron commits per batch: not here, everything is rolled back
        cr.commit = lambda: None
        try:
            erasure = bench_erasure(
                env, args.orders, args.export and args.previous_export, args.order_addresses
            )
            label = "erasure of a customer with %d orders" % args.orders
            if args.order_addresses:
                label += " carrying their e-mail and mobile"
            report(label, erasure, args.previous_erasure)
            if args.retention:
                solo = args.retention if args.solo is None else args.solo
                per_person = bench_retention(env, solo, per_person=True) if solo else None
                if per_person:
                    report(f"{solo} dormant customers erased one by one (previous cron)", per_person, None)
                retention = bench_retention(env, args.retention)
                previous = args.previous_retention
                if previous is None and per_person:
                    previous = per_person * args.retention / solo
                report(
                    f"retention run over {args.retention} dormant customers (batched)", retention, previous
                )
        finally:
            cr.rollback()


def report(label, seconds, previous):
    line = f"{label}: {seconds:.2f} s"
    if previous:
        line += f" (previous design: {previous:.2f} s, {previous / seconds:.1f}x)"
    print(line)


def bench_erasure(env, count, previous_export=None, addresses=False):
    cr = env.cr
    session = env["pos.session"].search([("state", "=", "opened")], limit=1)
    if not session:
        config = env["pos.config"].search([], limit=1)
        if not config:
            sys.exit("no POS configuration in this database")
        config.with_user(env.ref("base.user_admin")).open_ui()
        session = config.current_session_id
    partner = env["res.partner"].create(
        {
            "name": "Bench Erasure 王芳",
            "mobile": "+8616299999999",
            "email": "bench.erasure@example.cn",
            "street": "1 Benchmark Road",
        }
    )
    partner.message_post(body="Bench Erasure 王芳 called from 138-0013-8000")
    env["ir.attachment"].create(
        {"name": "bench.txt", "raw": b"bench", "res_model": "res.partner", "res_id": partner.id}
    )
    env.flush_all()
    cr.execute(
        SQL(
            """
        INSERT INTO pos_order (name, session_id, partner_id, company_id, date_order,
                               amount_tax, amount_total, amount_paid, amount_return,
                               state, general_note, email, mobile, create_uid, create_date,
                               write_uid, write_date)
        SELECT 'BENCH/' || n, %(session)s, %(partner)s, %(company)s,
               now() - n * interval '1 hour', 0, 10, 10, 0, 'paid',
               CASE WHEN mod(n, 100) = 0 THEN '会员 王芳 bench.erasure@example.cn' END,
               %(email)s, %(mobile)s, 1, now(), 1, now()
          FROM generate_series(1, %(count)s) AS n
        """,
            session=session.id,
            partner=partner.id,
            company=session.company_id.id,
            count=count,
            email=partner.email if addresses else None,
            mobile=partner.mobile if addresses else None,
        )
    )
    cr.execute(SQL("SELECT count(*), sum(amount_total) FROM pos_order WHERE partner_id = %s", partner.id))
    before = cr.fetchone()
    if previous_export is not False:
        start = time.perf_counter()
        data = partner._privacy_export_data()
        env.flush_all()
        report(
            f"access export of a customer with {count} orders ({len(data['sections'])} sections)",
            time.perf_counter() - start,
            previous_export,
        )
    # a full collection of the registry's heap (~1 s at this load) falls
    # wherever the allocation count crosses the threshold: collected first,
    # so that the figure is the erasure's own work whatever the design
    gc.collect()
    start = time.perf_counter()
    partner._privacy_erase()
    env.flush_all()
    elapsed = time.perf_counter() - start
    cr.execute(SQL("SELECT count(*), sum(amount_total) FROM pos_order WHERE partner_id = %s", partner.id))
    print(f"orders (count, total) before {before}, after {cr.fetchone()}")
    return elapsed


def bench_retention(env, count, per_person=False):
    """One retention run over ``count`` dormant customers (a quarter members
    with a tier history line); with ``per_person``, the same erasure one
    person after the other (the previous cron's design) for comparison."""
    cr = env.cr
    tag, prefix = ("Solo", "162") if per_person else ("Batch", "167")  # prefixes the generator never uses
    vals = [
        {
            "name": f"Bench {tag} 王{n}",
            "mobile": f"+86{prefix}{n:08d}",
            "email": f"{tag.lower()}{n}@example.cn",
        }
        for n in range(count)
    ]
    partners = env["res.partner"].create(vals)
    if "retail_is_member" in partners._fields:
        partners.filtered(lambda p: p.id % 4 == 0).write({"retail_is_member": True})
    env["mail.message"].create(
        [
            {
                "model": "res.partner",
                "res_id": partner.id,
                "message_type": "comment",
                "body": f"{partner.name} 手机{partner.mobile[3:]}无人接听",
            }
            for partner in partners
        ]
    )
    env.flush_all()
    # dormant since 1990; the period reaches back only to 1995: only them
    cr.execute(SQL("UPDATE res_partner SET create_date = '1990-01-01' WHERE id = ANY(%s)", partners.ids))
    cr.execute(
        SQL(
            "UPDATE mail_message SET date = '1990-01-01' WHERE model = 'res.partner' AND res_id = ANY(%s)",
            partners.ids,
        )
    )
    env.invalidate_all()
    icp = env["ir.config_parameter"]
    days = (odoo.fields.Date.today() - odoo.fields.Date.to_date("1995-01-01")).days
    icp.set_param("retail_crm_privacy.retention_days", str(days))
    icp.set_param("retail_crm_privacy.retention_auto", "True")
    start = time.perf_counter()
    if per_person:
        for partner in partners:
            with cr.savepoint():
                partner._privacy_erase(reason="retention")
    else:
        env["res.partner"]._cron_privacy_retention()
    env.flush_all()
    elapsed = time.perf_counter() - start
    partners.invalidate_recordset()
    print(f"dormant customers anonymised: {len(partners.filtered('privacy_erased_date'))} of {count}")
    return elapsed


if __name__ == "__main__":
    main()
