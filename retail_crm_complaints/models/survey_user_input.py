from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import plaintext2html

VOICE_KINDS = [("csat", "Satisfaction (CSAT)"), ("nps", "Net Promoter (NPS)")]
NPS_CLASSES = [("promoter", "Promoter"), ("passive", "Passive"), ("detractor", "Detractor")]
# what the survey itself records: no user edits these (a store manager could
# otherwise improve their store's NPS)
RECORDED_FIELDS = {
    "retail_kind",
    "retail_company_id",
    "retail_config_id",
    "retail_pos_order_id",
    "retail_tier_id",
    "retail_rfm_segment",
    "retail_period",
    "retail_sent_date",
    "retail_invited",
    "retail_score",
    "retail_followup_done",
    "retail_coupon_id",
}


class SurveyUserInput(models.Model):
    """A customer-voice answer: Odoo's survey answer, tied to the purchase or
    store it asks about, with the measure read from the survey's scale question."""

    _inherit = "survey.user_input"

    retail_kind = fields.Selection(VOICE_KINDS, string="Measure", readonly=True, index=True)
    retail_company_id = fields.Many2one("res.company", string="Company", readonly=True, index=True)
    retail_config_id = fields.Many2one("pos.config", string="Store", readonly=True, index=True)
    retail_pos_order_id = fields.Many2one(
        "pos.order", string="POS Order", readonly=True, index="btree_not_null", ondelete="set null"
    )
    retail_tier_id = fields.Many2one(
        "retail.crm.tier", string="Member Tier", readonly=True, help="The member's tier when asked."
    )
    retail_rfm_segment = fields.Selection(
        selection="_retail_rfm_segment_selection",
        string="RFM Segment",
        readonly=True,
        index="btree_not_null",
        help="The member's RFM segment when asked (with the suite's RFM addon installed).",
    )
    retail_period = fields.Char(
        string="Survey Period", readonly=True, help="Quarter of an NPS survey, e.g. 2026-Q4."
    )
    retail_sent_date = fields.Date(string="Asked On", readonly=True, index="btree_not_null")
    retail_invited = fields.Boolean(string="Invitation Sent", readonly=True, copy=False)
    retail_score = fields.Integer(string="Score", readonly=True)
    retail_nps_class = fields.Selection(
        NPS_CLASSES, string="NPS Group", compute="_compute_retail_nps_class", store=True
    )
    retail_unhappy = fields.Boolean(
        string="Unhappy",
        compute="_compute_retail_nps_class",
        store=True,
        help="An NPS detractor (0-6) or a satisfaction score of 1-2: the store manager follows up.",
    )
    retail_followup_done = fields.Boolean(string="Follow-up Scheduled", readonly=True, copy=False)
    retail_coupon_id = fields.Many2one("loyalty.card", string="Reward Coupon", readonly=True, copy=False)
    retail_complaint_id = fields.Many2one(
        "retail.crm.complaint", string="Complaint", readonly=True, copy=False, index="btree_not_null"
    )

    _sql_constraints = [
        (
            "retail_order_unique",
            "UNIQUE (retail_pos_order_id, survey_id)",
            "A purchase gets one satisfaction survey.",
        ),
        (
            "retail_nps_period_unique",
            "UNIQUE (partner_id, survey_id, retail_period)",
            "A member gets one NPS survey per quarter.",
        ),
    ]

    @api.model
    def _retail_rfm_segment_selection(self):
        """The RFM addon's segments (code, name in the user's language) when
        it is installed: the two addons do not depend on each other, the
        answer stores the segment's code (see retail.crm.voice._retail_ask)."""
        if "retail.crm.rfm.segment" not in self.env:
            return []
        # sudo: the segments' codes and names only, to label the stored codes
        segments = self.env["retail.crm.rfm.segment"].sudo().search_fetch([], ["code", "name"])
        return [(segment.code, segment.name) for segment in segments]

    @api.depends("retail_kind", "retail_score", "state")
    def _compute_retail_nps_class(self):
        for answer in self:
            done = answer.state == "done" and answer.retail_kind
            score = answer.retail_score
            if done and answer.retail_kind == "nps":
                answer.retail_nps_class = (
                    "promoter" if score >= 9 else "detractor" if score <= 6 else "passive"
                )
                answer.retail_unhappy = score <= 6
            else:
                answer.retail_nps_class = False
                answer.retail_unhappy = bool(done and answer.retail_kind == "csat" and score <= 2)

    def write(self, vals):
        if not self.env.su and RECORDED_FIELDS & set(vals):
            raise AccessError(
                self.env._("Survey measures are recorded by the survey itself and cannot be edited.")
            )
        return super().write(vals)

    def _mark_done(self):
        res = super()._mark_done()
        self.filtered("retail_kind")._retail_voice_after_done()
        return res

    def _retail_voice_after_done(self):
        """Read the measure, reward the respondent once per survey, and give
        the store manager a follow-up for an unhappy answer (once)."""
        # sudo: the measure is read from the answer's own lines, whoever
        # submitted them (the survey controller, a visitor with a token)
        for answer in self.sudo():
            question = answer.survey_id._retail_score_question()
            line = answer.user_input_line_ids.filtered(lambda lin, q=question: lin.question_id == q)[:1]
            answer.retail_score = line.value_scale if line and not line.skipped else 0
        self._retail_reward_respondents()
        self.filtered(lambda a: a.retail_unhappy and not a.retail_followup_done)._retail_schedule_followup()

    def _retail_reward_respondents(self):
        # sudo: the respondent is a public/portal visitor with an answer token;
        # the reward program is the company's own setting, one card per survey
        # and member (checked below), never chosen by the respondent.
        answers = self.sudo().filtered(
            lambda a: (
                a.partner_id and a.retail_company_id.retail_voice_coupon_program_id and not a.retail_coupon_id
            )
        )
        if not answers:
            return
        rewarded = self.sudo().search_read(
            [
                ("retail_coupon_id", "!=", False),
                ("survey_id", "in", answers.survey_id.ids),
                ("partner_id", "in", answers.partner_id.ids),
            ],
            ["survey_id", "partner_id"],
        )
        seen = {(r["survey_id"][0], r["partner_id"][0]) for r in rewarded}
        for answer in answers:
            key = (answer.survey_id.id, answer.partner_id.id)
            if key in seen:
                continue
            seen.add(key)
            program = answer.retail_company_id.retail_voice_coupon_program_id
            card = (
                self.env["loyalty.card"]
                .sudo()
                .create(
                    {
                        "program_id": program.id,
                        "partner_id": answer.partner_id.id,
                        "points": 1,
                        "company_id": answer.retail_company_id.id,
                    }
                )
            )
            answer.retail_coupon_id = card

    def _retail_schedule_followup(self):
        activity_type = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        for answer in self.sudo():
            user = answer.retail_config_id.retail_manager_id or answer.survey_id.user_id
            measure = dict(self._fields["retail_kind"]._description_selection(self.env))[answer.retail_kind]
            # sudo: the respondent cannot schedule activities; the follow-up
            # goes to the store manager configured on the store.
            answer.activity_schedule(
                activity_type_id=activity_type.id if activity_type else False,
                summary=self.env._(
                    "Unhappy customer: %(measure)s %(score)s", measure=measure, score=answer.retail_score
                ),
                note=self.env._("Call the customer back and record the outcome; open a complaint if needed."),
                user_id=(user or self.env.ref("base.user_admin")).id,
            )
            answer.retail_followup_done = True

    def action_retail_create_complaint(self):
        """Close the loop: open a complaint ticket from an unhappy answer."""
        self.ensure_one()
        if self.retail_complaint_id:
            return self.retail_complaint_id.get_formview_action()
        comments = self.user_input_line_ids.filtered(lambda lin: lin.answer_type in ("text_box", "char_box"))
        complaint = self.env["retail.crm.complaint"].create(
            {
                "subject": self.env._(
                    "Survey answer: %(survey)s (%(score)s)",
                    survey=self.survey_id.title,
                    score=self.retail_score,
                ),
                "partner_id": self.partner_id.id,
                "company_id": (self.retail_company_id or self.env.company).id,
                "config_id": self.retail_config_id.id,
                "pos_order_id": self.retail_pos_order_id.id,
                "description": plaintext2html(
                    "\n".join(c.value_text_box or c.value_char_box or "" for c in comments)
                ),
            }
        )
        self.retail_complaint_id = complaint
        return complaint.get_formview_action()
