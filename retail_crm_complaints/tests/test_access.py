from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import ComplaintCommon


@tagged("post_install", "-at_install")
class TestComplaintAccess(ComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store_a = cls.env["pos.config"].create({"name": "Store A (test)"})
        cls.store_b = cls.env["pos.config"].create({"name": "Store B (test)"})
        cls.cashier_a = new_test_user(
            cls.env,
            login="cmp_cashier_a",
            name="Cashier A",
            groups="point_of_sale.group_pos_user,base.group_user",
        )
        cls.cashier_a.complaint_pos_config_ids = cls.store_a
        cls.admin_user = new_test_user(
            cls.env,
            login="cmp_admin",
            name="CRM Admin",
            groups="base.group_system,base.group_user",
        )
        cls.team.assign_method = "manual"
        cls.ticket_a = cls.env["retail.crm.complaint"].create(
            {
                "subject": "Store A issue",
                "config_id": cls.store_a.id,
            }
        )
        cls.ticket_b = cls.env["retail.crm.complaint"].create(
            {
                "subject": "Store B issue",
                "config_id": cls.store_b.id,
            }
        )

    def test_pos_user(self):
        Complaint = self.env["retail.crm.complaint"].with_user(self.cashier_a)
        visible = Complaint.search([("id", "in", (self.ticket_a | self.ticket_b).ids)])
        self.assertEqual(visible, self.ticket_a)
        with self.assertRaises(AccessError):
            self.ticket_b.with_user(self.cashier_a).read(["subject"])
        with Form(Complaint) as form:
            form.subject = "Taken at the till"
            form.config_id = self.store_b
            form.partner_id = self.partner
        own = form.record
        self.assertEqual(own.create_uid, self.cashier_a)
        own.read(["subject", "sla_status"])
        own.stage_id = self.stage_contacted
        self.assertTrue(own.first_contact_date)
        with self.assertRaises(AccessError):
            own.unlink()
        with self.assertRaises(AccessError):
            self.sla_contact.with_user(self.cashier_a).write({"target_hours": 1})
        with self.assertRaises(AccessError):
            self.env["retail.crm.complaint.report"].with_user(self.cashier_a).search([])
        with self.assertRaises(AccessError):
            self.team.with_user(self.cashier_a).write({"name": "Hacked"})

    def test_pos_manager(self):
        Complaint = self.env["retail.crm.complaint"].with_user(self.manager_user)
        visible = Complaint.search([("id", "in", (self.ticket_a | self.ticket_b).ids)])
        self.assertEqual(visible, self.ticket_a | self.ticket_b)
        self.sla_contact.with_user(self.manager_user).write({"target_hours": 8})
        self.assertEqual(self.sla_contact.target_hours, 8)
        self.env["retail.crm.complaint.report"].with_user(self.manager_user).search([])
        with self.assertRaises(AccessError):
            self.team.with_user(self.manager_user).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.env["retail.crm.complaint.stage"].with_user(self.manager_user).create({"name": "X"})

    def test_admin_configures(self):
        Stage = self.env["retail.crm.complaint.stage"].with_user(self.admin_user)
        stage = Stage.create({"name": "Escalated to HQ", "sequence": 22})
        self.assertTrue(stage.id)
        self.team.with_user(self.admin_user).write({"name": "After-sales HQ"})
        self.env["retail.crm.complaint.category"].with_user(self.admin_user).create({"name": "Delivery"})

    def test_multi_company(self):
        company_b = self.env["res.company"].create({"name": "Other Retail Co (test)"})
        ticket_other = (
            self.env["retail.crm.complaint"]
            .with_company(company_b)
            .create(
                {
                    "subject": "Other company issue",
                    "company_id": company_b.id,
                }
            )
        )
        manager = self.manager_user.with_company(self.company)
        visible = (
            self.env["retail.crm.complaint"]
            .with_user(manager)
            .search([("id", "in", (ticket_other | self.ticket_a).ids)])
        )
        self.assertEqual(visible, self.ticket_a)
        with self.assertRaises(AccessError):
            ticket_other.with_user(self.manager_user).read(["subject"])

    def test_views_load_per_role(self):
        views = [(False, "kanban"), (False, "list"), (False, "form"), (False, "search"), (False, "activity")]
        for user in (self.cashier_a, self.manager_user, self.admin_user):
            Complaint = self.env["retail.crm.complaint"].with_user(user)
            result = Complaint.get_views(views)
            self.assertIn("form", result["views"])
            if user != self.cashier_a:
                Complaint.web_search_read(
                    [], {"name": {}, "sla_status": {}, "tier_id": {"fields": {"display_name": {}}}}
                )
        report = self.env["retail.crm.complaint.report"].with_user(self.manager_user)
        report.get_views([(False, "pivot"), (False, "graph"), (False, "search")])
        # what the pivot view asks for
        groups = report.read_group(
            [],
            ["complaint_count:sum", "breach_rate:avg", "csat:avg"],
            ["root_cause_id", "date_received:month"],
            lazy=False,
        )
        self.assertTrue(groups)
        settings = (
            self.env["res.config.settings"]
            .with_user(self.admin_user)
            .create({"complaint_sla_batch_size": 500})
        )
        settings.execute()
        self.assertEqual(
            self.env["ir.config_parameter"].sudo().get_param("retail_crm_complaints.sla_batch_size"), "500"
        )
