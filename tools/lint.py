#!/usr/bin/env python3
"""Lint the suite offline: ruff (lint + format check) and pylint-odoo's mandatory checks.

python3 tools/lint.py          # exits non-zero on any finding
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import odoo_check


def run(title, cmd):
    print(f"-- {title}: {' '.join(cmd)}", flush=True)
    return subprocess.run(cmd, cwd=odoo_check.REPO, check=False).returncode


def main():
    addons = odoo_check.suite_addons()
    python_paths = [*addons, "tools"]
    failures = 0
    failures += bool(run("README.rst", [sys.executable, "tools/gen_readme.py", "--check"]))
    failures += bool(run("ruff check", [sys.executable, "-m", "ruff", "check", *python_paths]))
    failures += bool(run("ruff format", [sys.executable, "-m", "ruff", "format", "--check", *python_paths]))
    if addons:
        failures += bool(run("pylint-odoo", [sys.executable, "-m", "pylint", "--rcfile=.pylintrc", *addons]))
    print("lint: OK" if not failures else f"lint: {failures} tool(s) reported problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
