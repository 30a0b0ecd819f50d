"""Issue 14 item 8: the snapshot history, one partition per run."""

from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from .. import UNMANAGED_TABLES, uninstall_hook
from .common import RfmCommon

# the snapshot table as versions before 18.0.1.1.0 created it (regular
# table, 32-bit ids, neither last purchase day nor churn band)
EARLIER_TABLE = """
    CREATE TABLE retail_crm_rfm_snapshot (
        id serial PRIMARY KEY,
        run_id integer NOT NULL,
        run_date date NOT NULL,
        partner_id integer NOT NULL,
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
        ltv numeric
    );
    CREATE UNIQUE INDEX retail_crm_rfm_snapshot_run_partner_uniq ON retail_crm_rfm_snapshot (run_id, partner_id);
    CREATE INDEX retail_crm_rfm_snapshot_partner_id_index ON retail_crm_rfm_snapshot (partner_id);
"""


@tagged("post_install", "-at_install")
class TestRfmSnapshotPartitions(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners, cls.specs = cls._random_dataset(seed=17)
        cls.Snapshot = cls.env["retail.crm.rfm.snapshot"]
        cls.Report = cls.env["retail.crm.rfm.migration.report"]

    def _run(self, day):
        run = self.env["retail.crm.rfm.run"].create({"company_id": self.company_a.id, "run_date": day})
        self.env["retail.crm.rfm.run"]._cron_compute_rfm()
        self.assertEqual(run.state, "done", run.message)
        return run

    def _earlier_version_table(self):
        """The snapshot table of an earlier version (a regular table), with
        the report view of that version over it; the current table is moved
        aside (the test's transaction is rolled back)."""
        cr = self.env.cr
        cr.execute(SQL("ALTER TABLE retail_crm_rfm_snapshot RENAME TO test_snapshot_aside"))
        for index in ("id_key", "partner_key", "run_partner_key"):
            cr.execute(
                SQL(
                    "ALTER INDEX %s RENAME TO %s",
                    SQL.identifier(f"retail_crm_rfm_snapshot_{index}"),
                    SQL.identifier(f"test_snapshot_aside_{index}"),
                )
            )
        cr.execute(SQL("ALTER SEQUENCE retail_crm_rfm_snapshot_id_seq RENAME TO test_snapshot_aside_id_seq"))
        cr.execute(SQL(EARLIER_TABLE))
        self.Report.init()

    def _upgrade(self):
        """The models' init as an upgrade of the addon runs them: the
        snapshot (a model), then the migration report (a report)."""
        self.Snapshot.init()
        self.Report.init()
        self.Snapshot.invalidate_model()
        self.Report.invalidate_model()

    def _migrated(self, run):
        """Customers of ``run`` counted by the migration report."""
        groups = self.Report._read_group([("run_id", "=", run.id)], [], ["partner_count:sum"])
        return groups[0][0] or 0

    def _partitions(self):
        """{partition name: its bounds} of the snapshot table."""
        self.env.cr.execute(
            SQL(
                """
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
              FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'retail_crm_rfm_snapshot'::regclass
            """
            )
        )
        return dict(self.env.cr.fetchall())

    def _rows_in(self, table):
        self.env.cr.execute(SQL("SELECT run_id, count(*) FROM %s GROUP BY run_id", SQL.identifier(table)))
        return dict(self.env.cr.fetchall())

    def test_each_run_is_a_partition_of_its_own(self):
        """A run's rows are inserted into a table of their own, indexed once
        complete, instead of into the indexes of every earlier run's rows;
        deleting the run drops its table."""
        first = self._run(self.today - timedelta(days=1))
        second = self._run(self.today)
        self.assertEqual(self.Snapshot._relkind("retail_crm_rfm_snapshot"), "p")
        partitions = self._partitions()
        for run in first | second:
            name = f"retail_crm_rfm_snapshot_run_{run.id}"
            self.assertEqual(partitions.get(name), f"FOR VALUES FROM ({run.id}) TO ({run.id + 1})")
            self.assertEqual(self._rows_in(name), {run.id: run.customer_count})
            self.assertGreater(run.customer_count, 10)
        # the ORM reads the rows of every partition
        self.assertEqual(
            self.Snapshot.search_count([("run_id", "in", (first | second).ids)]),
            first.customer_count + second.customer_count,
        )
        grouped = dict(self.Snapshot._read_group([("run_id", "=", second.id)], ["run_id"], ["__count"]))
        self.assertEqual(grouped, {second: second.customer_count})
        first.unlink()
        self.assertIsNone(self.Snapshot._relkind(f"retail_crm_rfm_snapshot_run_{first.id}"))
        self.assertEqual(self.Snapshot.search_count([("run_id", "=", second.id)]), second.customer_count)
        # a row created through the ORM (no run stored it) gets its run's partition
        other = self.env["retail.crm.rfm.run"].create(
            {"company_id": self.company_a.id, "run_date": self.today}
        )
        row = self.Snapshot.create(
            {"run_id": other.id, "run_date": self.today, "partner_id": self.partners[0].id, "r_score": 5}
        )
        self.assertEqual(self._rows_in(f"retail_crm_rfm_snapshot_run_{other.id}"), {other.id: 1})
        self.assertEqual(self.Snapshot.search([("run_id", "=", other.id)]), row)
        other.unlink()
        self.assertFalse(row.exists())

    def test_partition_being_read_is_emptied_then_dropped_later(self):
        """Dropping a partition locks the whole table: when another transaction
        reads it, the run's rows are deleted instead of waiting, and the empty
        partition goes with a later deletion."""
        first = self._run(self.today - timedelta(days=1))
        second = self._run(self.today)
        name = f"retail_crm_rfm_snapshot_run_{first.id}"
        with self.registry.cursor() as reader:
            # an open transaction that read the snapshot (a long report, say)
            reader.execute(SQL("SELECT count(*) FROM retail_crm_rfm_snapshot"))
            first.unlink()
            self.assertEqual(self.Snapshot._relkind(name), "r", "not dropped while read")
            self.assertEqual(self._rows_in(name), {}, "its rows are deleted")
            reader.rollback()
        self.Snapshot._delete_for("run_id", [])
        self.assertIsNone(self.Snapshot._relkind(name))
        self.assertEqual(self.Snapshot.search_count([("run_id", "=", second.id)]), second.customer_count)

    def test_earlier_table_becomes_a_partition(self):
        """The upgrade of an earlier version keeps its history: its table
        becomes a partition of the partitioned table."""
        earlier = self._run(self.today - timedelta(days=1))
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT partner_id, segment_code FROM retail_crm_rfm_snapshot WHERE run_id = %s ORDER BY partner_id",
                earlier.id,
            )
        )
        history = cr.fetchall()
        self.assertTrue(history)
        # the scheduled action ran every company: the earlier runs' ids
        cr.execute(SQL("SELECT min(run_id), max(run_id) FROM retail_crm_rfm_snapshot"))
        low, high = cr.fetchone()
        self._earlier_version_table()
        cr.execute(
            SQL(
                """
            INSERT INTO retail_crm_rfm_snapshot (run_id, run_date, partner_id, segment_code)
            SELECT run_id, run_date, partner_id, segment_code FROM test_snapshot_aside
            """
            )
        )
        self._upgrade()
        self.assertEqual(self.Snapshot._relkind("retail_crm_rfm_snapshot"), "p")
        self.assertEqual(
            self._partitions(),
            {"retail_crm_rfm_snapshot_legacy": f"FOR VALUES FROM ({low}) TO ({high + 1})"},
        )
        self.Snapshot.invalidate_model()
        rows = self.Snapshot.search([("run_id", "=", earlier.id)])
        self.assertEqual(sorted((r.partner_id.id, r.segment_code) for r in rows), history)
        # the next run gets a partition of its own beside it
        later = self._run(self.today)
        self.assertIn(f"retail_crm_rfm_snapshot_run_{later.id}", self._partitions())
        self.assertEqual(self.Snapshot.search_count([("run_id", "=", later.id)]), later.customer_count)
        # ids of the earlier rows and of the new ones: one sequence, 64-bit
        cr.execute(
            SQL(
                "SELECT data_type FROM information_schema.sequences WHERE sequence_name = %s",
                "retail_crm_rfm_snapshot_id_seq",
            )
        )
        self.assertEqual(cr.fetchone()[0], "bigint")
        cr.execute(SQL("SELECT count(DISTINCT id) = count(*) FROM retail_crm_rfm_snapshot"))
        self.assertTrue(cr.fetchone()[0])
        # the migration report reads every partition, not the earlier table only
        self.assertEqual(self._migrated(later), later.customer_count)

    def test_empty_earlier_table_is_replaced(self):
        """An earlier version's table without rows (no run kept) is dropped,
        although the earlier version's report view reads it."""
        self._earlier_version_table()
        self._upgrade()
        self.assertEqual(self.Snapshot._relkind("retail_crm_rfm_snapshot"), "p")
        self.assertIsNone(self.Snapshot._relkind("retail_crm_rfm_snapshot_legacy"))
        self.assertEqual(self._partitions(), {})
        run = self._run(self.today)
        partition = f"retail_crm_rfm_snapshot_run_{run.id}"
        self.assertEqual(self._partitions()[partition], f"FOR VALUES FROM ({run.id}) TO ({run.id + 1})")
        self.assertEqual(self._migrated(run), run.customer_count)

    def test_uninstall_drops_the_tables_odoo_does_not_know(self):
        """Odoo drops the regular tables and views of an uninstalled addon's
        models; the partitioned snapshot and the run's caches go by the hook."""
        run = self._run(self.today)
        partition = f"retail_crm_rfm_snapshot_run_{run.id}"
        self.assertEqual(self.Snapshot._relkind(partition), "r")
        uninstall_hook(self.env)
        for table in (*UNMANAGED_TABLES, partition):
            self.assertIsNone(self.Snapshot._relkind(table), table)
