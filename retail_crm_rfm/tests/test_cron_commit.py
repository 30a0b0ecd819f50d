from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged

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
