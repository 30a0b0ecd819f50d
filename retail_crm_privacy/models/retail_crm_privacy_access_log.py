from odoo import api, fields, models
from odoo.tools import SQL


class RetailCrmPrivacyAccessLog(models.Model):
    """Who read or exported which customer's personal data, and when.

    Rows are written with one multi-row INSERT per read/export call (never
    one per record), so the log can stay on in production."""

    _name = "retail.crm.privacy.access.log"
    _description = "Personal Data Access Log"
    _order = "id desc"
    _rec_name = "partner_id"

    user_id = fields.Many2one("res.users", readonly=True, index=True, ondelete="set null")
    partner_id = fields.Many2one("res.partner", readonly=True, index=True, ondelete="set null")
    field_names = fields.Char(string="Fields", readonly=True)
    channel = fields.Selection(
        selection=[
            ("form", "Form view"),
            ("export", "Export"),
            ("rpc", "RPC / list read"),
            ("lookup", "Till lookup"),
            ("pos", "Point of Sale load"),
            ("report", "Report / printed document"),
        ],
        readonly=True,
        index=True,
    )
    masked = fields.Boolean(readonly=True, help="The values were shown masked.")
    date = fields.Datetime(readonly=True, index=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)

    @api.model
    def _log_access(self, partner_ids, field_names, channel, masked=False):
        """Log one access of ``field_names`` of ``partner_ids`` by the current
        user: a single INSERT whatever the number of partners. ``masked``:
        whether the values were shown masked, a bool for all the partners or
        the set of the ids shown masked."""
        partner_ids = [pid for pid in partner_ids if pid]
        if not partner_ids or not field_names:
            return
        if isinstance(masked, (set, frozenset, list, tuple)):
            masked_set = set(masked)
            masked_ids = [pid for pid in partner_ids if pid in masked_set]
        else:
            masked_ids = list(partner_ids) if masked else []
        values = (
            self.env.uid,
            self.env.company.id,
            ",".join(sorted(field_names)),
            channel,
            masked_ids,
            partner_ids,
        )
        if self.env.cr.readonly:
            # a read-only route on a read replica (reads are @api.readonly):
            # the row goes to the primary database in a short transaction of
            # its own, committed before the values leave the server (no log,
            # no data: an error here fails the request). As Odoo's own
            # res.device log: the read-only transaction wrote nothing, it is
            # ended first (a read/write test cursor cannot be nested in it).
            self.env.cr.rollback()
            with self.env.registry.cursor(readonly=False) as cr:
                self._insert(cr, values)
                self.env["retail.crm.privacy.alert"].with_env(self.env(cr=cr))._check_burst(
                    cr, self.env.uid, self.env.company.id
                )
            return
        self._insert(self.env.cr, values)
        self.env["retail.crm.privacy.alert"]._check_burst(self.env.cr, self.env.uid, self.env.company.id)

    @api.model
    def _insert(self, cr, values):
        uid, company_id, fnames, channel, masked, partner_ids = values
        cr.execute(
            SQL(
                """
            INSERT INTO retail_crm_privacy_access_log
                (user_id, company_id, field_names, channel, masked, partner_id, date,
                 create_uid, create_date, write_uid, write_date)
            SELECT %(uid)s, %(company)s, %(fnames)s, %(channel)s, pid = ANY(%(masked)s::int[]), pid,
                   now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC',
                   %(uid)s, now() at time zone 'UTC'
              FROM unnest(%(pids)s::int[]) AS pid
            """,
                uid=uid,
                company=company_id,
                fnames=fnames,
                channel=channel,
                masked=masked,
                pids=partner_ids,
            )
        )

    @api.model
    def _cron_detect_anomalies(self):
        self.env["retail.crm.privacy.alert"]._detect_anomalies()
