#!/usr/bin/env python3
"""Benchmark of the complaint SLA cron (retail_crm_complaints).

Creates N open complaint tickets with one first-contact and one resolution SLA
line each, bulk-inserted with parameterised SQL (odoo.tools.SQL), with
deadlines spread so that a share of the lines is breached, a share at risk
and the rest on track. Then runs the SLA check batch by batch (the same
``_sla_check_batch`` the cron calls) and prints, per batch, the time and the
number of SQL queries, and the totals. Everything is rolled back at the end
unless --keep is given.

Usage:
    python3 tools/bench_complaints.py -d DB [--addons-path ...] \
        [--db-host ... --db-port ... --db-user ...] \
        [--count 100000] [--batch 1000] [--breached 0.02] [--at-risk 0.03] [--keep]

The database must have retail_crm_complaints installed.
"""

import argparse
import os
import sys
import time
from datetime import timedelta

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL
from tools import bootstrap


def parse_args(argv):
    parser = bootstrap.connection_parser(__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100000, help="open tickets to create")
    parser.add_argument("--batch", type=int, default=1000, help="cron batch size")
    parser.add_argument(
        "--breached", type=float, default=0.02, help="share of tickets whose first-contact deadline is past"
    )
    parser.add_argument("--at-risk", type=float, default=0.03, help="share of tickets at risk")
    parser.add_argument("--keep", action="store_true", help="commit the generated data")
    return parser.parse_args(argv)


def create_tickets(env, count, breached, at_risk):
    """Bulk insert ``count`` tickets and 2 SLA lines each; return their ids."""
    cr = env.cr
    company = env.company
    stage = env.ref("retail_crm_complaints.stage_new")
    user = env.ref("base.user_admin")
    calendar = company.resource_calendar_id
    team = env["retail.crm.complaint.team"].create(
        {
            "name": "Bench team",
            "manager_id": user.id,
            "member_ids": [(6, 0, user.ids)],
            "resource_calendar_id": calendar.id,
            "assign_method": "manual",
        }
    )
    contact = env["retail.crm.complaint.sla"].create(
        {
            "name": "Bench first contact",
            "target": "first_contact",
            "target_hours": 24,
            "team_ids": [(6, 0, team.ids)],
        }
    )
    resolution = env["retail.crm.complaint.sla"].create(
        {
            "name": "Bench resolution",
            "target": "resolution",
            "target_hours": 72,
            "team_ids": [(6, 0, team.ids)],
        }
    )
    env.flush_all()
    now = fields.Datetime.now()
    n_breached = int(count * breached)
    n_risk = int(count * at_risk)
    cr.execute(
        SQL(
            """
        INSERT INTO retail_crm_complaint
            (name, subject, active, company_id, channel, severity, date_received,
             stage_id, is_closed, team_id, user_id, create_uid, write_uid,
             create_date, write_date)
        SELECT 'BENCH/' || g, 'Bench ticket ' || g, TRUE, %(company)s, 'store', 'normal',
               %(now)s - interval '1 hour', %(stage)s, FALSE, %(team)s, %(user)s,
               %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM generate_series(1, %(count)s) g
        RETURNING id
        """,
            company=company.id,
            now=now,
            stage=stage.id,
            team=team.id,
            user=user.id,
            uid=env.uid,
            count=count,
        )
    )
    ids = sorted(r[0] for r in cr.fetchall())
    # first contact: the first n_breached past their deadline, the next
    # n_risk past their at-risk date, the rest on track
    cr.execute(
        SQL(
            """
        INSERT INTO retail_crm_complaint_sla_line
            (complaint_id, company_id, sla_id, target, calendar_id, start_date,
             paused_hours, deadline, at_risk_date, status, escalation_state,
             create_uid, write_uid, create_date, write_date)
        SELECT c.id, %(company)s, %(sla)s, 'first_contact', %(calendar)s, c.date_received, 0,
               CASE WHEN c.rn <= %(nb)s THEN %(now)s - interval '10 minutes'
                    ELSE %(now)s + interval '20 hours' END,
               CASE WHEN c.rn <= %(nb)s + %(nr)s THEN %(now)s - interval '20 minutes'
                    ELSE %(now)s + interval '15 hours' END,
               'on_track', 'none', %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM (SELECT id, date_received, row_number() OVER (ORDER BY id) rn
                  FROM retail_crm_complaint WHERE id = ANY(%(ids)s)) c
        """,
            company=company.id,
            sla=contact.id,
            calendar=calendar.id,
            now=now,
            nb=n_breached,
            nr=n_risk,
            uid=env.uid,
            ids=ids,
        )
    )
    cr.execute(
        SQL(
            """
        INSERT INTO retail_crm_complaint_sla_line
            (complaint_id, company_id, sla_id, target, calendar_id, start_date,
             paused_hours, deadline, at_risk_date, status, escalation_state,
             create_uid, write_uid, create_date, write_date)
        SELECT id, %(company)s, %(sla)s, 'resolution', %(calendar)s, date_received, 0,
               %(now)s + interval '60 hours', %(now)s + interval '50 hours',
               'on_track', 'none', %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM retail_crm_complaint WHERE id = ANY(%(ids)s)
        """,
            company=company.id,
            sla=resolution.id,
            calendar=calendar.id,
            now=now,
            uid=env.uid,
            ids=ids,
        )
    )
    cr.execute(
        SQL(
            """
        UPDATE retail_crm_complaint SET sla_status = 'on_track', sla_breached = FALSE,
               sla_deadline = %(deadline)s
         WHERE id = ANY(%(ids)s)
        """,
            deadline=now + timedelta(hours=20),
            ids=ids,
        )
    )
    # fresh statistics so that the planner uses the partial indexes
    cr.execute(SQL("ANALYZE %s", SQL.identifier("retail_crm_complaint")))
    cr.execute(SQL("ANALYZE %s", SQL.identifier("retail_crm_complaint_sla_line")))
    env.invalidate_all()
    return ids, n_breached, n_risk


def main(argv):
    args = parse_args(argv)
    registry = bootstrap.open_registry(args)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        t0 = time.perf_counter()
        ids, n_breached, n_risk = create_tickets(env, args.count, args.breached, args.at_risk)
        print(
            f"created {len(ids)} open tickets ({n_breached} breached, {n_risk} at risk, "
            f"{2 * len(ids)} SLA lines) in {time.perf_counter() - t0:.1f}s"
        )
        Line = env["retail.crm.complaint.sla.line"]
        now = fields.Datetime.now()
        total_t, total_q, batch_no, handled_total = 0.0, 0, 0, 0
        while True:
            q0, t1 = cr.sql_log_count, time.perf_counter()
            handled = Line._sla_check_batch(now, args.batch)
            env.flush_all()
            dt, dq = time.perf_counter() - t1, cr.sql_log_count - q0
            total_t += dt
            total_q += dq
            batch_no += 1
            handled_total += handled
            print(f"batch {batch_no:4d}: {handled:6d} lines handled in {dt:6.3f}s, {dq:4d} queries")
            if not handled:
                break
            env.invalidate_all()
        breached = Line.search_count([("complaint_id", "in", ids), ("status", "=", "breached")])
        at_risk = Line.search_count([("complaint_id", "in", ids), ("status", "=", "at_risk")])
        print(
            f"SLA check over {len(ids)} open tickets: {total_t:.2f}s, {total_q} queries, "
            f"{batch_no} batches; lines now breached={breached} at_risk={at_risk}"
        )
        if args.keep:
            cr.commit()
        else:
            cr.rollback()


if __name__ == "__main__":
    main(sys.argv[1:])
