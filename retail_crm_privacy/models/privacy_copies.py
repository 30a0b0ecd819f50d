"""Copies of a customer's personal data on other models follow the rule of
the customer (res_partner_access.py).

A copy is a personal field (by name, see privacy_tools) of a model that
points to the customer: ``partner_id`` (complaints ``email_from`` and
``partner_phone``, followers ``email``, POS orders), ``res_partner_id`` (a
notification's ``sms_number``) or ``author_id`` (a message's ``email_from``). Declared by what the data is, so models of addons
installed later are covered. Every route of those models goes through:

* ``_read_format``: masked per row for the real user (chatter/store data is
  formatted with sudo());
* ``_field_to_sql``: NULL in SQL for rows whose customer is hidden, so no
  domain/order/group on a copy is an oracle;
* ``export_data`` and ``onchange``: masked;
* ``create``/``write``: a masked value sent back is not stored.

All but ``export_data`` are installed on the models that carry copies only
(privacy_copies_methods), when the registry is loaded; ``export_data`` stays
on every model: an export reaches a customer's fields through any relation
(``partner_id/mobile``).
"""

from odoo import api, models, tools
from odoo.tools import frozendict

from . import privacy_copies_methods, privacy_email_copies, privacy_tools
from .res_partner_access import mask_value

# a notification's recipient is ``res_partner_id`` (its author is not the
# customer whose number it copies)
PARTNER_LINK_FIELDS = ("partner_id", "res_partner_id", "author_id")
# a customer's bank account number is personal data too (res.partner.bank),
# and the number an SMS was sent to (mail.notification, sms.resend.recipient)
EXTRA_COPY_FIELDS = ("acc_number", "sanitized_acc_number", "acc_holder_name", "sms_number")
# named like personal data, technical in fact
TECHNICAL_FIELDS = {"email_layout_xmlid"}


class Base(models.AbstractModel):
    _inherit = "base"

    @api.model
    def _privacy_partner_link(self):
        """The many2one to the customer whose data this model copies."""
        for fname in PARTNER_LINK_FIELDS:
            field = self._fields.get(fname)
            if field is not None and field.type == "many2one" and field.comodel_name == "res.partner":
                return fname
        return None

    @api.model
    @tools.ormcache()
    def _privacy_related_personal_fields(self):
        """{copy field: partner many2one} of this model, cached (``ormcache``:
        cleared whenever the registry sets its models up again)."""
        link = self._privacy_partner_link() if self._name != "res.partner" else None
        names = privacy_tools.personal_field_names(self) if link else []
        names += [f for f in EXTRA_COPY_FIELDS if link and f in self._fields]
        return frozendict({f: link for f in names if f != link and f not in TECHNICAL_FIELDS})

    @api.model
    @tools.ormcache()
    def _privacy_email_copy_fields(self):
        """Personal fields of this model when it is an e-mail copy (linked to
        customers by address, privacy_email_copies.py), else (); cached."""
        return tuple(privacy_email_copies.email_copy_field_names(self))

    def _privacy_copy_partners(self):
        """{record id: customer id} of the records of ``self``."""
        link = self._privacy_partner_link()
        records = self.sudo().browse([rid for rid in self._ids if isinstance(rid, int)])
        return {record.id: record[link].id for record in records}

    def _privacy_hidden_copy_ids(self, partner_of=None):
        """Ids of ``self`` whose customer the real user may not see (rows
        without a customer are hidden too: deny by default)."""
        partner_of = self._privacy_copy_partners() if partner_of is None else partner_of
        if not partner_of:
            return set()
        Partner = self.env["res.partner"]
        visible = Partner.browse({pid for pid in partner_of.values() if pid})._privacy_visible_ids()
        return {rid for rid, pid in partner_of.items() if pid not in visible}

    def _privacy_copies_restricted(self):
        return bool(self._privacy_related_personal_fields()) and self.env[
            "res.partner"
        ]._privacy_is_restricted(real_user=True)

    # ------------------------------------------------------------------
    # Reads, SQL, onchange, create/write: only on the models that carry
    # copies (privacy_copies_methods), installed when the registry is loaded
    # as Odoo's base_automation installs its methods on the models of its rules
    # ------------------------------------------------------------------

    @api.model
    def _privacy_carries_copies(self):
        """Whether this model holds copies of customers' personal data."""
        if self._name == "res.partner" or self._abstract:
            return False
        return bool(self._privacy_related_personal_fields() or self._privacy_email_copy_fields())

    def _register_hook(self):
        result = super()._register_hook()
        if self._privacy_carries_copies():
            privacy_copies_methods.install(self.env.registry[self._name])
        return result

    def _unregister_hook(self):
        privacy_copies_methods.uninstall(self.env.registry[self._name])
        return super()._unregister_hook()

    @api.model
    def _privacy_drop_masked(self, vals, partner_id):
        """A masked copy sent back by a form (the masked value of one of the
        customer's personal fields) is not stored: the compute or the
        existing value stays."""
        if not partner_id:
            return vals
        partner_sudo = self.env["res.partner"].sudo().browse(partner_id)
        masks = set()
        for pfname in partner_sudo._privacy_personal_fields():
            clear = partner_sudo[pfname]
            masked = mask_value(pfname, partner_sudo._fields[pfname].type, clear)
            if clear and masked != clear:
                masks.add(masked)
        for fname in self._privacy_related_personal_fields():
            if vals.get(fname) and vals[fname] in masks:
                vals.pop(fname)
        return vals

    # ------------------------------------------------------------------
    # Exports
    # ------------------------------------------------------------------

    def _privacy_export_columns(self, fields_to_export):
        """[(column index, field name, model, path to the record)] of the
        personal columns of an export (customer fields and copies)."""
        # the blacklist flags too: they tell whether a guessed address is the customer's
        personal = (
            set(self.env["res.partner"]._privacy_personal_fields()) | privacy_tools.BLACKLIST_FLAG_FIELDS
        )
        columns = []
        for index, path in enumerate(fields_to_export):
            parts = [p for p in path.split("/") if p not in ("id", ".id")]
            model = self
            for part in parts[:-1]:
                field = model._fields.get(part)
                if not field or not field.relational:
                    model = None
                    break
                model = self.env[field.comodel_name]
            if model is None or not parts:
                continue
            fname = parts[-1]
            if (model._name == "res.partner" and fname in personal) or (
                fname in model._privacy_related_personal_fields()
            ):
                columns.append((index, fname, model, parts[:-1]))
        return columns

    def export_data(self, fields_to_export):
        """Exports of personal data: masked unless every customer exported is
        one the user may see; logged."""
        result = privacy_email_copies.mask_export(
            self, fields_to_export, super().export_data(fields_to_export)
        )
        columns = self._privacy_export_columns(fields_to_export)
        if not columns:
            return result
        Partner = self.env["res.partner"]
        partners = Partner.browse()
        for _index, _fname, model, path in columns:
            records = self.sudo().mapped(".".join(path)) if path else self.sudo()
            if model._name == "res.partner":
                partners |= Partner.browse(records.ids)
            else:
                link = model._privacy_partner_link()
                partners |= Partner.browse(records.mapped(f"{link}.id"))
        restricted = Partner._privacy_is_restricted(real_user=True)
        # an export row cannot be traced to its customer reliably (one2many
        # lines add rows): everything masked unless all customers are visible
        masked = restricted and bool(partners._privacy_hidden() or not partners)
        if masked:
            for row in result["datas"]:
                for index, fname, model, _path in columns:
                    row[index] = mask_value(fname, model._fields[fname].type, row[index])
        Partner._privacy_log_rows_ids(partners.ids, {c[1] for c in columns}, "export", masked=masked)
        return result
