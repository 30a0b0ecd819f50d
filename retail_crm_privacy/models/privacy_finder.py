from collections import defaultdict

from odoo import tools
from odoo.tools import SQL

from .privacy_service import PrivacyService

# columns holding an address, searched for the exact identifiers in every table
ADDRESS_COLUMNS = (
    "email",
    "email_normalized",
    "email_from",
    "email_to",
    "email_cc",
    "partner_email",
    "phone",
    "mobile",
    "phone_sanitized",
    "partner_phone",
    "number",
    "sanitized_number",
)
# references and tokens of the person's kept documents, never rewritten
REFERENCE_COLUMNS = {"access_token", "pos_reference", "ticket_code", "uuid", "barcode", "code"}
# never rewritten by an erasure
SKIP_MODELS = {"res.partner", "retail.crm.erasure.log", "privacy.log", "res.company"}


class PrivacyFinder(PrivacyService):
    """Finds the records of a person: by reference (each many2one/many2many
    to them, res_model/res_id links) and by their exact addresses; and the
    text columns of those records that hold their identifiers."""

    def _data_models(self):
        """Models stored in a regular table (not SQL views, not wizards)."""
        cache = self.env.registry.__dict__.setdefault("_retail_crm_privacy_data_models", {})
        if "models" not in cache:
            found = []
            for model_name in self.env.registry:
                model = self.env[model_name]
                if model._transient or model._abstract or model._table_query:
                    continue
                if not model._auto and (
                    tools.sql.table_kind(self.env.cr, model._table) != tools.sql.TableKind.Regular
                ):
                    continue
                found.append(model_name)
            cache["models"] = found
        return cache["models"]

    def _reference_fields(self):
        """{model: [fields]} of every stored many2one/many2many to res.partner,
        found by what the data is, so models of addons installed later count."""
        result = {}
        for model_name in self._data_models():
            fnames = [
                fname
                for fname, field in self.env[model_name]._fields.items()
                if field.type in ("many2one", "many2many")
                and field.comodel_name == "res.partner"
                and field.store
                and not field.company_dependent
            ]
            if fnames:
                result[model_name] = fnames
        return result

    def _find_by_reference(self, subjects):
        """({model: set(ids)} of records pointing at ``subjects`` through a
        many2one, {model: set(ids)} linked through a many2many), in one query."""
        queries = []
        for model_name, fnames in self._reference_fields().items():
            if model_name in SKIP_MODELS or model_name == "mail.message":
                continue
            model = self.env[model_name]
            for fname in fnames:
                field = model._fields[fname]
                if field.type == "many2one":
                    queries.append(
                        SQL(
                            "SELECT %s, id FROM %s WHERE %s = ANY(%s)",
                            f"m2o:{model_name}",
                            SQL.identifier(model._table),
                            SQL.identifier(fname),
                            subjects.ids,
                        )
                    )
                else:
                    queries.append(
                        SQL(
                            "SELECT %s, %s FROM %s WHERE %s = ANY(%s)",
                            f"m2m:{model_name}",
                            SQL.identifier(field.column1),
                            SQL.identifier(field.relation),
                            SQL.identifier(field.column2),
                            subjects.ids,
                        )
                    )
        found = self._run_union(queries)
        by_m2o = {key[4:]: ids for key, ids in found.items() if key.startswith("m2o:")}
        by_m2m = {key[4:]: ids for key, ids in found.items() if key.startswith("m2m:")}
        return by_m2o, by_m2m

    def _find_by_address(self, id_pattern):
        """{model: set(ids)} of rows holding one of the person's exact
        addresses in an address column (queued mails, SMS, blacklists,
        mailing contacts, complaints by e-mail...)."""
        if not id_pattern:
            return {}
        queries = []
        for model_name in self._data_models():
            if model_name in SKIP_MODELS or model_name.startswith("ir.") or model_name == "res.users":
                continue
            model = self.env[model_name]
            columns = [
                fname
                for fname in ADDRESS_COLUMNS
                if fname in model._fields
                and model._fields[fname].store
                and model._fields[fname].type in ("char", "text")
                and not model._fields[fname].inherited
            ]
            if columns:
                queries.append(
                    SQL(
                        "SELECT %s, id FROM %s WHERE %s",
                        model_name,
                        SQL.identifier(model._table),
                        SQL(" OR ").join(SQL("%s ~* %s", SQL.identifier(c), id_pattern) for c in columns),
                    )
                )
        return self._run_union(queries)

    def _run_union(self, queries):
        found = defaultdict(set)
        if queries:
            self.env.cr.execute(SQL(" UNION ALL ").join(queries))
            for model_name, res_id in self.env.cr.fetchall():
                found[model_name].add(res_id)
        return found

    def _find_by_res_id(self, table, owned, model_column="res_model"):
        """Ids of ``table`` rows whose (model, res_id) is one of ``owned``."""
        conditions = [
            SQL("(%s = %s AND res_id = ANY(%s))", SQL.identifier(model_column), model_name, sorted(ids))
            for model_name, ids in owned.items()
            if ids
        ]
        if not conditions:
            return set()
        self.env.cr.execute(
            SQL("SELECT id FROM %s WHERE %s", SQL.identifier(table), SQL(" OR ").join(conditions))
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _text_columns(self, model_name):
        """Text columns of a kept record that may quote the person; document
        references (a read-only ``name`` such as ``Shop/0042``) and tokens
        stay: the transactions keep their numbers."""
        model = self.env[model_name]
        return [
            (fname, field.column_type[0] == "jsonb")
            for fname, field in model._fields.items()
            if field.store
            and field.column_type
            and field.type in ("char", "text", "html", "json", "properties")
            and not field.inherited
            and fname not in REFERENCE_COLUMNS
            and not (fname == model._rec_name and field.readonly and model_name != "res.partner")
        ]

    def _scrub_matches(self, model_name, ids, pattern):
        """{field: [ids]} of the rows of ``ids`` whose text holds the pattern."""
        columns = self._text_columns(model_name)
        if not ids or not columns or not pattern:
            return {}
        exprs = [
            SQL("%s::text", SQL.identifier(c)) if is_json else SQL.identifier(c) for c, is_json in columns
        ]
        self.env.cr.execute(
            SQL(
                "SELECT id, %s FROM %s WHERE id = ANY(%s) AND (%s)",
                SQL(", ").join(SQL("coalesce(%s ~* %s, false)", e, pattern) for e in exprs),
                SQL.identifier(self.env[model_name]._table),
                sorted(ids),
                SQL(" OR ").join(SQL("%s ~* %s", e, pattern) for e in exprs),
            )
        )
        found = defaultdict(list)
        for row in self.env.cr.fetchall():
            for (column, _is_json), hit in zip(columns, row[1:], strict=True):
                if hit:
                    found[column].append(row[0])
        return found

    def _fetch_ids(self, query):
        self.env.cr.execute(query)
        return {row[0] for row in self.env.cr.fetchall()}
