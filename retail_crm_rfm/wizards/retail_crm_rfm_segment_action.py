from odoo import api, fields, models
from odoo.exceptions import UserError


class RetailCrmRfmSegmentAction(models.TransientModel):
    """R7: one step from a segment or a selection of customers to a mailing
    list, activities for the assigned salesperson, or coupons. Customers whose
    e-mail is blacklisted are skipped."""

    _name = "retail.crm.rfm.segment.action"
    _description = "RFM Segment Action"

    segment_ids = fields.Many2many("retail.crm.rfm.segment", string="Segments")
    partner_ids = fields.Many2many("res.partner", string="Customers")
    action_type = fields.Selection(
        [
            ("mailing", "Create a mailing list"),
            ("activity", "Schedule activities for salespersons"),
            ("coupon", "Issue coupons"),
        ],
        required=True,
        default="mailing",
    )
    mailing_list_name = fields.Char(string="Mailing List")
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        default=lambda self: self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False),
    )
    activity_summary = fields.Char(string="Summary")
    activity_date_deadline = fields.Date(string="Due Date", default=fields.Date.context_today)
    loyalty_program_id = fields.Many2one(
        "loyalty.program",
        string="Coupon Program",
        domain="[('program_type', 'in', ('coupons', 'promotion', 'loyalty', 'gift_card', 'ewallet'))]",
    )
    coupon_points = fields.Float(string="Points per Coupon", default=1.0)
    target_count = fields.Integer(compute="_compute_targets", string="Customers Targeted")
    skipped_count = fields.Integer(compute="_compute_targets", string="Blacklisted, Skipped")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if (
            context.get("active_model") == "res.partner"
            and context.get("active_ids")
            and "partner_ids" in fields_list
            and not values.get("partner_ids")
        ):
            values["partner_ids"] = [fields.Command.set(context["active_ids"])]
        if (
            context.get("active_model") == "retail.crm.rfm.segment"
            and context.get("active_ids")
            and "segment_ids" in fields_list
            and not values.get("segment_ids")
        ):
            values["segment_ids"] = [fields.Command.set(context["active_ids"])]
        return values

    def _get_candidates(self):
        """Customers of the selected segments (current company) and the selection."""
        self.ensure_one()
        partners = self.partner_ids
        if self.segment_ids:
            partners |= self.env["res.partner"].search([("rfm_segment_id", "in", self.segment_ids.ids)])
        return partners

    @api.depends("segment_ids", "partner_ids", "action_type")
    def _compute_targets(self):
        for wizard in self:
            candidates = wizard._get_candidates()
            targets = wizard._get_targets()
            wizard.target_count = len(targets)
            wizard.skipped_count = len(candidates) - len(targets)

    def _get_targets(self):
        # staff activities are service follow-ups; mailings and coupons are marketing
        return self._get_candidates()._rfm_campaign_targets(marketing=self.action_type != "activity")

    def action_apply(self):
        self.ensure_one()
        targets = self._get_targets()
        if not targets:
            raise UserError(self.env._("No customer to act on: the selection is empty or blacklisted."))
        targets.check_access("read")
        # sudo: this wizard is only granted to POS managers and marketing users
        # (ACL); they act on customers they can read (checked above) but may
        # lack create rights on mailing lists, activities on customers or
        # loyalty cards, which this one step creates for them
        wizard_sudo = self.sudo()
        return getattr(wizard_sudo, f"_apply_{self.action_type}")(targets.sudo())

    def _default_name(self):
        names = ", ".join(self.segment_ids.mapped("name")) or self.env._("Selected customers")
        return self.env._("%(segments)s (%(date)s)", segments=names, date=fields.Date.context_today(self))

    def _apply_mailing(self, targets):
        with_email = targets.filtered("email")
        mailing_list = self.env["mailing.list"].create(
            {
                "name": self.mailing_list_name or self._default_name(),
            }
        )
        self.env["mailing.contact"].create(
            [
                {
                    "name": partner.name,
                    "email": partner.email,
                    "company_name": partner.commercial_company_name or False,
                    "list_ids": [fields.Command.link(mailing_list.id)],
                }
                for partner in with_email
            ]
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.list",
            "res_id": mailing_list.id,
            "view_mode": "form",
            "target": "current",
        }

    def _apply_activity(self, targets):
        if not self.activity_type_id:
            raise UserError(self.env._("Choose an activity type."))
        model_id = self.env["ir.model"]._get_id("res.partner")
        summary = self.activity_summary or self._default_name()
        activities = self.env["mail.activity"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": self.activity_type_id.id,
                    "summary": summary,
                    "note": partner.rfm_segment_id.playbook or False,
                    "date_deadline": self.activity_date_deadline,
                    "user_id": partner.user_id.id or self.env.uid,
                }
                for partner in targets
            ]
        )
        return self._notify(
            self.env._("%(count)s activities scheduled.", count=len(activities)),
            activities,
            self.env._("Scheduled activities"),
        )

    def _apply_coupon(self, targets):
        if not self.loyalty_program_id:
            raise UserError(self.env._("Choose the loyalty program that issues the coupons."))
        cards = self.env["loyalty.card"].create(
            [
                {
                    "program_id": self.loyalty_program_id.id,
                    "partner_id": partner.id,
                    "points": self.coupon_points,
                }
                for partner in targets
            ]
        )
        return self._notify(
            self.env._("%(count)s coupons issued.", count=len(cards)), cards, self.env._("Issued coupons")
        )

    def _notify(self, message, records=None, title=None):
        """A notification, then the list of what was created (the result links to it)."""
        following = {"type": "ir.actions.act_window_close"}
        if records:
            following = {
                "type": "ir.actions.act_window",
                "name": title,
                "res_model": records._name,
                "domain": [("id", "in", records.ids)],
                "views": [(False, "list"), (False, "form")],
                "target": "current",
            }
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": following,
            },
        }
