"""Exact lookup at the till (P4): the one search a cashier may run on the
personal data of customers who are not theirs."""

import re

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.osv import expression
from odoo.tools import SQL

from . import privacy_match

# a full mobile number: at least this many national digits (CN: 11)
MIN_NATIONAL_DIGITS = 8
LOOKUP_LIMIT = 5


class RetailCrmPrivacyPartnerTill(models.AbstractModel):
    """Mixed into res.partner (see res_partner.py)."""

    _name = "retail.crm.privacy.partner.till"
    _description = "Customer personal data: till lookup"

    @api.model
    def _privacy_phone_keys(self, query):
        """Digit strings under which a full phone number may be stored (as
        typed, national, with country code, with 00 prefix); empty for a
        partial number. Read as phone_validation reads it (the erasure's
        parser): its own prefix, else the company's country, else China."""
        digits = re.sub(r"\D", "", query or "")
        if len(digits) < MIN_NATIONAL_DIGITS:
            return []
        keys = {digits}
        # a number typed without its prefix is read with the company's
        # country and with China's (a US-registered company's stores in China)
        for region in {(self.env.company.country_id.code or "CN").upper(), "CN"}:
            parsed = privacy_match.parse_phone(query, region)
            if parsed is not None and len(str(parsed.national_number)) >= MIN_NATIONAL_DIGITS:
                national, code = str(parsed.national_number), parsed.country_code
                keys |= {national, f"{code}{national}", f"00{code}{national}"}
        return sorted(keys)

    @api.model
    def privacy_pos_lookup(self, query):
        """Ids of the customers whose full mobile/phone (any spelling),
        member number or scanned member code is exactly ``query``.

        Partial values find nothing. The customers are then read through the
        normal routes, masked unless they are the cashier's own; the lookup
        itself is logged (channel ``lookup``)."""
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(self.env._("Only point of sale users can look up members at the till."))
        query = (query or "").strip()
        if not query:
            return []
        ids = []
        phone_keys = self._privacy_phone_keys(query)
        phone_fields = [f for f in ("mobile", "phone") if f in self._fields and self._fields[f].store]
        if phone_keys and phone_fields:
            self.flush_model([*phone_fields, "active"])
            rows = self.env.execute_query(
                SQL(
                    "SELECT p.id FROM res_partner p WHERE p.active AND (%s) ORDER BY p.id LIMIT %s",
                    SQL(" OR ").join(
                        SQL(
                            "regexp_replace(%s, '[^0-9]', '', 'g') = ANY(%s)",
                            SQL.identifier("p", f),
                            phone_keys,
                        )
                        for f in phone_fields
                    ),
                    LOOKUP_LIMIT,
                )
            )
            ids = [row[0] for row in rows]
        code = re.sub(r"\s", "", query)
        code_fields = [f for f in ("retail_member_number", "barcode") if f in self._fields]
        if not ids and code and code_fields:
            domain = expression.OR([[(f, "=", code)] for f in code_fields])
            # sudo: exact code only, by a checked POS user; the members found
            # are read afterwards through the access rule
            ids = self.sudo().search(domain, limit=LOOKUP_LIMIT, order="id").ids
            fields = code_fields
        else:
            fields = phone_fields
        self._privacy_log_rows_ids(ids, fields, "lookup")
        return ids

    privacy_pos_lookup._readonly = False
