"""Finding the records of a person (P3): by reference (privacy_finder),
by address (privacy_finder_address); the text of their rows that quotes
them (privacy_finder_text)."""

from collections import defaultdict

from odoo.tools import SQL

from .privacy_finder_base import SKIP_MODELS
from .privacy_finder_children import PrivacyChildFinder


class PrivacyFinder(PrivacyChildFinder):
    """Finds the records of a person: by reference (each many2one/many2many
    to them, res_model/res_id links) and by their exact addresses; and the
    text columns of those records that hold their identifiers."""

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
        by_m2o, by_m2m = self._find_by_reference_owned(subjects.ids)
        return _merged(by_m2o.values()), _merged(by_m2m.values())

    def _find_by_reference_owned(self, subject_ids):
        """Same per subject, for many people at once (one query for all):
        ({subject id: {model: set(ids)}} by many2one, the same by many2many)."""
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
                            "SELECT %s, id, %s FROM %s WHERE %s = ANY(%s)",
                            f"m2o:{model_name}",
                            SQL.identifier(fname),
                            SQL.identifier(model._table),
                            SQL.identifier(fname),
                            subject_ids,
                        )
                    )
                else:
                    queries.append(
                        SQL(
                            "SELECT %s, %s, %s FROM %s WHERE %s = ANY(%s)",
                            f"m2m:{model_name}",
                            SQL.identifier(field.column1),
                            SQL.identifier(field.column2),
                            SQL.identifier(field.relation),
                            SQL.identifier(field.column2),
                            subject_ids,
                        )
                    )
        by_m2o, by_m2m = defaultdict(lambda: defaultdict(set)), defaultdict(lambda: defaultdict(set))
        if queries:
            self.env.cr.execute(SQL(" UNION ALL ").join(queries))
            for key, res_id, subject_id in self.env.cr.fetchall():
                target = by_m2o if key.startswith("m2o:") else by_m2m
                target[subject_id][key[4:]].add(res_id)
        return by_m2o, by_m2m

    def _find_by_res_id(self, table, owned, model_column="res_model"):
        """Ids of ``table`` rows whose (model, res_id) is one of ``owned``."""
        return self._find_by_res_id_owned(table, {0: owned}, model_column).get(0, set())

    def _find_by_res_id_owned(self, table, owned_by_key, model_column="res_model"):
        """{key: ids} of ``table`` rows whose (model, res_id) is one of the
        records of each person (``owned_by_key``: {key: {model: ids}}), in one
        query for all of them."""
        by_model = defaultdict(set)
        for owned in owned_by_key.values():
            for model_name, ids in owned.items():
                by_model[model_name] |= ids
        by_model = {model_name: ids for model_name, ids in by_model.items() if ids}
        if not by_model:
            return {}
        # a join on the (model, id) pairs, one id array per model: a person
        # with 10,000 orders gives 10,000 ids, an ANY(array) of them would be
        # tested against every row
        pairs = SQL(" UNION ALL ").join(
            SQL("SELECT %s::varchar AS model, unnest(%s::int[]) AS res_id", model_name, sorted(ids))
            for model_name, ids in sorted(by_model.items())
        )
        self.env.cr.execute(
            SQL(
                "SELECT t.id, t.%s, t.res_id FROM %s t JOIN (%s) o ON t.%s = o.model AND t.res_id = o.res_id",
                SQL.identifier(model_column),
                SQL.identifier(table),
                pairs,
                SQL.identifier(model_column),
            )
        )
        # few rows are found: each goes to the people whose record it is on
        result = defaultdict(set)
        for row_id, model_name, res_id in self.env.cr.fetchall():
            for key, owned in owned_by_key.items():
                if res_id in owned.get(model_name, ()):
                    result[key].add(row_id)
        return result

    def _fetch_ids(self, query):
        self.env.cr.execute(query)
        return {row[0] for row in self.env.cr.fetchall()}


def _merged(dicts):
    """{model: set(ids)} union of several."""
    result = defaultdict(set)
    for found in dicts:
        for model_name, ids in found.items():
            result[model_name] |= ids
    return result
