from odoo.addons.retail_crm_loyalty.tests.common import RetailLoyaltyPosCommon
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestVoiceBySegment(RetailLoyaltyPosCommon):
    """NPS by RFM segment and inside the RFM KPI report. The complaints and
    RFM addons do not depend on each other: with the RFM addon, the answer
    keeps the member's segment when asked and the KPI report reads the
    answers; without it, the answers carry no segment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.nps_survey = cls.env.ref("retail_crm_complaints.survey_nps")
        cls.company.retail_nps_survey_id = cls.nps_survey
        cls.store_manager = new_test_user(
            cls.env,
            login="voice_seg_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.config.retail_manager_id = cls.store_manager
        names = ["张伟", "张伟明", "李娜", "李娜娜"]
        cls.members = cls.env["res.partner"].create(
            [
                {
                    "name": name,
                    "email": f"m{i}@example.cn",
                    "mobile": f"+86 138-0013-{7300 + i}",
                    "retail_is_member": True,
                }
                for i, name in enumerate(names)
            ]
        )

    def _answer(self, answer, score):
        """Answer as the survey controller does for a visitor with a token."""
        respondent = answer.sudo()
        respondent._save_lines(respondent.survey_id._retail_score_question(), str(score))
        respondent._mark_done()

    def test_nps_by_segment_and_in_the_rfm_kpis(self):
        Partner = self.env["res.partner"]
        with_rfm = "rfm_segment_id" in Partner._fields
        champions, others = self.members[:2], self.members[2:]
        if with_rfm:
            champions.with_company(self.company).rfm_segment_id = self.env.ref(
                "retail_crm_rfm.segment_champions"
            )
            others.with_company(self.company).rfm_segment_id = self.env.ref(
                "retail_crm_rfm.segment_potential"
            )
        for member in self.members:
            self._sync(member)
        Voice = self.env["retail.crm.voice"]
        today = self.env["survey.user_input"]._fields["retail_sent_date"].context_today(self.env.user)
        answers = Voice._retail_ask(
            self.company,
            self.nps_survey,
            "nps",
            today,
            [{"partner": p.id, "config": self.config.id, "order": False} for p in self.members],
            period="2099-Q1",
        )
        self.assertEqual(len(answers), 4)
        by_partner = {a.partner_id: a for a in answers}
        # champions: 10 and 9 (NPS 100); the others: 3 and 8 (NPS -50)
        for member, score in zip(self.members, (10, 9, 3, 8), strict=True):
            self._answer(by_partner[member], score)
        self.env.flush_all()
        Report = self.env["retail.crm.voice.report"]
        domain = [("answer_id", "in", answers.ids)]
        if not with_rfm:
            self.assertFalse(any(answers.mapped("retail_rfm_segment")))
            self.assertEqual(self.env["survey.user_input"]._retail_rfm_segment_selection(), [])
            return
        self.assertEqual(set(champions.mapped(lambda p: by_partner[p].retail_rfm_segment)), {"HHH"})
        self.assertEqual(set(others.mapped(lambda p: by_partner[p].retail_rfm_segment)), {"LLL"})
        groups = dict(Report._read_group(domain, ["segment"], ["nps:avg"]))
        self.assertEqual(groups, {"HHH": 100.0, "LLL": -50.0})
        # labelled with the segment's name, in the user's language
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["retail_crm_rfm"], ["zh_CN"], overwrite=True)
        labels = dict(
            Report.with_context(lang="zh_CN")
            ._fields["segment"]
            ._description_selection(Report.with_context(lang="zh_CN").env)
        )
        self.assertEqual(labels["HHH"], "重要价值")
        # the segment when asked is a recorded measure: a store manager cannot edit it
        with self.assertRaises(AccessError):
            by_partner[others[0]].with_user(self.store_manager).write({"retail_rfm_segment": "HHH"})

        # inside the RFM KPI report: the store's month, beside the other KPIs
        Kpi = self.env["retail.crm.rfm.kpi.report"]
        Kpi._refresh()
        month = answers[0].end_datetime.date().replace(day=1)
        row = Kpi.search([("config_id", "=", self.config.id), ("month", "=", month)])
        self.assertEqual(len(row), 1)
        self.assertEqual(row.nps_answer_count, 4)
        self.assertEqual(row.nps, 25.0, "(100 + 100 - 100 + 0) / 4")
        self.assertEqual(row.csat_answer_count, 0)
        self.assertFalse(row.csat)
        self.assertEqual(row.active_member_count, 4, "the other KPIs are unchanged")
