import logging

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from .res_partner import CLUSTER_SELECTION, SEGMENT_SELECTION
from .rfm_run_common import SNAPSHOT_COLUMNS

# bands of churn risk for the dashboard's distribution (band n: [n-1, n) / 5)
CHURN_BANDS = [
    ("1", "0-20 %"),
    ("2", "20-40 %"),
    ("3", "40-60 %"),
    ("4", "60-80 %"),
    ("5", "80-100 %"),
]


_logger = logging.getLogger(__name__)

# the table of an earlier version while it becomes a partition
LEGACY_TABLE = "retail_crm_rfm_snapshot_legacy"
# how long dropping a run's partition waits for the table's readers
DROP_LOCK_TIMEOUT = "500ms"


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

    The table is partitioned by run: each run's rows are a table of their
    own, indexed once they are all in and then attached
    (``_insert_run_partition``); deleting a run drops its table. The ORM
    reads it through ``_table_query``: Odoo's check of the models' tables
    knows regular tables and views, not partitioned tables.
    """

    _name = "retail.crm.rfm.snapshot"
    _description = "RFM Snapshot"
    _order = "run_id desc, partner_id"
    _auto = False
    _table_query = "SELECT * FROM retail_crm_rfm_snapshot"
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
        cr = self.env.cr
        kind = self._relkind(self._table)
        if kind == "r":
            # a table of an earlier version of the addon: it becomes the
            # first partition (see _adopt_legacy_table)
            self._prepare_legacy_table()
            self._drop_own_views()
            cr.execute(SQL("ALTER TABLE retail_crm_rfm_snapshot RENAME TO %s", SQL.identifier(LEGACY_TABLE)))
        cr.execute(
            SQL(
                """
            -- every run takes an id per customer: 32-bit ids ran out after
            -- about 2,400 daily runs of 900,000 customers (240 of 9 million)
            CREATE SEQUENCE IF NOT EXISTS retail_crm_rfm_snapshot_id_seq AS bigint;
            CREATE TABLE IF NOT EXISTS retail_crm_rfm_snapshot (
                id bigint NOT NULL DEFAULT nextval('retail_crm_rfm_snapshot_id_seq'),
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
            ) PARTITION BY RANGE (run_id);
            ALTER SEQUENCE retail_crm_rfm_snapshot_id_seq OWNED BY retail_crm_rfm_snapshot.id;
            -- one row per run and customer; also the write-back's range scans
            CREATE UNIQUE INDEX IF NOT EXISTS retail_crm_rfm_snapshot_run_partner_key
                ON retail_crm_rfm_snapshot (run_id, partner_id);
            -- a customer's history, and deleting a customer's rows
            CREATE INDEX IF NOT EXISTS retail_crm_rfm_snapshot_partner_key
                ON retail_crm_rfm_snapshot (partner_id);
            -- the ORM reads records by id
            CREATE INDEX IF NOT EXISTS retail_crm_rfm_snapshot_id_key ON retail_crm_rfm_snapshot (id);
            """
            )
        )
        if kind == "r":
            self._adopt_legacy_table()

    @api.model
    def _relkind(self, table):
        """pg_class.relkind of ``table`` in the current schema (None: no such relation)."""
        return self._relkinds([table]).get(table)

    @api.model
    def _relkinds(self, tables):
        """{name: pg_class.relkind} of those of ``tables`` that exist in the current schema."""
        self.env.cr.execute(
            SQL(
                "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relname = ANY(%s) AND n.nspname = current_schema",
                list(tables),
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _prepare_legacy_table(self):
        """Bring a snapshot table of an earlier version to the current columns."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            ALTER TABLE retail_crm_rfm_snapshot
                ADD COLUMN IF NOT EXISTS last_purchase_date date,
                ADD COLUMN IF NOT EXISTS churn_band varchar,
                DROP CONSTRAINT IF EXISTS retail_crm_rfm_snapshot_run_id_fkey,
                DROP CONSTRAINT IF EXISTS retail_crm_rfm_snapshot_partner_id_fkey,
                -- a partition has the parent's index on id instead
                DROP CONSTRAINT IF EXISTS retail_crm_rfm_snapshot_pkey;
            ALTER TABLE retail_crm_rfm_snapshot ALTER COLUMN id TYPE bigint;
            ALTER SEQUENCE retail_crm_rfm_snapshot_id_seq AS bigint;
            ALTER INDEX IF EXISTS retail_crm_rfm_snapshot_run_partner_uniq RENAME TO retail_crm_rfm_snapshot_legacy_run_partner;
            ALTER INDEX IF EXISTS retail_crm_rfm_snapshot_partner_id_index RENAME TO retail_crm_rfm_snapshot_legacy_partner;
            """
            )
        )

    @api.model
    def _drop_own_views(self):
        """Drop the addon's SQL views over the earlier table.

        They would follow its rename and read the earlier rows only, and an
        empty earlier table could not be dropped; their models' ``init``,
        later in the same upgrade (reports come after models), creates them
        again over the partitioned table.
        """
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            SELECT DISTINCT v.relname
              FROM pg_depend d
              JOIN pg_rewrite w ON w.oid = d.objid
              JOIN pg_class v ON v.oid = w.ev_class
             WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = %s::regclass
               AND v.relkind = 'v' AND v.oid <> d.refobjid
            """,
                self._table,
            )
        )
        dependent = {row[0] for row in cr.fetchall()}
        own = {
            model._table
            for model in self.env.registry.models.values()
            if model._original_module == self._original_module and model._table in dependent
        }
        for view in sorted(own):
            cr.execute(SQL("DROP VIEW %s", SQL.identifier(view)))

    @api.model
    def _adopt_legacy_table(self):
        """Attach the rows of an earlier version's table as one partition
        (the range of its run ids), or drop it when it is empty."""
        cr = self.env.cr
        legacy = SQL.identifier(LEGACY_TABLE)
        cr.execute(SQL("SELECT min(run_id), max(run_id) FROM %s", legacy))
        low, high = cr.fetchone()
        if low is None:
            cr.execute(SQL("DROP TABLE %s", legacy))
            return
        # the constraint proves the partition bounds: ATTACH reads no row
        cr.execute(
            SQL(
                "ALTER TABLE %s ADD CONSTRAINT retail_crm_rfm_snapshot_legacy_runs CHECK (run_id >= %s AND run_id < %s)",
                legacy,
                low,
                high + 1,
            )
        )
        cr.execute(
            SQL(
                "ALTER TABLE retail_crm_rfm_snapshot ATTACH PARTITION %s FOR VALUES FROM (%s) TO (%s)",
                legacy,
                low,
                high + 1,
            )
        )

    @api.model
    def _partition_name(self, run_id):
        return f"retail_crm_rfm_snapshot_run_{int(run_id)}"

    @api.model_create_multi
    def create(self, vals_list):
        # rows created otherwise than by a run (the ORM, an import): their
        # run's partition, empty, first (no default partition: attaching a
        # run's partition would lock it, and every reader, until commit);
        # the right to create is checked before any table is
        self.browse().check_access("create")
        run_ids = sorted({vals.get("run_id") for vals in vals_list} - {None, False})
        existing = self._relkinds(self._partition_name(run_id) for run_id in run_ids)
        for run_id in run_ids:
            if self._partition_name(run_id) not in existing:
                self._attach_partition(run_id)
        return super().create(vals_list)

    @api.model
    def _insert_run_partition(self, run_id, select):
        """Store the rows of ``select`` (``SNAPSHOT_COLUMNS`` of run ``run_id``)
        as the partition of that run.

        The rows go into a table of their own without indexes; its indexes
        are then built in one pass each and the table is attached. Inserting
        into the indexes of every earlier run's rows instead (one probe of a
        large customer index per row) took twice as long on a million
        customers, and more as the history grows.
        """
        # a run is stored once; an earlier attempt's rows go (rolled back runs leave none)
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(self._partition_name(run_id))))
        self._attach_partition(run_id, select)

    @api.model
    def _attach_partition(self, run_id, select=None):
        """Create the partition of run ``run_id``, filled with the rows of ``select`` if given."""
        cr = self.env.cr
        table = SQL.identifier(self._partition_name(run_id))
        cr.execute(SQL("CREATE TABLE %s (LIKE retail_crm_rfm_snapshot INCLUDING DEFAULTS)", table))
        if select is not None:
            cr.execute(
                SQL(
                    "INSERT INTO %s (run_id, %s) %s",
                    table,
                    SQL(", ").join(SQL.identifier(col) for col in SNAPSHOT_COLUMNS),
                    select,
                )
            )
        cr.execute(SQL("CREATE UNIQUE INDEX ON %s (run_id, partner_id)", table))
        cr.execute(SQL("CREATE INDEX ON %s (partner_id)", table))
        cr.execute(SQL("CREATE INDEX ON %s (id)", table))
        # proves the partition bounds: ATTACH reads no row
        cr.execute(SQL("ALTER TABLE %s ADD CHECK (run_id >= %s AND run_id < %s)", table, run_id, run_id + 1))
        cr.execute(
            SQL(
                "ALTER TABLE retail_crm_rfm_snapshot ATTACH PARTITION %s FOR VALUES FROM (%s) TO (%s)",
                table,
                run_id,
                run_id + 1,
            )
        )
        # statistics of the new rows for the write-back's plans (the partition
        # only: ANALYZE of the parent would read every partition)
        cr.execute(SQL("ANALYZE %s", table))

    @api.model
    def _orphan_partition_runs(self):
        """Ids of the runs that are gone but whose partition is still there."""
        self.env.cr.execute(
            SQL(
                """
            SELECT substring(c.relname FROM '^retail_crm_rfm_snapshot_run_([0-9]+)$')::int AS run
              FROM pg_inherits i
              JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'retail_crm_rfm_snapshot'::regclass
               AND c.relname ~ '^retail_crm_rfm_snapshot_run_[0-9]+$'
               AND NOT EXISTS (
                    SELECT 1 FROM retail_crm_rfm_run r
                     WHERE r.id = substring(c.relname FROM '^retail_crm_rfm_snapshot_run_([0-9]+)$')::int)
            """
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _drop_partitions(self, run_ids):
        """Drop the partitions of ``run_ids`` whose lock is free in time (see ``_delete_for``)."""
        cr = self.env.cr
        # the tables that exist, in one catalog query
        kinds = self._relkinds(self._partition_name(run_id) for run_id in run_ids)
        for table in sorted(name for name, kind in kinds.items() if kind == "r"):
            try:
                with cr.savepoint(flush=False):
                    cr.execute(SQL("SET LOCAL lock_timeout = %s", DROP_LOCK_TIMEOUT))
                    cr.execute(SQL("DROP TABLE %s", SQL.identifier(table)), log_exceptions=False)
            except psycopg2.errors.LockNotAvailable:
                _logger.info("RFM snapshot: %s is in use, its rows are deleted instead", table)
            finally:
                cr.execute(SQL("SET LOCAL lock_timeout TO DEFAULT"))

    @api.model
    def _delete_for(self, column, ids):
        """Delete the rows of the given runs or partners.

        A run's partition is dropped when its lock is free within
        ``DROP_LOCK_TIMEOUT`` (dropping a partition locks the whole table
        until the transaction ends: a short wait, never a queue behind a
        long reader); else its rows are deleted and the empty partition is
        dropped by a later call.
        """
        if column == "run_id":
            ids = list(ids) + self._orphan_partition_runs()
            self._drop_partitions(ids)
        if ids:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM retail_crm_rfm_snapshot WHERE %s = ANY(%s)",
                    SQL.identifier(column),
                    list(ids),
                )
            )
            self.invalidate_model()
