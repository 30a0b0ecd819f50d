import contextlib
from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged

from .common import PARAM, RfmCommon
from .test_crosssell import CrossSellCommon
from .test_replenishment import ReplenishmentCommon


class CronCommitMixin:
    """The one commit idiom of the addon's crons (``models/cron_batch.py``):
    a batch is committed only when ``ir.cron`` runs the job (its progress
    record in the context, as ``ir.cron._add_progress`` puts it); called from
    code or a test, nothing is committed."""

    def _count_commits(self, call):
        commits = []
        # the test cursor refuses commits; count them instead, the data stays in the test transaction
        with patch.object(self.env.cr, "commit", lambda: commits.append(1)):
            result = call()
        return len(commits), result

    def _as_cron_job(self, model, cron_xmlid):
        _cron, progress = self.env.ref(cron_xmlid)._add_progress()
        return model.with_context(ir_cron_progress_id=progress.id), progress


@tagged("post_install", "-at_install")
class TestRuleCronCommit(CronCommitMixin, CrossSellCommon):
    def test_rule_cron_commits_per_company_only_under_ir_cron(self):
        day = self.today - timedelta(days=3)
        for partner in self.members[:6]:
            self._basket(partner, self.shirt | self.tie, day)
        Run = self.env["retail.crm.rfm.rule.run"]
        companies = self.env["res.company"].search([])
        commits, _runs = self._count_commits(Run._cron_mine_rules)
        self.assertEqual(commits, 0, "called from code: nothing committed")
        Run.search([]).unlink()
        cron_run, progress = self._as_cron_job(Run, "retail_crm_rfm.ir_cron_mine_rfm_rules")
        commits, runs = self._count_commits(cron_run._cron_mine_rules)
        self.assertEqual(commits, len(companies), "one commit per company")
        self.assertIn(self.company_a, runs.company_id)
        self.assertEqual((progress.done, progress.remaining), (len(companies), 0))


@tagged("post_install", "-at_install")
class TestReplenishmentCronCommit(CronCommitMixin, ReplenishmentCommon):
    def test_replenishment_cron_commits_per_batch_only_under_ir_cron(self):
        member = self._member("钱进", mobile="+86 138 0013 8101", email="qianjin@example.cn")
        for offset in (90, 60, 30):
            self._buy(member, self.today - timedelta(days=offset), [(self.toothpaste, 1)])
        Rep = self.env["retail.crm.replenishment"]
        commits, _reminded = self._count_commits(lambda: Rep._cron_replenishment(today=self.today))
        self.assertEqual(commits, 0, "called from code: nothing committed")
        self.assertTrue(Rep.search([("partner_id", "=", member.id)]))
        cron_rep, progress = self._as_cron_job(Rep, "retail_crm_rfm.ir_cron_replenishment")
        commits, _reminded = self._count_commits(lambda: cron_rep._cron_replenishment(today=self.today))
        companies = self.env["res.company"].search([])
        # per company: the pass position, each chunk, the end of the pass, the reminders
        self.assertGreaterEqual(commits, 3 * len(companies))
        self.assertEqual(progress.remaining, 0)


class _Rollback(Exception):
    pass


@tagged("post_install", "-at_install")
class TestRfmRunCronCommit(CronCommitMixin, RfmCommon):
    """The RFM computation and its write-back workers: committed per step
    and per batch, and the lanes handed to the write-back jobs, only when
    ``ir.cron`` runs them (#18: no more ``current_test``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ICP = cls.env["ir.config_parameter"].sudo()
        ICP.set_param(PARAM + "batch_size", 5)
        ICP.set_param(PARAM + "write_workers", 2)
        cls.partners, cls.specs = cls._random_dataset(seed=18)
        cls.expected = len(cls.reference_scores(cls.specs, cls.company_a, cls.today))

    def _run_of(self, runs, company):
        return runs.filtered(lambda run: run.company_id == company)

    def test_direct_call_commits_nothing_and_writes_every_lane(self):
        Run = self.env["retail.crm.rfm.run"]
        Trigger = self.env["ir.cron.trigger"]
        workers = Run._lane_workers()
        triggers_before = Trigger.search_count([("cron_id", "in", workers.ids)])
        commits, runs = self._count_commits(Run._cron_compute_rfm)
        self.assertEqual(commits, 0, "called from code: nothing committed")
        self.assertEqual(set(runs.mapped("state")), {"done"}, "the lanes are written by the call itself")
        run = self._run_of(runs, self.company_a)
        self.assertEqual(len(run.lane_ids), 2)
        self.assertEqual(run.written_count, self.expected, "each customer written once")
        self.assertEqual(
            Trigger.search_count([("cron_id", "in", workers.ids)]), triggers_before, "no worker job triggered"
        )

    def test_cron_job_commits_per_step_and_hands_lanes_to_workers(self):
        Run = self.env["retail.crm.rfm.run"]
        Lane = self.env["retail.crm.rfm.run.lane"]
        cron_run, progress = self._as_cron_job(Run, "retail_crm_rfm.ir_cron_compute_rfm")
        commits, runs = self._count_commits(cron_run._cron_compute_rfm)
        run = self._run_of(runs, self.company_a)
        self.assertEqual(run.state, "writing", "the write-back is handed to the worker jobs")
        self.assertFalse(run.written_count)
        # the runs exist, then every step and every run is committed
        self.assertGreaterEqual(commits, len(runs) + 2)
        self.assertEqual((progress.done, progress.remaining), (len(runs), 0))
        # a worker called from code writes the lanes without committing (rolled back here)
        with contextlib.suppress(_Rollback), self.env.cr.savepoint():
            commits, batches = self._count_commits(Lane._cron_write_lanes)
            self.assertEqual(commits, 0, "called from code: nothing committed")
            self.assertGreater(batches, 2)
            raise _Rollback
        self.env.invalidate_all()
        self.assertFalse(run.written_count)
        # the worker job run by ir.cron: one commit per batch
        cron_lane, lane_progress = self._as_cron_job(Lane, "retail_crm_rfm.ir_cron_rfm_write_lane_1")
        commits, batches = self._count_commits(cron_lane._cron_write_lanes)
        self.assertGreater(batches, 2)
        self.assertEqual(commits, batches, "one commit per batch")
        self.assertEqual((lane_progress.done, lane_progress.remaining), (batches, 0))
        self.assertEqual(run.written_count, self.expected, "each customer written once")
        # the scheduled action, run again by ir.cron, finishes the run
        cron_run, progress = self._as_cron_job(Run, "retail_crm_rfm.ir_cron_compute_rfm")
        commits, runs = self._count_commits(cron_run._cron_compute_rfm)
        self.assertIn(run, runs)
        self.assertEqual(run.state, "done")
        self.assertGreaterEqual(commits, len(runs) + 1)
