from odoo.addons.retail_crm_rfm.tools.batch import run_steps
from odoo.addons.retail_crm_rfm.tools.paid_states import PAID_STATES
from odoo.tests import BaseCase, tagged


@tagged("post_install", "-at_install")
class TestToolsBatch(BaseCase):
    """The batch steps of the crons and the addon's one paid-states definition."""

    def _steps(self, log, batches):
        for index in range(batches):
            log.append(f"work {index}")
            yield index + 1, batches - index - 1
        return "result"

    def test_run_steps_calls_on_step_after_each_batch_and_returns_the_result(self):
        log = []
        result = run_steps(self._steps(log, 3), lambda done, remaining: log.append((done, remaining)))
        self.assertEqual(result, "result")
        self.assertEqual(log, ["work 0", (1, 2), "work 1", (2, 1), "work 2", (3, 0)])

    def test_run_steps_without_on_step_runs_everything(self):
        log = []
        self.assertEqual(run_steps(self._steps(log, 2)), "result")
        self.assertEqual(log, ["work 0", "work 1"])
        self.assertEqual(run_steps(self._steps(log, 0)), "result")

    def test_an_error_reaches_the_caller_after_the_committed_steps(self):
        def failing():
            yield 1, 1
            raise ValueError("boom")

        seen = []
        with self.assertRaises(ValueError):
            run_steps(failing(), lambda done, remaining: seen.append(done))
        self.assertEqual(seen, [1])

    def test_one_paid_states_definition(self):
        from ..models import (  # noqa: PLC0415
            res_partner_recommendation,
            retail_crm_replenishment,
            retail_crm_rfm_ab_test,
            retail_crm_rfm_rule_mining,
            retail_crm_rfm_run_margin,
            rfm_run_common,
        )
        from ..report import retail_crm_rfm_kpi_report  # noqa: PLC0415

        self.assertEqual(PAID_STATES, ("paid", "done", "invoiced"))
        for module in (
            res_partner_recommendation,
            retail_crm_replenishment,
            retail_crm_rfm_ab_test,
            retail_crm_rfm_rule_mining,
            retail_crm_rfm_run_margin,
            rfm_run_common,
            retail_crm_rfm_kpi_report,
        ):
            self.assertIs(module.PAID_STATES, PAID_STATES, module.__name__)
