import math
import random
from datetime import timedelta

import numpy as np
from scipy.stats import norm

from odoo.addons.retail_crm_rfm.tools.ab_stats import split_targets, two_proportion_p_value
from odoo.addons.retail_crm_rfm.tools.paid_states import PAID_STATES
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import RfmCommon


@tagged("post_install", "-at_install")
class TestRfmAbTest(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._users()
        Partner = cls.env["res.partner"]
        cls.segment = cls.env.ref("retail_crm_rfm.segment_champions")
        cls.other_segment = cls.env["retail.crm.rfm.segment"].search([("code", "=", "LLL")])
        cls.partners = Partner.create(
            [{"name": f"AB customer {i}", "email": f"ab{i}@example.com"} for i in range(60)]
        )
        # current segment in company A: 45 customers; 5 more are in the segment
        # in company B only, 5 in another segment of company A
        cls.in_segment = cls.partners[:45]
        cls.in_segment.with_company(cls.company_a).write({"rfm_segment_id": cls.segment.id})
        cls.partners[45:50].with_company(cls.company_b).write({"rfm_segment_id": cls.segment.id})
        cls.partners[50:55].with_company(cls.company_a).write({"rfm_segment_id": cls.other_segment.id})
        cls.selection = cls.partners[55:60]
        cls.blacklisted = cls.partners[3] | cls.partners[17] | cls.partners[57]
        cls.env["mail.blacklist"].create([{"email": p.email} for p in cls.blacklisted])
        cls._consent_to_marketing(cls.partners - cls.blacklisted)
        cls.targets = (cls.in_segment | cls.selection) - cls.blacklisted

        Program = cls.env["loyalty.program"]
        cls.program_a = Program.create(
            {"name": "10% off", "program_type": "coupons", "company_id": cls.company_a.id}
        )
        cls.program_b = Program.create(
            {"name": "Free gift", "program_type": "coupons", "company_id": cls.company_a.id}
        )
        cls.program_other = Program.create(
            {"name": "B store coupon", "program_type": "coupons", "company_id": cls.company_b.id}
        )

        # measurement window: today - 14 .. today - 2 (inclusive)
        cls.date_start = cls.today - timedelta(days=14)
        cls.date_end = cls.today - timedelta(days=2)
        rng = random.Random(11)
        offsets = [0, 1, 2, 2, 5, 9, 14, 14, 15, 20]
        cls.specs = []
        for partner in cls.partners:
            for _i in range(rng.choice([0, 0, 1, 1, 2, 3])):
                day = cls.today - timedelta(days=rng.choice(offsets))
                cls.specs.append((cls.session_a, partner, rng.choice([50.0, 100.0, 350.5]), day))
            if rng.random() < 0.25:
                day = cls.today - timedelta(days=rng.choice(offsets))
                cls.specs.append((cls.session_a, partner, -rng.choice([50.0, 100.0]), day))
            if rng.random() < 0.2:
                cls.specs.append((cls.session_b, partner, 80.0, cls.today - timedelta(days=5)))
            if rng.random() < 0.15:
                cls.specs.append(
                    (cls.session_a, partner, 999.0, cls.today - timedelta(days=5), None, "cancel")
                )
        # a customer whose only order in the window is a refund
        cls.specs.append((cls.session_a, cls.partners[20], -30.0, cls.today - timedelta(days=6)))
        cls._create_orders(cls.specs)

    def _new_test(self, user=None, **values):
        vals = {
            "name": "Win-back offers",
            "segment_ids": [(6, 0, self.segment.ids)],
            "partner_ids": [(6, 0, self.selection.ids)],
            "program_a_id": self.program_a.id,
            "program_b_id": self.program_b.id,
            "date_start": self.date_start,
            "date_end": self.date_end,
        }
        vals.update(values)
        env = self.env(user=user) if user else self.env
        return env["retail.crm.rfm.ab.test"].with_company(self.company_a).create(vals)

    def _members(self, test):
        return {
            variant: test.member_ids.filtered(lambda m, v=variant: m.variant == v).partner_id
            for variant in ("a", "b", "control")
        }

    def _reference(self, partners, specs):
        """Buyers and net revenue of the given customers in company A's window."""
        buyers, revenue = set(), 0.0
        for spec in specs:
            session, partner, amount, day = spec[:4]
            state = spec[5] if len(spec) > 5 else "paid"
            if partner not in partners or session != self.session_a or state not in PAID_STATES:
                continue
            if not self.date_start <= day <= self.date_end:
                continue
            revenue += amount
            if amount >= 0:
                buyers.add(partner.id)
        return len(buyers), revenue

    @staticmethod
    def _z_test(x_a, n_a, x_b, n_b):
        pooled = (x_a + x_b) / (n_a + n_b)
        z = (x_b / n_b - x_a / n_a) / math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
        return 2 * norm.sf(abs(z))

    def test_split_deterministic_and_complete(self):
        test = self._new_test(holdout_percent=20)
        self.assertEqual(test.target_count, len(self.targets))
        test.action_start()
        self.assertEqual(test.state, "running")
        members = self._members(test)
        # every target exactly once, blacklisted and other company/segment excluded
        self.assertEqual(len(test.member_ids), len(self.targets))
        self.assertEqual(test.member_ids.partner_id, self.targets)
        self.assertFalse(test.member_ids.partner_id & self.blacklisted)
        self.assertFalse(test.member_ids.partner_id & self.partners[45:55])
        # exact sizes: 47 targets, 20% control rounded half up = 9, then 19 / 19
        n = len(self.targets)
        n_control = int(n * 0.2 + 0.5)
        self.assertEqual(len(members["control"]), n_control)
        self.assertEqual(len(members["a"]), math.ceil((n - n_control) / 2))
        self.assertEqual(len(members["b"]), (n - n_control) // 2)
        # independent reproduction of the draw (seed = test id)
        ids = np.array(sorted(self.targets.ids))
        drawn = ids[np.random.default_rng(test.id).permutation(len(ids))].tolist()
        self.assertEqual(set(members["control"].ids), set(drawn[:n_control]))
        rest = drawn[n_control:]
        self.assertEqual(set(members["a"].ids), set(rest[: len(members["a"])]))
        self.assertEqual(set(members["b"].ids), set(rest[len(members["a"]) :]))
        self.assertEqual(
            split_targets(self.targets.ids, test.id, 20), split_targets(self.targets.ids, test.id, 20)
        )
        self.assertNotEqual(split_targets(self.targets.ids, 1, 0), split_targets(self.targets.ids, 2, 0))
        # one coupon per A/B customer, of the right program; none for the control group
        for variant, program in (("a", self.program_a), ("b", self.program_b)):
            rows = test.member_ids.filtered(lambda m, v=variant: m.variant == v)
            self.assertEqual(rows.card_id.program_id, program)
            self.assertEqual(rows.card_id.partner_id, members[variant])
            self.assertEqual(len(rows.card_id), len(rows))
            self.assertEqual(set(rows.card_id.mapped("points")), {1.0})
            cards = self.env["loyalty.card"].search([("program_id", "=", program.id)])
            self.assertEqual(cards, rows.card_id)
        self.assertFalse(test.member_ids.filtered(lambda m: m.variant == "control").card_id)
        # starting twice is refused; a running test cannot be deleted
        with self.assertRaises(UserError):
            test.action_start()
        with self.assertRaises(UserError):
            test.unlink()

    def test_no_holdout_even_split(self):
        test = self._new_test(
            partner_ids=[(6, 0, self.partners[:10].ids)], segment_ids=False, coupon_points=5
        )
        test.action_start()
        members = self._members(test)
        self.assertEqual((len(members["a"]), len(members["b"]), len(members["control"])), (5, 4, 0))
        self.assertEqual(set(test.member_ids.card_id.mapped("points")), {5.0})

    def test_results_match_reference(self):
        test = self._new_test(holdout_percent=10)
        test.action_start()
        members = self._members(test)
        # coupons used: a history row with used > 0, or fewer points than issued
        card_a = test.member_ids.filtered(lambda m: m.variant == "a")[0].card_id
        card_a_unused = test.member_ids.filtered(lambda m: m.variant == "a")[1].card_id
        card_b = test.member_ids.filtered(lambda m: m.variant == "b")[0].card_id
        self.env["loyalty.history"].create(
            [
                {"card_id": card_a.id, "description": "Onsite", "used": 1.0, "issued": 0.0},
                {"card_id": card_a_unused.id, "description": "Won", "used": 0.0, "issued": 3.0},
            ]
        )
        card_b.points = 0
        test.invalidate_recordset()
        expected = {}
        for variant in ("a", "b", "control"):
            buyers, revenue = self._reference(members[variant], self.specs)
            expected[variant] = (len(members[variant]), buyers, revenue)
            self.assertEqual(test[f"{variant}_customer_count"], len(members[variant]), variant)
            self.assertEqual(test[f"{variant}_buyer_count"], buyers, variant)
            self.assertAlmostEqual(test[f"{variant}_revenue"], revenue, places=2, msg=variant)
            self.assertAlmostEqual(test[f"{variant}_conversion"], buyers / len(members[variant]), places=6)
            self.assertAlmostEqual(
                test[f"{variant}_revenue_per_customer"], revenue / len(members[variant]), places=2
            )
        self.assertEqual((test.a_used_count, test.b_used_count), (1, 1))
        self.assertGreater(expected["a"][1] + expected["b"][1], 0, "the data set has buyers")
        (n_a, x_a, rev_a), (n_b, x_b, rev_b) = expected["a"], expected["b"]
        conv_a, conv_b = x_a / n_a, x_b / n_b
        p_value = self._z_test(x_a, n_a, x_b, n_b)
        self.assertAlmostEqual(test.p_value, p_value, places=9)
        self.assertAlmostEqual(test.conversion_uplift, (conv_b - conv_a) / conv_a, places=9)
        self.assertAlmostEqual(test.revenue_uplift, (rev_b / n_b - rev_a / n_a) / (rev_a / n_a), places=6)
        if p_value < 0.05:
            self.assertIn("converts better", test.verdict)
        else:
            self.assertIn("No significant difference yet", test.verdict)
        # live while running; frozen once closed
        test.action_close()
        self.assertEqual(test.state, "done")
        frozen = (test.b_buyer_count, test.b_revenue, test.p_value)
        self._create_orders([(self.session_a, p, 200.0, self.date_end) for p in members["b"]])
        test.invalidate_recordset()
        self.assertEqual((test.b_buyer_count, test.b_revenue, test.p_value), frozen)
        live = test._query_results()[test.id]["b"]
        self.assertEqual(live["buyers"], len(members["b"]))
        self.assertAlmostEqual(live["revenue"], rev_b + 200.0 * len(members["b"]), places=2)
        with self.assertRaises(UserError):
            test.action_close()

    def test_verdict_b_converts_better(self):
        test = self._new_test(
            partner_ids=[(6, 0, self.partners[:40].ids)],
            segment_ids=False,
            date_end=self.today + timedelta(days=30),
        )
        test.action_start()
        members = self._members(test)
        all_specs = self.specs + [(self.session_a, p, 120.0, self.today) for p in members["b"]]
        self._create_orders(all_specs[len(self.specs) :])
        test.invalidate_recordset()
        self.date_end = test.date_end  # reference over the test's window
        x_a = self._reference(members["a"], all_specs)[0]
        x_b = self._reference(members["b"], all_specs)[0]
        self.assertEqual((test.a_buyer_count, test.b_buyer_count), (x_a, len(members["b"])))
        p_value = self._z_test(x_a, len(members["a"]), x_b, len(members["b"]))
        self.assertLess(p_value, 0.05)
        self.assertAlmostEqual(test.p_value, p_value, places=9)
        p_text = f"{p_value:.3f}" if p_value >= 0.001 else f"{p_value:.1e}"
        self.assertEqual(test.verdict, f"B converts better (p={p_text})")

    def test_p_value_textbook(self):
        # 30/100 vs 45/100: z = 2.1909, two-sided p = 0.02846
        self.assertAlmostEqual(
            two_proportion_p_value(30, 100, 45, 100), self._z_test(30, 100, 45, 100), places=12
        )
        self.assertAlmostEqual(two_proportion_p_value(30, 100, 45, 100), 0.028459, places=5)
        self.assertEqual(two_proportion_p_value(0, 10, 0, 10), 1.0)
        self.assertEqual(two_proportion_p_value(0, 0, 3, 10), 1.0)

    def test_bad_input(self):
        with self.assertRaises(UserError):
            self._new_test(program_b_id=self.program_a.id)
        with self.assertRaises(UserError):
            self._new_test(date_end=self.date_start - timedelta(days=1))
        with self.assertRaises(UserError):
            self._new_test(date_end=self.date_start)
        with self.assertRaises(UserError):
            self._new_test(holdout_percent=100)
        with self.assertRaises(UserError):
            self._new_test(program_b_id=self.program_other.id)  # another company's program
        empty = self._new_test(partner_ids=[(6, 0, self.blacklisted.ids)], segment_ids=False)
        with self.assertRaises(UserError):
            empty.action_start()
        with self.assertRaises(UserError):
            empty.action_close()

    def test_defaults_and_entry_points(self):
        Test = self.env["retail.crm.rfm.ab.test"].with_company(self.company_a)
        form = Form(Test.with_context(active_model="retail.crm.rfm.segment", active_ids=self.segment.ids))
        self.assertEqual(form.date_start, self.today)
        self.assertEqual(form.date_end, self.today + timedelta(days=30))
        self.assertEqual(form.coupon_points, 1.0)
        self.assertEqual(form.holdout_percent, 0.0)
        self.assertIn(self.segment.name, form.name)
        self.assertEqual(form.target_count, len(self.in_segment - self.blacklisted))
        form.program_a_id = self.program_a
        form.program_b_id = self.program_b
        test = form.save()
        self.assertEqual(test.segment_ids, self.segment)
        self.assertEqual(test.company_id, self.company_a)
        self.assertEqual(test.verdict, "Not started")
        by_partner = Test.with_context(active_model="res.partner", active_ids=self.selection.ids).default_get(
            ["partner_ids"]
        )
        self.assertEqual(by_partner["partner_ids"][0][2], self.selection.ids)
        action = self.env.ref("retail_crm_rfm.retail_crm_rfm_ab_test_action_new")
        self.assertEqual(action.binding_model_id.model, "retail.crm.rfm.segment")
        test.action_start()
        self.assertEqual(test.action_view_members()["domain"], [("test_id", "=", test.id)])

    def test_access_per_role(self):
        with self.assertRaises(AccessError):
            self._new_test(user=self.pos_user)
        with self.assertRaises(AccessError):
            self.env["retail.crm.rfm.ab.test"].with_user(self.pos_user).search([])
        with self.assertRaises(AccessError):
            self._new_test(user=self.basic_user)
        for user in (self.pos_manager, self.marketing_user):
            test = self._new_test(user=user, name=f"Test by {user.login}")
            test.action_start()
            self.assertEqual(test.state, "running")
            self.assertEqual(len(test.member_ids), len(self.targets))
            self.assertEqual(test.a_customer_count + test.b_customer_count, len(self.targets))
            self.assertTrue(test.verdict)
            test.action_close()
            self.assertEqual(test.state, "done")
            # the form works for them too, opened from a segment
            Test = self.env["retail.crm.rfm.ab.test"].with_user(user).with_company(self.company_a)
            form = Form(Test.with_context(active_model="retail.crm.rfm.segment", active_ids=self.segment.ids))
            form.program_a_id = self.program_a
            form.program_b_id = self.program_b
            form.holdout_percent = 50
            from_form = form.save()
            from_form.action_start()
            self.assertEqual(from_form.member_ids.partner_id, self.in_segment - self.blacklisted)
            self.assertEqual(from_form.control_customer_count, int(len(from_form.member_ids) * 0.5 + 0.5))
            # assignments are read-only for users
            with self.assertRaises(AccessError):
                test.member_ids[:1].write({"variant": "control"})
        # multi-company: a test of company B is hidden from company A's users
        test_b = (
            self.env["retail.crm.rfm.ab.test"]
            .with_company(self.company_b)
            .create(
                {
                    "name": "Store B test",
                    "partner_ids": [(6, 0, self.selection.ids)],
                    "program_a_id": self.program_other.id,
                    "program_b_id": self.env["loyalty.program"]
                    .create({"name": "B gift", "program_type": "coupons", "company_id": self.company_b.id})
                    .id,
                }
            )
        )
        test_b.action_start()
        self.assertEqual(test_b.company_id, self.company_b)
        for user in (self.pos_manager, self.marketing_user):
            Test = self.env["retail.crm.rfm.ab.test"].with_user(user)
            self.assertNotIn(test_b, Test.search([]))
            with self.assertRaises(AccessError):
                test_b.with_user(user).read(["name"])
            Member = self.env["retail.crm.rfm.ab.test.member"].with_user(user)
            self.assertFalse(Member.search([("test_id", "=", test_b.id)]))
        self.assertIn(test_b, self.env["retail.crm.rfm.ab.test"].with_user(self.admin_user).search([]))

    def test_marketing_user_cannot_read_loyalty_cards(self):
        """A mass-mailing user (exactly that role's groups) runs A/B tests and
        sees the coupon of each assignment, but cannot read loyalty cards:
        not the test's coupons, not any other coupon code."""
        user = self.marketing_user
        role = self.env.ref("base.group_user") | self.env.ref("mass_mailing.group_mass_mailing_user")
        self.assertEqual(user.groups_id, role | role.trans_implied_ids)
        other_card = self.env["loyalty.card"].create(
            {"program_id": self.program_a.id, "partner_id": self.partners[0].id, "points": 50}
        )
        test = self._new_test(user=user)
        test.action_start()
        members = test.member_ids.filtered("card_id")
        self.assertTrue(members)
        # the assignments list: the coupon and its program are shown
        rows = members.with_user(user).web_read(
            {"card_id": {"fields": {"display_name": {}}}, "program_id": {"fields": {"display_name": {}}}}
        )
        by_id = {row["id"]: row for row in rows}
        for member in members:
            self.assertEqual(by_id[member.id]["card_id"]["display_name"], member.card_id.display_name)
            self.assertEqual(by_id[member.id]["program_id"]["id"], member.card_id.program_id.id)
        self.assertEqual(test.a_customer_count + test.b_customer_count, len(test.member_ids))
        Card = self.env["loyalty.card"].with_user(user)
        with self.assertRaises(AccessError):
            Card.search([])
        for card in (other_card, members[:1].card_id):
            with self.assertRaises(AccessError):
                card.with_user(user).read(["code"])
