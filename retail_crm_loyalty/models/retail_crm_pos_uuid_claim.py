from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL


class RetailCrmPosUuidClaim(models.Model):
    """The uuid of each POS order being created, claimed before the order is
    inserted. Under Odoo's REPEATABLE READ isolation an ``INSERT .. ON
    CONFLICT DO NOTHING`` that meets a row committed by a concurrent
    transaction raises a serialization failure, which Odoo retries: the retry
    finds the order synced by the other connection instead of creating a copy
    (the unique index on pos_order.uuid alone would answer with an error)."""

    _name = "retail.crm.pos.uuid.claim"
    _description = "POS Order Uuid Claim"
    _log_access = False

    uuid = fields.Char(required=True, readonly=True)
    claimed_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)

    _sql_constraints = [("uuid_uniq", "unique(uuid)", "A POS order uuid is claimed once.")]

    @api.model
    def _claim(self, uuid):
        self.env.execute_query(
            SQL(
                "INSERT INTO retail_crm_pos_uuid_claim (uuid, claimed_at) "
                "VALUES (%s, now() at time zone 'UTC') ON CONFLICT (uuid) DO NOTHING",
                uuid,
            )
        )

    @api.model
    def _cron_prune(self, days=2):
        """Claims only matter while two connections sync the same order; the
        unique index on pos_order.uuid keeps the guarantee afterwards."""
        limit = fields.Datetime.now() - relativedelta(days=days)
        self.env.execute_query(SQL("DELETE FROM retail_crm_pos_uuid_claim WHERE claimed_at < %s", limit))
