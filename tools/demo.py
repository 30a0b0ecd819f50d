#!/usr/bin/env python3
"""Bring up a demo of the whole suite on http://localhost:8069.

    python3 tools/demo.py               # reuse the demo database if it exists
    python3 tools/demo.py --recreate    # drop it and build it again

Starts a private PostgreSQL when none is configured, creates the database
``retail_crm_demo`` with every addon of the suite and Odoo's demo data, adds a
synthetic retail chain (stores, members, two years of POS orders), creates one
login per role, runs the suite's scheduled computations once, then serves Odoo
until you press Ctrl+C.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import odoo_check
import pg

DB = "retail_crm_demo"
# (login, name, groups, role description): each role user holds exactly these
# groups (and what they imply), never the default user template's; groups
# missing from the database are skipped.
ROLE_USERS = [
    (
        "manager",
        "店长 Store Manager",
        [
            "base.group_user",
            "base.group_partner_manager",
            "base.group_allow_export",
            "point_of_sale.group_pos_manager",
            "sales_team.group_sale_manager",
        ],
        "store manager",
    ),
    (
        "cashier",
        "导购 Cashier",
        ["base.group_user", "base.group_partner_manager", "point_of_sale.group_pos_user"],
        "cashier / 导购",
    ),
    (
        "dpo",
        "数据保护官 Data Protection Officer",
        ["base.group_user", "base.group_allow_export", "retail_crm_privacy.group_privacy_officer"],
        "data protection officer",
    ),
]
DEMO_EMAIL_DOMAIN = "demo.retail-crm.example"
DEMO_PASSWORD_SUFFIX = "-demo"


def step(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def install(opts, addons, data_dir, update):
    cmd = [
        sys.executable,
        "-m",
        "odoo",
        f"--addons-path={odoo_check.REPO}",
        *odoo_check.odoo_db_args(opts),
        "-d",
        DB,
        "-i",
        ",".join(addons),
        *(["-u", ",".join(addons)] if update else []),
        "--stop-after-init",
        f"--data-dir={data_dir}",
        "--max-cron-threads=0",
        "--log-level=warn",
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    for line in proc.stdout:
        sys.stdout.write(f"  {line}")
    if proc.wait():
        odoo_check.fail("installing the addons failed (see the log above)")


def open_env(opts, data_dir):
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(
        [
            f"--addons-path={odoo_check.REPO}",
            *odoo_check.odoo_db_args(opts),
            f"--data-dir={data_dir}",
            "--log-level=warn",
        ]
    )
    return odoo.modules.registry.Registry(DB)


def prepare(registry, customers):
    """Role users, synthetic data and one run of the suite's crons; returns logins."""
    import odoo  # noqa: PLC0415

    logins = [("admin", "admin", "admin (Settings, configuration)")]
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        for login, name, group_xmlids, role in ROLE_USERS:
            groups = [env.ref(x, raise_if_not_found=False) for x in group_xmlids]
            groups = [g.id for g in groups if g]
            if not groups:
                continue
            user = env["res.users"].with_context(active_test=False).search([("login", "=", login)])
            # exactly the role's groups: (6, 0, ids) replaces the default
            # user template's groups (POS manager, accounting, stock admin)
            values = {
                "active": True,
                "groups_id": [(6, 0, groups)],
                "email": f"{login}@{DEMO_EMAIL_DOMAIN}",
            }
            if "point_of_sale.group_pos_user" in group_xmlids:
                # cashiers land in the Point of Sale after login (Odoo's home action)
                values["action_id"] = env.ref("point_of_sale.action_pos_config_kanban").id
            if not user:
                user = env["res.users"].create(
                    {"login": login, "name": name, "password": login + DEMO_PASSWORD_SUFFIX, **values}
                )
            else:
                user.write(values)
            logins.append((login, login + DEMO_PASSWORD_SUFFIX, role))
        params = env["ir.config_parameter"]
        if not params.get_param("retail_crm.demo_data_generated"):
            try:
                import datagen  # noqa: PLC0415
            except ImportError:
                datagen = None
            if datagen:
                step(f"Generating a synthetic retail chain ({customers} members, 24+ months of POS orders)")
                result = datagen.generate(
                    env, customers=customers, seed=42, progress=lambda msg: step(f"  {msg}")
                )
                step(f"  generated: {result}")
            params.set_param("retail_crm.demo_data_generated", "1")
        else:
            step("Synthetic data already present: kept")
        cr.commit()
        cron_ids = (
            env["ir.model.data"]
            .search([("model", "=", "ir.cron"), ("module", "=like", "retail_crm_%")])
            .mapped("res_id")
        )
        crons = env["ir.cron"].browse(cron_ids).exists()
        for cron in crons:
            step(f"Running scheduled action once: {cron.name}")
            cron.method_direct_trigger()
            cr.commit()
    return logins


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--recreate", action="store_true", help="drop and rebuild the demo database")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--db-host")
    parser.add_argument("--db-port")
    parser.add_argument("--db-user")
    parser.add_argument("--db-password")
    args = parser.parse_args(argv)
    try:
        odoo_check.require_odoo()
        if not odoo_check.port_free(args.port):
            raise odoo_check.UserError(
                f"Port {args.port} is already in use: stop what listens there or pass --port."
            )
        addons = odoo_check.suite_addons()
        if not addons:
            raise odoo_check.UserError("No retail_crm_* addon found in the repository.")
        step("Starting PostgreSQL (or using the configured server)")
        opts, _server = pg.connection_from_env(args)
        pg.wait_for(opts)
    except (odoo_check.UserError, pg.PgError) as exc:
        odoo_check.fail(str(exc))

    data_dir = os.path.join(tempfile.gettempdir(), "retail_crm_demo_data")
    exists = pg.database_exists(opts, DB)
    if exists and args.recreate:
        step(f"Dropping database {DB} (--recreate)")
        pg.drop_database(opts, DB)
        exists = False
    if exists:
        step(f"Reusing database {DB} (updating the suite's addons; --recreate starts afresh)")
    else:
        step(f"Creating database {DB} with {', '.join(addons)} and demo data (a few minutes)")
    install(opts, addons, data_dir, update=exists)
    registry = open_env(opts, data_dir)
    logins = prepare(registry, args.customers)

    url = f"http://localhost:{args.port}/odoo?db={DB}"
    print(f"\nRetail CRM demo ready: {url}  (POS: http://localhost:{args.port}/pos/ui)")
    for login, password, role in logins:
        print(f"  {role:<32} login {login:<8} password {password}")
    print("Press Ctrl+C to stop.\n", flush=True)
    cmd = [
        sys.executable,
        "-m",
        "odoo",
        f"--addons-path={odoo_check.REPO}",
        *odoo_check.odoo_db_args(opts),
        "-d",
        DB,
        f"--db-filter=^{DB}$",
        f"--http-port={args.port}",
        f"--data-dir={data_dir}",
        "--log-level=warn",
    ]
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
