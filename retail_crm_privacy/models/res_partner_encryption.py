"""Optional encryption at rest of customer fields (P5), offered only where it
leaves no clear copy.

Only fields without a derived clear column are offered (``ENCRYPTABLE``):
street, street2, zip, city and ID card number.  E-mail, mobile, phone, tax
number and name are refused (``refused_reasons``): Odoo keeps clear copies
derived from them (``email_normalized``, ``phone_sanitized``, blacklists, SMS
queue, the e-invoicing Peppol endpoint) that its mail and SMS routing,
blacklists, invoicing and the till's lookup need.

Values are encrypted with AES-GCM under a key from the server configuration
(``retail_crm_privacy_encryption_key``), never the database.  The nonce is an
HMAC of the value, so equal values give equal ciphertexts: exact search uses
that keyed digest as a blind index; partial search, sorting and grouping do not
work on these fields.  Validation runs on clear values (the ORM cache holds
clear text, only the database holds ciphertext); tracking of encrypted fields is
switched off so no clear copy lands in the chatter.  The registry refuses to
load when encrypted values exist and the key is missing or wrong; a rotation
re-encrypts with a new key (``retail_crm_privacy_encryption_key_old`` holds the
previous one until it is done).
"""

import logging

from cryptography.exceptions import InvalidTag

from odoo import api, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from . import privacy_tools

_logger = logging.getLogger(__name__)

ENCRYPTABLE = ("street", "street2", "zip", "city", "retail_id_number")
ADDRESS_PARTS = {"street", "street2", "zip", "city"}
KEY_OPTION = "retail_crm_privacy_encryption_key"
OLD_KEY_OPTION = "retail_crm_privacy_encryption_key_old"


def refused_reasons(env):
    """{field name: why it cannot be encrypted}, translated."""
    return {
        "email": env._("Odoo keeps a normalised clear copy for mail routing and the e-mail blacklist."),
        "mobile": env._(
            "Odoo keeps a sanitised clear copy for SMS, the phone blacklist and the till's lookup."
        ),
        "phone": env._("Odoo keeps a sanitised clear copy for SMS and the phone blacklist."),
        "vat": env._("Odoo derives other stored values from the tax number (e.g. the e-invoicing endpoint)."),
        "name": env._("The name is needed to find and show the customer everywhere."),
    }


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _privacy_encryption_secret(self):
        """The key comes from the server configuration, never the database."""
        return tools.config.get(KEY_OPTION) or None

    @api.model
    def _privacy_encryptable_fields(self):
        return [fname for fname in ENCRYPTABLE if fname in self._fields and self._fields[fname].store]

    @api.model
    def _privacy_chosen_encrypted_fields(self):
        """Fields chosen in Settings that may be encrypted (others ignored)."""
        chosen = self.env["ir.config_parameter"].sudo().get_param("retail_crm_privacy.encrypted_fields", "")
        allowed = self._privacy_encryptable_fields()
        return [fname for fname in (name.strip() for name in chosen.split(",")) if fname in allowed]

    @api.model
    def _privacy_encrypted_fields(self):
        """The chosen fields, when a key is configured (inactive otherwise)."""
        if not self._privacy_encryption_secret():
            return []
        return self._privacy_chosen_encrypted_fields()

    def _privacy_decrypt(self, value):
        """Clear text of ``value`` with the current key, else the previous
        one during a rotation."""
        try:
            return privacy_tools.decrypt_value(self._privacy_encryption_secret(), value)
        except (InvalidTag, ValueError):
            old = tools.config.get(OLD_KEY_OPTION)
            if not old:
                raise
            return privacy_tools.decrypt_value(old, value)

    # ------------------------------------------------------------------
    # Key check at start
    # ------------------------------------------------------------------
    def _register_hook(self):
        super()._register_hook()
        self._privacy_check_encryption_key()

    @api.model
    def _privacy_check_encryption_key(self):
        """Refuse to run on encrypted data without the right key (missing or
        wrong): users would see ciphertext, and new writes would be stored in
        clear next to it."""
        columns = [
            fname
            for fname in self._privacy_encryptable_fields()
            if tools.sql.column_exists(self.env.cr, self._table, fname)
        ]
        if not columns:
            return
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM res_partner WHERE %s LIMIT 1",
                SQL(", ").join(SQL.identifier(fname) for fname in columns),
                SQL(" OR ").join(
                    SQL("%s LIKE %s", SQL.identifier(fname), privacy_tools.ENCRYPTED_PREFIX + "%")
                    for fname in columns
                ),
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            return
        sample = next(value for value in row if value and value.startswith(privacy_tools.ENCRYPTED_PREFIX))
        if not self._privacy_encryption_secret():
            raise UserError(
                self.env._(
                    "Customer data in this database is encrypted but the server option %(option)s is "
                    "not set: add the key to the server configuration and start again.",
                    option=KEY_OPTION,
                )
            )
        try:
            self._privacy_decrypt(sample)
        except (InvalidTag, ValueError) as exc:
            raise UserError(
                self.env._(
                    "The encryption key in the server option %(option)s does not decrypt the customer "
                    "data of this database: set the key it was encrypted with (or the previous key in "
                    "%(old)s during a rotation) and start again.",
                    option=KEY_OPTION,
                    old=OLD_KEY_OPTION,
                )
            ) from exc

    # ------------------------------------------------------------------
    # Storage: ciphertext in the database, clear text in the cache
    # ------------------------------------------------------------------
    @api.model
    def _create(self, data_list):
        encrypted = self._privacy_encrypted_fields()
        if not encrypted:
            return super()._create(data_list)
        secret = self._privacy_encryption_secret()
        clear_list = []
        for data in data_list:
            stored = data["stored"]
            clear = {fname: stored[fname] for fname in encrypted if stored.get(fname)}
            for fname, value in clear.items():
                stored[fname] = privacy_tools.encrypt_value(secret, value)
            clear_list.append(clear)
        records = super()._create(data_list)
        # the cache keeps the clear values, only the database holds ciphertext
        for record, clear in zip(records, clear_list, strict=True):
            for fname, value in clear.items():
                self.env.cache.set(record, self._fields[fname], value, check_dirty=False)
        return records

    def _write_multi(self, vals_list):
        encrypted = self._privacy_encrypted_fields()
        if encrypted and any(fname in vals for vals in vals_list for fname in encrypted):
            secret = self._privacy_encryption_secret()
            staff = self._privacy_staff_partner_ids()
            vals_list = [
                {
                    fname: privacy_tools.encrypt_value(secret, value)
                    if fname in encrypted and partner_id not in staff
                    else value
                    for fname, value in vals.items()
                }
                for partner_id, vals in zip(self.ids, vals_list, strict=True)
            ]
        return super()._write_multi(vals_list)

    def _privacy_staff_partner_ids(self):
        """The partners of ``self`` that are staff users' own contacts: they
        are not customers, encryption leaves them alone."""
        if not self.ids:
            return set()
        self.env.cr.execute(SQL("SELECT partner_id FROM res_users WHERE partner_id = ANY(%s)", self.ids))
        return {row[0] for row in self.env.cr.fetchall()}

    def _fetch_query(self, query, fields):
        records = super()._fetch_query(query, fields)
        if not self._privacy_encryption_secret():
            return records
        encryptable = set(self._privacy_encryptable_fields())
        for field in fields:
            if field.name not in encryptable:
                continue
            for record in records:
                value = self.env.cache.get(record, field, None)
                if isinstance(value, str) and value.startswith(privacy_tools.ENCRYPTED_PREFIX):
                    self.env.cache.set(record, field, self._privacy_decrypt(value), check_dirty=False)
        return records

    def _condition_to_sql(self, alias, fname, operator, value, query):
        encrypted = self._privacy_encrypted_fields() if fname in self._fields else []
        if fname in encrypted and operator in ("=", "!=", "in", "not in") and value:
            # the ciphertext starts with a keyed digest of the value: a blind index
            secret = self._privacy_encryption_secret()
            if isinstance(value, (list, tuple, set)):
                value = [privacy_tools.encrypt_value(secret, v) for v in value]
            else:
                value = privacy_tools.encrypt_value(secret, value)
        return super()._condition_to_sql(alias, fname, operator, value, query)

    def _validate_fields(self, field_names, excluded_names=()):
        """Constraints check clear values: ``_create`` has just put the
        ciphertext it inserted into the cache."""
        field_names = list(field_names)
        encrypted = set(self._privacy_encrypted_fields()) & set(field_names)
        for fname in encrypted:
            field = self._fields[fname]
            for record in self:
                value = self.env.cache.get(record, field, None)
                if isinstance(value, str) and value.startswith(privacy_tools.ENCRYPTED_PREFIX):
                    self.env.cache.set(record, field, self._privacy_decrypt(value), check_dirty=False)
        return super()._validate_fields(field_names, excluded_names)

    def _track_get_fields(self):
        """No tracking value (old/new in clear) for encrypted fields, nor for
        the inline address when a part of the address is encrypted."""
        tracked = super()._track_get_fields()
        encrypted = set(self._privacy_encrypted_fields())
        if not encrypted or not tracked:
            return tracked
        hidden = set(encrypted)
        if encrypted & ADDRESS_PARTS:
            hidden.add("contact_address_inline")
        return set(tracked) - hidden

    # ------------------------------------------------------------------
    # Existing values and key rotation
    # ------------------------------------------------------------------
    @api.model
    def _privacy_encrypt_existing(self):
        """Encrypt the values stored before a field was chosen (customers only:
        ``_write_multi`` leaves staff users' contacts alone)."""
        encrypted = self._privacy_encrypted_fields()
        if not encrypted:
            raise UserError(
                self.env._(
                    "Choose the fields to encrypt and set the server option %(option)s first.",
                    option=KEY_OPTION,
                )
            )
        return self._privacy_reencrypt(encrypted, domain=[])

    @api.model
    def _privacy_rotate_encryption_key(self):
        """Re-encrypt every encrypted value with the current key (values under
        the previous key are read with ``retail_crm_privacy_encryption_key_old``).
        Run from ``odoo shell``; afterwards remove the old key from the config."""
        return self._privacy_reencrypt(self._privacy_encrypted_fields(), domain=[])

    @api.model
    def _privacy_reencrypt(self, fnames, domain):
        """Write each non-empty value of ``fnames`` back under the current key,
        in batches of 1,000 partners (clear in the cache, ciphertext in SQL)."""
        partners = self.with_context(active_test=False).search(domain)
        count = 0
        for batch in tools.split_every(1000, partners.ids, self.browse):
            # read back in clear (decrypting under the old key if need be)
            batch.invalidate_recordset(fnames)
            for fname in fnames:
                holders = batch.filtered(lambda p, f=fname: p[f])
                if holders:
                    holders._write_multi([{fname: partner[fname]} for partner in holders])
                    count += len(holders)
            self.env.invalidate_all()
        return count
