import json
import os
from datetime import date

from odoo import Command
from odoo.addons.point_of_sale.tests.common import TestPointOfSaleCommon
from odoo.tests import tagged

from ..models import privacy_match
from .common import ErasureTestMixin, PrivacyCommonMixin

MOBILE = "+8613957246813"
ID_NUMBER = "110105199011301233"
OLD_EMAIL = "wangfang.old@example.cn"
NEW_EMAIL = "wangfang.new@example.cn"


@tagged("post_install", "-at_install")
class TestErasureMember(PrivacyCommonMixin, ErasureTestMixin, TestPointOfSaleCommon):
    """Erasure of a member with a rich history, next to customers who share
    or contain her name: nothing of hers is left, nothing of theirs changes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.pos_config.open_ui()
        cls.session = cls.pos_config.current_session_id

    def setUp(self):
        super().setUp()
        for addon in ("retail_crm_loyalty", "retail_crm_complaints"):
            if addon not in self.env.registry._init_modules:
                self.skipTest(f"{addon} is not installed")
        # the POS test base disables tracking: the person's edits must be tracked here
        self.env = self.env(
            context=dict(
                self.env.context, tracking_disable=False, mail_notrack=False, mail_create_nolog=False
            )
        )
        # the company is American, the person's numbers are Chinese
        self.env.company.country_id = self.env.ref("base.us")

    def _witnesses(self):
        Partner = self.env["res.partner"]
        witnesses = Partner.create(
            [
                {
                    "name": "王芳",
                    "mobile": "+8613800001111",
                    "email": "other.wangfang@example.cn",
                    "comment": "<p>王芳（另一位）常买围巾</p>",
                },
                {"name": "王芳华", "email": "wangfanghua@example.cn", "city": "上海"},
                {"name": "李娜", "comment": "<p>和王芳一起来店，Anna Quixote 的朋友</p>"},
                {"name": "Anna Quixote", "email": "anna.q@example.com"},
                {"name": "张伟", "retail_is_member": True, "mobile": "+8613900002222"},
            ]
        )
        witnesses[0].message_post(body="王芳来电咨询围巾")
        product = self.env["product.product"].create({"name": "王芳 signature scarf", "list_price": 99.0})
        orders = self._create_orders(witnesses[4], 2, amount=40.0, note="张伟 买了 王芳 signature scarf")
        return witnesses, product, orders

    def _member(self):
        Partner = self.env["res.partner"]
        cn = self.env.ref("base.cn")
        member = Partner.create(
            {
                "name": "王芳",
                "retail_is_member": True,
                "mobile": MOBILE,
                "phone": "021-6234-5678",
                "email": OLD_EMAIL,
                "country_id": cn.id,
                "street": "淮海中路999号",
                "city": "上海",
                "retail_birthday": date(1990, 11, 30),
                "retail_id_number": ID_NUMBER,
                # the ID number needs the separate consent, given at enrolment
                "privacy_consent_ids": [
                    Command.create(
                        {
                            "purpose_id": self.env.ref("retail_crm_privacy.purpose_sensitive_data").id,
                            "state": "granted",
                        }
                    )
                ],
            }
        )
        # edits: the old e-mail and street stay in the tracking values
        self.env.cr.precommit.run()  # the profile was created in an earlier transaction
        member.write({"email": NEW_EMAIL, "street": "南京西路1号"})
        self.env.cr.precommit.run()  # tracking values are written at commit
        child = Partner.create(
            {"name": "Ms. Anna Quixote", "parent_id": member.id, "type": "delivery", "phone": "021 6234 5678"}
        )
        self.env["res.users"].create(
            {
                "name": "王芳",
                "login": NEW_EMAIL,
                "partner_id": member.id,
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        Consent = self.env["retail.crm.consent"]
        Consent._record(member, self.purpose_sms, "granted", note="顾客电话13957246813同意")
        Consent._record(member, self.purpose_sms, "withdrawn")
        orders = self._create_orders(member, 3, note="会员 王芳 手机57246813")
        self.env["pos.payment"].create(
            {"pos_order_id": orders[0].id, "amount": 25.0, "payment_method_id": self.cash_payment_method.id}
        )
        program = self.env["loyalty.program"].create({"name": "会员积分", "program_type": "loyalty"})
        card = self.env["loyalty.card"].create(
            {"program_id": program.id, "partner_id": member.id, "points": 120}
        )
        self.env["loyalty.history"].create({"card_id": card.id, "description": orders[0].name, "issued": 120})
        self.env["retail.crm.tier.history"].create(
            {"partner_id": member.id, "change_type": "enrol", "reason": "开卡"}
        )
        if "retail.crm.rfm.snapshot" in self.env:
            run = self.env["retail.crm.rfm.run"].create({"run_date": date(2026, 3, 1)})
            self.env["retail.crm.rfm.snapshot"].create(
                {"run_id": run.id, "run_date": date(2026, 3, 1), "partner_id": member.id, "r_score": 5}
            )
        complaint = self.env["retail.crm.complaint"].create(
            {
                "subject": "围巾起球",
                "partner_id": member.id,
                "description": f"<p>王芳来电，手机139-5724-6813，或+86-139-5724-6813，身份证{ID_NUMBER}</p>",
            }
        )
        email_msg = complaint.message_post(
            author_id=member.id,
            email_from=NEW_EMAIL,
            message_type="email",
            body="我是王芳，我的手机是13957246813",
        )
        complaint.with_user(self.pos_manager).message_post(
            body="手机13957246813无人接听…客户生日1990-11-30，欧阳经理跟进", subtype_xmlid="mail.mt_note"
        )
        complaint.message_post(
            body="您好王芳，处理结果：退款。", partner_ids=member.ids, subtype_xmlid="mail.mt_comment"
        )
        rating = self.env["rating.rating"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("retail.crm.complaint"),
                "res_id": complaint.id,
                "partner_id": member.id,
                "rating": 4,
                "feedback": "王芳：服务很好，电话13957246813",
                "consumed": True,
                "message_id": email_msg.id,
            }
        )
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": "身份证.txt",
                    "raw": "王芳 110105199011301233".encode(),
                    "res_model": "res.partner",
                    "res_id": member.id,
                },
                {
                    "name": "receipt.txt",
                    "raw": "receipt of 王芳 13957246813".encode(),
                    "res_model": "retail.crm.complaint",
                    "res_id": complaint.id,
                },
            ]
        )
        Blacklist = self.env["mail.blacklist"]
        Blacklist._add(OLD_EMAIL)
        Blacklist._remove(OLD_EMAIL, message="顾客重新订阅")
        PhoneBlacklist = self.env["phone.blacklist"]
        PhoneBlacklist._add([MOBILE])
        PhoneBlacklist._remove([MOBILE], message="顾客重新订阅")
        if "mailing.contact" in self.env:
            self.env["mailing.contact"].create({"name": "王芳", "email": NEW_EMAIL})
        self.env["sms.sms"].create(
            {"number": MOBILE, "body": "王芳您好，您的积分120", "partner_id": member.id}
        )
        self.env["bus.bus"].sudo().create(
            {
                "channel": json.dumps([self.env.cr.dbname, "res.partner", member.id]),
                "message": json.dumps({"type": "x", "payload": {"mobile": "13957246813"}}),
            }
        )
        return member, child, orders, card, complaint, rating, attachments

    def test_rich_member_erased_without_residue_or_collateral(self):
        witnesses, product, witness_orders = self._witnesses()
        values = [
            "王芳",
            "Quixote",
            OLD_EMAIL,
            NEW_EMAIL,
            *sorted(privacy_match.phone_spellings(MOBILE, "CN")),
            "6234-5678",
            "62345678",
            ID_NUMBER,
            "淮海中路999号",
            "南京西路1号",
            "1990-11-30",
        ]
        baseline = self._scan(values)
        snapshots = {
            "res_partner": self._rows("res_partner", witnesses.ids),
            "product_product": self._rows("product_product", product.ids),
            "product_template": self._rows("product_template", product.product_tmpl_id.ids),
            "pos_order": self._rows("pos_order", witness_orders.ids),
            "mail_message": self._rows(
                "mail_message",
                self.env["mail.message"]
                .search([("model", "=", "res.partner"), ("res_id", "in", witnesses.ids)])
                .ids,
            ),
        }
        member, child, orders, card, complaint, rating, attachments = self._member()
        self.env.flush_all()
        paths = [attachment._full_path(attachment.store_fname) for attachment in attachments]
        self.assertTrue(all(os.path.exists(path) for path in paths))
        before = self._scan(values)
        for value in (NEW_EMAIL, OLD_EMAIL, "139-5724-6813", ID_NUMBER, "1990-11-30"):
            self.assertTrue(
                before[value] - baseline[value], f"{value} was not stored, the test proves nothing"
            )
        totals = (len(orders), sum(orders.mapped("amount_total")), card.points, rating.rating)
        references = (orders.mapped("name"), complaint.name)

        request = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.officer)
            .create({"partner_id": member.id, "request_type": "erasure"})
        )
        action = request.action_open_erasure_preview()
        preview = self.env["retail.crm.erasure.preview"].with_user(self.officer).browse(action["res_id"])
        previewed = preview._previewed_lines()
        preview.confirmed = True
        preview.action_erase()
        self.env.cr.postcommit.run()

        # nothing of hers is left anywhere
        after = self._scan(values)
        for value in values:
            self.assertEqual(after[value] - baseline[value], set(), f"residue of {value}")
        self.assertFalse(any(os.path.exists(path) for path in paths), "attachment files removed")
        # nothing of anybody else changed
        self.assertEqual(self._rows("res_partner", witnesses.ids), snapshots["res_partner"])
        self.assertEqual(self._rows("product_product", product.ids), snapshots["product_product"])
        self.assertEqual(
            self._rows("product_template", product.product_tmpl_id.ids), snapshots["product_template"]
        )
        self.assertEqual(self._rows("pos_order", witness_orders.ids), snapshots["pos_order"])
        self.assertEqual(
            self._rows("mail_message", [row[0] for row in snapshots["mail_message"]]),
            snapshots["mail_message"],
        )
        # her transactions are kept, totals unchanged, membership ended in the tier history
        self.env.invalidate_all()
        self.assertEqual(
            (len(orders.exists()), sum(orders.mapped("amount_total")), card.points, rating.rating), totals
        )
        self.assertEqual(orders.partner_id, member)
        self.assertEqual((orders.mapped("name"), complaint.name), references, "documents keep their numbers")
        self.assertTrue(complaint.exists())
        self.assertTrue(rating.exists())
        self.assertFalse(rating.feedback)
        self.assertFalse(member.retail_is_member)
        self.assertFalse(member.active)
        history = self.env["retail.crm.tier.history"].search([("partner_id", "=", member.id)], limit=1)
        self.assertEqual(history.change_type, "override")
        self.assertFalse(history.new_tier_id)
        self.assertFalse(child.active)
        self.assertFalse(
            self.env["mail.blacklist"].with_context(active_test=False).search([("email", "=", OLD_EMAIL)])
        )
        self.assertFalse(
            self.env["phone.blacklist"].with_context(active_test=False).search([("number", "=", MOBILE)])
        )
        # the preview was the plan executed, recorded in the audit
        self.assertEqual(request.state, "done")
        self.assertEqual(request.erasure_log_id.plan_lines, previewed)
        self.assertIn(["rating.rating", "feedback", "clear", 1], previewed)
        self.assertIn(["res.partner", "retail_is_member", "end_membership", 1], previewed)

    def test_access_export_readable_in_the_person_language(self):
        """The export holds one section per kind of data, with the lines of
        the person's documents, labels and names in Chinese, JSON and PDF."""
        self.env["res.lang"]._activate_lang("zh_CN")
        modules = ["base", "mail", "point_of_sale", "loyalty", "retail_crm_privacy", "retail_crm_loyalty"]
        self.env["ir.module.module"]._load_module_terms(modules, ["zh_CN"], overwrite=True)
        member, _child, orders, card, complaint, _rating, _attachments = self._member()
        member.lang = "zh_CN"
        request = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.officer)
            .create({"partner_id": member.id, "request_type": "access"})
        )
        request.action_export()
        data = json.loads(request.export_attachment_id.raw)
        self.assertEqual(data["language"], "zh_CN")
        sections = {section["model"]: section for section in data["sections"]}
        expected = {
            "res.partner",
            "pos.order",
            "loyalty.card",
            "retail.crm.tier.history",
            "retail.crm.complaint",
            "retail.crm.consent",
            "mail.message",
            "ir.attachment",
            "mail.blacklist",
            "phone.blacklist",
            "rating.rating",
        }
        if "retail.crm.rfm.snapshot" in self.env:
            expected |= {"retail.crm.rfm.snapshot", "mailing.contact"}
        self.assertLessEqual(expected, set(sections))
        zh = self.env(context=dict(self.env.context, lang="zh_CN"))
        self.assertEqual(sections["pos.order"]["label"], zh["ir.model"]._get("pos.order").name)
        self.assertNotEqual(sections["pos.order"]["label"], self.env["ir.model"]._get("pos.order").name)
        order = next(r for r in sections["pos.order"]["records"] if r["id"] == orders[0].id)
        children = {child["label"]: child for child in order["children"]}
        self.assertIn(zh["pos.order"]._fields["lines"]._description_string(zh), children)
        self.assertIn(zh["pos.order"]._fields["payment_ids"]._description_string(zh), children)
        values = dict(order["values"])
        # links are shown by name, in the person's language
        self.assertEqual(values[zh["pos.order"]._fields["partner_id"]._description_string(zh)], "王芳")
        profile = next(r for r in sections["res.partner"]["records"] if r["id"] == member.id)
        self.assertIn("中国", dict(profile["values"]).values())
        card_data = next(r for r in sections["loyalty.card"]["records"] if r["id"] == card.id)
        self.assertEqual(len(card_data["children"][0]["records"]), 1, "points history")
        # field changes: the old e-mail is exported with the new one
        changes = [c for m in sections["mail.message"]["records"] for c in m.get("changes", [])]
        self.assertIn(OLD_EMAIL, [c["old"] for c in changes])
        bodies = json.dumps(sections["mail.message"], ensure_ascii=False)
        self.assertIn("无人接听", bodies, "staff note on the complaint")
        self.assertIn("处理结果", bodies, "result sent to the customer")
        self.assertIn(complaint.name, json.dumps(sections["retail.crm.complaint"], ensure_ascii=False))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("retail_crm_privacy.report_privacy_request", request.ids)[0]
            .decode()
        )
        self.assertIn(sections["pos.order"]["label"], html)
        self.assertIn("无人接听", html)

    def test_preview_in_the_officer_language(self):
        """The preview names data and fields as the officer reads them."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["base", "point_of_sale", "retail_crm_privacy"], ["zh_CN"]
        )
        self.officer.lang = "zh_CN"
        member, *_rest = self._member()
        request = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.officer)
            .create({"partner_id": member.id, "request_type": "erasure"})
        )
        action = request.action_open_erasure_preview()
        preview = self.env["retail.crm.erasure.preview"].with_user(self.officer).browse(action["res_id"])
        zh = self.env(context=dict(self.env.context, lang="zh_CN"))
        lines = {(line.model, line.field, line.action): line for line in preview.line_ids}
        orders = lines[("pos.order", "", "keep")]
        self.assertEqual(orders.model_label, zh["ir.model"]._get("pos.order").name)
        self.assertNotEqual(orders.model_label, "Point of Sale Orders")
        mobile = lines[("res.partner", "mobile", "clear")]
        self.assertEqual(
            mobile.field_label, zh["ir.model.fields"]._get("res.partner", "mobile").field_description
        )
        self.assertNotEqual(mobile.field_label, "Mobile")
