"""Care messages (L3 notice, L7): e-mail/SMS to reachable members,
birthday coupons and greetings, VIP follow-up activities."""

import calendar
import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class RetailCrmMemberCare(models.AbstractModel):
    """Mixed into res.partner (see res_partner.py)."""

    _name = "retail.crm.member.care"
    _description = "Member Care Messages"

    # ------------------------------------------------------------------
    # Messages (L3 notice, L7 care)
    # ------------------------------------------------------------------
    def _retail_marketing_consented(self, channel):
        """Marketing is opt-in where the suite's privacy addon records consent:
        keep the members with a live consent for ``channel`` ('email', 'sms').
        Without that addon, the blacklists alone decide."""
        if hasattr(self, "_privacy_marketing_partners"):
            return self._privacy_marketing_partners(channel)
        return self

    def _retail_reachable_by_email(self, marketing=False):
        """Members with an e-mail address that is not blacklisted (opted out);
        for ``marketing`` (care, greetings) also with a live consent."""
        with_email = self.filtered("email_normalized")
        if marketing:
            with_email = with_email._retail_marketing_consented("email")
        if not with_email:
            return with_email
        # sudo: the blacklist is technical data, checked on behalf of the cron
        blacklisted = set(
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", with_email.mapped("email_normalized"))])
            .mapped("email")
        )
        return with_email.filtered(lambda p: p.email_normalized not in blacklisted)

    def _retail_reachable_by_sms(self, marketing=False):
        """Members with a phone number that is not blacklisted (opted out of
        SMS); for ``marketing`` also with a live consent."""
        with_number = self.filtered("phone_sanitized")
        if marketing:
            with_number = with_number._retail_marketing_consented("sms")
        if not with_number:
            return with_number
        # sudo: the blacklist is technical data, checked on behalf of the cron
        blacklisted = set(
            self.env["phone.blacklist"]
            .sudo()
            .search([("number", "in", with_number.mapped("phone_sanitized"))])
            .mapped("number")
        )
        return with_number.filtered(lambda p: p.phone_sanitized not in blacklisted)

    def _retail_send_sms_template(self, template, company=None, marketing=True):
        """Queue one SMS per reachable member from ``template`` (one composer
        for all of them, a note on each member); returns the members texted.
        Care SMS are marketing: only to members who consented."""
        if not template or not self:
            return self.browse()
        reachable = self._retail_reachable_by_sms(marketing=marketing)
        if reachable:
            # sudo: crons send customer SMS through the template
            composer = (
                self.env["sms.composer"]
                .sudo()
                .with_company(company or self.env.company)
                .create(
                    {
                        "composition_mode": "mass",
                        "res_model": "res.partner",
                        "res_ids": repr(reachable.ids),
                        "template_id": template.id,
                        "mass_keep_log": True,
                    }
                )
            )
            composer.action_send_sms()
        return reachable

    def _retail_send_template(self, template_xmlid, company=None, marketing=False):
        """Send a care/notice template to the reachable members; log a note on
        every member so staff see what was sent (or why not)."""
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not template or not self:
            return self.browse()
        reachable = self._retail_reachable_by_email(marketing=marketing)
        if reachable:
            # sudo: crons send customer e-mails through the template
            template.sudo().with_company(company or self.env.company).send_mail_batch(reachable.ids)
        return reachable

    def _retail_send_downgrade_notice(self, company):
        reachable = self._retail_send_template(
            "retail_crm_loyalty.mail_template_tier_downgrade_notice", company
        )
        bodies = {}
        for partner in self.with_company(company):
            if partner in reachable:
                body = self.env._(
                    "Tier downgrade notice sent: %(tier)s will be reviewed on %(date)s.",
                    tier=partner.retail_tier_id.name,
                    date=partner.retail_tier_downgrade_date,
                )
            else:
                body = self.env._(
                    "Tier downgrade scheduled on %(date)s (no e-mail notice: no address or opted out).",
                    date=partner.retail_tier_downgrade_date,
                )
            bodies[partner.id] = body
        self._message_log_batch(bodies=bodies)

    # ------------------------------------------------------------------
    # Birthday coupons and greetings (L5, L7), VIP follow-ups (L7)
    # ------------------------------------------------------------------
    @api.model
    def _retail_birthday_members(self, company, today):
        """Members of ``company`` whose birthday is today (29 February is
        celebrated on 28 February in other years) and who did not get this
        year's coupon yet."""
        self.flush_model(["retail_birthday", "retail_is_member", "active", "company_id"])
        feb29 = today.month == 2 and today.day == 28 and not calendar.isleap(today.year)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM res_partner p
                 WHERE retail_is_member AND active
                   AND retail_birthday IS NOT NULL
                   AND (company_id IS NULL OR company_id = %(company)s)
                   AND EXTRACT(MONTH FROM retail_birthday) = %(month)s
                   AND (EXTRACT(DAY FROM retail_birthday) = %(day)s
                        OR (%(feb29)s AND EXTRACT(DAY FROM retail_birthday) = 29))
                   AND NOT EXISTS (
                       SELECT 1 FROM retail_crm_member_tier mt
                        WHERE mt.partner_id = p.id AND mt.company_id = %(company)s
                          AND mt.birthday_coupon_year >= %(year)s)
                """,
                company=company.id,
                month=today.month,
                day=today.day,
                feb29=feb29,
                year=today.year,
            )
        )
        return self.browse([pid for (pid,) in rows])

    @api.model
    def _cron_retail_birthday(self, today=None):
        today = today or fields.Date.context_today(self)
        greeted = self.browse()
        # every company: a handful of rows
        for company in self.env["res.company"].search([]):  # pylint: disable=no-search-all
            members = self.with_company(company)._retail_birthday_members(company, today)
            if not members:
                continue
            program = company.retail_birthday_program_id
            if program:
                self._retail_issue_birthday_coupons(members, program, company, today)
            to_greet = members - greeted
            to_greet._retail_send_template(
                "retail_crm_loyalty.mail_template_birthday", company, marketing=True
            )
            if company.retail_birthday_sms:
                to_greet._retail_send_sms_template(
                    self.env.ref("retail_crm_loyalty.sms_template_birthday", raise_if_not_found=False),
                    company,
                )
            greeted |= members
            # sudo: technical marker written by the cron
            members.sudo()._retail_write_company_values(company, {"retail_birthday_coupon_year": today.year})
        return greeted

    @api.model
    def _retail_issue_birthday_coupons(self, members, program, company, today):
        """One coupon per member, valid ``retail_birthday_coupon_days`` days."""
        points = max(program.reward_ids.mapped("required_points") or [1.0])
        validity = company.retail_birthday_coupon_days or 7
        # sudo: coupons are created by the cron for every member
        coupons = (
            self.env["loyalty.card"]
            .sudo()
            .with_context(action_no_send_mail=True)
            .create(
                [
                    {
                        "program_id": program.id,
                        "partner_id": partner.id,
                        "points": points,
                        "expiration_date": today + relativedelta(days=validity - 1),
                    }
                    for partner in members
                ]
            )
        )
        members._message_log_batch(
            bodies={
                coupon.partner_id.id: self.env._(
                    "Birthday coupon %(code)s issued, valid until %(date)s.",
                    code=coupon.code,
                    date=coupon.expiration_date,
                )
                for coupon in coupons
            }
        )
        return coupons

    @api.model
    def _cron_retail_vip_followup(self, today=None):
        """Schedule a follow-up activity for the salesperson of each VIP
        member (tier at or above the company's VIP tier) who has no open
        follow-up and none done within the interval."""
        today = today or fields.Date.context_today(self)
        activity_type = self.env.ref(
            "retail_crm_loyalty.mail_activity_type_vip_followup", raise_if_not_found=False
        )
        if not activity_type:
            return self.env["mail.activity"]
        Activity = self.env["mail.activity"].sudo()
        created = Activity.browse()
        for company in self.env["res.company"].search([("retail_vip_tier_id", "!=", False)]):
            tiers = self.env["retail.crm.tier"]._get_company_tiers(company)
            vip_tiers = (
                tiers[tiers._rank(company.retail_vip_tier_id) :]
                if company.retail_vip_tier_id in tiers
                else tiers.browse()
            )
            if not vip_tiers:
                continue
            vips = self.with_company(company).search(
                [
                    ("retail_is_member", "=", True),
                    ("retail_tier_id", "in", vip_tiers.ids),
                    ("user_id", "!=", False),
                ]
            )
            if not vips:
                continue
            since = today - relativedelta(days=company.retail_vip_followup_days or 90)
            open_ids = {
                res_id
                for [res_id] in Activity._read_group(
                    [
                        ("res_model", "=", "res.partner"),
                        ("res_id", "in", vips.ids),
                        ("activity_type_id", "=", activity_type.id),
                    ],
                    ["res_id"],
                )
            }
            recent_done = {
                res_id
                for [res_id] in self.env["mail.message"]
                .sudo()
                ._read_group(
                    [
                        ("model", "=", "res.partner"),
                        ("res_id", "in", vips.ids),
                        ("mail_activity_type_id", "=", activity_type.id),
                        ("date", ">=", fields.Datetime.to_datetime(since)),
                    ],
                    ["res_id"],
                )
            }
            skip = open_ids | recent_done
            todo = vips.browse([pid for pid in vips.ids if pid not in skip])
            model_id = self.env["ir.model"]._get_id("res.partner")
            created |= Activity.create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": partner.id,
                        "activity_type_id": activity_type.id,
                        "user_id": partner.user_id.id,
                        "summary": self.env._(
                            "Follow up with %(tier)s member", tier=partner.retail_tier_id.name
                        ),
                        "date_deadline": today + relativedelta(days=activity_type.delay_count or 3),
                    }
                    for partner in todo
                ]
            )
        return created
