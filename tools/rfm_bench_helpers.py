"""Helpers of tools/bench_rfm.py: the naive per-partner ORM loop and plain copies of results."""

import json
import random
import time

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tools import SQL


def naive_sample(env, company, sample_size):
    """Per-partner ORM loop on a random sample of bench customers."""
    # the customers scored by the last run of the company (a run that found
    # the results of an earlier run has its rows under that run)
    env.cr.execute(
        SQL(
            """SELECT s.partner_id FROM retail_crm_rfm_snapshot s
                WHERE s.run_id = (SELECT COALESCE(source_run_id, id) FROM retail_crm_rfm_run
                                   WHERE company_id = %s ORDER BY id DESC LIMIT 1)""",
            company.id,
        )
    )
    ids = [row[0] for row in env.cr.fetchall()]
    sample = random.Random(1).sample(sorted(ids), min(sample_size, len(ids)))
    today = fields.Date.context_today(env["retail.crm.rfm.run"])
    start = today - relativedelta(months=12)
    partners = env["res.partner"].with_company(company)
    began = time.perf_counter()
    for partner_id in sample:
        orders = env["pos.order"].search(
            [
                ("partner_id", "=", partner_id),
                ("company_id", "=", company.id),
                ("state", "in", ("paid", "done", "invoiced")),
            ]
        )
        purchases = orders.filtered(lambda o: o.amount_total >= 0)
        last = max(purchases.mapped("date_order")).date() if purchases else today
        window = orders.filtered(lambda o: o.date_order.date() > start)
        partners.browse(partner_id).write(
            {
                "rfm_last_purchase_date": last,
                "rfm_frequency": len(window.filtered(lambda o: o.amount_total >= 0)),
                "rfm_monetary": sum(window.mapped("amount_total")),
            }
        )
        env.invalidate_all()
    env.flush_all()
    elapsed = time.perf_counter() - began
    env.cr.rollback()
    return len(sample), elapsed


class Snapshot:
    """Plain copy of a run's fields."""

    def __init__(self, run):
        for name in (
            "customer_count",
            "written_count",
            "bgnbd_message",
            "bgnbd_r",
            "bgnbd_alpha",
            "bgnbd_a",
            "bgnbd_b",
            "bgnbd_log_likelihood",
            "gg_message",
            "cluster_count",
            "churn_model",
            "holdout_weeks",
            "holdout_actual",
            "holdout_predicted",
            "holdout_error_bgnbd",
            "holdout_error_mbgnbd",
            "holdout_error_pareto",
            "ltv_basis",
        ):
            setattr(self, name, run[name])


def table_versions(cr):
    """Snapshot row count and a digest of the physical row versions of res_partner.

    Any UPDATE of a res_partner row (even one writing equal values) gives the
    row a new version, hence a new ctid: equal digests mean no row was written.
    """
    cr.execute(SQL("SELECT count(*) FROM retail_crm_rfm_snapshot"))
    snapshots = cr.fetchone()[0]
    cr.execute(SQL("SELECT md5(string_agg(ctid::text, ',' ORDER BY id)) FROM res_partner"))
    return snapshots, cr.fetchone()[0]


def eval_timings(text):
    return json.loads(text or "{}")
