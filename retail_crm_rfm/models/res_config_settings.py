from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import rfm_engine


def check_rfm_parameters(env, window, lookback, recency_days, holdout, discount_rate):
    """Raise ValidationError when the scoring / model parameters do not fit together."""
    if lookback < window:
        raise ValidationError(
            env._(
                "The look-back (%(lookback)s months) cannot be shorter than the RFM window (%(window)s months).",
                lookback=lookback,
                window=window,
            )
        )
    if not 1 <= recency_days <= 3660:
        raise ValidationError(env._("'Recent within' is between 1 and 3660 days."))
    if not 0 <= holdout <= 24 or holdout >= lookback:
        raise ValidationError(
            env._("The model holdout is between 0 and 24 months and shorter than the look-back.")
        )
    if not 0 <= discount_rate <= 100:
        raise ValidationError(env._("The annual discount rate is between 0 and 100 %."))


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rfm_window_months = fields.Integer(
        string="RFM Window (months)",
        config_parameter="retail_crm_rfm.window_months",
        default=12,
    )
    rfm_lookback_months = fields.Integer(
        string="RFM Look-back (months)",
        config_parameter="retail_crm_rfm.lookback_months",
        default=24,
        help="Customers with a purchase within the look-back are scored; those without a purchase "
        "in the RFM window score 1 for R, F and M.",
    )
    rfm_recency_days = fields.Integer(
        string="Recent Within (days)",
        config_parameter="retail_crm_rfm.recency_days",
        default=90,
        help="Recency is high (first letter of the segment) when the last purchase day is at most "
        "this many days ago.",
    )
    rfm_holdout_months = fields.Integer(
        string="Model Holdout (months)",
        config_parameter="retail_crm_rfm.holdout_months",
        default=6,
        help="The churn models are fitted on the purchases before the last months and checked on "
        "them; the one with the lower error is used. 0 skips the check.",
    )
    rfm_discount_rate = fields.Float(
        string="Annual Discount Rate (%)",
        config_parameter="retail_crm_rfm.discount_rate",
        default=10.0,
        help="Predicted value is discounted at this yearly rate.",
    )
    rfm_scoring_method = fields.Selection(
        [("quintile", "Quintiles"), ("threshold", "Thresholds")],
        string="RFM Scoring",
        config_parameter="retail_crm_rfm.scoring_method",
        default="quintile",
    )
    rfm_recency_thresholds = fields.Char(
        string="Recency Thresholds (days)",
        config_parameter="retail_crm_rfm.recency_thresholds",
        default="30,90,180,365",
        help="Four ascending day counts: up to the first scores 5, over the last scores 1.",
    )
    rfm_frequency_thresholds = fields.Char(
        string="Frequency Thresholds (orders)",
        config_parameter="retail_crm_rfm.frequency_thresholds",
        default="2,3,5,8",
        help="Four ascending order counts: below the first scores 1, from the last on 5.",
    )
    rfm_monetary_thresholds = fields.Char(
        string="Monetary Thresholds",
        config_parameter="retail_crm_rfm.monetary_thresholds",
        default="500,1000,3000,8000",
        help="Four ascending amounts: below the first scores 1, from the last on 5.",
    )
    rfm_high_cut = fields.Integer(
        string="High Score From",
        config_parameter="retail_crm_rfm.high_cut",
        default=4,
        help="An F or M score at or above this value is 'high' when building the eight segments "
        "(4: the top two quintiles).",
    )
    rfm_cluster_k = fields.Integer(
        string="Number of Clusters",
        config_parameter="retail_crm_rfm.cluster_k",
        default=0,
        help="0 chooses the number of K-means clusters automatically (silhouette).",
    )
    rfm_cluster_auto = fields.Boolean(
        string="Choose the Number of Groups Automatically",
        compute="_compute_rfm_cluster_auto",
        readonly=False,
        help="Off: always make the number of groups set here.",
    )
    rfm_horizon_months = fields.Integer(
        string="Prediction Horizon (months)",
        config_parameter="retail_crm_rfm.horizon_months",
        default=12,
    )
    rfm_snapshot_retention_months = fields.Integer(
        string="Keep History (months)",
        config_parameter="retail_crm_rfm.snapshot_retention_months",
        default=13,
    )
    rfm_cron_interval_number = fields.Integer(string="Run Every", default=1)
    rfm_cron_interval_type = fields.Selection(
        [("hours", "Hours"), ("days", "Days"), ("weeks", "Weeks")],
        string="Interval Unit",
        default="days",
    )

    @api.depends("rfm_cluster_k")
    def _compute_rfm_cluster_auto(self):
        for settings in self:
            settings.rfm_cluster_auto = not settings.rfm_cluster_k

    @api.onchange("rfm_cluster_auto")
    def _onchange_rfm_cluster_auto(self):
        # 0 is how the run asks for an automatic choice; a fixed count starts at 4
        for settings in self:
            if settings.rfm_cluster_auto:
                settings.rfm_cluster_k = 0
            elif not settings.rfm_cluster_k:
                settings.rfm_cluster_k = 4

    @api.model
    def get_values(self):
        values = super().get_values()
        cron = self.env.ref("retail_crm_rfm.ir_cron_compute_rfm", raise_if_not_found=False)
        if cron:
            values["rfm_cron_interval_number"] = cron.interval_number
            if cron.interval_type in ("hours", "days", "weeks"):
                values["rfm_cron_interval_type"] = cron.interval_type
        return values

    @api.constrains(
        "rfm_window_months",
        "rfm_lookback_months",
        "rfm_recency_days",
        "rfm_holdout_months",
        "rfm_discount_rate",
        "rfm_high_cut",
        "rfm_cluster_k",
        "rfm_horizon_months",
        "rfm_scoring_method",
        "rfm_recency_thresholds",
        "rfm_frequency_thresholds",
        "rfm_monetary_thresholds",
        "rfm_cron_interval_number",
        "rfm_snapshot_retention_months",
    )
    def _check_rfm_settings(self):
        for settings in self:
            if settings.rfm_window_months < 1 or settings.rfm_horizon_months < 1:
                raise ValidationError(
                    self.env._("The RFM window and the prediction horizon are at least one month.")
                )
            check_rfm_parameters(
                self.env,
                settings.rfm_window_months,
                settings.rfm_lookback_months,
                settings.rfm_recency_days,
                settings.rfm_holdout_months,
                settings.rfm_discount_rate,
            )
            if not 1 <= settings.rfm_high_cut <= 5:
                raise ValidationError(self.env._("The high/low cut is a score between 1 and 5."))
            if not 0 <= settings.rfm_cluster_k <= 12:
                raise ValidationError(self.env._("The number of clusters is between 0 (automatic) and 12."))
            if settings.rfm_cron_interval_number < 1 or settings.rfm_snapshot_retention_months < 1:
                raise ValidationError(
                    self.env._("The run interval and the history retention are at least 1.")
                )
            if settings.rfm_scoring_method == "threshold":
                for label, text in (
                    (self.env._("recency"), settings.rfm_recency_thresholds),
                    (self.env._("frequency"), settings.rfm_frequency_thresholds),
                    (self.env._("monetary"), settings.rfm_monetary_thresholds),
                ):
                    try:
                        rfm_engine.parse_thresholds(text)
                    except ValueError as error:
                        raise ValidationError(
                            self.env._(
                                "The %(dimension)s thresholds need four strictly ascending numbers "
                                "separated by commas, e.g. 30,90,180,365 (got: %(value)s).",
                                dimension=label,
                                value=text or "",
                            )
                        ) from error

    def set_values(self):
        result = super().set_values()
        cron = self.env.ref("retail_crm_rfm.ir_cron_compute_rfm", raise_if_not_found=False)
        if cron and (
            cron.interval_number != self.rfm_cron_interval_number
            or cron.interval_type != self.rfm_cron_interval_type
        ):
            cron.write(
                {
                    "interval_number": self.rfm_cron_interval_number,
                    "interval_type": self.rfm_cron_interval_type,
                }
            )
        return result
