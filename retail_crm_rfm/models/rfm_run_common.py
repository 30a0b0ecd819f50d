"""Settings, column lists and small helpers of the RFM run (``retail.crm.rfm.run``)."""

import numpy as np

from ..tools.paid_states import PAID_STATES  # noqa: F401 (imported by the run's mixins)

PARAM_PREFIX = "retail_crm_rfm."
DEFAULTS = {
    "window_months": 12,
    "lookback_months": 24,
    "recency_days": 90,
    "holdout_months": 6,
    "discount_rate": 10.0,
    "scoring_method": "quintile",
    "recency_thresholds": "30,90,180,365",
    "frequency_thresholds": "2,3,5,8",
    "monetary_thresholds": "500,1000,3000,8000",
    "high_cut": 4,
    "cluster_k": 0,
    "horizon_months": 12,
    # days a fitted churn/value model is reused by the next runs (0: refit on every run)
    "model_refit_days": 7,
    "batch_size": 20000,
    "write_workers": 2,
    "snapshot_retention_months": 13,
    # 1: the read-only aggregate runs on Odoo's read replica (db_replica_host) when one is configured
    "aggregate_on_replica": 1,
}
# res.partner columns written by the run, with the snapshot column they come from
PARTNER_COLUMNS = (
    ("rfm_last_purchase_date", "last_purchase_date"),
    ("rfm_frequency", "frequency"),
    ("rfm_monetary", "monetary"),
    ("rfm_r_score", "r_score"),
    ("rfm_f_score", "f_score"),
    ("rfm_m_score", "m_score"),
    ("rfm_segment_id", "segment_id"),  # from the segment table, by code
    ("rfm_cluster", "cluster"),
    ("rfm_churn_probability", "churn_probability"),
    ("rfm_expected_purchases", "expected_purchases"),
    ("rfm_ltv", "ltv"),
    ("rfm_date", "run_date"),
)
# written with the others, but a change of it alone writes nothing: it is the
# date of the run that last changed the customer's figures
PARTNER_STAMP_COLUMN = "rfm_date"
# snapshot columns filled by the run (besides run_id)
SNAPSHOT_COLUMNS = (
    "run_date",
    "partner_id",
    "last_purchase_date",
    "recency",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "segment_code",
    "cluster",
    "churn_probability",
    "expected_purchases",
    "ltv",
    "churn_band",
)
# model outputs rewritten on a customer only when they moved by more than
# max(absolute, relative x new value): half a point of churn risk, 1 % of
# the expected purchases and of the predicted value
MODEL_TOLERANCES = {
    "churn_probability": (0.005, 0.0),
    "expected_purchases": (0.005, 0.01),
    "ltv": (0.01, 0.01),
}
# part of the input digest: change it when the computation changes
DIGEST_VERSION = 3
# settings frozen on a run: those its results depend on, then those of the process
RESULT_PARAMETERS = (
    "window_months",
    "lookback_months",
    "recency_days",
    "holdout_months",
    "discount_rate",
    "scoring_method",
    "recency_thresholds",
    "frequency_thresholds",
    "monetary_thresholds",
    "high_cut",
    "cluster_k",
    "horizon_months",
    "model_refit_days",
)
# settings the fitted models depend on: a run reuses a fit made with the same ones
MODEL_PARAMETERS = ("tz", "holdout_months")
# run fields of the fitted models, copied by a run that reuses the fit
MODEL_FIELDS = (
    "churn_model",
    "model_message",
    "holdout_weeks",
    "holdout_error_bgnbd",
    "holdout_error_mbgnbd",
    "holdout_error_pareto",
    "holdout_predicted",
    "holdout_actual",
    "holdout_rows",
    "bgnbd_ok",
    "bgnbd_r",
    "bgnbd_alpha",
    "bgnbd_a",
    "bgnbd_b",
    "bgnbd_log_likelihood",
    "bgnbd_converged",
    "bgnbd_message",
    "gg_ok",
    "gg_p",
    "gg_q",
    "gg_v",
    "gg_log_likelihood",
    "gg_converged",
    "gg_message",
    "model_state",
    "model_fit_date",
)
# run fields copied from the run whose results a run with the same input takes
RESULT_FIELDS = ("customer_count", "cluster_count", *MODEL_FIELDS, "ltv_basis", "margin_share")
PROCESS_PARAMETERS = ("batch_size", "write_workers")


def finite(value):
    return float(value) if value is not None and np.isfinite(value) else 0.0


def get_param(env, key):
    """Typed RFM setting from ir.config_parameter with its default."""
    default = DEFAULTS[key]
    value = env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + key)
    # sudo: settings are global technical parameters; reading them is harmless
    if value in (None, False, ""):
        return default
    return type(default)(value)
