from lxml import etree

from odoo.tests import Form, TransactionCase, new_test_user, tagged

# the suite's parts of the Settings screen
SECTIONS = (
    "//app[@name='retail_crm_loyalty']",
    "//app[@name='retail_crm_complaints']",
    "//app[@name='retail_crm_privacy']",
    "//block[@id='retail_crm_rfm_section']",
)


@tagged("post_install", "-at_install")
class TestRfmSettingsView(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env,
            login="rfm_settings_admin",
            groups="base.group_user,base.group_system,point_of_sale.group_pos_manager",
        )

    def test_every_setting_has_a_label_and_help(self):
        arch = etree.fromstring(
            self.env["res.config.settings"]
            .with_user(self.admin)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        checked = 0
        for section in SECTIONS:
            for setting in arch.xpath(f"{section}//setting"):
                label = setting.get("string") or setting.xpath(".//field")[:1] and "field"
                self.assertTrue(label, etree.tostring(setting)[:200])
                self.assertTrue(
                    setting.get("help"), "setting without help: %s" % etree.tostring(setting)[:200]
                )
                checked += 1
        self.assertGreaterEqual(checked, 3, "the RFM section at least")

    def test_clusters_automatic_not_zero(self):
        """The automatic number of K-means groups is a switch, not "Number of Clusters 0"."""
        form = Form(self.env["res.config.settings"].with_user(self.admin))
        self.assertTrue(form.rfm_cluster_auto)
        self.assertEqual(form.rfm_cluster_k, 0)
        form.rfm_cluster_auto = False
        self.assertEqual(form.rfm_cluster_k, 4, "a fixed count starts at a sensible value")
        form.rfm_cluster_k = 6
        form.save().execute()
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param("retail_crm_rfm.cluster_k"), "6")
        form = Form(self.env["res.config.settings"].with_user(self.admin))
        self.assertFalse(form.rfm_cluster_auto)
        form.rfm_cluster_auto = True
        form.save().execute()
        form = Form(self.env["res.config.settings"].with_user(self.admin))
        self.assertTrue(form.rfm_cluster_auto)
        self.assertEqual(form.rfm_cluster_k, 0)
        arch = etree.fromstring(
            self.env["res.config.settings"]
            .with_user(self.admin)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        k_row = arch.xpath("//field[@name='rfm_cluster_k']/..")[0]
        self.assertIn("rfm_cluster_auto", k_row.get("invisible") or "", "the count is hidden while automatic")
