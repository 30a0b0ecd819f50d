import base64
import json
from datetime import datetime

from freezegun import freeze_time

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL
from odoo.tools.sql import TableKind, table_kind

from ..models.privacy_finder import PrivacyFinder
from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestPrivacyRequest(PrivacyCommonMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.Request = cls.env["retail.crm.privacy.request"]

    def test_deadline_default_and_configurable(self):
        request = self.Request.with_user(self.officer).create(
            {
                "partner_id": self.customer_own.id,
                "request_type": "erasure",
                "request_date": datetime(2026, 3, 1, 10, 0),
            }
        )
        self.assertEqual(request.deadline, fields.Date.to_date("2026-03-08"))
        self.assertTrue(request.name.startswith("DSR/"))
        self.env["ir.config_parameter"].sudo().set_param("retail_crm_privacy.request_days", "15")
        request_2 = self.Request.create(
            {
                "partner_id": self.customer_own.id,
                "request_date": datetime(2026, 3, 1, 10, 0),
            }
        )
        self.assertEqual(request_2.deadline, fields.Date.to_date("2026-03-16"))

    def test_overdue_escalation_once(self):
        with freeze_time("2026-03-01 09:00:00"):
            request = self.Request.create(
                {
                    "partner_id": self.customer_own.id,
                    "request_type": "access",
                    "user_id": self.officer.id,
                }
            )
            closed = self.Request.create(
                {
                    "partner_id": self.customer_other.id,
                    "request_type": "access",
                }
            )
            closed.action_done()
        with freeze_time("2026-03-05 09:00:00"):
            self.Request._cron_escalate_overdue()
            self.assertFalse(request.activity_ids)
            self.assertFalse(request.is_overdue)
        with freeze_time("2026-03-10 09:00:00"):
            request.invalidate_recordset(["is_overdue"])
            self.assertTrue(request.is_overdue)
            self.assertIn(request, self.Request.search([("is_overdue", "=", True)]))
            self.Request._cron_escalate_overdue()
            self.assertEqual(len(request.activity_ids), 1)
            self.assertEqual(request.activity_ids.user_id, self.officer)
            self.assertTrue(request.escalated)
            self.assertFalse(closed.activity_ids)
            self.Request._cron_escalate_overdue()
            self.assertEqual(len(request.activity_ids), 1)

    def test_access_export_every_model(self):
        partner = self.customer_own
        self.env["retail.crm.consent"]._record(partner, self.purpose_profiling, "granted")
        partner.message_post(body="Customer asked about the Gold tier")
        contact = self.env["res.partner"].create(
            {
                "name": "Wang Fang Office",
                "parent_id": partner.id,
                "type": "invoice",
            }
        )
        request = self.Request.with_user(self.officer).create(
            {
                "partner_id": partner.id,
                "request_type": "access",
            }
        )
        request.action_export()
        attachment = request.export_attachment_id
        self.assertEqual(attachment.res_model, request._name)
        data = json.loads(base64.b64decode(attachment.datas))
        sections = {section["model"]: section for section in data["sections"]}
        self.assertIn("wang.fang@example.cn", json.dumps(sections["res.partner"], ensure_ascii=False))
        self.assertEqual({p["id"] for p in sections["res.partner"]["records"]}, {partner.id, contact.id})
        # every model with a many2one to the person is exported
        expected = {
            model
            for model, fnames in PrivacyFinder(self.env)._reference_fields().items()
            if self.env[model]
            .sudo()
            .with_context(active_test=False)
            .search_count(["|"] * (len(fnames) - 1) + [(f, "in", [partner.id, contact.id]) for f in fnames])
            and model not in ("res.partner", "mail.notification", "mail.followers")
        }
        self.assertIn("retail.crm.consent", expected)
        self.assertLessEqual(expected, set(sections))
        self.assertIn("Gold tier", json.dumps(sections["mail.message"], ensure_ascii=False))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("retail_crm_privacy.report_privacy_request", request.ids)[0]
            .decode()
        )
        self.assertIn("wang.fang@example.cn", html)
        self.assertIn(request.name, html)

    def test_reference_fields_cover_tables_not_views(self):
        """Many2one fields to the person count in tables, even one an addon
        creates itself (_auto = False), never in SQL views (reports)."""
        found = PrivacyFinder(self.env)._reference_fields()
        self.assertIn("pos.order", found)
        self.assertNotIn("report.pos.order", found, "a report view")
        if "retail.crm.rfm.snapshot" in self.env:
            self.assertIn("retail.crm.rfm.snapshot", found, "a partitioned table")
        for model_name in self.env.registry:
            model = self.env[model_name]
            if model._abstract or model._transient:
                continue
            if not any(
                field.type in ("many2one", "many2many")
                and field.comodel_name == "res.partner"
                and field.store
                and not field.company_dependent
                for field in model._fields.values()
            ):
                continue
            self.env.cr.execute(SQL("SELECT relkind FROM pg_class WHERE relname = %s", model._table))
            partitioned = self.env.cr.fetchone() == ("p",)
            if table_kind(self.env.cr, model._table) == TableKind.Regular or partitioned:
                # a regular table, or a partitioned one (the RFM snapshot)
                self.assertIn(model_name, found)
            else:
                self.assertNotIn(model_name, found)
