import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# (database, user id) -> monotonic time of the last bulk-extraction check
_LAST_BURST_CHECK = {}


class RetailCrmPrivacyAlert(models.Model):
    """A user read far more customers than usual on one day."""

    _name = "retail.crm.privacy.alert"
    _description = "Personal Data Access Alert"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"

    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade")
    date = fields.Date(required=True, readonly=True)
    partner_count = fields.Integer(string="Customers read", readonly=True)
    average_count = fields.Float(string="Usual daily average", readonly=True)
    state = fields.Selection(
        selection=[("new", "New"), ("reviewed", "Reviewed")], default="new", tracking=True
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)

    _sql_constraints = [
        ("user_date_uniq", "unique(user_id, date)", "One alert per user and day."),
    ]

    def _compute_display_name(self):
        for alert in self:
            alert.display_name = self.env._(
                "%(user)s read %(count)s customers on %(date)s",
                user=alert.user_id.name,
                count=alert.partner_count,
                date=alert.date,
            )

    def action_mark_reviewed(self):
        self.write({"state": "reviewed"})

    @api.model
    def _detect_anomalies(self, day=None):
        """Compare each user's distinct customers read on ``day`` with their
        daily average over the previous 30 days; one SQL aggregate."""
        day = day or fields.Date.context_today(self)
        icp = self.env["ir.config_parameter"].sudo()
        factor = float(icp.get_param("retail_crm_privacy.alert_factor", "3") or 3)
        minimum = int(icp.get_param("retail_crm_privacy.alert_minimum", "50") or 50)
        start = day - timedelta(days=30)
        self.env["retail.crm.privacy.access.log"].flush_model()
        self.env.cr.execute(
            SQL(
                """
            WITH daily AS (
                SELECT user_id, date::date AS day, count(DISTINCT partner_id) AS n
                  FROM retail_crm_privacy_access_log
                 WHERE date >= %(start)s AND date < %(end)s AND user_id IS NOT NULL
              GROUP BY user_id, date::date
            )
            SELECT user_id,
                   max(n) FILTER (WHERE day = %(day)s) AS today,
                   coalesce(sum(n) FILTER (WHERE day < %(day)s), 0) / 30.0 AS average
              FROM daily
          GROUP BY user_id
            """,
                start=start,
                end=day + timedelta(days=1),
                day=day,
            )
        )
        rows = self.env.cr.fetchall()
        existing = self.search([("date", "=", day)]).user_id.ids
        vals_list = [
            {"user_id": uid, "date": day, "partner_count": today, "average_count": average}
            for uid, today, average in rows
            if today and today >= minimum and today > factor * float(average) and uid not in existing
        ]
        alerts = self.create(vals_list)
        alerts._notify_officer()
        return alerts

    def _notify_officer(self):
        """A to-do for the data protection officer on each alert."""
        officers = self.env.ref("retail_crm_privacy.group_privacy_officer").users
        if not self or not officers:
            return
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        summary = self.env._("Unusual volume of customer data read")
        self.env["mail.activity"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": alert.id,
                    "activity_type_id": activity_type.id,
                    "summary": summary,
                    "user_id": officers[0].id,
                }
                for alert in self
            ]
        )

    @api.model
    def _check_burst(self, cr, uid, company_id):
        """Bulk extraction at logging time: more distinct customers (or till
        lookups) in the last minutes than the settings allow raises the day's
        alert at once, not at the nightly run. One indexed aggregate."""
        icp = self.env["ir.config_parameter"].sudo()
        # at most one check per user and interval in this worker
        interval = int(icp.get_param("retail_crm_privacy.burst_check_seconds", "60") or 0)
        key = (cr.dbname, uid)
        now = time.monotonic()
        if interval and now - _LAST_BURST_CHECK.get(key, -interval) < interval:
            return False
        _LAST_BURST_CHECK[key] = now
        minutes = int(icp.get_param("retail_crm_privacy.burst_minutes", "15") or 15)
        max_customers = int(icp.get_param("retail_crm_privacy.burst_customers", "300") or 300)
        max_lookups = int(icp.get_param("retail_crm_privacy.burst_lookups", "40") or 40)
        cr.execute(
            SQL(
                """
            SELECT count(DISTINCT partner_id),
                   count(*) FILTER (WHERE channel = 'lookup')
              FROM retail_crm_privacy_access_log
             WHERE user_id = %(uid)s AND date >= (now() at time zone 'UTC') - %(span)s::interval
            """,
                uid=uid,
                span=f"{minutes} minutes",
            )
        )
        customers, lookups = cr.fetchone()
        if customers <= max_customers and lookups <= max_lookups:
            return False
        day = fields.Date.context_today(self)
        # sudo: the alert is the officer's record, raised by anyone's reads
        Alert = self.sudo().with_company(company_id)
        if Alert.search_count([("user_id", "=", uid), ("date", "=", day)]):
            return False
        alert = Alert.create({"user_id": uid, "date": day, "partner_count": customers, "average_count": 0})
        alert._notify_officer()
        return alert
