"""THE access rule for customers' personal data (P4, P5, P6), in one place.

Deny by default: a user sees a customer's personal fields in clear only when
:meth:`ResPartner._privacy_visible_sql` says so. Everything else goes through
that one SQL predicate:

* SQL (search domains, ORDER BY, GROUP BY, aggregates): ``_field_to_sql`` of a
  personal column returns ``CASE WHEN <visible> THEN column END`` for a
  restricted user, so a domain, an order or a group on another salesperson's
  customer sees NULL - no oracle. Fetching records into the (shared) cache is
  never rewritten: server code, even run by a cashier, keeps the real values.
* values leaving the server (``_read_format``: read, search_read, web_read,
  web_search_read, POS load, chatter/store data; exports; onchange; QWeb
  ``t-field``; tracking values): masked per row for the *real* user, even
  when the formatting code runs with ``sudo()``.
* display names: the ``show_address``/``show_email``/``show_vat`` contexts are
  ignored for customers the real user may not see (name_search, many2one
  labels, error messages built from display_name).

Copies of a customer's personal data on other models (a complaint's
``email_from``, a follower's ``email``) follow the rule of the customer they
belong to: see privacy_copies.py.
"""

import re

from odoo import SUPERUSER_ID, api, models, tools
from odoo.osv import expression
from odoo.tools import SQL

from . import privacy_tools

# contexts that put personal data into a partner's display name
REVEALING_CONTEXT_KEYS = ("show_address", "show_email", "show_vat")
CN_PREFIX = re.compile(r"^\s*(\+|00)\s*86\D*")


def mask_value(fname, field_type, value):
    """privacy_tools.mask_value, with a fast path for Chinese mobile numbers
    written with their country code (no phone-number parsing per row)."""
    if (
        value
        and isinstance(value, str)
        and CN_PREFIX.match(value)
        and privacy_tools.PHONE_FIELD_PATTERN.search(fname)
    ):
        digits = re.sub(r"\D", "", CN_PREFIX.sub("", value))
        if len(digits) >= 7:
            return f"{digits[:3]}****{digits[-4:]}"
    return privacy_tools.mask_value(fname, field_type, value)


# the columns the rule reads (flushed before it runs)
RULE_COLUMNS = ["user_id", "partner_share", "commercial_partner_id", "company_id"]


class RetailCrmPrivacyPartnerAccess(models.AbstractModel):
    """Mixed into res.partner (see res_partner.py)."""

    _name = "retail.crm.privacy.partner.access"
    _description = "Customer personal data: the access rule"

    # ------------------------------------------------------------------
    # Who is restricted, and which customers they may see
    # ------------------------------------------------------------------

    @api.model
    def _privacy_personal_fields(self):
        """Personal fields of the model."""
        return list(self._privacy_personal_field_names())

    @api.model
    @tools.ormcache()
    def _privacy_personal_field_names(self):
        """Personal fields of the model, cached (``ormcache``: cleared whenever
        the registry sets its models up again, e.g. when a module or a custom
        field adds fields)."""
        return tuple(privacy_tools.personal_field_names(self))

    @api.model
    def _privacy_is_restricted(self, real_user=False):
        """Whether the current user's view of customers is limited by the rule.

        Only the superuser, settings administrators and the data protection
        officer see every customer. ``real_user=True`` ignores ``sudo()``:
        used where values leave the server for the user of the request."""
        if self.env.su and not real_user:
            return False
        if self.env.uid == SUPERUSER_ID:
            return False
        user = self.env.user
        return not (user._is_system() or user.has_group("retail_crm_privacy.group_privacy_officer"))

    @api.model
    def _privacy_store_company_ids(self):
        """Store scope of a POS manager: the companies they are allowed on
        (one company per store, Odoo's multi-company); empty for others."""
        user = self.env.user
        if not user.has_group("point_of_sale.group_pos_manager"):
            return []
        return user.company_ids.ids

    @api.model
    def _privacy_visible_sql(self, alias):
        """SQL predicate: the row ``alias`` of res_partner may be shown in
        clear to the current user. The one rule:

        - the customer is assigned to the user (``user_id``, or their
          commercial entity's), or is the user's own contact;
        - internal users' and companies' contacts (not customers' data);
        - POS managers: customers of their store(s) - assigned to a
          salesperson of one of their companies, or belonging to one - and
          unassigned customers (the managers assign them);
        - nothing else."""
        user = self.env.user
        uid = self.env.uid
        col = lambda name: SQL.identifier(alias, name)  # noqa: E731
        terms = [
            SQL("%s = %s", col("user_id"), uid),
            SQL("%s = %s", col("id"), user.partner_id.id),
            SQL("%s IS NOT TRUE", col("partner_share")),
            SQL("%s IN (SELECT partner_id FROM res_company)", col("id")),
            # a contact of a company customer: the company's salesperson. Most
            # customers are their own commercial entity: the test on the
            # column first spares them the lookup (and the planner a seq scan
            # of res_partner for a hashed subplan)
            SQL(
                "(%s <> %s AND (SELECT c.user_id FROM res_partner c WHERE c.id = %s) = %s)",
                col("commercial_partner_id"),
                col("id"),
                col("commercial_partner_id"),
                uid,
            ),
        ]
        company_ids = self._privacy_store_company_ids()
        if company_ids:
            terms += [
                SQL("(%s IS NULL AND %s IS NULL)", col("user_id"), col("company_id")),
                SQL("%s = ANY(%s)", col("company_id"), company_ids),
                SQL(
                    "%s IN (SELECT r.user_id FROM res_company_users_rel r WHERE r.cid = ANY(%s))",
                    col("user_id"),
                    company_ids,
                ),
            ]
        return SQL("(%s)", SQL(" OR ").join(terms))

    def _privacy_visible_ids(self):
        """Ids of ``self`` whose personal data the real user may see in clear
        (one query; new records count as visible: they come from the user)."""
        ids = [pid for pid in self._ids if isinstance(pid, int)]
        visible = {pid for pid in self._ids if not isinstance(pid, int)}
        if not ids:
            return visible
        if not self._privacy_is_restricted(real_user=True):
            return visible | set(ids)
        self.env["res.partner"].flush_model(RULE_COLUMNS)
        rows = self.env.execute_query(
            SQL(
                "SELECT p.id FROM res_partner p WHERE p.id = ANY(%s) AND %s",
                ids,
                self._privacy_visible_sql("p"),
            )
        )
        return visible | {row[0] for row in rows}

    # kept for callers of the previous API
    _privacy_owned_ids = _privacy_visible_ids

    def _privacy_hidden(self):
        """The records of ``self`` shown masked to the real user."""
        visible = self._privacy_visible_ids()
        return self.filtered(lambda p: p.id not in visible)

    # ------------------------------------------------------------------
    # SQL: domains, ORDER BY, GROUP BY and aggregates
    # ------------------------------------------------------------------

    def _fetch_query(self, query, fields):
        # loading the cache reads the real values, whoever the user is
        if self.env.context.get("_privacy_fetch"):
            return super()._fetch_query(query, fields)
        fetched = super(RetailCrmPrivacyPartnerAccess, self.with_context(_privacy_fetch=True))._fetch_query(
            query, fields
        )
        return fetched.with_env(self.env)

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        sql = super()._field_to_sql(alias, fname, query, flush)
        if (
            fname in self._fields
            and not self.env.context.get("_privacy_fetch")
            and fname in self._privacy_personal_fields()
            and self._fields[fname].store
            and self._privacy_is_restricted()
        ):
            if flush:
                self.flush_model(RULE_COLUMNS)
            return SQL("(CASE WHEN %s THEN %s END)", self._privacy_visible_sql(alias), sql)
        return sql

    def _search_phone_mobile_search(self, operator, value):
        """Odoo's number search (phone_validation) reads the phone columns in
        SQL of its own, not through ``_field_to_sql``: for a restricted user
        it only matches customers they may see, or a series of prefix
        searches would spell out a hidden customer's number."""
        domain = super()._search_phone_mobile_search(operator, value)
        if not self._privacy_is_restricted():
            return domain
        self.flush_model(RULE_COLUMNS)
        visible = SQL("(SELECT p.id FROM res_partner p WHERE %s)", self._privacy_visible_sql("p"))
        return ["&", ("id", "in", visible), *domain]

    @api.depends_context("uid")
    def _compute_same_vat_partner_id(self):
        """Odoo looks for another partner with the same tax ID (or company
        registry) with ``sudo()``: a restricted user is not told about a
        customer they may not see, or the warning would confirm whose
        national ID number a guess is."""
        super()._compute_same_vat_partner_id()
        if not self._privacy_is_restricted(real_user=True):
            return
        for fname in ("same_vat_partner_id", "same_company_registry_partner_id"):
            found = self.mapped(fname)
            hidden = found - found.browse(found._privacy_visible_ids())
            for partner in self.filtered(lambda p, fname=fname, hidden=hidden: p[fname] in hidden):
                partner[fname] = False

    # ------------------------------------------------------------------
    # Blacklist flags: Odoo searches them with its own SQL (not through
    # ``_field_to_sql``); a customer the user may not see reads as not
    # blacklisted (masked), so it matches "not blacklisted", never "blacklisted"
    # ------------------------------------------------------------------

    def _privacy_blacklist_domain(self, operator, value, domain):
        """``domain`` (Odoo's search of a blacklist flag) limited for a
        restricted user: hidden customers count as not blacklisted."""
        if not self._privacy_is_restricted():
            return domain
        self.flush_model(RULE_COLUMNS)
        visible = SQL("(SELECT p.id FROM res_partner p WHERE %s)", self._privacy_visible_sql("p"))
        if (operator == "=") == bool(value):
            return expression.AND([[("id", "in", visible)], domain])
        return expression.OR([[("id", "not in", visible)], domain])

    @api.model
    def _search_is_blacklisted(self, operator, value):
        domain = super()._search_is_blacklisted(operator, value)
        return self._privacy_blacklist_domain(operator, value, domain)

    @api.model
    def _search_phone_sanitized_blacklisted(self, operator, value):
        domain = super()._search_phone_sanitized_blacklisted(operator, value)
        return self._privacy_blacklist_domain(operator, value, domain)

    # ------------------------------------------------------------------
    # Values leaving the server
    # ------------------------------------------------------------------

    @api.depends_context("uid")
    def _compute_display_name(self):
        if not any(self.env.context.get(key) for key in REVEALING_CONTEXT_KEYS):
            return super()._compute_display_name()
        hidden = self._privacy_hidden()
        super(RetailCrmPrivacyPartnerAccess, self - hidden)._compute_display_name()
        if not hidden:
            return
        # the plain name, computed in a context without the revealing keys
        # (display_name is being computed: read it back from that context's cache)
        plain = hidden.with_context(**dict.fromkeys(REVEALING_CONTEXT_KEYS, False))
        super(RetailCrmPrivacyPartnerAccess, plain)._compute_display_name()
        field = self._fields["display_name"]
        for partner, plain_partner in zip(hidden, plain, strict=True):
            partner.display_name = plain.env.cache.get(plain_partner, field)

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        return self._privacy_mask_rows(result)

    def _privacy_mask_rows(self, result):
        """Mask, in rows of read(), the personal values of customers the real
        user may not see, and log what was shown (masked or clear)."""
        if not result:
            return result
        personal = set(self._privacy_personal_fields()) & set(result[0])
        flags = privacy_tools.BLACKLIST_FLAG_FIELDS & set(result[0])
        if not personal and not flags:
            return result
        ids = [row["id"] for row in result if isinstance(row.get("id"), int)]
        visible = self.browse(ids)._privacy_visible_ids()
        for row in result:
            if row.get("id") in visible or not isinstance(row.get("id"), int):
                continue
            for fname in personal | flags:
                row[fname] = mask_value(fname, self._fields[fname].type, row[fname])
        if personal:
            self._privacy_log_shown(ids, visible, personal)
        return result

    def _privacy_masked_value(self, fname):
        """The value of ``fname`` of this customer as the real user may see it."""
        self.ensure_one()
        value = self.sudo()[fname]
        if self._privacy_hidden():
            return privacy_tools.mask_value(fname, self._fields[fname].type, value)
        return value

    def onchange(self, values, field_names, fields_spec):
        """Onchange copies a parent's address onto its new contact (and
        returns the values of the record edited): masked when the parent, or
        the record, is a customer the real user may not see."""
        result = super().onchange(values, field_names, fields_spec)
        changed = result.get("value") or {}
        personal = [fname for fname in self._privacy_personal_fields() if fname in changed]
        if not personal or not self._privacy_is_restricted(real_user=True):
            return result
        parent = changed.get("parent_id", values.get("parent_id"))
        if isinstance(parent, dict):
            parent = parent.get("id")
        ids = {pid for pid in self._ids if isinstance(pid, int)}
        if isinstance(parent, int):
            ids.add(parent)
        if self.browse(ids)._privacy_hidden():
            for fname in personal:
                changed[fname] = mask_value(fname, self._fields[fname].type, changed[fname])
        return result
