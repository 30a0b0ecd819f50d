from odoo import api, fields, models
from odoo.tools import SQL

from .res_partner import CLUSTER_SELECTION, SEGMENT_SELECTION

# bands of churn risk for the dashboard's distribution (band n: [n-1, n) / 5)
CHURN_BANDS = [
    ("1", "0-20 %"),
    ("2", "20-40 %"),
    ("3", "40-60 %"),
    ("4", "60-80 %"),
    ("5", "80-100 %"),
]


class RetailCrmRfmSnapshot(models.Model):
    """One compact row per run and customer, written set-based by the run.

    It is both the history (R3) and the source of the batched, resumable
    write-back to ``res.partner``.

    The table is created by :meth:`init` rather than by the ORM
    (``_auto = False``) so that it has no foreign keys: a run inserts a
    million rows, and two foreign key checks per row (each one also locking
    the referenced partner row) would cost more than the insert itself. What
    the foreign keys' ``ON DELETE CASCADE`` did is done by ``unlink()`` of
    runs and partners.
    """

    _name = "retail.crm.rfm.snapshot"
    _description = "RFM Snapshot"
    _order = "run_id desc, partner_id"
    _auto = False
    _log_access = False

    run_id = fields.Many2one("retail.crm.rfm.run", required=True, readonly=True)
    company_id = fields.Many2one(related="run_id.company_id")
    run_date = fields.Date(required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", required=True, readonly=True)
    last_purchase_date = fields.Date(string="Last Purchase Day", readonly=True)
    recency = fields.Integer(readonly=True, aggregator="avg")
    frequency = fields.Integer(readonly=True, aggregator="avg")
    monetary = fields.Float(readonly=True, digits=(16, 2), aggregator="avg")
    r_score = fields.Integer(readonly=True, aggregator="avg")
    f_score = fields.Integer(readonly=True, aggregator="avg")
    m_score = fields.Integer(readonly=True, aggregator="avg")
    segment_code = fields.Selection(SEGMENT_SELECTION, string="Segment", readonly=True)
    cluster = fields.Selection(CLUSTER_SELECTION, readonly=True)
    churn_probability = fields.Float(readonly=True, digits=(16, 4), aggregator="avg")
    expected_purchases = fields.Float(readonly=True, digits=(16, 4), aggregator="avg")
    ltv = fields.Float(string="Predicted Value", readonly=True, digits=(16, 2), aggregator="avg")
    churn_band = fields.Selection(CHURN_BANDS, string="Churn Risk Band", readonly=True)

    def init(self):
        self.env.cr.execute(
            SQL(
                """
            CREATE TABLE IF NOT EXISTS retail_crm_rfm_snapshot (
                id bigserial PRIMARY KEY,
                run_id integer NOT NULL,
                run_date date NOT NULL,
                partner_id integer NOT NULL,
                last_purchase_date date,
                recency integer,
                frequency integer,
                monetary numeric,
                r_score integer,
                f_score integer,
                m_score integer,
                segment_code varchar,
                cluster varchar,
                churn_probability numeric,
                expected_purchases numeric,
                ltv numeric,
                churn_band varchar
            );
            -- one row per run and customer; also the write-back's range scans
            CREATE UNIQUE INDEX IF NOT EXISTS retail_crm_rfm_snapshot_run_partner_uniq
                ON retail_crm_rfm_snapshot (run_id, partner_id);
            CREATE INDEX IF NOT EXISTS retail_crm_rfm_snapshot_partner_id_index
                ON retail_crm_rfm_snapshot (partner_id);
            -- tables created by earlier versions of the addon had them,
            -- or had not the last purchase day
            ALTER TABLE retail_crm_rfm_snapshot
                ADD COLUMN IF NOT EXISTS last_purchase_date date,
                ADD COLUMN IF NOT EXISTS churn_band varchar,
                DROP CONSTRAINT IF EXISTS retail_crm_rfm_snapshot_run_id_fkey,
                DROP CONSTRAINT IF EXISTS retail_crm_rfm_snapshot_partner_id_fkey;
            -- every run takes an id per customer: 32-bit ids ran out after
            -- about 2,400 daily runs of 900,000 customers (240 of 9 million)
            ALTER SEQUENCE retail_crm_rfm_snapshot_id_seq AS bigint;
            """
            )
        )
        self.env.cr.execute(
            SQL(
                "SELECT data_type FROM information_schema.columns"
                " WHERE table_name = 'retail_crm_rfm_snapshot' AND column_name = 'id'"
            )
        )
        if self.env.cr.fetchone()[0] != "bigint":
            # tables created by earlier versions (a rewrite of the table, once)
            self.env.cr.execute(SQL("ALTER TABLE retail_crm_rfm_snapshot ALTER COLUMN id TYPE bigint"))

    @api.model
    def _delete_for(self, column, ids):
        """Delete the rows of the given runs or partners (one statement)."""
        if ids:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM retail_crm_rfm_snapshot WHERE %s = ANY(%s)",
                    SQL.identifier(column),
                    list(ids),
                )
            )
            self.invalidate_model()
