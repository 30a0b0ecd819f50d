from odoo import fields, models

from .res_partner import CLUSTER_SELECTION, SEGMENT_SELECTION


class RetailCrmRfmSnapshot(models.Model):
    """One compact row per run and customer, written set-based by the run.

    It is both the history (R3) and the source of the batched, resumable
    write-back to ``res.partner``.
    """

    _name = "retail.crm.rfm.snapshot"
    _description = "RFM Snapshot"
    _order = "run_id desc, partner_id"
    _log_access = False

    # Only two foreign keys (run, partner): at a million rows per run every
    # foreign key check costs seconds, so the company comes from the run and
    # the segment is stored by its code.
    run_id = fields.Many2one("retail.crm.rfm.run", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="run_id.company_id")
    run_date = fields.Date(required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", readonly=True)
    recency = fields.Integer(readonly=True, aggregator="avg")
    frequency = fields.Integer(readonly=True, aggregator="avg")
    monetary = fields.Float(readonly=True, digits=(16, 2), aggregator="sum")
    r_score = fields.Integer(readonly=True, aggregator="avg")
    f_score = fields.Integer(readonly=True, aggregator="avg")
    m_score = fields.Integer(readonly=True, aggregator="avg")
    segment_code = fields.Selection(SEGMENT_SELECTION, string="Segment", readonly=True)
    cluster = fields.Selection(CLUSTER_SELECTION, readonly=True)
    churn_probability = fields.Float(readonly=True, digits=(16, 4), aggregator="avg")
    expected_purchases = fields.Float(readonly=True, digits=(16, 4), aggregator="sum")
    ltv = fields.Float(string="Predicted Value", readonly=True, digits=(16, 2), aggregator="sum")

    _sql_constraints = [
        ("run_partner_uniq", "unique(run_id, partner_id)", "One snapshot per run and customer."),
    ]
