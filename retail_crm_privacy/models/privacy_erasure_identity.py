import re

from odoo import tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from . import privacy_match, privacy_tools
from .privacy_service import PrivacyService

# partner fields whose values identify the person wherever they are copied
ID_FIELD_PATTERN = re.compile(r"(vat|id_number|identification|passport|national_id|wechat|barcode)")
# tracked fields whose old values are addresses the person had before
HISTORY_FIELD_PATTERN = re.compile(r"(email|phone|mobile|street|address|vat|id_number|passport|wechat)")


class PrivacyIdentity(PrivacyService):
    """Who the person is: their contacts and everything that identifies them,
    for the erasure planner and the export."""

    def _subjects(self, partner):
        """The person and their contacts/addresses (not a parent company)."""
        return (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "child_of", partner.ids)])
        )

    def _subjects_owned(self, partners):
        """{partner id: the person and their contacts} for many people, in
        one search: each contact goes to the nearest of ``partners`` above it."""
        subjects = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "child_of", partners.ids)])
        )
        parent = {subject.id: subject.parent_id.id for subject in subjects}
        owned = {pid: [] for pid in partners.ids}
        for subject in subjects:
            root = subject.id
            while root not in owned:
                root = parent[root]
            owned[root].append(subject.id)
        # one prefetch set: a field read on one person is read for the whole batch
        return {pid: subjects.browse(ids).with_prefetch(subjects._prefetch_ids) for pid, ids in owned.items()}

    def _check_erasable(self, partner, subjects):
        """Refuse, with the reason, what cannot be erased as a customer."""
        refusals = self._refusals(partner, {partner.id: subjects})
        if refusals:
            raise UserError(refusals[partner.id])

    def _refusals(self, partners, subjects_by_pid):
        """{partner id: why it cannot be erased as a customer} (one query)."""
        all_subjects = self.env["res.partner"].browse(
            [sid for subjects in subjects_by_pid.values() for sid in subjects.ids]
        )
        self.env.cr.execute(
            SQL("SELECT partner_id FROM res_company WHERE partner_id = ANY(%s)", all_subjects.ids)
        )
        companies = {row[0] for row in self.env.cr.fetchall()}
        refusals = {}
        for partner in partners:
            subjects = subjects_by_pid[partner.id]
            internal = subjects.with_context(active_test=False).user_ids.filtered(lambda u: not u.share)
            if partner.privacy_erased_date:
                refusals[partner.id] = self.env._(
                    "%(name)s is already anonymised.", name=partner.display_name
                )
            elif internal:
                refusals[partner.id] = self.env._(
                    "%(name)s is the contact of the internal user %(users)s: users are not "
                    "erased as customers. Archive the user and unlink the contact first.",
                    name=partner.display_name,
                    users=", ".join(internal.mapped("login")),
                )
            elif companies & set(subjects.ids):
                refusals[partner.id] = self.env._(
                    "%(name)s is the contact of a company of this database.", name=partner.display_name
                )
        return refusals

    def _region(self, partner):
        return (partner.country_id.code or self.env.company.country_id.code or "CN").upper()

    def _history_values(self, subjects):
        """Old and new values of the personal fields tracked on the person's
        chatter: the e-mails, phones and streets they had before."""
        return self._history_values_owned({0: subjects}).get(0, [])

    def _history_values_owned(self, subjects_by_key):
        """{key: [(field, value)]} of each person, in one query for all."""
        owner = {sid: key for key, subjects in subjects_by_key.items() for sid in subjects.ids}
        self.env.cr.execute(
            SQL(
                """
            SELECT m.res_id, f.name, v.old_value_char, v.new_value_char
              FROM mail_tracking_value v
              JOIN mail_message m ON m.id = v.mail_message_id
              JOIN ir_model_fields f ON f.id = v.field_id
             WHERE m.model = 'res.partner' AND m.res_id = ANY(%s)
            """,
                sorted(owner),
            )
        )
        values = {}
        for res_id, fname, old, new in self.env.cr.fetchall():
            if HISTORY_FIELD_PATTERN.search(fname or ""):
                values.setdefault(owner[res_id], []).extend((fname, v) for v in (old, new) if v)
        return values

    def _identity(self, subjects, history=None):
        """Everything that identifies the person, as PostgreSQL regular
        expressions: ``id_pattern`` (exact identifiers, searched in address
        columns anywhere) and ``pattern`` (identifiers and names, replaced in
        the person's own records only). Also the normalised e-mails and E.164
        numbers (blacklists) and the terms of the audit hash."""
        if history is None:
            history = self._history_values(subjects)
        parts = IdentityParts()
        phone_fields, id_fields, date_fields = self._identity_fields()
        for partner in subjects:
            region = self._region(partner)
            self._identity_emails(parts, partner, history)
            self._identity_phones(parts, partner, history, phone_fields, region)
            self._identity_documents(parts, partner, history, id_fields, date_fields)
            if partner.name:
                for term in privacy_match.name_terms(partner.name):
                    parts.name_add(privacy_match.word_pattern(term), privacy_match.word_needle(term))
        return parts.identity()

    def _identity_fields(self):
        """(phone fields, identifier fields, personal date fields) of res.partner."""
        Partner = self.env["res.partner"]
        phone_fields = [f for f in ("phone", "mobile", "phone_sanitized") if f in Partner._fields]
        id_fields = [
            fname
            for fname, field in Partner._fields.items()
            if field.type == "char" and field.store and ID_FIELD_PATTERN.search(fname)
        ]
        date_fields = [
            fname
            for fname, field in Partner._fields.items()
            if field.type == "date" and field.store and privacy_tools.PERSONAL_DATE_PATTERN.search(fname)
        ]
        return phone_fields, id_fields, date_fields

    def _identity_emails(self, parts, partner, history):
        """The person's e-mails: current, former (tracked) and their users' logins."""
        addresses = [partner.email] + [v for f, v in history if "email" in f]
        addresses += [user.login for user in partner.user_ids]
        for address in filter(None, addresses):
            parts.id_add(privacy_match.email_pattern(address), privacy_match.email_needle(address))
            normalized = tools.email_normalize(address)
            parts.emails.add(normalized or address.strip())
            parts.exact_emails.update(filter(None, (address.strip().lower(), normalized)))
            parts.hash_terms.add(normalized or address.strip().lower())

    def _identity_phones(self, parts, partner, history, phone_fields, region):
        """Every spelling of the person's numbers, current and former."""
        numbers = [partner[f] for f in phone_fields]
        numbers += [v for f, v in history if "phone" in f or "mobile" in f]
        for number in filter(None, numbers):
            parts.id_add(
                privacy_match.phone_pattern(number, region), privacy_match.phone_needle(number, region)
            )
            # "尾号6813": replaced in the person's own records only
            parts.name_add(
                privacy_match.phone_tail_pattern(number, region),
                privacy_match.phone_tail_needle(number, region),
            )
            parts.exact_phones.update(privacy_match.phone_digit_forms(number, region))
            e164 = privacy_match.phone_e164(number, region)
            if e164:
                parts.phones.add(e164)
                parts.hash_terms.add(e164)

    def _identity_documents(self, parts, partner, history, id_fields, date_fields):
        """ID numbers, birthdays and streets, current and former."""
        for fname in id_fields:
            if partner[fname] and len(partner[fname].strip()) >= 6:
                parts.id_add(
                    privacy_match.word_pattern(partner[fname]), privacy_match.word_needle(partner[fname])
                )
        for fname in date_fields:
            parts.name_add(
                privacy_match.date_pattern(partner[fname]), privacy_match.date_needle(partner[fname])
            )
        # an inline address starts with the street
        streets = [partner.street, partner.street2]
        streets += [v.split(",")[0] for f, v in history if "street" in f or "address" in f]
        for street in filter(None, streets):
            if len(street.strip()) >= 4:
                parts.name_add(privacy_match.word_pattern(street), privacy_match.word_needle(street))
        for value in [v for f, v in history if ID_FIELD_PATTERN.search(f)]:
            if len(value.strip()) >= 6:
                parts.id_add(privacy_match.word_pattern(value), privacy_match.word_needle(value))

    def _subject_hash(self, identity):
        """HMAC of the person's identifiers keyed with ``retail_crm_privacy_hash_key``
        from the server configuration (odoo.conf), never stored in the database:
        a dump alone cannot confirm a guessed identity. No key, no hash."""
        key = tools.config.get("retail_crm_privacy_hash_key")
        if not key or not identity["hash_terms"]:
            return False
        return privacy_tools.subject_hash(key, *identity["hash_terms"])


class IdentityParts:
    """What _identity collects about one person: {pattern: its needle}
    (privacy_match: the prefilter of the regexes) of the exact identifiers
    and of the names, and the normalised addresses."""

    def __init__(self):
        self.id_patterns, self.name_patterns = {}, {}
        self.emails, self.phones = set(), set()
        self.exact_emails, self.exact_phones = set(), set()
        self.hash_terms = set()

    def id_add(self, pattern, needle):
        if pattern:
            self.id_patterns[pattern] = needle or ("text", "")

    def name_add(self, pattern, needle):
        if pattern:
            self.name_patterns[pattern] = needle or ("text", "")

    def identity(self):
        return {
            "id_pattern": privacy_match.combine(self.id_patterns),
            "pattern": privacy_match.combine(set(self.id_patterns) | set(self.name_patterns)),
            # LIKE patterns that every row the regexes match holds (privacy_finder)
            "id_needles": privacy_match.like_needles(self.id_patterns.values()),
            "needles": privacy_match.like_needles([*self.id_patterns.values(), *self.name_patterns.values()]),
            "emails": sorted(self.emails),
            "phones": sorted(self.phones),
            "hash_terms": sorted(self.hash_terms),
            # whole values of address columns searched by index (privacy_finder)
            "exact": {"email": sorted(self.exact_emails), "phone": sorted(self.exact_phones)},
        }
