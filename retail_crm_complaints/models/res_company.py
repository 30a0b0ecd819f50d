from odoo import api, fields, models
from odoo.exceptions import ValidationError

# (field, minimum, maximum) of the number settings of the customer voice
VOICE_NUMBER_SETTINGS = (
    ("retail_csat_delay_days", 0, 90),
    ("retail_csat_sample_rate", 0, 100),
    ("retail_csat_cooldown_days", 0, 3650),
    ("retail_nps_sample_size", 1, 1000000),
)


class ResCompany(models.Model):
    _inherit = "res.company"

    retail_csat_survey_id = fields.Many2one(
        "survey.survey",
        string="Post-purchase Survey",
        help="Satisfaction survey (a 1-5 scale question first) sent to members after a purchase. "
        "Empty: no post-purchase survey.",
    )
    retail_csat_delay_days = fields.Integer(
        string="Survey Delay (Days)",
        default=1,
        help="Days between the purchase and the satisfaction survey.",
    )
    retail_csat_sample_rate = fields.Integer(
        string="Survey Sample Rate (%)",
        default=100,
        help="Share of eligible purchases that get a satisfaction survey.",
    )
    retail_csat_cooldown_days = fields.Integer(
        string="Survey Cool-down (Days)",
        default=30,
        help="A member gets at most one satisfaction survey in this many days.",
    )
    retail_nps_survey_id = fields.Many2one(
        "survey.survey",
        string="Quarterly NPS Survey",
        help="'How likely are you to recommend us' survey (a 0-10 scale question first) sent "
        "each quarter to a sample of active members per store. Empty: no NPS survey.",
    )
    retail_nps_sample_size = fields.Integer(
        string="NPS Sample per Store",
        default=200,
        help="Active members (a purchase in the last 12 months) asked per store and quarter.",
    )
    retail_voice_coupon_program_id = fields.Many2one(
        "loyalty.program",
        string="Respondent Coupon Program",
        check_company=True,
        help="Coupon program that rewards a member for answering a survey (once per survey). "
        "Empty: no reward.",
    )

    @api.constrains(*(name for name, _low, _high in VOICE_NUMBER_SETTINGS))
    def _check_retail_voice_numbers(self):
        for company in self:
            for name, low, high in VOICE_NUMBER_SETTINGS:
                value = company[name]
                if not low <= value <= high:
                    raise ValidationError(
                        self.env._(
                            "%(setting)s must be between %(low)s and %(high)s (got %(value)s).",
                            setting=company._fields[name]._description_string(self.env),
                            low=low,
                            high=high,
                            value=value,
                        )
                    )

    @api.constrains("retail_csat_survey_id", "retail_nps_survey_id")
    def _check_retail_voice_surveys(self):
        for company in self:
            for survey, low, high in (
                (company.retail_csat_survey_id, 1, 5),
                (company.retail_nps_survey_id, 0, 10),
            ):
                if not survey:
                    continue
                question = survey._retail_score_question()
                if not question or (question.scale_min, question.scale_max) != (low, high):
                    raise ValidationError(
                        self.env._(
                            "The survey %(survey)s needs a %(low)s-%(high)s scale question first "
                            "to be used for this measure.",
                            survey=survey.title,
                            low=low,
                            high=high,
                        )
                    )

    @api.constrains("retail_voice_coupon_program_id")
    def _check_retail_voice_coupon_program(self):
        for company in self:
            program = company.retail_voice_coupon_program_id
            if program and program.program_type not in ("coupons", "gift_card", "ewallet"):
                raise ValidationError(
                    self.env._("Respondent rewards come from coupon, gift card or eWallet programs only.")
                )
