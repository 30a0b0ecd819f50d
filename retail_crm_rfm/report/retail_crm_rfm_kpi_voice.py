from odoo import fields, models
from odoo.tools import SQL


class RetailCrmRfmKpiReport(models.Model):
    """NPS and CSAT beside the customer KPIs, per company, store and month,
    when the suite's complaints addon (customer voice) is installed.

    The two addons do not depend on each other: the answers are read at
    query time, never stored in the materialized KPI view, so that either
    addon installs and uninstalls alone (a view over the answers' columns
    would block uninstalling the complaints addon). Same definitions as the
    customer-voice analysis: NPS is the average of +100 (promoters, 9-10),
    0 (passives) and -100 (detractors, 0-6); CSAT the share of answers of
    4-5 out of 5; answers are counted in the month they were completed."""

    _inherit = "retail.crm.rfm.kpi.report"

    nps = fields.Float(
        string="NPS",
        readonly=True,
        aggregator="avg",
        help="Net Promoter Score of the month's answers at the store: share of promoters (9-10) "
        "minus share of detractors (0-6), from -100 to 100 (customer-voice surveys).",
    )
    csat = fields.Float(
        string="CSAT (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the month's satisfaction answers of 4 or 5 out of 5 at the store.",
    )
    nps_answer_count = fields.Integer(string="NPS Answers", readonly=True)
    csat_answer_count = fields.Integer(string="CSAT Answers", readonly=True)

    def _kpi_voice_available(self):
        return "survey.user_input" in self.env and "retail_kind" in self.env["survey.user_input"]._fields

    @property
    def _table_query(self):
        table = SQL.identifier(self._table)
        if not self._kpi_voice_available():
            return SQL(
                "SELECT k.*, NULL::numeric AS nps, NULL::numeric AS csat,"
                " 0 AS nps_answer_count, 0 AS csat_answer_count FROM %s k",
                table,
            )
        return SQL(
            """
            SELECT k.*, v.nps, v.csat,
                   COALESCE(v.nps_answers, 0) AS nps_answer_count,
                   COALESCE(v.csat_answers, 0) AS csat_answer_count
              FROM %(table)s k
              LEFT JOIN (
                  SELECT a.retail_company_id AS company_id, a.retail_config_id AS config_id,
                         date_trunc('month', a.end_datetime)::date AS month,
                         round(avg(CASE a.retail_nps_class WHEN 'promoter' THEN 100.0
                                                           WHEN 'detractor' THEN -100.0 ELSE 0.0 END)
                               FILTER (WHERE a.retail_kind = 'nps'), 2) AS nps,
                         round(avg(CASE WHEN a.retail_score >= 4 THEN 100.0 ELSE 0.0 END)
                               FILTER (WHERE a.retail_kind = 'csat'), 2) AS csat,
                         count(*) FILTER (WHERE a.retail_kind = 'nps') AS nps_answers,
                         count(*) FILTER (WHERE a.retail_kind = 'csat') AS csat_answers
                    FROM survey_user_input a
                   WHERE a.retail_kind IS NOT NULL AND a.state = 'done' AND a.test_entry IS NOT TRUE
                     AND a.end_datetime IS NOT NULL
                   GROUP BY 1, 2, 3
              ) v ON v.company_id = k.company_id AND v.config_id = k.config_id AND v.month = k.month
            """,
            table=table,
        )
