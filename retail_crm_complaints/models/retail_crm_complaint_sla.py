from odoo import api, fields, models
from odoo.exceptions import ValidationError

SEVERITY_SELECTION = [
    ("low", "Low"),
    ("normal", "Normal"),
    ("high", "High"),
    ("critical", "Critical"),
]

# fields of a policy that decide which tickets it applies to
MATCHING_FIELDS = {
    "category_ids",
    "severity",
    "tier_ids",
    "team_ids",
    "company_id",
    "active",
    "target",
    "sequence",
}
# fields of a policy that only change the deadline of the lines it already has
TIMING_FIELDS = {"target_hours", "at_risk_percent"}


class RetailCrmComplaintSla(models.Model):
    _name = "retail.crm.complaint.sla"
    _description = "Complaint SLA Policy"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    description = fields.Text(translate=True)
    target = fields.Selection(
        [("first_contact", "First contact"), ("resolution", "Resolution")],
        required=True,
        default="first_contact",
    )
    target_hours = fields.Float(
        string="Target (working hours)",
        required=True,
        default=24.0,
        help="Time allowed, counted in working hours on the team's calendar "
        "(nights, closed days and public holidays do not count).",
    )
    at_risk_percent = fields.Float(
        string="At Risk After (%)",
        default=75.0,
        help="A ticket is at risk once this share of the target has elapsed.",
    )
    category_ids = fields.Many2many(
        "retail.crm.complaint.category",
        string="Categories",
        help="Empty: all categories.",
    )
    severity = fields.Selection(SEVERITY_SELECTION, help="Empty: all severities.")
    team_ids = fields.Many2many("retail.crm.complaint.team", string="Teams", help="Empty: all teams.")
    tier_ids = fields.Many2many(
        "retail.crm.tier",
        string="Member Tiers",
        help="Empty: all customers, members or not.",
    )
    line_ids = fields.One2many("retail.crm.complaint.sla.line", "sla_id")

    _sql_constraints = [
        (
            "target_hours_positive",
            "CHECK(target_hours > 0)",
            "The SLA target must be a positive number of working hours.",
        ),
    ]

    @api.constrains("at_risk_percent")
    def _check_at_risk_percent(self):
        for sla in self:
            if not 0 < sla.at_risk_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "SLA policy %(name)s: the at-risk threshold must be between 0 and 100%%.",
                        name=sla.name,
                    )
                )

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------
    def _matches(self, complaint):
        self.ensure_one()
        return (
            (not self.category_ids or complaint.category_id in self.category_ids)
            and (not self.severity or complaint.severity == self.severity)
            and (not self.team_ids or complaint.team_id in self.team_ids)
            and self._matches_tier(complaint)
            and self.company_id == complaint.company_id
        )

    def _matches_tier(self, complaint):
        return not self.tier_ids or complaint.tier_id in self.tier_ids

    def _specificity(self):
        self.ensure_one()
        return bool(self.category_ids) + bool(self.severity) + bool(self.team_ids) + self._tier_specificity()

    def _tier_specificity(self):
        return bool(self.tier_ids)

    @api.model
    def _find_for(self, complaint, policies=None):
        """Return {target: policy} for a ticket: per target, the most specific
        matching policy (most criteria set), then the lowest sequence."""
        if policies is None:
            policies = self.search([("company_id", "=", complaint.company_id.id)])
        best = {}
        for policy in policies.filtered(lambda p: p._matches(complaint)):
            key = (-policy._specificity(), policy.sequence, policy.id)
            if policy.target not in best or key < best[policy.target][0]:
                best[policy.target] = (key, policy)
        return {target: policy for target, (__, policy) in best.items()}

    # ------------------------------------------------------------------
    # CRUD: a policy changed after tickets were created
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        policies = super().create(vals_list)
        policies._candidate_complaints()._sla_apply()
        return policies

    def write(self, vals):
        # sudo: SLA lines are system bookkeeping, recomputed for the policy
        # the (manager) user is allowed to edit.
        lines = self.sudo().line_ids
        if MATCHING_FIELDS & set(vals):
            before = lines.filtered(lambda line: not line.reached_date).complaint_id
            res = super().write(vals)
            (before | self._candidate_complaints())._sla_apply()
            return res
        res = super().write(vals)
        if TIMING_FIELDS & set(vals):
            lines.filtered(lambda line: not line.reached_date)._compute_deadlines()
        return res

    def unlink(self):
        complaints = self.sudo().line_ids.filtered(lambda line: not line.reached_date).complaint_id
        res = super().unlink()
        complaints.exists()._sla_apply()
        return res

    def _candidate_complaints(self):
        """Open tickets these (active) policies could apply to: one search
        per policy, restricted by its criteria."""
        complaints = self.env["retail.crm.complaint"]
        for policy in self.filtered("active"):
            domain = [
                ("company_id", "=", policy.company_id.id),
                ("stage_id.is_closed", "=", False),
            ]
            if policy.category_ids:
                domain.append(("category_id", "in", policy.category_ids.ids))
            if policy.severity:
                domain.append(("severity", "=", policy.severity))
            if policy.team_ids:
                domain.append(("team_id", "in", policy.team_ids.ids))
            if policy.tier_ids:
                domain.append(("tier_id", "in", policy.tier_ids.ids))
            complaints |= complaints.search(domain)
        return complaints
