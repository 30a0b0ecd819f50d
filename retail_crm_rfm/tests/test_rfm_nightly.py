"""The nightly run: what a next-day run writes, and where the aggregate runs."""

import importlib.util
import os
import sys
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import sql_db
from odoo.addons.retail_crm_rfm.models.retail_crm_rfm_run import MODEL_TOLERANCES, RetailCrmRfmRun
from odoo.tests import tagged
from odoo.tools import SQL, config

from .common import PARAM, RfmCommon

TOOLS = os.path.join(os.path.dirname(__file__), "..", "..", "tools")


def load_bench_tool():
    """tools/bench_rfm.py (None when the repository's tools/ are not deployed)."""
    path = os.path.join(TOOLS, "bench_rfm.py")
    if not os.path.exists(path):
        return None
    # its helpers are imported from next to it, as when it runs as a script
    sys.path.insert(0, os.path.abspath(TOOLS))
    try:
        spec = importlib.util.spec_from_file_location("bench_rfm_tool", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(os.path.abspath(TOOLS))
    return module


@tagged("post_install", "-at_install")
class TestRfmNightly(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners, cls.specs = cls._random_dataset(seed=42)
        cls.segments = {s.code: s for s in cls.env["retail.crm.rfm.segment"].search([])}

    @contextmanager
    def _replica_on_this_server(self):
        """``db_replica_host`` set, and the read-only pool pointed at the test
        server itself: Odoo's test pool follows libpq's defaults (``PGHOST``),
        which need not be this server; it would fall back to a read/write
        cursor and stay there."""
        replica = {"db_replica_host": config["db_host"] or "", "db_replica_port": config["db_port"] or False}
        with patch.dict(config.options, replica):
            pool = sql_db.db_connect(self.env.cr.dbname, readonly=True)
            with patch.object(self.registry, "_db_readonly", pool):
                yield

    def _run_cron(self):
        return self.env["retail.crm.rfm.run"]._cron_compute_rfm()

    def _row_versions(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT id, ctid::text FROM res_partner WHERE id IN %s ORDER BY id", tuple(self.partners.ids))
        )
        return dict(self.env.cr.fetchall())

    def _snapshot(self, run):
        rows = self.env["retail.crm.rfm.snapshot"].search([("run_id", "=", run.id)])
        return {row.partner_id.id: row for row in rows}

    def test_next_day_run_writes_only_changed_customers(self):
        """The last purchase day is stored, not the days since: on the next
        day only customers whose scores, segment or model outputs changed are
        written, though everyone's recency grew by a day."""
        # yesterday's run, then today's: the orders of today are new
        Run = self.env["retail.crm.rfm.run"]
        first = Run.create({"company_id": self.company_a.id, "run_date": self.today - timedelta(days=1)})
        self._run_cron()
        self.assertEqual(first.state, "done", first.message)
        self.assertEqual(first.written_count, first.customer_count)
        before = self._row_versions()
        tomorrow = self.today
        next_day = Run.create({"company_id": self.company_a.id, "run_date": tomorrow})
        # on 34 customers the models refitted a day later move every churn
        # risk beyond its tolerance (on 1M they barely move: see the bench);
        # here only the stored figures decide
        wide = dict.fromkeys(MODEL_TOLERANCES, (10.0, 10.0))
        with patch.dict(MODEL_TOLERANCES, wide):
            self._run_cron()
        self.assertEqual(next_day.state, "done", next_day.message)
        self.assertFalse(next_day.source_run_id, "another day: new results")
        # every customer's recency grew by a day, yet not every row is written
        first_rows, next_rows = self._snapshot(first), self._snapshot(next_day)
        stored = ("last_purchase_date", "frequency", "monetary", "r_score", "f_score", "m_score")
        stored += ("segment_code", "cluster")
        changed = {
            pid
            for pid, row in next_rows.items()
            if pid not in first_rows or any(row[name] != first_rows[pid][name] for name in stored)
        }
        diffs = {
            name: sum(
                1
                for pid, row in next_rows.items()
                if pid in first_rows and row[name] != first_rows[pid][name]
            )
            for name in stored
        }
        self.assertLess(next_day.written_count, next_day.customer_count, diffs)
        after = self._row_versions()
        rewritten = {pid for pid in before if before[pid] != after[pid]}
        self.assertEqual(len(rewritten), next_day.written_count)
        # every customer whose stored figures changed is written (and, with
        # these tolerances, the others only when a model output appeared or went)
        self.assertLessEqual(changed, rewritten)
        self.assertTrue(changed)

        reference = self.reference_scores(self.specs, self.company_a, tomorrow)
        snapshot = self._snapshot(next_day)
        self.assertEqual(set(snapshot), set(reference))
        for partner in self.partners.with_company(self.company_a).filtered("rfm_date"):
            ref, row = reference[partner.id], snapshot[partner.id]
            # recency follows the last run, from the stored last purchase day
            self.assertEqual(partner.rfm_recency, ref["recency"], partner.name)
            self.assertEqual(partner.rfm_last_purchase_date, tomorrow - timedelta(days=ref["recency"]))
            # scores and segment are exact; model outputs within their tolerance
            self.assertEqual(
                (partner.rfm_r_score, partner.rfm_f_score, partner.rfm_m_score, partner.rfm_segment_id),
                (ref["r"], ref["f"], ref["m"], self.segments[ref["segment"]]),
                partner.name,
            )
            self.assertEqual(partner.rfm_cluster or False, row.cluster or False)
            # the date says which run the row's figures come from
            self.assertEqual(partner.rfm_date, tomorrow if partner.id in rewritten else first.run_date)
        # searching by recency is searching by the last purchase day
        Partner = self.env["res.partner"].with_company(self.company_a)
        recent = Partner.search([("id", "in", self.partners.ids), ("rfm_recency", "<=", 11)])
        self.assertEqual(set(recent.ids), {pid for pid, ref in reference.items() if ref["recency"] <= 11})
        self.assertTrue(recent)

    def test_aggregate_on_replica_or_primary(self):
        """With ``db_replica_host`` the aggregate reads on a read-only cursor
        (Odoo's replica, or the primary when it cannot be reached); without
        one, or when switched off, on the run's own cursor."""
        Run = self.env["retail.crm.rfm.run"]
        used = []
        compute_rows = RetailCrmRfmRun._compute_customer_rows

        def spy(run, cr, query):
            used.append(cr.readonly)
            return compute_rows(run, cr, query)

        self.assertFalse(Run._use_replica(), "no replica configured")
        with patch.object(RetailCrmRfmRun, "_compute_customer_rows", spy):
            # no replica: the run's own cursor (it sees this transaction's orders)
            self._run_cron()
            self.assertTrue(used)
            self.assertEqual(used, [False] * len(used))
            reference = self.reference_scores(self.specs, self.company_a, self.today)
            scored = self.partners.with_company(self.company_a).filtered("rfm_date")
            self.assertEqual(set(scored.ids), set(reference))
            used.clear()
            with self._replica_on_this_server():
                self.assertTrue(Run._use_replica())
                # a replica: a read-only cursor of its own (in tests Odoo gives a
                # read-only test cursor; like a replica it sees only committed data)
                runs = Run.create({"company_id": self.company_a.id, "run_date": self.today})
                self._run_cron()
                self.assertEqual(runs.state, "done", runs.message)
                self.assertTrue(used)
                self.assertTrue(all(used), "read-only cursors")
                # switched off: the primary, in the run's transaction
                self.env["ir.config_parameter"].sudo().set_param(PARAM + "aggregate_on_replica", 0)
                self.assertFalse(Run._use_replica())

    def test_bench_measures_a_database_that_holds_orders(self):
        """README: ``bench_rfm.py -d DB --customers ... --orders ...`` on a database that
        already holds orders measures them; it loads data only into an empty one."""
        bench = load_bench_tool()
        if bench is None:
            self.skipTest("the repository's tools/ are not deployed with the addon")
        with patch.object(sys, "argv", ["bench_rfm.py", "-d", "db", "--customers", "10", "--orders", "20"]):
            args = bench.parse_args()
        self.assertEqual(args.generator, "auto")
        self.assertTrue(self.env["pos.order"].search_count([], limit=1))
        self.assertEqual(bench.choose_generator(self.env.cr, args.generator), "none")
        self.assertEqual(bench.choose_generator(self.env.cr, "datagen"), "datagen")
        # a database without orders (emptied in a savepoint rolled back) gets the generator's data
        with self.assertRaises(InterruptedError), self.env.cr.savepoint():
            self.env.cr.execute(SQL("TRUNCATE pos_order CASCADE"))
            self.assertEqual(bench.choose_generator(self.env.cr, args.generator), "datagen")
            raise InterruptedError
        self.assertEqual(bench.choose_generator(self.env.cr, args.generator), "none")
