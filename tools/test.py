#!/usr/bin/env python3
"""Run the suite's tests on a fresh database with Odoo's own test runner.

    python3 tools/test.py                       # every addon of the suite, all tests
    python3 tools/test.py --addons retail_crm_rfm
    python3 tools/test.py --test-tags /retail_crm_loyalty:TestTier --keep-db

Starts a private PostgreSQL when none is configured (see tools/pg.py), creates
one database, installs the addons, runs their tests (browser tours included),
checks the synthetic data generator on the same database, runs the unit tests
of tools/ (tools/tests: generator, parsers, README command lines), and prints a final
line ``N passed, N failed[, N skipped]``.  Exits non-zero on any failed test,
test error, or ERROR/CRITICAL line logged by Odoo (install warnings included).
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tools import bootstrap, odoo_check, pg

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>\S+): (?P<msg>.*)"
)
REPORT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
SKIPPED = re.compile(r": skipped \S+ : ")
FAILED_TEST = re.compile(r"^(FAIL|ERROR): \S+")
PROGRESS = re.compile(
    r"Loading module (retail_crm_\w+)|Starting (\S+) \.\.\.|odoo\.tests\.stats|post-tests in"
)


def parse_args(argv):
    parser = bootstrap.connection_parser(__doc__.split("\n\n", 1)[0], database="retail_crm_test")
    parser.add_argument(
        "--addons", help="comma-separated suite addons to install and test (default: all present)"
    )
    parser.add_argument("--test-tags", help="Odoo test tags (default: /<addon> for each addon)")
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards for inspection")
    parser.add_argument("--no-datagen", action="store_true", help="skip the synthetic data generator check")
    parser.add_argument("--log", help="write Odoo's full log here (default: a temporary file)")
    parser.add_argument("--verbose", action="store_true", help="echo Odoo's whole log")
    return parser.parse_args(argv)


def check_db_name(name):
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", name):
        raise odoo_check.UserError(f"Invalid database name {name!r}.")


def failure_digest(lines, limit=10):
    """Each failing test with the last lines of its traceback, for the end of the output."""
    digest, current = [], None
    for line in lines:
        log = LOG_LINE.match(line)
        if log:
            current = None
            head = FAILED_TEST.search(log["msg"])
            if head and log["level"] in ("ERROR", "CRITICAL"):
                current = [head[0].strip()]
                digest.append(current)
        elif current is not None and line.strip():
            current.append(line.rstrip())
    return [(entry[0], entry[-3:] if len(entry) > 1 else []) for entry in digest[:limit]]


def run_odoo(cmd, logfile, verbose, env=None):
    """Run Odoo, write its log to logfile, echo progress; return the log lines."""
    lines = []
    with open(logfile, "w", encoding="utf-8") as log:
        # Odoo runs in a process group of its own: a browser it started for a
        # tour can outlive it and keep the log pipe open, which would make the
        # loop below wait forever; when Odoo exits, what is left of the group
        # is killed (and on Ctrl-C, the whole group).
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            cwd=tempfile.gettempdir(),
            start_new_session=True,
        )
        threading.Thread(target=_reap_group, args=(proc,), daemon=True).start()
        try:
            lines += _follow(proc, log, verbose)
        except KeyboardInterrupt:
            _kill_group(proc.pid, signal.SIGTERM)
            raise
        proc.wait()
    return lines, proc.returncode


def _kill_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _reap_group(proc):
    """Wait for Odoo, then kill the processes it left behind in its group."""
    proc.wait()
    _kill_group(proc.pid, signal.SIGKILL)


def _follow(proc, log, verbose):
    """Copy Odoo's output to the log, echo progress and errors; the lines."""
    lines = []
    for line in proc.stdout:
        log.write(line)
        lines.append(line)
        match = LOG_LINE.match(line)
        if verbose:
            sys.stdout.write(line)
        elif match and match["level"] in ("ERROR", "CRITICAL"):
            sys.stdout.write(line)
        elif match and PROGRESS.search(line):
            sys.stdout.write(f"  {match['msg'][:150]}\n")
        sys.stdout.flush()
    return lines


def summarise(lines):
    """(tests run, failures+errors, skipped, logged error lines)."""
    run = failed = skipped = 0
    found = False
    errors = []
    for line in lines:
        match = REPORT.search(line)
        if match:
            found = True
            failed = int(match[1]) + int(match[2])
            run = int(match[3])
        if SKIPPED.search(line):
            skipped += 1
        log = LOG_LINE.match(line)
        if log and log["level"] in ("ERROR", "CRITICAL"):
            errors.append(line.rstrip())
    return found, run, failed, skipped, errors


def connection_options(opts):
    """The connection options of the tools' commands for ``opts``."""
    return [f"--db-{key}={opts[key]}" for key in bootstrap.CONNECTION_KEYS if opts.get(key)]


def tool_check(title, cmd, env=None):
    """Run one of the tools' own checks; print its last lines; True when it passed."""
    print(title)
    res = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=odoo_check.REPO, env=env)
    output = (res.stdout + res.stderr).strip().splitlines()
    for line in output[-8:]:
        print(f"  {line}")
    return res.returncode == 0


def datagen_check(opts, db):
    """Generate a small chain into the test database and verify Odoo opens it."""
    cmd = [sys.executable, "tools/datagen.py", "-d", db, "--customers", "300", "--seed", "7", "--verify"]
    title = "Synthetic data generator: 300 customers into the test database, then --verify"
    return tool_check(title, cmd + connection_options(opts))


def demo_check(opts, db):
    """Run the demo's data builders (users, loyalty set-up, RFM history, complaints) on the
    test database after the generator check, then roll back."""
    cmd = [sys.executable, "tools/demo.py", "--check", "--db", db, *connection_options(opts)]
    return tool_check("Demo data builders on the test database (rolled back)", cmd)


def i18n_check(opts, db, addons):
    """Each addon's .pot and zh_CN.po against what Odoo exports from the test
    database: references, untranslated msgids, selection labels still in English."""
    cmd = [sys.executable, "tools/i18n.py", "check", "-d", db, *connection_options(opts), "--addons", *addons]
    return tool_check("Translation files against the sources (tools/i18n.py check)", cmd)


def tools_unit_tests():
    """The tools' own unit tests (generator's pure parts, parsers, README command lines)."""
    cmd = [sys.executable, "-m", "unittest", "discover", "-s", "tools/tests", "-t", "."]
    return tool_check("Unit tests of tools/ (python3 -m unittest discover -s tools/tests -t .)", cmd)


def count_results(lines, returncode, logfile):
    """(report found, tests run, passed, failed, skipped) from Odoo's log."""
    found, run, failed, skipped, errors = summarise(lines)
    # Tests that ran and did not fail or skip passed; problems outside the tests
    # (no report, logged ERROR lines, a non-zero exit) count as failures on top.
    passed = run - failed - skipped
    if not found:
        print(f"Odoo ended (exit {returncode}) without a test report: see {logfile}")
        failed += 1
    elif failed == 0 and errors:
        print(f"{len(errors)} ERROR line(s) logged outside failing tests (install or runtime errors):")
        for line in errors[:20]:
            print(f"  {line[:300]}")
        failed = len(errors)
    if returncode and failed == 0:
        failed = 1
        print(f"Odoo exited with status {returncode}; see {logfile}")
    return found, run, passed, failed, skipped


def print_failures(lines):
    """The failing tests with the end of their tracebacks: CI keeps only the output's tail."""
    digest = failure_digest(lines)
    if digest:
        print("Failing tests (last lines of each traceback):")
        for head, tail in digest:
            print(f"  {head}")
            for line in tail:
                print(f"      {line[:300]}")


def prepare(args):
    """(addons, test tags, connection options, server, http port), or exit with a clear error."""
    try:
        odoo_check.require_odoo()
        check_db_name(args.database)
        available = odoo_check.suite_addons()
        addons = args.addons.split(",") if args.addons else available
        unknown = sorted(set(addons) - set(available))
        if unknown:
            raise odoo_check.UserError(
                f"Unknown addon(s) {', '.join(unknown)}; present: {', '.join(available)}"
            )
        if not addons:
            raise odoo_check.UserError("No retail_crm_* addon found in the repository.")
        tags = args.test_tags or ",".join(f"/{name}" for name in addons)
        opts, server = bootstrap.connection(args)
        pg.wait_for(opts)
        http_port = odoo_check.free_port(int(os.environ.get("RETAIL_CRM_TEST_HTTP_PORT", "8069")))
    except (odoo_check.UserError, pg.PgError) as exc:
        odoo_check.fail(str(exc))
    return addons, tags, opts, server, http_port


def main(argv):
    args = parse_args(argv)
    start = time.time()
    addons, tags, opts, server, http_port = prepare(args)

    if not shutil.which("chromium") and not shutil.which("google-chrome"):
        print("warning: no Chromium found: browser tours will be skipped (apt-get install chromium)")

    pg.drop_database(opts, args.database)
    data_dir = tempfile.mkdtemp(prefix="retail_crm_test_data_")
    logfile = args.log or os.path.join(data_dir, "odoo-test.log")
    cmd = bootstrap.odoo_command(
        args.database,
        opts,
        "-i",
        ",".join(addons),
        "--test-enable",
        f"--test-tags={tags}",
        "--stop-after-init",
        f"--http-port={http_port}",
        f"--data-dir={data_dir}",
        "--max-cron-threads=0",
        "--log-level=info",
        addons_path=args.addons_path,
    )
    print(
        f"Installing and testing {', '.join(addons)} on database {args.database!r} (tags {tags}); log: {logfile}"
    )
    lines, returncode = run_odoo(cmd, logfile, args.verbose, env=bootstrap.libpq_env(opts))
    found, run, passed, failed, skipped = count_results(lines, returncode, logfile)

    checks = []
    whole_suite = set(addons) >= set(odoo_check.suite_addons())
    if not args.test_tags and found:
        if whole_suite:
            checks.append(i18n_check(opts, args.database, addons))
        else:  # an addon's terms depend on what else is installed (fields added by mixins)
            print("Translation files: skipped (the .pot files are exported with the whole suite installed)")
    if not args.no_datagen and not args.test_tags and found:
        checks.append(datagen_check(opts, args.database))
        if whole_suite:
            checks.append(demo_check(opts, args.database))
        else:  # the demo builds loyalty, RFM, complaints and privacy data together
            print("Demo data builders: skipped (they need every addon of the suite installed)")
    if not args.test_tags:
        checks.append(tools_unit_tests())
    passed += sum(checks)
    failed += len(checks) - sum(checks)

    if args.keep_db:
        print(f"Database kept: {args.database} (connect with {' '.join(bootstrap.odoo_db_args(opts))})")
    else:
        pg.drop_database(opts, args.database)
        if not args.log:
            shutil.rmtree(data_dir, ignore_errors=True)
    if server and server.started_here:
        server.stop()
    print(f"Finished in {time.time() - start:.0f} s.")
    if run == 0:
        print("No test was executed.")
        failed = max(failed, 1)
    print_failures(lines)
    summary = f"{max(passed, 0)} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
