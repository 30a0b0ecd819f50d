from collections import defaultdict

from odoo import tools
from odoo.tools import SQL

from . import privacy_match
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
# big transaction tables whose address columns hold one address each (the
# customer's contact details copied on the order, or typed for a receipt):
# searched by exact value through an index (privacy_finder.ensure_address_indexes)
# instead of a regular expression over millions of rows
EXACT_ADDRESS_COLUMNS = {"pos.order": {"email": "email", "mobile": "phone"}}
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
        return self._scrub_matches_owned(model_name, {0: ids}, {0: pattern}).get(0, {})

    def _scrub_matches_owned(self, model_name, ids_by_key, patterns):
        """{key: {field: [ids]}}: the rows of each person (``ids_by_key``)
        whose text holds that person's own pattern, for many people in one
        query; rows are tested person after person (one regex at a time).
        No needles here (_match_rows): the person's own rows are few and
        often hold their address (orders carry the customer's e-mail and
        mobile); measured on 10,000 orders, the prefilter costs more than
        it saves (0.25-0.36 s vs 0.18-0.23 s; 2.6 vs 1.7-2.0 s with the
        addresses on the orders)."""
        pairs = [(row_id, key) for key, ids in ids_by_key.items() if patterns.get(key) for row_id in ids]
        if not pairs:
            return {}
        columns = self._text_columns(model_name)
        if not columns:
            return {}
        keys = sorted({key for _row, key in pairs})
        exprs = [
            SQL("t.%s::text", SQL.identifier(c)) if is_json else SQL("t.%s", SQL.identifier(c))
            for c, is_json in columns
        ]
        # OFFSET 0: not flattened, so that each person's rows are tested
        # together with their pattern (PostgreSQL caches 32 compiled regexes)
        self.env.cr.execute(
            SQL(
                """
            WITH r AS (
                SELECT u.key, array_agg(u.id) AS ids FROM unnest(%s::int[], %s::int[]) AS u(id, key) GROUP BY u.key
            )
            SELECT x.* FROM r JOIN unnest(%s::int[], %s::text[]) AS p(key, pat) ON p.key = r.key
            CROSS JOIN LATERAL (
                SELECT t.id, p.key, %s FROM %s t WHERE t.id = ANY(r.ids) AND (%s) OFFSET 0
            ) x
            """,
                [row for row, _key in pairs],
                [key for _row, key in pairs],
                keys,
                [patterns[k] for k in keys],
                SQL(", ").join(SQL("coalesce(%s ~* p.pat, false)", e) for e in exprs),
                SQL.identifier(self.env[model_name]._table),
                SQL(" OR ").join(SQL("%s ~* p.pat", e) for e in exprs),
            )
        )
        found = defaultdict(lambda: defaultdict(list))
        for row in self.env.cr.fetchall():
            for (column, _is_json), hit in zip(columns, row[2:], strict=True):
                if hit:
                    found[row[1]][column].append(row[0])
        return found

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


def address_expression(column, kind, alias="t"):
    """The indexed expression of an address column: lowercase e-mail, or the
    digits of a phone number (any spelling)."""
    name = SQL.identifier(alias, column) if alias else SQL.identifier(column)
    if kind == "email":
        return SQL("lower(%s)", name)
    return SQL("regexp_replace(%s, '[^0-9]', '', 'g')", name)


def no_jit(cr):
    """No JIT compilation for the rest of the transaction: the erasure's
    queries are selective (index probes, a few rows), but the planner's
    estimates on tables of millions of rows pass the JIT threshold, and
    compiling costs ~0.5 s per statement, more than the statement itself."""
    cr.execute(SQL("SET LOCAL jit = off"))


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
