from odoo import fields, models


class RetailCrmTierHistory(models.Model):
    _name = "retail.crm.tier.history"
    _description = "Member Tier Change"
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    old_tier_id = fields.Many2one("retail.crm.tier", string="From Tier", ondelete="set null")
    new_tier_id = fields.Many2one("retail.crm.tier", string="To Tier", ondelete="set null")
    change_type = fields.Selection(
        [
            ("enrol", "Enrolment"),
            ("upgrade", "Upgrade"),
            ("downgrade", "Downgrade"),
            ("override", "Manual Override"),
            ("override_expired", "Override Expired"),
        ],
        string="Type",
        required=True,
    )
    reason = fields.Char()
    user_id = fields.Many2one(
        "res.users", string="Changed By", default=lambda self: self.env.user, ondelete="set null"
    )
    order_id = fields.Many2one(
        "pos.order", string="Triggering Order", ondelete="set null", index="btree_not_null"
    )
    expiry_date = fields.Date(string="Override Expiry")
