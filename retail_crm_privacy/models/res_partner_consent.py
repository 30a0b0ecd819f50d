"""Consent as PIPL requires it, seen from the customer (P1, P2, P8).

Marketing is opt-in: a purpose's messages go only to people whose live consent
for that purpose is *granted* (``_privacy_marketing_partners``); senders of the
other addons call that method when it exists.  Profiling is opt-out (PIPL
Art. 24 gives a right to refuse): ``_privacy_profiling_refused_ids`` lists the
people a scoring run must leave out.  Children under 14 need a guardian's
consent before any marketing or profiling (Art. 28/31), and the ID card number
needs a separate consent (单独同意, Art. 29) before it is collected.

Odoo's blacklists stay the enforcement for everything the other apps send: they
are derived from the consent state of every address the person has, their
delivery and other child contacts included, and follow address changes.
"""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from . import consent_tools, privacy_match

MINOR_AGE = 14
# partner fields holding an address that a consent blacklist covers
ADDRESS_FIELDS = ("email", "mobile", "phone", "parent_id")


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    privacy_is_minor = fields.Boolean(
        string="Child under 14",
        compute="_compute_privacy_is_minor",
        search="_search_privacy_is_minor",
        help="From the birthday: the customer is under 14, so marketing and profiling "
        "need a guardian's consent first (PIPL Art. 31).",
    )
    privacy_guardian_consent = fields.Boolean(
        string="Guardian's consent",
        compute="_compute_privacy_consent_flags",
        help="A guardian's consent is recorded and live.",
    )
    privacy_reconsent_needed = fields.Boolean(
        string="Re-consent needed",
        compute="_compute_privacy_consent_flags",
        search="_search_privacy_reconsent_needed",
        help="A live consent was given under an older version of the privacy policy.",
    )

    # ------------------------------------------------------------------
    # Children under 14
    # ------------------------------------------------------------------
    @api.model
    def _privacy_birthday_field(self):
        """The birthday field of the member profile, when an addon adds one."""
        return "retail_birthday" if "retail_birthday" in self._fields else None

    @api.model
    def _privacy_minor_cutoff(self):
        """Born after this date = under 14 today."""
        return fields.Date.context_today(self) - relativedelta(years=MINOR_AGE)

    @api.depends(lambda self: [self._privacy_birthday_field()] if self._privacy_birthday_field() else [])
    def _compute_privacy_is_minor(self):
        fname = self._privacy_birthday_field()
        cutoff = self._privacy_minor_cutoff()
        for partner in self:
            birthday = partner[fname] if fname else False
            partner.privacy_is_minor = bool(birthday and birthday > cutoff)

    def _search_privacy_is_minor(self, operator, value):
        if operator not in ("=", "!="):
            raise ValidationError(self.env._("Search children under 14 with “is set” or “is not set” only."))
        fname = self._privacy_birthday_field()
        positive = (operator == "=") == bool(value)
        if not fname:
            return [(0, "=", 1)] if positive else []
        minor = [(fname, ">", self._privacy_minor_cutoff())]
        return minor if positive else ["|", (fname, "=", False), (fname, "<=", self._privacy_minor_cutoff())]

    # ------------------------------------------------------------------
    # Live consent state
    # ------------------------------------------------------------------
    def _privacy_live_consents(self, domain=None):
        """{(person id, purpose code): current consent row} for the persons
        (commercial partners) of ``self``."""
        persons = self.commercial_partner_id
        if not persons:
            return {}
        # sudo: consent state is read on behalf of the sender or the form; only
        # the state is used, never shown
        current = (
            self.env["retail.crm.consent.current"]
            .sudo()
            .search([("partner_id", "in", persons.ids), *(domain or [])])
        )
        return {(row.partner_id.id, row.purpose_id.code): row for row in current}

    def _compute_privacy_consent_flags(self):
        version = self.env["retail.crm.consent"]._default_policy_version()
        live = self._privacy_live_consents()
        by_person = {}
        for (person_id, code), row in live.items():
            by_person.setdefault(person_id, []).append((code, row))
        for partner in self:
            rows = by_person.get(partner.commercial_partner_id.id, [])
            partner.privacy_guardian_consent = any(
                code == "guardian" and row.state == "granted" for code, row in rows
            )
            partner.privacy_reconsent_needed = any(
                row.state == "granted"
                and consent_tools.version_key(row.consent_id.policy_version)
                < consent_tools.version_key(version)
                for _code, row in rows
            )

    def _search_privacy_reconsent_needed(self, operator, value):
        if operator not in ("=", "!="):
            raise ValidationError(
                self.env._("Search “Re-consent needed” with “is set” or “is not set” only.")
            )
        ids = self._privacy_reconsent_partner_ids()
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", ids)]

    @api.model
    def _privacy_reconsent_partner_ids(self):
        """Partners with a live granted consent recorded under an older policy
        version (one query; versions compared numerically, 1.10 > 1.9)."""
        version = self.env["retail.crm.consent"]._default_policy_version()
        self.env["retail.crm.consent"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT cur.partner_id, c.policy_version
                  FROM %s cur
                  JOIN retail_crm_consent c ON c.id = cur.consent_id
                 WHERE cur.state = 'granted'
                   AND c.policy_version IS DISTINCT FROM %s
                """,
                SQL.identifier(self.env["retail.crm.consent.current"]._table),
                version,
            )
        )
        current = consent_tools.version_key(version)
        return [pid for pid, old in self.env.cr.fetchall() if consent_tools.version_key(old) < current]

    # ------------------------------------------------------------------
    # What senders and scoring runs ask
    # ------------------------------------------------------------------
    def _privacy_marketing_partners(self, channel):
        """The partners of ``self`` that marketing may reach on ``channel``
        ('email', 'sms', 'wechat'): a live granted consent of the person for a
        marketing purpose of that channel (opt-in), and for a child under 14
        a live guardian's consent too.  Service messages do not call this."""
        if not self:
            return self
        purposes = self.env["retail.crm.consent.purpose"].sudo().search([("marketing_channel", "=", channel)])
        if not purposes:
            return self.browse()
        live = self._privacy_live_consents([("state", "=", "granted")])
        granted = {person for (person, code) in live if code in set(purposes.mapped("code"))}
        guardian = {person for (person, code) in live if code == "guardian"}
        return self.filtered(
            lambda p: (
                p.commercial_partner_id.id in granted
                and (not p.privacy_is_minor or p.commercial_partner_id.id in guardian)
            )
        )

    @api.model
    def _privacy_profiling_refused_ids(self, partner_ids=None):
        """Ids of the people a scoring/profiling run leaves out: a live
        withdrawal of the profiling purpose (opt-out, PIPL Art. 24), and
        children under 14 without a live guardian's consent.  One query,
        hashed sub-plans (no per-partner look-up of the consent view)."""
        self.env["retail.crm.consent"].flush_model()
        self.flush_model(["commercial_partner_id"])
        fname = self._privacy_birthday_field()
        minors = SQL("FALSE")
        if fname:
            self.flush_model([fname])
            minors = SQL(
                "%s > %s AND p.commercial_partner_id NOT IN (SELECT partner_id FROM guarded)",
                SQL.identifier("p", fname),
                self._privacy_minor_cutoff(),
            )
        scope = SQL("TRUE") if partner_ids is None else SQL("p.id = ANY(%s)", list(partner_ids))
        self.env.cr.execute(
            SQL(
                """
                WITH live AS (
                    SELECT c.partner_id, cp.code, c.state
                      FROM %(current)s c
                      JOIN retail_crm_consent_purpose cp ON cp.id = c.purpose_id
                     WHERE cp.code IN ('profiling', 'guardian')
                ), refused AS (
                    SELECT partner_id FROM live WHERE code = 'profiling' AND state = 'withdrawn'
                ), guarded AS (
                    SELECT partner_id FROM live WHERE code = 'guardian' AND state = 'granted'
                )
                SELECT p.id FROM res_partner p
                 WHERE %(scope)s
                   AND (p.commercial_partner_id IN (SELECT partner_id FROM refused) OR (%(minors)s))
                """,
                scope=scope,
                current=SQL.identifier(self.env["retail.crm.consent.current"]._table),
                minors=minors,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # Blacklists derived from consent, for every address of the person
    # ------------------------------------------------------------------
    def _privacy_person_addresses(self):
        """{person: (set of normalised e-mails, set of E.164 numbers)} over the
        person and all their contacts (delivery addresses etc.)."""
        persons = self.commercial_partner_id
        # sudo: addresses are read to apply the person's own consent to them
        family = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("commercial_partner_id", "in", persons.ids)])
        )
        result = {person: (set(), set()) for person in persons}
        for contact in family:
            emails, numbers = result[contact.commercial_partner_id]
            if contact.email_normalized:
                emails.add(contact.email_normalized)
            numbers.update(contact._privacy_contact_numbers())
        return result

    def _privacy_contact_numbers(self):
        """E.164 numbers of this one contact (mobile, phone, sanitized)."""
        self.ensure_one()
        numbers = set()
        for number in (self.mobile, self.phone):
            # the erasure's parser (phone_validation): +86 numbers in a foreign company too
            e164 = privacy_match.phone_e164(number, self.country_id.code or self.env.company.country_id.code)
            if e164:
                numbers.add(e164)
        if "phone_sanitized" in self._fields and self.phone_sanitized:
            numbers.add(self.phone_sanitized)
        return numbers

    @api.model
    def _privacy_withdrawn_addresses(self, kind, targets):
        """The addresses of ``targets`` (normalised e-mails for ``kind``
        'mail', E.164 numbers for 'phone') that a person holds - any contact
        of them, active or archived, in any company - whose live consent for
        a purpose of that blacklist kind is withdrawn (or refused): a grant of
        someone else with the same address must not lift their opt-out.
        One query for the candidates, their numbers parsed in Python."""
        if not targets:
            return set()
        self.env["retail.crm.consent"].flush_model()
        sanitized = "phone_sanitized" in self._fields
        self.flush_model(
            ["email_normalized", "mobile", "phone", "commercial_partner_id"]
            + (["phone_sanitized"] if sanitized else [])
        )
        # the persons (commercial entities) with such a live withdrawal
        withdrawn = SQL(
            """
            SELECT w.commercial_partner_id
              FROM %s cur
              JOIN retail_crm_consent_purpose cp ON cp.id = cur.purpose_id
              JOIN res_partner w ON w.id = cur.partner_id
             WHERE cur.state = 'withdrawn' AND cp.blacklist = %s
            """,
            SQL.identifier(self.env["retail.crm.consent.current"]._table),
            kind,
        )
        if kind == "mail":
            rows = self.env.execute_query(
                SQL(
                    "SELECT DISTINCT p.email_normalized FROM res_partner p"
                    " WHERE p.email_normalized = ANY(%s) AND p.commercial_partner_id IN (%s)",
                    sorted(targets),
                    withdrawn,
                )
            )
            return {row[0] for row in rows}
        # numbers are written in many ways: candidates by their last 8
        # digits, then compared exactly in E.164
        tails = sorted({number[-8:] for number in targets})

        def digits(name):
            return SQL("right(regexp_replace(%s, '[^0-9]', '', 'g'), 8)", SQL.identifier("p", name))

        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id FROM res_partner p
                 WHERE p.commercial_partner_id IN (%s)
                   AND (%s OR %s = ANY(%s) OR %s = ANY(%s))
                """,
                withdrawn,
                SQL("p.phone_sanitized = ANY(%s)", sorted(targets)) if sanitized else SQL("FALSE"),
                digits("mobile"),
                tails,
                digits("phone"),
                tails,
            )
        )
        # sudo: other people's numbers are compared, never shown
        candidates = self.sudo().with_context(active_test=False).browse([row[0] for row in rows])
        found = set()
        for contact in candidates:
            found |= contact._privacy_contact_numbers()
        return found & set(targets)

    @api.model
    def _privacy_kept_addresses(self, states, by_id):
        """{blacklist kind: addresses a grant in ``states`` must not lift}
        (one query per kind)."""
        kept = {}
        for kind in ("mail", "phone"):
            lifted = set()
            for (person_id, purpose), state in states.items():
                if state != "withdrawn" and purpose.blacklist == kind:
                    lifted |= by_id.get(person_id, (set(), set()))[0 if kind == "mail" else 1]
            kept[kind] = self._privacy_withdrawn_addresses(kind, lifted)
        return kept

    def _privacy_sync_blacklists(self, consents=None, only_withdrawn=False):
        """Apply the live consent of each person of ``self`` (or the given
        consent records) to every address of the person: a withdrawal
        blacklists them all, a grant (only when ``consents`` are new records)
        lifts them.  Called on consent changes and address changes."""
        if consents is None:
            live = self._privacy_live_consents([("purpose_id.blacklist", "!=", "none")])
            states = {(pid, row.purpose_id): row.state for (pid, _code), row in live.items()}
        else:
            states = {}
            for consent in consents.sorted(lambda c: (c.date, c.id)):
                if consent.purpose_id.blacklist != "none":
                    states[(consent.partner_id.commercial_partner_id.id, consent.purpose_id)] = consent.state
        if only_withdrawn:
            states = {key: state for key, state in states.items() if state == "withdrawn"}
        if not states:
            return
        addresses = self.browse({pid for pid, _purpose in states})._privacy_person_addresses()
        by_id = {person.id: value for person, value in addresses.items()}
        # sudo: cashiers may not edit blacklists; the recorded consent of the
        # person is the authorisation
        mail_bl = self.env["mail.blacklist"].sudo()
        phone_bl = self.env["phone.blacklist"].sudo()
        message = self.env._("Consent change recorded by %(user)s", user=self.env.user.name)
        # a grant lifts only the addresses no one with a live withdrawal holds
        # (the same address on a customer of one's own would reverse their opt-out)
        kept = self._privacy_kept_addresses(states, by_id)
        for (person_id, purpose), state in states.items():
            emails, numbers = by_id.get(person_id, (set(), set()))
            targets = sorted(emails) if purpose.blacklist == "mail" else sorted(numbers)
            if state != "withdrawn":
                targets = [target for target in targets if target not in kept[purpose.blacklist]]
            if not targets:
                continue
            blacklist = mail_bl if purpose.blacklist == "mail" else phone_bl
            if state == "withdrawn":
                if purpose.blacklist == "mail":
                    for email in targets:
                        blacklist._add(email, message=message)
                else:
                    blacklist._add(targets, message=message)
            elif purpose.blacklist == "mail":
                for email in targets:
                    blacklist._remove(email, message=message)
            else:
                blacklist._remove(targets, message=message)

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        # a new contact of a person who withdrew is covered at once
        children = partners.filtered("parent_id")
        if children:
            children._privacy_sync_blacklists(only_withdrawn=True)
        return partners

    def write(self, vals):
        result = super().write(vals)
        if any(fname in vals for fname in ADDRESS_FIELDS):
            # withdrawal follows the person to their new address
            self._privacy_sync_blacklists(only_withdrawn=True)
        return result

    # ------------------------------------------------------------------
    # Separate consent for sensitive data (单独同意)
    # ------------------------------------------------------------------
    @api.model
    def _privacy_sensitive_fields(self):
        """Fields that need the separate 'sensitive_data' consent first."""
        return [fname for fname in ("retail_id_number",) if fname in self._fields]

    @api.constrains(lambda self: self._privacy_sensitive_fields())
    def _check_privacy_separate_consent(self):
        if self.env.su:
            # imports and server code run as superuser; people entering data do not
            return
        sensitive = self._privacy_sensitive_fields()
        holders = self.filtered(lambda p: any(p[fname] for fname in sensitive))
        if not holders:
            return
        live = holders._privacy_live_consents(
            [("state", "=", "granted"), ("purpose_id.code", "=", "sensitive_data")]
        )
        granted = {person for person, _code in live}
        missing = holders.filtered(lambda p: p.commercial_partner_id.id not in granted)
        if missing:
            raise ValidationError(
                self.env._(
                    "The ID card number is sensitive personal information: record the customer's "
                    "separate consent (“Sensitive personal information”) before entering it. "
                    "Customers concerned: %(names)s",
                    names=", ".join(missing.mapped("name")),
                )
            )
