from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .retail_crm_holiday import check_integer_values

# program types whose cards are coupons (a loyalty program would give the
# member a second points card on their birthday)
BIRTHDAY_PROGRAM_TYPES = ("coupons", "next_order_coupons")

# (field, minimum, maximum) of every number setting of the loyalty suite
NUMBER_SETTINGS = (
    ("retail_tier_window_months", 1, 120),
    ("retail_tier_grace_days", 0, 3650),
    ("retail_birthday_coupon_days", 1, 366),
    ("retail_points_expiry_months", 0, 120),
    ("retail_vip_followup_days", 1, 3650),
)


class ResCompany(models.Model):
    _inherit = "res.company"

    retail_tier_window_months = fields.Integer(
        string="Tier Qualifying Window (Months)",
        default=12,
        help="Rolling window of paid POS orders used to qualify for a tier.",
    )
    retail_tier_downgrade_review = fields.Boolean(
        string="Downgrade at Review",
        default=True,
        help="Lower the tier of members who no longer qualify, at the periodic review.",
    )
    retail_tier_downgrade_policy = fields.Selection(
        [("qualified", "To the qualified tier"), ("one_level", "One level per review")],
        string="Downgrade Policy",
        default="qualified",
        required=True,
        help="A member who no longer keeps their tier goes down to the tier they qualify for, "
        "or one level per review.",
    )
    retail_tier_grace_days = fields.Integer(
        string="Downgrade Grace Period (Days)",
        default=30,
        help="Days between the downgrade notice and the downgrade itself.",
    )
    retail_birthday_program_id = fields.Many2one(
        "loyalty.program",
        string="Birthday Coupon Program",
        check_company=True,
        help="Coupon program whose coupon (valid 7 days) members receive on their birthday.",
    )
    retail_birthday_coupon_days = fields.Integer(string="Birthday Coupon Validity (Days)", default=7)
    retail_birthday_sms = fields.Boolean(
        string="Birthday SMS",
        help="Also greet members by SMS on their birthday (members with a phone number that is "
        "not on the phone blacklist).",
    )
    retail_points_expiry_months = fields.Integer(
        string="Points Expiry (Months)",
        help="Loyalty points expire this many months after they were earned. 0: never.",
    )
    retail_vip_tier_id = fields.Many2one(
        "retail.crm.tier",
        string="VIP From Tier",
        help="Members at this tier or above get follow-up activities for their salesperson.",
    )
    retail_member_country_id = fields.Many2one(
        "res.country",
        string="Member Mobile Region",
        default=lambda self: self.env.ref("base.cn", raise_if_not_found=False),
        help="Mobile numbers of members typed without a country code are read in the company's "
        "country first, then in this region (China by default: 138 0013 8000).",
    )
    retail_vip_followup_days = fields.Integer(
        string="VIP Follow-up Interval (Days)",
        default=90,
        help="A follow-up activity is scheduled when the VIP has none and was not "
        "contacted for this many days.",
    )

    @api.constrains(*(fname for fname, _min, _max in NUMBER_SETTINGS))
    def _check_retail_number_settings(self):
        """Every number setting of the loyalty suite within its range (X4):
        a window of 0 or -6 months or a negative grace period would move
        every member at the next review."""
        for company in self:
            for fname, minimum, maximum in NUMBER_SETTINGS:
                value = company[fname]
                if not minimum <= value <= maximum:
                    raise ValidationError(
                        self.env._(
                            "%(setting)s must be between %(min)s and %(max)s (got %(value)s).",
                            setting=self._fields[fname].get_description(self.env)["string"],
                            min=minimum,
                            max=maximum,
                            value=value,
                        )
                    )

    @api.constrains("retail_birthday_program_id")
    def _check_retail_birthday_program(self):
        for company in self:
            program = company.retail_birthday_program_id
            if program and program.program_type not in BIRTHDAY_PROGRAM_TYPES:
                raise ValidationError(
                    self.env._(
                        "The birthday coupon program %(program)s must be a coupon program "
                        "(coupons or next order coupons).",
                        program=program.name,
                    )
                )

    @api.constrains("retail_vip_tier_id")
    def _check_retail_vip_tier(self):
        for company in self:
            tier = company.retail_vip_tier_id.sudo()  # sudo: the tier's company only
            if tier.company_id and tier.company_id != company:
                raise ValidationError(
                    self.env._(
                        "The VIP tier %(tier)s belongs to another company.",
                        tier=tier.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        check_integer_values(self.env, self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_integer_values(self.env, self, [vals])
        return super().write(vals)
