import importlib.util

from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.misc import file_path

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

    def test_cashier_cannot_read_other_store_sla_lines(self):
        """A cashier holding exactly the role's groups reads, through the
        SLA-line model itself, the lines of their store's tickets only."""
        self.assertFalse(self.cashier_a.has_group("point_of_sale.group_pos_manager"))
        lines_a, lines_b = self.ticket_a.sla_line_ids, self.ticket_b.sla_line_ids
        self.assertTrue(lines_a and lines_b)
        Line = self.env["retail.crm.complaint.sla.line"].with_user(self.cashier_a)
        self.assertEqual(Line.search([("id", "in", (lines_a | lines_b).ids)]), lines_a)
        self.assertEqual(Line.search_count([("complaint_id", "=", self.ticket_b.id)]), 0)
        self.assertEqual(Line.search_count([("complaint_id.config_id", "=", self.store_b.id)]), 0)
        groups = Line.read_group(
            [("complaint_id", "in", (self.ticket_a | self.ticket_b).ids)], [], ["complaint_id"]
        )
        self.assertEqual([group["complaint_id"][0] for group in groups], [self.ticket_a.id])
        lines_a.with_user(self.cashier_a).read(["status", "deadline"])
        with self.assertRaises(AccessError):
            lines_b.with_user(self.cashier_a).read(["status"])
        with self.assertRaises(AccessError):
            lines_b[:1].with_user(self.cashier_a).deadline  # noqa: B018
        # the manager reads both stores' lines
        self.assertEqual(
            self.env["retail.crm.complaint.sla.line"]
            .with_user(self.manager_user)
            .search([("id", "in", (lines_a | lines_b).ids)]),
            lines_a | lines_b,
        )

    def test_sla_lines_follow_the_ticket_rules(self):
        """A rule added on the tickets applies to their SLA lines at once:
        the lines follow their ticket's access, they keep no copy of it."""
        lines_a = self.ticket_a.sla_line_ids
        self.ticket_a.severity = "low"
        self.env["ir.rule"].create(
            {
                "name": "Test: low-severity tickets hidden",
                "model_id": self.env["ir.model"]._get_id("retail.crm.complaint"),
                "domain_force": "[('severity', '!=', 'low')]",
            }
        )
        Line = self.env["retail.crm.complaint.sla.line"].with_user(self.cashier_a)
        self.assertFalse(Line.search([("id", "in", lines_a.ids)]))
        with self.assertRaises(AccessError):
            lines_a.with_user(self.cashier_a).read(["status"])
        self.assertFalse(
            self.env["retail.crm.complaint.sla.line"]
            .with_user(self.manager_user)
            .search([("id", "in", lines_a.ids)])
        )

    def test_sla_lines_of_another_company(self):
        company_b = self.env["res.company"].create({"name": "Other Retail Co (lines, test)"})
        self.env["retail.crm.complaint.sla"].create(
            {
                "name": "Other company 24h",
                "target": "first_contact",
                "target_hours": 24,
                "company_id": company_b.id,
            }
        )
        ticket_other = (
            self.env["retail.crm.complaint"]
            .with_company(company_b)
            .create({"subject": "Other company issue", "company_id": company_b.id})
        )
        self.assertTrue(ticket_other.sla_line_ids)
        lines = (ticket_other | self.ticket_a).sla_line_ids
        manager = self.manager_user.with_company(self.company)
        visible = (
            self.env["retail.crm.complaint.sla.line"].with_user(manager).search([("id", "in", lines.ids)])
        )
        self.assertEqual(visible, self.ticket_a.sla_line_ids)

    def test_loyalty_rights_come_from_pos_loyalty(self):
        """Cashiers read loyalty programs and cards through pos_loyalty's own
        access rights: this addon grants nothing again on loyalty models."""
        own_acls = self.env["ir.model.data"].search(
            [("module", "=", "retail_crm_complaints"), ("model", "=", "ir.model.access")]
        )
        models = self.env["ir.model.access"].browse(own_acls.mapped("res_id")).mapped("model_id.model")
        self.assertFalse([model for model in models if model.startswith("loyalty.")])
        for model in ("loyalty.program", "loyalty.card"):
            self.assertTrue(self.env[model].with_user(self.cashier_a).has_access("read"), model)

    def test_migration_drops_the_copied_line_rules(self):
        """Updating from 18.0.1.1.0 removes the SLA-line rules that copied
        the ticket's domains (noupdate data the update alone would keep)."""
        path = file_path("retail_crm_complaints/migrations/18.0.1.2.0/post-migration.py")
        spec = importlib.util.spec_from_file_location("retail_crm_complaints_post_migration_1_2", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        model_id = self.env["ir.model"]._get_id("retail.crm.complaint.sla.line")
        rules = self.env["ir.rule"]
        for xmlid in migration.OBSOLETE_RULES:
            rule = self.env["ir.rule"].create(
                {"name": xmlid, "model_id": model_id, "domain_force": "[('company_id', 'in', company_ids)]"}
            )
            module, name = xmlid.split(".")
            self.env["ir.model.data"].create(
                {"module": module, "name": name, "model": "ir.rule", "res_id": rule.id, "noupdate": True}
            )
            rules |= rule
        migration.migrate(self.env.cr, "18.0.1.1.0")
        self.assertFalse(rules.exists())
        self.assertFalse(self.env["ir.rule"].search([("model_id", "=", model_id)]))
