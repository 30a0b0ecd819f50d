from datetime import timedelta

from odoo.tests import tagged

from .test_replenishment import ReplenishmentCommon


@tagged("post_install", "-at_install")
class TestReplenishmentReminder(ReplenishmentCommon):
    """Series 30 days apart, last purchase 20 days ago: expected in 10 days,
    reminder day (3 days before) in 7 days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"].search([("name", "=", "retail_crm_rfm")])._update_translations(["zh_CN"])
        cls.last = cls.today - timedelta(days=20)
        cls.expected = cls.last + timedelta(days=30)
        cls.reminder_day = cls.expected - timedelta(days=3)
        cls.consenting = cls._member(
            "孙丽", mobile="+86 138 0013 8001", email="sunli@example.cn", lang="zh_CN"
        )
        cls.no_consent = cls._member("孙丽丽", mobile="+86 139-0013-9002", email="sunlili@example.cn")
        cls.sms_blacklisted = cls._member("周杰", mobile="+8613800138003", email="zhoujie@example.cn")
        cls.all_blacklisted = cls._member("周杰伦", mobile="+8613800138004", email="zjl@example.cn")
        cls.members = cls.consenting | cls.no_consent | cls.sms_blacklisted | cls.all_blacklisted
        cls._consent_to_marketing(cls.consenting | cls.sms_blacklisted | cls.all_blacklisted)
        # they opted out (unsubscribed) after consenting
        cls.env["phone.blacklist"]._add(
            [p.phone_sanitized for p in cls.sms_blacklisted | cls.all_blacklisted]
        )
        cls.env["mail.blacklist"]._add(cls.all_blacklisted.email)
        for partner in cls.members:
            for offset in (90, 60, 30, 0):
                cls._buy(partner, cls.last - timedelta(days=offset), [(cls.toothpaste, 1)])

    def _run(self, day):
        return self.Rep._cron_replenishment(today=day)

    def _activities(self, partners=None):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", (partners or self.members).ids),
                ("activity_type_id", "=", self.env.ref("retail_crm_rfm.mail_activity_type_replenishment").id),
            ]
        )

    def _sms(self):
        return self.env["sms.sms"].search([("partner_id", "in", self.members.ids)])

    def _mails(self):
        rows = self.Rep.search([("partner_id", "in", self.members.ids)])
        return self.env["mail.mail"].search([("model", "=", self.Rep._name), ("res_id", "in", rows.ids)])

    def test_reminders_on_the_right_day_once(self):
        self.assertFalse(self._run(self.reminder_day - timedelta(days=1)) & self.Rep.search([]))
        self.assertFalse(self._activities(), "nothing before the reminder day")
        reminded = self._run(self.reminder_day)
        self.assertEqual(reminded.partner_id, self.members)
        activities = self._activities()
        self.assertEqual(len(activities), 4)
        self.assertEqual(activities.user_id, self.salesperson)
        self.assertEqual(set(activities.mapped("date_deadline")), {self.expected})
        self.assertEqual(set(reminded.mapped("reminded_date")), {self.expected})
        # the same day again, and the next day: no duplicate
        self._run(self.reminder_day)
        self._run(self.reminder_day + timedelta(days=1))
        self.assertEqual(len(self._activities()), 4)
        # SMS: the consenting customer (and, without the privacy addon, the one
        # who never consented); the blacklisted numbers get none
        texted = self.consenting if "retail.crm.consent" in self.env else self.consenting | self.no_consent
        self.assertEqual(self._sms().partner_id, texted)
        # after the expected day has passed without purchase: no late reminder
        self.assertFalse(self._run(self.expected + timedelta(days=1)) & reminded)
        # a new purchase starts a new cycle, reminded once on its own day
        self._buy(self.consenting, self.reminder_day, [(self.toothpaste, 1)])
        row = self._rows(self.consenting, self.toothpaste)
        self._run(self.reminder_day)
        row.invalidate_recordset()
        self.assertEqual(row.last_date, self.reminder_day)
        next_day = row.expected_date
        self.assertGreater(next_day, self.expected)
        self._run(next_day - timedelta(days=3))
        self._run(next_day - timedelta(days=2))
        self.assertEqual(len(self._activities(self.consenting)), 2)

    def test_two_items_due_the_same_day(self):
        """Two products due together: one activity for the customer listing
        both (Odoo subscribes the salesperson once per customer)."""
        partner = self._member("吴敏")
        for offset in (90, 60, 30, 0):
            self._buy(partner, self.last - timedelta(days=offset), [(self.toothpaste, 1), (self.brush, 1)])
        reminded = self._run(self.reminder_day)
        self.assertEqual(len(reminded.filtered(lambda r: r.partner_id == partner)), 2)
        activity = self._activities(partner)
        self.assertEqual(len(activity), 1)
        self.assertIn("牙膏", activity.summary)
        self.assertIn("牙刷", activity.summary)
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertIn(self.salesperson.partner_id, partner.message_partner_ids)

    def test_consent_and_blacklists(self):
        self._run(self.reminder_day)
        sms = self._sms()
        mails = self._mails()
        # the activity for the salesperson is created whatever the consent
        self.assertEqual(self._activities().mapped("res_id"), self.members.ids)
        if "retail.crm.consent" in self.env:
            self.assertNotIn(self.no_consent, sms.partner_id | mails.recipient_ids)
        else:
            # without the privacy addon the blacklists alone decide
            self.assertIn(self.no_consent, sms.partner_id)
        self.assertIn(self.consenting, sms.partner_id)
        self.assertNotIn(self.sms_blacklisted, sms.partner_id)
        # SMS blacklisted: the e-mail is the fallback; both blacklisted: nothing
        self.assertIn(self.sms_blacklisted, mails.recipient_ids)
        self.assertNotIn(self.all_blacklisted, sms.partner_id | mails.recipient_ids)
        self.assertNotIn(self.consenting, mails.recipient_ids, "one message per reminder")

    def test_text_in_chinese(self):
        self._run(self.reminder_day)
        sms = self._sms().filtered(lambda s: s.partner_id == self.consenting)
        self.assertEqual(len(sms), 1)
        self.assertIn("您常买的牙膏快用完了", sms.body)
        self.assertEqual(sms.number, "+8613800138001")
        self.assertIn("牙膏", self._activities(self.consenting).summary)

    def test_channel_none(self):
        self.company_a.retail_replenishment_channel = "none"
        self._run(self.reminder_day)
        self.assertFalse(self._sms())
        self.assertFalse(self._mails())
        self.assertEqual(len(self._activities()), 4)

    def test_refused_profiling_gets_no_forecast(self):
        if "retail.crm.consent" not in self.env:
            self.skipTest("consent is recorded by retail_crm_privacy, not installed")
        purpose = self.env["retail.crm.consent.purpose"].search([("code", "=", "profiling")])
        self.env["retail.crm.consent"]._record(self.consenting, purpose, "withdrawn")
        self._run(self.reminder_day)
        self.assertFalse(self._rows(self.consenting))
        self.assertFalse(self._activities(self.consenting))
        self.assertTrue(self._activities(self.no_consent))
