"""Runs made before the churn/value models could be reused between refits
(``model_refit_days``, issue 14 item 8) refitted them on every run: their
frozen setting says so (0)."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(SQL("UPDATE retail_crm_rfm_run SET model_refit_days = 0 WHERE model_refit_days IS NULL"))
