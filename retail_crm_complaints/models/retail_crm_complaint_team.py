from odoo import api, fields, models
from odoo.tools.safe_eval import safe_eval


class RetailCrmComplaintTeam(models.Model):
    _name = "retail.crm.complaint.team"
    _inherit = ["mail.alias.mixin.optional"]
    _description = "Complaint Team"
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    manager_id = fields.Many2one(
        "res.users",
        domain="[('share', '=', False)]",
        help="Receives SLA escalations (activity and message).",
    )
    member_ids = fields.Many2many(
        "res.users",
        "retail_crm_complaint_team_member_rel",
        "team_id",
        "user_id",
        string="Members",
        domain="[('share', '=', False)]",
    )
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        default=lambda self: self.env.company.resource_calendar_id,
        check_company=True,
        help="SLA deadlines are counted in working time on this calendar "
        "(public holidays and closures included).",
    )
    assign_method = fields.Selection(
        [
            ("manual", "Manual"),
            ("round_robin", "Round robin"),
            ("least_loaded", "Least loaded"),
        ],
        string="Assignment",
        default="round_robin",
        required=True,
    )
    last_assigned_user_id = fields.Many2one(
        "res.users",
        readonly=True,
        copy=False,
        help="Technical: last member given a ticket by round robin.",
    )
    complaint_ids = fields.One2many("retail.crm.complaint", "team_id")
    open_complaint_count = fields.Integer(compute="_compute_open_complaint_count")

    def _compute_open_complaint_count(self):
        data = dict(
            self.env["retail.crm.complaint"]._read_group(
                [("team_id", "in", self.ids), ("stage_id.is_closed", "=", False)],
                ["team_id"],
                ["__count"],
            )
        )
        for team in self:
            team.open_complaint_count = data.get(team, 0)

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("retail.crm.complaint")
        if self.id:
            defaults = safe_eval(self.alias_defaults or "{}")
            defaults["team_id"] = self.id
            defaults.setdefault("channel", "email")
            values["alias_defaults"] = defaults
        return values

    def _assign_users(self, count):
        """Return ``count`` users of the team to assign new tickets to, in order.

        Round robin continues after ``last_assigned_user_id``; least loaded
        picks, for each ticket, the member with the fewest open tickets (one
        grouped query for the whole batch).
        """
        self.ensure_one()
        members = self.member_ids.sorted("id")
        if not members or self.assign_method == "manual" or count <= 0:
            return [self.env["res.users"]] * count
        if self.assign_method == "round_robin":
            start = 0
            if self.last_assigned_user_id in members:
                start = members.ids.index(self.last_assigned_user_id.id) + 1
            return [members[(start + i) % len(members)] for i in range(count)]
        # least loaded
        load = dict.fromkeys(members, 0)
        for user, n in self.env["retail.crm.complaint"]._read_group(
            [
                ("team_id", "=", self.id),
                ("user_id", "in", members.ids),
                ("stage_id.is_closed", "=", False),
            ],
            ["user_id"],
            ["__count"],
        ):
            load[user] = n
        result = []
        for _i in range(count):
            user = min(members, key=lambda u: (load[u], u.id))
            load[user] += 1
            result.append(user)
        return result

    def write(self, vals):
        res = super().write(vals)
        if "resource_calendar_id" in vals:
            # deadlines of open tickets follow the team's new working hours
            self.env["retail.crm.complaint"].search(
                [("team_id", "in", self.ids), ("is_closed", "=", False)]
            )._sla_apply()
        return res

    @api.model
    def _assign_vals_list(self, vals_list):
        """Fill ``user_id`` in ticket creation values, per team, in batch."""
        todo = {}
        for vals in vals_list:
            if vals.get("team_id") and not vals.get("user_id"):
                todo.setdefault(vals["team_id"], []).append(vals)
        for team in self.browse(list(todo)):
            users = team._assign_users(len(todo[team.id]))
            for vals, user in zip(todo[team.id], users, strict=True):
                if user:
                    vals["user_id"] = user.id
            if team.assign_method == "round_robin" and users and users[-1]:
                # sudo: bookkeeping of the round-robin pointer; POS users
                # creating tickets have no write access to teams.
                team.sudo().last_assigned_user_id = users[-1]
