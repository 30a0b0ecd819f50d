#!/usr/bin/env python3
"""Benchmark of the retail_crm_rfm scheduled run.

In a database where ``retail_crm_rfm`` is installed and no POS order exists
yet, loads N customers and M paid POS orders with the suite's generator
(``tools/datagen.py``: stores, heavy/regular/occasional buyers and churners,
refunds); a database that already holds orders is measured as it is
(``--generator auto``, the default). Then measures on the company with the
most orders:

1. the full run (aggregate, score, segment, cluster, BG/NBD + Gamma-Gamma fit
   and predictions, snapshot, write-back of every customer), phase by phase;
2. the daily run when nothing changed (same day, same data: writes nothing),
   and the run of the next day on the same orders (recency and customer age
   grow by a day: only customers whose scores, segment or model outputs
   changed are written, since the last purchase day is stored, not the days
   since);
3. a naive per-partner ORM approach (search the orders of one partner, compute
   R/F/M in Python, write the partner) on a random sample, extrapolated to all
   customers, and the ratio to the full run;
4. the refresh of the KPI report (a materialized view) and opening it by month;
5. the floors, timed right before the full run: the bare SQL aggregate of the
   orders (partner, max date, count, sum) and that of the order lines
   (partner, margin, sales), which a full run must both read.

Usage::

    python3 tools/bench_rfm.py -d DB --customers 100000 --orders 1000000   # loads them if DB has no order
    python3 tools/bench_rfm.py -d DB --customers 1000000 --orders 10000000 --generate-only
    python3 tools/bench_rfm.py -d DB --generator none [--sample 2000] [--batch-size 50000]
    # connection: --db-host /tmp/retail_crm_pg_0 --db-port 54320 --db-user odoo
"""

import argparse
import json
import os
import resource
import sys
import threading
import time

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tools import bootstrap

try:
    from dateutil.relativedelta import relativedelta

    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import SQL
    from tools.rfm_bench_helpers import (
        Snapshot,
        check_results,
        eval_timings,
        load_average,
        naive_sample,
        table_versions,
    )
except ImportError:  # reported by main()
    odoo = None


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    bootstrap.add_connection_args(parser)
    parser.add_argument("--customers", type=int, default=100000)
    parser.add_argument("--orders", type=int, default=1000000)
    parser.add_argument("--sample", type=int, default=2000, help="partners for the naive ORM sample")
    parser.add_argument("--batch-size", type=int, default=50000)
    parser.add_argument(
        "--workers", type=int, default=2, help="write-back cron workers (threads with their own connection)"
    )
    parser.add_argument(
        "--generator",
        choices=("auto", "datagen", "none"),
        default="auto",
        help="datagen: load --customers/--orders with the suite's tools/datagen.py (realistic "
        "chain, churners, refunds); none: use the orders already in the database; auto "
        "(default): datagen only when the database has no POS order yet",
    )
    parser.add_argument("--no-kpi", action="store_true", help="do not measure the KPI report's refresh")
    parser.add_argument(
        "--compare-workers",
        action="store_true",
        help="at the end, clear the figures and run the full run again with one write-back "
        "cron worker: its write-back time against the --workers one",
    )
    parser.add_argument(
        "--save-results",
        metavar="FILE",
        help="write the full run's per-customer results (scores, segment, cluster, churn, value) to FILE",
    )
    parser.add_argument(
        "--compare-results",
        metavar="FILE",
        help="compare the full run's per-customer results with FILE (written by --save-results, "
        "e.g. by the previous code on the same data): prints the customers that differ",
    )
    parser.add_argument(
        "--generate-only",
        action="store_true",
        help="only load the data (then measure with --generator none, so that the "
        "peak memory printed is the run's)",
    )
    return parser.parse_args()


def setup_odoo(args):
    return bootstrap.open_registry(args)


class Timer:
    def __init__(self):
        self.rows = []

    def __call__(self, label):
        timer = self

        class _Ctx:
            def __enter__(self):
                self.start = time.perf_counter()
                return self

            def __exit__(self, *exc):
                timer.rows.append((label, time.perf_counter() - self.start))

        return _Ctx()


def generate_datagen(env, args):
    from tools import datagen  # noqa: PLC0415 (the suite's generator, next to this file)

    result = datagen.generate(
        env,
        customers=args.customers,
        orders=args.orders,
        seed=42,
        progress=lambda message: print("   datagen:", message, flush=True),
    )
    env.cr.commit()
    return result


def bare_aggregate_seconds(cr, company):
    """The bare SQL aggregate (partner, max date, count, sum): the floor of any implementation."""
    started = time.perf_counter()
    cr.execute(
        SQL(
            "SELECT partner_id, max(date_order), count(*), sum(amount_total) FROM pos_order"
            " WHERE company_id = %s AND partner_id IS NOT NULL AND state IN ('paid', 'done', 'invoiced')"
            " GROUP BY partner_id",
            company.id,
        )
    )
    cr.fetchall()
    return time.perf_counter() - started


def bare_lines_seconds(cr, company):
    """The bare SQL aggregate of the order lines (partner, margin, sales): the
    floor of anything that reads the lines, as value on margin must."""
    started = time.perf_counter()
    cr.execute(
        SQL(
            "SELECT o.partner_id, sum(l.price_subtotal - l.total_cost), sum(l.price_subtotal_incl)"
            " FROM pos_order_line l JOIN pos_order o ON o.id = l.order_id"
            " WHERE o.company_id = %s AND o.partner_id IS NOT NULL AND o.state IN ('paid', 'done', 'invoiced')"
            " GROUP BY o.partner_id",
            company.id,
        )
    )
    cr.fetchall()
    return time.perf_counter() - started


def choose_generator(cr, requested):
    """The generator to use: ``auto`` loads data only into a database without POS orders."""
    if requested != "auto":
        return requested
    # a database that already holds orders is measured as it is
    cr.execute(SQL("SELECT EXISTS (SELECT 1 FROM pos_order)"))
    return "none" if cr.fetchone()[0] else "datagen"


def clear_rfm(env):
    from odoo.addons.retail_crm_rfm.models.rfm_run_common import (  # noqa: PLC0415
        PARTNER_COLUMNS,
    )

    env.cr.execute(
        SQL(
            "UPDATE res_partner SET %s WHERE rfm_date IS NOT NULL",
            SQL(", ").join(SQL("%s = NULL", SQL.identifier(name)) for name, _col in PARTNER_COLUMNS),
        )
    )
    env.cr.execute(SQL("DELETE FROM retail_crm_rfm_run"))
    # the snapshot has no foreign key to the runs (see retail.crm.rfm.snapshot)
    env.cr.execute(SQL("DELETE FROM retail_crm_rfm_snapshot"))
    env.cr.commit()
    # the full run then writes into a table without the dead versions of
    # the rows just cleared, as a first run after the addon's installation
    # (the write-back of every row took 24.7-72.2 s depending on whether
    # autovacuum had passed since the reset)
    env.cr._cnx.autocommit = True
    try:
        env.cr.execute(SQL("VACUUM ANALYZE res_partner"))
    finally:
        env.cr._cnx.autocommit = False
    env.invalidate_all()


def run_once(env, company, run_date=None, workers=2):
    run_model = env["retail.crm.rfm.run"]
    if run_date:
        run = run_model.create({"company_id": company.id, "run_date": run_date}).with_company(company)
    else:
        run = run_model._get_runs_to_process(company).with_company(company)
    env.cr.commit()
    while run.state != "done":
        while not run._step(parallel=True):
            env.cr.commit()
        env.cr.commit()
        if run.state == "writing":
            # handed to the write-back cron jobs: run them as cron workers would
            started = time.perf_counter()
            run_workers(env.registry, workers)
            timings = json.loads(run.timings or "{}")
            timings[f"write ({workers} cron workers)"] = round(time.perf_counter() - started, 3)
            run.timings = json.dumps(timings)
            env.cr.commit()
            run.invalidate_recordset()
    return run


def compare_workers(env, company, workers, full_timings):
    """The full run's write-back again, by one cron worker (every row differs again)."""
    clear_rfm(env)
    single = eval_timings(run_once(env, company, workers=1).timings)
    one = single.get("write (1 cron workers)", 0.0)
    many = full_timings.get(f"write ({workers} cron workers)", 0.0)
    print(
        f"-- write-back of the full run: {workers} cron workers {many:.2f} s, one cron worker"
        f" {one:.2f} s ({one / max(many, 1e-9):.2f}x)"
    )


def run_workers(registry, workers):
    """The write-back cron jobs, each in its own thread and connection (as
    ``workers`` cron worker processes would run them), until no lane is left."""
    errors = []

    def worker():
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                job = env.ref("retail_crm_rfm.ir_cron_rfm_write_lane_1")
                while True:
                    # as ir.cron runs the job: a progress record in the context, so
                    # that the worker commits each batch (retail_crm_rfm cron_batch)
                    job_as_cron, _progress = job._add_progress()
                    cr.commit()
                    lanes = env["retail.crm.rfm.run.lane"].with_context(job_as_cron.env.context)
                    if not lanes._cron_write_lanes():
                        break
                    cr.commit()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def main():
    args = parse_args()
    if odoo is None:
        sys.exit("Odoo 18 is not importable by this python3")
    registry = setup_odoo(args)
    timer = Timer()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if "retail.crm.rfm.run" not in env:
            sys.exit("retail_crm_rfm is not installed in this database")
        env["ir.config_parameter"].set_param("retail_crm_rfm.batch_size", args.batch_size)
        env["ir.config_parameter"].set_param("retail_crm_rfm.cluster_k", 0)
        cr.commit()
        generator = choose_generator(cr, args.generator)
        with timer(f"generate data with {generator} (not part of the run)"):
            if generator == "datagen":
                generate_datagen(env, args)
        if args.generate_only:
            print(f"generated in {timer.rows[-1][1]:.1f} s")
            return
        # the company with the most paid orders is benchmarked
        cr.execute(SQL("SELECT company_id FROM pos_order GROUP BY company_id ORDER BY count(*) DESC LIMIT 1"))
        row = cr.fetchone()
        if not row:
            sys.exit("no POS orders in this database")
        company = env["res.company"].browse(row[0])
        print(f"# RFM benchmark on company {company.name}, batch {args.batch_size:,}; {load_average()}")
        clear_rfm(env)
        cr.execute(SQL("SELECT count(*) FROM pos_order WHERE company_id = %s", company.id))
        orders_total = cr.fetchone()[0]

        env["ir.config_parameter"].set_param("retail_crm_rfm.write_workers", args.workers)
        cr.commit()
        # timed right before the full run, in the same process (same load)
        bare_aggregate = bare_aggregate_seconds(cr, company)
        print(f"   bare SQL aggregate {bare_aggregate:.2f} s", flush=True)
        bare_lines = bare_lines_seconds(cr, company)
        print(f"   bare SQL aggregate of the lines {bare_lines:.2f} s", flush=True)
        started = time.perf_counter()
        full = run_once(env, company, workers=args.workers)
        full_total = time.perf_counter() - started
        print(f"   full run {full_total:.2f} s {full.timings}; {load_average()}", flush=True)
        full_timings = eval_timings(full.timings)
        check_results(cr, full, args)
        # keep the figures: a later run of the same day with other results replaces this run
        full = Snapshot(full)
        before_rows = table_versions(cr)

        started = time.perf_counter()
        second = run_once(env, company, workers=args.workers)
        second_total = time.perf_counter() - started
        second_timings = eval_timings(second.timings)
        after_rows = table_versions(cr)

        # the next day: same orders, but every customer's recency and age grow
        # by a day; only the customers whose figures changed are written
        started = time.perf_counter()
        next_day = run_once(
            env, company, run_date=second.run_date + relativedelta(days=1), workers=args.workers
        )
        next_total = time.perf_counter() - started
        next_timings = eval_timings(next_day.timings)
        next_written = next_day.written_count
        print(
            f"   next-day run {next_total:.2f} s, {next_written:,} written {next_day.timings}; {load_average()}",
            flush=True,
        )

        kpi_refresh = kpi_read = 0.0
        kpi_groups = []
        if not args.no_kpi:
            kpi = env["retail.crm.rfm.kpi.report"]
            started = time.perf_counter()
            kpi._refresh()
            cr.commit()
            kpi_refresh = time.perf_counter() - started
            started = time.perf_counter()
            kpi_groups = kpi._read_group([], ["month:month"], ["order_count:sum", "churn_rate:avg"])
            kpi_read = time.perf_counter() - started

        sample, naive_elapsed = naive_sample(env, company, args.sample)
        naive_total = naive_elapsed / max(sample, 1) * full.customer_count

        print(f"{'phase':<44}{'seconds':>10}")
        for label, seconds in timer.rows:
            print(f"{label:<44}{seconds:>10.1f}")
        print(
            f"-- full run: {full.customer_count:,} customers scored from {orders_total:,} orders, "
            f"{full.written_count:,} partners written"
        )
        for phase, seconds in full_timings.items():
            print(f"   {phase:<41}{seconds:>10.2f}")
        print(f"{'   total full run':<44}{full_total:>10.2f}")
        print(
            f"-- no-change run: {second.written_count:,} partners written;"
            f" snapshot rows inserted: {after_rows[0] - before_rows[0]:,};"
            f" res_partner row versions changed: {'no' if after_rows[1] == before_rows[1] else 'YES'}"
        )
        for phase, seconds in second_timings.items():
            print(f"   {phase:<41}{seconds:>10.2f}")
        print(f"{'   total no-change run':<44}{second_total:>10.2f}")
        print(
            f"-- next-day run (same orders, run date + 1 day): {next_written:,} partners written;"
            f" models fitted on {next_day.model_fit_date} (run date {next_day.run_date},"
            f" refit every {next_day.model_refit_days} days)"
        )
        for phase, seconds in next_timings.items():
            print(f"   {phase:<41}{seconds:>10.2f}")
        print(f"{'   total next-day run':<44}{next_total:>10.2f}")
        print(
            f"-- models: {full.churn_model or 'none'} {full.bgnbd_message} (r={full.bgnbd_r:.4f}"
            f" alpha={full.bgnbd_alpha:.4f} a={full.bgnbd_a:.4f} b={full.bgnbd_b:.4f},"
            f" LL={full.bgnbd_log_likelihood:.1f}); Gamma-Gamma {full.gg_message}; {full.cluster_count} clusters;"
            f" value on {full.ltv_basis}"
        )
        print(
            f"-- holdout ({full.holdout_weeks:.1f} weeks): {full.holdout_actual:,.0f} actual repeat purchase days,"
            f" {full.holdout_predicted:,.0f} predicted by the chosen model; error BG/NBD"
            f" {full.holdout_error_bgnbd:.4f}, MBG/NBD {full.holdout_error_mbgnbd:.4f},"
            f" Pareto/NBD {full.holdout_error_pareto:.4f}"
        )
        print(
            f"-- KPI report: refresh {kpi_refresh:.2f} s (materialized view, refreshed by the scheduled"
            f" action after new results); opening it by month ({len(kpi_groups)} rows) {kpi_read:.2f} s"
        )
        print(
            f"-- naive per-partner ORM: {sample:,} partners in {naive_elapsed:.2f} s -> "
            f"{naive_total:,.0f} s extrapolated to {full.customer_count:,}"
        )
        print(f"   ratio naive / full run: {naive_total / full_total:,.0f}x")
        print(
            f"-- bare SQL aggregate (partner, max date, count, sum), timed before the full run:"
            f" {bare_aggregate:.2f} s;"
            f" full run / bare aggregate: {full_total / bare_aggregate:.1f}x,"
            f" next-day run / bare aggregate: {next_total / bare_aggregate:.1f}x,"
            f" the run's aggregate / bare aggregate: {full_timings.get('aggregate', 0.0) / bare_aggregate:.1f}x"
        )
        bare_reads = bare_aggregate + bare_lines
        print(
            f"-- bare SQL aggregate of the lines (partner, margin, sales), timed before the full run:"
            f" {bare_lines:.2f} s; the two bare aggregates (what a full run must read): {bare_reads:.2f} s;"
            f" full run / both: {full_total / bare_reads:.1f}x,"
            f" the run's aggregate and margin / both:"
            f" {(full_timings.get('aggregate', 0.0) + full_timings.get('margin', 0.0)) / bare_reads:.1f}x"
        )
        if args.compare_workers and args.workers > 1:
            compare_workers(env, company, args.workers, full_timings)
        print(f"-- at the end: {load_average()}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"-- peak memory of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
