from odoo import fields, models
from odoo.tools import SQL

from ..models.survey_user_input import NPS_CLASSES, VOICE_KINDS


class RetailCrmVoiceReport(models.Model):
    """Customer voice analysis: one row per completed survey answer.  Figures
    that do not apply to a row are NULL, so that averages count only the
    answers of their own measure: the average of ``nps`` over NPS answers is
    the Net Promoter Score (promoters % - detractors %), the average of
    ``csat`` the share of satisfied answers (4-5 of 5)."""

    _name = "retail.crm.voice.report"
    _description = "Customer Voice Analysis"
    _auto = False
    _order = "date_done desc"

    answer_id = fields.Many2one("survey.user_input", readonly=True)
    date_done = fields.Datetime(string="Answered On", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    config_id = fields.Many2one("pos.config", string="Store", readonly=True)
    tier_id = fields.Many2one("retail.crm.tier", string="Member Tier", readonly=True)
    segment = fields.Selection(
        selection="_retail_rfm_segment_selection",
        string="RFM Segment",
        readonly=True,
        help="The member's RFM segment when asked (with the suite's RFM addon installed).",
    )
    kind = fields.Selection(VOICE_KINDS, string="Measure", readonly=True)
    nps_class = fields.Selection(NPS_CLASSES, string="NPS Group", readonly=True)
    answer_count = fields.Integer(string="Answers", readonly=True, aggregator="sum")
    score = fields.Float(string="Average Score", readonly=True, aggregator="avg")
    nps = fields.Float(
        readonly=True,
        aggregator="avg",
        help="Net Promoter Score: share of promoters (9-10) minus share of detractors (0-6), "
        "from -100 to 100.",
    )
    csat = fields.Float(
        string="CSAT (%)",
        readonly=True,
        aggregator="avg",
        help="Share of satisfaction answers of 4 or 5 out of 5.",
    )
    unhappy_count = fields.Integer(
        string="Unhappy Answers",
        readonly=True,
        aggregator="sum",
        help="NPS detractors and satisfaction answers of 1 or 2.",
    )

    def _retail_rfm_segment_selection(self):
        return self.env["survey.user_input"]._retail_rfm_segment_selection()

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT a.id AS id,
                   a.id AS answer_id,
                   a.end_datetime AS date_done,
                   a.retail_company_id AS company_id,
                   a.retail_config_id AS config_id,
                   a.retail_tier_id AS tier_id,
                   a.retail_rfm_segment AS segment,
                   a.retail_kind AS kind,
                   a.retail_nps_class AS nps_class,
                   1 AS answer_count,
                   a.retail_score::float AS score,
                   CASE WHEN a.retail_kind = 'nps' THEN
                        CASE a.retail_nps_class WHEN 'promoter' THEN 100.0
                                                WHEN 'detractor' THEN -100.0 ELSE 0.0 END
                   END AS nps,
                   CASE WHEN a.retail_kind = 'csat' THEN
                        CASE WHEN a.retail_score >= 4 THEN 100.0 ELSE 0.0 END
                   END AS csat,
                   CASE WHEN a.retail_unhappy THEN 1 ELSE 0 END AS unhappy_count
              FROM survey_user_input a
             WHERE a.retail_kind IS NOT NULL
               AND a.state = 'done'
               AND a.test_entry IS NOT TRUE
            """
        )
