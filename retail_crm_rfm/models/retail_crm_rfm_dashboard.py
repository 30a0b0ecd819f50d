from odoo import models


class RetailCrmRfmSegmentDashboard(models.Model):
    """The RFM dashboard's graphs, opened from the buttons above its cards.

    Called from kanban header buttons (with the selected ids, none here).
    Odoo's graph views on the snapshot (segment sizes over the runs, churn
    risk of the last run's customers) and on the migration report (customers
    moving between the segments of the last two monthly runs).
    """

    _inherit = "retail.crm.rfm.segment"

    def _dashboard_graph_action(self, model, name, view_xmlid, domain, context=None):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "graph,pivot,list",
            "views": [(self.env.ref(view_xmlid).id, "graph"), (False, "pivot"), (False, "list")],
            "domain": domain,
            "context": dict(context or {}, create=False),
            "target": "current",
        }

    def _dashboard_last_run(self):
        # sudo: only the id of the company's last run is read, to filter the
        # graph; the user's own access rights apply to the rows shown
        return self.env["retail.crm.rfm.run"].sudo()._get_last_done_run(self.env.company)

    def action_dashboard_segment_sizes(self):
        """Customers per segment at each run of the current company."""
        return self._dashboard_graph_action(
            "retail.crm.rfm.snapshot",
            self.env._("Segment Sizes over Runs"),
            "retail_crm_rfm.retail_crm_rfm_snapshot_view_graph_sizes",
            [("run_id.company_id", "=", self.env.company.id)],
        )

    def action_dashboard_churn(self):
        """Customers of the last run by band of churn risk."""
        run = self._dashboard_last_run()
        return self._dashboard_graph_action(
            "retail.crm.rfm.snapshot",
            self.env._("Churn Risk Distribution"),
            "retail_crm_rfm.retail_crm_rfm_snapshot_view_graph_churn",
            [("run_id", "=", run._snapshot_run_id() if run else False)],
        )

    def action_dashboard_migration(self):
        """Customers by (previous segment, current segment) for the last run."""
        Report = self.env["retail.crm.rfm.migration.report"]
        last = Report.search([("company_id", "=", self.env.company.id)], order="month desc", limit=1)
        return self._dashboard_graph_action(
            "retail.crm.rfm.migration.report",
            self.env._("Segment Migration between the Last Two Runs"),
            "retail_crm_rfm.retail_crm_rfm_migration_report_view_graph_last",
            [("company_id", "=", self.env.company.id), ("run_id", "=", last.run_id.id)],
        )
