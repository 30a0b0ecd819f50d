import calendar
import logging
import re

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount

from .retail_crm_holiday import check_date_values

_logger = logging.getLogger(__name__)

try:
    import phonenumbers

    from odoo.addons.phone_validation.tools.phone_validation import phone_parse

    MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
except ImportError:  # pragma: no cover - declared in external_dependencies
    phonenumbers = None

try:
    from stdnum import exceptions as stdnum_exceptions
    from stdnum.cn import ric as cn_ric
except ImportError:  # pragma: no cover - declared in external_dependencies
    cn_ric = None

MAX_AGE_YEARS = 100
# what people type in a phone number: digits (full-width too), spaces, dashes,
# dots, brackets and a leading plus; never letters or masks
MOBILE_CHARS = re.compile(r"\(?\+?[\d\s\-.()]+")
FULL_WIDTH = str.maketrans("＋（）－–—．　", "+()---. ")
PAID_STATES = ("paid", "done", "invoiced")


def mask_member_number(number):
    """M00001234 -> M****1234 (enough for the member to recognise it)."""
    number = number or ""
    if len(number) <= 5:
        return "****"
    return f"{number[:1]}****{number[-4:]}"


class ResPartner(models.Model):
    _inherit = "res.partner"

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

    # Tier state (L1-L4), per company -------------------------------------
    retail_tier_id = fields.Many2one(
        "retail.crm.tier",
        string="Member Tier",
        company_dependent=True,
        ondelete="restrict",
        help="Current member tier in the current company.",
    )
    retail_tier_locked = fields.Boolean(
        string="Manual Tier",
        company_dependent=True,
        help="The tier was set by a manager and is not lowered by the review until the override expires.",
    )
    retail_tier_locked_until = fields.Date(
        string="Manual Tier Until",
        company_dependent=True,
        help="Date the manual tier expires. Empty: it does not expire.",
    )
    retail_tier_downgrade_date = fields.Date(
        string="Scheduled Downgrade",
        company_dependent=True,
        help="The member no longer qualifies for the current tier; the tier is "
        "lowered on this date unless the member requalifies before.",
    )
    retail_tier_evaluated_at = fields.Datetime(
        string="Tier Evaluated At",
        readonly=True,
        copy=False,
        help="Technical: last tier evaluation; also serialises concurrent evaluations.",
    )
    retail_birthday_coupon_year = fields.Integer(
        string="Birthday Coupon Year",
        company_dependent=True,
        copy=False,
        help="Technical: last year a birthday coupon was issued in this company.",
    )

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
            return _("Highest tier reached") if self.retail_tier_id else False
        if next_tier.min_spend and remaining > 0:
            return _(
                "Spend %(amount)s more for %(tier)s",
                amount=format_amount(self.env, remaining, company.currency_id),
                tier=next_tier.name,
            )
        if next_tier.min_orders and count < next_tier.min_orders:
            return _(
                "%(count)s more orders for %(tier)s",
                count=next_tier.min_orders - count,
                tier=next_tier.name,
            )
        return _("Qualifies for %(tier)s", tier=next_tier.name)

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
    # Constraints and normalisation (D2)
    # ------------------------------------------------------------------
    @api.constrains("retail_birthday")
    def _check_retail_birthday(self):
        today = fields.Date.context_today(self)
        for partner in self.filtered("retail_birthday"):
            if partner.retail_birthday > today:
                raise ValidationError(
                    _(
                        "The birthday of %(name)s cannot be in the future.",
                        name=partner.display_name,
                    )
                )
            if partner.retail_birthday < today - relativedelta(years=MAX_AGE_YEARS):
                raise ValidationError(
                    _(
                        "The birthday of %(name)s gives an age over %(years)s years; please check the date.",
                        name=partner.display_name,
                        years=MAX_AGE_YEARS,
                    )
                )

    @api.constrains("retail_id_number")
    def _check_retail_id_number(self):
        if cn_ric is None:
            return
        for partner in self.filtered("retail_id_number"):
            try:
                cn_ric.validate(partner.retail_id_number)
            except stdnum_exceptions.ValidationError as exc:
                raise ValidationError(
                    _(
                        "The ID card number %(number)s of %(name)s is not a valid resident "
                        "identity card number (18 characters, last one a check digit or X).",
                        number=partner.retail_id_number,
                        name=partner.display_name,
                    )
                ) from exc

    @api.constrains("retail_is_member", "mobile")
    def _check_retail_member_mobile(self):
        for partner in self.filtered("retail_is_member"):
            if not partner.mobile:
                raise ValidationError(
                    _("A member needs a mobile number: %(name)s.", name=partner.display_name)
                )

    @api.model
    def _retail_check_mobiles_free(self, mobiles_by_partner):
        """Refuse to give a member the mobile of another active member (D3),
        before anything is written: the cashier gets the member number of the
        existing member (masked) and a manager merges the contacts instead.
        Concurrent enrolments are stopped by the database constraint
        retail_member_mobile_uniq.

        :param mobiles_by_partner: [(partner id or False, normalised mobile)]
        """
        mobiles = [mobile for _pid, mobile in mobiles_by_partner if mobile]
        if not mobiles:
            return
        duplicate = next((m for m in mobiles if mobiles.count(m) > 1), None)
        existing = self.browse()
        if not duplicate:
            # sudo: the cashier must learn that the number is taken, whoever
            # the member belongs to; only the masked member number is shown
            existing = (
                self.sudo()
                .with_context(active_test=True)
                .search(
                    [
                        ("retail_is_member", "=", True),
                        ("mobile", "in", mobiles),
                        ("id", "not in", [pid for pid, _mobile in mobiles_by_partner if pid]),
                    ],
                    limit=1,
                )
            )
            if not existing:
                return
            duplicate = existing.mobile
        raise ValidationError(
            _(
                "The mobile number %(mobile)s already belongs to member %(number)s: find that member "
                "at the till instead of enrolling a new one (a manager can merge the two contacts).",
                mobile=duplicate,
                number=mask_member_number(existing.retail_member_number),
            )
        )

    @api.model
    def _retail_phone_regions(self, company=None):
        """Regions a member's mobile is read in, in order: the store's
        (company's) country, then the member region setting (default CN), so
        that 138 0013 8000 works in a US-registered company with Chinese
        stores."""
        company = company or self.env.company
        regions = []
        for country in (company.country_id, company.retail_member_country_id):
            code = (country.code or "").upper()
            if (
                code
                and code not in regions
                and (phonenumbers is None or code in phonenumbers.SUPPORTED_REGIONS)
            ):
                regions.append(code)
        return regions or ["CN"]

    @api.model
    def _retail_parse_mobile(self, number, regions):
        """The parsed number (phonenumbers) of the first region the number is
        a valid mobile in; ("landline", parsed) when it is only a valid fixed
        line; None when it is not a valid number anywhere."""
        landline = None
        for region in regions:
            try:
                parsed = phone_parse(number, region)
            except UserError:
                continue
            kind = phonenumbers.number_type(parsed)
            if kind in MOBILE_TYPES:
                return parsed
            landline = landline or parsed
        return ("landline", landline) if landline else None

    @api.model
    def _retail_normalize_mobile(self, number, company=None, raise_exception=True):
        """Return the member's mobile ``number`` in E.164 (+8613800138000).

        Only digits, spaces, dashes, dots, brackets and a leading + are read
        (phonenumbers would turn keypad letters into digits: 138abc00138);
        a landline is refused (members are texted); nothing bypasses the
        check, masked values (139****9000) included."""
        if not number or phonenumbers is None:
            return number
        regions = self._retail_phone_regions(company)
        text = number.translate(FULL_WIDTH).strip()
        parsed = self._retail_parse_mobile(text, regions) if MOBILE_CHARS.fullmatch(text) else None
        if parsed is not None and not isinstance(parsed, tuple):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if not raise_exception:
            return number
        if parsed is not None:
            raise ValidationError(
                _(
                    "%(number)s is a landline number: a member needs a mobile number "
                    "(for example 138 0013 8000).",
                    number=number,
                )
            )
        raise ValidationError(
            _(
                "The mobile number %(number)s is not valid. Enter it like 138 0013 8000 or "
                "+86 138 0013 8000 (digits only; regions tried: %(regions)s).",
                number=number,
                regions=", ".join(regions),
            )
        )

    def _retail_normalize_vals(self, vals, is_member):
        if vals.get("mobile") and is_member:
            company = (
                self.env["res.company"].browse(vals.get("company_id"))
                if vals.get("company_id")
                else (self.company_id[:1] or self.env.company)
            )
            vals["mobile"] = self._retail_normalize_mobile(vals["mobile"], company)
        return vals

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
        if "mobile" in vals or vals.get("retail_is_member"):
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
        return self.env["ir.sequence"].sudo().next_by_code("retail.crm.member") or _("New")

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
            raise UserError(_("This contact has no mobile number."))
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
            raise UserError(_("No other contact shares the mobile number %(mobile)s.", mobile=self.mobile))
        return {
            "type": "ir.actions.act_window",
            "name": _("Merge Duplicate Members"),
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
            "name": _("Duplicate Members"),
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
    # Tier engine (L2, L3)
    # ------------------------------------------------------------------
    @api.model
    def _retail_window_start(self, company, today=None):
        today = today or fields.Date.context_today(self)
        months = company.retail_tier_window_months
        return fields.Datetime.to_datetime(today - relativedelta(months=months) + relativedelta(days=1))

    @api.model
    def _retail_tier_stats(self, company, partner_ids=None, today=None):
        """Qualifying spend (company currency, refunds subtracted) and order
        count per partner over the rolling window, in one query.

        :return: {partner_id: (spend, order_count)}
        """
        self.env["pos.order"].flush_model(
            ["partner_id", "company_id", "state", "amount_total", "currency_rate", "date_order"]
        )
        partner_filter = SQL("")
        if partner_ids is not None:
            partner_filter = SQL("AND o.partner_id = ANY(%s)", list(partner_ids))
        rows = self.env.execute_query(
            SQL(
                """
                SELECT o.partner_id,
                       SUM(o.amount_total / COALESCE(NULLIF(o.currency_rate, 0), 1.0)),
                       COUNT(*) FILTER (WHERE o.amount_total > 0)
                  FROM pos_order o
                 WHERE o.company_id = %(company)s
                   AND o.state IN %(states)s
                   AND o.date_order >= %(date_from)s
                   AND o.partner_id IS NOT NULL
                   %(partner_filter)s
              GROUP BY o.partner_id
                """,
                company=company.id,
                states=PAID_STATES,
                date_from=self._retail_window_start(company, today),
                partner_filter=partner_filter,
            )
        )
        return {pid: (company.currency_id.round(spend or 0.0), count) for pid, spend, count in rows}

    def _retail_lock_tier_rows(self):
        """Serialise tier evaluations of the same members: an evaluation
        updates the partner rows first, so a concurrent transaction evaluating
        the same member waits, then fails with a serialization error and is
        retried by Odoo, seeing the other order."""
        if not self.ids:
            return
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET retail_tier_evaluated_at = now() at time zone 'UTC' WHERE id = ANY(%s)",
                self.ids,
            )
        )
        self.invalidate_recordset(["retail_tier_evaluated_at"])

    def _retail_assign_initial_tier(self):
        """Give new members the tier they qualify for in the current company."""
        self._retail_upgrade_tiers(self.env.company, reason=_("Enrolment"))

    def _retail_upgrade_tiers(self, company, order=None, reason=None):
        """Raise the tier of these members in ``company`` to the highest tier
        they qualify for now. Never lowers a tier (that is the review's job).
        A constant number of queries, whatever the members' order history."""
        members = self.filtered("retail_is_member")
        if not members:
            return self.env["retail.crm.tier.history"]
        tiers = self.env["retail.crm.tier"]._get_company_tiers(company)
        if not tiers:
            return self.env["retail.crm.tier.history"]
        members._retail_lock_tier_rows()
        stats = self._retail_tier_stats(company, members.ids)
        members_c = members.with_company(company)
        changes = []
        for partner in members_c:
            spend, count = stats.get(partner.id, (0.0, 0))
            target = tiers._qualifying_tier(spend, count)
            current = partner.retail_tier_id
            if target and tiers._rank(target) > tiers._rank(current):
                kind = "upgrade" if current else "enrol"
                changes.append((partner, target, kind, reason, order))
        cleared = members_c.filtered(
            lambda p: (
                p.retail_tier_downgrade_date and tiers._retains(p.retail_tier_id, *stats.get(p.id, (0.0, 0)))
            )
        )
        if cleared:
            # requalified: the pending downgrade is cancelled
            cleared.sudo()._retail_write_company_values(company, {"retail_tier_downgrade_date": False})
        return self._retail_apply_tier_changes(company, changes)

    @api.model
    def _retail_apply_tier_changes(self, company, changes):
        """Apply tier changes set-based and log them.

        :param changes: list of (partner, new_tier, kind, reason, order)
        :return: the created retail.crm.tier.history records
        """
        if not changes:
            return self.env["retail.crm.tier.history"]
        Partner = self.env["res.partner"]
        by_tier = {}
        for partner, tier, _kind, _reason, _order in changes:
            by_tier.setdefault(tier, Partner)
            by_tier[tier] |= partner
        # old tiers/pricelists must be read before writing
        old_tiers = {partner.id: partner.with_company(company).retail_tier_id for partner, *_rest in changes}
        old_pricelists = {
            partner.id: partner.with_company(company).specific_property_product_pricelist
            for partner, *_rest in changes
        }
        for tier, partners in by_tier.items():
            # sudo: a tier change is triggered by a paid order or a cron; the
            # cashier/cron user may not write partners of other salespeople.
            partners_sudo = partners.sudo()
            vals = {"retail_tier_id": tier.id, "retail_tier_downgrade_date": False}
            partners_sudo._retail_write_company_values(company, vals)
            # per-tier pricelist (L5): set the new one, or drop the old tier's one
            to_set = partners_sudo if tier.pricelist_id else Partner
            to_clear = Partner.sudo()
            if not tier.pricelist_id:
                for partner in partners_sudo:
                    old_pl = old_pricelists.get(partner.id)
                    if old_pl and old_pl == old_tiers[partner.id].pricelist_id:
                        to_clear |= partner
            if to_set:
                to_set._retail_write_company_values(
                    company, {"specific_property_product_pricelist": tier.pricelist_id.id}
                )
            if to_clear:
                to_clear._retail_write_company_values(company, {"specific_property_product_pricelist": False})
        history_vals = [
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "old_tier_id": old_tiers[partner.id].id,
                "new_tier_id": tier.id,
                "change_type": kind,
                "reason": reason,
                "order_id": order.id if order else False,
                "user_id": self.env.uid,
            }
            for partner, tier, kind, reason, order in changes
        ]
        # sudo: history is written by the system on behalf of the cashier/cron
        return self.env["retail.crm.tier.history"].sudo().create(history_vals)

    def _retail_write_company_values(self, company, vals):
        """Write company-dependent values for ``company`` without the
        res.partner write() machinery (address sync, tracking): these are
        technical per-company values set in batch."""
        if not self.ids:
            return
        self.with_company(company).flush_recordset(list(vals))
        assignments = []
        for fname, value in vals.items():
            column = SQL.identifier(fname)
            if value:
                assignments.append(
                    SQL(
                        "%s = COALESCE(%s, '{}'::jsonb) || jsonb_build_object(%s::text, %s)",
                        column,
                        column,
                        str(company.id),
                        value,
                    )
                )
            else:
                assignments.append(SQL("%s = %s - %s::text", column, column, str(company.id)))
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET %s WHERE id = ANY(%s)",
                SQL(", ").join(assignments),
                self.ids,
            )
        )
        self.invalidate_recordset(list(vals))
        if "specific_property_product_pricelist" in vals:
            self.invalidate_recordset(["property_product_pricelist"])
        self.modified(list(vals))

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

    # ------------------------------------------------------------------
    # Messages (L3 notice, L7 care)
    # ------------------------------------------------------------------
    def _retail_marketing_consented(self, channel):
        """Marketing is opt-in where the suite's privacy addon records consent:
        keep the members with a live consent for ``channel`` ('email', 'sms').
        Without that addon, the blacklists alone decide."""
        if hasattr(self, "_privacy_marketing_partners"):
            return self._privacy_marketing_partners(channel)
        return self

    def _retail_reachable_by_email(self, marketing=False):
        """Members with an e-mail address that is not blacklisted (opted out);
        for ``marketing`` (care, greetings) also with a live consent."""
        with_email = self.filtered("email_normalized")
        if marketing:
            with_email = with_email._retail_marketing_consented("email")
        if not with_email:
            return with_email
        # sudo: the blacklist is technical data, checked on behalf of the cron
        blacklisted = set(
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", with_email.mapped("email_normalized"))])
            .mapped("email")
        )
        return with_email.filtered(lambda p: p.email_normalized not in blacklisted)

    def _retail_reachable_by_sms(self, marketing=False):
        """Members with a phone number that is not blacklisted (opted out of
        SMS); for ``marketing`` also with a live consent."""
        with_number = self.filtered("phone_sanitized")
        if marketing:
            with_number = with_number._retail_marketing_consented("sms")
        if not with_number:
            return with_number
        # sudo: the blacklist is technical data, checked on behalf of the cron
        blacklisted = set(
            self.env["phone.blacklist"]
            .sudo()
            .search([("number", "in", with_number.mapped("phone_sanitized"))])
            .mapped("number")
        )
        return with_number.filtered(lambda p: p.phone_sanitized not in blacklisted)

    def _retail_send_sms_template(self, template, company=None, marketing=True):
        """Queue one SMS per reachable member from ``template`` (one composer
        for all of them, a note on each member); returns the members texted.
        Care SMS are marketing: only to members who consented."""
        if not template or not self:
            return self.browse()
        reachable = self._retail_reachable_by_sms(marketing=marketing)
        if reachable:
            # sudo: crons send customer SMS through the template
            composer = (
                self.env["sms.composer"]
                .sudo()
                .with_company(company or self.env.company)
                .create(
                    {
                        "composition_mode": "mass",
                        "res_model": "res.partner",
                        "res_ids": repr(reachable.ids),
                        "template_id": template.id,
                        "mass_keep_log": True,
                    }
                )
            )
            composer.action_send_sms()
        return reachable

    def _retail_send_template(self, template_xmlid, company=None, marketing=False):
        """Send a care/notice template to the reachable members; log a note on
        every member so staff see what was sent (or why not). Care messages
        are ``marketing`` (consent needed); service notices are not."""
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not template or not self:
            return self.browse()
        reachable = self._retail_reachable_by_email(marketing=marketing)
        if reachable:
            # sudo: crons send customer e-mails through the template
            template.sudo().with_company(company or self.env.company).send_mail_batch(reachable.ids)
        return reachable

    def _retail_send_downgrade_notice(self, company):
        reachable = self._retail_send_template(
            "retail_crm_loyalty.mail_template_tier_downgrade_notice", company
        )
        bodies = {}
        for partner in self.with_company(company):
            if partner in reachable:
                body = _(
                    "Tier downgrade notice sent: %(tier)s will be reviewed on %(date)s.",
                    tier=partner.retail_tier_id.name,
                    date=partner.retail_tier_downgrade_date,
                )
            else:
                body = _(
                    "Tier downgrade scheduled on %(date)s (no e-mail notice: no address or opted out).",
                    date=partner.retail_tier_downgrade_date,
                )
            bodies[partner.id] = body
        self._message_log_batch(bodies=bodies)

    # ------------------------------------------------------------------
    # Birthday coupons and greetings (L5, L7), VIP follow-ups (L7)
    # ------------------------------------------------------------------
    @api.model
    def _retail_birthday_members(self, company, today):
        """Members of ``company`` whose birthday is today (29 February is
        celebrated on 28 February in other years) and who did not get this
        year's coupon yet."""
        self.flush_model(["retail_birthday", "retail_is_member", "active", "company_id"])
        feb29 = today.month == 2 and today.day == 28 and not calendar.isleap(today.year)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM res_partner
                 WHERE retail_is_member AND active
                   AND retail_birthday IS NOT NULL
                   AND (company_id IS NULL OR company_id = %(company)s)
                   AND EXTRACT(MONTH FROM retail_birthday) = %(month)s
                   AND (EXTRACT(DAY FROM retail_birthday) = %(day)s
                        OR (%(feb29)s AND EXTRACT(DAY FROM retail_birthday) = 29))
                   AND COALESCE((retail_birthday_coupon_year ->> %(cid)s)::int, 0) < %(year)s
                """,
                company=company.id,
                cid=str(company.id),
                month=today.month,
                day=today.day,
                feb29=feb29,
                year=today.year,
            )
        )
        return self.browse([pid for (pid,) in rows])

    @api.model
    def _cron_retail_birthday(self, today=None):
        today = today or fields.Date.context_today(self)
        greeted = self.browse()
        for company in self.env["res.company"].search([]):
            members = self.with_company(company)._retail_birthday_members(company, today)
            if not members:
                continue
            program = company.retail_birthday_program_id
            if program:
                self._retail_issue_birthday_coupons(members, program, company, today)
            to_greet = members - greeted
            to_greet._retail_send_template(
                "retail_crm_loyalty.mail_template_birthday", company, marketing=True
            )
            if company.retail_birthday_sms:
                to_greet._retail_send_sms_template(
                    self.env.ref("retail_crm_loyalty.sms_template_birthday", raise_if_not_found=False),
                    company,
                )
            greeted |= members
            # sudo: technical marker written by the cron
            members.sudo()._retail_write_company_values(company, {"retail_birthday_coupon_year": today.year})
        return greeted

    @api.model
    def _retail_issue_birthday_coupons(self, members, program, company, today):
        """One coupon per member, valid ``retail_birthday_coupon_days`` days."""
        points = max(program.reward_ids.mapped("required_points") or [1.0])
        validity = company.retail_birthday_coupon_days or 7
        # sudo: coupons are created by the cron for every member
        coupons = (
            self.env["loyalty.card"]
            .sudo()
            .with_context(action_no_send_mail=True)
            .create(
                [
                    {
                        "program_id": program.id,
                        "partner_id": partner.id,
                        "points": points,
                        "expiration_date": today + relativedelta(days=validity - 1),
                    }
                    for partner in members
                ]
            )
        )
        members._message_log_batch(
            bodies={
                coupon.partner_id.id: self.env._(
                    "Birthday coupon %(code)s issued, valid until %(date)s.",
                    code=coupon.code,
                    date=coupon.expiration_date,
                )
                for coupon in coupons
            }
        )
        return coupons

    @api.model
    def _cron_retail_vip_followup(self, today=None):
        """Schedule a follow-up activity for the salesperson of each VIP
        member (tier at or above the company's VIP tier) who has no open
        follow-up and none done within the interval."""
        today = today or fields.Date.context_today(self)
        activity_type = self.env.ref(
            "retail_crm_loyalty.mail_activity_type_vip_followup", raise_if_not_found=False
        )
        if not activity_type:
            return self.env["mail.activity"]
        Activity = self.env["mail.activity"].sudo()
        created = Activity.browse()
        for company in self.env["res.company"].search([("retail_vip_tier_id", "!=", False)]):
            tiers = self.env["retail.crm.tier"]._get_company_tiers(company)
            vip_tiers = (
                tiers[tiers._rank(company.retail_vip_tier_id) :]
                if company.retail_vip_tier_id in tiers
                else tiers.browse()
            )
            if not vip_tiers:
                continue
            vips = self.with_company(company).search(
                [
                    ("retail_is_member", "=", True),
                    ("retail_tier_id", "in", vip_tiers.ids),
                    ("user_id", "!=", False),
                ]
            )
            if not vips:
                continue
            since = today - relativedelta(days=company.retail_vip_followup_days or 90)
            open_ids = {
                res_id
                for [res_id] in Activity._read_group(
                    [
                        ("res_model", "=", "res.partner"),
                        ("res_id", "in", vips.ids),
                        ("activity_type_id", "=", activity_type.id),
                    ],
                    ["res_id"],
                )
            }
            recent_done = {
                res_id
                for [res_id] in self.env["mail.message"]
                .sudo()
                ._read_group(
                    [
                        ("model", "=", "res.partner"),
                        ("res_id", "in", vips.ids),
                        ("mail_activity_type_id", "=", activity_type.id),
                        ("date", ">=", fields.Datetime.to_datetime(since)),
                    ],
                    ["res_id"],
                )
            }
            skip = open_ids | recent_done
            todo = vips.browse([pid for pid in vips.ids if pid not in skip])
            model_id = self.env["ir.model"]._get_id("res.partner")
            created |= Activity.create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": partner.id,
                        "activity_type_id": activity_type.id,
                        "user_id": partner.user_id.id,
                        "summary": self.env._(
                            "Follow up with %(tier)s member", tier=partner.retail_tier_id.name
                        ),
                        "date_deadline": today + relativedelta(days=activity_type.delay_count or 3),
                    }
                    for partner in todo
                ]
            )
        return created
