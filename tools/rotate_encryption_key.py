#!/usr/bin/env python3
"""Re-encrypt a database's encrypted customer fields with a new key.

Put the new key in ``retail_crm_privacy_encryption_key`` and the previous one
in ``retail_crm_privacy_encryption_key_old`` of the Odoo configuration file,
then run:

    python3 tools/rotate_encryption_key.py -d DB -c /etc/odoo/odoo.conf

Every encrypted value is read under the old key and written back under the
new one, in one transaction (nothing changes if it fails). Remove the old key
from the configuration afterwards.
"""

import argparse
import os
import sys

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import odoo
from tools import bootstrap


def main():
    parser = bootstrap.add_connection_args(argparse.ArgumentParser(description=__doc__))
    parser.add_argument("-c", "--config", help="Odoo configuration file holding both keys")
    args = parser.parse_args()
    if args.config:
        odoo.tools.config.parse_config(["-c", args.config])
    registry = bootstrap.open_registry(args, keep_config=bool(args.config))
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if "retail.crm.consent" not in env:
            sys.exit("retail_crm_privacy is not installed in this database.")
        count = env["res.partner"]._privacy_rotate_encryption_key()
        cr.commit()
    print(
        f"{count} encrypted values re-encrypted with the current key; remove the old key from the configuration."
    )


if __name__ == "__main__":
    main()
