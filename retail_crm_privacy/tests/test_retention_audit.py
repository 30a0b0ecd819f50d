from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from ..models import privacy_match
from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestRetentionAudit(PrivacyCommonMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.icp = cls.env["ir.config_parameter"].sudo()

    def test_retention_preview_then_execution(self):
        Partner = self.env["res.partner"]
        old = Partner.create({"name": "Dormant Customer", "mobile": "+8613011112222"})
        recent = Partner.create({"name": "Recent Customer", "mobile": "+8613011113333"})
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET create_date = '2020-01-01 10:00:00' WHERE id = %s", [old.id]
        )
        # disabled by default
        self.assertFalse(Partner._privacy_retention_candidates())
        self.icp.set_param("retail_crm_privacy.retention_days", "365")
        candidates = Partner._privacy_retention_candidates()
        self.assertIn(old, candidates)
        self.assertNotIn(recent, candidates)
        self.assertNotIn(self.env.company.partner_id, candidates)
        self.assertNotIn(self.cashier.partner_id, candidates)
        action = Partner.action_privacy_retention_preview()
        self.assertIn(old, Partner.with_context(active_test=False).search(action["domain"]))
        # preview changed nothing; the cron does nothing until automatic mode is on
        Partner._cron_privacy_retention()
        self.assertEqual(old.mobile, "+8613011112222")
        self.icp.set_param("retail_crm_privacy.retention_auto", "True")
        Partner._cron_privacy_retention()
        self.assertFalse(old.mobile)
        self.assertTrue(old.privacy_erased_date)
        self.assertEqual(recent.mobile, "+8613011113333")
        log = self.env["retail.crm.erasure.log"].search([("partner_id", "=", old.id)])
        self.assertEqual(log.reason, "retention")
        # idempotent: erased customers are no longer candidates
        self.assertNotIn(old, Partner._privacy_retention_candidates())

    def _age(self, partners, day="2020-01-01 10:00:00"):
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_partner SET create_date = %s WHERE id = ANY(%s)", [day, partners.ids])
        partners.invalidate_recordset(["create_date"])

    def test_retention_by_real_inactivity(self):
        """Only customers with no activity at all in the period are candidates:
        a recent complaint, consent or message keeps them; an open request or
        complaint, or loyalty points above the threshold, always keeps them."""
        Partner = self.env["res.partner"]
        names = ["Dormant", "Consent", "Message", "Request", "Complaint", "Open complaint", "Points"]
        people = Partner.create(
            [{"name": f"Ret {n}", "mobile": f"+86130111{i:05d}"} for i, n in enumerate(names)]
        )
        by_name = dict(zip(names, people, strict=True))
        member_installed = "retail_is_member" in Partner._fields
        if member_installed:
            by_name["Dormant"].retail_is_member = True
        self.env["retail.crm.consent"]._record(by_name["Consent"], self.purpose_sms, "granted")
        self.env["mail.message"].create(
            {
                "model": "res.partner",
                "res_id": by_name["Message"].id,
                "author_id": by_name["Message"].id,
                "message_type": "email",
                "body": "请帮我查一下积分",
            }
        )
        self.env["retail.crm.privacy.request"].create(
            {"partner_id": by_name["Request"].id, "request_type": "access"}
        )
        if "retail.crm.complaint" in self.env:
            complaint = self.env["retail.crm.complaint"].create(
                {"subject": "Old", "partner_id": by_name["Open complaint"].id}
            )
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE retail_crm_complaint SET date_received = '2020-02-01' WHERE id = %s", [complaint.id]
            )
            self.env["retail.crm.complaint"].create(
                {"subject": "Today", "partner_id": by_name["Complaint"].id}
            )
        if "loyalty.card" in self.env:
            program = self.env["loyalty.program"].create({"name": "Points", "program_type": "loyalty"})
            self.env["loyalty.card"].create(
                {"program_id": program.id, "partner_id": by_name["Points"].id, "points": 500}
            )
        self._age(people)
        self.icp.set_param("retail_crm_privacy.retention_days", "365")
        candidates = Partner._privacy_retention_candidates()
        self.assertIn(by_name["Dormant"], candidates)
        for name in names[1:]:
            if name in ("Complaint", "Open complaint") and "retail.crm.complaint" not in self.env:
                continue
            if name == "Points" and "loyalty.card" not in self.env:
                continue
            self.assertNotIn(by_name[name], candidates, name)
        if "loyalty.card" in self.env:
            self.icp.set_param("retail_crm_privacy.retention_points_threshold", "1000")
            self.assertIn(by_name["Points"], Partner._privacy_retention_candidates())
            self.icp.set_param("retail_crm_privacy.retention_points_threshold", "0")
        # preview first: nothing changes until automatic mode is on
        Partner._cron_privacy_retention()
        self.assertEqual(by_name["Dormant"].mobile, "+8613011100000")
        self.icp.set_param("retail_crm_privacy.retention_auto", "True")
        logs = Partner._cron_privacy_retention()
        self.assertIn(by_name["Dormant"], logs.partner_id)
        self.assertTrue(by_name["Dormant"].privacy_erased_date)
        self.assertFalse(by_name["Dormant"].mobile)
        if member_installed:
            self.assertFalse(by_name["Dormant"].retail_is_member)
        self.assertTrue(by_name["Consent"].mobile)
        # idempotent: a second run erases nobody again
        self.assertFalse(Partner._cron_privacy_retention())

    def test_patterns_boundaries_next_to_chinese(self):
        """Identifiers match in every spelling, next to Chinese characters,
        never inside a longer number or address."""
        phone = privacy_match.phone_pattern("13957246813", "CN")
        email = privacy_match.email_pattern("Zhang.San@QQ.com")
        name = privacy_match.word_pattern("王芳")
        ascii_name = privacy_match.word_pattern("Anna")
        pattern = privacy_match.combine([phone, email, name, ascii_name])
        cases = {
            "手机13957246813无人接听": "手机[erased]无人接听",
            "电话139-5724-6813或+86-139-5724-6813": "电话[erased]或[erased]",
            "(+86) 139 5724 6813，0086 13957246813": "([erased]，[erased]",
            "尾号57246813": "尾号[erased]",
            "139572468130 和 2139572468131": "139572468130 和 2139572468131",
            "我是王芳，邮箱zhang.san@qq.com。": "我是[erased]，邮箱[erased]。",
            "xzhang.san@qq.com Annabelle ANNA": "xzhang.san@qq.com Annabelle [erased]",
        }
        for text, expected in cases.items():
            self.env.cr.execute("SELECT regexp_replace(%s, %s, '[erased]', 'gi')", [text, pattern])
            self.assertEqual(self.env.cr.fetchone()[0], expected, text)
        self.assertFalse(privacy_match.email_pattern(""))
        self.assertTrue(privacy_match.email_pattern("zhangsan at qq"))

    def _insert_reads(self, user, day, count, offset=0):
        with freeze_time(day):
            partners = self.env["res.partner"].create(
                [{"name": f"Read {day} {i}", "mobile": f"+861380000{offset + i:04d}"} for i in range(count)]
            )
            self.env.flush_all()
            self.env["retail.crm.privacy.access.log"].with_user(user)._log_access(
                partners.ids, {"mobile"}, "rpc"
            )
            self.env.cr.execute(
                "UPDATE retail_crm_privacy_access_log SET date = %s WHERE partner_id = ANY(%s)",
                [datetime.fromisoformat(day), partners.ids],
            )

    def test_alert_on_unusual_volume(self):
        self.icp.set_param("retail_crm_privacy.alert_minimum", "20")
        self.icp.set_param("retail_crm_privacy.alert_factor", "3")
        for n, day in enumerate(["2026-02-10 10:00:00", "2026-02-11 10:00:00"]):
            self._insert_reads(self.cashier, day, 5, offset=n * 10)
            self._insert_reads(self.cashier_2, day, 5, offset=100 + n * 10)
        self._insert_reads(self.cashier, "2026-03-01 10:00:00", 40, offset=200)
        self._insert_reads(self.cashier_2, "2026-03-01 10:00:00", 6, offset=300)
        Alert = self.env["retail.crm.privacy.alert"]
        alerts = Alert._detect_anomalies(day=date(2026, 3, 1))
        self.assertEqual(alerts.user_id, self.cashier)
        self.assertEqual(alerts.partner_count, 40)
        self.assertTrue(alerts.activity_ids)
        self.assertEqual(alerts.activity_ids.user_id, self.officer)
        # idempotent
        self.assertFalse(Alert._detect_anomalies(day=date(2026, 3, 1)))
        # the officer reviews it
        alerts.with_user(self.officer).action_mark_reviewed()
        self.assertEqual(alerts.state, "reviewed")

    def test_retention_settings_validated(self):
        for vals in ({"privacy_retention_days": -1}, {"privacy_retention_points_threshold": -5}):
            with self.assertRaises(ValidationError):
                self.env["res.config.settings"].create(vals)
