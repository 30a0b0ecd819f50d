"""Member profile checks (D2, D3): mobiles in E.164 read with the store's
region, no letters, masks or landlines; one member per mobile; ID numbers and
birthdays validated."""

import logging
import re

import phonenumbers
from dateutil.relativedelta import relativedelta
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric as cn_ric

from odoo import api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)

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
                    self.env._(
                        "The birthday of %(name)s cannot be in the future.",
                        name=partner.display_name,
                    )
                )
            if partner.retail_birthday < today - relativedelta(years=MAX_AGE_YEARS):
                raise ValidationError(
                    self.env._(
                        "The birthday of %(name)s gives an age over %(years)s years; please check the date.",
                        name=partner.display_name,
                        years=MAX_AGE_YEARS,
                    )
                )

    @api.constrains("retail_id_number")
    def _check_retail_id_number(self):
        for partner in self.filtered("retail_id_number"):
            try:
                cn_ric.validate(partner.retail_id_number)
            except stdnum_exceptions.ValidationError as exc:
                raise ValidationError(
                    self.env._(
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
                    self.env._("A member needs a mobile number: %(name)s.", name=partner.display_name)
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
            self.env._(
                "The mobile number %(mobile)s already belongs to member %(number)s: find that member "
                "at the till instead of enrolling a new one (a manager can merge the two contacts).",
                mobile=duplicate,
                number=mask_member_number(existing.retail_member_number),
            )
        )

    @api.model
    def _retail_phone_countries(self, company=None):
        """Countries a member's mobile is read in, in order: the store's
        (company's) country, then the member region setting (default CN), so
        that 138 0013 8000 works in a US-registered company with Chinese
        stores."""
        company = company or self.env.company
        countries = self.env["res.country"]
        for country in (company.country_id, company.retail_member_country_id):
            code = (country.code or "").upper()
            if code in phonenumbers.SUPPORTED_REGIONS and country not in countries:
                countries |= country
        return countries or self.env.ref("base.cn")

    @api.model
    def _retail_parse_mobile(self, number, countries):
        """``number`` in E.164 for the first country it is a valid mobile of
        (formatted by phone_validation), else None; and the E.164 landline
        when it is only a valid fixed line somewhere."""
        landline = None
        for country in countries:
            formatted = self._phone_format_number(number, country, force_format="E164")
            if not formatted:
                continue
            if phonenumbers.number_type(phonenumbers.parse(formatted)) in MOBILE_TYPES:
                return formatted, None
            landline = landline or formatted
        return None, landline

    @api.model
    def _retail_normalize_mobile(self, number, company=None, raise_exception=True):
        """Return the member's mobile ``number`` in E.164 (+8613800138000),
        formatted by phone_validation in the store's region.

        Only digits, spaces, dashes, dots, brackets and a leading + are read
        (phonenumbers would turn keypad letters into digits: 138abc00138);
        a landline is refused (members are texted); nothing bypasses the
        check, masked values (139****9000) included."""
        if not number:
            return number
        countries = self._retail_phone_countries(company)
        text = number.translate(FULL_WIDTH).strip()
        mobile = landline = None
        if MOBILE_CHARS.fullmatch(text):
            mobile, landline = self._retail_parse_mobile(text, countries)
        if mobile:
            return mobile
        if not raise_exception:
            return number
        example, international = self._retail_mobile_example(countries, company)
        if landline:
            raise ValidationError(
                self.env._(
                    "%(number)s is a landline number: a member needs a mobile number "
                    "(for example %(example)s).",
                    number=number,
                    example=example,
                )
            )
        raise ValidationError(
            self.env._(
                "The mobile number %(number)s is not valid. Enter it like %(example)s or "
                "%(international)s (digits only; regions tried: %(regions)s).",
                number=number,
                example=example,
                international=international,
                regions=", ".join(countries.mapped("code")),
            )
        )

    @api.model
    def _retail_mobile_example(self, countries, company=None):
        """A mobile number of a region the number was read in, as typed
        locally and with its country code, so that the example an error gives
        is accepted: the member region's (else the first region's)."""
        company = company or self.env.company
        country = company.retail_member_country_id
        if country not in countries:
            country = countries[:1]
        if country.code == "CN":
            return "138 0013 8000", "+86 138 0013 8000"
        example = phonenumbers.example_number_for_type(country.code, phonenumbers.PhoneNumberType.MOBILE)
        if not example:
            return "138 0013 8000", "+86 138 0013 8000"
        return (
            phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL),
            phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
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
