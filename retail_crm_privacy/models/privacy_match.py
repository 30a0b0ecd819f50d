"""Pure helpers of the erasure: PostgreSQL regular expressions (ARE) that
match a person's identifiers in free text, whatever their spelling.

Boundaries are lookarounds on the characters that would extend the value
(digits for a number, letters/digits for a word) rather than ``\\m``/``\\M``:
word boundaries do not exist between Chinese characters, so
``手机13957246813无人接听`` has none around the number.
"""

import re
from datetime import date

import phonenumbers

from odoo import tools
from odoo.addons.phone_validation.tools import phone_validation
from odoo.exceptions import UserError

# numbers without a country prefix and no country of their own are Chinese
DEFAULT_REGION = "CN"
# separators people put inside numbers: spaces, dots, dashes, brackets, and
# their full-width forms typed with a Chinese input method (　－—–（）．)
SEP_CLASS = "[[:space:].()\u3000\uff0d\u2014\u2013\uff08\uff09\uff0e-]"
SEP = SEP_CLASS + "*"
FULL_WIDTH_DIGITS = "".join(chr(0xFF10 + d) for d in range(10))
# a digit, or a character that would extend the number (full-width digits too)
DIGIT = "[0-9\uff10-\uff19]"
PLUS = "[+\uff0b]"
# words announcing the last digits of a phone number ("手机尾号6813")
TAIL_WORDS = "(?:尾号|尾数|后四位|末四位|后4位|末4位|ending in|last 4 digits)"
ASCII_WORD = "[A-Za-z0-9]"
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "prof", "mx", "sir", "madam"}
# compound surnames: the given name starts after two characters
COMPOUND_SURNAMES = {
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "夏侯",
    "长孙",
}


def _escape(text):
    """Escape ``text`` for a PostgreSQL ARE (every non-alphanumeric character)."""
    return "".join(ch if ch.isalnum() or ord(ch) > 127 else "\\" + ch for ch in text)


def _digits(value):
    return re.sub(r"\D", "", value or "")


def _spaced_digits(digits):
    """The digits, each also in its full-width form, separators between."""
    return SEP.join(f"[{d}{chr(0xFF10 + int(d))}]" for d in digits)


def word_pattern(text):
    """ARE for a text term: ASCII ends get ASCII boundaries, CJK ends none."""
    text = (text or "").strip()
    if not text:
        return None
    pattern = _escape(text)
    if text[0].isascii() and text[0].isalnum():
        pattern = f"(?<!{ASCII_WORD})" + pattern
    if text[-1].isascii() and text[-1].isalnum():
        pattern += f"(?!{ASCII_WORD})"
    return pattern


def email_pattern(email):
    """ARE for an e-mail address, or for whatever was typed in the e-mail
    field when it is not one (``zhangsan at qq``)."""
    email = (email or "").strip()
    if not email:
        return None
    normalized = tools.email_normalize(email)
    if not normalized:
        return word_pattern(email)
    return f"(?<![A-Za-z0-9._%+-]){_escape(normalized)}(?![A-Za-z0-9_-])"


def parse_phone(value, region):
    """The number as phone_validation reads it (``phone_parse``, as the
    partners' ``_phone_format`` and the loyalty members' mobiles): with its
    own prefix (``+86``, ``0086``) when it has one, else in ``region`` (the
    partner's country), else in China; None when no region gives a valid
    number. The spellings below are built with the number's own region."""
    value = (value or "").strip()
    if len(_digits(value)) < 6:
        return None
    for candidate in dict.fromkeys(filter(None, ((region or "").upper(), DEFAULT_REGION))):
        try:
            return phone_validation.phone_parse(value, candidate)
        except UserError:
            continue
    return None


def phone_pattern(value, region):
    """ARE matching every spelling of a phone number: E.164, international,
    national with its trunk prefix, spaces/dashes/dots anywhere, ``+86-``,
    ``0086``, and the last 8 digits alone; never a longer number."""
    parsed = parse_phone(value, region)
    if parsed is None:
        digits = _digits(value)
        if len(digits) < 6:
            return None
        return f"(?<!{DIGIT}){_spaced_digits(digits)}(?!{DIGIT})"
    national = str(parsed.national_number)
    country = str(parsed.country_code)
    own_region = phonenumbers.region_code_for_number(parsed) or region
    meta = phonenumbers.PhoneMetadata.metadata_for_region(own_region)
    prefix = meta.national_prefix if meta else None
    alternatives = [
        f"(?:(?:{PLUS}|00){SEP}{_spaced_digits(country)}{SEP}|{_spaced_digits(country)}{SEP})?"
        + (f"(?:{prefix}{SEP})?" if prefix else "")
        + _spaced_digits(national)
    ]
    if len(national) > 8:
        alternatives.append(_spaced_digits(national[-8:]))
    return f"(?<!{DIGIT})(?:" + "|".join(alternatives) + f")(?!{DIGIT})"


def phone_tail_pattern(value, region):
    """ARE for the last four digits of the number where the text says they
    are ("手机尾号6813", "尾号：6813"). Only for the person's own records:
    four digits alone say nothing about whose number it is elsewhere."""
    parsed = parse_phone(value, region)
    digits = str(parsed.national_number) if parsed is not None else _digits(value)
    if len(digits) < 7:
        return None
    return f"(?<={TAIL_WORDS}[[:space:]:：为是]{{0,2}}){_spaced_digits(digits[-4:])}(?!{DIGIT})"


def phone_digit_forms(value, region):
    """The digits of the number as whole fields may hold it, whatever the
    spelling: with the country code (and 00), with the trunk prefix, alone."""
    digits = _digits(value)
    forms = {digits} if len(digits) >= 6 else set()
    parsed = parse_phone(value, region)
    if parsed is not None:
        national = str(parsed.national_number)
        country = str(parsed.country_code)
        meta = phonenumbers.PhoneMetadata.metadata_for_region(
            phonenumbers.region_code_for_number(parsed) or region
        )
        forms |= {national, country + national, "00" + country + national}
        if meta and meta.national_prefix:
            forms.add(meta.national_prefix + national)
    return forms


def phone_e164(value, region):
    """The E.164 form of the number (parse_phone), else None."""
    parsed = parse_phone(value, region)
    if parsed is None:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_spellings(value, region):
    """Common written forms of the number (for tests and the residue scan)."""
    parsed = parse_phone(value, region)
    if parsed is None:
        return set()
    fmt = phonenumbers.PhoneNumberFormat
    national = str(parsed.national_number)
    spelled = phonenumbers.format_number(parsed, fmt.NATIONAL)
    international = phonenumbers.format_number(parsed, fmt.INTERNATIONAL)
    return {
        phonenumbers.format_number(parsed, fmt.E164),
        international,
        international.replace(" ", "-"),
        spelled,
        spelled.replace(" ", "-"),
        national,
        national[-8:],
    }


def date_pattern(value):
    """ARE for a date in the formats people write a birthday in."""
    if not isinstance(value, date):
        return None
    y, m, d = str(value.year), value.month, value.day
    mm = f"0?{m}" if m < 10 else str(m)
    dd = f"0?{d}" if d < 10 else str(d)
    sep = "[-/. ]?"
    forms = [
        f"{y}{sep}{mm}{sep}{dd}",
        f"{y}年{mm}月{dd}日?",
        f"{dd}[-/.]{mm}[-/.]{y}",
        f"{mm}[-/.]{dd}[-/.]{y}",
    ]
    return "(?<![0-9])(?:" + "|".join(forms) + ")(?![0-9])"


def name_terms(name):
    """The name and the parts of it that identify the person on their own
    records: given names, surnames (Latin) or the given name (Chinese)."""
    name = (name or "").strip()
    if not name:
        return set()
    terms = {name}
    if CJK.search(name):
        compact = re.sub(r"\s+", "", name)
        terms.add(compact)
        if len(compact) >= 3:
            surname = 2 if compact[:2] in COMPOUND_SURNAMES else 1
            terms.add(compact[surname:])
    for part in re.split(r"[^\w]+", name):
        if len(part) >= 2 and part.lower() not in HONORIFICS and not CJK.search(part):
            terms.add(part)
    return {t for t in terms if len(t) >= 2}


def combine(patterns):
    """One ARE for several; longest first so that the whole number wins over
    its last digits."""
    patterns = sorted({p for p in patterns if p}, key=len, reverse=True)
    return "(?:" + "|".join(patterns) + ")" if patterns else None


# Needles: for each pattern above, a plain string that every text matching it
# contains, in one of two normalised forms of the text (privacy_finder's
# prefilter): "text", the lowercase text; "digits", the text without the
# separators of SEP and with full-width digits as ASCII. A cheap LIKE on the
# needle finds the few rows worth testing with the regular expression; it
# never decides alone. An empty needle matches every row (no prefilter).


def _ascii_digits(digits):
    """``digits`` with full-width digits as ASCII; None if another script's
    digits remain (the prefilter would not see them)."""
    result = digits.translate(str.maketrans(FULL_WIDTH_DIGITS, "0123456789"))
    return result if result.isascii() else None


def word_needle(text):
    text = (text or "").strip()
    return ("text", text.lower()) if text else None


def email_needle(email):
    email = (email or "").strip()
    if not email:
        return None
    normalized = tools.email_normalize(email)
    return ("text", normalized.lower()) if normalized else word_needle(email)


def phone_needle(value, region):
    """The digits every spelling of the number holds: the last 8 of the
    national number (the shortest alternative of phone_pattern)."""
    parsed = parse_phone(value, region)
    digits = _ascii_digits(str(parsed.national_number) if parsed is not None else _digits(value))
    return ("digits", digits[-8:]) if digits else ("text", "")


def phone_tail_needle(value, region):
    parsed = parse_phone(value, region)
    digits = _ascii_digits((str(parsed.national_number) if parsed is not None else _digits(value))[-4:])
    return ("digits", digits) if digits else ("text", "")


def date_needle(value):
    """The year, written in every format of date_pattern."""
    return ("text", str(value.year)) if isinstance(value, date) else None


def like_needles(needles):
    """{"text": [LIKE patterns], "digits": [...]} of (kind, needle) pairs."""
    result = {"text": set(), "digits": set()}
    for kind, needle in needles:
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        result[kind].add(f"%{escaped}%")
    return {kind: sorted(values) for kind, values in result.items()}
