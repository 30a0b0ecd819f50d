"""Copies of a customer's personal data on other models follow the rule of
the customer (res_partner_access.py).

A copy is a personal field (by name, see privacy_tools) of a model that
points to the customer: ``partner_id`` (complaints ``email_from`` and
``partner_phone``, followers ``email``, POS orders) or ``author_id`` (a
message's ``email_from``). Declared by what the data is, so models of addons
installed later are covered. Every route of those models goes through:

* ``_read_format``: masked per row for the real user (chatter/store data is
  formatted with sudo());
* ``_field_to_sql``: NULL in SQL for rows whose customer is hidden, so no
  domain/order/group on a copy is an oracle;
* ``export_data`` and ``onchange``: masked;
* ``create``/``write``: a masked value sent back is not stored.
"""

from odoo import api, models
from odoo.tools import SQL

from . import privacy_email_copies, privacy_tools
from .res_partner_access import mask_value

PARTNER_LINK_FIELDS = ("partner_id", "author_id")
# a customer's bank account number is personal data too (res.partner.bank)
EXTRA_COPY_FIELDS = ("acc_number", "sanitized_acc_number", "acc_holder_name")
# named like personal data, technical in fact
TECHNICAL_FIELDS = {"email_layout_xmlid"}
# accounts of the database, not customers: masked by the rule, not logged
NOT_CUSTOMER_MODELS = {"res.users", "res.company"}


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
    def _privacy_related_personal_fields(self):
        """{copy field: partner many2one} of this model (cached per registry)."""
        registry = self.env.registry
        cache = registry.__dict__.setdefault("_retail_crm_privacy_copies", {})
        if self._name in cache:
            return cache[self._name]
        link = self._privacy_partner_link() if self._name != "res.partner" else None
        names = privacy_tools.personal_field_names(self) if link else []
        names += [f for f in EXTRA_COPY_FIELDS if link and f in self._fields]
        copies = {f: link for f in names if f != link and f not in TECHNICAL_FIELDS}
        # while modules load, fields of the next ones are not there yet
        if registry.ready:
            cache[self._name] = copies
        return copies

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
    # Reads, SQL, onchange
    # ------------------------------------------------------------------

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        if not result or self._name == "res.partner":
            return result
        result = privacy_email_copies.mask_rows(self, result)
        copies = self._privacy_related_personal_fields()
        shown = [fname for fname in copies if fname in result[0]]
        if not shown:
            return result
        Partner = self.env["res.partner"]
        partner_of = self._privacy_copy_partners()
        hidden = set()
        if Partner._privacy_is_restricted(real_user=True):
            hidden = self._privacy_hidden_copy_ids(partner_of)
            for row in result:
                if row.get("id") in hidden:
                    for fname in shown:
                        row[fname] = mask_value(fname, self._fields[fname].type, row[fname])
        # the audit: which customer's data was shown, masked or clear
        if self._name not in NOT_CUSTOMER_MODELS:
            partner_ids = {pid for pid in partner_of.values() if pid}
            masked_partners = {partner_of[rid] for rid in hidden if partner_of.get(rid)}
            Partner._privacy_log_shown(list(partner_ids), partner_ids - masked_partners, set(shown))
        return result

    def _fetch_query(self, query, fields):
        # loading the cache reads the real values, whoever the user is
        if self.env.context.get("_privacy_fetch"):
            return super()._fetch_query(query, fields)
        fetched = super(Base, self.with_context(_privacy_fetch=True))._fetch_query(query, fields)
        return fetched.with_env(self.env)

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        sql = privacy_email_copies.field_sql(
            self, alias, fname, super()._field_to_sql(alias, fname, query, flush)
        )
        link = self._privacy_related_personal_fields().get(fname)
        if (
            link
            and self._fields[fname].store
            and not self.env.context.get("_privacy_fetch")
            and self.env["res.partner"]._privacy_is_restricted()
        ):
            Partner = self.env["res.partner"]
            Partner.flush_model(["user_id", "partner_share", "commercial_partner_id", "company_id"])
            visible = SQL(
                "%s IN (SELECT p.id FROM res_partner p WHERE %s)",
                super()._field_to_sql(alias, link, query, flush),
                Partner._privacy_visible_sql("p"),
            )
            return SQL("(CASE WHEN %s THEN %s END)", visible, sql)
        return sql

    def onchange(self, values, field_names, fields_spec):
        result = super().onchange(values, field_names, fields_spec)
        copies = self._privacy_related_personal_fields()
        changed = result.get("value") or {}
        shown = [fname for fname in copies if fname in changed]
        if not shown or not self._privacy_copies_restricted():
            return result
        for fname in shown:
            link = copies[fname]
            partner_id = changed.get(link, values.get(link))
            if isinstance(partner_id, dict):
                partner_id = partner_id.get("id")
            partner = self.env["res.partner"].browse(partner_id if isinstance(partner_id, int) else [])
            if not partner or partner._privacy_hidden():
                changed[fname] = mask_value(fname, self._fields[fname].type, changed[fname])
        return result

    @api.model_create_multi
    def create(self, vals_list):
        copies = self._privacy_related_personal_fields()
        if copies and not self.env.su:
            for vals in vals_list:
                if not set(vals) & set(copies):
                    continue
                self._privacy_drop_masked(vals, vals.get(self._privacy_partner_link()))
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) & set(self._privacy_related_personal_fields()) and not self.env.su:
            link = self._privacy_partner_link()
            partner_ids = {vals[link]} if vals.get(link) else set(self.sudo().mapped(f"{link}.id"))
            for partner_id in partner_ids:
                vals = self._privacy_drop_masked(dict(vals), partner_id)
        return super().write(vals)

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
        personal = set(self.env["res.partner"]._privacy_personal_fields())
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
