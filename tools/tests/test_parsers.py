"""The tools' parsers: the shared connection options, the commands' arguments, Odoo's
test log (tools/test.py) and the transactions CSV (tools/rfm_backtest.py)."""

import argparse
import contextlib
import io
import os
import tempfile
import unittest
from datetime import date

from tools import bootstrap, datagen, odoo_check
from tools import test as suite_test


def parse(argv, database="required"):
    return bootstrap.add_connection_args(argparse.ArgumentParser(), database=database).parse_args(argv)


class TestConnectionOptions(unittest.TestCase):
    def test_both_spellings(self):
        dashed = parse(["-d", "x", "--db-host", "/tmp/pg", "--db-port", "5433", "--db-user", "u"])
        odoo_style = parse(["--database=x", "--db_host=/tmp/pg", "--db_port=5433", "--db_user=u"])
        self.assertEqual(vars(dashed), vars(odoo_style))
        self.assertEqual((dashed.database, dashed.db_host, dashed.db_port), ("x", "/tmp/pg", "5433"))
        self.assertEqual(parse(["--db", "y"]).database, "y")
        self.assertEqual(parse(["-d", "y"]).addons_path, odoo_check.REPO)
        self.assertEqual(parse(["-d", "y", "--addons_path=/a,/b"]).addons_path, "/a,/b")

    def test_database_required_defaulted_or_absent(self):
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
            parse([])
        self.assertEqual(parse([], database="demo").database, "demo")
        args = parse(["--db-host", "h"], database=None)
        self.assertFalse(hasattr(args, "database"))
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
            parse(["-d", "x"], database=None)

    def test_options_win_over_the_environment(self):
        args = parse(["-d", "x", "--db-host", "/tmp/given", "--db-port", "6000"])
        opts, server = bootstrap.connection(args)
        self.assertIsNone(server)
        self.assertEqual((opts["host"], opts["port"]), ("/tmp/given", 6000))
        self.assertEqual(bootstrap.odoo_db_args(opts)[:2], ["--db_host=/tmp/given", "--db_port=6000"])

    def test_odoo_command(self):
        opts = {"host": "/tmp/pg", "port": 5432, "user": "odoo", "password": None}
        cmd = bootstrap.odoo_command("db1", opts, "-i", "base", addons_path="/addons")
        self.assertEqual(cmd[1:4], ["-m", "odoo", "--addons-path=/addons"])
        self.assertEqual(
            cmd[4:],
            ["--db_host=/tmp/pg", "--db_port=5432", "--db_user=odoo", "-d", "db1", "-i", "base"],
        )
        env = bootstrap.libpq_env(opts)
        self.assertEqual((env["PGHOST"], env["PGPORT"], env["PGUSER"]), ("/tmp/pg", "5432", "odoo"))


class TestCommandArguments(unittest.TestCase):
    def test_datagen(self):
        args = datagen.parse_args(["-d", "db", "--customers", "300", "--seed", "7", "--verify"])
        self.assertEqual((args.database, args.customers, args.seed, args.verify), ("db", 300, 7, True))
        self.assertIsNone(args.orders)
        self.assertEqual((args.months, args.stores), (26, 4))

    def test_test_command(self):
        args = suite_test.parse_args(["--addons", "retail_crm_rfm", "--db", "t1", "--keep-db"])
        self.assertEqual((args.addons, args.database, args.keep_db), ("retail_crm_rfm", "t1", True))
        self.assertEqual(suite_test.parse_args([]).database, "retail_crm_test")
        self.assertEqual(
            suite_test.connection_options({"host": "/h", "port": 1, "user": None}),
            [
                "--db-host=/h",
                "--db-port=1",
            ],
        )


LOG = """\
2026-12-01 03:00:00,001 123 INFO t1 odoo.modules.loading: Loading module retail_crm_rfm (80/90)
2026-12-01 03:00:01,001 123 INFO t1 odoo.addons.retail_crm_rfm.tests.test_x: Starting TestX.test_a ...
2026-12-01 03:00:02,001 123 ERROR t1 odoo.addons.retail_crm_rfm.tests.test_x: FAIL: TestX.test_a
Traceback (most recent call last):
  File "x.py", line 3, in test_a
AssertionError: 1 != 2
2026-12-01 03:00:03,001 123 INFO t1 odoo.addons.retail_crm_rfm.tests.test_x: skipped TestX.test_b : no chromium
2026-12-01 03:00:04,001 123 INFO t1 odoo.addons.retail_crm_rfm.tests.test_y: test_y.py: skipped test_c : no chromium
2026-12-01 03:00:05,001 123 ERROR t1 odoo.tests.result: 1 failed, 0 error(s) of 12 tests when loading database 't1'
"""


class TestOdooLog(unittest.TestCase):
    def test_summary(self):
        found, run, failed, skipped, errors = suite_test.summarise(LOG.splitlines(True))
        self.assertEqual((found, run, failed, skipped), (True, 12, 1, 2))
        self.assertEqual(len(errors), 2)

    def test_failure_digest(self):
        digest = suite_test.failure_digest(LOG.splitlines(True))
        tail = [
            "Traceback (most recent call last):",
            '  File "x.py", line 3, in test_a',
            "AssertionError: 1 != 2",
        ]
        self.assertEqual(digest, [("FAIL: TestX.test_a", tail)])

    def test_count_results_without_report(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            found, run, passed, failed, _skipped = suite_test.count_results(
                LOG.splitlines(True)[:2], 0, "log"
            )
        self.assertEqual((found, run, passed, failed), (False, 0, 0, 1))
        self.assertIn("without a test report", out.getvalue())


class TestBacktestCsv(unittest.TestCase):
    def test_read_csv(self):
        from tools import rfm_backtest  # noqa: PLC0415 - imports scikit-learn

        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as handle:
            handle.write("customer,date,amount,order_id,refund_of\n")
            handle.write("王芳,2026-03-01,199.5,A1,\n")
            handle.write("王芳,2026-03-02T10:00:00, -49.5 ,A2,A1\n")
            handle.write("c2,2026-03-05,10,,\n")
        self.addCleanup(os.unlink, handle.name)
        rows = rfm_backtest.read_csv(handle.name)
        self.assertEqual(
            rows,
            [
                ("王芳", date(2026, 3, 1), 199.5, "A1", None),
                ("王芳", date(2026, 3, 2), -49.5, "A2", "A1"),
                ("c2", date(2026, 3, 5), 10.0, None, None),
            ],
        )


if __name__ == "__main__":
    unittest.main()
