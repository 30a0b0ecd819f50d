from datetime import datetime

import pytz

from odoo.tests import TransactionCase, new_test_user

SHANGHAI = pytz.timezone("Asia/Shanghai")


def local(*args):
    """Naive UTC datetime of a wall-clock time in Shanghai."""
    return SHANGHAI.localize(datetime(*args)).astimezone(pytz.utc).replace(tzinfo=None)


class ComplaintCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        # store calendar: Monday-Saturday 09:00-21:00, Shanghai time
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Store Mon-Sat 09-21",
                "tz": "Asia/Shanghai",
                "company_id": cls.company.id,
                "attendance_ids": [(5, 0, 0)]
                + [
                    (
                        0,
                        0,
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 9.0,
                            "hour_to": 21.0,
                            "day_period": "morning",
                        },
                    )
                    for day in range(6)
                ],
            }
        )
        cls.manager_user = new_test_user(
            cls.env,
            login="cmp_manager",
            name="Store Manager",
            groups="point_of_sale.group_pos_manager,base.group_user",
        )
        cls.agent_1 = new_test_user(
            cls.env,
            login="cmp_agent1",
            name="Agent One",
            groups="point_of_sale.group_pos_user,base.group_user",
        )
        cls.agent_2 = new_test_user(
            cls.env,
            login="cmp_agent2",
            name="Agent Two",
            groups="point_of_sale.group_pos_user,base.group_user",
        )
        cls.team = cls.env["retail.crm.complaint.team"].create(
            {
                "name": "After-sales",
                "manager_id": cls.manager_user.id,
                "member_ids": [(6, 0, (cls.agent_1 | cls.agent_2).ids)],
                "resource_calendar_id": cls.calendar.id,
                "assign_method": "round_robin",
            }
        )
        cls.category = cls.env["retail.crm.complaint.category"].create(
            {
                "name": "Quality (test)",
                "team_id": cls.team.id,
            }
        )
        cls.feedback_category = cls.env["retail.crm.complaint.category"].create(
            {
                "name": "Suggestion (test)",
                "kind": "feedback",
                "team_id": cls.team.id,
            }
        )
        Sla = cls.env["retail.crm.complaint.sla"]
        # neutralise policies other data may have created
        Sla.search([]).write({"active": False})
        cls.sla_contact = Sla.create(
            {
                "name": "First contact 24h",
                "target": "first_contact",
                "target_hours": 24,
                "at_risk_percent": 75,
            }
        )
        cls.sla_resolution = Sla.create(
            {
                "name": "Resolution 36h",
                "target": "resolution",
                "target_hours": 36,
                "at_risk_percent": 75,
            }
        )
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Wang Fang",
                "email": "wang.fang@example.com",
                "lang": "en_US",
            }
        )
        Stage = cls.env["retail.crm.complaint.stage"]
        cls.stage_new = cls.env.ref("retail_crm_complaints.stage_new")
        cls.stage_contacted = cls.env.ref("retail_crm_complaints.stage_contacted")
        cls.stage_progress = cls.env.ref("retail_crm_complaints.stage_in_progress")
        cls.stage_waiting = cls.env.ref("retail_crm_complaints.stage_waiting")
        cls.stage_resolved = cls.env.ref("retail_crm_complaints.stage_resolved")
        cls.stage_closed = cls.env.ref("retail_crm_complaints.stage_closed")
        # the suite may ship more stages: make ours the first
        Stage.search([]).filtered(lambda s: s != cls.stage_new).write({"sequence": 50})
        cls.stage_new.sequence = 0
        cls.cause = cls.env.ref("retail_crm_complaints.cause_staff_training")

    def _complaint(self, **vals):
        values = {
            "subject": "Damaged tin",
            "partner_id": self.partner.id,
            "category_id": self.category.id,
            "severity": "normal",
        }
        values.update(vals)
        return self.env["retail.crm.complaint"].create(values)

    def _line(self, complaint, target):
        return complaint.sla_line_ids.filtered(lambda line: line.target == target)
