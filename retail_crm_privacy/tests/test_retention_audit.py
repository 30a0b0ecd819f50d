from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged

from ..models import privacy_tools
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

    def test_retention_erases_a_batch_with_one_sweep(self):
        Partner = self.env["res.partner"]
        dormant = Partner.create(
            [
                {"name": "Dormant One", "mobile": "+8613011114444", "email": "dormant.one@example.cn"},
                {"name": "Dormant Two", "mobile": "+8613011115555"},
            ]
        )
        witness = Partner.create(
            {
                "name": "Store Notes",
                "comment": "<p>Call +8613011114444 or +8613011115555; cc dormant.one@example.cn</p>",
            }
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET create_date = '2020-01-01 10:00:00' WHERE id IN %s", [tuple(dormant.ids)]
        )
        self.icp.set_param("retail_crm_privacy.retention_days", "365")
        self.icp.set_param("retail_crm_privacy.retention_auto", "True")
        Partner._cron_privacy_retention(batch_size=10)
        self.assertTrue(all(dormant.mapped("privacy_erased_date")))
        self.assertFalse(any(dormant.mapped("mobile")))
        # the text of both persons elsewhere is gone, rewritten by the batch's single sweep
        witness.invalidate_recordset()
        self.assertNotIn("8613011114444", str(witness.comment))
        self.assertNotIn("8613011115555", str(witness.comment))
        self.assertNotIn("dormant.one@example.cn", str(witness.comment))
        self.assertIn("[erased]", str(witness.comment))
        logs = self.env["retail.crm.erasure.log"].search([("partner_id", "in", dormant.ids)])
        self.assertEqual(len(logs), 2)
        for log in logs:
            self.assertEqual(log.reason, "retention")
            self.assertIn("text sweep shared by a batch of", log.summary)
            self.assertIn("text rewritten in res_partner", log.summary)
        self.assertEqual(len(set(logs.mapped("subject_hash"))), 2, "one proof per person")

    def test_sweep_pattern_whole_words(self):
        pattern = privacy_tools.erasure_regex({"Anna", "+8613800138000", "anna@example.cn", "王伟"})
        self.env.cr.execute(
            "SELECT regexp_replace(%s, %s, '[erased]', 'gi')",
            [
                "Annabelle met ANNA (anna@example.cn, +8613800138000) and 王伟先生; "
                "xanna@example.cn +86138001380001",
                pattern,
            ],
        )
        self.assertEqual(
            self.env.cr.fetchone()[0],
            "Annabelle met [erased] ([erased], [erased]) and [erased]先生; xanna@example.cn +86138001380001",
        )

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
