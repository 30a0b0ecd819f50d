from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RfmCommon


@tagged("post_install", "-at_install")
class TestRfmAccess(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._users()
        cls.partners, cls.specs = cls._random_dataset(seed=5, n_partners=20)
        cls.runs = cls.env["retail.crm.rfm.run"]._cron_compute_rfm()
        cls.run_a = cls.runs.filtered(lambda r: r.company_id == cls.company_a)
        cls.run_b = cls.runs.filtered(lambda r: r.company_id == cls.company_b)
        cls.segment = cls.env.ref("retail_crm_rfm.segment_champions")
        cls.scored = cls.partners.with_company(cls.company_a).filtered("rfm_date")[:1]

    def test_pos_user_reads_scores_only(self):
        partner = self.scored.with_user(self.pos_user)
        self.assertTrue(partner.rfm_segment_id)
        self.assertEqual(partner.rfm_r_score, self.scored.rfm_r_score)
        self.assertTrue(self.segment.with_user(self.pos_user).playbook)
        with self.assertRaises(AccessError):
            self.segment.with_user(self.pos_user).write({"name": "X"})
        for model in (
            "retail.crm.rfm.run",
            "retail.crm.rfm.run.lane",
            "retail.crm.rfm.snapshot",
            "retail.crm.rfm.kpi.report",
            "retail.crm.rfm.migration.report",
        ):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.pos_user).search([])
        with self.assertRaises(AccessError):
            self.env["retail.crm.rfm.segment.action"].with_user(self.pos_user).create({})

    def test_basic_user_sees_no_scores(self):
        with self.assertRaises(AccessError):
            self.scored.with_user(self.basic_user).read(["rfm_segment_id"])
        with self.assertRaises(AccessError):
            self.segment.with_user(self.basic_user).read(["name"])

    def test_pos_manager_reads_analysis_of_own_company(self):
        Run = self.env["retail.crm.rfm.run"].with_user(self.pos_manager)
        self.assertIn(self.run_a, Run.search([]))
        self.assertNotIn(self.run_b, Run.search([]))
        with self.assertRaises(AccessError):
            self.run_b.with_user(self.pos_manager).read(["customer_count"])
        self.assertTrue(
            self.env["retail.crm.rfm.snapshot"]
            .with_user(self.pos_manager)
            .search_count([("run_id", "=", self.run_a.id)])
        )
        self.assertFalse(
            self.env["retail.crm.rfm.snapshot"]
            .with_user(self.pos_manager)
            .search_count([("run_id", "=", self.run_b.id)])
        )
        Lane = self.env["retail.crm.rfm.run.lane"].with_user(self.pos_manager)
        self.assertTrue(Lane.search([("run_id", "=", self.run_a.id)]))
        self.assertFalse(Lane.search([("run_id", "=", self.run_b.id)]))
        with self.assertRaises(AccessError):
            Lane.search([("run_id", "=", self.run_a.id)]).write({"cursor_partner_id": 0})
        self.env["retail.crm.rfm.kpi.report"].with_user(self.pos_manager).search([])
        self.segment.with_user(self.pos_manager).write({"playbook": "<p>Call them</p>"})
        with self.assertRaises(AccessError):
            Run.create({"company_id": self.company_a.id, "run_date": self.today})
        with self.assertRaises(AccessError):
            self.run_a.with_user(self.pos_manager).unlink()
        with self.assertRaises(AccessError):
            self.env["retail.crm.rfm.tag.rule"].with_user(self.pos_manager).create(
                {
                    "categ_id": self.categ_root.id,
                    "tag_id": self.env["res.partner.category"].create({"name": "T"}).id,
                }
            )
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.pos_manager).create({"rfm_window_months": 3})

    def test_marketing_user(self):
        self.assertTrue(self.scored.with_user(self.marketing_user).rfm_segment_id)
        self.env["retail.crm.rfm.kpi.report"].with_user(self.marketing_user).search([])
        self.env["retail.crm.rfm.migration.report"].with_user(self.marketing_user).search([])
        with self.assertRaises(AccessError):
            self.segment.with_user(self.marketing_user).write({"name": "X"})

    def test_admin_configures(self):
        settings = self.env["res.config.settings"].with_user(self.admin_user).create({"rfm_high_cut": 4})
        settings.execute()
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param("retail_crm_rfm.high_cut"), "4")
        self.env["retail.crm.rfm.tag.rule"].with_user(self.admin_user).create(
            {
                "categ_id": self.categ_root.id,
                "tag_id": self.env["res.partner.category"].create({"name": "Admin tag"}).id,
            }
        )
        self.segment.with_user(self.admin_user).write({"name": "Champions!"})
        self.assertEqual(self.segment.name, "Champions!")

    def test_zh_cn_translations(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search([("name", "=", "retail_crm_rfm")])._update_translations(["zh_CN"])
        segment = self.segment.with_context(lang="zh_CN")
        self.assertEqual(segment.name, "重要价值")
        self.assertIn("专属顾问", segment.playbook)
        labels = dict(
            self.env["res.partner"]
            .with_context(lang="zh_CN")
            ._fields["rfm_cluster"]
            ._description_selection(self.env(context={"lang": "zh_CN"}))
        )
        self.assertEqual(labels["AHL"], "活跃、高频、低客单（价格敏感型）")
