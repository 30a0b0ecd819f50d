"""Helpers of tools/bench_rfm.py: the naive per-partner ORM loop and plain copies of results."""

import json
import os
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


# the per-customer results of a run compared by --save-results / --compare-results
RESULT_COLUMNS = (
    "partner_id",
    "last_purchase_date",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "segment_code",
    "cluster",
    "churn_probability",
    "expected_purchases",
    "ltv",
    "churn_band",
)


def run_results(cr, run_id):
    """The snapshot rows of a run as text tuples, in partner id order."""
    cr.execute(
        SQL(
            "SELECT %s FROM retail_crm_rfm_snapshot WHERE run_id = %s ORDER BY partner_id",
            SQL(", ").join(SQL("%s::text", SQL.identifier(name)) for name in RESULT_COLUMNS),
            run_id,
        )
    )
    return [tuple("" if value is None else value for value in row) for row in cr.fetchall()]


def save_results(cr, run_id, path):
    rows = run_results(cr, run_id)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\t".join(RESULT_COLUMNS) + "\n")
        for row in rows:
            handle.write("\t".join(row) + "\n")
    return len(rows)


def compare_results(cr, run_id, path, shown=5):
    """(customers compared, differing customers, examples) against a saved run."""
    with open(path, encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        if tuple(header) != RESULT_COLUMNS:
            raise ValueError(f"{path}: not a results file of this version ({header})")
        saved = {}
        for line in handle:
            row = tuple(line.rstrip("\n").split("\t"))
            saved[row[0]] = row
    rows = {row[0]: row for row in run_results(cr, run_id)}
    differing = []
    for partner in sorted(set(saved) | set(rows), key=int):
        old, new = saved.get(partner), rows.get(partner)
        if old != new:
            columns = [
                f"{name}: {a} -> {b}"
                for name, a, b in zip(RESULT_COLUMNS, old or ("",) * 13, new or ("",) * 13, strict=True)
                if a != b
            ]
            differing.append(f"partner {partner}: " + ", ".join(columns))
    return len(set(saved) | set(rows)), len(differing), differing[:shown]


def load_average():
    """The host's load average (1, 5, 15 minutes): the figures are inflated by other jobs."""
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def check_results(cr, run, args):
    """--save-results / --compare-results on the full run's snapshot."""
    if args.compare_results:
        count, differing, examples = compare_results(cr, run.id, args.compare_results)
        print(
            f"-- results compared with {args.compare_results}: {count:,} customers,"
            f" {differing:,} differ{' (identical)' if not differing else ''}",
            flush=True,
        )
        for example in examples:
            print("   ", example)
    if args.save_results:
        count = save_results(cr, run.id, args.save_results)
        print(f"-- results of {count:,} customers saved to {args.save_results}", flush=True)
