"""Member profile checks (D2, D3): mobiles in E.164 read with the store's
region, no letters, masks or landlines; one member per mobile; ID numbers and
birthdays validated."""

import logging
import re

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

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


def mask_member_number(number):
    """M00001234 -> M****1234 (enough for the member to recognise it)."""
    number = number or ""
    if len(number) <= 5:
        return "****"
    return f"{number[:1]}****{number[-4:]}"


class RetailCrmMemberCheck(models.AbstractModel):
    """Mixed into res.partner (see res_partner.py)."""

    _name = "retail.crm.member.check"
    _description = "Member Profile Checks"

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
