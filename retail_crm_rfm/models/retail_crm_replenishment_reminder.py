"""Replenishment reminders (R9, L7): the daily scheduled action refreshes the
forecasts, then creates, a configurable number of days before each expected
purchase, an activity for the customer's salesperson (导购, ``user_id`` of
the customer) and, only for customers with a live marketing consent for the
channel who are not blacklisted, an SMS or e-mail ("您常买的牙膏快用完了").

One reminder per customer, item and cycle (a cycle is one expected day): rows
are claimed with an ``UPDATE ... RETURNING`` that sets the reminded cycle, so
running the action twice, or two runs at once, never remind twice; a new
purchase moves the expected day and opens a new cycle.
"""

from collections import defaultdict
from functools import partial

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.batch import run_steps
from .cron_batch import commit_batch

REMINDER_BATCH = 2000


class RetailCrmReplenishment(models.Model):
    _inherit = "retail.crm.replenishment"

    @api.model
    def _cron_replenishment(self, today=None):
        """Scheduled entry point: refresh and remind, company by company,
        committing each batch when the cron worker runs it (``cron_batch``)."""
        reminded = self.browse()
        # sudo: a technical pass over every company, whatever companies the
        # cron's user may open; it reads orders and writes forecasts/reminders
        # every company: a handful of rows
        for company in self.env["res.company"].sudo().search([]):  # pylint: disable=no-search-all
            day = today or fields.Date.context_today(self.with_context(tz=self._replenishment_tz(company)))
            model = self.sudo().with_company(company)
            on_step = partial(commit_batch, model.env)
            run_steps(model._replenishment_refresh_steps(company, day), on_step)
            reminded |= run_steps(model._replenishment_remind_steps(company, day), on_step)
        return reminded.with_env(self.env)

    @api.model
    def _replenishment_claim(self, company, today, limit):
        """Mark up to ``limit`` due rows as reminded for their cycle and
        return them.  Due: the reminder day (expected day - lead days) has
        come and the expected day has not passed.  Rows locked by a
        concurrent run are skipped; the WHERE is checked again after a lock
        wait, so a row is claimed once per cycle."""
        lead = company.retail_replenishment_lead_days
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                UPDATE retail_crm_replenishment t
                   SET reminded_date = t.expected_date, reminded_on = %(today)s
                 WHERE t.id IN (
                        SELECT id FROM retail_crm_replenishment
                         WHERE company_id = %(company)s AND level = %(level)s
                           AND expected_date - %(lead)s <= %(today)s AND expected_date >= %(today)s
                           AND reminded_date IS DISTINCT FROM expected_date
                         ORDER BY id
                         LIMIT %(limit)s
                           FOR UPDATE SKIP LOCKED)
                   AND t.reminded_date IS DISTINCT FROM t.expected_date
                RETURNING t.id
                """,
                company=company.id,
                level=company.retail_replenishment_level or "product",
                lead=lead,
                today=today,
                limit=limit,
            )
        )
        self.invalidate_model(["reminded_date", "reminded_on"])
        return self.browse(sorted(rid for (rid,) in rows))

    @api.model
    def _replenishment_remind(self, company, today):
        """Create the day's reminders in the current transaction; returns the rows reminded."""
        return run_steps(self._replenishment_remind_steps(company, today))

    @api.model
    def _replenishment_remind_steps(self, company, today):
        """The reminders as batch steps (``tools/batch.py``): claim, activities
        and messages per batch of rows; returns the rows reminded."""
        reminded = self.browse()
        while True:
            # a row is claimed once per cycle; never loop on the same rows
            rows = self._replenishment_claim(company, today, REMINDER_BATCH) - reminded
            if not rows:
                break
            rows._replenishment_create_activities()
            rows._replenishment_send_messages(company)
            reminded |= rows
            yield len(reminded), 1
        yield len(reminded), 0
        return reminded

    # ------------------------------------------------------------------
    # Activities for the salesperson
    # ------------------------------------------------------------------
    def _replenishment_create_activities(self):
        """One activity per customer for their salesperson (导购), listing the
        customer's due items, all created in one call; customers without an
        active salesperson get none."""
        activity_type = self.env.ref(
            "retail_crm_rfm.mail_activity_type_replenishment", raise_if_not_found=False
        ) or self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("res.partner")
        by_partner = defaultdict(list)
        for row in self.filtered(lambda row: row.partner_id.user_id.active):
            by_partner[row.partner_id].append(row.id)
        values = []
        for partner, ids in by_partner.items():
            # in the salesperson's language
            rows = self.browse(ids).with_context(lang=partner.user_id.lang or "en_US")
            notes = [
                rows.env._(
                    "Buys %(item)s about every %(days)s days; last purchase on %(last)s, "
                    "next expected on %(expected)s.",
                    item=row.item_name,
                    days=round(row.interval_days),
                    last=row.last_date,
                    expected=row.expected_date,
                )
                for row in rows
            ]
            values.append(
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "user_id": partner.user_id.id,
                    "date_deadline": min(rows.mapped("expected_date")),
                    "summary": rows.env._(
                        "Replenishment: %(item)s", item=", ".join(rows.mapped("item_name"))
                    ),
                    "note": Markup("<br/>").join(notes),
                }
            )
        # sudo: the cron schedules activities for salespersons on their customers
        return self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(values)

    # ------------------------------------------------------------------
    # Messages, only with consent
    # ------------------------------------------------------------------
    @api.model
    def _replenishment_reachable(self, partners, channel):
        """Customers that may get a marketing message on ``channel``: an
        address, not blacklisted and, where the suite's privacy addon records
        consent, a live marketing consent for the channel (opt-in)."""
        field, blacklist, column = {
            "sms": ("phone_sanitized", "phone.blacklist", "number"),
            "email": ("email_normalized", "mail.blacklist", "email"),
        }[channel]
        partners = partners.filtered(field)
        if partners and hasattr(partners, "_privacy_marketing_partners"):
            partners = partners._privacy_marketing_partners(channel)
        if not partners:
            return partners
        # sudo: the blacklist is technical data, checked on behalf of the cron
        blocked = set(
            self.env[blacklist].sudo().search([(column, "in", partners.mapped(field))]).mapped(column)
        )
        return partners.filtered(lambda p: p[field] not in blocked)

    def _replenishment_send_messages(self, company):
        channel = company.retail_replenishment_channel or "none"
        if channel == "none" or not self:
            return
        partners = self.partner_id
        texted = emailed = self.env["res.partner"]
        if channel in ("sms", "sms_email"):
            texted = self._replenishment_reachable(partners, "sms")
        if channel in ("email", "sms_email"):
            emailed = self._replenishment_reachable(partners - texted, "email")
        sms_rows = self.filtered(lambda row: row.partner_id in texted)
        mail_rows = self.filtered(lambda row: row.partner_id in emailed)
        if sms_rows:
            sms_rows._replenishment_send_sms()
        if mail_rows:
            template = self.env.ref("retail_crm_rfm.mail_template_replenishment", raise_if_not_found=False)
            if template:
                # sudo: the cron e-mails consenting customers through the template
                template.sudo().with_company(company).send_mail_batch(mail_rows.ids)
        lines = defaultdict(list)
        for row in sms_rows | mail_rows:
            how = self.env._("SMS") if row in sms_rows else self.env._("e-mail")
            lines[row.partner_id.id].append(
                self.env._(
                    "Replenishment reminder for %(item)s sent by %(channel)s.",
                    item=row.item_name,
                    channel=how,
                )
            )
        notes = {pid: Markup("<br/>").join(texts) for pid, texts in lines.items()}
        if notes:
            # sudo: a note on the customer so staff see what was sent
            self.env["res.partner"].sudo().browse(list(notes))._message_log_batch(bodies=notes)

    def _replenishment_send_sms(self):
        template = self.env.ref("retail_crm_rfm.sms_template_replenishment", raise_if_not_found=False)
        if not template:
            return self.env["sms.sms"]
        bodies = template._render_field("body", self.ids, compute_lang=True)
        # sudo: queued by the cron for consenting customers; Odoo's SMS queue sends them
        return (
            self.env["sms.sms"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": row.partner_id.id,
                        "number": row.partner_id.phone_sanitized,
                        "body": bodies[row.id],
                        "state": "outgoing",
                    }
                    for row in self
                ]
            )
        )
