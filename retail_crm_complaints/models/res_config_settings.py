from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    complaint_sla_batch_size = fields.Integer(
        string="SLA Check Batch Size",
        config_parameter="retail_crm_complaints.sla_batch_size",
        default=1000,
        help="Number of SLA lines the scheduled check handles per batch (one commit per batch).",
    )
