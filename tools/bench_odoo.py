"""What the privacy benchmarks share: connection options, opening Odoo's
registry on an existing database, and inserting many customers set-based."""

import os

import odoo
from odoo.tools import SQL

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def add_connection_args(parser):
    """-d and the database/addons options every benchmark takes."""
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--db-host", default=os.environ.get("PGHOST"))
    parser.add_argument("--db-port", default=os.environ.get("PGPORT"))
    parser.add_argument("--db-user", default=os.environ.get("PGUSER", "odoo"))
    parser.add_argument("--addons-path", default=REPO)
    return parser


def open_registry(args, keep_config=False):
    """Configure Odoo from the parsed options and load the database's registry
    (``keep_config``: on top of a configuration file parsed before)."""
    options = ["--addons-path", args.addons_path, "--db_user", args.db_user]
    if keep_config and odoo.tools.config.rcfile:
        options = ["-c", odoo.tools.config.rcfile, *options]
    if args.db_host:
        options += ["--db_host", args.db_host]
    if args.db_port:
        options += ["--db_port", str(args.db_port)]
    odoo.tools.config.parse_config(options)
    return odoo.modules.registry.Registry(args.database)


def insert_customers(env, count, template, overrides):
    """``count`` copies of the ``template`` partner row in one INSERT (whatever
    columns the installed modules add), with the ``overrides`` column
    expressions (SQL over the series number ``n``)."""
    cr = env.cr
    env.flush_all()
    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'res_partner' AND column_name != 'id'"
        )
    )
    columns = [row[0] for row in cr.fetchall()]
    overrides = {"commercial_partner_id": SQL("NULL"), **overrides}
    cr.execute(
        SQL(
            "INSERT INTO res_partner (%s) SELECT %s FROM res_partner t, generate_series(1, %s) AS n WHERE t.id = %s",
            SQL(", ").join(SQL.identifier(c) for c in columns),
            SQL(", ").join(overrides.get(c, SQL.identifier("t", c)) for c in columns),
            count,
            template.id,
        )
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE commercial_partner_id IS NULL")
    cr.execute("ANALYZE res_partner")
    env.invalidate_all()
