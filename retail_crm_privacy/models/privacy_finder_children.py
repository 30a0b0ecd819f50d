"""The parts of a person's records: the lines of their orders, the payments,
the points history of their cards, the answers of their surveys... Rows
that point to the person's record, not to the person, and whose text quotes
them (a note on an order line, a card holder's name, an NPS reason)."""

from collections import defaultdict

from odoo.tools import SQL

from .privacy_finder_address import PrivacyAddressFinder
from .privacy_finder_base import SKIP_MODELS
from .privacy_finder_text import PrivacyTextFinder

# handled by the planner on their own (messages, attachments, ratings...) or
# people and users (never rewritten as a part of another record)
CHILD_SKIP_MODELS = {
    "mail.message",
    "mail.followers",
    "mail.activity",
    "mail.notification",
    "mail.tracking.value",
    "rating.rating",
    "ir.attachment",
    "res.partner",
    "res.users",
    "bus.bus",
}


class PrivacyChildFinder(PrivacyAddressFinder, PrivacyTextFinder):
    """Finds the rows that are parts of the person's records (one2many whose
    inverse is required or deleted with the record: a composition)."""

    def _child_fields(self):
        """{parent model: [(child model, inverse many2one)]} of the
        compositions between data models (cached by
        ``res.partner._privacy_child_fields``)."""
        return dict(self.env["res.partner"]._privacy_child_fields())

    def _find_children_owned(self, owned_by_pid, patterns, needles, skip=()):
        """{pid: {child model: ids}} of the parts of each person's records
        (``owned_by_pid``: {pid: {model: ids}}) whose text matches that
        person's pattern: one query for the parts of every record, then the
        batch's needles and each person's regex per child model
        (_match_rows). Records of the models in ``skip`` are not followed."""
        child_fields = self._child_fields()
        parents = defaultdict(set)
        for owned in owned_by_pid.values():
            for model_name, ids in owned.items():
                if ids and model_name in child_fields and model_name not in skip:
                    parents[model_name] |= ids
        queries = []
        for parent, ids in sorted(parents.items()):
            for child, inverse in child_fields[parent]:
                queries.append(
                    SQL(
                        "SELECT %s, %s, id, %s FROM %s WHERE %s = ANY(%s)",
                        parent,
                        child,
                        SQL.identifier(inverse),
                        SQL.identifier(self.env[child]._table),
                        SQL.identifier(inverse),
                        sorted(ids),
                    )
                )
        if not queries:
            return {}
        self.env.cr.execute(SQL(" UNION ALL ").join(queries))
        # whose record each parent is: one lookup per part, not one per person
        owners = defaultdict(set)
        for pid, owned in owned_by_pid.items():
            for parent in parents:
                for parent_id in owned.get(parent, ()):
                    owners[parent, parent_id].add(pid)
        by_child = defaultdict(lambda: defaultdict(set))
        for parent, child, child_id, parent_id in self.env.cr.fetchall():
            for pid in owners[parent, parent_id]:
                by_child[child][pid].add(child_id)
        result = defaultdict(lambda: defaultdict(set))
        for child, ids_by_pid in sorted(by_child.items()):
            columns = self._text_columns(child)
            keys = {pid: patterns[pid] for pid in ids_by_pid if patterns.get(pid)}
            if not columns or not keys:
                continue
            exprs = [
                SQL("t.%s::text", SQL.identifier(c)) if is_json else SQL("t.%s", SQL.identifier(c))
                for c, is_json in columns
            ]
            for child_id, pid in self._match_rows(
                self.env[child]._table, exprs, keys, needles, ids_by_key=ids_by_pid
            ):
                result[pid][child].add(child_id)
        return result


def child_fields(env, data_models):
    """((parent model, ((child model, inverse many2one), ...)), ...) of the
    compositions between ``data_models``: one2many whose inverse is stored
    and required or deleted with the record."""
    data_models = set(data_models)
    found = defaultdict(set)
    for model_name in data_models:
        if model_name in SKIP_MODELS or model_name in CHILD_SKIP_MODELS:
            continue
        for field in env[model_name]._fields.values():
            if field.type != "one2many" or field.comodel_name not in data_models:
                continue
            if field.comodel_name in CHILD_SKIP_MODELS or field.comodel_name in SKIP_MODELS:
                continue
            inverse = env[field.comodel_name]._fields.get(field.inverse_name)
            if (
                inverse is None
                or inverse.type != "many2one"
                or not inverse.store
                or inverse.comodel_name != model_name
                or not (inverse.required or inverse.ondelete == "cascade")
            ):
                continue
            found[model_name].add((field.comodel_name, inverse.name))
    return tuple((model_name, tuple(sorted(children))) for model_name, children in sorted(found.items()))
