"""Finding a person's rows by their exact addresses: a LIKE prefilter
with the batch's needles then each person's own regex (_match_rows), and
index probes on the big transaction tables (EXACT_ADDRESS_COLUMNS)."""

from collections import defaultdict

from odoo import tools
from odoo.tools import SQL

from . import privacy_match
from .privacy_finder_base import SKIP_MODELS, PrivacyFinderBase

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
# big transaction tables whose address columns hold one address each (the
# customer's contact details copied on the order, or typed for a receipt):
# searched by exact value through an index (ensure_address_indexes below)
# instead of a regular expression over millions of rows
EXACT_ADDRESS_COLUMNS = {"pos.order": {"email": "email", "mobile": "phone"}}


class PrivacyAddressFinder(PrivacyFinderBase):
    """The rows of any table that hold one of the people's addresses."""

    def _find_by_address(self, id_pattern, exact=None, needles=None):
        """{model: set(ids)} of rows holding one of the person's exact
        addresses in an address column (queued mails, SMS, blacklists,
        mailing contacts, complaints by e-mail...); ``needles``: the
        identity's ``id_needles``."""
        exact = {0: exact} if exact is not None else None
        return self._find_by_address_owned({0: id_pattern}, exact, {0: needles}).get(0, {})

    def _address_columns(self):
        """[(model, [address columns])] of every data table but the skipped."""
        result = []
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
                result.append((model_name, columns))
        return result

    def _find_by_address_owned(self, patterns, exact=None, needles=None):
        """{key: {model: set(ids)}} of the rows holding the exact addresses of
        each person (``patterns``: {key: their id_pattern}; ``needles``:
        {key: their id_needles}), for many people in one query per table:
        a LIKE on the needles of the whole batch finds the few rows (and
        people) worth testing, then each such row is tested with its
        person's own pattern only."""
        patterns = {key: p for key, p in patterns.items() if p}
        if not patterns:
            return {}
        needles = needles or {}
        result = defaultdict(lambda: defaultdict(set))
        for model_name, columns in self._address_columns():
            model = self.env[model_name]
            if model_name in EXACT_ADDRESS_COLUMNS and exact is not None:
                self._find_exact_addresses(model, exact, result)
                columns = [c for c in columns if c not in EXACT_ADDRESS_COLUMNS[model_name]]
                if not columns:
                    continue
            exprs = [SQL("t.%s", SQL.identifier(c)) for c in columns]
            found = self._match_rows(model._table, exprs, patterns, needles)
            for res_id, key in found:
                result[key][model_name].add(res_id)
        return result

    def _match_rows(self, table, exprs, patterns, needles, ids_by_key=None):
        """[(row id, key)] of the rows of ``table`` whose text (``exprs``
        over alias ``t``) matches the pattern of person ``key``
        (``patterns``: {key: regex}). The batch's needles ({key: {"text":
        [LIKE], "digits": [LIKE]}}, privacy_match) select the candidate (row,
        person) pairs with a LIKE on the row's two normalised forms, computed
        once per row; only those pairs are tested with the regex. A person
        without needles is tested on every row. ``ids_by_key``: only these
        rows of each person."""
        keys = sorted(patterns)
        n_keys, n_kinds, n_likes = [], [], []
        for key in keys:
            person = needles.get(key)
            if person is None:
                person = {"text": ["%"]}
            for kind in ("text", "digits"):
                for like in person.get(kind, ()):
                    n_keys.append(key)
                    n_kinds.append(kind)
                    n_likes.append(like)
        text = SQL("concat_ws('|', %s)", SQL(", ").join(exprs))
        source = SQL("%s t CROSS JOIN (SELECT NULL::int AS key) o", SQL.identifier(table))
        if ids_by_key is not None:
            pairs = [(row, key) for key in keys for row in ids_by_key.get(key, ())]
            source = SQL(
                "%s t JOIN unnest(%s::int[], %s::int[]) AS o(id, key) ON o.id = t.id",
                SQL.identifier(table),
                [row for row, _key in pairs],
                [key for _row, key in pairs],
            )
        self.env.cr.execute(
            SQL(
                """
            WITH n AS MATERIALIZED (
                SELECT * FROM unnest(%(n_keys)s::int[], %(n_kinds)s::text[], %(n_likes)s::text[]) AS n(key, kind, pat)
            ), p AS MATERIALIZED (
                SELECT * FROM unnest(%(keys)s::int[], %(pats)s::text[]) AS p(key, pat)
            ), f AS MATERIALIZED (
                SELECT t.id, o.key, lower(%(text)s) AS l,
                       translate(regexp_replace(%(text)s, %(sep)s, '', 'g'), %(full)s, '0123456789') AS d
                  FROM %(source)s
            ), c AS MATERIALIZED (
                SELECT DISTINCT f.id, n.key FROM f JOIN n ON %(own)s
                   AND ((n.kind = 'text' AND f.l LIKE n.pat) OR (n.kind = 'digits' AND f.d LIKE n.pat))
            )
            SELECT c.id, c.key FROM c JOIN p ON p.key = c.key JOIN %(table)s t ON t.id = c.id WHERE %(match)s
            """,
                n_keys=n_keys,
                n_kinds=n_kinds,
                n_likes=n_likes,
                keys=keys,
                pats=[patterns[k] for k in keys],
                text=text,
                sep=privacy_match.SEP_CLASS + "+",
                full=privacy_match.FULL_WIDTH_DIGITS,
                source=source,
                table=SQL.identifier(table),
                own=SQL("n.key = f.key") if ids_by_key is not None else SQL("TRUE"),
                match=SQL(" OR ").join(SQL("%s ~* p.pat", e) for e in exprs),
            )
        )
        return self.env.cr.fetchall()

    def _find_exact_addresses(self, model, exact, result):
        """Add to ``result`` ({key: {model: ids}}) the rows of ``model`` whose
        address columns hold exactly one of the people's addresses (``exact``:
        {key: {"email": [lowercase e-mails], "phone": [digit strings]}}),
        found through the indexes on ``lower(email)`` and on the digits."""
        for column, kind in EXACT_ADDRESS_COLUMNS[model._name].items():
            owners = defaultdict(set)
            for key, values in exact.items():
                for value in values.get(kind, ()):
                    owners[value].add(key)
            if not owners or column not in model._fields:
                continue
            expression = address_expression(column, kind)
            # one index probe per value (LATERAL, OFFSET 0: not flattened into
            # a join): with = ANY(hundreds of values), or as a join, the
            # planner expects most of the table and reads it all
            self.env.cr.execute(
                SQL(
                    # the IS NOT NULL of the partial index, for the planner to use it
                    "SELECT x.id, v.value FROM unnest(%s::text[]) AS v(value) CROSS JOIN LATERAL "
                    "(SELECT t.id FROM %s t WHERE %s IS NOT NULL AND %s = v.value OFFSET 0) x",
                    sorted(owners),
                    SQL.identifier(model._table),
                    SQL.identifier("t", column),
                    expression,
                )
            )
            for row_id, value in self.env.cr.fetchall():
                for key in owners[value]:
                    result[key][model._name].add(row_id)


def address_expression(column, kind, alias="t"):
    """The indexed expression of an address column: lowercase e-mail, or the
    digits of a phone number (any spelling)."""
    name = SQL.identifier(alias, column) if alias else SQL.identifier(column)
    if kind == "email":
        return SQL("lower(%s)", name)
    return SQL("regexp_replace(%s, '[^0-9]', '', 'g')", name)


def ensure_address_indexes(env):
    """Indexes behind the exact address search (EXACT_ADDRESS_COLUMNS); the
    table is analysed after a new index, for the planner to know how few
    rows one address finds (statistics of the indexed expression)."""
    for model_name, columns in EXACT_ADDRESS_COLUMNS.items():
        if model_name not in env:
            continue
        model = env[model_name]
        created = False
        for column, kind in columns.items():
            if column not in model._fields or not model._fields[column].store:
                continue
            created |= not tools.index_exists(env.cr, f"{model._table}_{column}_privacy_address_index")
            tools.create_index(
                env.cr,
                f"{model._table}_{column}_privacy_address_index",
                model._table,
                [address_expression(column, kind, alias=None).code],
                where=SQL("%s IS NOT NULL", SQL.identifier(column)).code,
            )
        if created:
            env.cr.execute(SQL("ANALYZE %s", SQL.identifier(model._table)))
