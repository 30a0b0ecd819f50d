import hashlib
from datetime import date, datetime
from unittest.mock import patch

from odoo.addons.retail_crm_complaints.models import retail_crm_voice
from odoo.addons.retail_crm_loyalty.tests.common import RetailLoyaltyPosCommon
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

# 12:00 in Shanghai on 10 November 2026
SOLD_AT = datetime(2026, 11, 10, 4, 0)
SOLD_ON = date(2026, 11, 10)


@tagged("post_install", "-at_install")
class TestCustomerVoice(RetailLoyaltyPosCommon):
    """Post-purchase CSAT and quarterly NPS through Odoo's survey app."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.Voice = cls.env["retail.crm.voice"]
        cls.Answer = cls.env["survey.user_input"]
        cls.csat_survey = cls.env.ref("retail_crm_complaints.survey_csat")
        cls.nps_survey = cls.env.ref("retail_crm_complaints.survey_nps")
        cls.company.write(
            {
                "retail_csat_survey_id": cls.csat_survey.id,
                "retail_csat_delay_days": 1,
                "retail_csat_sample_rate": 100,
                "retail_csat_cooldown_days": 30,
                "retail_nps_survey_id": cls.nps_survey.id,
                "retail_nps_sample_size": 2,
            }
        )
        cls.store_manager = new_test_user(
            cls.env,
            login="voice_store_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.config.retail_manager_id = cls.store_manager
        cls.member.email = "wang.fang@example.com"
        cls.member2.email = "li.lei@example.com"
        # 王芳 consented to e-mail marketing, 李雷 was never asked
        cls._consent(cls.member)

    @classmethod
    def _consent(cls, partners):
        if "retail.crm.consent" not in cls.env:
            return
        purposes = cls.env["retail.crm.consent.purpose"].search([("marketing_channel", "=", "email")])
        cls.env["retail.crm.consent"]._record(partners, purposes, "granted")

    def _members(self, name, email, mobile, count):
        """``count`` members named ``name 0``.., e-mail ``<email>0@example.com``..,
        mobile ``<mobile>00``.."""
        return self.env["res.partner"].create(
            [
                {
                    "name": f"{name} {i}",
                    "email": f"{email}{i}@example.com",
                    "mobile": f"{mobile}{i:02d}",
                    "retail_is_member": True,
                }
                for i in range(count)
            ]
        )

    def _sell(self, customer, when=SOLD_AT, qty=1):
        order, _data, _result = self._sync(customer, qty=qty)
        order.date_order = when
        return order

    def _answers(self, survey=None):
        """The answers about this test's store (a database may hold others)."""
        return self.Answer.search(
            [("survey_id", "=", (survey or self.csat_survey).id), ("retail_config_id", "=", self.config.id)]
        )

    def _answer(self, answer, score):
        """Answer as the survey controller does for a visitor with a token."""
        respondent = answer.sudo()
        respondent._save_lines(respondent.survey_id._retail_score_question(), str(score))
        respondent._mark_done()
        self.env.flush_all()
        return answer

    # ------------------------------------------------------------------
    def test_csat_after_the_delay_to_consenting_members_once(self):
        order = self._sell(self.member)
        self._sell(self.member2)
        self.Voice._cron_send_csat(today=SOLD_ON)
        self.assertFalse(self._answers(), "nobody is asked before the delay")

        self.Voice._cron_send_csat(today=date(2026, 11, 11))
        answers = self._answers()
        if "retail.crm.consent" in self.env:
            self.assertEqual(answers.partner_id, self.member, "only the member who consented is asked")
        self.assertEqual(answers.filtered(lambda a: a.partner_id == self.member).retail_pos_order_id, order)
        mine = answers.filtered(lambda a: a.partner_id == self.member)
        self.assertEqual(mine.retail_config_id, self.config)
        self.assertEqual(mine.retail_kind, "csat")
        self.assertFalse(self.env["mail.mail"].search([("recipient_ids", "in", self.member.ids)]))
        self.Voice._cron_send_invitations()
        self.Voice._cron_send_invitations()  # sent once
        mail = self.env["mail.mail"].search([("recipient_ids", "in", self.member.ids)])
        self.assertEqual(len(mail), 1)
        self.assertIn(mine.access_token, mail.body_html)
        self.assertTrue(mine.retail_invited)

        # the job runs twice, then again the next day: nobody asked twice
        self.Voice._cron_send_csat(today=date(2026, 11, 11))
        self.Voice._cron_send_csat(today=date(2026, 11, 12))
        self.assertEqual(self._answers(), answers)

    def test_csat_cool_down_sample_rate_and_refunds(self):
        self._sell(self.member, when=datetime(2026, 11, 1, 4, 0))
        self.Voice._cron_send_csat(today=date(2026, 11, 2))
        self.assertEqual(len(self._answers()), 1)
        # a second purchase within the 30-day cool-down: no second survey
        self._sell(self.member)
        self.Voice._cron_send_csat(today=date(2026, 11, 11))
        self.assertEqual(len(self._answers()), 1)

        # a purchase refunded the next day is not asked about
        self.company.retail_csat_cooldown_days = 0
        other = self.env["res.partner"].create(
            {
                "name": "王芳华",
                "email": "fanghua@example.com",
                "mobile": "139 0013 7000",
                "retail_is_member": True,
            }
        )
        self._consent(other)
        sold = self._sell(other, when=datetime(2026, 11, 20, 4, 0))
        refund = self._refund(sold)
        refund.date_order = datetime(2026, 11, 21, 2, 0)
        self.Voice._cron_send_csat(today=date(2026, 11, 21))
        self.assertFalse(self._answers().filtered(lambda a: a.partner_id == other))

        # sample rate 0: nobody
        self.company.retail_csat_sample_rate = 0
        self._sell(self.member, when=datetime(2026, 11, 25, 4, 0))
        self.Voice._cron_send_csat(today=date(2026, 11, 26))
        self.assertEqual(len(self._answers()), 1)

    def test_invitations_in_batches(self):
        members = self._members("批次", "b", "+86 135 0000 30", 5)
        self._consent(members)
        answers = self.Voice._retail_ask(
            self.company,
            self.csat_survey,
            "csat",
            date(2026, 11, 20),
            [{"partner": m.id, "config": self.config.id, "order": False} for m in members],
        )
        sent = self.Voice._cron_send_invitations(batch_size=2)
        self.assertEqual(len(sent), 2)
        while sent:
            sent = self.Voice._cron_send_invitations(batch_size=2)
        self.assertTrue(all(answers.mapped("retail_invited")))
        self.assertEqual(self.env["mail.mail"].search_count([("recipient_ids", "in", members.ids)]), 5)

    def test_nps_sample_per_store_is_topped_up_not_repeated(self):
        members = self._members("会员", "m", "+86 137 0000 10", 5)
        self._consent(members)
        for member in members | self.member2:
            self._sell(member)
        today = date(2026, 11, 20)
        self.Voice._cron_send_nps(today=today)
        first = self._answers(self.nps_survey)
        self.assertEqual(len(first), 2, "the sample size per store")
        self.assertEqual(set(first.mapped("retail_period")), {"2026-Q4"})
        if "retail.crm.consent" in self.env:
            self.assertNotIn(self.member2, first.partner_id, "no consent, no survey")
        # the job runs again in the quarter: nobody asked twice, nobody added
        self.Voice._cron_send_nps(today=date(2026, 11, 21))
        self.assertEqual(self._answers(self.nps_survey), first)
        # a bigger sample tops the quarter up with other members
        self.company.retail_nps_sample_size = 3
        self.Voice._cron_send_nps(today=date(2026, 11, 22))
        now = self._answers(self.nps_survey)
        self.assertEqual(len(now), 3)
        self.assertLessEqual(first, now)
        # next quarter: a new sample
        self._sell(members[0], when=datetime(2027, 1, 5, 4, 0))
        self.Voice._cron_send_nps(today=date(2027, 1, 6))
        self.assertEqual(
            len(self._answers(self.nps_survey).filtered(lambda a: a.retail_period == "2027-Q1")), 3
        )

    def test_nps_sample_is_the_first_reachable_members_in_the_quarter_order(self):
        """The sample walks the members in small steps (here 3, doubling) in
        the quarter's md5 order and stops when the store is full: the same
        members as ranking every active member first, without that cost."""
        members = self._members("张伟", "zw", "+86 139 0000 20", 12)
        reachable = members[::2]
        self._consent(reachable)
        for member in members[:10]:
            self._sell(member)
        # two bought only more than a year ago: not active, never sampled
        for member in members[10:]:
            self._sell(member, when=datetime(2025, 10, 1, 4, 0))
        self.company.retail_nps_sample_size = 4
        today = date(2026, 11, 20)
        with patch.object(retail_crm_voice, "NPS_CHUNK", 3):
            self.Voice._cron_send_nps(today=today)
        # the definition, computed the slow way: every reachable member whose
        # latest paid purchase of the last 12 months was at this store
        start = self.Voice._retail_local_bounds(self.company, date(2025, 11, 20), today)[0]
        everyone = self.env["res.partner"].search([("retail_is_member", "=", True)])
        at_store = self.env["res.partner"]
        for partner in everyone._retail_reachable_by_email(marketing=True):
            last = self.env["pos.order"].search(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", self.company.id),
                    ("state", "in", ("paid", "done", "invoiced")),
                    ("amount_total", ">", 0),
                    ("date_order", ">=", start),
                ],
                order="date_order desc, id desc",
                limit=1,
            )
            if last.config_id == self.config:
                at_store |= partner
        expected = sorted(at_store, key=lambda p: hashlib.md5(f"{p.id}2026-Q4".encode()).hexdigest())[:4]
        self.assertGreater(len(at_store), 4, "the walk needs more than one step")
        self.assertEqual(self._answers(self.nps_survey).partner_id, self.env["res.partner"].union(*expected))
        self.assertFalse(self._answers(self.nps_survey).partner_id & members[10:])

    def test_nps_and_csat_formulas_by_store(self):
        members = self._members("顾客", "c", "+86 136 0000 20", 5)
        self._consent(members)
        answers = self.Voice._retail_ask(
            self.company,
            self.nps_survey,
            "nps",
            date(2026, 11, 20),
            [{"partner": m.id, "config": self.config.id, "order": False} for m in members],
            period="2026-Q4",
        )
        self.assertEqual(len(answers), 5)
        for answer, score in zip(answers.sorted("id"), (10, 10, 9, 8, 3), strict=True):
            self._answer(answer, score)
        # promoters 3/5 = 60 %, detractors 1/5 = 20 %: NPS 40
        self.assertEqual(answers.mapped("retail_nps_class").count("promoter"), 3)
        report = self.env["retail.crm.voice.report"]
        [(nps, count)] = report._read_group(
            [("config_id", "=", self.config.id), ("kind", "=", "nps")], [], ["nps:avg", "answer_count:sum"]
        )
        self.assertAlmostEqual(nps, 40.0)
        self.assertEqual(count, 5)

        csat = self.Voice._retail_ask(
            self.company,
            self.csat_survey,
            "csat",
            date(2026, 11, 20),
            [{"partner": m.id, "config": self.config.id, "order": False} for m in members[:4]],
        )
        for answer, score in zip(csat.sorted("id"), (5, 4, 2, 3), strict=True):
            self._answer(answer, score)
        [(satisfied,)] = report._read_group([("kind", "=", "csat")], [], ["csat:avg"])
        self.assertAlmostEqual(satisfied, 50.0)

    def test_unhappy_answer_followed_up_once_and_turned_into_a_complaint(self):
        answer = self.Voice._retail_ask(
            self.company,
            self.nps_survey,
            "nps",
            date(2026, 11, 20),
            [{"partner": self.member.id, "config": self.config.id, "order": False}],
            period="2026-Q4",
        )
        self._answer(answer, 4)
        self.assertTrue(answer.retail_unhappy)
        activities = answer.activity_ids
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.store_manager)
        answer._retail_voice_after_done()
        self.assertEqual(len(answer.activity_ids), 1, "one follow-up per answer")

        # the store manager opens a complaint from the answer
        as_manager = answer.with_user(self.store_manager)
        as_manager.action_retail_create_complaint()
        complaint = answer.retail_complaint_id
        self.assertEqual(complaint.partner_id, self.member)
        self.assertEqual(complaint.config_id, self.config)
        as_manager.action_retail_create_complaint()
        self.assertEqual(
            self.env["retail.crm.complaint"].search_count([("partner_id", "=", self.member.id)]), 1
        )

        # a happy answer: no follow-up
        happy = self.Voice._retail_ask(
            self.company,
            self.csat_survey,
            "csat",
            date(2026, 11, 20),
            [{"partner": self.member.id, "config": self.config.id, "order": False}],
        )
        self._answer(happy, 5)
        self.assertFalse(happy.activity_ids)

    def test_respondent_reward_once_per_survey(self):
        program = self.env["loyalty.program"].create(
            {"name": "Thank-you coupon", "program_type": "coupons", "company_id": self.company.id}
        )
        self.company.retail_voice_coupon_program_id = program
        answers = self.env["survey.user_input"]
        for period in ("2026-Q3", "2026-Q4"):
            answers |= self.Voice._retail_ask(
                self.company,
                self.nps_survey,
                "nps",
                date(2026, 11, 20),
                [{"partner": self.member.id, "config": self.config.id, "order": False}],
                period=period,
            )
        for answer in answers:
            self._answer(answer, 9)
        cards = self.env["loyalty.card"].search([("program_id", "=", program.id)])
        self.assertEqual(len(cards), 1)
        self.assertEqual(cards.partner_id, self.member)

    def test_settings_are_validated(self):
        for field, value in (
            ("retail_csat_sample_rate", 150),
            ("retail_csat_sample_rate", -1),
            ("retail_csat_delay_days", -2),
            ("retail_csat_cooldown_days", -5),
            ("retail_nps_sample_size", 0),
        ):
            with self.subTest(field=field, value=value), self.assertRaises(ValidationError):
                with self.env.cr.savepoint():
                    self.company.write({field: value})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.company.retail_csat_survey_id = self.nps_survey  # 0-10 is no CSAT scale
        self.assertEqual(self.company.retail_csat_survey_id, self.csat_survey)

    def test_store_manager_cannot_edit_the_measure(self):
        answer = self.Voice._retail_ask(
            self.company,
            self.nps_survey,
            "nps",
            date(2026, 11, 20),
            [{"partner": self.member.id, "config": self.config.id, "order": False}],
            period="2026-Q4",
        )
        self._answer(answer, 3)
        with self.assertRaises(AccessError):
            answer.with_user(self.store_manager).write({"retail_score": 10})
        with self.assertRaises(AccessError):
            answer.with_user(self.store_manager).write({"retail_config_id": False})
        self.assertEqual(answer.retail_score, 3)

    def test_store_manager_reads_results_cashier_does_not(self):
        cashier = self.pos_user
        report = self.env["retail.crm.voice.report"]
        report.with_user(self.store_manager).search([])
        with self.assertRaises(AccessError):
            report.with_user(cashier).search([])
        with self.assertRaises(AccessError):
            self.Answer.with_user(cashier).search([("retail_kind", "!=", False)])
