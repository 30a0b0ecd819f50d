from odoo import api, fields, models
from odoo.exceptions import ValidationError

MAX_REFERRAL_POINTS = 1000000


class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    retail_referral_program_id = fields.Many2one(
        "loyalty.program",
        string="Referral Reward Program",
        check_company=True,
        help="Loyalty or eWallet program credited when a referred member pays their first purchase. "
        "Empty: no referral reward.",
    )
    retail_referral_referrer_points = fields.Float(
        string="Referrer Reward (Points)", default=100, help="Points for the member who referred."
    )
    retail_referral_member_points = fields.Float(
        string="New Member Reward (Points)", default=50, help="Points for the new member."
    )

    @api.constrains(
        "retail_referral_referrer_points", "retail_referral_member_points", "retail_referral_program_id"
    )
    def _check_retail_referral_reward(self):
        for company in self:
            for name in ("retail_referral_referrer_points", "retail_referral_member_points"):
                if not 0 <= company[name] <= MAX_REFERRAL_POINTS:
                    raise ValidationError(
                        self.env._(
                            "%(setting)s must be between 0 and %(max)s.",
                            setting=company._fields[name]._description_string(self.env),
                            max=MAX_REFERRAL_POINTS,
                        )
                    )
            program = company.retail_referral_program_id
            if program and program.program_type not in ("loyalty", "ewallet"):
                raise ValidationError(
                    self.env._("Referral rewards are credited to a loyalty or eWallet program.")
                )
