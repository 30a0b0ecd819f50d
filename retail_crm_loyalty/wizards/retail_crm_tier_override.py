from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.retail_crm_holiday import check_date_values


class RetailCrmTierOverride(models.TransientModel):
    _name = "retail.crm.tier.override"
    _description = "Set Member Tier Manually"

    partner_ids = fields.Many2many("res.partner", string="Members", required=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    tier_id = fields.Many2one(
        "retail.crm.tier",
        required=True,
        domain="[('company_id', 'in', [company_id, False])]",
    )
    reason = fields.Char(required=True)
    expiry_date = fields.Date(
        string="Expires On",
        help="After this date the member gets the tier they qualify for. Empty: no expiry.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_date_values(self.env, self, vals_list)
        return super().create(vals_list)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") == "res.partner" and "partner_ids" in fields_list:
            res["partner_ids"] = [fields.Command.set(self.env.context.get("active_ids", []))]
        return res

    def action_apply(self):
        self.ensure_one()
        if self.expiry_date and self.expiry_date < fields.Date.context_today(self):
            raise UserError(self.env._("The expiry date of a manual tier cannot be in the past."))
        tier = self.tier_id.sudo()  # sudo: the tier's company and state only
        if not tier.active or tier.company_id not in (self.company_id, self.env["res.company"]):
            # a member holding a tier the company does not use would be moved
            # at their next purchase without notice
            raise UserError(
                self.env._(
                    "The tier %(tier)s is not an active tier of %(company)s.",
                    tier=tier.name,
                    company=self.company_id.name,
                )
            )
        partners = self.partner_ids.with_company(self.company_id)
        not_members = partners.filtered(lambda p: not p.retail_is_member)
        if not_members:
            raise UserError(
                self.env._(
                    "Only members can get a tier: %(names)s.",
                    names=", ".join(not_members.mapped("display_name")),
                )
            )
        company = self.company_id
        # sudo: the ACL on this wizard restricts it to POS managers; the
        # technical per-company tier values are written in batch.
        partners.sudo()._retail_write_company_values(
            company,
            {
                "retail_tier_locked": True,
                "retail_tier_locked_until": fields.Date.to_string(self.expiry_date)
                if self.expiry_date
                else False,
            },
        )
        changes = [(partner, self.tier_id, "override", self.reason, None) for partner in partners]
        history = self.env["res.partner"]._retail_apply_tier_changes(company, changes)
        history.write({"expiry_date": self.expiry_date})
        return {"type": "ir.actions.act_window_close"}
