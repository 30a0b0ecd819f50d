from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestVoiceManagerTour(TestPointOfSaleHttpCommon):
    """The store manager (exactly the manager's groups) in a browser, in
    zh_CN: NPS by store and month, then a detractor's answer turned into a
    complaint (closing the loop); the follow-up activity was given once."""

    def test_manager_sees_nps_and_opens_a_complaint(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["web", "mail", "survey", "point_of_sale", "retail_crm_loyalty", "retail_crm_complaints"],
            ["zh_CN"],
            overwrite=True,
        )
        manager = new_test_user(
            self.env,
            login="voice_tour_manager",
            name="店长周杰",
            email="zhou.jie@example.cn",
            lang="zh_CN",
            groups="base.group_user,point_of_sale.group_pos_manager",
        )
        config = self.main_pos_config
        config.write({"name": "上海徐汇店", "retail_manager_id": manager.id})
        survey = self.env.ref("retail_crm_complaints.survey_nps")
        self.env.company.retail_nps_survey_id = survey
        # a detractor whose name is contained in another customer's
        members = self.env["res.partner"].create(
            [
                {
                    "name": name,
                    "email": f"v{i}@example.cn",
                    "mobile": f"138 0013 {7400 + i}",
                    "retail_is_member": True,
                }
                for i, name in enumerate(["张伟", "王芳", "李娜"])
            ]
        )
        self.env["res.partner"].create(
            {
                "name": "李娜娜",
                "email": "lnn@example.cn",
                "mobile": "+86 139-0013-7499",
                "retail_is_member": True,
            }
        )
        Voice = self.env["retail.crm.voice"]
        today = self.env["survey.user_input"]._fields["retail_sent_date"].context_today(self.env.user)
        answers = Voice._retail_ask(
            self.env.company,
            survey,
            "nps",
            today,
            [{"partner": p.id, "config": config.id, "order": False} for p in members],
            period="2099-Q2",
        )
        by_partner = {a.partner_id: a for a in answers}
        for member, score in zip(members, (10, 10, 3), strict=True):
            respondent = by_partner[member].sudo()
            respondent._save_lines(survey._retail_score_question(), str(score))
            respondent._mark_done()
        detractor = by_partner[members[2]]
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "survey.user_input"), ("res_id", "in", answers.ids)]
        )
        self.assertEqual(activities.res_id, detractor.id)
        self.assertEqual(activities.user_id, manager, "the store manager follows up, once")
        self.start_tour(
            "/odoo/action-retail_crm_complaints.retail_crm_voice_report_action",
            "RetailVoiceManagerTour",
            login="voice_tour_manager",
        )
        complaint = detractor.retail_complaint_id
        self.assertTrue(complaint)
        self.assertEqual(complaint.partner_id, members[2])
        self.assertEqual(complaint.config_id, config)
        self.assertEqual(complaint.create_uid, manager)
        self.assertFalse((answers - detractor).retail_complaint_id)
