"""Exact lookup at the till (P4): the one search a cashier may run on the
personal data of customers who are not theirs."""

import re

import phonenumbers

from odoo import _, api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# a full mobile number: at least this many national digits (CN: 11)
MIN_NATIONAL_DIGITS = 8
LOOKUP_LIMIT = 5


class RetailCrmPrivacyPartnerTill(models.AbstractModel):
    """Mixed into res.partner (see res_partner.py)."""

    _name = "retail.crm.privacy.partner.till"
    _description = "Customer personal data: till lookup"

    @api.model
    def _privacy_phone_keys(self, query):
        """Digit strings under which a full phone number may be stored
        (national number, with country code); empty for partial numbers."""
        digits = re.sub(r"\D", "", query or "")
        if len(digits) < MIN_NATIONAL_DIGITS:
            return []
        region = (self.env.company.country_id.code or "CN").upper()
        try:
            parsed = phonenumbers.parse(query, region)
        except phonenumbers.NumberParseException:
            return []
        national = str(parsed.national_number)
        if len(national) < MIN_NATIONAL_DIGITS or not phonenumbers.is_possible_number(parsed):
            return []
        return sorted({national, f"{parsed.country_code}{national}", f"00{parsed.country_code}{national}"})

    @api.model
    def privacy_pos_lookup(self, query):
        """Ids of the customers whose full mobile/phone (any spelling),
        member number or scanned member code is exactly ``query``.

        Partial values find nothing. The customers are then read through the
        normal routes, masked unless they are the cashier's own; the lookup
        itself is logged (channel ``lookup``)."""
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(_("Only point of sale users can look up members at the till."))
        query = (query or "").strip()
        if not query:
            return []
        conditions = []
        phone_keys = self._privacy_phone_keys(query)
        for fname in ("mobile", "phone"):
            if phone_keys and fname in self._fields and self._fields[fname].store:
                conditions.append(
                    SQL(
                        "regexp_replace(%s, '[^0-9]', '', 'g') = ANY(%s)",
                        SQL.identifier("p", fname),
                        phone_keys,
                    )
                )
        code = re.sub(r"\s", "", query)
        for fname in ("retail_member_number", "barcode"):
            if fname in self._fields and self._fields[fname].store:
                conditions.append(SQL("%s = %s", SQL.identifier("p", fname), code))
        if not conditions:
            return []
        self.flush_model(
            [
                "mobile",
                "phone",
                "active",
                *[f for f in ("retail_member_number", "barcode") if f in self._fields],
            ]
        )
        # exact match only, by a checked POS user: the rows found are read
        # afterwards through the access rule (masked unless their own)
        rows = self.env.execute_query(
            SQL(
                "SELECT p.id FROM res_partner p WHERE p.active AND (%s) ORDER BY p.id LIMIT %s",
                SQL(" OR ").join(conditions),
                LOOKUP_LIMIT,
            )
        )
        ids = [row[0] for row in rows]
        partners = self.browse(ids)
        fields = (
            ["mobile"]
            if phone_keys
            else ["retail_member_number" if "retail_member_number" in self._fields else "barcode"]
        )
        self._privacy_log_rows_ids(partners.ids, fields, "lookup")
        return ids

    privacy_pos_lookup._readonly = False
