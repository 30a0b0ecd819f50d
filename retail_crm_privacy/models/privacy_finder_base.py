"""What the privacy finders share: the data tables of the database, the
models never rewritten by an erasure, and the session setting of their
queries."""

from odoo.tools import SQL

from .privacy_service import PrivacyService

# never rewritten by an erasure
SKIP_MODELS = {"res.partner", "retail.crm.erasure.log", "privacy.log", "res.company"}


class PrivacyFinderBase(PrivacyService):
    """Base of the finders (privacy_finder, privacy_finder_address,
    privacy_finder_text)."""

    def _data_models(self):
        """Models stored in a table (not SQL views, not wizards); cached
        by ``res.partner._privacy_data_models``."""
        return self.env["res.partner"]._privacy_data_models()


def data_models(env):
    """Names of the models stored in a table, regular or partitioned (not SQL
    views, not wizards)."""
    found = []
    for model_name in env.registry:
        model = env[model_name]
        if model._transient or model._abstract:
            continue
        # a model whose table an addon creates itself (_auto = False) or
        # reads through _table_query (a partitioned table, which Odoo's
        # check of the tables does not know): data when the table is one
        if (not model._auto or model._table_query) and not is_data_table(env.cr, model._table):
            continue
        found.append(model_name)
    return found


def is_data_table(cr, table):
    """``table`` is a regular or a partitioned table (not a view, not missing)."""
    cr.execute(
        SQL(
            "SELECT c.relkind IN ('r', 'p') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = %s AND n.nspname = current_schema",
            table,
        )
    )
    row = cr.fetchone()
    return bool(row and row[0])


def no_jit(cr):
    """No JIT compilation for the rest of the transaction: the erasure's
    queries are selective (index probes, a few rows), but the planner's
    estimates on tables of millions of rows pass the JIT threshold, and
    compiling costs ~0.5 s per statement, more than the statement itself."""
    cr.execute(SQL("SET LOCAL jit = off"))
