"""Pure helpers of retail_crm_privacy: personal-field discovery, masking,
identifier variants and keyed hashing. No ORM access except reading field
definitions, so they are tested directly."""

import base64
import functools
import hashlib
import hmac
import re

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # an Odoo requirement (mail)

from . import privacy_match

# A field holds personal data when its name says so; discovered by name and
# type so that fields added by other addons (e.g. ``retail_birthday``) are
# covered without this addon knowing them.
PERSONAL_CHAR_PATTERN = re.compile(
    r"(mobile|phone|email|street|city|zip|vat|address|birth|id_number|"
    r"identification|passport|wechat|national_id)",
    re.IGNORECASE,
)
PERSONAL_DATE_PATTERN = re.compile(r"birth", re.IGNORECASE)
# Technical fields whose name matches but which carry no personal value
NON_PERSONAL_FIELDS = {
    "phone_blacklisted",
    "mobile_blacklisted",
    "email_bounced",
    "message_bounce",
    "phone_mobile_search",
    "is_blacklisted",
}

# flags computed from a customer's addresses and the address-keyed blacklists:
# not personal values, but they tell whether a guessed address is the
# customer's (blacklist it on a customer of one's own, read the flag):
# masked (False) for customers the user may not see, like personal values
BLACKLIST_FLAG_FIELDS = frozenset(
    {"is_blacklisted", "phone_sanitized_blacklisted", "phone_blacklisted", "mobile_blacklisted"}
)

PHONE_FIELD_PATTERN = re.compile(r"(mobile|phone|sms_number)", re.IGNORECASE)
EMAIL_FIELD_PATTERN = re.compile(r"email", re.IGNORECASE)

# field categories selectable for data minimisation (D4)
OPTIONAL_CATEGORIES = {
    "birthday": re.compile(r"birth", re.IGNORECASE),
    "address": re.compile(r"^(street|street2|city|zip)$"),
    "vat": re.compile(r"^vat$"),
    "phone": re.compile(r"^phone$"),
    "email": re.compile(r"^email$"),
}


# flags computed from personal data (the birthday tells a child under 14)
DERIVED_PERSONAL_FIELDS = {"privacy_is_minor"}


def personal_field_names(model):
    """Names of the fields of ``model`` that hold personal data."""
    names = []
    for name, field in model._fields.items():
        if name in DERIVED_PERSONAL_FIELDS and field.type == "boolean":
            names.append(name)
            continue
        if name in NON_PERSONAL_FIELDS or name.startswith("privacy_"):
            continue
        if field.type in ("char", "text") and PERSONAL_CHAR_PATTERN.search(name):
            names.append(name)
        elif field.type in ("date", "datetime") and PERSONAL_DATE_PATTERN.search(name):
            names.append(name)
    return names


def _digits(value):
    return re.sub(r"\D", "", value or "")


def _national_digits(value):
    """National significant number of an international number (read by
    privacy_match.parse_phone, i.e. phone_validation), or None."""
    parsed = privacy_match.parse_phone(value, None)
    return str(parsed.national_number) if parsed is not None else None


def mask_phone(value):
    """'+86 138 0013 8000' -> '138****8000'"""
    digits = _digits(value)
    if str(value).strip().startswith("+"):
        digits = _national_digits(str(value)) or digits
    if len(digits) < 7:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(value):
    local, sep, domain = str(value).partition("@")
    if not sep:
        return mask_text(value)
    return f"{local[:1]}***@{domain}"


def mask_text(value):
    value = str(value)
    if len(value) <= 2:
        return "***"
    return f"{value[:1]}***"


def mask_value(field_name, field_type, value):
    """Masked representation of ``value`` (falsy values stay as they are)."""
    if not value:
        return value
    if field_type in ("date", "datetime", "boolean"):
        return False
    if PHONE_FIELD_PATTERN.search(field_name):
        return mask_phone(value)
    if EMAIL_FIELD_PATTERN.search(field_name):
        return mask_email(value)
    return mask_text(value)


def subject_hash(key, *identifiers):
    """Keyed hash (HMAC-SHA256) of the normalised identifiers of a person:
    proves an erasure for someone who presents the identifiers, without
    storing them."""
    message = "|".join(sorted(str(i).strip().lower() for i in identifiers if i))
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def _term_regex(term):
    """PostgreSQL ARE for one term; ASCII terms only match whole words
    (``\\m``/``\\M``) so that erasing "Anna" leaves "Annabelle" alone."""
    pattern = re.escape(term)
    if term.isascii():
        if term[:1].isalnum():
            pattern = r"\m" + pattern
        if term[-1:].isalnum():
            pattern += r"\M"
    return pattern


def erasure_regex(terms):
    """A case-insensitive PostgreSQL regular expression matching any term."""
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    return "(" + "|".join(_term_regex(t) for t in terms) + ")" if terms else None


# ----------------------------------------------------------------------
# Encryption at rest (optional): deterministic AES-GCM with a synthetic
# nonce (HMAC of the plaintext), so that equal values give equal
# ciphertexts and exact-match search keeps working.
# ----------------------------------------------------------------------

ENCRYPTED_PREFIX = "enc1:"


@functools.lru_cache(maxsize=4)
def _keys(secret):
    """(AES-GCM cipher, MAC key) of ``secret``, derived once per key."""
    digest = hashlib.sha512(secret.encode()).digest()
    return AESGCM(digest[:32]), digest[32:]


def encrypt_value(secret, value):
    """'+8613800138000' -> 'enc1:<base64>' (already encrypted values unchanged)."""
    if not value or not isinstance(value, str) or value.startswith(ENCRYPTED_PREFIX):
        return value
    aead, mac_key = _keys(secret)
    nonce = hmac.new(mac_key, value.encode(), hashlib.sha256).digest()[:12]
    cipher = aead.encrypt(nonce, value.encode(), None)
    return ENCRYPTED_PREFIX + base64.urlsafe_b64encode(nonce + cipher).decode()


def decrypt_value(secret, value):
    """Inverse of :func:`encrypt_value`; plain values are returned as they are."""
    if not value or not isinstance(value, str) or not value.startswith(ENCRYPTED_PREFIX):
        return value
    aead, _mac_key = _keys(secret)
    raw = base64.urlsafe_b64decode(value[len(ENCRYPTED_PREFIX) :].encode())
    return aead.decrypt(raw[:12], raw[12:], None).decode()
