from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import PAID_STATES

# members read (and their consent checked) at once when the NPS sample is
# drawn, doubling at each step
NPS_CHUNK = 2000
# invitations e-mailed per run of the sending job
INVITATION_BATCH = 500


class RetailCrmVoice(models.AbstractModel):
    """Sends the customer-voice surveys (Odoo's survey app): the satisfaction
    survey after a member's purchase and the quarterly NPS survey.  Both are
    marketing contacts: only members with a live e-mail consent are asked.
    Candidates are chosen in SQL; re-running a day or a quarter asks nobody
    twice (unique answers per order and per member and quarter)."""

    _name = "retail.crm.voice"
    _description = "Customer Voice Surveys"

    # ------------------------------------------------------------------
    # post-purchase satisfaction (CSAT)
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_csat(self, today=None):
        today = today or fields.Date.context_today(self)
        # sudo: a scheduled job of every company that set the survey up,
        # whatever companies the user who triggers it may open
        companies = self.env["res.company"].sudo().search([("retail_csat_survey_id", "!=", False)])
        for company in companies:
            self.sudo().with_company(company)._retail_send_csat(company, today)
        return True

    def _retail_local_bounds(self, company, first_day, last_day):
        """UTC bounds of the company's local days ``first_day``..``last_day``."""
        tz = pytz.timezone(company.partner_id.tz or self.env.user.tz or "Asia/Shanghai")

        def utc(day):
            return tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

        return utc(first_day), utc(last_day + timedelta(days=1))

    def _retail_csat_candidates(self, company, today):
        """(order, partner, store) of the purchases to ask about: the member's
        latest paid purchase made ``delay`` days ago (a week of catch-up when
        the job did not run), not refunded, in the sample, no survey for the
        order yet and none for the member within the cool-down."""
        survey = company.retail_csat_survey_id
        asked_on = today - timedelta(days=company.retail_csat_delay_days)
        start, end = self._retail_local_bounds(company, asked_on - timedelta(days=6), asked_on)
        query = SQL(
            """
            SELECT DISTINCT ON (o.partner_id) o.id, o.partner_id, o.config_id
              FROM pos_order o
              JOIN res_partner p ON p.id = o.partner_id
             WHERE o.company_id = %(company)s
               AND o.state IN %(paid)s
               AND o.amount_total > 0
               AND o.date_order >= %(start)s AND o.date_order < %(end)s
               AND p.retail_is_member AND p.active
               AND mod(abs(hashtext(o.id::text)), 100) < %(rate)s
               AND NOT EXISTS (
                    SELECT 1 FROM pos_order_line refund
                      JOIN pos_order_line sold ON sold.id = refund.refunded_orderline_id
                     WHERE sold.order_id = o.id)
               AND NOT EXISTS (
                    SELECT 1 FROM survey_user_input a
                     WHERE a.retail_pos_order_id = o.id AND a.survey_id = %(survey)s)
               AND NOT EXISTS (
                    SELECT 1 FROM survey_user_input a
                     WHERE a.partner_id = o.partner_id AND a.retail_kind = 'csat'
                       AND a.retail_sent_date > %(cooldown)s)
             ORDER BY o.partner_id, o.date_order DESC, o.id DESC
            """,
            company=company.id,
            paid=PAID_STATES,
            start=start,
            end=end,
            rate=company.retail_csat_sample_rate,
            survey=survey.id,
            cooldown=today - timedelta(days=company.retail_csat_cooldown_days),
        )
        self.env["pos.order"].flush_model()
        self.env["survey.user_input"].flush_model()
        self.env.cr.execute(query)
        return self.env.cr.fetchall()

    def _retail_send_csat(self, company, today):
        rows = self._retail_csat_candidates(company, today)
        return self._retail_ask(
            company,
            company.retail_csat_survey_id,
            "csat",
            today,
            [{"partner": partner, "config": config, "order": order} for order, partner, config in rows],
        )

    # ------------------------------------------------------------------
    # quarterly NPS
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_nps(self, today=None):
        today = today or fields.Date.context_today(self)
        # sudo: a scheduled job of every company that set the survey up,
        # whatever companies the user who triggers it may open
        companies = self.env["res.company"].sudo().search([("retail_nps_survey_id", "!=", False)])
        for company in companies:
            self.sudo().with_company(company)._retail_send_nps(company, today)
        return True

    @api.model
    def _retail_quarter(self, day):
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"

    def _retail_nps_stores(self, company, start):
        """Stores that sold since ``start``: the ones whose sample may need
        members (sessions are few; the orders are not scanned for this)."""
        self.env["pos.session"].flush_model(["config_id", "stop_at"])
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT s.config_id
                  FROM pos_session s JOIN pos_config c ON c.id = s.config_id
                 WHERE c.company_id = %(company)s AND (s.stop_at IS NULL OR s.stop_at >= %(start)s)
                """,
                company=company.id,
                start=start,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _retail_nps_order(self, period):
        """Every active member's id in this quarter's random but reproducible
        order (md5 of id and quarter): one sort, read once per run."""
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM res_partner
                 WHERE retail_is_member AND active
              ORDER BY md5(id::text || %(period)s)
                """,
                period=period,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _retail_nps_ranked(self, company, start, period, partner_ids):
        """(partner, store) for the members ``partner_ids``, in that order,
        with the store of their latest paid purchase since ``start``; members
        without one, or already asked this quarter, are left out.

        Walking the members in the quarter's order fills every store's sample
        with its first members in the same order as ranking each store's
        members would, but stops as soon as the samples are full instead of
        looking up every active member's last purchase first."""
        query = SQL(
            """
            SELECT m.id, lv.config_id
              FROM unnest(%(ids)s::int[]) WITH ORDINALITY AS m(id, rank)
              CROSS JOIN LATERAL (
                    SELECT o.config_id FROM pos_order o
                     WHERE o.partner_id = m.id
                       AND o.company_id = %(company)s
                       AND o.state IN %(paid)s
                       AND o.amount_total > 0
                       AND o.date_order >= %(start)s
                  ORDER BY o.date_order DESC, o.id DESC
                     LIMIT 1) lv
             WHERE NOT EXISTS (
                    SELECT 1 FROM survey_user_input a
                     WHERE a.partner_id = m.id AND a.survey_id = %(survey)s
                       AND a.retail_period = %(period)s)
             ORDER BY m.rank
            """,
            ids=list(partner_ids),
            company=company.id,
            paid=PAID_STATES,
            start=start,
            period=period,
            survey=company.retail_nps_survey_id.id,
        )
        self.env.cr.execute(query)
        return self.env.cr.fetchall()

    def _retail_nps_asked(self, company, period):
        # sudo: a count for the scheduled job, whatever the caller may read
        groups = (
            self.env["survey.user_input"]
            .sudo()
            ._read_group(
                [
                    ("survey_id", "=", company.retail_nps_survey_id.id),
                    ("retail_period", "=", period),
                    ("retail_company_id", "=", company.id),
                ],
                ["retail_config_id"],
                ["__count"],
            )
        )
        return {config.id: count for config, count in groups}

    def _retail_send_nps(self, company, today):
        """Ask up to the sample size per store this quarter; a re-run (or a
        run after a killed one) only tops the sample up."""
        period = self._retail_quarter(today)
        start, _end = self._retail_local_bounds(company, today - timedelta(days=365), today)
        size = company.retail_nps_sample_size
        asked = self._retail_nps_asked(company, period)
        need = {config: size - asked.get(config, 0) for config in self._retail_nps_stores(company, start)}
        self.env["pos.order"].flush_model()
        self.env["res.partner"].flush_model(["retail_is_member", "active"])
        self.env["survey.user_input"].flush_model()
        chosen = []
        partners = self.env["res.partner"]
        members = self._retail_nps_order(period) if any(n > 0 for n in need.values()) else []
        position, chunk = 0, NPS_CHUNK
        while position < len(members) and any(n > 0 for n in need.values()):
            ranked = self._retail_nps_ranked(company, start, period, members[position : position + chunk])
            position += chunk
            # a store that sold in the window but has few members makes the
            # walk go on: bigger steps keep that to about one pass
            chunk *= 2
            wanted = [row for row in ranked if need.get(row[1], 0) > 0]
            # consent is checked for a chunk at once, in rank order, so that
            # each store's sample is filled with the first reachable members
            reachable = set(
                partners.browse([row[0] for row in wanted])._retail_reachable_by_email(marketing=True).ids
            )
            for partner, config in wanted:
                if partner in reachable and need[config] > 0:
                    chosen.append({"partner": partner, "config": config, "order": False})
                    need[config] -= 1
        return self._retail_ask(company, company.retail_nps_survey_id, "nps", today, chosen, period=period)

    # ------------------------------------------------------------------
    # sending
    # ------------------------------------------------------------------
    def _retail_ask(self, company, survey, kind, today, candidates, period=False):
        """Create the survey answers of ``candidates`` that marketing may
        reach by e-mail and send the invitations."""
        if not candidates:
            return self.env["survey.user_input"]
        partners = self.env["res.partner"].browse({c["partner"] for c in candidates})
        if kind == "csat":  # NPS candidates were checked while sampling
            partners = partners._retail_reachable_by_email(marketing=True)
        reachable = set(partners.ids)
        tiers = {p.id: p.retail_tier_id.id for p in partners.with_company(company)}
        segments = self._retail_rfm_segments(partners, company)
        emails = {p.id: (p.email, p.name) for p in partners}
        vals_list = [
            {
                "survey_id": survey.id,
                "partner_id": c["partner"],
                "email": emails[c["partner"]][0],
                "nickname": emails[c["partner"]][1],
                "retail_kind": kind,
                "retail_company_id": company.id,
                "retail_config_id": c["config"],
                "retail_pos_order_id": c["order"],
                "retail_tier_id": tiers.get(c["partner"]),
                "retail_rfm_segment": segments.get(c["partner"]),
                "retail_period": period,
                "retail_sent_date": today,
            }
            for c in candidates
            if c["partner"] in reachable
        ]
        if not vals_list:
            return self.env["survey.user_input"]
        # sudo: a scheduled action of the company; the answers belong to the
        # survey app, whose officers review them.
        # An answer created by the job needs no "created" note nor followers:
        # both cost more than the answer itself for a quarter's sample.
        answers = (
            self.env["survey.user_input"]
            .sudo()
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True)
            .create(vals_list)
        )
        # the invitations go out in batches from their own job
        self.env.ref("retail_crm_complaints.ir_cron_voice_invitations")._trigger()
        return answers

    def _retail_rfm_segments(self, partners, company):
        """{partner id: RFM segment code} of the company's last RFM run, when
        the suite's RFM addon is installed (a soft dependency: the customer's
        segment field is looked up, not imported)."""
        if "rfm_segment_id" not in partners._fields:
            return {}
        return {p.id: p.rfm_segment_id.code for p in partners.with_company(company) if p.rfm_segment_id}

    @api.model
    def _cron_send_invitations(self, batch_size=INVITATION_BATCH):
        """E-mail one batch of pending invitations; the scheduler runs the
        job again at once while some remain (``_notify_progress``), each
        batch in its own transaction.  An invitation is sent once."""
        # sudo: the company's own job e-mails the invitations it created
        Answer = self.env["survey.user_input"].sudo()
        domain = [("retail_kind", "!=", False), ("retail_invited", "=", False), ("state", "=", "new")]
        pending = Answer.search(domain, limit=batch_size, order="id")
        if pending:
            template = self.env.ref("retail_crm_complaints.mail_template_voice_invitation")
            template.send_mail_batch(pending.ids)
            pending.retail_invited = True
        remaining = Answer.search_count(domain) if len(pending) == batch_size else 0
        self.env["ir.cron"]._notify_progress(done=len(pending), remaining=remaining)
        return pending
