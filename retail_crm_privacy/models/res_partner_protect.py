"""Writes on customers under the access rule (P4): a user may only change
customers they may see; only managers assign salespeople and touch the
loyalty/RFM figures; data minimisation (D4); consents from the till (P1)."""

import re

from odoo import api, models
from odoo.exceptions import AccessError, UserError, ValidationError

from . import consent_tools, privacy_tools
from .res_partner_till_consent import OPT_OUT_PURPOSES, TILL_EXCLUDED_PURPOSES

# fields other addons compute or set through their own wizards: tier and its
# lock, member number, RFM figures (managers use the override wizards)
MANAGED_FIELD_PATTERN = re.compile(r"^(retail_tier_|retail_member_number|rfm_)")
# fields that move a customer or its data into another's hands
STRUCTURAL_FIELDS = {"user_id", "parent_id", "child_ids", "active", "company_id", "is_company"}


class RetailCrmPrivacyPartnerProtect(models.AbstractModel):
    """Mixed into res.partner (see res_partner.py)."""

    _name = "retail.crm.privacy.partner.protect"
    _description = "Customer personal data: protected writes"

    @api.model
    def _privacy_is_manager(self):
        """Managers assign salespeople and change managed figures."""
        user = self.env.user
        return (
            self.env.su
            or not self._privacy_is_restricted()
            or user.has_group("point_of_sale.group_pos_manager")
        )

    def _privacy_check_managed_fields(self, vals):
        """Tier, tier lock and RFM figures are the managers'. A member number
        may be given to customers who have none (enrolment at the till, the
        number comes from the loyalty sequence), never changed or removed."""
        managed = {f for f in vals if MANAGED_FIELD_PATTERN.match(f) and f in self._fields}
        if "retail_member_number" in managed and not any(self.sudo().mapped("retail_member_number")):
            managed.discard("retail_member_number")
        if managed and not self._privacy_is_manager():
            raise AccessError(
                self.env._(
                    "Only managers may change these customer fields: %(fields)s.",
                    fields=", ".join(sorted(self._fields[f].string for f in managed)),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._privacy_check_collection(vals)
                self.browse()._privacy_check_managed_fields(vals)
            if self._privacy_is_restricted() and not self._privacy_is_manager():
                for vals in vals_list:
                    # the cashier who registers a customer becomes their 导购
                    vals.setdefault("user_id", self.env.uid)
                    if vals["user_id"] not in (self.env.uid, False):
                        raise AccessError(self.env._("Only managers assign a customer's salesperson."))
            parent_ids = {vals["parent_id"] for vals in vals_list if vals.get("parent_id")}
            if parent_ids and self.browse(parent_ids)._privacy_hidden_for_write():
                raise AccessError(self.env._("You may only add contacts to customers assigned to you."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._privacy_check_collection(vals)
            self._privacy_check_managed_fields(vals)
            if "user_id" in vals and not self._privacy_is_manager():
                raise AccessError(self.env._("Only managers assign a customer's salesperson."))
            vals = self._privacy_check_write(vals)
            if vals.get("parent_id") and self.browse(vals["parent_id"])._privacy_hidden_for_write():
                raise AccessError(self.env._("You may only add contacts to customers assigned to you."))
        return super().write(vals)

    def _privacy_hidden_for_write(self):
        """Customers of ``self`` the current (non-sudo) user may not change."""
        if self.env.su or not self._privacy_is_restricted():
            return self.browse()
        return self._privacy_hidden()

    def _privacy_check_write(self, vals):
        """Nothing of a customer the user may not see can be changed. A masked
        value sent back unchanged (form re-save) is ignored."""
        others = self._privacy_hidden_for_write()
        if not others or not vals:
            return vals
        vals = dict(vals)
        personal = set(vals) & set(self._privacy_personal_fields())
        for fname in personal:
            field_type = self._fields[fname].type
            if all(
                privacy_tools.mask_value(fname, field_type, partner.sudo()[fname]) == vals[fname]
                for partner in others
            ):
                vals.pop(fname)
        if vals:
            raise AccessError(
                self.env._(
                    "You may only change customers assigned to you (%(customers)s).",
                    customers=", ".join(others.mapped("name")),
                )
            )
        return vals

    @api.ondelete(at_uninstall=False)
    def _privacy_unlink_only_visible(self):
        if self._privacy_hidden_for_write():
            raise AccessError(self.env._("You may only delete customers assigned to you."))

    def copy(self, default=None):
        default = dict(default or {})
        if not self.env.su:
            if self._privacy_hidden_for_write():
                raise AccessError(self.env._("You may only duplicate customers assigned to you."))
            self._privacy_check_managed_fields(default)
        return super().copy(default)

    def copy_data(self, default=None):
        """``copy_data`` is a public method too: the values it returns leave
        the server as a read's do, masked for customers the user may not
        see (``copy`` itself refuses to duplicate them)."""
        vals_list = super().copy_data(default=default)
        if self.env.su or not self._privacy_is_restricted():
            return vals_list
        hidden = set(self._privacy_hidden().ids)
        personal = self._privacy_personal_field_names()
        for partner, vals in zip(self, vals_list, strict=True):
            if partner.id in hidden:
                for fname in personal:
                    if fname in vals:
                        vals[fname] = privacy_tools.mask_value(fname, self._fields[fname].type, vals[fname])
        return vals_list

    # ------------------------------------------------------------------
    # Data minimisation (D4)
    # ------------------------------------------------------------------

    @api.model
    def _privacy_collected_categories(self):
        icp = self.env["ir.config_parameter"].sudo()
        return {
            category
            for category in privacy_tools.OPTIONAL_CATEGORIES
            if icp.get_param(f"retail_crm_privacy.collect_{category}", "True") != "False"
        }

    @api.model
    def _privacy_check_collection(self, vals):
        """Data minimisation (D4): refuse values of optional fields the
        company decided not to collect."""
        collected = self._privacy_collected_categories()
        refused = []
        for category, pattern in privacy_tools.OPTIONAL_CATEGORIES.items():
            if category in collected:
                continue
            refused += [
                fname
                for fname, value in vals.items()
                if value
                and pattern.search(fname)
                and fname in self._fields
                and fname in self._privacy_personal_fields()
            ]
        if refused:
            raise ValidationError(
                self.env._(
                    "Your privacy settings say these customer fields are not collected: "
                    "%(fields)s. Leave them empty or change the setting.",
                    fields=", ".join(sorted(self._fields[f].string for f in refused)),
                )
            )

    # ------------------------------------------------------------------
    # Consent from the POS (P1)
    # ------------------------------------------------------------------

    @api.model
    def privacy_pos_get_consents(self, partner_id):
        """The till's privacy authorisation dialog for one customer: the
        current policy version and, per purpose, the live state (ticked when
        granted, profiling ticked while undecided: it is opt-out) and whether
        it must be renewed. Refused for customers the user may not change.
        Without ``partner_id``: the purposes asked when a member is enrolled."""
        live = {}
        if partner_id:
            partner = self.browse(partner_id).exists()
            if not partner:
                raise UserError(self.env._("This customer no longer exists."))
            partner._privacy_check_consent_access()
            live = {code: row for (_pid, code), row in partner._privacy_live_consents().items()}
        version = self.env["retail.crm.consent"]._default_policy_version()
        current_version = consent_tools.version_key(version)
        # sudo: purposes are configuration, listed for a checked user
        purposes = (
            self.env["retail.crm.consent.purpose"].sudo().search([("code", "not in", TILL_EXCLUDED_PURPOSES)])
        )
        result = []
        for purpose in purposes:
            row = live.get(purpose.code)
            result.append(
                {
                    "id": purpose.id,
                    "name": purpose.name,
                    "code": purpose.code,
                    "marketing": bool(purpose.marketing_channel),
                    "known": bool(row),
                    "granted": row.state == "granted" if row else purpose.code in OPT_OUT_PURPOSES,
                    "renew": bool(
                        row
                        and row.state == "granted"
                        and consent_tools.version_key(row.consent_id.policy_version) < current_version
                    ),
                }
            )
        return {"policy_version": version, "purposes": result}

    @api.model
    def privacy_pos_set_consents(self, partner_id, values, config_id=False, answered=False):
        """Record the consents ticked at the till: ``values`` maps purpose id
        to granted (bool). Only changes are recorded (append-only history).

        ``answered``: the customer answered the authorisation dialog for every
        purpose in ``values``: an unticked purpose never decided before is
        recorded as refused, and a grant given under an older policy version
        is given again under the current one, so the till stops asking."""
        partner = self.browse(partner_id).exists()
        if not partner:
            raise UserError(self.env._("This customer no longer exists."))
        partner._privacy_check_consent_access()
        config = self.env["pos.config"].browse(config_id).exists() if config_id else None
        current_version = consent_tools.version_key(self.env["retail.crm.consent"]._default_policy_version())
        current = {
            c.purpose_id.id: c
            for c in self.env["retail.crm.consent.current"].search([("partner_id", "=", partner.id)])
        }
        Consent = self.env["retail.crm.consent"]
        Purpose = self.env["retail.crm.consent.purpose"]
        created = Consent
        for purpose_id, granted in values.items():
            state = "granted" if granted else "withdrawn"
            row = current.get(int(purpose_id))
            if row and row.state == state:
                renew = (
                    answered
                    and granted
                    and consent_tools.version_key(row.consent_id.policy_version) < current_version
                )
                if not renew:
                    continue
            if not granted and not row and not answered:
                continue  # never asked before and not given: nothing to record
            created |= Consent._record(
                partner, Purpose.browse(int(purpose_id)), state, source="pos", pos_config=config
            )
        return created.ids

    def _privacy_check_consent_access(self):
        """Consents are the customer's data: recorded by whoever may see them."""
        if self._privacy_hidden_for_write():
            raise AccessError(self.env._("You may only record the consents of customers assigned to you."))
