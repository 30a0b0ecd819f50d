"""The one way the suite's commands reach PostgreSQL and start Odoo.

Every command (tests, demo, generator, benchmarks, i18n) takes the same
connection options, added by :func:`add_connection_args`:

    -d/--db/--database NAME   --db-host H  --db-port P  --db-user U  --db-password W
    --addons-path PATHS       (default: the repository, where the suite's addons live)

Odoo's own spellings (``--db_host=H``, ``--addons_path=...``) are accepted too.
Without ``--db-host``/``--db-port`` the ``PG*`` variables apply, and without
those the suite's private server (``tools/pg.py``) is started or reused.

:func:`odoo_command` builds the ``python3 -m odoo`` command line (tests,
demo) and :func:`open_registry` opens a database's registry in this process
(generator, benchmarks): both from the same options.
"""

import argparse
import os
import sys

from tools import odoo_check, pg

REPO = odoo_check.REPO
CONNECTION_KEYS = ("host", "port", "user", "password")


def add_connection_args(parser, database="required"):
    """Add the connection options to ``parser`` and return it.

    :param database: ``"required"``; a default database name; or ``None`` when the
        command names its database some other way (no ``-d`` option then)
    """
    group = parser.add_argument_group("connection (the same options on every command of tools/)")
    if database is not None:
        required = database == "required"
        group.add_argument(
            "-d",
            "--db",
            "--database",
            dest="database",
            required=required,
            default=None if required else database,
            help="database name" + ("" if required else f" (default {database})"),
        )
    for key, env in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")):
        group.add_argument(
            f"--db-{key}",
            f"--db_{key}",
            dest=f"db_{key}",
            metavar=key.upper(),
            help=f"PostgreSQL {key} (default ${env}, else the private server of tools/pg.py)",
        )
    group.add_argument(
        "--addons-path",
        "--addons_path",
        dest="addons_path",
        default=REPO,
        help="Odoo addons path (default: the repository)",
    )
    return parser


def connection(args):
    """(options dict with host/port/user/password, private server or None) for the parsed ``args``."""
    return pg.connection_from_env(args)


def odoo_db_args(opts):
    """Odoo command-line options for a connection dict."""
    return [f"--db_{key}={opts[key]}" for key in CONNECTION_KEYS if opts.get(key)]


def libpq_env(opts):
    """The environment with libpq's defaults pointing at ``opts``' server: Odoo's test
    mode opens its read-only pool with an empty replica host, i.e. libpq's defaults,
    and would otherwise reach another server, or none."""
    env = dict(os.environ)
    for key in CONNECTION_KEYS:
        if opts.get(key):
            env[f"PG{key.upper()}"] = str(opts[key])
    return env


def odoo_command(database, opts, *extra, addons_path=REPO):
    """``python3 -m odoo`` on ``database`` with the connection ``opts`` and ``extra`` options."""
    return [
        sys.executable,
        "-m",
        "odoo",
        f"--addons-path={addons_path}",
        *odoo_db_args(opts),
        "-d",
        database,
        *extra,
    ]


_CONFIGURED = []


def configure(opts, addons_path=REPO, extra=(), keep_config=False):
    """Parse Odoo's configuration once per process (Odoo keeps one global config).

    :param keep_config: on top of a configuration file parsed before (``-c``)
    """
    from odoo.tools import config  # noqa: PLC0415 - commands print a clear error without Odoo

    if _CONFIGURED:
        return config
    options = [f"--addons-path={addons_path}", *odoo_db_args(opts), "--log-level=warn", *extra]
    if keep_config and config.rcfile:
        options = ["-c", config.rcfile, *options]
    config.parse_config(options)
    _CONFIGURED.append(True)
    return config


def open_registry(args, extra=(), keep_config=False, new=False):
    """Configure Odoo from the parsed connection ``args`` and load ``args.database``'s registry.

    :param new: build a fresh registry (``Registry.new``) instead of reusing a loaded one
    """
    odoo_check.require_odoo()
    from odoo.modules.registry import Registry  # noqa: PLC0415

    opts, _server = connection(args)
    configure(opts, args.addons_path, extra=extra, keep_config=keep_config)
    return Registry.new(args.database) if new else Registry(args.database)


def connection_parser(description=None, database="required", **kwargs):
    """An ``ArgumentParser`` with the connection options already added."""
    parser = argparse.ArgumentParser(description=description, **kwargs)
    return add_connection_args(parser, database=database)
