from odoo import fields, models
from odoo.exceptions import UserError

COMPENSATION_PROGRAM_TYPES = ("coupons", "gift_card", "ewallet")


class RetailCrmComplaint(models.Model):
    """Compensation of a ticket: a coupon, gift card or eWallet credit issued
    to the customer within the limits of Settings."""

    _inherit = "retail.crm.complaint"  # pylint: disable=consider-merging-classes-inherited

    coupon_program_id = fields.Many2one(
        "loyalty.program",
        check_company=True,
        domain=f"[('program_type', 'in', {COMPENSATION_PROGRAM_TYPES!r})]",
    )
    coupon_points = fields.Float(string="Coupon Value (points)", default=1.0)
    coupon_id = fields.Many2one("loyalty.card", readonly=True, copy=False)
    coupon_code = fields.Char(related="coupon_id.code", string="Coupon Code")

    _sql_constraints = [
        ("coupon_points_positive", "CHECK(coupon_points >= 0)", "The coupon value cannot be negative."),
    ]

    def action_issue_coupon(self):
        self.ensure_one()
        if self.coupon_id:
            raise UserError(self.env._("A coupon was already issued for %(ref)s.", ref=self.name))
        if not self.partner_id:
            raise UserError(self.env._("Set the customer before issuing a compensation coupon."))
        if not self.coupon_program_id:
            raise UserError(self.env._("Choose the coupon program of the compensation."))
        if self.coupon_points <= 0:
            raise UserError(self.env._("The coupon value must be positive."))
        self._check_coupon_allowed()
        self.check_access("write")
        # sudo: store staff may issue a compensation coupon for a ticket they
        # can write (checked above) without loyalty administration rights.
        coupon_sudo = (
            self.env["loyalty.card"]
            .sudo()
            .create(
                {
                    "program_id": self.coupon_program_id.id,
                    "partner_id": self.partner_id.id,
                    "points": self.coupon_points,
                    "company_id": self.company_id.id,
                }
            )
        )
        self.write({"coupon_id": coupon_sudo.id, "resolution_type": "compensation"})
        self.message_post(
            body=self.env._(
                "Compensation coupon %(code)s issued (%(program)s).",
                code=coupon_sudo.code,
                program=self.coupon_program_id.name,
            )
        )
        return True

    def _check_coupon_allowed(self):
        """Server-side limits of a compensation: program types and the
        per-ticket maximum of Settings (the view's domain is no check)."""
        if self.coupon_program_id.program_type not in COMPENSATION_PROGRAM_TYPES:
            raise UserError(
                self.env._("Compensation coupons come from coupon, gift card or eWallet programs only.")
            )
        icp = self.env["ir.config_parameter"].sudo()
        maximum = float(icp.get_param("retail_crm_complaints.coupon_max_points", "500") or 500)
        if self.coupon_points > maximum:
            raise UserError(
                self.env._("A compensation is limited to %(max)s points per ticket (Settings).", max=maximum)
            )
