"""The methods of the models that carry copies of customers' personal data
(privacy_copies.py): installed on those models' registry classes only, by
``base._register_hook`` (the way Odoo's base_automation installs its methods
on the models of its rules), and removed by ``_unregister_hook``. Each calls
the method it replaces (``origin``)."""

from odoo import api
from odoo.tools import SQL

from . import privacy_email_copies
from .res_partner_access import mask_value

# accounts of the database, not customers: masked by the rule, not logged
NOT_CUSTOMER_MODELS = {"res.users", "res.company"}


def install(model_class):
    """Install the methods on ``model_class`` (a registry class)."""
    for name, make in FACTORIES.items():
        if getattr(model_class.__dict__.get(name), "_privacy_copies", False):
            continue
        method = make()
        method.origin = getattr(model_class, name)
        method._privacy_copies = True
        setattr(model_class, name, method)


def uninstall(model_class):
    for name in FACTORIES:
        if getattr(model_class.__dict__.get(name), "_privacy_copies", False):
            delattr(model_class, name)


def make_read_format():
    def _read_format(self, fnames, load="_classic_read"):
        return read_format(self, _read_format.origin(self, fnames, load=load))

    return _read_format


def read_format(self, result):
    """Rows of read(): copies masked per row for the real user; logged."""
    if not result:
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


def make_fetch_query():
    def _fetch_query(self, query, fields):
        # loading the cache reads the real values, whoever the user is
        if self.env.context.get("_privacy_fetch"):
            return _fetch_query.origin(self, query, fields)
        fetched = _fetch_query.origin(self.with_context(_privacy_fetch=True), query, fields)
        return fetched.with_env(self.env)

    return _fetch_query


def make_field_to_sql():
    def _field_to_sql(self, alias, fname, query=None, flush=True):
        origin = _field_to_sql.origin
        sql = privacy_email_copies.field_sql(self, alias, fname, origin(self, alias, fname, query, flush))
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
                origin(self, alias, link, query, flush),
                Partner._privacy_visible_sql("p"),
            )
            return SQL("(CASE WHEN %s THEN %s END)", visible, sql)
        return sql

    return _field_to_sql


def make_onchange():
    def onchange(self, values, field_names, fields_spec):
        result = onchange.origin(self, values, field_names, fields_spec)
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

    return onchange


def make_create():
    @api.model_create_multi
    def create(self, vals_list):
        copies = self._privacy_related_personal_fields()
        if copies and not self.env.su:
            for vals in vals_list:
                if set(vals) & set(copies):
                    self._privacy_drop_masked(vals, vals.get(self._privacy_partner_link()))
        return create.origin(self, vals_list)

    return create


def make_write():
    def write(self, vals):
        if set(vals) & set(self._privacy_related_personal_fields()) and not self.env.su:
            link = self._privacy_partner_link()
            partner_ids = {vals[link]} if vals.get(link) else set(self.sudo().mapped(f"{link}.id"))
            for partner_id in partner_ids:
                vals = self._privacy_drop_masked(dict(vals), partner_id)
        return write.origin(self, vals)

    return write


def make_copy_data():
    def copy_data(self, default=None):
        """Values of ``copy_data`` (a public method) leave the server as a
        read's do: copies masked for customers the user may not see. A copy
        made from them does not store the masks (``create`` drops them)."""
        vals_list = copy_data.origin(self, default=default)
        copies = self._privacy_related_personal_fields()
        if not copies or self.env.su or not self.env["res.partner"]._privacy_is_restricted():
            return vals_list
        hidden = self._privacy_hidden_copy_ids()
        for record, vals in zip(self, vals_list, strict=True):
            if record.id in hidden:
                for fname in copies:
                    if fname in vals:
                        vals[fname] = mask_value(fname, self._fields[fname].type, vals[fname])
        return vals_list

    return copy_data


FACTORIES = {
    "_read_format": make_read_format,
    "_fetch_query": make_fetch_query,
    "_field_to_sql": make_field_to_sql,
    "onchange": make_onchange,
    "create": make_create,
    "write": make_write,
    "copy_data": make_copy_data,
}
