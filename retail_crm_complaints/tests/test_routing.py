from odoo.tests import tagged

from .common import ComplaintCommon


@tagged("post_install", "-at_install")
class TestComplaintRouting(ComplaintCommon):
    def test_category_routes_to_team_round_robin(self):
        complaints = self.env["retail.crm.complaint"].create(
            [{"subject": f"Ticket {i}", "category_id": self.category.id} for i in range(3)]
        )
        self.assertEqual(complaints.team_id, self.team)
        # same batch, members in id order, continuing where the last stopped
        self.assertEqual(
            [c.user_id.id for c in complaints.sorted("id")],
            [self.agent_1.id, self.agent_2.id, self.agent_1.id],
        )
        self.assertEqual(self.team.last_assigned_user_id, self.agent_1)
        nxt = self._complaint()
        self.assertEqual(nxt.user_id, self.agent_2)
        self.assertTrue(complaints[0].name.startswith("CMP/"))
        self.assertEqual(len(set(complaints.mapped("name"))), 3)

    def test_least_loaded(self):
        self.team.assign_method = "least_loaded"
        # agent 1 already has two open tickets, agent 2 none
        self._complaint(user_id=self.agent_1.id)
        self._complaint(user_id=self.agent_1.id)
        complaints = self.env["retail.crm.complaint"].create(
            [{"subject": f"Ticket {i}", "category_id": self.category.id} for i in range(3)]
        )
        self.assertEqual(
            [c.user_id.id for c in complaints.sorted("id")],
            [self.agent_2.id, self.agent_2.id, self.agent_1.id],
        )

    def test_manual_team_and_explicit_user(self):
        self.team.assign_method = "manual"
        complaint = self._complaint()
        self.assertEqual(complaint.team_id, self.team)
        self.assertFalse(complaint.user_id)
        other_team = self.env["retail.crm.complaint.team"].create(
            {
                "name": "Store manager",
                "member_ids": [(6, 0, self.agent_2.ids)],
                "resource_calendar_id": self.calendar.id,
            }
        )
        complaint.team_id = other_team
        self.assertEqual(complaint.user_id, self.agent_2)
        no_category = self.env["retail.crm.complaint"].create({"subject": "Other"})
        self.assertFalse(no_category.team_id)
