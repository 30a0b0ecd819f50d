from lxml import etree

from odoo.tests import Form, TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestLoyaltyViews(TransactionCase):
    """The backend screens as the store manager sees them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="views_manager",
            groups="base.group_user,base.group_partner_manager,point_of_sale.group_pos_manager",
        )
        cls.admin = new_test_user(
            cls.env,
            login="views_admin",
            groups="base.group_user,base.group_system,point_of_sale.group_pos_manager",
        )

    def arch(self, model, view_type="form", view_id=False, user=None):
        views = self.env[model].with_user(user or self.manager).get_views([(view_id, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def test_preview_result_is_read_only(self):
        preview = self.env["retail.crm.tier.preview"].with_user(self.admin).create({})
        preview.action_preview()
        self.assertEqual(preview.state, "preview")
        form = Form(preview)
        with self.assertRaisesRegex(AssertionError, "not editable"):
            form.move_ids.new()
        moves = self.arch("retail.crm.tier.preview", user=self.admin).xpath("//field[@name='move_ids']/list")[
            0
        ]
        self.assertEqual((moves.get("create"), moves.get("delete")), ("0", "0"), "no 'Add a line', no bin")

    def test_tier_form_has_one_colour(self):
        arch = self.arch("retail.crm.tier")
        colours = arch.xpath("//field[@widget='color' or @widget='color_picker']")
        self.assertEqual([f.get("name") for f in colours], ["badge_color"])

    def test_member_fields_in_their_own_group(self):
        arch = self.arch("res.partner")
        group = arch.xpath("//group[@name='retail_member']")
        self.assertTrue(group and group[0].get("string"), "a labelled group")
        for name in ("retail_is_member", "retail_birthday", "retail_gender"):
            self.assertTrue(group[0].xpath(f".//field[@name='{name}']"), name)
        email_group = arch.xpath("//field[@name='email']/..")[0]
        self.assertFalse(email_group.xpath("./field[@name='retail_is_member']"), "not in the e-mail row")

    def test_tier_button_first_in_button_box(self):
        """The stat buttons after the first few fold under "More": the tier comes first."""
        buttons = self.arch("res.partner").xpath("//div[@name='button_box']/button")
        self.assertEqual(buttons[0].get("name"), "action_retail_open_tier_history")

    def test_members_list_columns(self):
        action = self.env.ref("retail_crm_loyalty.res_partner_action_retail_members")
        list_view = action.view_ids.filtered(lambda v: v.view_mode == "list").view_id
        self.assertTrue(list_view)
        arch = self.arch("res.partner", "list", list_view.id)
        names = [f.get("name") for f in arch.xpath("//field")]
        for name in (
            "retail_member_number",
            "retail_tier_id",
            "retail_loyalty_points",
            "retail_mobile_masked",
        ):
            self.assertIn(name, names)
        self.assertNotIn("mobile", names, "the list shows the masked mobile only")
        self.assertIn("o_view_nocontent", action.help)
        member = self.env["res.partner"].create(
            {"name": "陈芳", "mobile": "138 0013 8000", "retail_is_member": True}
        )
        self.assertEqual(member.with_user(self.manager).retail_mobile_masked, "138****8000")

    def test_every_list_says_what_will_appear(self):
        """Empty lists, pivots and graphs of the suite's menus explain what
        will appear and how, not Odoo's generic "create" prompt."""
        data = self.env["ir.model.data"].search(
            [("module", "=like", "retail_crm_%"), ("model", "=", "ir.actions.act_window")]
        )
        actions = self.env["ir.actions.act_window"].browse(data.mapped("res_id")).exists()
        missing = [
            action.xml_id
            for action in actions
            if action.target != "new"
            and {"list", "kanban", "pivot", "graph"} & set(action.view_mode.split(","))
            and "o_view_nocontent" not in (action.help or "")
        ]
        self.assertGreater(len(actions), 5)
        self.assertEqual(missing, [])
