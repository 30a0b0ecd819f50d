"""Every tools command line README.md documents parses as written.

Each ``python3 tools/<command>.py ...`` line of the README (code blocks and inline
code) runs as ``__main__`` in this process, with ``sys.argv`` set to the
documented arguments, up to the point where the command has parsed them: its
parser then stops the run, so nothing touches a database.  Optional parts
(``[--solo 50]``, ``[--members ... | --existing]``) are tried with and without
each alternative, and every command naming a database also with the connection
options the README gives for the private server.
"""

import argparse
import contextlib
import glob
import io
import os
import re
import runpy
import shlex
import sys
import unittest
from unittest import mock

from tools import odoo_check

README = os.path.join(odoo_check.REPO, "README.md")
COMMAND = re.compile(r"python3 (tools/[\w]+\.py)([^`#\n]*)")
OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
PRIVATE_SERVER = ["--db-host", "/tmp/retail_crm_pg_0", "--db-port", "54320", "--db-user", "odoo"]


class Parsed(Exception):
    """Raised by the patched parser once the command's arguments are parsed."""

    def __init__(self, namespace, extras):
        super().__init__(namespace)
        self.namespace, self.extras = namespace, extras


def readme_commands():
    """(script, argument string) of every documented command line, in README order."""
    with open(README, encoding="utf-8") as handle:
        text = handle.read()
    return [(m[1], m[2].strip()) for m in COMMAND.finditer(text)]


def variants(arguments):
    """The argument lists of one documented line: without its optional parts, then with each."""
    groups = OPTIONAL.findall(arguments)
    base = shlex.split(OPTIONAL.sub(" ", arguments))
    out = [base]
    for group in groups:
        for alternative in group.split("|"):
            out.append(base + shlex.split(alternative))
    if {"-d", "--db", "--database"} & set(base):
        out.append(base + PRIVATE_SERVER)
    return out


def takes_arguments(script):
    """Whether the command parses arguments at all."""
    with open(os.path.join(odoo_check.REPO, script), encoding="utf-8") as handle:
        return bool(re.search(r"\bparse_(known_)?args\(|\bconnection_parser\(", handle.read()))


def takes_connection(script):
    """Whether the command connects to a database (tools/lint.py does not)."""
    with open(os.path.join(odoo_check.REPO, script), encoding="utf-8") as handle:
        return bool(re.search(r"\badd_connection_args\(|\bconnection_parser\(", handle.read()))


def parse_as_main(script, argv):
    """Run ``script`` as ``python3 script *argv`` until it has parsed its arguments:
    (namespace, unrecognised arguments, error output)."""
    if not takes_arguments(script):
        return (argparse.Namespace(), list(argv), "") if argv else (argparse.Namespace(), [], "")
    original = argparse.ArgumentParser.parse_known_args

    def stop_after_parsing(parser, args=None, namespace=None):
        namespace, extras = original(parser, args, namespace)
        raise Parsed(namespace, extras)

    stderr = io.StringIO()
    with (
        mock.patch.object(argparse.ArgumentParser, "parse_known_args", stop_after_parsing),
        mock.patch.object(sys, "argv", [script, *argv]),
        contextlib.redirect_stderr(stderr),
    ):
        try:
            runpy.run_path(os.path.join(odoo_check.REPO, script), run_name="__main__")
        except Parsed as parsed:
            return parsed.namespace, parsed.extras, stderr.getvalue()
        except SystemExit as exc:
            return None, [], stderr.getvalue() or f"exit {exc.code}"
    return None, [], "the command ended without parsing its arguments"


class TestReadmeCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        try:
            odoo_check.require_odoo()
        except odoo_check.UserError as exc:
            raise unittest.SkipTest(str(exc)) from exc
        cls.commands = readme_commands()

    def test_readme_documents_the_commands(self):
        scripts = {script for script, _args in self.commands}
        for script in scripts:
            self.assertTrue(os.path.isfile(os.path.join(odoo_check.REPO, script)), script)
        self.assertTrue({"tools/test.py", "tools/demo.py", "tools/datagen.py"} <= scripts, scripts)
        with open(README, encoding="utf-8") as handle:
            text = handle.read()
        for path in glob.glob(os.path.join(odoo_check.REPO, "tools", "bench_*.py")):
            name = os.path.basename(path)
            if name != "bench_odoo.py":  # shared helpers, not a command
                self.assertIn(f"tools/{name}", text, f"{name} is not documented in README.md")

    def test_every_command_line_parses(self):
        checked = 0
        for script, arguments in self.commands:
            for argv in variants(arguments):
                line = " ".join(["python3", script, *argv])
                with self.subTest(line=line):
                    namespace, extras, error = parse_as_main(script, argv)
                    self.assertIsNotNone(namespace, f"{line}: {error.strip()}")
                    self.assertEqual(extras, [], f"{line}: unrecognised {extras}")
                    checked += 1
        self.assertGreater(checked, 20)

    def test_connection_options_reach_the_commands(self):
        """``--db-host`` and Odoo's ``--db_host=`` give the same value on every command."""
        for script in sorted({s for s, _a in self.commands if takes_connection(s)}):
            for spelling in (PRIVATE_SERVER[:2], ["--db_host=/tmp/retail_crm_pg_0"]):
                argv = (["--db", "DB"] if script == "tools/rfm_backtest.py" else ["-d", "DB"]) + spelling
                if script == "tools/i18n.py":
                    argv = ["check", *argv]
                with self.subTest(script=script, spelling=spelling):
                    namespace, _extras, error = parse_as_main(script, argv)
                    self.assertIsNotNone(namespace, f"{script} {argv}: {error.strip()}")
                    self.assertEqual(namespace.db_host, "/tmp/retail_crm_pg_0")

    def test_a_wrong_option_is_caught(self):
        """The check itself fails on an option a command does not have."""
        _namespace, extras, _error = parse_as_main("tools/bench_complaints.py", ["-d", "DB", "--cuont", "5"])
        self.assertEqual(extras, ["--cuont", "5"])
        namespace, _extras, error = parse_as_main("tools/bench_rfm.py", ["-d", "DB", "--customers", "many"])
        self.assertIsNone(namespace)
        self.assertIn("--customers", error)


if __name__ == "__main__":
    unittest.main()
