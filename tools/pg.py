"""A private PostgreSQL server for tests, benchmarks and the demo.

When no server is configured (no ``PGHOST``/``PGPORT`` in the environment and
no ``--db-host``/``--db-port`` option), the suite starts its own cluster from
Debian's PostgreSQL binaries in a data directory outside the repository.
PostgreSQL refuses to run as root, so when we are root the server runs as the
``postgres`` system user that Debian's package creates.  The database
superuser is called ``odoo`` (Odoo refuses the ``postgres`` role).

Usage as a command::

    python3 tools/pg.py start    # start (or reuse) the private server, print its options
    python3 tools/pg.py stop
    python3 tools/pg.py status
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time

DEFAULT_DATADIR = os.environ.get("RETAIL_CRM_PGDATA", os.path.join("/tmp", f"retail_crm_pg_{os.getuid()}"))
DB_USER = "odoo"
FIRST_PORT = 54320


class PgError(RuntimeError):
    """A problem the user can fix; printed as one line, no traceback."""


def _bindir():
    for candidate in ("/usr/lib/postgresql/*/bin",):
        dirs = sorted(glob.glob(candidate), reverse=True)
        for d in dirs:
            if os.path.exists(os.path.join(d, "pg_ctl")):
                return d
    path = shutil.which("pg_ctl")
    if path:
        return os.path.dirname(path)
    raise PgError(
        "PostgreSQL server binaries (pg_ctl, initdb) not found: install Debian's "
        "package with 'apt-get install postgresql', or point PGHOST/PGPORT/PGUSER "
        "at a running server."
    )


def _run_as():
    """The OS user the server runs as: ourselves, or 'postgres' when root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise PgError(
            "Running as root but no 'postgres' system user exists to run the "
            "server: install Debian's 'postgresql' package or run as another user."
        ) from exc
    return "postgres"


def _cmd(args, user):
    if user:
        return ["runuser", "-u", user, "--"] + args
    return args


def _port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class PrivateServer:
    """A cluster in ``datadir`` reachable through its Unix socket."""

    def __init__(self, datadir=DEFAULT_DATADIR):
        self.datadir = datadir
        self.bindir = _bindir()
        self.user = _run_as()
        self.started_here = False

    @property
    def port_file(self):
        return os.path.join(self.datadir, "retail_crm.port")

    @property
    def port(self):
        with open(self.port_file, encoding="utf-8") as fh:
            return int(fh.read().strip())

    def options(self):
        """Connection settings for Odoo and psycopg2."""
        return {"host": self.datadir, "port": self.port, "user": DB_USER}

    def is_running(self):
        if not os.path.exists(os.path.join(self.datadir, "PG_VERSION")):
            return False
        res = subprocess.run(
            _cmd([os.path.join(self.bindir, "pg_ctl"), "status", "-D", self.datadir], self.user),
            capture_output=True,
            check=False,
        )
        return res.returncode == 0

    def _initdb(self):
        os.makedirs(self.datadir, exist_ok=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.datadir, entry.pw_uid, entry.pw_gid)
        os.chmod(self.datadir, 0o700)
        res = subprocess.run(
            _cmd(
                [
                    os.path.join(self.bindir, "initdb"),
                    "-D",
                    self.datadir,
                    "-U",
                    DB_USER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                self.user,
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if res.returncode:
            raise PgError(f"initdb failed in {self.datadir}: {res.stderr.strip().splitlines()[-1:]}")

    def start(self):
        if self.is_running():
            return self
        if not os.path.exists(os.path.join(self.datadir, "PG_VERSION")):
            self._initdb()
        port = FIRST_PORT
        while not _port_free(port):
            port += 1
            if port > FIRST_PORT + 50:
                raise PgError(f"No free TCP port between {FIRST_PORT} and {port} for PostgreSQL.")
        with open(self.port_file, "w", encoding="utf-8") as fh:
            fh.write(str(port))
        logfile = os.path.join(self.datadir, "server.log")
        # Settings for a throw-away test/benchmark server: durability is not needed.
        settings = (
            f"-p {port} -k {self.datadir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=100 -c shared_buffers=512MB -c max_wal_size=4GB"
        )
        res = subprocess.run(
            _cmd(
                [
                    os.path.join(self.bindir, "pg_ctl"),
                    "start",
                    "-w",
                    "-D",
                    self.datadir,
                    "-l",
                    logfile,
                    "-o",
                    settings,
                ],
                self.user,
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if res.returncode:
            tail = ""
            if os.path.exists(logfile):
                with open(logfile, encoding="utf-8", errors="replace") as fh:
                    tail = fh.read().strip().splitlines()[-1:]
            raise PgError(f"PostgreSQL did not start ({self.datadir}): {tail or res.stderr.strip()}")
        self.started_here = True
        return self

    def stop(self):
        if self.is_running():
            subprocess.run(
                _cmd(
                    [os.path.join(self.bindir, "pg_ctl"), "stop", "-m", "fast", "-D", self.datadir], self.user
                ),
                capture_output=True,
                check=False,
            )


def connection_from_env(args=None):
    """Return (options dict, server or None).

    Uses the server given by options or the usual PG* variables, otherwise
    starts (or reuses) the private one.
    """
    host = getattr(args, "db_host", None) or os.environ.get("PGHOST")
    port = getattr(args, "db_port", None) or os.environ.get("PGPORT")
    user = getattr(args, "db_user", None) or os.environ.get("PGUSER")
    password = getattr(args, "db_password", None) or os.environ.get("PGPASSWORD")
    if host or port:
        opts = {
            "host": host or None,
            "port": int(port) if port else None,
            "user": user or None,
            "password": password or None,
        }
        return opts, None
    server = PrivateServer()
    server.start()
    return server.options(), server


def wait_for(opts, timeout=30):
    import psycopg2  # noqa: PLC0415 - only needed once Odoo's dependencies are present

    deadline = time.time() + timeout
    while True:
        try:
            conn = psycopg2.connect(dbname="postgres", **{k: v for k, v in opts.items() if v})
            conn.close()
            return
        except psycopg2.OperationalError as exc:
            if time.time() > deadline:
                raise PgError(f"Cannot connect to PostgreSQL ({opts}): {exc}".strip()) from exc
            time.sleep(0.5)


def _connect(opts):
    import psycopg2  # noqa: PLC0415 - only needed once Odoo's dependencies are present

    return psycopg2.connect(dbname="postgres", **{k: v for k, v in opts.items() if v})


def database_exists(opts, name):
    conn = _connect(opts)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return bool(cr.fetchone())
    finally:
        conn.close()


def drop_database(opts, name):
    """Drop database ``name`` (if it exists) after closing its connections."""
    from psycopg2 import sql  # noqa: PLC0415

    conn = _connect(opts)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            cr.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def main(argv):
    action = argv[1] if len(argv) > 1 else "status"
    try:
        server = PrivateServer()
        if action == "start":
            server.start()
            opts = server.options()
            print(
                f"PostgreSQL running: --db_host={opts['host']} --db_port={opts['port']} --db_user={opts['user']}"
            )
        elif action == "stop":
            server.stop()
            print("PostgreSQL stopped.")
        else:
            print("running" if server.is_running() else "stopped")
    except PgError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
