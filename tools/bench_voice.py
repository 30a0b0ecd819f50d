#!/usr/bin/env python3
"""Customer-voice benchmark on a database with generated data
(tools/datagen.py): the quarterly NPS sample and the daily post-purchase
survey candidates, against a bare aggregate over the same orders measured in
the same run.  Everything the run writes (consents, answers, mails) is rolled
back.

    python3 tools/bench_voice.py -d DB [--consent-share 0.3] [--sample 200]
"""

import argparse
import datetime
import os
import sys
import time

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import odoo
from odoo.tools import SQL
from tools import bootstrap


def timed(label, fn, figures):
    start = time.perf_counter()
    result = fn()
    figures[label] = time.perf_counter() - start
    return result


def grant_email_consent(env, share):
    """A live e-mail marketing consent for ``share`` of the members (SQL)."""
    if "retail.crm.consent" not in env:
        return 0
    purposes = env["retail.crm.consent.purpose"].search([("marketing_channel", "=", "email")])
    env.cr.execute(
        SQL(
            """
            INSERT INTO retail_crm_consent (partner_id, purpose_id, channel, state, date, source,
                                            company_id, policy_version, create_uid, write_uid,
                                            create_date, write_date)
            SELECT p.id, pur.id, 'email', 'granted', now(), 'backend', %(company)s, %(version)s,
                   1, 1, now(), now()
              FROM res_partner p CROSS JOIN retail_crm_consent_purpose pur
             WHERE p.retail_is_member AND pur.id IN %(purposes)s
               AND mod(abs(hashtext(p.id::text)), 1000) < %(per_mille)s
            """,
            company=env.company.id,
            version=env["retail.crm.consent"]._default_policy_version(),
            purposes=tuple(purposes.ids) or (0,),
            per_mille=int(share * 1000),
        )
    )
    return env.cr.rowcount


def rank_every_active_member(env, company, start, period):
    """The sampling query of the previous design, kept for comparison: every
    active member's last store, ranked per store, before any is chosen."""
    env.cr.execute(
        SQL(
            """
            WITH last_visit AS (
                SELECT DISTINCT ON (o.partner_id) o.partner_id, o.config_id
                  FROM pos_order o JOIN res_partner p ON p.id = o.partner_id
                 WHERE o.company_id = %(company)s AND o.state IN ('paid', 'done', 'invoiced')
                   AND o.amount_total > 0 AND o.date_order >= %(start)s
                   AND p.retail_is_member AND p.active
                 ORDER BY o.partner_id, o.date_order DESC, o.id DESC)
            SELECT partner_id, config_id,
                   row_number() OVER (PARTITION BY config_id ORDER BY md5(partner_id::text || %(period)s))
              FROM last_visit ORDER BY 3, 2
            """,
            company=company.id,
            start=start,
            period=period,
        )
    )
    return env.cr.fetchall()


def main():
    parser = bootstrap.add_connection_args(argparse.ArgumentParser(description=__doc__))
    parser.add_argument("--consent-share", type=float, default=0.3)
    parser.add_argument("--sample", type=int, default=200, help="NPS sample per store")
    args = parser.parse_args()
    registry = bootstrap.open_registry(args)
    figures = {}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env.company
        voice = env["retail.crm.voice"]
        cr.execute("SELECT max(date_order)::date FROM pos_order")
        today = cr.fetchone()[0] + datetime.timedelta(days=1)
        company.write(
            {
                "retail_nps_survey_id": env.ref("retail_crm_complaints.survey_nps").id,
                "retail_csat_survey_id": env.ref("retail_crm_complaints.survey_csat").id,
                "retail_nps_sample_size": args.sample,
            }
        )
        granted = grant_email_consent(env, args.consent_share)
        cr.execute("SELECT count(*) FROM res_partner WHERE retail_is_member")
        members = cr.fetchone()[0]
        start, _end = voice._retail_local_bounds(company, today - datetime.timedelta(days=365), today)

        def bare():
            cr.execute(
                SQL(
                    "SELECT count(DISTINCT partner_id) FROM pos_order WHERE company_id = %s AND date_order >= %s",
                    company.id,
                    start,
                )
            )
            return cr.fetchone()[0]

        active = timed("bare aggregate (distinct active members)", bare, figures)
        period = voice._retail_quarter(today)
        ranked = timed(
            "previous design: rank every active member (SQL)",
            lambda: rank_every_active_member(env, company, start, period),
            figures,
        )
        order = timed(
            "members in the quarter's order (SQL)", lambda: voice._retail_nps_order(period), figures
        )
        timed(
            "first step of the NPS walk (2,000 members)",
            lambda: voice._retail_nps_ranked(company, start, period, order[:2000]),
            figures,
        )
        answers = timed(
            "NPS sample, consent check, answers and mails",
            lambda: voice._retail_send_nps(company, today),
            figures,
        )
        csat = timed(
            "daily post-purchase candidates and answers",
            lambda: voice._retail_send_csat(company, today),
            figures,
        )
        sent = timed(
            "one batch of invitations e-mailed (500)",
            lambda: voice._cron_send_invitations(batch_size=500),
            figures,
        )
        cr.rollback()
    print(
        f"members {members:,}, active in 12 months {active:,}, ranked {len(ranked):,}, e-mail consents {granted:,}"
    )
    print(
        f"NPS answers created {len(answers):,} ({args.sample} per store), CSAT answers {len(csat):,}, "
        f"invitations e-mailed in one batch {len(sent):,}"
    )
    base = figures["bare aggregate (distinct active members)"]
    for label, seconds in figures.items():
        print(f"  {label:<48} {seconds:8.2f} s  {seconds / base:6.2f}x bare")


if __name__ == "__main__":
    main()
