from odoo import api, fields, models
from odoo.exceptions import ValidationError

MAX_LEAD_DAYS = 60


class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    retail_replenishment_level = fields.Selection(
        [("product", "Product"), ("category", "Product Category")],
        string="Replenishment Per",
        default="product",
        required=True,
        help="Forecast the repurchase of each product, or of each product category.",
    )
    retail_replenishment_lead_days = fields.Integer(
        string="Remind Days Before",
        default=3,
        help="The reminder is created this many days before the next expected purchase.",
    )
    retail_replenishment_channel = fields.Selection(
        [
            ("sms_email", "SMS, else e-mail"),
            ("sms", "SMS only"),
            ("email", "E-mail only"),
            ("none", "No message (activity only)"),
        ],
        string="Reminder Message",
        default="sms_email",
        required=True,
        help="Messages go only to customers with a live marketing consent for the channel "
        "who are not blacklisted; the salesperson's activity is always created.",
    )
    # position of the refresh pass (technical)
    retail_replenishment_watermark = fields.Datetime(readonly=True, copy=False)
    retail_replenishment_full_at = fields.Datetime(readonly=True, copy=False)
    retail_replenishment_level_built = fields.Char(readonly=True, copy=False)
    retail_replenishment_pass_start = fields.Datetime(readonly=True, copy=False)
    retail_replenishment_pass_full = fields.Boolean(readonly=True, copy=False)
    retail_replenishment_cursor = fields.Integer(readonly=True, copy=False)

    @api.constrains("retail_replenishment_lead_days")
    def _check_retail_replenishment_lead_days(self):
        for company in self:
            if not 0 <= company.retail_replenishment_lead_days <= MAX_LEAD_DAYS:
                raise ValidationError(
                    self.env._(
                        "Reminders are created between 0 and %(max)s days before the expected purchase "
                        "(got %(days)s).",
                        max=MAX_LEAD_DAYS,
                        days=company.retail_replenishment_lead_days,
                    )
                )

    def unlink(self):
        # their replenishment forecasts (no foreign keys, see replenishment_cascade.py)
        self.env["retail.crm.replenishment"]._forget("company_id", self.ids)
        return super().unlink()
