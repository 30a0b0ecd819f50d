import threading
import time

import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from ..models.privacy_retention import PrivacyRetention

PARAMS = ("retail_crm_privacy.retention_days", "retail_crm_privacy.retention_auto")


@tagged("post_install", "-at_install")
class TestRetentionConcurrency(TransactionCase):
    """The retention cron with real commits, on data committed by the test
    (and removed afterwards): killed mid-run then run again, and two runs at
    the same time, give each person exactly one erasure."""

    def _committed(self, count):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            icp = env["ir.config_parameter"]
            saved = {key: icp.get_param(key) for key in PARAMS}
            people = env["res.partner"].create(
                [
                    {
                        "name": f"并发顾客{n}",
                        "mobile": f"+86 136 0000 {n:04d}",
                        "email": f"conc{n}@example.cn",
                    }
                    for n in range(count)
                ]
            )
            for n, person in enumerate(people):
                person.message_post(body=f"{person.name} 手机尾号{n:04d}")
            env.flush_all()
            cr.execute(
                SQL("UPDATE res_partner SET create_date = '2019-01-01' WHERE id = ANY(%s)", people.ids)
            )
            icp.set_param(PARAMS[0], "365")
            icp.set_param(PARAMS[1], "True")
            ids = people.ids
        self.addCleanup(self._cleanup, ids, saved)
        return ids

    def _cleanup(self, ids, saved):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute(SQL("DELETE FROM retail_crm_erasure_log WHERE partner_id = ANY(%s)", ids))
            env["res.partner"].with_context(active_test=False).browse(ids).unlink()
            for key, value in saved.items():
                env["ir.config_parameter"].set_param(key, value or False)

    def _run(self, batch_size, result, name, backend=None):
        try:
            with self.registry.cursor() as cr:
                if backend is not None:
                    backend.append(cr._cnx.get_backend_pid())
                # the registry is given: Registry(dbname) waits for the lock
                # the test runner holds in the main thread
                cr.transaction = api.Transaction(self.registry)
                env = api.Environment(cr, SUPERUSER_ID, {})
                result[name] = PrivacyRetention(env)._run(batch_size=batch_size, commit=True).partner_id.ids
        except Exception as exc:
            result[name] = exc

    def _erased(self, ids):
        """{partner id: number of erasure logs}, as committed."""
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT p.id, count(l.id) FROM res_partner p "
                    "LEFT JOIN retail_crm_erasure_log l ON l.partner_id = p.id "
                    "WHERE p.id = ANY(%s) GROUP BY p.id",
                    ids,
                )
            )
            return dict(cr.fetchall())

    def _wait(self, condition, what):
        deadline = time.monotonic() + 600
        while not condition():
            self.assertLess(time.monotonic(), deadline, f"still waiting for {what}")
            time.sleep(0.1)

    @mute_logger("odoo.sql_db")  # the killed connection's last query is logged as an error
    def test_killed_mid_run_then_run_again(self):
        """A run killed in its second batch keeps the first batch (committed)
        and leaves the second untouched; the next run finishes the work."""
        ids = self._committed(4)
        result, backend = {}, []
        with self.registry.cursor() as lock_cr:
            # the second batch (3rd and 4th person) stops on this lock
            lock_cr.execute(
                SQL(
                    "SELECT id FROM mail_message WHERE model = 'res.partner' AND res_id = %s FOR UPDATE",
                    ids[2],
                )
            )
            thread = threading.Thread(target=self._run, args=(2, result, "killed", backend))
            thread.start()

            def waiting_on_lock():
                if not backend:
                    return False
                lock_cr.execute(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", [backend[0]]
                )
                row = lock_cr.fetchone()
                return bool(row and row[0])

            self._wait(lambda: waiting_on_lock() or "killed" in result, "the run to reach the second batch")
            self.assertNotIn("killed", result, "the run stopped before the second batch")
            self.assertEqual(self._erased(ids), {ids[0]: 1, ids[1]: 1, ids[2]: 0, ids[3]: 0})
            lock_cr.execute("SELECT pg_terminate_backend(%s)", [backend[0]])
            thread.join(60)
            lock_cr.rollback()
        self.assertIsInstance(result["killed"], psycopg2.Error)
        with self.registry.cursor() as cr:
            cr.execute(SQL("SELECT id, mobile FROM res_partner WHERE id = ANY(%s) ORDER BY id", ids[2:]))
            self.assertEqual([row[1] for row in cr.fetchall()], ["+86 136 0000 0002", "+86 136 0000 0003"])
        self._run(2, result, "again")
        self.assertEqual(sorted(result["again"]), ids[2:])
        self.assertEqual(self._erased(ids), dict.fromkeys(ids, 1))

    def test_two_runs_at_once(self):
        """Two runs started together share the people, never erase one twice
        and both end without error."""
        ids = self._committed(8)
        result = {}
        threads = [threading.Thread(target=self._run, args=(1, result, name)) for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        self.assertIsInstance(result["a"], list, result)
        self.assertIsInstance(result["b"], list, result)
        self.assertEqual(sorted(result["a"] + result["b"]), ids)
        self.assertEqual(self._erased(ids), dict.fromkeys(ids, 1))

    def _cron_call(self, ids, context):
        """The cron's entry point in a transaction of its own that is rolled
        back at the end: what stays is what the entry point committed."""
        with self.registry.cursor() as cr:
            cr.transaction = api.Transaction(self.registry)
            env = api.Environment(cr, SUPERUSER_ID, context)
            logs = env["res.partner"]._cron_privacy_retention(batch_size=2)
            self.assertEqual(sorted(logs.partner_id.ids), ids)
            cr.rollback()

    def test_cron_worker_commits_per_batch(self):
        """Run by a cron worker (ir.cron gives the job a progress record),
        the entry point commits each batch and reports its progress; the
        same call made any other way (a test, a shell) commits nothing."""
        ids = self._committed(4)
        self._cron_call(ids, {})
        self.assertEqual(self._erased(ids), dict.fromkeys(ids, 0), "committed outside a cron worker")
        cron = self.env.ref("retail_crm_privacy.ir_cron_privacy_retention")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            progress = env["ir.cron.progress"].create({"cron_id": cron.id})
            progress_id = progress.id
        self.addCleanup(self._drop_progress, progress_id)
        self._cron_call(ids, {"ir_cron_progress_id": progress_id})
        self.assertEqual(self._erased(ids), dict.fromkeys(ids, 1))
        with self.registry.cursor() as cr:
            cr.execute(SQL("SELECT done, remaining FROM ir_cron_progress WHERE id = %s", progress_id))
            self.assertEqual(cr.fetchone(), (4, 0))

    def _drop_progress(self, progress_id):
        with self.registry.cursor() as cr:
            cr.execute(SQL("DELETE FROM ir_cron_progress WHERE id = %s", progress_id))
