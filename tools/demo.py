#!/usr/bin/env python3
"""Bring up a demo of the whole suite: a Chinese retail chain, in Chinese.

    python3 tools/demo.py               # reuse the demo database if it exists
    python3 tools/demo.py --recreate    # drop it and build it again
    python3 tools/demo.py --db demo2 --port 8070   # a second demo next to the first

Starts a private PostgreSQL when none is configured and creates a database
(default ``retail_crm_demo``) for a company in China (CNY, Asia/Shanghai,
Chinese chart of accounts) with Simplified Chinese loaded and every addon of
the suite, without Odoo's demo data.  It adds a synthetic chain (stores,
cosmetics, apparel, groceries, members, two years of POS orders), tier
pricelists, the birthday coupon program, VIP care, holiday greetings, six
months of complaints and of RFM runs, one login per role (in Chinese), runs
the suite's scheduled computations once, then serves Odoo until Ctrl+C.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tools import bootstrap, odoo_check, pg

DEFAULT_DB = "retail_crm_demo"
STARTED = time.time()
LOADING = re.compile(r"odoo\.modules\.loading: Loading module (\S+) \((\d+)/(\d+)\)")
LOG_LEVEL = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ")


def step(message):
    elapsed = time.time() - STARTED
    print(f"[{time.strftime('%H:%M:%S')} +{elapsed:4.0f}s] {message}", flush=True)


def run_odoo(opts, args, extra):
    """Run Odoo with --stop-after-init and print one line per module installed."""
    cmd = bootstrap.odoo_command(
        args.database,
        opts,
        *extra,
        "--stop-after-init",
        f"--data-dir={args.data_dir}",
        f"--http-port={args.port}",
        "--max-cron-threads=0",
        "--log-level=info",
        addons_path=args.addons_path,
    )
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    seen = set()
    for line in proc.stdout:
        loading = LOADING.search(line)
        if loading and loading[1] not in seen:
            seen.add(loading[1])
            step(f"  module {loading[1]} ({loading[2]}/{loading[3]})")
        elif LOG_LEVEL.match(line) or line.startswith(("Traceback", "  File", "psycopg2", "odoo.")):
            sys.stdout.write(f"  {line}")
    if proc.wait():
        odoo_check.fail("installing the addons failed (see the log above)")


def open_registry(opts, args):
    """A fresh registry of the demo database (Odoo configured once per process)."""
    return bootstrap.open_registry(args, extra=[f"--data-dir={args.data_dir}"], new=True)


def close_registry(args):
    import odoo  # noqa: PLC0415

    odoo.modules.registry.Registry.delete(args.database)


def configure_company(opts, args):
    import odoo  # noqa: PLC0415
    from tools import demo_data  # noqa: PLC0415

    registry = open_registry(opts, args)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        step(f"  {demo_data.setup_company(env)}")
    close_registry(args)


def build(registry, customers):
    """Role users, the chain, loyalty set-up, history and one run of the crons; returns logins."""
    import odoo  # noqa: PLC0415
    from tools import demo_data, demo_history  # noqa: PLC0415

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if not env["account.journal"].search_count(
            [("type", "=", "bank"), ("company_id", "=", env.company.id)]
        ):
            step("Loading the Chinese chart of accounts")
            env["account.chart.template"].try_loading("cn", env.company)
            cr.commit()
        demo_data.setup_company(env)
        step("Role users: exact groups, e-mail, Simplified Chinese, Asia/Shanghai")
        logins = demo_data.setup_users(env)
        cr.commit()
        if not env["ir.config_parameter"].get_param("retail_crm.demo_data_generated"):
            from tools import datagen  # noqa: PLC0415

            step(f"Generating the chain: {customers} members, stores, products, 26 months of POS orders")
            result = datagen.generate(
                env, customers=customers, seed=42, progress=lambda msg: step(f"  {msg}")
            )
            counts = ", ".join(f"{n} {model}" for model, n in result["counts"].items())
            step(f"  {counts} in {result['seconds']:.0f} s")
            env["ir.config_parameter"].set_param("retail_crm.demo_data_generated", "1")
            cr.commit()
        else:
            step("Synthetic chain already present: kept")
        step("Loyalty: tier pricelists, birthday coupon program, VIP tier, 春节 / 618 / 双11 greetings")
        step(f"  {demo_data.setup_loyalty(env)}")
        cr.commit()
        step("RFM history: one run per month-end over six months")
        demo_history.rfm_history(env, months=6, progress=lambda msg: step(f"  {msg}"))
        cr.commit()
        crons = (
            env["ir.cron"]
            .browse(
                env["ir.model.data"]
                .search([("model", "=", "ir.cron"), ("module", "=like", "retail_crm_%")])
                .mapped("res_id")
            )
            .exists()
        )
        for cron in crons:
            step(f"Scheduled action once: {cron.name}")
            cron.method_direct_trigger()
            # next time at its own schedule, not again as soon as the demo
            # serves (a second RFM run of the day counted twice on the dashboard)
            cron.nextcall = next_call(cron)
            cr.commit()
        step("Complaints over six months: filed, contacted, resolved, rated, closed")
        complaints = demo_history.setup_complaints(env, progress=lambda msg: step(f"  {msg}"))
        cr.commit()
        sla = env.ref("retail_crm_complaints.ir_cron_complaint_sla_check", raise_if_not_found=False)
        if complaints and sla:
            sla.method_direct_trigger()
            cr.commit()
        step(f"  {demo_history.complaint_summary(env)}")
        step("Customer voice over six months: satisfaction and NPS answers")
        demo_history.voice_history(env)
        cr.commit()
        step(f"  {demo_history.voice_summary(env)}")
    return logins


def next_call(cron):
    """The cron's first call after now at its interval, as Odoo's scheduler sets it after a run."""
    from odoo import fields  # noqa: PLC0415
    from odoo.addons.base.models.ir_cron import _intervalTypes  # noqa: PLC0415

    now = fields.Datetime.now()
    nextcall = cron.nextcall or now
    step_ = _intervalTypes[cron.interval_type](cron.interval_number)
    while nextcall <= now:
        nextcall += step_
    return nextcall


def smoke_check(opts, args):
    """Run the demo's data builders on an existing database (with POS orders), check, roll back."""
    import odoo  # noqa: PLC0415
    from tools import demo_data, demo_history  # noqa: PLC0415

    registry = open_registry(opts, args)
    problems = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        logins = demo_data.setup_users(env)
        users = env["res.users"].search([("login", "in", [row[0] for row in logins])])
        if any(u.lang != demo_data.LANG or not u.email for u in users):
            problems.append("role users without Chinese or e-mail")
        pos_home = env.ref("point_of_sale.action_pos_config_kanban")
        cashiers = users.filtered(lambda u: u.has_group("point_of_sale.group_pos_user"))
        if not cashiers or any(
            u.action_id.id != pos_home.id
            for u in cashiers
            if not u.has_group("point_of_sale.group_pos_manager")
        ):
            problems.append("the cashier does not land in the Point of Sale")
        demo_data.setup_loyalty(env)
        company = env.company
        if not (company.retail_birthday_program_id and company.retail_vip_tier_id):
            problems.append("birthday program or VIP tier not set")
        if not env.ref("retail_crm_loyalty.retail_crm_tier_gold").pricelist_id:
            problems.append("tier without pricelist")
        runs = demo_history.rfm_history(env, months=2, commit=False)
        if len(runs) != 2 or set(runs.mapped("state")) != {"done"}:
            problems.append(f"back-dated RFM runs: {runs.mapped('state')}")
        complaints = demo_history.setup_complaints(env, count=16, months=3)
        env.flush_all()
        if len(complaints) != 16 or len(set(complaints.mapped("category_id"))) < 3:
            problems.append("complaints missing or not varied")
        if not complaints.filtered(lambda c: c.stage_id.is_closed) or not complaints.filtered(
            "rating_last_value"
        ):
            problems.append("no closed or rated complaint")
        if len({c.date_received.date() for c in complaints}) < 5:
            problems.append("complaints not spread over past days")
        step(f"  {demo_history.complaint_summary(env)}")
        if "retail.crm.voice" in env:
            # as in the demo, the scheduled NPS survey runs first
            env["retail.crm.voice"]._cron_send_nps()
        answers = demo_history.voice_history(env, months=2, per_month=6)
        if "retail.crm.voice" in env and (not answers or set(answers.mapped("state")) != {"done"}):
            problems.append("customer voice answers missing or unanswered")
        # the demo run again on its database: nobody asked twice for one quarter's NPS
        demo_history.voice_history(env, months=2, per_month=6)
        step(f"  {demo_history.voice_summary(env)}")
        cr.rollback()
    for problem in problems:
        print(f"  demo check: {problem}")
    return not problems


def width(text):
    """Columns ``text`` takes in a terminal (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def role_table(logins):
    rows = [("login", "password", "role", "groups")] + [tuple(r) for r in logins]
    widths = [max(width(r[i]) for r in rows) for i in range(3)]
    lines = []
    for i, row in enumerate(rows):
        cells = [str(row[c]) + " " * (widths[c] - width(row[c])) for c in range(3)]
        lines.append("  " + "  ".join(cells) + "  " + row[3])
        if i == 0:
            lines.append("  " + "  ".join("-" * w for w in widths) + "  " + "-" * 6)
    return "\n".join(lines)


def parse_args(argv):
    parser = bootstrap.connection_parser(__doc__.split("\n\n", 1)[0], database=DEFAULT_DB)
    parser.add_argument("--recreate", action="store_true", help="drop and rebuild the demo database")
    parser.add_argument("--port", type=int, default=8069, help="HTTP port (default 8069)")
    parser.add_argument("--data-dir", help="Odoo data folder (default: <tmp>/<db>_data)")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--no-serve", action="store_true", help="build the database, then exit")
    parser.add_argument(
        "--check",
        action="store_true",
        help="run the data builders on the existing database --db (e.g. the test database), check, roll back",
    )
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,62}", args.database):
        parser.error("--db: letters, digits and _ only, starting with a letter")
    args.data_dir = args.data_dir or os.path.join(tempfile.gettempdir(), f"{args.database}_data")
    return args


def main(argv):
    args = parse_args(argv)
    try:
        odoo_check.require_odoo()
        if not args.check and not odoo_check.port_free(args.port):
            raise odoo_check.UserError(
                f"Port {args.port} is already in use (another demo?): pass --port, and --db for a second demo."
            )
        addons = odoo_check.suite_addons()
        if not addons:
            raise odoo_check.UserError("No retail_crm_* addon found in the repository.")
        step("Starting PostgreSQL (or using the configured server)")
        opts, _server = bootstrap.connection(args)
        pg.wait_for(opts)
    except (odoo_check.UserError, pg.PgError) as exc:
        odoo_check.fail(str(exc))

    exists = pg.database_exists(opts, args.database)
    if args.check:
        if not exists:
            odoo_check.fail(f"--check needs an existing database: {args.database} not found")
        ok = smoke_check(opts, args)
        step("demo builders: OK" if ok else "demo builders: FAILED")
        return 0 if ok else 1
    if exists and args.recreate:
        step(f"Dropping database {args.database} (--recreate)")
        pg.drop_database(opts, args.database)
        exists = False
    if exists:
        step(f"Reusing database {args.database}: updating the suite's addons (--recreate starts afresh)")
        run_odoo(opts, args, ["-u", ",".join(addons)])
    else:
        step(f"Creating database {args.database} with Simplified Chinese (data folder {args.data_dir})")
        run_odoo(opts, args, ["-i", "base", "--without-demo=all", "--load-language=zh_CN"])
        step("Company in China: CNY, Asia/Shanghai, Shanghai address")
        configure_company(opts, args)
        step(f"Installing {', '.join(addons)} and the Chinese chart of accounts (a few minutes)")
        run_odoo(opts, args, ["-i", ",".join([*addons, "l10n_cn"])])
    step("Opening the database")
    registry = open_registry(opts, args)
    logins = build(registry, args.customers)

    url = f"http://localhost:{args.port}/odoo?db={args.database}"
    step(f"Retail CRM demo ready in {time.time() - STARTED:.0f} s")
    print(f"\n  Backend: {url}\n  POS:     http://localhost:{args.port}/pos/ui\n")
    print(role_table(logins))
    if args.no_serve:
        return 0
    print("\nPress Ctrl+C to stop.\n", flush=True)
    cmd = bootstrap.odoo_command(
        args.database,
        opts,
        f"--db-filter=^{args.database}$",
        f"--http-port={args.port}",
        f"--data-dir={args.data_dir}",
        "--log-level=warn",
        addons_path=args.addons_path,
    )
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
