import re

from odoo import api, fields, models


def mask_mobile(number):
    """+86 138 0013 8000 -> 138****8000: enough to recognise a member on a list."""
    digits = re.sub(r"\D", "", number or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) < 8:
        return "****" if digits else ""
    return f"{digits[:3]}****{digits[-4:]}"


class ResPartner(models.Model):
    _inherit = "res.partner"

    retail_mobile_masked = fields.Char(
        string="Mobile (masked)",
        compute="_compute_retail_mobile_masked",
        help="The member's mobile with the middle digits hidden, as shown on lists.",
    )

    @api.depends("mobile")
    def _compute_retail_mobile_masked(self):
        for partner in self:
            partner.retail_mobile_masked = mask_mobile(partner.mobile)
