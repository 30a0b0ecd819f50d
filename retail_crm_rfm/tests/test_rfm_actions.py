from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RfmCommon


@tagged("post_install", "-at_install")
class TestRfmSegmentActions(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._users()
        cls.partners, cls.specs = cls._random_dataset(seed=3, n_partners=40)
        for index, partner in enumerate(cls.partners):
            partner.write(
                {
                    "email": f"rfm{index}@example.com",
                    "user_id": cls.pos_user.id if index % 2 else False,
                }
            )
        cls.env["retail.crm.rfm.run"]._cron_compute_rfm()
        cls.env["mail.blacklist"].create({"email": cls.partners[1].email})
        cls._consent_to_marketing(cls.partners - cls.partners[1])
        reference = cls.reference_scores(cls.specs, cls.company_a, cls.today)
        counts = {}
        for row in reference.values():
            counts[row["segment"]] = counts.get(row["segment"], 0) + 1
        cls.segment = cls.env["retail.crm.rfm.segment"].search([("code", "=", max(counts, key=counts.get))])
        cls.members = cls.partners.filtered(
            lambda p: reference.get(p.id, {}).get("segment") == cls.segment.code
        )

    def _wizard(self, user=None, **values):
        env = self.env(user=user) if user else self.env
        return env["retail.crm.rfm.segment.action"].with_company(self.company_a).create(values)

    def test_mailing_list_skips_blacklisted(self):
        blacklisted = self.partners[1]
        wizard = self._wizard(
            self.marketing_user,
            segment_ids=self.segment.ids,
            action_type="mailing",
            partner_ids=blacklisted.ids,
        )
        expected = (self.members | blacklisted) - blacklisted
        self.assertEqual(wizard.target_count, len(expected))
        self.assertEqual(wizard.skipped_count, 1)
        action = wizard.action_apply()
        mailing_list = self.env["mailing.list"].browse(action["res_id"])
        self.assertEqual(set(mailing_list.contact_ids.mapped("email")), set(expected.mapped("email")))

    def test_activities_for_salesperson(self):
        wizard = self._wizard(
            self.pos_manager,
            segment_ids=self.segment.ids,
            action_type="activity",
            activity_summary="Call back",
        )
        result = wizard.action_apply()
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", self.partners.ids),
                ("summary", "=", "Call back"),
            ]
        )
        targets = self.members.filtered(lambda p: not p.is_blacklisted)
        self.assertEqual(set(activities.mapped("res_id")), set(targets.ids))
        for activity in activities:
            partner = self.env["res.partner"].browse(activity.res_id)
            self.assertEqual(activity.user_id, partner.user_id or self.pos_manager)
        # the result leads to what was created
        following = result["params"]["next"]
        self.assertEqual(following["res_model"], "mail.activity")
        self.assertEqual(self.env["mail.activity"].search(following["domain"]), activities)

    def test_coupons_from_selection(self):
        program = self.env["loyalty.program"].create(
            {
                "name": "Win-back coupon",
                "program_type": "coupons",
                "company_id": self.company_a.id,
            }
        )
        selection = self.partners[:6]
        wizard = (
            self.env["retail.crm.rfm.segment.action"]
            .with_context(
                active_model="res.partner",
                active_ids=selection.ids,
            )
            .create({"action_type": "coupon", "loyalty_program_id": program.id, "coupon_points": 50})
        )
        self.assertEqual(wizard.partner_ids, selection)
        result = wizard.action_apply()
        cards = self.env["loyalty.card"].search([("program_id", "=", program.id)])
        self.assertEqual(cards.partner_id, selection - self.partners[1])
        following = result["params"]["next"]
        self.assertEqual(
            (following["type"], following["res_model"]), ("ir.actions.act_window", "loyalty.card")
        )
        self.assertEqual(self.env["loyalty.card"].search(following["domain"]), cards)
        self.assertEqual(set(cards.mapped("points")), {50})

    def test_empty_selection(self):
        wizard = self._wizard(partner_ids=self.partners[1].ids, action_type="mailing")
        with self.assertRaises(UserError):
            wizard.action_apply()

    def test_segment_buttons(self):
        action = self.segment.action_segment_action()
        self.assertEqual(action["context"]["default_segment_ids"], self.segment.ids)
        action = self.segment.with_company(self.company_a).action_view_partners()
        self.assertEqual(
            set(self.env["res.partner"].with_company(self.company_a).search(action["domain"]).ids)
            & set(self.partners.ids),
            set(self.members.ids),
        )
