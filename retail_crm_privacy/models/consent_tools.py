"""Pure helpers of the consent rules (no ORM)."""

import re

import phonenumbers

DEFAULT_REGION = "CN"


def version_key(version):
    """Sortable key of a policy version: '1.10' > '1.9' > '1', None lowest."""
    if not version:
        return ()
    return tuple(int(part) if part.isdigit() else 0 for part in re.split(r"[.\-]", str(version).strip()))


def phone_e164(number, region=None):
    """The E.164 form of ``number`` parsed with its own prefix, else the given
    region, else China; None when no region gives a valid number."""
    if not number:
        return None
    regions = [None] if str(number).strip().startswith("+") else []
    regions += [r for r in (region, DEFAULT_REGION) if r]
    for candidate in regions:
        try:
            parsed = phonenumbers.parse(str(number), candidate)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None
