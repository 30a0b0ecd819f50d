from odoo.tests import tagged

from .common import ComplaintCommon

RAW_EMAIL = """Return-Path: <{email}>
To: complaints@example.com
Received: by mail1.example.com (Postfix, from userid 10002)
    id 5DF9ABFB2A; Fri, 20 Nov 2026 10:55:00 +0800 (CST)
From: {name} <{email}>
Subject: {subject}
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit
Message-ID: <{msgid}@example.com>
Date: Fri, 20 Nov 2026 10:55:00 +0800

The milk powder I bought yesterday was expired.
"""


@tagged("post_install", "-at_install")
class TestComplaintIntake(ComplaintCommon):
    def test_email_creates_ticket_for_known_customer(self):
        raw = RAW_EMAIL.format(
            email="Wang.Fang@example.com",
            name="Wang Fang",
            subject="Expired milk powder",
            msgid="cmp-intake-1",
        )
        res_id = self.env["mail.thread"].message_process(
            "retail.crm.complaint",
            raw,
            custom_values={"category_id": self.category.id},
        )
        complaint = self.env["retail.crm.complaint"].browse(res_id)
        self.assertEqual(complaint.subject, "Expired milk powder")
        self.assertEqual(complaint.channel, "email")
        self.assertEqual(complaint.partner_id, self.partner)
        self.assertEqual(self.partner.complaint_count, 1)
        self.assertIn("expired", complaint.description)
        self.assertEqual(complaint.team_id, self.team)
        self.assertTrue(complaint.sla_line_ids)
        self.assertIn("expired", complaint.message_ids[-1].body)

    def test_email_unknown_sender_keeps_address(self):
        raw = RAW_EMAIL.format(
            email="stranger@example.org",
            name="Stranger",
            subject="Rude cashier",
            msgid="cmp-intake-2",
        )
        res_id = self.env["mail.thread"].message_process("retail.crm.complaint", raw)
        complaint = self.env["retail.crm.complaint"].browse(res_id)
        self.assertFalse(complaint.partner_id)
        self.assertIn("stranger@example.org", complaint.email_from)
        # a reply on the thread is added to the same ticket
        reply = RAW_EMAIL.format(
            email="stranger@example.org",
            name="Stranger",
            subject="Re: Rude cashier",
            msgid="cmp-intake-3",
        ).replace("Message-ID:", "In-Reply-To: <cmp-intake-2@example.com>\nMessage-ID:")
        same = self.env["mail.thread"].message_process("retail.crm.complaint", reply)
        self.assertEqual(same, complaint.id)

    def test_email_to_team_alias_routes_to_team(self):
        alias_domain = self.env["mail.alias.domain"].create({"name": "complaints.example.com"})
        self.company.alias_domain_id = alias_domain
        self.team.write({"alias_name": "aftersales", "alias_domain_id": alias_domain.id})
        raw = RAW_EMAIL.format(
            email="wang.fang@example.com",
            name="Wang Fang",
            subject="Broken stroller wheel",
            msgid="cmp-intake-4",
        ).replace("To: complaints@example.com", "To: aftersales@complaints.example.com")
        res_id = self.env["mail.thread"].message_process(False, raw)
        complaint = self.env["retail.crm.complaint"].browse(res_id)
        self.assertEqual(complaint.subject, "Broken stroller wheel")
        self.assertEqual(complaint.team_id, self.team)
        self.assertEqual(complaint.partner_id, self.partner)
        self.assertEqual(complaint.channel, "email")
        self.assertEqual(complaint.user_id, self.agent_1)

    def test_team_alias_defaults(self):
        self.team.alias_name = "after-sales-test"
        defaults = self.team.alias_id.alias_defaults
        self.assertIn(str(self.team.id), defaults)
        self.assertEqual(self.team.alias_id.alias_model_id.model, "retail.crm.complaint")

    def test_pos_intake_method(self):
        config = self.env["pos.config"].create({"name": "Shop (complaints test)"})
        product = self.env["product.product"].create({"name": "Formula 900g"})
        res = (
            self.env["retail.crm.complaint"]
            .with_user(self.agent_1)
            .create_from_pos(
                {
                    "config_id": config.id,
                    "partner_id": self.partner.id,
                    "description": "Tin dented\nat the bottom",
                    "pos_reference": "Order 00001-001-0001",
                    "product_ids": [product.id],
                    "category_id": self.category.id,
                }
            )
        )
        complaint = self.env["retail.crm.complaint"].browse(res["id"])
        self.assertEqual(res["name"], complaint.name)
        self.assertEqual(complaint.subject, "Tin dented")
        self.assertEqual(complaint.channel, "store")
        self.assertEqual(complaint.config_id, config)
        self.assertEqual(complaint.partner_id, self.partner)
        self.assertEqual(complaint.product_ids, product)
        self.assertEqual(complaint.create_uid, self.agent_1)
