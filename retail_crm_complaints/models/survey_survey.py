from odoo import models


class SurveySurvey(models.Model):
    _inherit = "survey.survey"

    def _retail_score_question(self):
        """The question whose answer is the measure (CSAT 1-5, NPS 0-10):
        the survey's first scale question."""
        self.ensure_one()
        return self.question_ids.filtered(lambda q: q.question_type == "scale")[:1]
