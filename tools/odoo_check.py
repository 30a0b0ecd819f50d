"""Shared helpers for the suite's commands: find Odoo 18 and the addons."""

import os
import socket
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ODOO_HELP = (
    "Odoo 18.0 Community is a prerequisite: install it into this python3 "
    "(Odoo's nightly builds at nightly.odoo.com/18.0/nightly/, or its source "
    "repository github.com/odoo/odoo, branch 18.0, with 'pip install .')."
)


class UserError(RuntimeError):
    """A problem the user can fix; printed as one line, no traceback."""


def require_odoo():
    """Import Odoo and check it is 18.0, or raise UserError with a clear message."""
    try:
        import odoo.release  # noqa: PLC0415
    except ImportError as exc:
        raise UserError(f"'import odoo' failed ({exc}). {ODOO_HELP}") from exc
    if tuple(odoo.release.version_info[:2]) != (18, 0):
        raise UserError(
            f"Found Odoo {odoo.release.version} at {os.path.dirname(odoo.release.__file__)}, "
            f"but this suite needs 18.0. {ODOO_HELP}"
        )
    return odoo


def suite_addons():
    """The suite's addons present in the repository, in dependency-friendly order."""
    names = []
    for name in sorted(os.listdir(REPO)):
        if name.startswith("retail_crm_") and os.path.isfile(os.path.join(REPO, name, "__manifest__.py")):
            names.append(name)
    return names


def port_free(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(start):
    port = start
    while not port_free(port):
        port += 1
        if port > start + 200:
            raise UserError(f"No free TCP port found from {start} to {port}.")
    return port


def fail(message, code=2):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)
