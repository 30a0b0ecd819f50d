from odoo import api, fields, models
from odoo.tools import LazyTranslate

_lt = LazyTranslate(__name__)

# reasons the engine and the review store as text; shown in the reader's
# language whatever the language of the user or cron that stored them
STORED_REASONS = {
    "Periodic review": _lt("Periodic review"),
    "Enrolment": _lt("Enrolment"),
}


class RetailCrmTierHistory(models.Model):
    _name = "retail.crm.tier.history"
    _description = "Member Tier Change"
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_name = "partner_id"
    # the line carries its own user and date (user_id, date): no create/write
    # user and date (the review writes up to one line per member at once,
    # each audit column a foreign-key check per line)
    _log_access = False

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
    reason = fields.Char(string="Reason as Stored")
    reason_label = fields.Char(string="Reason", compute="_compute_reason_label")
    user_id = fields.Many2one(
        "res.users", string="Changed By", default=lambda self: self.env.user, ondelete="set null"
    )
    order_id = fields.Many2one(
        "pos.order", string="Triggering Order", ondelete="set null", index="btree_not_null"
    )
    expiry_date = fields.Date(string="Override Expiry")

    @api.depends("reason", "order_id")
    @api.depends_context("lang")
    def _compute_reason_label(self):
        for line in self:
            if line.order_id:
                # sudo: the order's reference is already part of the stored
                # reason the reader sees; nothing else of the order is read
                line.reason_label = self.env._("Order %(order)s", order=line.sudo().order_id.name)
            elif line.reason in STORED_REASONS:
                line.reason_label = str(STORED_REASONS[line.reason])
            else:
                line.reason_label = line.reason
