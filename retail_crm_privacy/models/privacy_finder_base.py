"""What the privacy finders share: the data tables of the database, the
models never rewritten by an erasure, and the session setting of their
queries."""

from odoo import tools
from odoo.tools import SQL

from .privacy_service import PrivacyService

# never rewritten by an erasure
SKIP_MODELS = {"res.partner", "retail.crm.erasure.log", "privacy.log", "res.company"}


class PrivacyFinderBase(PrivacyService):
    """Base of the finders (privacy_finder, privacy_finder_address,
    privacy_finder_text)."""

    def _data_models(self):
        """Models stored in a regular table (not SQL views, not wizards); cached
        by ``res.partner._privacy_data_models``."""
        return self.env["res.partner"]._privacy_data_models()


def data_models(env):
    """Names of the models stored in a regular table (not SQL views, not wizards)."""
    found = []
    for model_name in env.registry:
        model = env[model_name]
        if model._transient or model._abstract or model._table_query:
            continue
        if not model._auto and tools.sql.table_kind(env.cr, model._table) != tools.sql.TableKind.Regular:
            continue
        found.append(model_name)
    return found


def no_jit(cr):
    """No JIT compilation for the rest of the transaction: the erasure's
    queries are selective (index probes, a few rows), but the planner's
    estimates on tables of millions of rows pass the JIT threshold, and
    compiling costs ~0.5 s per statement, more than the statement itself."""
    cr.execute(SQL("SET LOCAL jit = off"))
