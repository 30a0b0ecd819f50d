from odoo import api, fields, models
from odoo.exceptions import ValidationError


def check_date_values(env, model, vals_list):
    """Refuse impossible dates such as 2026-02-30 with a translated message
    before they reach the database (which would answer with a raw
    DatetimeFieldOverflow)."""
    date_fields = [name for name, field in model._fields.items() if field.type == "date"]
    for vals in vals_list:
        for fname in date_fields:
            value = vals.get(fname)
            if not value or not isinstance(value, str):
                continue
            try:
                fields.Date.to_date(value)
            except ValueError as exc:
                raise ValidationError(
                    env._(
                        "%(value)s is not a valid date for %(field)s.",
                        value=value,
                        field=model._fields[fname].get_description(env)["string"],
                    )
                ) from exc


# what an Integer field's database column (int4) holds
INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1


def check_integer_values(env, model, vals_list):
    """Refuse integers the database column cannot hold (2,147,483,648
    orders or months typed through RPC) with a translated message before
    they reach the database (which would answer with a raw 'integer out of
    range')."""
    int_fields = [name for name, field in model._fields.items() if field.type == "integer"]
    for vals in vals_list:
        for fname in int_fields:
            value = vals.get(fname)
            if isinstance(value, int) and not INT4_MIN <= value <= INT4_MAX:
                raise ValidationError(
                    env._(
                        "%(value)s is too large for %(field)s.",
                        value=value,
                        field=model._fields[fname].get_description(env)["string"],
                    )
                )


class RetailCrmHoliday(models.Model):
    _name = "retail.crm.holiday"
    _description = "Holiday Greeting"
    _order = "date desc"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    date = fields.Date(required=True, help="Day the greeting is sent.")
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        required=True,
        domain=[("model", "=", "res.partner")],
        default=lambda self: self.env.ref(
            "retail_crm_loyalty.mail_template_holiday", raise_if_not_found=False
        ),
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS Template",
        domain=[("model", "=", "res.partner")],
        help="Optional: also send this SMS to members with a phone number not on the phone blacklist.",
    )
    tier_ids = fields.Many2many(
        "retail.crm.tier", string="Tiers", help="Only members of these tiers. Empty: every member."
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    sent_count = fields.Integer(string="E-mails Sent", readonly=True, copy=False)
    sms_count = fields.Integer(string="SMS Sent", readonly=True, copy=False)
    state = fields.Selection(
        [("scheduled", "Scheduled"), ("sent", "Sent")], default="scheduled", readonly=True, copy=False
    )
    active = fields.Boolean(default=True)

    @api.model_create_multi
    def create(self, vals_list):
        check_date_values(self.env, self, vals_list)
        holidays = super().create(vals_list)
        today = fields.Date.context_today(self)
        past = holidays.filtered(lambda h: h.date < today)
        if past:
            # a greeting dated in the past would be sent at once by the cron
            raise ValidationError(
                self.env._(
                    "The date of the holiday greeting %(name)s (%(date)s) is in the past.",
                    name=past[0].name,
                    date=past[0].date,
                )
            )
        return holidays

    def write(self, vals):
        check_date_values(self.env, self, [vals])
        res = super().write(vals)
        if {"date", "state", "active"} & set(vals):
            # moved to a past date, put back to scheduled or unarchived: a
            # scheduled greeting of a past day would be sent (again) at once
            today = fields.Date.context_today(self)
            if self.filtered(lambda h: h.active and h.state == "scheduled" and h.date < today):
                raise ValidationError(
                    self.env._("A scheduled holiday greeting cannot be moved to a past date.")
                )
        return res

    @api.model
    def _cron_send_greetings(self, today=None):
        today = today or fields.Date.context_today(self)
        holidays = self.search([("state", "=", "scheduled"), ("date", "<=", today)])
        for holiday in holidays:
            holiday._send_greetings()

    def _members(self):
        self.ensure_one()
        domain = [
            ("retail_is_member", "=", True),
            ("company_id", "in", [self.company_id.id, False]),
        ]
        if self.tier_ids:
            domain.append(("retail_tier_id", "in", self.tier_ids.ids))
        return self.env["res.partner"].with_company(self.company_id).search(domain)

    def _send_greetings(self):
        """Send once (state), only to members reachable by e-mail, and by SMS
        when an SMS template is set (blacklists)."""
        self.ensure_one()
        members = self._members()
        reachable = members._retail_reachable_by_email(marketing=True)
        if reachable:
            # sudo: the cron sends customer e-mails through the template
            self.mail_template_id.sudo().with_company(self.company_id).send_mail_batch(reachable.ids)
        texted = members._retail_send_sms_template(self.sms_template_id, self.company_id)
        self.write({"state": "sent", "sent_count": len(reachable), "sms_count": len(texted)})
        return reachable
