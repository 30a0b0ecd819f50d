from odoo import api, fields, models
from odoo.exceptions import ValidationError

MAX_SLA_BATCH_SIZE = 100000


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    complaint_sla_batch_size = fields.Integer(
        string="SLA Check Batch Size",
        config_parameter="retail_crm_complaints.sla_batch_size",
        default=1000,
        help="Number of SLA lines the scheduled check handles per batch (one commit per batch).",
    )

    complaint_coupon_max_points = fields.Float(
        string="Maximum Compensation per Ticket",
        config_parameter="retail_crm_complaints.coupon_max_points",
        default=500.0,
        help="Largest coupon value (points) a compensation of one ticket may issue.",
    )

    @api.constrains("complaint_coupon_max_points")
    def _check_complaint_coupon_max_points(self):
        for settings in self:
            if settings.complaint_coupon_max_points <= 0:
                raise ValidationError(self.env._("The maximum compensation per ticket must be positive."))

    @api.constrains("complaint_sla_batch_size")
    def _check_complaint_sla_batch_size(self):
        for settings in self:
            if not 1 <= settings.complaint_sla_batch_size <= MAX_SLA_BATCH_SIZE:
                raise ValidationError(
                    self.env._(
                        "The SLA check batch size must be between 1 and %(max)s (got %(value)s).",
                        max=MAX_SLA_BATCH_SIZE,
                        value=settings.complaint_sla_batch_size,
                    )
                )

    retail_csat_survey_id = fields.Many2one(related="company_id.retail_csat_survey_id", readonly=False)
    retail_csat_delay_days = fields.Integer(related="company_id.retail_csat_delay_days", readonly=False)
    retail_csat_sample_rate = fields.Integer(related="company_id.retail_csat_sample_rate", readonly=False)
    retail_csat_cooldown_days = fields.Integer(related="company_id.retail_csat_cooldown_days", readonly=False)
    retail_nps_survey_id = fields.Many2one(related="company_id.retail_nps_survey_id", readonly=False)
    retail_nps_sample_size = fields.Integer(related="company_id.retail_nps_sample_size", readonly=False)
    retail_voice_coupon_program_id = fields.Many2one(
        related="company_id.retail_voice_coupon_program_id", readonly=False
    )
