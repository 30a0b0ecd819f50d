"""Pure helpers of the consent rules (no ORM)."""

import re


def version_key(version):
    """Sortable key of a policy version: '1.10' > '1.9' > '1', None lowest."""
    if not version:
        return ()
    return tuple(int(part) if part.isdigit() else 0 for part in re.split(r"[.\-]", str(version).strip()))
