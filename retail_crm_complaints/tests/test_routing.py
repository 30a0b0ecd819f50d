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

    def test_category_change_routes_again(self):
        Team = self.env["retail.crm.complaint.team"]
        Category = self.env["retail.crm.complaint.category"]
        service_team = Team.create(
            {
                "name": "Service quality",
                "member_ids": [(6, 0, self.agent_2.ids)],
                "resource_calendar_id": self.calendar.id,
            }
        )
        store_team = Team.create({"name": "Store manager", "member_ids": [(6, 0, self.agent_1.ids)]})
        service = Category.create({"name": "Staff attitude", "team_id": service_team.id})
        routed = self._complaint()
        by_hand = self._complaint()
        by_hand.team_id = store_team
        self.assertEqual(routed.team_id, self.team)
        (routed | by_hand).write({"category_id": service.id})
        self.assertEqual(routed.team_id, service_team, "routed again by the new category")
        self.assertEqual(routed.user_id, self.agent_2, "assigned within the new team")
        self.assertEqual(by_hand.team_id, store_team, "a team chosen by hand stays")
        # a category without a team leaves the team alone; closed tickets stay put
        routed.category_id = Category.create({"name": "Other"})
        self.assertEqual(routed.team_id, service_team)
        closed_stage = self.env["retail.crm.complaint.stage"].search([("is_closed", "=", True)], limit=1)
        closed = self._complaint()
        closed.write(
            {
                "stage_id": closed_stage.id,
                "root_cause_id": self.cause.id,
                "corrective_action": "Retrained staff",
            }
        )
        closed.category_id = service
        self.assertEqual(closed.team_id, self.team)

    def test_routing_never_overrides_an_assignee_set_by_hand(self):
        """A manager assigns a ticket by hand; a new category or team later
        routes the ticket (team) but keeps that assignee (#15)."""
        Team = self.env["retail.crm.complaint.team"]
        Category = self.env["retail.crm.complaint.category"]
        service_team = Team.create(
            {
                "name": "Service quality",
                "member_ids": [(6, 0, self.agent_2.ids)],
                "resource_calendar_id": self.calendar.id,
            }
        )
        service = Category.create({"name": "Staff attitude", "team_id": service_team.id})
        complaint = self._complaint()
        self.assertEqual(complaint.team_id, self.team)
        complaint.with_user(self.manager_user).user_id = self.manager_user
        # the manager's form is saved with another category: routed, not reassigned
        complaint.with_user(self.manager_user).write({"category_id": service.id, "severity": "high"})
        self.assertEqual(complaint.team_id, service_team)
        self.assertEqual(complaint.user_id, self.manager_user, "the assignee set by hand stays")
        complaint.team_id = self.team
        self.assertEqual(complaint.user_id, self.manager_user)
        # created with an assignee by hand: never routed to someone else
        by_hand = self._complaint(user_id=self.agent_2.id)
        by_hand.category_id = service
        by_hand.team_id = self.team
        self.assertEqual(by_hand.user_id, self.agent_2)
        # a routed assignee is still routed again when the category changes
        routed = self._complaint()
        routed.category_id = service
        self.assertEqual(routed.user_id, self.agent_2)
        self.assertTrue(routed.user_routed)
        self.assertFalse(complaint.user_routed)
