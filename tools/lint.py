#!/usr/bin/env python3
"""Lint the suite with the OCA template's pre-commit hooks (see .pre-commit-config.yaml).

python3 tools/lint.py          # every tracked file; exits non-zero on any finding
python3 tools/lint.py --fix    # let the OCA checks rewrite what they can fix, then check

The hooks are local ones that pre-commit installs from PyPI and npm on first use
(cached in ~/.cache/pre-commit). pre-commit only sees files git knows about:
`git add` new files before linting them.
"""

import argparse
import glob
import importlib.util
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def suite_addons():
    return sorted(os.path.dirname(path) for path in glob.glob("*/__manifest__.py", root_dir=REPO))


def untracked_files():
    cmd = ["git", "ls-files", "--others", "--exclude-standard"]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    return result.stdout.split()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument(
        "--fix", action="store_true", help="let the OCA checks rewrite what they can fix first"
    )
    args = parser.parse_args(argv)
    if importlib.util.find_spec("pre_commit") is None:
        print("pre-commit is missing: pip install -r requirements-dev.txt", file=sys.stderr)
        return 2
    if args.fix:
        manifests = [os.path.join(name, "__manifest__.py") for name in suite_addons()]
        subprocess.run(["oca-checks-odoo-module", "--fix", "--no-exit", *manifests], cwd=REPO, check=False)
    untracked = untracked_files()
    if untracked:
        print(
            f"lint: {len(untracked)} untracked file(s) not checked (git add them): {' '.join(untracked[:5])}"
        )
    cmd = [
        sys.executable,
        "-m",
        "pre_commit",
        "run",
        "--all-files",
        "--show-diff-on-failure",
        "--color=never",
    ]
    code = subprocess.run(cmd, cwd=REPO, check=False).returncode
    print("lint: OK" if not code else "lint: the hooks above reported problems (or rewrote files)")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
