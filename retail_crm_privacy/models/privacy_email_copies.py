"""Copies of a customer's e-mail on models without a link to the customer:
mailing contacts (mass_mailing, installed by retail_crm_rfm) and any other
model with a stored ``email_normalized`` (``mail.thread.blacklist``) and no
``partner_id``. Found by structure, so this addon does not depend on
mass_mailing and covers such models of addons installed later.

Their personal fields follow the rule of the customer(s) with the same
normalized e-mail (res_partner_access.py): hidden when a customer carries
the address and none of those customers is visible to the user. An address
no customer carries is no customer's data. Every route goes through:

* ``_read_format`` (read, search_read, web_read...): masked per row for the
  real user;
* ``_field_to_sql``: NULL in SQL for hidden rows (no domain, order or group
  is an oracle);
* ``export_data``: masked unless no exported row is hidden;
* QWeb output: privacy_render.py.
"""

from odoo.tools import SQL

from . import privacy_tools
from .res_partner_access import RULE_COLUMNS, mask_value

# accounts of the database and the customers themselves
EXCLUDED_MODELS = {"res.partner", "res.users", "res.company"}


def email_copy_field_names(model):
    """Personal fields of ``model`` when it is an e-mail copy, else [] (cached
    by ``base._privacy_email_copy_fields``)."""
    field = model._fields.get("email_normalized")
    if (
        field is not None
        and field.store
        and model._name not in EXCLUDED_MODELS
        and not model._abstract
        and not model._privacy_partner_link()
    ):
        return privacy_tools.personal_field_names(model)
    return []


def hidden_email_sql(env, email_sql):
    """SQL: the normalized e-mail ``email_sql`` belongs to a customer and to
    no customer the user may see."""
    Partner = env["res.partner"]
    Partner.flush_model([*RULE_COLUMNS, "email_normalized"])
    return SQL(
        "(EXISTS (SELECT 1 FROM res_partner p WHERE p.email_normalized = %s)"
        " AND NOT EXISTS (SELECT 1 FROM res_partner p WHERE p.email_normalized = %s AND %s))",
        email_sql,
        email_sql,
        Partner._privacy_visible_sql("p"),
    )


def hidden_ids(records):
    """Ids of ``records`` whose e-mail is a hidden customer's."""
    ids = [rid for rid in records._ids if isinstance(rid, int)]
    if not ids:
        return set()
    records.flush_model(["email_normalized"])
    rows = records.env.execute_query(
        SQL(
            "SELECT t.id FROM %s t WHERE t.id = ANY(%s) AND %s",
            SQL.identifier(records._table),
            ids,
            hidden_email_sql(records.env, SQL.identifier("t", "email_normalized")),
        )
    )
    return {row[0] for row in rows}


def mask_rows(records, result):
    """Rows of read(): personal values of hidden rows masked for the real user."""
    copies = records._privacy_email_copy_fields() if result else ()
    shown = [fname for fname in copies if fname in result[0]] if copies else []
    if not shown or not records.env["res.partner"]._privacy_is_restricted(real_user=True):
        return result
    hidden = hidden_ids(records.browse([row["id"] for row in result if isinstance(row.get("id"), int)]))
    for row in result:
        if row.get("id") in hidden:
            for fname in shown:
                row[fname] = mask_value(fname, records._fields[fname].type, row[fname])
    return result


def field_sql(model, alias, fname, sql):
    """``sql`` of a personal column, NULL for rows of hidden customers."""
    if (
        fname in model._privacy_email_copy_fields()
        and model._fields[fname].store
        and not model.env.context.get("_privacy_fetch")
        and model.env["res.partner"]._privacy_is_restricted()
    ):
        hidden = hidden_email_sql(model.env, SQL.identifier(alias, "email_normalized"))
        return SQL("(CASE WHEN NOT %s THEN %s END)", hidden, sql)
    return sql


def mask_export(records, fields_to_export, result):
    """Exports: masked unless no exported row is hidden (export rows cannot
    be traced to records: one2many lines add rows)."""
    copies = set(records._privacy_email_copy_fields())
    columns = [index for index, path in enumerate(fields_to_export) if path in copies]
    if not columns or not records.env["res.partner"]._privacy_is_restricted(real_user=True):
        return result
    if hidden_ids(records):
        for row in result["datas"]:
            for index in columns:
                fname = fields_to_export[index]
                row[index] = mask_value(fname, records._fields[fname].type, row[index])
    return result
