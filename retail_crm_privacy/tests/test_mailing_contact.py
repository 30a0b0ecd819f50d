from odoo.tests import TransactionCase, new_test_user, tagged

from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestMailingContactCopies(PrivacyCommonMixin, TransactionCase):
    """Mailing contacts (mass_mailing, installed with retail_crm_rfm) that
    carry a customer's e-mail follow that customer's access rule."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "mailing.contact" not in cls.env:
            cls.skipTest(cls, "mass_mailing is not installed")
        cls._setup_privacy_fixtures()
        # a marketer: exactly the employee, export and mass mailing user groups
        cls.marketer = new_test_user(
            cls.env,
            login="prv_marketer",
            groups="base.group_user,base.group_allow_export,mass_mailing.group_mass_mailing_user",
        )
        cls.customer_mine = cls.env["res.partner"].create(
            {"name": "Zhou Min", "email": "zhou.min@example.cn", "user_id": cls.marketer.id}
        )
        Contact = cls.env["mailing.contact"]
        cls.copy_other = Contact.create({"name": "Li Na", "email": "Li.Na@Example.cn"})
        cls.copy_mine = Contact.create({"name": "Zhou Min", "email": "zhou.min@example.cn"})
        cls.prospect = Contact.create({"name": "Prospect", "email": "prospect@example.org"})

    def test_routes_of_the_marketer(self):
        Contact = self.env["mailing.contact"].with_user(self.marketer)
        contacts = self.copy_other | self.copy_mine | self.prospect
        rows = {
            row["id"]: row for row in contacts.with_user(self.marketer).read(["email", "email_normalized"])
        }
        self.assertEqual(rows[self.copy_other.id]["email"], "L***@Example.cn")
        self.assertNotIn("li.na", str(rows[self.copy_other.id]).lower())
        self.assertEqual(rows[self.copy_mine.id]["email"], "zhou.min@example.cn")
        self.assertEqual(rows[self.prospect.id]["email"], "prospect@example.org")
        web = Contact.web_search_read([("id", "in", contacts.ids)], {"email": {}, "display_name": {}})
        self.assertNotIn("li.na@", str(web).lower())
        # no oracle: domains, order and groups see nothing of the hidden one
        for leaf in [
            ("email", "=like", "li.na%"),
            ("email", "ilike", "li.na"),
            ("email_normalized", "=", "li.na@example.cn"),
        ]:
            self.assertFalse(Contact.search_count([("id", "=", self.copy_other.id), leaf]), leaf)
        self.assertTrue(Contact.search_count([("id", "=", self.copy_mine.id), ("email", "ilike", "zhou")]))
        groups = Contact.read_group([("id", "in", contacts.ids)], ["email"], ["email"])
        self.assertNotIn("li.na", str(groups).lower())
        exported = Contact.browse(contacts.ids).export_data(["name", "email"])["datas"]
        self.assertNotIn("li.na", str(exported).lower())
        # the store manager of the customer sees the copy in clear
        manager = new_test_user(
            self.env,
            login="prv_marketing_manager",
            groups="base.group_user,point_of_sale.group_pos_manager,mass_mailing.group_mass_mailing_user",
        )
        row = self.copy_other.with_user(manager).read(["email"])[0]
        self.assertEqual(row["email"], "Li.Na@Example.cn")
        # the cache keeps the real value: mailings still reach the customer
        self.assertEqual(self.copy_other.with_user(self.marketer).sudo().email, "Li.Na@Example.cn")

    def test_qweb_of_a_mailing_contact(self):
        html = str(
            self.env["ir.qweb"]
            .with_user(self.marketer)
            ._render(
                self.env["ir.ui.view"]
                .create(
                    {
                        "name": "mc probe",
                        "type": "qweb",
                        "arch": '<t t-name="mc_probe"><t t-foreach="docs" t-as="c"><p t-out="c.email"/></t></t>',
                    }
                )
                .id,
                {"docs": (self.copy_other | self.prospect).with_user(self.marketer)},
            )
        )
        self.assertNotIn("li.na@", html.lower())
        self.assertIn("prospect@example.org", html)
