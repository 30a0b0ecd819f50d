"""QWeb output guard: personal values of hidden customers never leave a
render in clear, whatever directive printed them (``t-out``, ``t-esc``,
``t-att``, ``t-field``, widgets, a ``t-call``'d template, a value computed
from a field...).

One enforcement point: ``ir.qweb._render`` (ir_qweb.py) runs every QWeb
render - HTML and PDF reports, mail bodies, website pages, the contact
widget. When the real user of the request is restricted by the access rule
(res_partner_access.py), the outermost render hands its output here:

* the values of customers' personal fields (and of their copies on other
  models, privacy_copies.py) present in the transaction's record cache are
  the values the render may have printed - every field read goes through
  that cache, so a value printed is in it (a superset: fail-safe);
* the customers of those values are split by the access rule: the values of
  hidden customers are replaced in the output by their masked form (each
  line of a multi-line value too, phone numbers in any spelling of their
  digits, dates in ISO and the user's format); a value that a visible
  record carries as well reveals nothing new and is left alone;
* what was printed is logged (route "report"), masked or clear.

The ORM cache is never changed: server code keeps the real values.
"""

import re
from collections import defaultdict

from markupsafe import escape

from odoo.tools.misc import format_date

from . import privacy_email_copies, privacy_tools

# ASCII values shorter than this are not searched for in the output (they
# would match unrelated digits and words); non-ASCII (Chinese) values are
MIN_ASCII_LEN = 3
# inside tags (attribute values) only values at least this long
MIN_TAG_LEN = 6
PHONE_MIN_DIGITS = 7
PHONE_SEP = r"[\s\-().]*"
TAG_SPLIT = re.compile(r"(<[^>]*>)")
CN_PREFIX = re.compile(r"^\s*(\+|00)\s*86")
# e-mail copies (privacy_email_copies.py): linked to customers by address
EMAIL_LINK = "@email_normalized"


def find_candidate_fields(env):
    """[(model name, field name, link to the customer or None)] of the
    fields whose values may carry a customer's personal data (cached by
    ``res.partner._privacy_render_candidates``)."""
    found = [("res.partner", fname, None) for fname in env["res.partner"]._privacy_personal_fields()]
    for model_name in sorted(env.registry):
        model = env[model_name]
        if model._abstract or model._name == "res.partner":
            continue
        found.extend(
            (model_name, fname, link) for fname, link in model._privacy_related_personal_fields().items()
        )
        found.extend((model_name, fname, EMAIL_LINK) for fname in model._privacy_email_copy_fields())
    return found


def cached_values(env):
    """{customer id: [(field name, field type, value)]} of the personal values
    held in the record cache."""
    by_partner = defaultdict(list)
    for model_name, fname, link in env["res.partner"]._privacy_render_candidates():
        model = env[model_name]
        field = model._fields[fname]
        if field.type not in ("char", "text", "date", "datetime"):
            continue
        records = env.cache.get_records(model, field)
        if not records:
            continue
        values = {
            rid: env.cache.get(model.browse([rid]), field, None) for rid in records._ids
        }  # [rid]: a new record's id is falsy
        values = {rid: value for rid, value in values.items() if value}
        if not values:
            continue
        if link is None:
            partner_of = {rid: rid for rid in values}
        elif link == EMAIL_LINK:
            # a hidden customer's address: nobody's to show (0); others are no
            # customer's data, or a visible one's
            hidden = privacy_email_copies.hidden_ids(model.browse(list(values)))
            values = {rid: value for rid, value in values.items() if rid in hidden}
            partner_of = dict.fromkeys(values, 0)
        else:
            # sudo: whose data it is, not whether the reader may open the record
            holders = model.sudo().browse(list(values))
            partner_of = {rec.id: rec[link].id for rec in holders}
        for rid, value in values.items():
            by_partner[partner_of.get(rid) or 0].append((fname, field.type, value))
    return by_partner


def _text_forms(env, fname, ftype, value):
    """[(regex source, replacement)] for one personal value as it may be printed."""
    forms = []
    if ftype in ("date", "datetime"):
        texts = {str(value), str(value)[:10], format_date(env, value)}
        return [(re.escape(t), "***") for t in texts if t]
    value = str(value)
    if privacy_tools.PHONE_FIELD_PATTERN.search(fname):
        digits = re.sub(r"\D", "", CN_PREFIX.sub("", value))
        if len(digits) >= PHONE_MIN_DIGITS:
            forms.append((PHONE_SEP.join(digits), privacy_tools.mask_phone(value)))
    masked = privacy_tools.mask_value(fname, ftype, value)
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    candidates = [(value, masked)] + [(line, privacy_tools.mask_text(line)) for line in lines[1:] or ()]
    if len(lines) > 1:
        candidates.append((lines[0], privacy_tools.mask_text(lines[0])))
    for text, replacement in candidates:
        for shown in {text, str(escape(text))}:
            forms.append((re.escape(shown), replacement))
    return forms


def _searchable(text):
    return len(text) >= MIN_ASCII_LEN or not text.isascii()


def guard(env, html):
    """``html`` with the personal values of customers hidden to the real
    user masked, and the access logged. ``html`` is a str."""
    by_partner = cached_values(env)
    if not by_partner or not html:
        return html
    Partner = env["res.partner"]
    visible = Partner.browse([pid for pid in by_partner if pid])._privacy_visible_ids()
    # values a visible record carries too are no secret of the hidden one
    known = {str(value) for pid, rows in by_partner.items() if pid in visible for _f, _t, value in rows}
    secrets = {}  # regex source -> (replacement, partner id, field name)
    for pid, rows in by_partner.items():
        if pid in visible:
            continue
        for fname, ftype, value in rows:
            if str(value) in known:
                continue
            for source, replacement in _text_forms(env, fname, ftype, value):
                if _searchable(source.replace("\\", "")):
                    secrets.setdefault(source, (replacement, pid, fname))
    masked_reads = defaultdict(set)
    if secrets:
        html = _replace(html, secrets, masked_reads)
    _log(env, by_partner, visible, masked_reads, html)
    return html


def _replace(html, secrets, masked_reads):
    """Replace the secrets in ``html``: everywhere in text, and in tags
    (attribute values: ``mailto:``, ``tel:``) only the longer ones, so that a
    short value never breaks the markup."""
    # longest first: a full value is replaced before one of its lines
    sources = sorted(secrets, key=len, reverse=True)
    lookup = [(re.compile(s, re.IGNORECASE), secrets[s]) for s in sources]

    def replace(match):
        text = match.group(0)
        for regex, (replacement, pid, fname) in lookup:
            if regex.fullmatch(text):
                masked_reads[pid].add(fname)
                return replacement
        return text

    in_text = re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE)
    long_sources = [s for s in sources if len(s.replace("\\", "")) >= MIN_TAG_LEN]
    in_tags = long_sources and re.compile("|".join(f"(?:{s})" for s in long_sources), re.IGNORECASE)
    parts = []
    for part in TAG_SPLIT.split(html):
        if part.startswith("<"):
            parts.append(in_tags.sub(replace, part) if in_tags else part)
        else:
            parts.append(in_text.sub(replace, part))
    return "".join(parts)


def _log(env, by_partner, visible, masked_reads, html):
    """Log the customers whose personal values the output shows (clear) or
    showed before masking (masked)."""
    Partner = env["res.partner"]
    by_fields = defaultdict(list)
    for pid, fnames in masked_reads.items():
        if pid:
            by_fields[frozenset(fnames)].append(pid)
    for fnames, pids in by_fields.items():
        Partner._privacy_log_report(pids, set(fnames), True)
    clear = defaultdict(list)
    # clear values logged for customers, not for staff and company contacts
    customers = Partner.browse([pid for pid in visible if pid in by_partner]).sudo().filtered("partner_share")
    # a value several records carry (a shared city) tells nobody's read apart
    holders = defaultdict(set)
    for pid, rows in by_partner.items():
        for _fname, _ftype, value in rows:
            holders[str(value)].add(pid)
    for pid in customers.ids:
        fnames = {
            fname
            for fname, _ftype, value in by_partner.get(pid, ())
            if isinstance(value, str) and len(holders[value]) == 1 and _searchable(value) and value in html
        }
        if fnames:
            clear[frozenset(fnames)].append(pid)
    for fnames, pids in clear.items():
        Partner._privacy_log_report(pids, set(fnames), False)
