import io
import json
import re
import zipfile

from odoo import http
from odoo.tests import tagged

from .penetration_common import PenetrationCommon

# a report a cashier may print on a customer, printing personal values with
# every directive but t-field
OUT_ARCH = """
<t t-name="retail_crm_privacy.pen_partner_out">
    <t t-call="web.html_container">
        <t t-foreach="docs" t-as="partner">
            <p class="o_mobile"><t t-out="partner.mobile"/> / <t t-esc="partner.phone"/></p>
            <p class="o_email"><t t-esc="partner.email"/></p>
            <p class="o_address"><t t-out="partner.street"/> <t t-out="partner.street2"/>
                <t t-out="partner.zip"/> <t t-out="partner.vat"/></p>
            <a t-att-href="'mailto:' + (partner.email or '')">mail</a>
            <p class="o_derived"><t t-out="(partner.mobile or '').replace(' ', '').replace('-', '')"/></p>
            <p class="o_name"><t t-out="partner.name"/></p>
        </t>
    </t>
</t>
"""


@tagged("post_install", "-at_install")
class TestPrivacyPenetrationRoutes(PenetrationCommon):
    """More routes of the restricted cashier over HTTP: QWeb reports and mail
    templates printing personal values with t-out/t-esc, grouped reads,
    exports, field metadata, onchange."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.ui.view"].create(
            {"name": "pen out", "type": "qweb", "key": "retail_crm_privacy.pen_partner_out", "arch": OUT_ARCH}
        )
        cls.env["ir.actions.report"].create(
            {
                "name": "Pen partner out",
                "model": "res.partner",
                "report_type": "qweb-html",
                "report_name": "retail_crm_privacy.pen_partner_out",
            }
        )
        cls.template = cls.env["mail.template"].create(
            {
                "name": "Pen probe",
                "model_id": cls.env["ir.model"]._get_id("res.partner"),
                "subject": "Hi {{ object.mobile }} {{ object.email }}",
                "body_html": '<p><t t-out="object.street"/> <t t-out="object.mobile"/> <t t-out="object.vat"/></p>',
            }
        )

    def assertNoSecret(self, text, route):
        digits = re.sub(r"[\s\-]", "", text)
        for secret in self.secrets:
            self.assertNotIn(secret, text, f"{route} leaks {secret!r}")
            if secret.isdigit():
                self.assertNotIn(secret, digits, f"{route} leaks {secret!r}")

    def test_report_t_out_over_http(self):
        """/report/html of a report printing with t-out/t-esc/t-att: the
        colleague's customer masked, the cashier's own in clear."""
        route = f"/report/html/retail_crm_privacy.pen_partner_out/{self.own.id},{self.other.id}"
        response = self.url_open(route)
        self.assertEqual(response.status_code, 200)
        self.assertNoSecret(response.text, route)
        self.assertIn("139****9000", response.text)
        self.assertIn("wang.fang@example.cn", response.text)
        self.assertIn("南京路 88 号", response.text)
        self.assertIn("王芳芳", response.text)

    def test_mail_template_routes(self):
        """The template preview and the composer render a template for the
        cashier: QWeb body and inline subject."""
        preview = self._ok(
            self._call(
                "mail.template.preview",
                "web_save",
                [[], {"mail_template_id": self.template.id, "resource_ref": f"res.partner,{self.other.id}"}],
                {"specification": {"subject": {}, "body_html": {}}},
            )
        )
        self.assertIn("139****9000", json.dumps(preview, ensure_ascii=False))
        composer = {
            "model": "res.partner",
            "res_ids": [self.other.id],
            "template_id": self.template.id,
            "composition_mode": "comment",
        }
        self._call(
            "mail.compose.message",
            "onchange",
            [[], {}, [], {"subject": {}, "body": {}, "template_id": {}, "model": {}, "res_ids": {}}],
            context={"default_" + key: value for key, value in composer.items()},
        )
        self._call(
            "mail.compose.message",
            "web_save",
            [[], {}],
            {"specification": {"subject": {}, "body": {}}},
            context={"default_" + key: value for key, value in composer.items()},
        )
        self.assertNoLeak()

    def test_grouped_reads_and_metadata(self):
        Partner = "res.partner"
        self._call(
            Partner, "read_group", [[], ["email"], ["email"]], {"lazy": False, "orderby": "email desc"}
        )
        self._call(Partner, "read_group", [[], ["zip", "city"], ["zip", "city"]], {"lazy": True})
        self._call(Partner, "web_read_group", [[], ["vat"], ["vat"]], {"orderby": "vat"})
        self._call(Partner, "fields_get", [], {"attributes": ["string", "type", "default"]})
        self._call(Partner, "default_get", [["email", "mobile", "street"]])
        self._call(
            Partner,
            "onchange",
            [
                [],
                {"parent_id": self.other.id, "name": "Child probe", "type": "contact"},
                ["parent_id"],
                {
                    "parent_id": {"fields": {"display_name": {}, "email": {}, "mobile": {}}},
                    "street": {},
                    "zip": {},
                    "email": {},
                    "child_ids": {"fields": {"email": {}, "mobile": {}}},
                },
            ],
        )
        self._call("pos.order", "name_search", ["", [("id", "=", self.order.id)]], {"limit": 10})
        self._call("pos.order", "name_search", ["王芳"], {"limit": 10})
        self._call(
            "pos.order",
            "read_group",
            [[("id", "=", self.order.id)], ["email:array_agg", "mobile:max"], ["partner_id"]],
        )
        self._call("pos.order", "web_read_group", [[("id", "=", self.order.id)], ["mobile"], ["mobile"]])
        self._call("pos.order", "search_read", [[("partner_id.mobile", "=like", "+86 139%")], ["partner_id"]])
        count = self._call("pos.order", "search_count", [[("partner_id.mobile", "=like", "+86 139%")]])
        self.assertEqual(count["result"], 0, "partner_id.mobile on orders is an oracle")
        self.assertNoLeak()

    def _xlsx_text(self, data):
        response = self.url_open(
            "/web/export/xlsx",
            data={"data": json.dumps(data), "csrf_token": http.Request.csrf_token(self)},
        )
        self.assertEqual(response.status_code, 200)
        with zipfile.ZipFile(io.BytesIO(response.content)) as book:
            return "".join(book.read(name).decode() for name in book.namelist() if name.endswith(".xml"))

    def test_export_xlsx(self):
        data = {
            "model": "res.partner",
            "fields": [{"name": f, "label": f} for f in ("name", "mobile", "email", "street", "vat")],
            "ids": [self.own.id, self.other.id],
            "domain": [],
            "import_compat": False,
            "context": {},
        }
        text = self._xlsx_text(data)
        self.assertIn("王芳芳", text)
        self.assertNoSecret(text, "/web/export/xlsx res.partner")
        data["fields"] = [{"name": f, "label": f} for f in ("name", "partner_id/mobile", "email", "mobile")]
        data.update(model="pos.order", ids=self.order.ids)
        self.assertNoSecret(self._xlsx_text(data), "/web/export/xlsx pos.order")
        # grouped export: the groups' headers are values of the column
        data.update(
            model="res.partner",
            ids=False,
            domain=[("id", "in", [self.own.id, self.other.id])],
            groupby=["email"],
            fields=[{"name": "name", "label": "name"}],
        )
        self.assertNoSecret(self._xlsx_text(data), "/web/export/xlsx grouped by email")

    def test_complaint_and_image_routes(self):
        if "retail.crm.complaint" not in self.env:
            self.skipTest("retail_crm_complaints not installed")
        complaint = self.env["retail.crm.complaint"].create(
            {"subject": "Leaking tin", "partner_id": self.other.id}
        )
        self.assertEqual(complaint.email_from, self.other.email)
        self._post(
            "/mail/thread/data",
            {
                "thread_model": "retail.crm.complaint",
                "thread_id": complaint.id,
                "request_list": ["followers", "suggestedRecipients"],
            },
        )
        self._call("retail.crm.complaint", "name_search", ["Leaking"], {"limit": 10})
        self._call(
            "retail.crm.complaint",
            "web_read",
            [complaint.ids, {"partner_id": {"fields": {"display_name": {}, "email": {}, "mobile": {}}}}],
        )
        self._call(
            "retail.crm.complaint",
            "read_group",
            [[("id", "=", complaint.id)], ["partner_phone:array_agg", "email_from:max"], ["partner_id"]],
        )
        response = self.url_open(f"/web/image/res.partner/{self.other.id}/avatar_128")
        self.assertEqual(response.status_code, 200)
        self.assertNoSecret(response.content.decode("utf-8", "replace"), "/web/image")
        self.assertNoLeak()
