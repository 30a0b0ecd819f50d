from odoo import fields, models


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
    retail_vip_followup_days = fields.Integer(
        string="VIP Follow-up Interval (Days)",
        default=90,
        help="A follow-up activity is scheduled when the VIP has none and was not "
        "contacted for this many days.",
    )
