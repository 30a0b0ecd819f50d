import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

from .retail_crm_holiday import check_date_values

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = [
        "res.partner",
        "retail.crm.member.check",
        "retail.crm.member.tier.engine",
        "retail.crm.member.care",
    ]

    # Member profile (D1) ------------------------------------------------
    retail_is_member = fields.Boolean(
        string="Member",
        index=True,
        copy=False,
        help="Enrolled in the loyalty scheme: gets a member number and a tier.",
    )
    retail_member_number = fields.Char(string="Member Number", copy=False, readonly=True, index=True)
    retail_join_date = fields.Date(string="Join Date", copy=False)
    retail_join_channel = fields.Selection(
        [
            ("store", "Store"),
            ("website", "Website"),
            ("app", "App"),
            ("wechat", "WeChat"),
            ("hotline", "Hotline"),
            ("social", "Social Media"),
            ("ecommerce", "E-commerce"),
        ],
        string="Join Channel",
        copy=False,
    )
    retail_birthday = fields.Date(string="Birthday")
    retail_gender = fields.Selection(
        [("female", "Female"), ("male", "Male"), ("other", "Other")],
        string="Gender",
    )
    retail_id_number = fields.Char(
        string="ID Card Number",
        copy=False,
        help="PRC resident identity card number (18 characters), validated with "
        "python-stdnum. Optional: collect it only when a purpose needs it.",
    )

    # Tier state (L1-L4), per company: see res_partner_member_tier.py
    retail_tier_history_ids = fields.One2many("retail.crm.tier.history", "partner_id", string="Tier History")

    # Tier progress (computed for the current company) ------------------
    retail_currency_id = fields.Many2one(
        "res.currency", compute="_compute_retail_tier_progress", string="Tier Currency"
    )
    retail_tier_spend = fields.Monetary(
        string="Qualifying Spend",
        currency_field="retail_currency_id",
        compute="_compute_retail_tier_progress",
        help="Paid POS orders net of refunds over the rolling window, in company currency.",
    )
    retail_tier_order_count = fields.Integer(
        string="Qualifying Orders", compute="_compute_retail_tier_progress"
    )
    retail_next_tier_id = fields.Many2one(
        "retail.crm.tier", string="Next Tier", compute="_compute_retail_tier_progress"
    )
    retail_next_tier_remaining = fields.Monetary(
        string="Spend to Next Tier",
        currency_field="retail_currency_id",
        compute="_compute_retail_tier_progress",
    )
    retail_next_tier_progress = fields.Float(
        string="Progress to Next Tier", compute="_compute_retail_tier_progress"
    )
    retail_next_tier_message = fields.Char(string="Tier Progress", compute="_compute_retail_tier_progress")
    retail_loyalty_points = fields.Float(string="Loyalty Points", compute="_compute_retail_loyalty_points")
    retail_duplicate_count = fields.Integer(string="Duplicates", compute="_compute_retail_duplicate_count")

    _sql_constraints = [
        (
            "retail_member_number_uniq",
            "unique(retail_member_number)",
            "The member number must be unique.",
        ),
        (
            "retail_member_mobile_uniq",
            "EXCLUDE USING btree (mobile WITH =) WHERE (retail_is_member AND active AND mobile IS NOT NULL)",
            "This mobile number already belongs to another member.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("retail_tier_id", "retail_is_member")
    @api.depends_context("company")
    def _compute_retail_tier_progress(self):
        company = self.env.company
        tiers = self.env["retail.crm.tier"]._get_company_tiers(company)
        stats = self._retail_tier_stats(company, self.ids) if self.ids else {}
        for partner in self:
            spend, count = stats.get(partner.id, (0.0, 0))
            partner.retail_currency_id = company.currency_id
            partner.retail_tier_spend = spend
            partner.retail_tier_order_count = count
            next_tier = (
                tiers._next_tier(partner.retail_tier_id) if partner.retail_is_member else tiers.browse()
            )
            partner.retail_next_tier_id = next_tier
            remaining = max(next_tier.min_spend - spend, 0.0) if next_tier.min_spend else 0.0
            partner.retail_next_tier_remaining = remaining
            if next_tier and next_tier.min_spend:
                partner.retail_next_tier_progress = min(100.0, 100.0 * max(spend, 0.0) / next_tier.min_spend)
            elif next_tier and next_tier.min_orders:
                partner.retail_next_tier_progress = min(100.0, 100.0 * count / next_tier.min_orders)
            else:
                partner.retail_next_tier_progress = 100.0 if partner.retail_tier_id else 0.0
            partner.retail_next_tier_message = partner._retail_progress_message(
                next_tier, remaining, count, company
            )

    def _retail_progress_message(self, next_tier, remaining, count, company):
        self.ensure_one()
        if not next_tier:
            return self.env._("Highest tier reached") if self.retail_tier_id else False
        if next_tier.min_spend and remaining > 0:
            return self.env._(
                "Spend %(amount)s more for %(tier)s",
                amount=format_amount(self.env, remaining, company.currency_id),
                tier=next_tier.name,
            )
        if next_tier.min_orders and count < next_tier.min_orders:
            return self.env._(
                "%(count)s more orders for %(tier)s",
                count=next_tier.min_orders - count,
                tier=next_tier.name,
            )
        return self.env._("Qualifies for %(tier)s", tier=next_tier.name)

    @api.depends_context("company")
    def _compute_retail_loyalty_points(self):
        points = {}
        if self.ids:
            # sudo: cashiers see the balance of the member at the till; loyalty
            # cards are only readable by POS/sales users in Odoo.
            cards_sudo = self.env["loyalty.card"].sudo()
            groups = cards_sudo._read_group(
                [
                    ("partner_id", "in", self.ids),
                    ("program_id.program_type", "=", "loyalty"),
                    ("program_id.company_id", "in", [self.env.company.id, False]),
                ],
                ["partner_id"],
                ["points:sum"],
            )
            points = {partner.id: total for partner, total in groups}
        for partner in self:
            partner.retail_loyalty_points = points.get(partner.id, 0.0)

    @api.depends("mobile", "phone_sanitized")
    def _compute_retail_duplicate_count(self):
        """Other contacts with the member's mobile (e.g. a customer the till
        refused to enrol again), for the manager to merge."""
        mobiles = [m for m in self.filtered("retail_is_member").mapped("mobile") if m]
        counts = {}
        if mobiles:
            counts = dict(
                self.with_context(active_test=True)._read_group(
                    [("phone_sanitized", "in", mobiles)], ["phone_sanitized"], ["__count"]
                )
            )
        for partner in self:
            count = counts.get(partner.mobile, 0) if partner.retail_is_member and partner.mobile else 0
            own = 1 if partner.phone_sanitized and partner.phone_sanitized == partner.mobile else 0
            partner.retail_duplicate_count = max(count - own, 0)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        check_date_values(self.env, self, vals_list)
        for vals in vals_list:
            if vals.get("retail_is_member"):
                self._retail_normalize_vals(vals, True)
                vals.setdefault("retail_join_date", fields.Date.context_today(self))
                if not vals.get("retail_member_number"):
                    vals["retail_member_number"] = self._retail_next_member_number()
        self._retail_check_mobiles_free(
            [(False, vals.get("mobile")) for vals in vals_list if vals.get("retail_is_member")]
        )
        partners = super().create(vals_list)
        members = partners.filtered("retail_is_member")
        if members:
            members._retail_assign_initial_tier()
        return partners

    def write(self, vals):
        check_date_values(self.env, self, [vals])
        if "mobile" in vals or vals.get("retail_is_member"):
            becomes_member = vals.get("retail_is_member")
            if "mobile" in vals and (becomes_member or any(self.mapped("retail_is_member"))):
                self._retail_normalize_vals(vals, True)
            elif becomes_member:
                # existing mobiles of new members get normalised individually
                for partner in self.filtered(lambda p: p.mobile and not p.retail_is_member):
                    normalized = self._retail_normalize_mobile(
                        partner.mobile, partner.company_id or self.env.company
                    )
                    if normalized != partner.mobile:
                        super(ResPartner, partner).write({"mobile": normalized})
        if "mobile" in vals or vals.get("retail_is_member") or vals.get("active"):
            # unarchiving a member whose mobile another member took meanwhile
            # is refused like enrolling it again
            members_after = self if vals.get("retail_is_member") else self.filtered("retail_is_member")
            if "retail_is_member" in vals and not vals["retail_is_member"]:
                members_after = self.browse()
            self._retail_check_mobiles_free(
                [(p.id, vals["mobile"] if "mobile" in vals else p.mobile) for p in members_after]
            )
        new_members = self.browse()
        if vals.get("retail_is_member"):
            new_members = self.filtered(lambda p: not p.retail_is_member)
        res = super().write(vals)
        if new_members:
            today = fields.Date.context_today(self)
            for partner in new_members:
                extra = {}
                if not partner.retail_member_number:
                    extra["retail_member_number"] = self._retail_next_member_number()
                if not partner.retail_join_date:
                    extra["retail_join_date"] = today
                if extra:
                    super(ResPartner, partner).write(extra)
            new_members._retail_assign_initial_tier()
        return res

    @api.model
    def _retail_next_member_number(self):
        # sudo: the sequence is technical; cashiers enrol members at the till
        return self.env["ir.sequence"].sudo().next_by_code("retail.crm.member") or self.env._("New")

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_retail_open_tier_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_crm_loyalty.retail_crm_tier_history_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_retail_merge_duplicates(self):
        """Open Odoo's partner merge on this member and the members sharing
        its normalised mobile number."""
        self.ensure_one()
        if not self.mobile:
            raise UserError(self.env._("This contact has no mobile number."))
        partners = (
            self.search(
                [
                    "|",
                    ("phone_sanitized", "=", self.mobile),
                    "&",
                    ("mobile", "=", self.mobile),
                    ("retail_is_member", "=", True),
                ]
            )
            | self
        )
        if len(partners) < 2:
            raise UserError(
                self.env._("No other contact shares the mobile number %(mobile)s.", mobile=self.mobile)
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Merge Duplicate Members"),
            "res_model": "base.partner.merge.automatic.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "res.partner",
                "active_ids": partners.ids,
                "active_id": self.id,
            },
        }

    @api.model
    def action_retail_duplicate_members(self):
        """List the members whose normalised mobile is shared by another member."""
        self.flush_model(["mobile", "retail_is_member", "active"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT array_agg(id) FROM res_partner
                 WHERE retail_is_member AND active AND mobile IS NOT NULL
              GROUP BY mobile HAVING COUNT(*) > 1
                """
            )
        )
        ids = [pid for (pids,) in rows for pid in pids]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Duplicate Members"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [
                (self.env.ref("retail_crm_loyalty.res_partner_view_list_retail_duplicates").id, "list"),
                (False, "form"),
            ],
            "domain": [("id", "in", ids)],
            "context": {"group_by": "mobile"},
        }

    # ------------------------------------------------------------------
    # POS (L6)
    # ------------------------------------------------------------------
    @api.model
    def _load_pos_data_fields(self, config_id):
        return super()._load_pos_data_fields(config_id) + [
            "retail_is_member",
            "retail_member_number",
            "retail_birthday",
            "retail_tier_id",
            "retail_tier_spend",
            "retail_next_tier_id",
            "retail_next_tier_remaining",
            "retail_next_tier_progress",
            "retail_next_tier_message",
            "retail_loyalty_points",
        ]
