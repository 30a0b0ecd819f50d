import json

from odoo.addons.point_of_sale.tests.common import TestPoSCommon
from odoo.tests import tagged

from .audit_common import AuditMixin, identifiers
from .audit_people import (
    BANK,
    BARCODE,
    GIVEN,
    NAME,
    NEW_EMAIL,
    OLD_EMAIL,
    OLD_STREET,
    STREET,
    AuditPeopleMixin,
)
from .common import ErasureTestMixin, PrivacyCommonMixin

VALUES = identifiers(
    NAME, GIVEN, ["Nana", "Ouyang"], [OLD_EMAIL, NEW_EMAIL], [OLD_STREET, STREET], BANK, BARCODE
)


@tagged("post_install", "-at_install")
class TestErasureAudit(PrivacyCommonMixin, ErasureTestMixin, AuditMixin, AuditPeopleMixin, TestPoSCommon):
    """The independent audit of an erasure: a person with everything a store
    holds about them, among customers who share or contain their name; after
    the erasure no column of any table nor any file holds one of their
    identifiers, no row that existed before them changed, the store's totals
    are the same, the audit record is the preview."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.config = cls.basic_config
        cls.audit_product = cls.create_product("丝巾", cls.categ_basic, 100.0)

    def setUp(self):
        super().setUp()
        for addon in ("retail_crm_loyalty", "retail_crm_complaints"):
            if addon not in self.env.registry._init_modules:
                self.skipTest(f"{addon} is not installed")
        # the POS test base disables tracking: the person's edits are tracked here
        self.env = self.env(
            context=dict(
                self.env.context, tracking_disable=False, mail_notrack=False, mail_create_nolog=False
            )
        )
        # the company is American, the person's numbers Chinese
        self.env.company.country_id = self.env.ref("base.us")
        self.open_new_session()

    def _erase_as_officer(self, person):
        request = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.officer)
            .create({"partner_id": person.id, "request_type": "erasure"})
        )
        action = request.action_open_erasure_preview()
        preview = self.env["retail.crm.erasure.preview"].with_user(self.officer).browse(action["res_id"])
        previewed = preview._previewed_lines()
        preview.confirmed = True
        preview.action_erase()
        self.assertEqual(request.state, "done")
        self.assertEqual(request.erasure_log_id.plan_lines, previewed, "the audit record is the preview")
        return request.erasure_log_id

    def _audit(self, member):
        witnesses, _product, _orders, _complaint = self._witnesses()
        baseline = self._scan(VALUES)
        files = self._filestore()
        initial = self._db_state()
        person, _child, _orders, _cards, _complaints = self._rich_person(member=member, referrer=witnesses[4])
        # an access request answered before the erasure request
        access = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.officer)
            .create({"partner_id": person.id, "request_type": "access"})
        )
        access.action_export()
        stored = self._residue(baseline, self._scan(VALUES))
        for value in (
            NAME,
            NEW_EMAIL,
            OLD_EMAIL,
            "139-5724-6813",
            "110105199011301233",
            "1990-11-30",
            STREET,
        ):
            self.assertIn(value, stored, f"{value} was not stored: the audit would prove nothing")
        totals = self._totals()
        before = self._db_state()

        self._erase_as_officer(person)
        self.env.cr.postcommit.run()

        problems = []
        for value, rows in self._residue(baseline, self._scan(VALUES)).items():
            problems.append(f"residue {value!r}: {rows}")
        new_files = self._filestore() - files
        for path, hits in self._file_residue(new_files, VALUES).items():
            problems.append(f"file {path}: {hits}")
        for path in self._orphans(new_files):
            problems.append(f"file of a deleted attachment left on disk: {path}")
        after = self._db_state()
        for change in self._collateral(initial, before, after):
            problems.append(f"collateral {change}")
        self.assertEqual(self._totals(), totals, "the store's totals")
        self.assertFalse(problems, "\n".join(problems))
        self.assertFalse(person.active)
        self.assertFalse(witnesses.filtered(lambda w: not w.active))

    def test_member_erased_no_residue_no_collateral(self):
        self._audit(member=True)

    def test_customer_erased_no_residue_no_collateral(self):
        self._audit(member=False)

    def _make_dormant(self, people, day="2020-01-01 10:00:00"):
        """Close the people's complaints, spend their points, and move all
        their activity before the retention period."""
        complaints = self.env["retail.crm.complaint"].search([("partner_id", "in", people.ids)])
        complaints.write(
            {
                "root_cause_id": self.env["retail.crm.complaint.cause"].search([], limit=1).id,
                "corrective_action": "更换供应商",
                "stage_id": self.env["retail.crm.complaint.stage"]
                .search([("is_closed", "=", True)], limit=1)
                .id,
            }
        )
        self.env["loyalty.card"].search(
            [("partner_id", "in", people.ids), ("program_type", "=", "loyalty")]
        ).points = 0
        self.env.flush_all()
        ids = people.ids
        for query in (
            "UPDATE res_partner SET create_date = %(day)s WHERE id = ANY(%(ids)s) OR parent_id = ANY(%(ids)s)",
            "UPDATE pos_order SET date_order = %(day)s WHERE partner_id = ANY(%(ids)s)",
            "UPDATE retail_crm_consent SET create_date = %(day)s WHERE partner_id = ANY(%(ids)s)",
            "UPDATE mail_message SET date = %(day)s WHERE author_id = ANY(%(ids)s)",
            "UPDATE retail_crm_complaint SET date_received = %(day)s WHERE partner_id = ANY(%(ids)s)",
            "UPDATE retail_crm_privacy_request SET request_date = %(day)s WHERE partner_id = ANY(%(ids)s)",
            "UPDATE survey_user_input SET create_date = %(day)s WHERE partner_id = ANY(%(ids)s)",
        ):
            self.env.cr.execute(query, {"day": day, "ids": ids})
        self.env.invalidate_all()

    def test_retention_run_no_residue_no_collateral_idempotent(self):
        """Retention anonymises a dormant member with everything a store
        holds, leaves nothing and changes no one else; a customer who
        answered a survey last week is active; a second run does nothing."""
        witnesses, _product, _orders, _complaint = self._witnesses()
        baseline = self._scan(VALUES)
        files = self._filestore()
        initial = self._db_state()
        person, _child, _orders, _cards, _complaints = self._rich_person(member=True, referrer=witnesses[4])
        respondent = self.env["res.partner"].create({"name": "问卷顾客", "mobile": "+8613700001234"})
        self._make_dormant(person | respondent)
        self._nps(respondent, "上周答的问卷：店员很好", score=10)
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("retail_crm_privacy.retention_days", "365")
        icp.set_param("retail_crm_privacy.retention_auto", "True")
        Partner = self.env["res.partner"]
        candidates = Partner._privacy_retention_candidates()
        self.assertIn(person, candidates)
        self.assertNotIn(respondent, candidates, "answered a survey last week")
        self.assertFalse(candidates & witnesses)
        totals = self._totals()
        before = self._db_state()

        logs = Partner._cron_privacy_retention()
        self.env.cr.postcommit.run()
        self.assertEqual(logs.partner_id, person)
        problems = [
            f"residue {v!r}: {rows}" for v, rows in self._residue(baseline, self._scan(VALUES)).items()
        ]
        new_files = self._filestore() - files
        problems += [f"file {p}: {hits}" for p, hits in self._file_residue(new_files, VALUES).items()]
        problems += [f"file left on disk: {p}" for p in self._orphans(new_files)]
        after = self._db_state()
        problems += [f"collateral {change}" for change in self._collateral(initial, before, after)]
        self.assertFalse(problems, "\n".join(problems))
        totals_after = self._totals()
        # membership ended, recorded in the tier history; everything else the same
        self.assertEqual(totals_after, totals)
        self.assertFalse(Partner._cron_privacy_retention(), "idempotent: nobody left to anonymise")
        self.assertEqual(self._db_state(), after, "a second run changes nothing")

    def test_access_export_of_everything_readable(self):
        """The access export of the person: one section per kind of data,
        the parts of their records (order lines, payments, points history,
        survey answers) under them, labels in Chinese; JSON and report."""
        self.env["res.lang"]._activate_lang("zh_CN")
        modules = ["base", "mail", "point_of_sale", "loyalty", "survey", "retail_crm_privacy"]
        self.env["ir.module.module"]._load_module_terms(modules, ["zh_CN"], overwrite=True)
        witnesses, _product, _orders, _complaint = self._witnesses()
        person, _child, orders, _cards, complaints = self._rich_person(member=True, referrer=witnesses[4])
        person.lang = "zh_CN"
        request = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.officer)
            .create({"partner_id": person.id, "request_type": "access"})
        )
        request.action_export()
        data = json.loads(request.export_attachment_id.raw)
        sections = {section["model"]: section for section in data["sections"]}
        expected = {
            "res.partner",
            "res.partner.bank",
            "pos.order",
            "loyalty.card",
            "retail.crm.tier.history",
            "retail.crm.referral",
            "retail.crm.complaint",
            "retail.crm.consent",
            "survey.user_input",
            "rating.rating",
            "mail.message",
            "mail.activity",
            "ir.attachment",
            "mail.blacklist",
            "phone.blacklist",
            "sms.sms",
            "mail.mail",
        }
        if "retail.crm.rfm.snapshot" in self.env:
            expected |= {"retail.crm.rfm.snapshot", "mailing.contact", "mailing.trace"}
        self.assertEqual(expected - set(sections), set(), "sections missing from the export")
        zh = self.env(context=dict(self.env.context, lang="zh_CN"))
        for model_name in expected:
            self.assertEqual(sections[model_name]["label"], zh["ir.model"]._get(model_name).name, model_name)
        text = json.dumps(data, ensure_ascii=False)
        for value in (
            "店员态度差",
            "要礼盒",
            "OUYANG NANA",
            "生日双倍积分",
            BANK,
            "无人接听",
            complaints[0].name,
        ):
            self.assertIn(value, text)
        order = next(r for r in sections["pos.order"]["records"] if r["id"] == orders[0].id)
        labels = {child["label"] for child in order.get("children", [])}
        self.assertIn(zh["pos.order"]._fields["lines"]._description_string(zh), labels)
        self.assertIn(zh["pos.order"]._fields["payment_ids"]._description_string(zh), labels)
        # the PDF is this HTML through wkhtmltopdf (test_export_pdf, an HttpCase:
        # the renderer fetches the report's assets from the server)
        html = (
            self.env["ir.actions.report"]
            .with_user(self.officer)
            ._render_qweb_html("retail_crm_privacy.report_privacy_request", request.ids)[0]
            .decode()
        )
        for model_name in ("pos.order", "survey.user_input", "res.partner.bank"):
            self.assertIn(sections[model_name]["label"], html)
        self.assertIn("店员态度差", html)

    def test_the_auditor_sees_a_change_and_a_residue(self):
        """The audit's own tools: a changed or deleted row of another person
        and a value left behind are reported (the audits above can fail)."""
        witnesses, _product, orders, _complaint = self._witnesses()
        baseline = self._scan(VALUES)
        initial = self._db_state()
        person = self.env["res.partner"].create({"name": "临时顾客", "comment": f"<p>{NEW_EMAIL}</p>"})
        before = self._db_state()
        witnesses[2].comment = "<p>改过</p>"
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM pos_order_line WHERE order_id = %s", [orders[1].id])
        after = self._db_state()
        changes = self._collateral(initial, before, after)
        self.assertIn(("res_partner", witnesses[2].id, "changed"), changes)
        self.assertTrue(any(c[0] == "pos_order_line" and c[2] == "deleted" for c in changes))
        self.assertNotIn(("res_partner", person.id, "changed"), changes)
        self.assertIn(
            ("res_partner", "comment", person.id), self._residue(baseline, self._scan(VALUES))[NEW_EMAIL]
        )
